"""Hypothesis strategies for the exit-code contract: configs, overrides and data files.

Every config key of the schema (docs/config.md) draws either from its valid
domain, so that examples reach the deeper layers (data loading, model
building, training), or from an adversarial one: huge integers (2**31,
2**63), NaN, infinities, 1e308, strings, long strings, unicode, lists and
nested mappings. Data files are csv tables with odd columns, labels and
missing values, npz archives with odd shapes and dtypes, and truncated or
garbage bytes. Two budgets exist: ``validate`` never loads data, so its
valid domains reach the schema's limits; ``train`` really runs, so its
valid domains stay tiny (a valid ``epochs: 2**31 - 1`` is a valid week of
training, not a contract violation) and only its invalid values are huge.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
import yaml
from hypothesis import strategies as st

from adamctl.config.schema import MAX_INT, MAX_SEED
from adamctl.core.spec import BETA_SCHEDULES, LR_SCHEDULES

__all__ = ["DataFile", "GeneratedInput", "config_texts", "grid_options", "inputs_for_train",
           "inputs_for_validate", "sweep_inputs"]

# Integers past every bound the config layer knows of, and at its edges.
HUGE_INTS = [MAX_INT + 1, MAX_SEED, MAX_SEED + 1, 2**63, -(2**63), 10**30, -1]
ODD_FLOATS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0, 1e23, -1.5]
_PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"))
_WORDS = st.text(_PRINTABLE, max_size=12)
_LONG = st.integers(200, 3000).map(lambda n: "é" * n)

junk_scalars = st.one_of(
    st.sampled_from(HUGE_INTS), st.sampled_from(ODD_FLOATS), _WORDS, _LONG, st.booleans(),
    st.none(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
)
junk = st.recursive(
    junk_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_WORDS, inner, max_size=3),
    max_leaves=6,
)


def _one_in(n: int) -> st.SearchStrategy:
    """True about one time in ``n``.

    Hypothesis favours the simplest choice (the first item, zero, the
    shortest list), so the common case is listed first rather than drawn
    from a range: ``one_of(valid, valid, bad)`` would not weigh valid twice.
    """
    return st.sampled_from([False] * (n - 1) + [True])


def _either(valid: st.SearchStrategy, bad: st.SearchStrategy = junk, *,
            odds: int = 4) -> st.SearchStrategy:
    """``valid`` ``odds`` times out of ``odds + 1``, else ``bad``: most examples get past
    the config layer with a value or two out of line."""
    return _one_in(odds + 1).flatmap(lambda out_of_line: bad if out_of_line else valid)


def _lr_schedule(small: bool) -> st.SearchStrategy:
    steps = st.integers(1, 50) if small else st.integers(1, MAX_INT)

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        kind = draw(st.sampled_from(sorted(LR_SCHEDULES)))
        args: dict[str, Any] = {"schedule": kind}
        valid = {"initial_learning_rate": st.floats(1e-4, 0.5), "decay_steps": steps,
                 "first_decay_steps": steps, "decay_rate": st.floats(0.1, 1.0),
                 "boundaries": st.just([5, 10]), "values": st.just([0.1, 0.01, 0.001])}
        for key in LR_SCHEDULES[kind]:
            if not draw(_one_in(4)):
                args[key] = draw(_either(valid.get(key, st.floats(0.0, 1.0))))
        if draw(_one_in(6)):
            args[draw(_WORDS)] = draw(junk)
        return args

    return build()


def _beta_schedule() -> st.SearchStrategy:
    return st.builds(
        lambda kind, start, end, steps: {"schedule": kind,
                                         **{k: v for k, v in (("value", start), ("start", start),
                                                              ("end", end), ("steps", steps))
                                            if k in BETA_SCHEDULES.get(kind, {})}},
        st.sampled_from([*BETA_SCHEDULES, "nope"]), _either(st.floats(0.0, 0.99)),
        _either(st.floats(0.0, 0.99)), _either(st.integers(1, 20)),
    )


_LAYER_NAMES = ["Dense", "Dropout", "Flatten", "BatchNormalization", "Conv2D", "Reshape",
                "Lambda", "NotALayer", "Activation", "InputLayer"]


# Entries Keras builds alone; stacked on the wrong input some cannot follow it.
_WHOLE_LAYERS = [{"class_name": "Dense", "units": 3}, {"class_name": "Flatten"},
                 {"class_name": "Conv2D", "filters": 2, "kernel_size": 3},
                 {"class_name": "Reshape", "target_shape": [2, 2]},
                 {"class_name": "Dense", "units": 3, "activation": "softmax"}]


def _layer() -> st.SearchStrategy:
    return st.sampled_from(_WHOLE_LAYERS) | st.fixed_dictionaries(
        {"class_name": _either(st.sampled_from(_LAYER_NAMES))},
        optional={"units": _either(st.integers(1, 8)), "rate": _either(st.floats(0.0, 0.9)),
                  "activation": _either(st.sampled_from(["relu", "softmax", "nope"])),
                  "config": junk, "module": st.just("os"), "function": _WORDS},
    )


def _valid_domains(small: bool) -> dict[str, st.SearchStrategy]:
    """Key path -> values it accepts (mostly; a few are near misses on purpose)."""
    count = st.integers(1, 64) if small else st.integers(1, MAX_INT)
    units = st.lists(st.integers(1, 8) if small else st.integers(1, MAX_INT), max_size=2)
    return {
        "name": st.sampled_from(["run", "a.b-c_d", "x" * 100, "x" * 101, ".hidden", "a/b", ""]),
        "seed": st.integers(0, MAX_SEED),
        # train examples stay on TensorFlow: starting a second backend costs seconds each.
        "backend": st.sampled_from(["tensorflow", "theano"] if small else
                                   ["tensorflow", "jax", "torch", "theano"]),
        "device": st.sampled_from(["auto", "cpu", "gpu", "tpu"]),
        "data.source": st.sampled_from(["synthetic", "csv", "npz", "digits", "parquet", "nope"]),
        "data.task": st.sampled_from(["classification", "regression", "ranking"]),
        "data.samples": count,
        "data.features": st.integers(1, 6) if small else count,
        "data.classes": st.integers(2, 5) if small else st.integers(2, MAX_INT),
        "data.noise": st.floats(0.0, 2.0),
        "data.path": st.sampled_from(["data.csv", "missing.csv", ".", "/dev/null", "a\0b.csv",
                                      "x" * 300, "/".join(["a" * 200] * 30), "~no-such-user/x",
                                      "config.yaml", ""]),
        "data.target": st.sampled_from(["y", "label", "x", "nope", ""]),
        "data.inputs": st.sampled_from(["x", "a", ["a", "b"], [], ["nope"], ["y"]]),
        "data.batch_size": st.integers(1, 40) if small else count,
        "data.validation_split": st.floats(0.0, 0.999),
        "data.shuffle": st.booleans(),
        "model.preset": st.sampled_from(["logreg", "mlp", "cnn", None]),
        "model.hidden": units,
        "model.filters": units,
        "model.activation": st.sampled_from(["relu", "tanh", "softmax", "gelu", "nope"]),
        "model.dropout": st.floats(0.0, 0.99),
        "model.layers": st.lists(_layer(), max_size=3),
        "model.loss": st.sampled_from(["auto", "mse", "huber", "binary_crossentropy", "nope"]),
        "model.metrics": st.lists(st.sampled_from(["accuracy", "mae", "auc", "nope"]), max_size=2),
        "optimizer.learning_rate": st.one_of(st.floats(1e-4, 1.0), _lr_schedule(small)),
        "optimizer.beta_1": st.one_of(st.floats(0.0, 0.999), _beta_schedule()),
        "optimizer.beta_2": st.one_of(st.floats(0.0, 0.9999), _beta_schedule()),
        "optimizer.epsilon": st.floats(1e-10, 1.0),
        "optimizer.amsgrad": st.booleans(),
        "optimizer.epsilon_mode": st.sampled_from(["hat", "algorithm1", "other"]),
        "optimizer.weight_decay": st.one_of(st.none(), st.floats(0.0, 0.1)),
        "optimizer.weight_decay_mode": st.sampled_from(["decoupled", "l2", "other"]),
        "optimizer.exclude_from_weight_decay": st.one_of(
            st.none(), st.fixed_dictionaries({"var_names": st.lists(
                st.sampled_from(["bias", "kernel", "[", "(", ".*"]), max_size=2)})),
        "optimizer.clipnorm": st.one_of(st.none(), st.floats(0.01, 10.0)),
        "optimizer.clipvalue": st.one_of(st.none(), st.floats(0.01, 10.0)),
        "optimizer.global_clipnorm": st.one_of(st.none(), st.floats(0.01, 10.0)),
        "optimizer.use_ema": st.booleans(),
        "optimizer.ema_momentum": st.floats(0.0, 1.0),
        "optimizer.ema_overwrite_frequency": st.one_of(st.none(), st.integers(1, 5)),
        "optimizer.loss_scale_factor": st.one_of(st.none(), st.floats(0.5, 1024.0)),
        "optimizer.gradient_accumulation_steps": st.one_of(st.none(), st.integers(2, 4)),
        "optimizer.name": st.sampled_from(["adam", "my_adam", "a b", "a/b", "", "ädam"]),
        "optimizer.fused": st.one_of(st.none(), st.booleans()),
        "training.epochs": st.integers(1, 2) if small else count,
        "training.steps_per_epoch": st.one_of(st.none(), st.integers(1, 4) if small else count),
        "training.mixed_precision": st.sampled_from([None, "float32", "mixed_bfloat16",
                                                     "mixed_float16", "float64"]),
        "training.deterministic": st.one_of(st.none(), st.booleans()),
        "training.checkpoint_every": st.one_of(st.none(), st.integers(1, 3) if small else count),
        "training.keep_checkpoints": st.integers(1, 3) if small else count,
        "sweep": st.fixed_dictionaries({}, optional={
            "grid": st.dictionaries(st.sampled_from(["optimizer.beta_1", "seed", "nope.key"]),
                                    st.one_of(st.lists(st.floats(0.0, 0.99), max_size=3),
                                              st.fixed_dictionaries({"log": st.just([1e-4, 1e-2]),
                                                                     "num": junk_scalars})),
                                    max_size=2),
            "seeds": st.lists(st.integers(0, 3), max_size=3), "mode": st.just("max"),
        }),
    }


_TRAIN_JUNK = junk.filter(
    # Valid values far from tiny ones (epochs: 10**9) make a long run, not a wrong one.
    lambda value: not (isinstance(value, int) and not isinstance(value, bool)
                       and 64 < value <= MAX_SEED)
)


class DataFile:
    """A data file to write beside the config: its name and bytes."""

    def __init__(self, name: str, content: bytes, note: str) -> None:
        self.name, self.content, self.note = name, content, note

    def __repr__(self) -> str:
        return f"DataFile({self.name!r}, {len(self.content)} bytes: {self.note})"


_CELLS = st.one_of(st.integers(-3, 3), st.sampled_from(["", "nan", "inf", "abc", "1e400",
                                                        str(2**32 + 1), str(2**64)]),
                   st.floats(-10, 10))
_COLUMN_NAMES = st.sampled_from(["a", "b", "c", "y", "", " a", "é", "1", "label"])


@st.composite
def _csv_file(draw: Any) -> DataFile:
    columns = draw(st.lists(_COLUMN_NAMES, min_size=1, max_size=3))
    if not draw(_one_in(6)):
        columns.append(draw(st.sampled_from(["y", "label", "a"])))  # the target, usually
    rows = draw(st.integers(0, 40))
    odd = draw(_one_in(4))
    labels = draw(st.sampled_from([[0, 1], [0, 1, 2], [0, 1, 2**32 + 1], [0, 5_000_000],
                                   ["a", "b"], [1.5, 2.0], [0]]))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in range(rows):
        cells = [draw(_CELLS) if odd else round((row * 7 + c * 3) % 11 / 5.0, 3)
                 for c in range(len(columns))]
        cells[-1] = labels[row % len(labels)]
        writer.writerow(cells)
    return DataFile("data.csv", buffer.getvalue().encode(), f"columns {columns}, {rows} rows, "
                    f"{'odd' if odd else 'numeric'} cells, labels {labels}")


_DTYPES = ["float32", "float64", "int64", "uint64", "int8", "bool", "complex64", "<U3",
           "datetime64[s]"]


@st.composite
def _array(draw: Any, rows: int, label: bool) -> np.ndarray:
    shape = draw(st.sampled_from([(rows, 3), (rows,), (), (rows, 0), (rows, 2, 2), (rows, 1)])
                 if not label else st.sampled_from([(rows,), (rows,), (rows, 1), (rows, 2), ()]))
    usual = ["int64", "int64", "float32", "uint64"] if label else ["float32", "float32", "int64"]
    dtype = draw(st.sampled_from(usual) | st.sampled_from(_DTYPES))
    size = int(np.prod(shape))
    if label and dtype in ("int64", "uint64"):
        pool = draw(st.sampled_from([[0, 1], [0, 1, 2], [0, 1, 2**32 + 1], [0, 2**32],
                                     [0, 2**63 - 1], [0, 5_000_000], [3]]))
        values = np.array([pool[i % len(pool)] for i in range(size)], dtype=object)
    else:
        values = np.arange(size, dtype=np.float64) % 5 / 2.0
    try:
        return values.reshape(shape).astype(dtype)
    except (OverflowError, ValueError, TypeError):
        return values.reshape(shape).astype("float64")


@st.composite
def _npz_file(draw: Any) -> DataFile:
    rows = draw(st.integers(0, 40))
    x = draw(_array(rows, label=False))
    y = draw(_array(draw(st.sampled_from([rows, rows, rows + 1])), label=True))
    names = draw(st.sampled_from([("x", "y"), ("x", "y"), ("a", "y"), ("x", "label")]))
    buffer = io.BytesIO()
    np.savez(buffer, **{names[0]: x, names[1]: y})
    return DataFile("data.npz", buffer.getvalue(),
                    f"{names[0]}: {x.shape} {x.dtype}, {names[1]}: {y.shape} {y.dtype}")


@st.composite
def _mangled(draw: Any, inner: st.SearchStrategy) -> DataFile:
    """``inner``'s file, sometimes truncated, replaced by garbage, or a bare .npy."""
    file = draw(inner)
    how = draw(st.sampled_from(["whole"] * 6 + ["truncated", "garbage", "npy", "empty"]))
    if how == "truncated" and file.content:
        cut = draw(st.integers(0, len(file.content) - 1))
        return DataFile(file.name, file.content[:cut], f"{file.note}, truncated at {cut}")
    if how == "garbage":
        return DataFile(file.name, draw(st.binary(max_size=64)), "random bytes")
    if how == "npy":
        buffer = io.BytesIO()
        np.save(buffer, np.zeros((4, 2), np.float32))
        return DataFile(file.name, buffer.getvalue(), "a .npy given as the file")
    if how == "empty":
        return DataFile(file.name, b"", "empty")
    return file


