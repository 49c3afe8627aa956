"""Every declared result is documented and written as declared (#19, datasette's test_settings_are_documented)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchlearn.core.errors import ConfigError
from benchlearn.core.results import RESULTS, Run, site_tables
from benchlearn.report.site_data import RESULT_TABLES
from benchlearn.store import Workspace

DOC = (Path(__file__).resolve().parents[1] / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(RESULTS))
def test_every_result_and_table_is_documented(kind):
    assert f"* `{kind}` — " in DOC, kind
    for name in RESULTS[kind].tables:
        assert f"* `{kind}.{name}`: " in DOC, f"{kind}.{name}"


def test_the_web_reads_the_declared_tables():
    assert {site: (k, (n,)) for site, (k, n) in site_tables().items()} == RESULT_TABLES
    for kind, (name,) in ((k, n) for k, n in RESULT_TABLES.values()):
        assert name in RESULTS[kind].tables


def test_record_refuses_undeclared_kind_or_table(tmp_path):
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        run_id = ws.record(Run("dea", {"period": "2024"}, {"records": pd.DataFrame({"kommunekode": [101]})}))
        assert ws.result_names(run_id) == ["records"]
        with pytest.raises(ConfigError, match="nope"):
            ws.record(Run("nope", {}, {}))
        with pytest.raises(ConfigError, match="guessed"):
            ws.record(Run("dea", {}, {"guessed": pd.DataFrame({"a": [1]})}))
        assert len(ws.runs()) == 1  # nothing stored for a refused run
