"""Two runs of every command give byte-identical output (audit #20.8).

Each command runs twice, as a separate process each time (so hash seeds, thread timing and
clocks differ), in two folders that are copies of one another; its stdout and every file it
writes must be the same bytes. The dashboard (``serve``) is compared by every page and every
download (CSV, XLSX, Parquet, PDF) it answers, each from a fresh process.

What is not compared, and why: workspace files (``.duckdb``) record when each run was made and
a random run id, by design (provenance of each stored run); stderr carries progress and timing.
``fetch`` reaches outside sources and ``demo`` serves until stopped; ``demo --no-serve`` is
covered by the demo tests. ``persons aggregate`` runs on a small simulated person folder
(long and wide layout, Parquet and CSV outputs) with a fixed test key (#20.8: the audit saw
1,267 of 3,928 ``benchmark.csv`` fields differ between two runs).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ENV = {**os.environ, "BENCHLEARN_PROGRESS": "0", "COLUMNS": "120"}
ENV.pop("BENCHLEARN_LANG", None)
ENV["BENCHLEARN_PSEUDONYM_KEY"] = "determinism-test-key-not-a-secret"

#: command line per command; {ds} a simulated dataset folder, {ws} a workspace with runs, {persons} a simulated
#: person folder (long and wide layout), {out} a new path
COMMANDS: dict[str, list[str]] = {
    "simulate": ["simulate", "{out}", "--seed", "3", "--periods", "2022,2023"],
    "persons simulate": ["persons", "simulate", "{out}", "--persons", "2000", "--seed", "2"],
    "persons aggregate": ["persons", "aggregate", "{persons}", "--out", "{out}", "--threads", "2"],
    "persons aggregate wide csv": ["persons", "aggregate", "{persons}", "--out", "{out}", "--layout", "wide",
                                   "--format", "csv", "--threads", "2"],
    "check": ["check", "{ds}", "--json"],
    "check workspace": ["check", "{ws}", "--json"],
    "ingest": ["ingest", "{ds}", "--workspace", "{out}.duckdb", "--json"],
    "contract": ["contract"],
    "contract en": ["contract", "--lang", "en"],
    "benchmark": ["benchmark", "{ds}", "--json"],
    "classify": ["classify", "{ds}", "--json"],
    "compare-schemes": ["compare-schemes", "{ds}", "--json"],
    "tilsyn": ["tilsyn", "{ds}", "--json"],
    "costs": ["costs", "{ds}", "--json"],
    "dea": ["dea", "{ds}", "--bootstrap", "20", "--json"],
    "peers": ["peers", "{ds}", "--json"],
    "surveys": ["surveys", "{ds}", "--json"],
    "benchlearning": ["benchlearning", "{ds}", "--kommune", "450", "--json"],
    "review": ["review", "{ds}", "--json"],
    "report": ["report", "{ws}", "--kommune", "450", "--out", "{out}.pdf"],
    "site": ["site", "{out}", "{ws}"],
}

_SERVE = r'''
import hashlib, sys
from fastapi.testclient import TestClient
from benchlearn.web import create_app
c = TestClient(create_app(sys.argv[1], warm=False))
urls = ["/", "/benchmark", "/ordninger", "/metode", "/data", "/undersoegelser", "/kommune/450", "/kommune/101",
        "/api/meta", "/api/benchmark", "/api/map", "/api/kommune/450", "/kommune/450.pdf", "/?lang=en"]
names = c.app.state.data.get().available_tables()
urls += [f"/download/{n}.{f}" for n in names for f in ("csv", "xlsx", "parquet")]
for u in urls:
    r = c.get(u)
    print(u, r.status_code, hashlib.sha256(r.content).hexdigest())
'''


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith((".duckdb", ".duckdb.wal"))}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A simulated dataset and a workspace holding the runs the dashboard and report show."""
    root = tmp_path_factory.mktemp("determinism")
    ds = root / "inputs" / "ds"
    ws = root / "inputs" / "ws.duckdb"

    def bl(*args: str) -> None:
        res = subprocess.run([sys.executable, "-m", "benchlearn", *args], capture_output=True, text=True, env=ENV, timeout=600)
        assert res.returncode == 0, res.stderr

    bl("simulate", str(ds), "--seed", "7", "--periods", "2022,2023")
    bl("persons", "simulate", str(root / "inputs" / "persons"), "--persons", "3000", "--seed", "5", "--wide")
    bl("benchmark", str(ds), "--workspace", str(ws))
    for cmd in ("classify", "peers", "surveys", "costs"):
        bl(cmd, str(ds), "--workspace", str(ws))
    bl("dea", str(ds), "--bootstrap", "20", "--workspace", str(ws))
    return root / "inputs"


def _run_in(folder: Path, argv: list[str]) -> tuple[bytes, dict[str, str]]:
    out = folder / "out"
    args = [a.format(ds=folder / "inputs" / "ds", ws=folder / "inputs" / "ws.duckdb", persons=folder / "inputs" / "persons",
                     out=out) for a in argv]
    res = subprocess.run([sys.executable, "-m", "benchlearn", *args], capture_output=True, env=ENV, timeout=600, cwd=folder)
    assert res.returncode == 0, res.stderr.decode(errors="replace")[-2000:]
    return res.stdout.replace(str(folder).encode(), b"<dir>"), _files(folder)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_two_runs_give_identical_output(name, inputs, tmp_path):
    runs = []
    for i in (1, 2):
        folder = tmp_path / f"run{i}"
        shutil.copytree(inputs, folder / "inputs")
        runs.append(_run_in(folder, COMMANDS[name]))
    (out1, files1), (out2, files2) = runs
    assert out1 == out2, f"{name}: stdout differs"
    changed = sorted(k for k in files1.keys() | files2.keys() if files1.get(k) != files2.get(k))
    assert not changed, f"{name}: files differ: {changed[:10]}"
    assert len(files1) > 0


def test_every_command_is_covered():
    from benchlearn.cli.main import app

    top = {c.name or c.callback.__name__ for c in app.registered_commands}
    covered = {n.split()[0] for n in COMMANDS}
    assert top - covered <= {"fetch", "demo", "serve"}  # see the module docstring; serve: the test below


def test_dashboard_answers_are_identical_across_processes(inputs):
    answers = []
    for _ in (1, 2):
        res = subprocess.run([sys.executable, "-c", _SERVE, str(inputs / "ws.duckdb")], capture_output=True, text=True,
                             env=ENV, timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
        answers.append(res.stdout.splitlines())
    assert len(answers[0]) > 20
    assert all(" 200 " in line for line in answers[0]), [a for a in answers[0] if " 200 " not in a]
    diff = [a for a, b in zip(*answers) if a != b]
    assert answers[0] == answers[1], diff