data_files = _mangled(st.one_of(_csv_file(), _npz_file()))


class GeneratedInput:
    """One example: the config (or raw config text), the overrides and the data file."""

    def __init__(self, config: Any, text: str | None, overrides: list[str],
                 data_file: DataFile | None) -> None:
        self.config, self.text, self.overrides, self.data_file = config, text, overrides, data_file

    def config_text(self) -> str:
        if self.text is not None:
            return self.text
        return yaml.safe_dump(self.config, allow_unicode=True, sort_keys=False)

    def __repr__(self) -> str:
        shown = self.text if self.text is not None else self.config
        return (f"GeneratedInput(config={shown!r}, overrides={self.overrides!r}, "
                f"data_file={self.data_file!r})")


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *sections, leaf = key.split(".")
        node = nested
        for section in sections:
            node = node.setdefault(section, {})
        node[leaf] = value
    return nested


def _yaml_value(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9)
    return text.removesuffix("\n...\n").strip()


@st.composite
def _overrides(draw: Any, domains: dict[str, st.SearchStrategy],
               bad: st.SearchStrategy, odds: int) -> list[str]:
    keys = st.one_of(st.sampled_from(sorted(domains)), st.sampled_from(
        ["optimizer", "data", "sweep.grid.optimizer.beta_1", "model.hidden.x", "nope", "seed.x"]))
    texts = []
    for _ in range(draw(st.integers(0, 2))):
        key = draw(keys)
        if draw(_one_in(2 * odds)):  # a value that is not even YAML
            texts.append(f"{key}={draw(st.sampled_from(['[', '{a: ', '!!python/name:os', '*x']))}")
        else:
            value = draw(_either(domains.get(key, junk), bad, odds=odds))
            texts.append(f"{key}={_yaml_value(value)}")
    return texts


