"""The DuckDB workspace: idempotent ingest, all-or-nothing writes, run records."""

from __future__ import annotations

import pandas as pd
import pytest

from benchlearn.data.dataset import Dataset
from benchlearn.store import Workspace
from benchlearn.core.results import Run


def _ds(value: float = 12.5) -> Dataset:
    return Dataset.from_tables(
        {"support": pd.DataFrame({"kommunekode": [450, 101], "period": ["2023", "2023"], "ydelse": ["kontanthjaelp", "a_dagpenge"], "fuldtidspersoner": [1234.5, value]})}
    )


def test_reingest_identical_is_a_noop_and_changed_replaces(tmp_path):
    path = tmp_path / "ws.duckdb"
    with Workspace.open(path) as ws:
        assert ws.ingest(_ds()).changed
        assert not ws.ingest(_ds()).changed
        assert ws.ingest(_ds(13.0)).changed
        got = ws.dataset().table("support").set_index("kommunekode")["fuldtidspersoner"]
        assert got[101] == 13.0
        assert ws.dataset().content_hash == _ds(13.0).content_hash


def test_failed_run_write_leaves_workspace_unchanged(tmp_path):
    path = tmp_path / "ws.duckdb"
    with Workspace.open(path) as ws:
        ws.ingest(_ds())
        good = {"records": pd.DataFrame({"kommunekode": [450], "x": [1.0]})}
        ws.record(Run("benchmark", {"period": "2023"}, good), input_hash="h")

        class Boom(dict):
            def items(self):
                yield "records", pd.DataFrame({"a": [1]})
                raise RuntimeError("disk full")

        with pytest.raises(RuntimeError):
            ws.record(Run("benchmark", {"period": "2024"}, Boom()), input_hash="h")
        assert len(ws.runs("benchmark")) == 1
        tables = ws.connection.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'res_%'").fetchone()[0]
        assert tables == 1


def test_runs_are_found_by_config_newest_first(tmp_path):
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        ws.ingest(_ds())
        r1 = ws.record(Run("benchmark", {"period": "2023", "area": "total"}, {"records": pd.DataFrame({"v": [1]})}, {"simulated": True}), input_hash="h")
        r2 = ws.record(Run("benchmark", {"period": "2023", "area": "total"}, {"records": pd.DataFrame({"v": [2]})}), input_hash="h")
        ws.record(Run("benchmark", {"period": "2024", "area": "total"}, {"records": pd.DataFrame({"v": [3]})}), input_hash="h")
        assert ws.latest_run("benchmark", period="2023").run_id == r2
        assert ws.latest_results("benchmark", "records", period="2023")["v"].tolist() == [2]
        assert ws.run(r1).meta["simulated"] is True
        assert ws.latest_results("benchmark", "records", period="1999") is None


def test_read_only_open_of_missing_file_is_a_clear_error(tmp_path):
    from benchlearn.core.errors import WorkspaceError

    with pytest.raises(WorkspaceError):
        Workspace.open(tmp_path / "none.duckdb", read_only=True)
