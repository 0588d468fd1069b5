"""The optimizer section through the real ``adamctl.core.spec.normalize_spec``.

These rely on the core's checks (``beta_1`` in [0, 1), unknown Adam
arguments refused with a suggestion) and assert where the error points
(file, line or override, key path, value), not the core's wording.
"""

from __future__ import annotations

import re

import pytest

from adamctl.config import load_config, resolve
from adamctl.errors import ConfigError

from .helpers import write


def _starts(prefix: str) -> str:
    return "^" + re.escape(prefix) + "must be .+"


@pytest.mark.parametrize("text, overrides, prefix, line", [
    pytest.param("optimizer:\n  learning_rate: 0.01\n  beta_1: 1.5\n", [],
                 "{f}:3: optimizer.beta_1 = 1.5: ", 3, id="in-the-file"),
    pytest.param("optimizer:\n  beta_1: 0.9\n", ["optimizer.beta_1=1.5"],
                 "--set optimizer.beta_1=1.5: optimizer.beta_1 = 1.5: ", None, id="override"),
])
def test_beta_1_out_of_range_names_key_and_value(tmp_path, text, overrides, prefix, line):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=_starts(prefix.format(f=path))) as caught:
        load_config(path, overrides)
    assert (caught.value.key_path, caught.value.value, caught.value.line) == (
        "optimizer.beta_1", 1.5, line)
    assert "[0, 1)" in str(caught.value)


def test_unknown_optimizer_argument_suggests_the_closest():
    with pytest.raises(ConfigError, match=_starts("optimizer.bta_1 = 0.8: ")) as caught:
        resolve({"optimizer": {"bta_1": 0.8}})
    assert caught.value.suggestion == "beta_1"


def test_optimizer_section_comes_back_complete_and_is_a_fixed_point():
    config = resolve({"optimizer": {"beta_1": 0.8}})
    assert config.optimizer["beta_1"] == 0.8
    assert "beta_2" in config.optimizer and "epsilon" in config.optimizer
    assert resolve({"optimizer": config.optimizer}).optimizer == config.optimizer


def test_grid_value_out_of_range_names_the_grid_entry(tmp_path):
    path = write(tmp_path, "sweep:\n  grid:\n    optimizer.beta_1: [0.9, 1.5]\n")
    with pytest.raises(ConfigError, match=_starts(
            f"{path}:3: sweep.grid.optimizer.beta_1[1] = 1.5: ")):
        load_config(path)


def test_grid_key_naming_no_adam_argument_is_refused(tmp_path):
    path = write(tmp_path, "sweep:\n  grid:\n    optimizer.bta_1: [0.9]\n")
    prefix = f"{path}:3: sweep.grid.optimizer.bta_1[0] = 0.9: "
    with pytest.raises(ConfigError, match=_starts(prefix)) as caught:
        load_config(path)
    assert caught.value.suggestion == "beta_1"
