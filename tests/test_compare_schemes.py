"""compare-schemes: the Nyborg paradox named, reversals, Kendall's τ, threshold sensitivity, CLI.

Hand-made case (the first benchmark list, Nov 2018, plus two municipalities worse than
expected); positions below are worked out by hand from DOMAIN.md §4.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchlearn.runs.scheme_runs import store_default_runs
from benchlearn.schemes.compare import CompareConfig, compare_schemes

# kommunekode: (actual, expected, persons, persons_12m, without_offer, without_talks)
CASE = {
    450: (1620, 1840, 20000, 200, 80, 40),  # Nyborg: −1.10 pp, tilbud 40 % (miss)
    147: (4330, 5090, 76000, 1000, 200, 250),  # −1.00, both met
    159: (2980, 3400, 60000, 500, 150, 100),  # −0.70, tilbud exactly 30 % (miss)
    766: (1820, 2080, 52000, 300, 60, 60),  # −0.50, both met
    530: (1090, 1230, 35000, 100, 10, 35),  # −0.40, samtaler 35 % (miss)
    101: (50000, 48000, 400000, 4000, 800, 1000),  # +0.50, both met -> ikke aktuel i risiko
    751: (30000, 29000, 250000, 2000, 800, 700),  # +0.40, both miss
}
POS = {  # hand-derived positions
    "star-2020": {147: 1, 766: 2, 101: 3, 450: 4, 159: 5, 530: 6, 751: 7},
    "kl-results-first": {147: 1, 766: 2, 450: 3, 159: 4, 530: 5, 101: 6, 751: 7},
    "results-only": {450: 1, 147: 2, 159: 3, 766: 4, 530: 5, 751: 6, 101: 7},
}
DIFF = {450: -1.10, 147: -1.00, 159: -0.70, 766: -0.50, 530: -0.40, 101: 0.50, 751: 0.40}


def write_case(d: Path, periods: tuple[str, ...] = ("2020",), rows: dict | None = None) -> Path:
    """Write ``benchmark.csv`` and ``focus.csv`` from rows {kommunekode: (actual, expected, persons, persons_12m, without_offer, without_talks)}."""
    d.mkdir(parents=True, exist_ok=True)
    b = ["kommunekode,period,area,actual,expected,persons"]
    f = ["kommunekode,period,persons_12m,without_offer,without_talks"]
    for p in periods:
        for k, (a, e, n, n12, o, s) in (CASE if rows is None else rows).items():
            b.append(f"{k},{p},total,{a},{e},{n}")
            f.append(f"{k},{p},{n12},{o},{s}")
    (d / "benchmark.csv").write_text("\n".join(b) + "\n", encoding="utf-8")
    (d / "focus.csv").write_text("\n".join(f) + "\n", encoding="utf-8")
    return d


@pytest.fixture()
def case_dir(tmp_path: Path) -> Path:
    return write_case(tmp_path / "case")


@pytest.fixture()
def comp(case_dir: Path):
    from benchlearn.data.dataset import load_dataset

    return compare_schemes(load_dataset(case_dir), CompareConfig(period="2020", schemes=("star-2020", "kl-results-first", "results-only")))


def test_positions_in_wide_table(comp) -> None:
    m = comp.municipalities.set_index("kommunekode")
    for s, pos in POS.items():
        assert m[f"position_{s}"].astype(int).to_dict() == pos
    assert m["results_rank"].astype(int).to_dict() == POS["results-only"]


def test_nyborg_like_named_under_star_2020_only(comp) -> None:
    par = comp.paradox
    star = par.loc[par["scheme"] == "star-2020"]
    # better than expected but below København (+0.50 pp, position 3): Nyborg, Gladsaxe, Billund
    assert star["kommunekode"].tolist() == [450, 159, 530]
    assert star["worse_placed_above"].tolist() == [1, 1, 1]
    assert star.iloc[0]["navn"] == "Nyborg" and star.iloc[0]["results_rank"] == 1
    assert "Nyborg" in star.iloc[0]["text_da"] and "Opmærksomhedskommune" in star.iloc[0]["text_da"]
    assert set(par["scheme"]) == {"star-2020"}  # none under kl-results-first or results-only
    assert comp.summary.set_index("scheme").loc["star-2020", "nyborg_like_names"] == "Nyborg, Gladsaxe, Billund"


def test_rank_reversals_hand_count(comp) -> None:
    n = comp.reversals.groupby("scheme").size().reindex(list(POS), fill_value=0).to_dict()
    # worked out pair by pair in the module docstring's case: 7, 4 and 0
    assert n == {"star-2020": 7, "kl-results-first": 4, "results-only": 0}
    r = comp.reversals
    assert ((r["better_diff_pp"] < r["worse_diff_pp"]) & (r["better_position"] > r["worse_position"])).all()


def _tau_b(x: list[float], y: list[float]) -> float:
    """Kendall's τ-b by counting pairs (independent of scipy)."""
    nc = nd = tx = ty = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            tx += 1
        elif dy == 0:
            ty += 1
        elif dx == dy:
            nc += 1
        else:
            nd += 1
    return (nc - nd) / np.sqrt((nc + nd + tx) * (nc + nd + ty))


