"""The command line as a user meets it: clean messages, exit codes, no tracebacks, nothing half-written."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD_SUPPORT = "kommunekode;period;ydelse;fuldtidspersoner\n450;2023;kontanthjaelp;1.234,5\n101;2023;a_dagpenge;12,5\n"


def bl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "BENCHLEARN_PROGRESS": "0", **(env or {})}
    return subprocess.run([sys.executable, "-m", "benchlearn", *args], capture_output=True, text=True, env=full, timeout=120)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    d = tmp_path / "good"
    d.mkdir()
    (d / "support.csv").write_text(GOOD_SUPPORT, encoding="utf-8")
    return d


BROKEN = {
    "missing-column": ("support.csv", "kommunekode;period;ydelse\n450;2023;kontanthjaelp\n", "fuldtidspersoner"),
    "unknown-kommune": ("support.csv", GOOD_SUPPORT + "1234;2023;kontanthjaelp;5\n", "kommunekode"),
    "negative": ("support.csv", GOOD_SUPPORT + "450;2023;sygedagpenge;-3\n", "fuldtidspersoner"),
    "duplicate-key": ("support.csv", GOOD_SUPPORT + "450;2023;kontanthjaelp;7\n", "kommunekode,period,ydelse"),
    "text-in-number": ("support.csv", GOOD_SUPPORT + "450;2023;sygedagpenge;ti\n", "fuldtidspersoner"),
    "wrong-period": ("support.csv", GOOD_SUPPORT + "450;2023-03;sygedagpenge;3\n", "period"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_dataset_fails_cleanly_and_leaves_workspace_unchanged(tmp_path, good, case):
    ws = tmp_path / "ws.duckdb"
    ok = bl("ingest", str(good), "--workspace", str(ws))
    assert ok.returncode == 0, ok.stderr
    before = _digest(ws)
    name, text, column = BROKEN[case]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / name).write_text(text, encoding="utf-8")
    res = bl("ingest", str(bad), "--workspace", str(ws))
    assert res.returncode != 0
    assert "Traceback" not in res.stderr + res.stdout
    assert "tabel 'support'" in res.stderr and f"kolonne '{column}'" in res.stderr and "række" in res.stderr
    assert _digest(ws) == before
    en = bl("--lang", "en", "check", str(bad))
    assert en.returncode != 0 and "table 'support'" in en.stderr and "row" in en.stderr


def test_failed_first_ingest_creates_no_workspace(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "support.csv").write_text(BROKEN["negative"][1], encoding="utf-8")
    res = bl("ingest", str(bad), "--workspace", str(tmp_path / "new.duckdb"))
    assert res.returncode != 0 and not (tmp_path / "new.duckdb").exists()


def test_reingest_is_a_noop(tmp_path, good):
    ws = tmp_path / "ws.duckdb"
    first = json.loads(bl("ingest", str(good), "--workspace", str(ws), "--json").stdout)
    second = json.loads(bl("ingest", str(good), "--workspace", str(ws), "--json").stdout)
    assert first[0]["changed"] is True and second[0]["changed"] is False
    assert first[0]["content_hash"] == second[0]["content_hash"]


def test_missing_folder_is_a_message_not_a_traceback(tmp_path):
    res = bl("check", str(tmp_path / "nowhere"))
    assert res.returncode == 2 and "findes ikke" in res.stderr and "Traceback" not in res.stderr


def test_json_output_is_clean_json(good):
    res = bl("check", str(good), "--json")
    assert res.returncode == 0
    rows = json.loads(res.stdout)
    assert rows[0]["table"] == "support" and rows[0]["rows"] == 2


def test_readme_embeds_the_generated_contract():
    from benchlearn.core.docs import BEGIN, END

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert BEGIN in readme and END in readme
    embedded = readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    generated = bl("--lang", "en", "contract").stdout.strip()
    assert embedded == generated
