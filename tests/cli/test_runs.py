"""``adamctl runs``: runs, a sweep and broken runs, in every format, filtered and sorted."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from adamctl.cli import cli
from tests.helpers import run_cli
from tests.store.catalog_helpers import make_runs_folder

NAMES = ["alpha", "beta", "broken-1", "corrupt-1", "sw"]


@pytest.fixture
def root(tmp_path):
    return make_runs_folder(tmp_path / "runs")


def _runs(*args):
    result = CliRunner().invoke(cli, ["runs", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_json_lists_each_row_with_its_columns(root):
    records = {r["name"]: r for r in json.loads(_runs(str(root), "--format", "json"))}
    assert sorted(records) == NAMES
    assert records["sw"]["kind"] == "sweep" and records["sw"]["trials"] == 2
    assert (records["alpha"]["final"], records["alpha"]["best"]) == (0.7, 0.5)
    assert records["broken-1"] == {**records["broken-1"], "status": "broken",
                                   "reason": "summary.json is missing"}


def test_csv_has_a_header_and_one_row_each(root):
    rows = list(csv.DictReader(io.StringIO(_runs(str(root), "--format", "csv", "--sort", "name"))))
    assert [r["name"] for r in rows] == NAMES
    assert rows[0]["status"] == "completed" and rows[0]["best"] == "0.5"
    assert rows[2]["status"] == "broken" and rows[2]["best"] == ""


def test_table_shows_sweep_trial_count_and_broken_reason(root):
    text = _runs(str(root))
    assert "sweep (2 trials)" in text
    assert "broken" in text and "summary.json is missing" in text
    assert all(name in text for name in NAMES)


def test_status_name_and_sort_options(root):
    records = json.loads(_runs(str(root), "--status", "broken", "--format", "json"))
    assert [r["name"] for r in records] == ["broken-1", "corrupt-1"]
    records = json.loads(_runs(str(root), "--name", "s*", "--format", "json"))
    assert [r["name"] for r in records] == ["sw"]
    records = json.loads(_runs(str(root), "--sort", "best", "--format", "json"))
    assert [r["name"] for r in records][:3] == ["sw", "alpha", "beta"]


def test_unknown_sort_key_exits_2_naming_the_option(root):
    result = CliRunner().invoke(cli, ["runs", str(root), "--sort", "colour"])
    assert result.exit_code == 2 and "--sort" in result.output


def test_default_folder_is_runs_in_the_working_directory(root):
    result = run_cli("runs", "--format", "json", cwd=root.parent)
    assert result.returncode == 0, result.stderr
    assert sorted(r["name"] for r in json.loads(result.stdout)) == NAMES


def test_empty_folder_gives_a_header_only_csv(tmp_path):
    assert _runs(str(tmp_path), "--format", "csv").startswith("name,kind,trials,status")
    assert len(_runs(str(tmp_path), "--format", "csv").splitlines()) == 1