def test_kendall_tau_matches_pair_count(comp) -> None:
    codes = sorted(CASE)
    tau = comp.tau.set_index(["scheme_a", "scheme_b"])["kendall_tau"]
    for a, b in [("star-2020", "kl-results-first"), ("star-2020", "results-only"), ("kl-results-first", "results-only")]:
        want = _tau_b([POS[a][k] for k in codes], [POS[b][k] for k in codes])
        assert tau[(a, b)] == pytest.approx(want, abs=1e-12)
    assert tau[("results-only", "diff_pp")] == pytest.approx(1.0, abs=1e-12)


def test_threshold_sensitivity_hand_counts(comp) -> None:
    s = comp.sensitivity.loc[comp.sensitivity["scheme"] == "star-2020"]
    assert sorted(s["threshold"].unique()) == pytest.approx([0.25 + 0.01 * i for i in range(11)], abs=1e-9)
    for thr, g in s.groupby("threshold"):
        counts = g.set_index("category")["count"].to_dict()
        # Gladsaxe's 30 % share meets the goal only when the threshold is above 30 %
        gl_met = thr > 0.30 + 1e-9
        assert counts == {"inspirationskommune": 3 if gl_met else 2, "ikke_aktuel_i_risiko": 1,
                          "opmaerksomhedskommune": 2 if gl_met else 3, "i_risiko_for_skaerpet_tilsyn": 1}
        assert set(g["moved_vs_scheme"]) == {1 if gl_met else 0}
    assert "results-only" not in set(comp.sensitivity["scheme"])  # uses no focus goal


def test_changes_list_category_moves(comp) -> None:
    ch = comp.changes
    pair = ch.loc[(ch["scheme_a"] == "star-2020") & (ch["scheme_b"] == "kl-results-first")]
    # same categories, new positions for all whose position differs
    moved = {k for k in CASE if POS["star-2020"][k] != POS["kl-results-first"][k]}
    assert set(pair["kommunekode"]) == moved and not pair["category_changed"].any()