@st.composite
def _generated(draw: Any, small: bool) -> GeneratedInput:
    domains, keys = _valid_domains(small), sorted(_valid_domains(small))
    bad = _TRAIN_JUNK if small else junk
    # A train example that fails in the config layer costs a process for what
    # validate checks in a millisecond: train's values are out of line less often.
    odds = 9 if small else 4
    base = {"name": "t", "seed": 1, "data.samples": 48, "data.features": 4, "data.batch_size": 16,
            "model.hidden": [8], "training.epochs": 1} if small else {}
    flat = dict(base)
    for key in draw(st.lists(st.sampled_from(keys), unique=True, max_size=5 if small else 8)):
        flat[key] = draw(domains[key])
    # Few hostile values (most often none), each alone with otherwise valid keys,
    # so that what stops an example is the value drawn to stop it.
    hostile = st.lists(st.sampled_from(keys), unique=True, max_size=1 if small else 2)
    for key in draw(hostile) if not small or draw(_one_in(3)) else ():
        flat[key] = draw(bad)
    data_file = None
    if draw(_one_in(3)):  # point the config at a generated file
        data_file = draw(data_files)
        flat["data.source"] = "csv" if data_file.name.endswith(".csv") else "npz"
        flat.setdefault("data.path", data_file.name)
        flat.setdefault("data.target", draw(st.sampled_from(["y", "y", "y", "label", None])))
        for synthetic_only in ("data.samples", "data.features"):
            flat.pop(synthetic_only, None)
    config = _nest(flat)
    if small and "sweep" in config:
        del config["sweep"]  # train refuses it or ignores it; the sweep is validate's to judge
    text = None
    if not small and draw(_one_in(10)):
        text = draw(config_texts(config))
    return GeneratedInput(config, text, draw(_overrides(domains, bad, odds)), data_file)


