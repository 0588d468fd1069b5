"""The data order of the loop is a pure function of (seed, epoch): resumable at any step."""

from __future__ import annotations

import numpy as np
import pytest

from adamctl.training.loop import epoch_batches, steps_per_epoch


def test_epoch_batches_cover_every_example_once_per_pass():
    batches = epoch_batches(100, 32, epoch=0, seed=1, shuffle=True, steps=4)
    assert [len(b) for b in batches] == [32, 32, 32, 4]
    assert sorted(np.concatenate(batches).tolist()) == list(range(100))


def test_epoch_batches_are_a_pure_function():
    first = epoch_batches(100, 16, epoch=2, seed=5, shuffle=True, steps=7)
    again = epoch_batches(100, 16, epoch=2, seed=5, shuffle=True, steps=7)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_epochs_are_shuffled_differently():
    one = np.concatenate(epoch_batches(100, 10, epoch=0, seed=5, shuffle=True, steps=10))
    two = np.concatenate(epoch_batches(100, 10, epoch=1, seed=5, shuffle=True, steps=10))
    assert not np.array_equal(one, two)


def test_no_shuffle_keeps_the_order():
    order = np.concatenate(epoch_batches(10, 4, epoch=3, seed=5, shuffle=False, steps=3))
    assert order.tolist() == list(range(10))


def test_more_steps_than_one_pass_continues_with_a_new_pass():
    batches = epoch_batches(10, 5, epoch=0, seed=0, shuffle=True, steps=5)
    assert len(batches) == 5
    first_pass, second_pass = np.concatenate(batches[:2]), np.concatenate(batches[2:4])
    assert sorted(first_pass.tolist()) == sorted(second_pass.tolist()) == list(range(10))
    assert not np.array_equal(first_pass, second_pass)


@pytest.mark.parametrize("n, batch, configured, expected", [
    pytest.param(100, 32, None, 4, id="one-pass-rounds-up"),
    pytest.param(96, 32, None, 3, id="exact"),
    pytest.param(100, 32, 10, 10, id="configured"),
])
def test_steps_per_epoch(n, batch, configured, expected):
    assert steps_per_epoch(n, batch, configured) == expected