def bl(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    return subprocess.run([sys.executable, "-m", "benchlearn", *args], check=False, capture_output=True, text=True, env=env, timeout=300)


def test_cli_compare_json_names_nyborg(case_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    r = bl("compare-schemes", str(case_dir), "--period", "2020", "--schemes", "star-2020,kl-results-first", "--json", "--workspace", str(ws))
    assert r.returncode == 0, r.stderr
    recs = json.loads(r.stdout)
    sections = {x["section"] for x in recs}
    assert sections == {"summary", "municipalities", "changes", "reversals", "kendall_tau", "sensitivity", "nyborg_like"}
    ny = [x for x in recs if x["section"] == "nyborg_like"]
    assert ny[0]["navn"] == "Nyborg" and ny[0]["scheme"] == "star-2020"
    from benchlearn.store import Workspace

    with Workspace.open(ws, read_only=True) as w:
        run = w.latest_run("scheme_comparison", period="2020")
        assert run is not None and set(run.config["scheme_hashes"]) == {"star-2020", "kl-results-first"}
        summ = w.results(run.run_id, "records").set_index("scheme")  # what the web layer reads
        assert summ.loc["star-2020", "nyborg_like_names"] == "Nyborg, Gladsaxe, Billund"
        assert summ.loc["kl-results-first", "nyborg_like"] == 0


def test_cli_classify_json_fields(case_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    r = bl("--lang", "en", "classify", str(case_dir), "--period", "2020", "--scheme", "star-2020", "--json", "--workspace", str(ws))
    assert r.returncode == 0, r.stderr
    recs = json.loads(r.stdout)
    need = {"kommunekode", "navn", "period", "scheme", "category", "category_label", "position", "resultatmaal",
            "fokusmaal_tilbud", "fokusmaal_samtaler", "diff_pp", "reason"}
    assert all(need <= set(x) for x in recs) and len(recs) == 7
    ny = next(x for x in recs if x["kommunekode"] == 450)
    assert ny["category"] == "opmaerksomhedskommune" and ny["position"] == 4 and ny["category_label"] == "Attention municipality"
    assert ny["resultatmaal"] is True and ny["fokusmaal_tilbud"] is False and ny["fokusmaal_samtaler"] is True
    assert ny["diff_pp"] == pytest.approx(DIFF[450], abs=1e-9) and "Attention municipality" in ny["reason"]
    tiers = json.loads(bl("classify", str(case_dir), "--period", "2020", "--scheme", "results-only", "--json").stdout)
    assert all(x["fokusmaal_tilbud"] is None for x in tiers)
    from benchlearn.store import Workspace

    with Workspace.open(ws, read_only=True) as w:
        run = w.latest_run("classification", period="2020", scheme="star-2020")
        assert run is not None and len(run.config["scheme_hash"]) == 64


def test_cli_malformed_scheme_clean_error(case_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nkind = "categories"\n', encoding="utf-8")
    r = bl("classify", str(case_dir), "--period", "2020", "--scheme", str(bad), "--json")
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
    assert "bad.toml" in r.stderr and "label" in r.stderr


def test_store_default_runs(tmp_path: Path) -> None:
    from benchlearn.data.dataset import load_dataset
    from benchlearn.store import Workspace

    ds = load_dataset(write_case(tmp_path / "two", ("2020", "2021")))
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        ws.ingest(ds)
        ids = store_default_runs(ws, ds)
        runs = ws.runs()
        # all 5 schemes per period classify (the resolver gives the published table its intervals, so
        # kl-2024-tiers has tiers) + 1 comparison each + tilsyn; the benchmark answer it rests on is
        # stored once, one run per period (the resolver's stored form)
        assert len(ids) == 13
        assert sorted(runs["kind"].value_counts().to_dict().items()) == [
            ("benchmark", 2), ("classification", 10), ("scheme_comparison", 2), ("tilsyn", 1)]
        rec = ws.latest_results("classification", "records", period="2021", scheme="star-2021")
        assert rec is not None and rec.set_index("kommunekode").loc[450, "category"] == "inspirationskommune"


def test_simulated_data_via_model(sim) -> None:
    """On simulated data without a benchmark table the model is fitted and results are flagged simulated."""
    period = max(sim.tables["support"]["period"].unique())
    comp = compare_schemes(sim.dataset, CompareConfig(period=period, schemes=("star-2020", "kl-results-first", "kl-2024-tiers")))
    c = comp.classifications[0]
    assert c.result_source == "model" and c.simulated
    f = c.to_frame()
    assert f["simulated"].all() and f["category"].notna().all() and len(f) == 98
    assert (comp.paradox["scheme"] == "kl-results-first").sum() == 0
    tiers = comp.classifications[2].to_frame()
    # the tier follows the model's own interval exactly
    exp = np.where(tiers["ci_high_pp"] < 0, "better", np.where(tiers["ci_low_pp"] > 0, "worse", "as_expected"))
    assert (tiers["category"].to_numpy() == exp).all()
    assert pd.Series(exp).nunique() >= 2
