"""Fixtures of fixed synthetic sweep results (values in tests/compare/helpers.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.compare.helpers import PAIRED, trial_rows


@pytest.fixture
def paired_results():
    rows = [r for eps, values in PAIRED.items() for r in trial_rows(eps, values)]
    return pd.DataFrame(rows)


@pytest.fixture
def messy_results():
    """A diverged seed, a failed seed, an arm of one seed, an arm of two, and an unpaired arm."""
    rows = (trial_rows(1e-8, PAIRED[1e-8])
            + trial_rows(1e-6, [0.51, 0.60, math.nan, 0.57, 0.53],
                         statuses=["completed", "completed", "diverged", "completed", "failed"])
            + trial_rows(1e-5, [0.56])
            + trial_rows(1e-4, [0.54, 0.63])
            + trial_rows(1e-3, [0.58, 0.66, 0.61], seeds=[10, 11, 12]))
    return pd.DataFrame(rows)
