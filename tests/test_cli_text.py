"""CLI text output: the pages' number format, valid values in --help, the demo workspace found."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlearn.cli.main import app


def _da(v: float, digits: int) -> str:
    """Danish format written independently of benchlearn: 3.355 / −1,34 (U+2212)."""
    s = f"{abs(v):,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return ("−" if v < 0 and float(f"{v:.{digits}f}") != 0 else "") + s


def test_benchmark_text_prints_danish_numbers_equal_to_the_json(sim_dir: Path) -> None:
    r = CliRunner()
    js = r.invoke(app, ["benchmark", str(sim_dir), "--json"])
    assert js.exit_code == 0, js.output
    recs = json.loads(js.stdout)
    txt = r.invoke(app, ["benchmark", str(sim_dir)])
    assert txt.exit_code == 0, txt.output
    out = txt.stdout
    big = max(recs, key=lambda x: x["actual"])
    assert _da(big["actual"], 0) in out and "." in _da(big["actual"], 0)  # thousands dot: 3.355, not 3,355
    neg = min(recs, key=lambda x: x["diff_pp"])
    assert neg["diff_pp"] < 0 and _da(neg["diff_pp"], 2) in out
    assert not re.search(r"(?<![\w.])-\d", out), "ASCII hyphen used as minus"


def test_english_text_uses_english_numbers(sim_dir: Path) -> None:
    r = CliRunner()
    recs = json.loads(r.invoke(app, ["benchmark", str(sim_dir), "--json"]).stdout)
    out = r.invoke(app, ["--lang", "en", "benchmark", str(sim_dir)]).stdout
    big = max(recs, key=lambda x: x["actual"])
    assert f"{big['actual']:,.0f}" in out


def test_help_lists_valid_areas_and_target_groups() -> None:
    from benchlearn.core import reference

    out = CliRunner().invoke(app, ["benchmark", "--help"], terminal_width=400).stdout
    flat = " ".join(out.split())
    for code in (*reference.area_codes(), *reference.maalgruppe_codes()):
        assert code in flat, code


def test_report_finds_the_demo_workspace_when_none_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `make demo` writes demo-workspace/benchlearn-demo.duckdb; `benchlearn report --kommune
    # 450 --pdf` right after must read it instead of saying benchlearn.duckdb is missing.
    from test_web import build_fake_workspace

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BENCHLEARN_WORKSPACE", raising=False)
    (tmp_path / "demo-workspace").mkdir()
    build_fake_workspace(tmp_path / "demo-workspace" / "benchlearn-demo.duckdb")
    r = CliRunner().invoke(app, ["report", "--kommune", "450", "--pdf"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "profil_450.pdf").read_bytes().startswith(b"%PDF")
