"""Cost mapping: unit costs and the exact Kitagawa / Das Gupta split.

The split is an algebraic identity, so it must hold to floating-point precision:
tolerance 1e-9 relative to the unit cost (values ~1e5 kr, double precision ~1e-16).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchlearn.benchlearning.costs import (
    CostConfig,
    compute_costs,
    kitagawa,
    parse_weights,
    unit_costs,
)
from benchlearn.core.errors import ConfigError, DataError

# The five målgrupper of DOMAIN.md §2, written out here independently of the
# shipped mapping file (pensions and efterløn are outside the five).
FIVE = {
    "a_dagpenge", "sygedagpenge", "jobafklaring", "uddannelseshjaelp", "fleksjob", "ledighedsydelse",
    "kontanthjaelp", "selvforsoergelsesydelse", "ressourceforloeb", "revalidering", "forrevalidering",
}


def _hand_tables():
    """Two målgrupper, one municipality (Nyborg), costs recorded per målgruppe.

    P0: forsikrede 60 persons / 6,000 kr (c=100), syge 40 / 8,000 (c=200) -> c0 = 140
    P1: forsikrede 50 / 5,500 (c=110), syge 50 / 11,000 (c=220)         -> c1 = 165
    composition = (-0.1)(100+110)/2 + (0.1)(200+220)/2 = -10.5 + 21 = 10.5
    within      = 10·(0.6+0.5)/2 + 20·(0.4+0.5)/2      =   5.5 + 9  = 14.5
    total 25 = 165 - 140.
    """
    support = pd.DataFrame({
        "kommunekode": [450] * 4, "period": ["2022", "2022", "2023", "2023"],
        "ydelse": ["a_dagpenge", "sygedagpenge"] * 2, "fuldtidspersoner": [60.0, 40.0, 50.0, 50.0],
    })
    costs = pd.DataFrame({
        "kommunekode": [450] * 4, "period": ["2022", "2022", "2023", "2023"],
        "category": ["administration"] * 4, "maalgruppe": ["forsikrede_ledige", "syge"] * 2,
        "dkk": [6000.0, 8000.0, 5500.0, 11000.0],
    })
    return costs, support


def test_hand_computed_example():
    costs, support = _hand_tables()
    res = compute_costs(costs, support, CostConfig("2022", "2023"))
    assert res.allocation == "recorded"
    for k in (0, 450):  # nation == the one municipality
        row = res.split.set_index("kommunekode").loc[k]
        assert row["unit_cost_from"] == pytest.approx(140.0, rel=1e-12)
        assert row["unit_cost_to"] == pytest.approx(165.0, rel=1e-12)
        assert row["composition"] == pytest.approx(10.5, rel=1e-12)
        assert row["within"] == pytest.approx(14.5, rel=1e-12)
        assert row["change"] == pytest.approx(25.0, rel=1e-12)
    g = res.split_groups[res.split_groups["kommunekode"] == 450].set_index("maalgruppe")
    assert g.loc["syge", "composition"] == pytest.approx(21.0, rel=1e-12)
    assert g.loc["forsikrede_ledige", "within"] == pytest.approx(5.5, rel=1e-12)


def test_kitagawa_identity_random():
    rng = np.random.default_rng(0)
    for _ in range(50):
        w0, w1 = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        c0, c1 = rng.uniform(5e4, 2e5, 5), rng.uniform(5e4, 2e5, 5)
        comp, within = kitagawa(w0, w1, c0, c1)
        total = w1 @ c1 - w0 @ c0
        assert abs(comp.sum() + within.sum() - total) <= 1e-9 * (w0 @ c0)


def _independent_unit_cost(costs, support):
    s = support[support["ydelse"].isin(FIVE)].groupby(["kommunekode", "period"])["fuldtidspersoner"].sum()
    d = costs.groupby(["kommunekode", "period"])["dkk"].sum()
    return (d / s).dropna()


def test_unit_costs_match_independent_computation(sim):
    costs, support = sim.tables["costs"].copy(), sim.tables["support"].copy()
    got = unit_costs(costs, support).set_index(["kommunekode", "period"])["unit_cost"]
    ref = _independent_unit_cost(costs, support)
    ref.index = ref.index.set_levels(ref.index.levels[1].astype(str), level=1)
    np.testing.assert_allclose(got.sort_index().to_numpy(), ref.reindex(got.sort_index().index).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("weights", [None, (("syge", 1.8), ("unge", 0.7), ("fleksjobbere", 1.3))])
def test_split_sums_exactly_on_simulated_data(sim, weights):
    costs, support = sim.tables["costs"].copy(), sim.tables["support"].copy()
    periods = sorted(costs["period"].astype(str).unique())
    res = compute_costs(costs, support, CostConfig(periods[0], periods[-1], relative_weights=weights))
    s = res.split
    assert len(s) == 1 + costs["kommunekode"].nunique()
    if weights is not None:
        rel = np.abs(s["composition"] + s["within"] - s["change"]) / s["unit_cost_from"]
        assert rel.max() <= 1e-9
    # national unit costs are Σ dkk / Σ persons (independent computation)
    ref = _independent_unit_cost(costs, support)
    nat = s.set_index("kommunekode").loc[0]
    d = costs.groupby("period")["dkk"].sum()
    p = support[support["ydelse"].isin(FIVE)].groupby("period")["fuldtidspersoner"].sum()
    assert nat["unit_cost_to"] == pytest.approx(d[periods[-1]] / p[periods[-1]], rel=1e-12)
    assert len(ref)  # the independent table is not empty
    if weights is None:
        # costs are not recorded per målgruppe: the split is not identified, and its
        # parts are null instead of a constructed 0
        assert (s["split_status"] == "not_identified").all()
        assert s["composition"].isna().all() and s["within"].isna().all()
        assert s["change"].notna().all()
    else:
        assert (s["split_status"] == "assumed").all()


def test_trend_is_national_ratio(sim):
    costs, support = sim.tables["costs"].copy(), sim.tables["support"].copy()
    periods = sorted(costs["period"].astype(str).unique())
    tr = compute_costs(costs, support, CostConfig(periods[0], periods[-1])).trend
    d = costs.groupby("period")["dkk"].sum()
    p = support[support["ydelse"].isin(FIVE)].groupby("period")["fuldtidspersoner"].sum()
    np.testing.assert_allclose(tr["unit_cost"].to_numpy(), (d / p).loc[tr["period"]].to_numpy(), rtol=1e-12)
    assert tr["index"].iloc[0] == pytest.approx(100.0)


def test_group_missing_in_one_period():
    costs, support = _hand_tables()
    # syge disappears in 2023: its composition term is Δw·c of 2022, within term 0
    support = support[~((support["period"] == "2023") & (support["ydelse"] == "sygedagpenge"))]
    costs = costs[~((costs["period"] == "2023") & (costs["maalgruppe"] == "syge"))]
    res = compute_costs(costs, support, CostConfig("2022", "2023"))
    row = res.split.set_index("kommunekode").loc[450]
    assert row["change"] == pytest.approx(110.0 - 140.0, rel=1e-12)
    assert row["composition"] + row["within"] == pytest.approx(row["change"], rel=1e-12)
    g = res.split_groups[res.split_groups["kommunekode"] == 450].set_index("maalgruppe")
    assert g.loc["syge", "composition"] == pytest.approx(-0.4 * 200.0, rel=1e-12)


def test_bad_input():
    costs, support = _hand_tables()
    with pytest.raises(ConfigError):
        CostConfig("2023", "2023")
    with pytest.raises(ConfigError):
        CostConfig("2022", "2023", relative_weights=(("pension", 1.0),))
    with pytest.raises(DataError):
        compute_costs(costs, support, CostConfig("2022", "2019"))
    bad = costs.copy()
    bad.loc[1, "maalgruppe"] = "pensionister"
    with pytest.raises(DataError) as e:
        compute_costs(bad, support, CostConfig("2022", "2023"))
    assert "maalgruppe" in str(e.value) and "pensionister" in str(e.value)
    with pytest.raises(ConfigError):
        parse_weights("syge:2")
    assert parse_weights("syge=1.5, unge=0.8") == (("syge", 1.5), ("unge", 0.8))


def test_cli_costs_json(sim_dir):
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    p = subprocess.run([sys.executable, "-m", "benchlearn", "costs", str(sim_dir), "--from", "2021", "--to", "2024", "--json"],
                       check=False, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert len(out) == 99 and out[0]["kommunekode"] == 0
    for r in out:  # simulated costs carry no målgruppe: parts null, change shown
        assert r["split_status"] == "not_identified" and r["composition"] is None and r["within"] is None
        assert r["change"] == pytest.approx(r["unit_cost_to"] - r["unit_cost_from"], rel=1e-12)
    bad = subprocess.run([sys.executable, "-m", "benchlearn", "costs", str(sim_dir), "--from", "2021", "--to", "1999"],
                         check=False, capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "1999" in bad.stderr


def _planted(shift: bool):
    """Three målgrupper in 20 municipalities, costs recorded per målgruppe. Unit
    costs per group are fixed over time (forsikrede 60,000, syge 120,000, fleksjob
    30,000 kr, the same everywhere), so the whole change in unit cost is composition:
    with ``shift`` the syge share moves from 20 % to 35 % (taken from forsikrede)."""
    unit = {"forsikrede_ledige": 60_000.0, "syge": 120_000.0, "fleksjobbere": 30_000.0}
    ydelse = {"forsikrede_ledige": "a_dagpenge", "syge": "sygedagpenge", "fleksjobbere": "fleksjob"}
    mix = {"2022": {"forsikrede_ledige": 0.5, "syge": 0.2, "fleksjobbere": 0.3},
           "2023": ({"forsikrede_ledige": 0.35, "syge": 0.35, "fleksjobbere": 0.3} if shift else
                    {"forsikrede_ledige": 0.5, "syge": 0.2, "fleksjobbere": 0.3})}
    codes = [101, 147, 151, 153, 155, 157, 159, 161, 163, 165, 167, 169, 173, 175, 183, 185, 187, 190, 201, 210]
    rng = np.random.default_rng(3)
    sup, cost = [], []
    for k in codes:
        size = float(rng.integers(500, 5000))
        for p, m in mix.items():
            for g, w in m.items():
                n = size * w
                sup.append((k, p, ydelse[g], n))
                cost.append((k, p, "administration", g, unit[g] * n))
    return (pd.DataFrame(cost, columns=["kommunekode", "period", "category", "maalgruppe", "dkk"]),
            pd.DataFrame(sup, columns=["kommunekode", "period", "ydelse", "fuldtidspersoner"]))


def test_planted_composition_shift_is_recovered_exactly():
    costs, support = _planted(shift=True)
    res = compute_costs(costs, support, CostConfig("2022", "2023"))
    s = res.split.set_index("kommunekode")
    assert (s["split_status"] == "identified").all()
    # planted: c0 = .5·60k + .2·120k + .3·30k = 63,000; c1 = .35·60k + .35·120k + .3·30k = 72,000
    for k in s.index:  # nation and every municipality: all of the 9,000 kr is composition
        assert s.loc[k, "change"] == pytest.approx(9_000.0, rel=1e-12)
        assert s.loc[k, "composition"] == pytest.approx(9_000.0, rel=1e-12)
        assert abs(s.loc[k, "within"]) <= 1e-9 * 63_000.0
    # per group: Δw·c̄ = −0.15·60,000 and +0.15·120,000
    g = res.split_groups[res.split_groups["kommunekode"] == 0].set_index("maalgruppe")
    assert g.loc["forsikrede_ledige", "composition"] == pytest.approx(-9_000.0, rel=1e-12)
    assert g.loc["syge", "composition"] == pytest.approx(18_000.0, rel=1e-12)
    # without the shift nothing is composition (and nothing within): a planted zero is found as zero
    s0 = compute_costs(*_planted(shift=False), CostConfig("2022", "2023")).split
    assert np.abs(s0[["composition", "within", "change"]].to_numpy()).max() <= 1e-9 * 63_000.0
    # the same costs without their målgruppe: not identified
    nm = compute_costs(costs.drop(columns="maalgruppe"), support, CostConfig("2022", "2023")).split
    assert (nm["split_status"] == "not_identified").all() and nm["composition"].isna().all()


def test_ledige_from_monthly_activity_and_proxy(sim):
    costs, support = sim.tables["costs"].copy(), sim.tables["support"].copy()
    codes = sorted(costs["kommunekode"].unique())
    # a monthly ledige series for every month of 2024 (value = code + month), 2021 only from August
    rows = [(k, f"2024M{m:02d}", "alle", "ledige", float(k + m)) for k in codes for m in range(1, 13)]
    rows += [(k, f"2021M{m:02d}", "alle", "ledige", 1.0) for k in codes for m in range(8, 13)]
    act = pd.DataFrame(rows, columns=["kommunekode", "period", "maalgruppe", "measure", "value"])
    res = compute_costs(costs, support, CostConfig("2021", "2024"), act)
    uc = res.unit_costs.set_index(["kommunekode", "period"])
    k = codes[0]
    assert uc.loc[(k, "2024"), "ledige"] == pytest.approx(k + 6.5, rel=1e-12)  # mean of k+1 .. k+12
    assert uc.loc[(k, "2024"), "ledige_source"] == "activity"
    # 2021 has only 5 months: the proxy (a-dagpenge + kontanthjælp full-time persons) stands in
    sp = support[(support["period"] == "2021") & (support["kommunekode"] == k)
                 & support["ydelse"].isin(["a_dagpenge", "kontanthjaelp"])]["fuldtidspersoner"].sum()
    assert uc.loc[(k, "2021"), "ledige"] == pytest.approx(sp, rel=1e-12)
    assert uc.loc[(k, "2021"), "ledige_source"] == "proxy"
    d = costs[(costs["kommunekode"] == k) & (costs["period"] == "2024")]["dkk"].sum()
    assert uc.loc[(k, "2024"), "unit_cost_ledig"] == pytest.approx(d / (k + 6.5), rel=1e-12)
    tr = res.trend.set_index("period")
    nat = costs[costs["period"] == "2024"]["dkk"].sum() / sum(c + 6.5 for c in codes)
    assert tr.loc["2024", "unit_cost_ledig"] == pytest.approx(nat, rel=1e-12)


@pytest.mark.parametrize("view", ["split", "groups", "unit-costs", "trend"])
def test_cli_text_views_danish_and_not_identified(sim_dir, view):
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0", "COLUMNS": "200"}
    p = subprocess.run([sys.executable, "-m", "benchlearn", "costs", str(sim_dir), "--from", "2021", "--to", "2024",
                        "--view", view], check=False, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    title = {"split": "ændringens dele", "groups": "Målgrupper", "unit-costs": "pr. kommune og periode",
             "trend": "Hele landet: enhedsudgift over tid"}[view]
    assert title in p.stdout
    assert "ikke identificeret" in " ".join(p.stderr.split())
    if view in ("split", "groups"):
        assert "ikke identificeret" in p.stdout
    if view == "trend":
        assert "pr. ledig" in p.stdout
        # Danish number format: a dot for thousands (93.202), never a comma
        import re

        assert re.search(r"\b\d{2,3}\.\d{3}\b", p.stdout) and not re.search(r"\b\d{2,3},\d{3}\b", p.stdout)
    en = subprocess.run([sys.executable, "-m", "benchlearn", "--lang", "en", "costs", str(sim_dir), "--view", view],
                        check=False, capture_output=True, text=True, env=env, timeout=300)
    assert en.returncode == 0 and "not identified" in " ".join(en.stderr.split())
