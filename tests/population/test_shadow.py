"""The shadow check tells a member that matches its separate run from one that does not."""

from __future__ import annotations

import pytest

from tests.helpers import TINY, merge

pytestmark = pytest.mark.slow


class _Job:
    def __init__(self, config: dict, run_dir) -> None:
        self.trial_id, self.run_dir, self.config, self.resume = "t", str(run_dir), config, False


def _resolved(config: dict) -> dict:
    from adamctl.config import config_from_dict, config_to_dict

    return config_to_dict(config_from_dict(config))


def test_shadow_check_passes_for_the_member_and_fails_for_another_config(tmp_path):
    from adamctl.population.member import build_member
    from adamctl.population.shadow import shadow_check
    from adamctl.population.step import population_step

    first = _resolved(merge(TINY, {"model": {"dropout": 0.2}}))
    second = _resolved(merge(first, {"seed": 11, "optimizer": {"beta_2": 0.9}}))
    members = [build_member("a", tmp_path / "a", first), build_member("b", tmp_path / "b", second)]
    step = population_step([m.model for m in members])
    assert shadow_check(members, step, _Job(first, tmp_path / "a")) is None
    # The same population compared with a run of a different config must be told apart.
    reason = shadow_check(members, step, _Job(second, tmp_path / "b"))
    assert reason is not None and "shadow check" in reason
    assert not (tmp_path / "a").exists()  # the check writes nothing
