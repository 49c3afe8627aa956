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


SRC = Path(__file__).resolve().parents[1] / "src" / "benchlearn"


def _runs_spelt_in_code() -> list[tuple[str, int, str, list[str] | None]]:
    """Every ``Run("<kind>", config, {<table>: …}, …)`` in the package: file, line, kind, literal table names."""
    import ast

    out = []
    for f in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Run" and node.args:
                kind = node.args[0]
                if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                    tables = node.args[2] if len(node.args) > 2 else None
                    names = ([k.value for k in tables.keys if isinstance(k, ast.Constant)]
                             if isinstance(tables, ast.Dict) else None)
                    out.append((str(f.relative_to(SRC)), node.lineno, kind.value, names))
    return out


def test_one_writer_and_every_run_spelt_in_the_code_is_declared():
    """``Workspace.record`` is the one way a run is written (one ``INSERT INTO _runs`` in the
    store, no ``record_run`` left anywhere), and every ``Run(kind, …)`` written out in the code
    names a declared kind and declared tables — so a misspelt kind fails here, not in a demo build."""
    store = (SRC / "store.py").read_text(encoding="utf-8")
    assert store.count("INSERT INTO _runs") == 1
    assert store.index("INSERT INTO _runs") > store.index("    def record(self, run: Run")
    root = SRC.parents[1]
    for d in ("src", "tests", "scripts", "benchmarks"):
        for f in (root / d).rglob("*.py"):
            if f.name != Path(__file__).name:
                assert ".record_run(" not in f.read_text(encoding="utf-8"), f
    runs = _runs_spelt_in_code()
    kinds = {k for _, _, k, _ in runs}
    # the writers of the result types that are not a result class's to_run() are spelt out
    assert {"benchmark", "review", "demo", "by_origin", "integration_peers", "peers", "costs", "dea", "surveys",
            "benchlearning", "classification", "scheme_comparison", "tilsyn"} <= kinds
    for f, line, kind, names in runs:
        assert kind in RESULTS, f"{f}:{line} Run('{kind}') is not declared in core/results.py RESULTS"
        undeclared = sorted(set(names or ()) - set(RESULTS[kind].tables))
        assert not undeclared, f"{f}:{line} Run('{kind}') writes undeclared tables {undeclared}"
