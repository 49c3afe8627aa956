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

from benchlearn.assess.costs import (
    CostConfig,
    compute_costs,
    kitagawa,
    parse_weights,
    unit_costs,
)
from benchlearn.errors import ConfigError, DataError

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
        # allocation by persons: inside a municipality every group costs the same,
        # so the municipal composition parts vanish (exactly, up to rounding)
        mun = s[s["kommunekode"] != 0]
        assert (np.abs(mun["composition"]) / mun["unit_cost_from"]).max() <= 1e-9
        # ... but not nationally, where municipalities with different unit costs differ in mix
        assert abs(nat["composition"]) > 0


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
    for r in out:
        assert abs(r["composition"] + r["within"] - r["change"]) <= 1e-9 * r["unit_cost_from"]
    bad = subprocess.run([sys.executable, "-m", "benchlearn", "costs", str(sim_dir), "--from", "2021", "--to", "1999"],
                         check=False, capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "1999" in bad.stderr
