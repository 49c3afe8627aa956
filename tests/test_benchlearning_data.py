"""Benchlearning input tables: the catalogue, the contract tables and their refusals (issue #15).

Broken efforts, self-assessment and learning-cycle files are refused naming file, row, column and
value, in Danish and English, with exit code 2, no traceback and nothing stored.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchlearn.benchlearning import catalogue
from benchlearn.benchlearning.efforts import active, period_bounds, use_matrix
from benchlearn.core import reference
from benchlearn.core.errors import DataError
from benchlearn.data.dataset import Dataset, load_dataset

EFFORTS = ("kommunekode;method;target_group;persons;start_date;end_date;source\n"
           "450;ips;syge;20;2022-01-01;;beskæftigelsesplan 2023\n"
           "461;virksomhedsrettede_tilbud;forsikrede_ledige;150;01-03-2021;31-12-2023;plan\n")
SELF = ("kommunekode;period;enabler;assessor;score\n"
        "450;2024;strategisk_styring;self;3\n450;2024;strategisk_styring;peer;2\n")


def bl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    return subprocess.run([sys.executable, "-m", "benchlearn", *args], capture_output=True, text=True, env=env, timeout=120)


def test_catalogue_names_evidence_or_says_unknown():
    ms = catalogue.methods()
    assert len(ms) >= 10 and {m.code for m in ms} == set(reference.method_codes())
    for m in ms:
        assert m.navn_da and m.navn_en and m.target_groups
        assert (m.evidence == "dokumenteret" and m.source) or (m.evidence == "ukendt" and not m.source)
    integ = {m.code for m in catalogue.integration_methods()}
    assert {"igu", "dansk_kombineret_med_arbejde", "mentor_flygtninge"} <= integ  # issue #16.4
    assert all("integration" in catalogue.method(c).target_groups for c in integ)
    assert len(catalogue.enablers()) == 6 and set(catalogue.scale_labels()) == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("label,first,last", [("2023", "2023-01-01", "2023-12-31"), ("2024Q1", "2024-01-01", "2024-03-31"),
                                              ("2023H2", "2023-07-01", "2023-12-31"), ("2024M02", "2024-02-01", "2024-02-29"),
                                              ("2023QMAT02", "2022-07-01", "2023-06-30"), ("2023QMAT04", "2023-01-01", "2023-12-31")])
def test_period_bounds(label, first, last):
    assert period_bounds(label) == (first, last)


def test_efforts_read_and_active_by_period(tmp_path):
    (tmp_path / "efforts.csv").write_text(EFFORTS, encoding="utf-8")
    ds = load_dataset(tmp_path)
    e = ds.table("efforts")
    assert e["start_date"].tolist() == ["2022-01-01", "2021-03-01"] or sorted(e["start_date"]) == ["2021-03-01", "2022-01-01"]
    assert sorted(active(e, "2024")["kommunekode"]) == [450]  # 461 ended 2023-12-31
    assert sorted(active(e, "2023")["kommunekode"]) == [450, 461]
    u = use_matrix(e, "2023")
    assert u.shape == (98, len(reference.method_codes())) and int(u.to_numpy().sum()) == 2
    assert u.loc[450, "ips"] == 1 and u.loc[461, "virksomhedsrettede_tilbud"] == 1


BROKEN = {
    "unknown-method": ("efforts.csv", EFFORTS + "450;hokuspokus;syge;5;2022-01-01;;plan\n", "efforts", 4, "method", "hokuspokus"),
    "end-before-start": ("efforts.csv", EFFORTS + "450;mentor;syge;5;2022-05-01;2022-04-30;plan\n", "efforts", 4, "end_date", "2022-04-30"),
    "unknown-kommune": ("efforts.csv", EFFORTS + "999;mentor;syge;5;2022-05-01;;plan\n", "efforts", 4, "kommunekode", "999"),
    "bad-date": ("efforts.csv", EFFORTS + "450;mentor;syge;5;2022-02-30;;plan\n", "efforts", 4, "start_date", "2022-02-30"),
    "score-outside-scale": ("self_assessment.csv", SELF + "450;2024;medarbejdere;self;6\n", "self_assessment", 4, "score", "6"),
    "unknown-enabler": ("self_assessment.csv", SELF + "450;2024;held;self;3\n", "self_assessment", 4, "enabler", "held"),
    "unknown-assessor": ("self_assessment.csv", SELF + "450;2024;medarbejdere;boss;3\n", "self_assessment", 4, "assessor", "boss"),
    "visit-end-before-start": ("learning_cycles.csv",
                               "cycle_id;kommunekode;role;visit_start;visit_end;before_period;after_period\n"
                               "c1;450;learner;2023-11-02;2023-11-01;2023;2024\n", "learning_cycles", 2, "visit_end", "2023-11-01"),
    "action-unknown-method": ("learning_actions.csv", "cycle_id;kommunekode;item_id;method;description\nc1;450;1;magi;gør noget\n",
                              "learning_actions", 2, "method", "magi"),
}


@pytest.fixture(scope="module")
def good_ws(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bl_good")
    good = root / "good"
    good.mkdir()
    (good / "efforts.csv").write_text(EFFORTS, encoding="utf-8")
    (good / "self_assessment.csv").write_text(SELF, encoding="utf-8")
    ws = root / "ws.duckdb"
    ok = bl("ingest", str(good), "--workspace", str(ws))
    assert ok.returncode == 0, ok.stderr
    return ws


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_are_refused_naming_file_row_column_value_and_nothing_is_stored(tmp_path, good_ws, case):
    ws = tmp_path / "ws.duckdb"
    shutil.copy(good_ws, ws)
    before = hashlib.sha256(ws.read_bytes()).hexdigest()
    name, text, table, row, column, value = BROKEN[case]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "efforts.csv").write_text(EFFORTS, encoding="utf-8")
    (bad / "self_assessment.csv").write_text(SELF, encoding="utf-8")
    (bad / name).write_text(text, encoding="utf-8")
    res = bl("ingest", str(bad), "--workspace", str(ws), "--replace")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr + res.stdout
    msg = " ".join(res.stderr.split())
    for part in (f"tabel '{table}'", name, f"række {row}", f"kolonne '{column}'", value):
        assert part in msg, (part, res.stderr)
    assert hashlib.sha256(ws.read_bytes()).hexdigest() == before
    en = " ".join(bl("--lang", "en", "check", str(bad)).stderr.split())
    for part in (f"table '{table}'", f"row {row}", f"column '{column}'", value):
        assert part in en, (part, en)


def test_simulated_tables_are_valid_and_marked_simulated():
    from benchlearn.simulator import simulate

    sim = simulate(seed=5, periods=("2023", "2024"))
    ds = sim.dataset
    for name in ("efforts", "self_assessment", "learning_cycles", "learning_actions"):
        assert ds.has(name) and ds.is_simulated(name), name
    planted = sim.params["benchlearning"]
    assert set(planted.loc[planted["planted_pp"] < 0, "code"]) == {"virksomhedsrettede_tilbud", "ips", "tidlige_samtaler"}
    sa = ds.table("self_assessment")
    assert sa["score"].between(1, 5).all() and set(sa["assessor"]) == {"self", "peer"}
    assert (sa["assessor"] == "peer").sum() == 30 * 6


def test_in_memory_frames_are_checked_like_files():
    with pytest.raises(DataError) as e:
        Dataset.from_tables({"efforts": pd.DataFrame({"kommunekode": [450], "method": ["ips"], "target_group": ["marsmænd"],
                                                      "start_date": ["2022-01-01"], "source": ["x"]})})
    assert e.value.column == "target_group" and e.value.row == 1