@st.composite
def config_texts(draw: Any, config: dict[str, Any]) -> str:
    """A config file's text gone wrong: truncated, with tags, aliases, tabs or random text."""
    text = yaml.safe_dump(config, allow_unicode=True)
    how = draw(st.sampled_from(["truncated", "tag", "alias", "tab", "random", "list", "dup"]))
    if how == "truncated":
        return text[:draw(st.integers(0, len(text)))]
    if how == "tag":
        return "seed: !!python/object/apply:os.system ['true']\n" + text
    if how == "alias":
        return "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n" \
               "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    if how == "tab":
        return "data:\n\tsamples: 3\n"
    if how == "list":
        return "- 1\n- 2\n"
    if how == "dup":
        return "seed: 1\nseed: 2\n" + text
    return draw(st.text(_PRINTABLE, max_size=200))


inputs_for_validate = _generated(small=False)
inputs_for_train = _generated(small=True)


@st.composite
def grid_options(draw: Any) -> list[str]:
    """``--grid KEY=VALUES`` texts: lists, ranges (some of absurd size) and broken forms."""
    keys = st.sampled_from(["optimizer.beta_1", "optimizer.learning_rate", "data.batch_size",
                            "seed", "nope", "model.hidden", "sweep.grid"])
    values = st.one_of(
        st.lists(st.sampled_from(["0.9", "0.99", "1.5", "abc", "", "null", ".nan"]), min_size=1,
                 max_size=3).map(",".join),
        st.builds("{}:{}:{}:{}".format, st.sampled_from(["log", "linear", "cubic"]),
                  st.sampled_from(["1e-4", "0", "-1", "abc"]), st.sampled_from(["1e-2", "1"]),
                  st.sampled_from(["3", "0", "-2", "100000000", "1.5", str(2**63)])),
        st.sampled_from(["[0.9, 0.99]", "{log: [1e-4, 1e-2], num: 3}", "[", "{a: 1}", "[]"]),
    )
    return [f"{draw(keys)}={draw(values)}" for _ in range(draw(st.integers(1, 2)))]


sweep_inputs = st.tuples(inputs_for_validate, grid_options())
