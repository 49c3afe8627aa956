"""Reduced run of scripts/validate_benchmark.py: seeds 1–2 of the five designs (#13.4).

The full run (30 seeds per design, docs/METHOD.md §6) takes about a quarter of an hour on
the shared machine with one process per design; this reruns two seeds (10 fits, 392
intervals per design) with thresholds for that size. The binomial sd of a coverage near
0.95 is 0.011 at 392 intervals, and the seed-to-seed spread is larger (per seed 0.83–1.00
in (a), (b), (d) of the full run), so the coverage band is [0.90, 1.00] — seeds 1–2 of (a)
and (b) cover 0.995–1.000 — with the width bound guarding against intervals that are
merely wide; correlations of single seeds ranged 0.91–0.98 in (a), (b), (d), so the
two-seed mean must reach 0.88. Design (e), the quadratic, is handled since session 14 (the
curvature term of `area_step`): seeds 1–2 measured correlation 0.96 / 0.86, coverage 0.99 / 0.86.
Design (c), the threshold, passes over 100 seeds (docs/METHOD.md §6) but its seed 2 is the hard
one: correlation 0.91 / 0.82 and coverage 0.95 / 0.82 for seeds 1–2, so its own bounds are
lower (the seed-to-seed spread of (c) is the largest of the five, sd 0.04–0.13 per seed).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "validate_benchmark.py"


@pytest.fixture(scope="module")
def vb():
    spec = importlib.util.spec_from_file_location("validate_benchmark", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def table(vb):
    rows = [{"design": d, "seed": s, **vb.one(d, s)} for d in vb.DESIGNS for s in (1, 2)]
    return vb.summarise(pd.DataFrame(rows)).set_index("design")


@pytest.mark.parametrize("design", ["a_per_ydelse", "b_proportional", "d_heavy_tails", "e_quadratic"])
def test_designs_the_benchmark_handles(table, design):
    r = table.loc[design]
    assert r["corr"] >= 0.88
    assert 0.90 <= r["coverage"] <= 1.0
    assert r["width/sd"] <= 1.6  # seeds 1-8 measured 1.08-1.20 (κ = 0.01)
    assert r["rank_cov_marginal"] >= 0.95
    assert r["short_rank_missed"] == 0  # as in all 30 seeds of the full run


def test_the_threshold_is_found_and_covered(table):
    r = table.loc["c_threshold"]
    assert r["families"] == "area_step 2" and r["corr"] >= 0.80
    assert 0.80 <= r["coverage"] <= 1.0  # seeds 1-2: 0.95 / 0.82 (the 100-seed mean 0.935, METHOD.md §6)
    assert r["short_rank_missed"] == 0


def test_designs_are_what_the_docstring_says(vb):
    tables, truth = vb.simulate_design("b_proportional", 1)
    sup = tables["support"].pivot_table(index=["kommunekode", "period"], columns="ydelse", values="fuldtidspersoner")
    assert sorted(sup.columns) == sorted(vb.YDELSER) and len(sup) == 98 * len(vb.PERIODS)
    pop = tables["population"].set_index(["kommunekode", "period"])["persons"]
    assert (sup.sum(axis=1) <= pop.loc[sup.index]).all()  # mutually exclusive ydelser: counts add up to ≤ N
    # (b): expected fractions of the area total are fixed (0.025 : 0.03 : 0.06 of 0.115)
    share = sup.sum() / sup.sum().sum()
    assert abs(share["kontanthjaelp"] - 0.06 / 0.115) < 0.02
    assert truth["true_diff_pp"].std() > 1.5  # effects of about 2 pp sd, the documented size


def test_the_card_weights_are_the_pseudo_bma_of_the_scores(vb):
    # recomputed here from the card's own RMSEs: w ∝ exp(−G/2 · log(MSE/MSE_min)), G = 98
    import numpy as np

    from benchlearn.benchmark.config import BenchmarkConfig
    from benchlearn.benchmark.model import fit
    from benchlearn.data.dataset import Dataset

    tables, _ = vb.simulate_design("b_proportional", 1)
    cv = fit(Dataset.from_tables(tables), BenchmarkConfig(area="total", cv_folds=5, rank_draws=50)).card.cross_validation
    c = pd.DataFrame(cv["candidates"])
    assert len(c) == 10  # five families × two transforms
    m = c["rmse_pp"].to_numpy() ** 2
    w = np.exp(-98 / 2 * np.log(m / m.min()))
    np.testing.assert_allclose(c["weight"], w / w.sum(), rtol=1e-9, atol=1e-15)
    best = c.loc[c["rmse_pp"].idxmin()]
    assert (best["family"], best["transform"]) == (cv["chosen"], cv["transform"])
