"""Person pipeline (DuckDB): definitions on hand-made histories, an independent pandas
computation on simulated registers, the small-number rule, bad input and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.core.errors import ConfigError, DataError
from benchlearn.persons.pipeline import PersonsConfig, run
from benchlearn.persons.pseudonymise import PseudonymKey
from benchlearn.persons.simulate import simulate_persons
from benchlearn.persons.weeks import iso_weeks_of_year, period_weeks, window_weeks

KEY = PseudonymKey(b"test-key-0123456789abcdef", "test")
W23 = iso_weeks_of_year(2023)


def write_dir(d: Path, persons: list[tuple], weeks: list[tuple], events: list[tuple]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(persons, columns=["person_id", "birth_year", "sex", "education", "origin"]).to_parquet(
        d / "persons.parquet", index=False)
    pw = pd.DataFrame(weeks, columns=["person_id", "week", "kommunekode", "ydelse"])
    pw.to_parquet(d / "person_weeks.parquet", index=False)
    ev = pd.DataFrame(events, columns=["person_id", "week", "kind", "amount"]).astype({"amount": "float64"})
    ev.to_parquet(d / "events.parquet", index=False)
    return d


def spell(pid: int, k: int, y: str, first: int = 1, last: int = 52, year: int = 2023) -> list[tuple]:
    return [(pid, f"{year}-W{w:02d}", k, y) for w in range(first, last + 1)]


def hand_made(d: Path, extra_2022: bool = False) -> Path:
    """Nine persons whose outputs are worked out by hand in the tests."""
    persons = [
        (1, 1980, "M", "grundskole", "dansk"),
        (2, 1990, "K", "gymnasial", "ikke_vestlig"),
        (3, 1975, "K", "lang", "dansk"),
        (4, 1985, "M", "kort", "vestlig"),
        (5, 1970, "K", "ukendt", "dansk"),
        (6, 1953, "M", "grundskole", "dansk"),  # 70 in 2023: out of scope
        (7, 2007, "K", "grundskole", "dansk"),  # 16, emigrates after week 26
        (8, 1999, "M", "erhvervsfaglig", "dansk"),
        (9, 1960, "K", "mellemlang", "dansk"),
    ]
    weeks = (
        spell(1, 101, "a_dagpenge")
        + spell(2, 101, "kontanthjaelp")
        + spell(3, 101, "sygedagpenge", 1, 51) + spell(3, 101, "ingen", 52, 52)
        + spell(4, 101, "a_dagpenge", 1, 20) + spell(4, 147, "a_dagpenge", 21, 52)  # moves
        + spell(5, 147, "foertidspension")
        + spell(6, 147, "a_dagpenge")
        + spell(7, 101, "ingen", 1, 26)
        + spell(8, 101, "a_dagpenge")
        + spell(9, 147, "a_dagpenge", 1, 30) + spell(9, 147, "sygedagpenge", 31, 52)
    )
    if extra_2022:  # rows outside the period must not change anything
        weeks += [(9, "2022-W51", 147, "ingen"), (2, "2022-W52", 101, "kontanthjaelp")]
    events = (
        [(1, "2023-W10", "tilbud", None)] + [(1, f"2023-W{w:02d}", "samtale", None) for w in (3, 9, 20, 40)]
        + [(4, "2023-W05", "loentimer", 60.0), (4, "2023-W30", "loentimer", 50.0)]
        + [(4, f"2023-W{w:02d}", "samtale", None) for w in (3, 30, 50)]
        + [(8, "2023-W11", "loentimer", 99.0), (8, "2023-W12", "samtale", 4.0)]
        + [(9, "2022-W50", "tilbud", None)]  # outside the 12-month window
    )
    return write_dir(d, persons, weeks, events)


def _get(df: pd.DataFrame, **kv) -> pd.Series:
    m = np.ones(len(df), dtype=bool)
    for k, v in kv.items():
        m &= (df[k] == v).to_numpy()
    assert m.sum() == 1, (kv, df)
    return df.loc[m].iloc[0]


@pytest.mark.parametrize("extra_2022", [False, True], ids=["fast-path", "filtered"])
def test_definitions_on_hand_made_histories(tmp_path, extra_2022):
    d = hand_made(tmp_path / "p", extra_2022)
    res = run(d, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    sup, pop, foc = res.tables["support"], res.tables["population"], res.tables["focus"]
    # exact rational numbers: person-weeks / 52; the tolerance is floating-point only
    tol = 1e-12
    expected_support = {
        (101, "a_dagpenge"): (52 + 20 + 52) / 52, (101, "kontanthjaelp"): 1.0, (101, "sygedagpenge"): 51 / 52,
        (147, "a_dagpenge"): (32 + 30) / 52, (147, "sygedagpenge"): 22 / 52, (147, "foertidspension"): 1.0,
    }
    assert len(sup) == len(expected_support)
    for (k, y), v in expected_support.items():
        assert abs(_get(sup, kommunekode=k, ydelse=y)["fuldtidspersoner"] - v) < tol
    assert abs(_get(pop, kommunekode=101)["persons"] - (52 * 4 + 20 + 26) / 52) < tol
    assert abs(_get(pop, kommunekode=147)["persons"] - (32 + 52 + 52) / 52) < tol
    # focus: 101 -> persons 1, 2, 8 (3 has 51 weeks, 4 ends in 147); 147 -> persons 4, 9
    f101, f147 = _get(foc, kommunekode=101), _get(foc, kommunekode=147)
    assert (f101["persons_12m"], f101["without_offer"], f101["without_talks"]) == (3, 2, 1)
    assert (f147["persons_12m"], f147["without_offer"], f147["without_talks"]) == (2, 1, 2)
    # cells add up to the population and to the support of each area
    cells = res.tables["cells"]
    for k in (101, 147):
        tot = cells[(cells.kommunekode == k) & (cells.area == "total")]
        assert abs(tot["exposure"].sum() - _get(pop, kommunekode=k)["persons"]) < tol
        covered = sup[(sup.kommunekode == k) & sup.ydelse.isin(reference.area_ydelser("total"))]
        assert abs(tot["outcome"].sum() - covered["fuldtidspersoner"].sum()) < tol
    assert res.simulated is False
    assert not {"person_id", "pid"} & set().union(*(set(t.columns) for t in res.tables.values()))


def test_small_number_rule_drops_and_records(tmp_path):
    d = hand_made(tmp_path / "p")
    res = run(d, PersonsConfig(period="2023"), KEY, show_progress=False)  # min_persons=5
    for name in ("support", "focus", "cells"):
        assert res.tables[name].empty, name  # every such group above has fewer than 5 persons
    # 101 has six residents (1, 2, 3, 4, 7, 8): kept; 147 has three (4, 5, 9): dropped
    assert res.tables["population"]["kommunekode"].tolist() == [101]
    rec = res.tables["suppression"]
    assert ((rec["table"] == "population") & (rec["kommunekode"] == 147)).sum() == 1
    assert set(rec["table"]) == {"support", "population", "focus", "cells", "support_origin", "population_origin",
                                 "focus_origin"}
    assert {"kommunekode", "period", "key", "reason"} <= set(rec.columns)
    assert not rec.select_dtypes("number").drop(columns="kommunekode").shape[1]  # no numbers leak


def test_complement_rule_in_focus(tmp_path):
    # 7 long-term persons in 101; 6 have no offer -> the 1 with an offer is identifiable
    persons = [(i, 1980, "M", "grundskole", "dansk") for i in range(7)]
    weeks = [r for i in range(7) for r in spell(i, 101, "kontanthjaelp")]
    events = [(0, "2023-W10", "tilbud", None)] + [(i, f"2023-W{w:02d}", "samtale", None) for i in range(7)
                                                  for w in (1, 2, 3, 4)]
    d = write_dir(tmp_path / "p", persons, weeks, events)
    res = run(d, PersonsConfig(period="2023", min_persons=5), KEY, show_progress=False)
    assert res.tables["focus"].empty
    assert "focus" in set(res.tables["suppression"]["table"])
    ok = run(d, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    r = ok.tables["focus"].iloc[0]
    assert (r["persons_12m"], r["without_offer"], r["without_talks"]) == (7, 6, 0)


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("persons_sim")
    simulate_persons(3000, d, seed=7, chunk_persons=1100, show_progress=False)
    return d


def _pandas_reference(d: Path, period: str = "2023") -> dict[str, pd.DataFrame]:
    """The definitions re-implemented directly in pandas on the raw files."""
    p = pd.read_parquet(d / "persons.parquet")
    w = pd.read_parquet(d / "person_weeks.parquet")
    e = pd.read_parquet(d / "events.parquet")
    weeks = period_weeks(period)
    w = w[w.week.isin(weeks)].merge(p, on="person_id")
    w = w[(2023 - w.birth_year).between(16, 66)]
    W = len(weeks)
    sup = (w[w.ydelse != "ingen"].groupby(["kommunekode", "ydelse"]).size() / W).rename("fuldtidspersoner")
    pop = (w.groupby("kommunekode").size() / W).rename("persons")
    cov = set(reference.area_ydelser("total"))
    win = window_weeks(period)
    ww = w[w.week.isin(win)]
    n_cov = ww[ww.ydelse.isin(cov)].groupby("person_id").size()
    long = n_cov[n_cov == len(win)].index
    last = ww[(ww.week == win[-1]) & ww.person_id.isin(long)].set_index("person_id")["kommunekode"]
    ev = e[e.week.isin(win)]
    samt = ev[ev.kind == "samtale"].assign(a=lambda x: x.amount.fillna(1.0)).groupby("person_id")["a"].sum()
    tilb = ev[ev.kind == "tilbud"].groupby("person_id").size()
    hours = ev[ev.kind == "loentimer"].groupby("person_id")["amount"].sum()
    f = pd.DataFrame({"kommunekode": last})
    f["no_offer"] = (tilb.reindex(f.index).fillna(0) == 0) & (hours.reindex(f.index).fillna(0) < 100)
    f["no_talks"] = samt.reindex(f.index).fillna(0) < 4
    foc = f.groupby("kommunekode").agg(persons_12m=("no_offer", "size"), without_offer=("no_offer", "sum"),
                                       without_talks=("no_talks", "sum"))
    return {"support": sup.reset_index(), "population": pop.reset_index(), "focus": foc.reset_index()}


def test_pipeline_matches_independent_pandas_computation(sim_dir):
    res = run(sim_dir, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    ref = _pandas_reference(sim_dir)
    got = res.tables["support"].merge(ref["support"], on=["kommunekode", "ydelse"], how="outer", suffixes=("", "_ref"))
    assert len(got) == len(ref["support"]) and got["fuldtidspersoner"].notna().all()
    np.testing.assert_allclose(got["fuldtidspersoner"], got["fuldtidspersoner_ref"], rtol=0, atol=1e-12)
    gp = res.tables["population"].merge(ref["population"], on="kommunekode", suffixes=("", "_ref"))
    assert len(gp) == len(ref["population"])
    np.testing.assert_allclose(gp["persons"], gp["persons_ref"], rtol=0, atol=1e-12)
    gf = res.tables["focus"].merge(ref["focus"], on="kommunekode", how="outer", suffixes=("", "_ref"))
    assert len(gf) == len(ref["focus"]) and len(gf) > 20  # the simulator makes long-term cases
    for c in ("persons_12m", "without_offer", "without_talks"):
        assert (gf[c] == gf[f"{c}_ref"].astype(float)).all(), c
    assert res.simulated is True


def test_cells_match_independent_pandas_computation(sim_dir):
    """Cells (decoded from the pipeline's integer cell code) against pandas on the raw files."""
    res = run(sim_dir, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    p = pd.read_parquet(sim_dir / "persons.parquet")
    w = pd.read_parquet(sim_dir / "person_weeks.parquet")
    w = w[w.week.isin(period_weeks("2023"))].merge(p, on="person_id")
    age = 2023 - w.birth_year
    w = w[age.between(16, 66)].copy()
    age = 2023 - w.birth_year
    bins = [(16, 24), (25, 29), (30, 39), (40, 49), (50, 59), (60, 66)]
    w["age_group"] = np.select([age.between(lo, hi) for lo, hi in bins], [f"{lo}-{hi}" for lo, hi in bins], "")
    keys = ["kommunekode", "age_group", "sex", "education", "origin"]
    cells = res.tables["cells"]
    for area in ("total", "sygedagpenge", "total_incl_pension"):
        on = w.ydelse.isin(reference.area_ydelser(area))
        ref = w.assign(on=on, pid_on=w.person_id.where(on)).groupby(keys).agg(
            n_persons=("person_id", "nunique"), exposure_weeks=("person_id", "size"),
            outcome_weeks=("on", "sum"), n_outcome_persons=("pid_on", "nunique")).reset_index()
        got = cells[cells.area == area].merge(ref, on=keys, how="outer", suffixes=("", "_ref"), indicator=True)
        assert (got["_merge"] == "both").all() and len(got) > 100, area  # the same set of cells
        for c in ("n_persons", "exposure_weeks", "outcome_weeks", "n_outcome_persons"):
            assert (got[c] == got[f"{c}_ref"]).all(), (area, c)  # integer counts: exact


def test_default_rule_on_simulated_data(sim_dir):
    res = run(sim_dir, PersonsConfig(period="2023"), KEY, show_progress=False)
    assert (res.tables["support"]["n_persons"] >= 5).all()
    assert (res.tables["population"]["n_persons"] >= 5).all()
    c = res.tables["cells"]
    assert (c["n_persons"] >= 5).all()
    assert (c["n_outcome_persons"].isin([0]) | (c["n_outcome_persons"] >= 5)).all()
    assert ((c["n_persons"] - c["n_outcome_persons"]).isin([0]) | (c["n_persons"] - c["n_outcome_persons"] >= 5)).all()
    f = res.tables["focus"]
    for col in ("without_offer", "without_talks"):
        assert (f[col].isin([0]) | (f[col] >= 5)).all() and ((f["persons_12m"] - f[col]).isin([0]) | (f["persons_12m"] - f[col] >= 5)).all()


def test_pseudonym_key_changes_nothing_in_the_aggregates(sim_dir):
    a = run(sim_dir, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    b = run(sim_dir, PersonsConfig(period="2023", min_persons=1, pseudonymise=False), None, show_progress=False)
    for n in ("support", "population", "focus", "cells"):
        pd.testing.assert_frame_equal(a.tables[n], b.tables[n])


def test_simulation_is_chunk_invariant(tmp_path):
    simulate_persons(900, tmp_path / "a", seed=3, chunk_persons=900, show_progress=False)
    simulate_persons(900, tmp_path / "b", seed=3, chunk_persons=250, show_progress=False)
    for n in ("persons", "person_weeks", "events"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / f"{n}.parquet"),
                                      pd.read_parquet(tmp_path / "b" / f"{n}.parquet"))
    w = pd.read_parquet(tmp_path / "a" / "person_weeks.parquet")
    assert len(w) == 900 * 52 and set(w.week) == set(W23)
    assert set(w.kommunekode) <= reference.kommunekoder()
    assert set(w.ydelse) <= set(reference.ydelse_codes()) | {"ingen"}


BAD = {
    "unknown-kommune": (lambda w: w.assign(kommunekode=w.kommunekode.where(w.index != 5, 999)), "kommunekode"),
    "unknown-ydelse": (lambda w: w.assign(ydelse=w.ydelse.where(w.index != 5, "lottogevinst")), "ydelse"),
    "bad-week": (lambda w: w.assign(week=w.week.where(w.index != 5, "2023-7")), "week"),
    # inside the period's label range, so only the exact week check can catch them
    "week-letter-inside-range": (lambda w: w.assign(week=w.week.where(w.index != 5, "2023-W1x")), "week"),
    "week-unpadded": (lambda w: w.assign(week=w.week.where(w.index != 5, "2023-W5")), "week"),
    "week-trailing-space": (lambda w: w.assign(week=w.week.where(w.index != 5, "2023-W05 ")), "week"),
    "duplicate": (lambda w: pd.concat([w, w.iloc[[3]]]), "week"),
    "unknown-person": (lambda w: pd.concat([w, w.iloc[[3]].assign(person_id=10**9)]), "person_id"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_person_weeks_raise_data_error(tmp_path, case):
    d = hand_made(tmp_path / "p")
    fn, column = BAD[case]
    w = pd.read_parquet(d / "person_weeks.parquet")
    fn(w).to_parquet(d / "person_weeks.parquet", index=False)
    with pytest.raises(DataError) as exc:
        run(d, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    assert exc.value.table == "person_weeks" and exc.value.column == column
    assert "1000000000" not in str(exc.value)  # person ids are never shown


def test_bad_persons_names_row_and_column(tmp_path):
    d = hand_made(tmp_path / "p")
    p = pd.read_parquet(d / "persons.parquet")
    p.loc[4, "education"] = "phd"
    p.to_parquet(d / "persons.parquet", index=False)
    with pytest.raises(DataError) as exc:
        run(d, PersonsConfig(period="2023"), KEY, show_progress=False)
    assert (exc.value.table, exc.value.row, exc.value.column, exc.value.value) == ("persons", 5, "education", "phd")


def test_config_is_validated():
    with pytest.raises(ConfigError):
        PersonsConfig(period="2023-07")
    with pytest.raises(ConfigError):
        PersonsConfig(period="2023", min_persons=0)
    with pytest.raises(ConfigError):
        PersonsConfig(period="2023", focus_area="nope")


def test_period_weeks_follow_the_thursday_rule():
    assert period_weeks("2023") == W23 and len(W23) == 52
    assert len(period_weeks("2020")) == 53  # 2020 has an ISO week 53
    assert period_weeks("2023Q1")[0] == "2023-W01" and period_weeks("2023Q1")[-1] == "2023-W13"
    # 12 months ending Q4 2023 is the calendar year 2023
    assert period_weeks("2023QMAT04") == W23
    assert window_weeks("2023Q2")[-1] == period_weeks("2023Q2")[-1] and len(window_weeks("2023Q2")) == 52


def bl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "BENCHLEARN_PSEUDONYM_KEY"}
    full.update({"BENCHLEARN_PROGRESS": "0", **(env or {})})
    return subprocess.run([sys.executable, "-m", "benchlearn", *args], capture_output=True, text=True, env=full, check=False,
                          timeout=300)


def test_cli_simulate_and_aggregate(tmp_path):
    pdir, out = tmp_path / "persons", tmp_path / "ds"
    r = bl("persons", "simulate", str(pdir), "--persons", "1500", "--seed", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert '"person_weeks": 78000' in r.stdout
    refused = bl("persons", "aggregate", str(pdir), "--out", str(out))
    assert refused.returncode == 2 and "BENCHLEARN_PSEUDONYM_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr and not out.exists()
    secret = "s3cret-key-that-must-not-leak-42"
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(secret + "\n")
    ok = bl("persons", "aggregate", str(pdir), "--out", str(out), "--key-file", str(keyfile), "--json",
            "--format", "csv")
    assert ok.returncode == 0, ok.stderr
    assert secret not in ok.stdout + ok.stderr
    for f in out.iterdir():
        assert secret.encode() not in f.read_bytes()
    from benchlearn.data.dataset import load_dataset

    ds = load_dataset(out)
    assert {"support", "population", "focus"} <= set(ds.names)
    assert ds.is_simulated("support")
    assert ds.periods("population") == ["2023"]  # support is mostly suppressed at this size
    # Parquet by default; two identical runs write the same bytes (#20 point 8: cells are
    # sorted before the cell model sums over them, tables before they are written)
    for name in ("ds2", "ds3"):
        env_ok = bl("persons", "aggregate", str(pdir), "--out", str(tmp_path / name),
                    env={"BENCHLEARN_PSEUDONYM_KEY": secret})
        assert env_ok.returncode == 0, env_ok.stderr
    files = sorted(p.name for p in (tmp_path / "ds2").iterdir())
    assert "benchmark.parquet" in files and files == sorted(p.name for p in (tmp_path / "ds3").iterdir())
    for f in files:
        assert (tmp_path / "ds2" / f).read_bytes() == (tmp_path / "ds3" / f).read_bytes(), f
    pd.testing.assert_frame_equal(pd.read_csv(out / "support.csv"), pd.read_parquet(tmp_path / "ds2" / "support.parquet"),
                                  check_dtype=False)
    bad = bl("persons", "aggregate", str(pdir), "--out", str(tmp_path / "x"), "--no-pseudonymise", "--engine", "polars")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_quarter_period_uses_its_weeks_and_a_12_month_window(tmp_path):
    d = hand_made(tmp_path / "p")
    res = run(d, PersonsConfig(period="2023Q4", min_persons=1), KEY, show_progress=False)
    # Q4 2023 = ISO weeks 40..52 (Thursday rule): W = 13
    sup = res.tables["support"]
    expected = {(101, "a_dagpenge"): 26 / 13, (101, "kontanthjaelp"): 1.0, (101, "sygedagpenge"): 12 / 13,
                (147, "a_dagpenge"): 1.0, (147, "sygedagpenge"): 1.0, (147, "foertidspension"): 1.0}
    assert len(sup) == len(expected)
    for (k, y), v in expected.items():
        assert abs(_get(sup, kommunekode=k, ydelse=y)["fuldtidspersoner"] - v) < 1e-12
    assert set(res.tables["support"]["period"]) == {"2023Q4"}
    # the focus window is the 52 weeks ending 2023-W52: the same persons as for the year
    f = res.tables["focus"].set_index("kommunekode")
    assert tuple(f.loc[101, ["persons_12m", "without_offer", "without_talks"]]) == (3, 2, 1)
    assert tuple(f.loc[147, ["persons_12m", "without_offer", "without_talks"]]) == (2, 1, 2)


def test_part_file_folders_and_column_case(tmp_path):
    d = hand_made(tmp_path / "p")
    base = run(d, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    w = pd.read_parquet(d / "person_weeks.parquet")
    (d / "person_weeks.parquet").unlink()
    (d / "person_weeks").mkdir()
    half = len(w) // 2
    w.rename(columns=str.upper).iloc[:half].to_parquet(d / "person_weeks" / "part-0.parquet", index=False)
    w.rename(columns=str.upper).iloc[half:].to_parquet(d / "person_weeks" / "part-1.parquet", index=False)
    res = run(d, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    for n in ("support", "population", "focus", "cells"):
        pd.testing.assert_frame_equal(res.tables[n], base.tables[n])


def test_written_output_is_a_validated_dataset_and_feeds_the_cell_model(sim_dir, tmp_path):
    """`cells` and `suppression` are contract tables: validated on load like the rest;
    the cell model runs on what the pipeline wrote."""
    from benchlearn.data.dataset import load_dataset
    from benchlearn.benchmark.config import BenchmarkConfig
    from benchlearn.benchmark.published import from_cells

    res = run(sim_dir, PersonsConfig(period="2023"), KEY, show_progress=False)
    out = tmp_path / "ds"
    res.write(out, fmt="csv")
    ds = load_dataset(out)
    assert {"support", "population", "focus", "cells", "suppression"} <= set(ds.names)
    pd.testing.assert_series_equal(ds.table("cells")["outcome_weeks"].sort_values(ignore_index=True),
                                   res.tables["cells"]["outcome_weeks"].sort_values(ignore_index=True),
                                   check_names=False, check_dtype=False)
    assert (ds.table("suppression")["table"].isin(["support", "population", "focus", "cells", "support_origin",
                                                  "population_origin", "focus_origin"])).all()
    # the cell model on unsuppressed cells (3,000 persons spread over 98 municipalities)
    full = tmp_path / "full"
    run(sim_dir, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False).write(full, fmt="parquet")
    bm = from_cells(load_dataset(full), BenchmarkConfig(rank_draws=50))
    assert len(bm.records) == 98 and bm.card.source == "cells"
    # a cell with more outcome weeks than exposure weeks is refused, naming row and column
    cells = pd.read_csv(out / "cells.csv")
    cells.loc[2, "outcome_weeks"] = cells.loc[2, "exposure_weeks"] + 1
    cells.to_csv(out / "cells.csv", index=False)
    with pytest.raises(DataError) as exc:
        load_dataset(out)
    assert (exc.value.table, exc.value.column, exc.value.row) == ("cells", "outcome_weeks", 4)


def test_text_person_ids_give_the_same_outputs(tmp_path):
    """CPR-like text ids (leading zeros) in all three tables: the same outputs as integers."""
    d = hand_made(tmp_path / "int")
    base = run(d, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    t = tmp_path / "text"
    t.mkdir()
    for name in ("persons", "person_weeks", "events"):
        df = pd.read_parquet(d / f"{name}.parquet")
        df["person_id"] = df["person_id"].map(lambda i: f"{int(i) * 1_000_003:010d}")
        df.to_parquet(t / f"{name}.parquet", index=False)
    res = run(t, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    for n in ("support", "population", "focus", "cells", "suppression"):
        pd.testing.assert_frame_equal(res.tables[n], base.tables[n], obj=n)


def test_cell_model_before_the_rule_publishes_municipality_totals(sim_dir, tmp_path):
    """With a cell model (as the CLI runs it) the pipeline fits it on all cells, before the
    fewer-than-5 rule, and publishes only municipality totals as `benchmark`."""
    from benchlearn.data.dataset import load_dataset
    from benchlearn.benchmark.config import BenchmarkConfig
    from benchlearn.benchmark.resolver import compute
    from benchlearn.benchmark.published import cell_model_totals

    res = run(sim_dir, PersonsConfig(period="2023"), KEY, show_progress=False, cell_model=cell_model_totals)
    bm = res.tables["benchmark"]
    # at 3,000 persons a_dagpenge & co. rest on fewer than 5 persons in most municipalities
    assert "total" in set(bm["area"]) and set(bm["area"]) <= set(PersonsConfig(period="2023").cell_areas)
    assert (bm["n_persons"] >= 5).all() and "cell_model" in res.timings
    # actual = the in-scope person-weeks on the area's ydelser / 52, from the raw files
    ref = _pandas_reference(sim_dir)["support"]
    covered = ref[ref["ydelse"].isin(reference.area_ydelser("total"))].groupby("kommunekode")["fuldtidspersoner"].sum()
    got = bm[bm["area"] == "total"].set_index("kommunekode")["actual"]
    np.testing.assert_allclose(got.to_numpy(), covered.reindex(got.index).fillna(0).to_numpy(), rtol=0, atol=1e-9)
    # logit link with an intercept, fitted on every cell: fitted and observed totals agree
    # (the score equation of the intercept); before the rule means over all municipalities
    full = run(sim_dir, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False,
               cell_model=cell_model_totals).tables["benchmark"]
    for area, g in full.groupby("area"):
        assert abs(g["expected"].sum() - g["actual"].sum()) < 1e-6 * g["actual"].sum(), area
    # `benchlearn benchmark` uses this table, with the model's standard error
    out = tmp_path / "ds"
    res.write(out, fmt="csv")
    b = compute(load_dataset(out), BenchmarkConfig(rank_draws=50))
    assert b.card.source == "benchmark_table" and any("se_expected" in n for n in b.card.notes)
    assert len(b.records) == (bm["area"] == "total").sum()


def test_integer_ids_pseudonymise_as_their_decimal_text():
    """The numpy block builder for integer ids (session 6) gives the CMAC of str(id):
    checked against the Arrow string path on every digit count 1-16 and both sides of
    each power of ten, and on ids past 10^16 (string path) and negative ids."""
    import numpy as np
    import pyarrow as pa

    from benchlearn.persons.pseudonymise import PseudonymKey, cmac_aes, decimal_blocks, pseudonyms

    rng = np.random.default_rng(7)
    edges = [v for k in range(17) for v in (10**k - 1, 10**k) if 0 <= v < 10**16]
    x = np.array(edges + rng.integers(0, 10**16, 5000).tolist() + rng.integers(0, 10**7, 5000).tolist(), np.int64)
    blocks, complete = decimal_blocks(x)
    texts = [str(v).encode() for v in x.tolist()]
    expect = np.frombuffer(b"".join(t + (b"\x80" + b"\0" * (15 - len(t)) if len(t) < 16 else b"") for t in texts),
                           np.uint8).reshape(-1, 16)
    assert np.array_equal(blocks, expect)
    assert complete.tolist() == [i for i, t in enumerate(texts) if len(t) == 16]
    key = PseudonymKey(bytes(range(32)), "test")
    for ids in (pa.array(x), pa.array([*x.tolist(), 10**16, 2**63 - 1]), pa.array([-5, 0, 12])):
        assert np.array_equal(np.asarray(pseudonyms(ids, key)), np.asarray(pseudonyms(ids.cast(pa.string()), key)))
    assert cmac_aes(b"k" * 32, pa.array(["1"])).shape == (1, 16)
