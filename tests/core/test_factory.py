"""`build_optimizer` and `normalize_spec`: the YAML optimizer section, checked and built."""

from __future__ import annotations

import subprocess
import sys

import keras
import pytest

from adamctl.core import ADAM_DEFAULTS, build_optimizer, normalize_spec
from adamctl.core.schedules import LinearBeta
from adamctl.errors import InvalidArgument


def test_normalize_fills_every_default_in_order():
    spec = normalize_spec({"beta_1": 0.8, "learning_rate": 1})
    assert list(spec) == list(ADAM_DEFAULTS)
    assert spec["beta_1"] == 0.8 and spec["learning_rate"] == 1.0
    assert isinstance(spec["learning_rate"], float)
    assert spec["epsilon"] == 1e-7 and spec["epsilon_mode"] == "hat"


def test_normalize_is_idempotent():
    spec = {"learning_rate": {"schedule": "CosineDecay", "initial_learning_rate": 1e-3,
                              "decay_steps": 100}, "beta_2": {"schedule": "linear", "start": 0.9,
                                                              "end": 0.999, "steps": 10}}
    once = normalize_spec(spec)
    assert normalize_spec(once) == once
    assert once["learning_rate"] == {"schedule": "CosineDecay", "initial_learning_rate": 1e-3,
                                     "decay_steps": 100, "alpha": 0.0, "warmup_target": None,
                                     "warmup_steps": 0}


@pytest.mark.parametrize("spec, argument, message", [
    pytest.param({"beta1": 0.9}, "beta1", r'did you mean "beta_1"', id="unknown-key"),
    pytest.param({"learning_rate": {"schedule": "CosineDecy", "decay_steps": 1}},
                 "learning_rate.schedule", r'did you mean "CosineDecay"', id="unknown-schedule"),
    pytest.param({"learning_rate": {"schedule": "CosineDecay", "initial_learning_rate": 0.1}},
                 "learning_rate.decay_steps", r"CosineDecay requires it", id="missing-argument"),
    pytest.param({"learning_rate": {"schedule": "CosineDecay", "initial_learning_rate": 0.1,
                                    "decay_step": 10}},
                 "learning_rate.decay_step", r'did you mean "decay_steps"', id="unknown-argument"),
    pytest.param({"beta_1": {"schedule": "linear", "start": 0.5, "end": 1.2, "steps": 10}},
                 "beta_1.end", r"a float in \[0, 1\)", id="beta-schedule-out-of-range"),
    pytest.param({"exclude_from_weight_decay": {"var_names": ["("]}},
                 "exclude_from_weight_decay.var_names", r"valid regular expression",
                 id="bad-pattern"),
    pytest.param({"learning_rate": {"schedule": "os.system", "command": "ls"}},
                 "learning_rate.schedule", r"one of ExponentialDecay", id="no-code-by-name"),
])
def test_bad_spec_names_the_dotted_argument(spec, argument, message):
    with pytest.raises(InvalidArgument, match=message) as caught:
        normalize_spec(spec)
    assert caught.value.argument == argument


def test_build_optimizer_makes_schedules_and_exclusions():
    optimizer = build_optimizer({
        "learning_rate": {"schedule": "PiecewiseConstantDecay", "boundaries": [10],
                          "values": [0.1, 0.01]},
        "beta_1": {"schedule": "linear", "start": 0.5, "end": 0.9, "steps": 100},
        "weight_decay": 0.01, "exclude_from_weight_decay": {"var_names": ["bias"]},
        "amsgrad": True,
    })
    assert float(optimizer.learning_rate) == pytest.approx(0.1)  # the schedule at step 0
    assert isinstance(optimizer._learning_rate, keras.optimizers.schedules.PiecewiseConstantDecay)
    assert isinstance(optimizer.beta_1, LinearBeta) and optimizer.amsgrad
    bias = keras.Variable([0.0], name="bias")
    kernel = keras.Variable([0.0], name="kernel")
    assert not optimizer._use_weight_decay(bias) and optimizer._use_weight_decay(kernel)


def test_every_keras_schedule_builds():
    from adamctl.core.spec import LR_SCHEDULES

    minimal = {"initial_learning_rate": 0.01, "decay_steps": 10, "decay_rate": 0.5,
               "first_decay_steps": 10, "boundaries": [5], "values": [0.01, 0.001]}
    for name, signature in LR_SCHEDULES.items():
        spec = {"schedule": name, **{k: v for k, v in minimal.items() if k in signature}}
        optimizer = build_optimizer({"learning_rate": spec})
        assert type(optimizer._learning_rate).__name__ == name


def test_importing_the_spec_needs_no_keras():
    script = ("import sys, adamctl.core; adamctl.core.normalize_spec({'beta_1': 0.5}); "
              "print([m for m in ('keras', 'tensorflow') if m in sys.modules])")
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "[]"


def test_every_argument_has_a_help_line():
    from adamctl.core.spec import ADAM_HELP

    assert list(ADAM_HELP) == list(ADAM_DEFAULTS)
