"""training.diagnostics_every: off by default, a positive step count, a multiple of the accumulation."""

from __future__ import annotations

import pytest

from adamctl.config import load_config
from adamctl.errors import ConfigError

from .helpers import exactly, write


def test_off_by_default_and_read_when_set(tmp_path):
    assert load_config(write(tmp_path, "name: a\n")).training.diagnostics_every is None
    path = write(tmp_path, "training:\n  diagnostics_every: 50\n")
    assert load_config(path).training.diagnostics_every == 50


@pytest.mark.parametrize("text, message", [
    pytest.param("optimizer:\n  gradient_accumulation_steps: 4\ntraining:\n  diagnostics_every: 50\n",
                 "{f}:4: training.diagnostics_every = 50: must be a multiple of "
                 "optimizer.gradient_accumulation_steps (4): diagnostics are taken on real updates",
                 id="not-a-multiple-of-accumulation"),
])
def test_bad_values_name_the_key_and_what_is_allowed(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path)


@pytest.mark.parametrize("value", [0, -5, 2.5, "often"])
def test_out_of_range_or_wrong_type_is_refused_at_the_key(tmp_path, value):
    path = write(tmp_path, f"training:\n  diagnostics_every: {value}\n")
    with pytest.raises(ConfigError, match="training.diagnostics_every"):
        load_config(path)


def test_a_multiple_of_the_accumulation_is_accepted(tmp_path):
    path = write(tmp_path, "optimizer:\n  gradient_accumulation_steps: 4\n"
                 "training:\n  diagnostics_every: 48\n")
    assert load_config(path).training.diagnostics_every == 48
