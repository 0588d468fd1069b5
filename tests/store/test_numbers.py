"""Float32 metric values are written with their own shortest digits, losing nothing."""

from __future__ import annotations

import numpy as np
import pytest

from adamctl.store._numbers import tidy_float32


@pytest.mark.parametrize("single, expected", [
    pytest.param(np.float32(0.001), 0.001, id="learning-rate"),
    pytest.param(np.float32(0.9749), 0.9749, id="accuracy"),
    pytest.param(np.float32(1e-30), 1e-30, id="tiny"),
    pytest.param(np.float32(3.4e38), 3.4e38, id="huge"),
])
def test_a_float32_value_gets_its_shortest_digits(single, expected):
    assert tidy_float32(float(single)) == expected


def test_every_float32_reads_back_as_itself():
    values = np.random.default_rng(0).standard_normal(20000).astype(np.float32)
    values *= np.float32(10.0) ** np.random.default_rng(1).integers(-30, 30, 20000).astype(np.float32)
    for value in values:
        assert np.float32(tidy_float32(float(value))) == value


@pytest.mark.parametrize("value", [0.1, 12.345, float("nan"), float("inf"), 3, "x", None])
def test_other_values_are_left_as_they_are(value):
    result = tidy_float32(value)
    assert result is value or (result != result and value != value)
