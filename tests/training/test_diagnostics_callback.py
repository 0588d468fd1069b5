"""Diagnostics writes in the background, yet every checkpoint finds its rows on disk."""

from __future__ import annotations

import pytest

from adamctl.config import config_from_dict
from adamctl.store.diagnostics import read_rows
from adamctl.store.rundir import RunDir
from adamctl.training.callbacks.checkpointing import Checkpointing
from adamctl.training.callbacks.diagnostics import Diagnostics
from adamctl.training.loop import LoopState, train_loop
from adamctl.training.session import prepare
from tests.helpers import TINY


@pytest.mark.parametrize("every, checkpoint_every", [
    pytest.param(2, None, id="epoch-ends-only"),
    pytest.param(2, 3, id="steps-and-epoch-ends"),
    pytest.param(4, 3, id="measured-less-often-than-saved"),
])
def test_every_checkpoint_finds_every_row_measured_before_it_on_disk(tmp_path, every,
                                                                     checkpoint_every):
    session = prepare(config_from_dict(TINY))
    run = RunDir(tmp_path)
    state = LoopState(epochs=2, steps_per_epoch=6)
    seen: list[tuple[int, list[int], list[int]]] = []

    def save() -> bool:  # what a checkpoint written now would cover, and what the files hold
        on_disk = sorted({int(r["step"]) for r in read_rows(run.diagnostics_path)})
        scalars = [int(r["step"]) for r in read_rows(run.diagnostics_scalars_path)]
        seen.append((state.step, on_disk, scalars))
        return True

    diagnostics = Diagnostics(run.diagnostics_path, run.diagnostics_scalars_path, state,
                              every=every, flush_every=checkpoint_every)
    train_loop(session.model, session.dataset, state, batch_size=32, seed=3, shuffle=True,
               callbacks=[diagnostics, Checkpointing(save, state, every=checkpoint_every)])
    assert seen, "no checkpoint was taken"
    for step, on_disk, scalars in seen:
        measured = list(range(every, step + 1, every))
        assert on_disk == measured and scalars == measured, step
    final = sorted({int(r["step"]) for r in read_rows(run.diagnostics_path)})
    assert final == list(range(every, 12 + 1, every))
