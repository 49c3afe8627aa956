"""Skærpet tilsyn: annual selection (star-2020 vs star-2021 rules) and the state machine.

State paths below are traced by hand through benchlearn/schemes/tilsyn-forloeb.toml.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_compare_schemes import write_case  # the same benchmark/focus CSV writer

from benchlearn.schemes.tilsyn import (
    DEFAULT_MACHINE,
    TilsynConfig,
    TilsynResult,
    annual_periods,
    load_machine,
    tilsyn,
)
from benchlearn.data.dataset import load_dataset
from benchlearn.core.errors import ConfigError, SchemeError

# kommunekode: (actual, expected, persons, persons_12m, without_offer, without_talks) per year
# 751 Aarhus: +0.40 pp and both focus goals missed every year -> selected every year.
# 101 København: +0.50 pp, samtaler met (25 %), tilbud 40 % (missed) -> selected by the
#     star-2020 rule, but not in 2021-22 under star-2021 (only samtaler counts).
# 450 Nyborg: −1.10 pp -> never selected whatever the focus goals.
ROWS = {
    751: (30000, 29000, 250000, 2000, 800, 700),
    101: (50000, 48000, 400000, 4000, 1600, 1000),
    450: (1620, 1840, 20000, 200, 80, 80),
}
YEARS = ("2020", "2021", "2022", "2023")


@pytest.fixture()
def case_dir(tmp_path: Path) -> Path:
    return write_case(tmp_path / "case", tuple(YEARS), ROWS)


def sel_frame(seq: list[bool | None], start: int = 2020) -> pd.DataFrame:
    return pd.DataFrame({
        "kommunekode": 751, "navn": "Aarhus", "year": [start + i for i in range(len(seq))],
        "period": [str(start + i) for i in range(len(seq))], "selected": seq, "category": None,
        "reason_da": "x", "reason_en": "x",
    })


def states(seq: list[bool | None]) -> list[str]:
    res = TilsynResult(TilsynConfig(), load_machine(), "star-2021", "h", sel_frame(seq), False)
    return res.path["state"].tolist()


def test_state_machine_paths_by_hand() -> None:
    # selected every year: udvalgt, redegørelse, plan, period (year 1), period (year 2: min_years 2 not yet
    # reached at the start of the year), administration
    assert states([True] * 6) == ["udvalgt", "redegoerelse", "genopretningsplan", "genopretningsperiode",
                                  "genopretningsperiode", "administration"]
    # selected once: redegørelse follows regardless, then released, then back to no supervision
    assert states([True, False, False, False]) == ["udvalgt", "redegoerelse", "ude", "ingen"]
    # recovery succeeds in the first year of the period
    assert states([True, True, True, True, False]) == ["udvalgt", "redegoerelse", "genopretningsplan", "genopretningsperiode", "ude"]
    assert states([False, False]) == ["ingen", "ingen"]
    # unknown selection (missing data) keeps the state
    assert states([True, None, False]) == ["udvalgt", "udvalgt", "redegoerelse"]


def test_reason_for_every_transition() -> None:
    res = TilsynResult(TilsynConfig(), load_machine(), "star-2021", "h", sel_frame([True, False]), False)
    p = res.path
    assert p["reason_da"].str.len().gt(0).all() and p["reason_en"].str.len().gt(0).all()
    assert "udvalgt i årets opgørelse" in p["reason_da"].iloc[0]
    assert p["changed"].tolist() == [True, True]


def test_annual_period_is_last_of_year() -> None:
    assert annual_periods(["2020Q1", "2020Q4", "2021Q2", "2020Q3"]) == {2020: "2020Q4", 2021: "2021Q2"}
    with pytest.raises(ConfigError, match="2019"):
        annual_periods(["2020Q1"], (2019,))


def test_selection_star_2020_vs_star_2021(case_dir: Path) -> None:
    ds = load_dataset(case_dir)
    s21 = tilsyn(ds, TilsynConfig(scheme="star-2021")).selections.pivot(index="year", columns="kommunekode", values="selected")
    s20 = tilsyn(ds, TilsynConfig(scheme="star-2020")).selections.pivot(index="year", columns="kommunekode", values="selected")
    assert s20[751].tolist() == [True] * 4 and s21[751].tolist() == [True] * 4
    assert s20[101].tolist() == [True, True, True, True]
    assert s21[101].tolist() == [True, False, False, True]  # tilbud does not count in 2021-22
    assert s20[450].tolist() == [False] * 4 and s21[450].tolist() == [False] * 4


def test_paths_on_dataset(case_dir: Path) -> None:
    res = tilsyn(load_dataset(case_dir), TilsynConfig(scheme="star-2021"))
    p = res.path.pivot(index="year", columns="kommunekode", values="state")
    assert p[751].tolist() == ["udvalgt", "redegoerelse", "genopretningsplan", "genopretningsperiode"]
    assert p[101].tolist() == ["udvalgt", "redegoerelse", "ude", "udvalgt"]
    assert p[450].tolist() == ["ingen"] * 4
    assert set(res.path["scheme_hash"]) == {res.scheme_hash} and len(res.scheme_hash) == 64


def test_years_option_and_missing_year(case_dir: Path) -> None:
    ds = load_dataset(case_dir)
    res = tilsyn(ds, TilsynConfig(years=(2022, 2023)))
    assert sorted(res.path["year"].unique()) == [2022, 2023]
    with pytest.raises(ConfigError):
        tilsyn(ds, TilsynConfig(years=(2019,)))


def test_scheme_without_tilsyn_category_refused(case_dir: Path) -> None:
    with pytest.raises(SchemeError, match="tilsyn"):
        tilsyn(load_dataset(case_dir), TilsynConfig(scheme="results-only"))


BASE = DEFAULT_MACHINE.read_text(encoding="utf-8")
BROKEN = {
    "unknown-state": (BASE.replace('to = "administration"', 'to = "konkurs"'), "transitions[6].to"),
    "bad-when": (BASE.replace('when = "always"', 'when = "sometimes"', 1), "transitions[1].when"),
    "negative-years": (BASE.replace("min_years = 2", "min_years = -1"), "transitions[6].min_years"),
    "unknown-key": (BASE + '\nextra = 1\n', "extra"),
    "bad-initial": (BASE.replace('initial = "ingen"', 'initial = "start"'), "initial"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_machine_refused(name: str, tmp_path: Path) -> None:
    text, key = BROKEN[name]
    p = tmp_path / f"{name}.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as exc:
        load_machine(p)
    assert key in exc.value.en and str(p) in exc.value.da


def test_custom_machine_shorter_period(tmp_path: Path, case_dir: Path) -> None:
    p = tmp_path / "short.toml"
    p.write_text(BASE.replace("min_years = 2", "min_years = 1"), encoding="utf-8")
    res = tilsyn(load_dataset(case_dir), TilsynConfig(machine=str(p)))
    assert res.machine.sha256 != load_machine().sha256
    # with a one-year recovery period Aarhus would reach administration one year earlier
    assert TilsynResult(TilsynConfig(), res.machine, "s", "h", sel_frame([True] * 5), False).path["state"].tolist()[-1] == "administration"


def test_cli_tilsyn_json(case_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    ws = tmp_path / "ws.duckdb"
    r = subprocess.run([sys.executable, "-m", "benchlearn", "tilsyn", str(case_dir), "--years", "2020,2021", "--json", "--workspace", str(ws)],
                       check=False, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    recs = json.loads(r.stdout)
    assert {"kommunekode", "navn", "year", "selected", "state", "state_before", "reason", "scheme_hash", "machine_hash"} <= set(recs[0])
    a = {(x["kommunekode"], x["year"]): x for x in recs}
    assert a[(751, 2021)]["state"] == "redegoerelse" and a[(101, 2021)]["selected"] is False
    from benchlearn.store import Workspace

    with Workspace.open(ws, read_only=True) as w:
        assert w.latest_run("tilsyn", scheme="star-2021") is not None
