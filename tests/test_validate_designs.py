"""Reduced run of scripts/validate_benchmark.py: seeds 1–2 of the five designs (#13.4).

The full run (30 seeds per design, docs/METHOD.md §6) takes about a quarter of an hour on
the shared machine with one process per design; this reruns two seeds (10 fits, 392
intervals per design) with thresholds for that size. The binomial sd of a coverage near
0.95 is 0.011 at 392 intervals, and the seed-to-seed spread is larger (per seed 0.83–1.00
in (a), (b), (d) of the full run), so the coverage band is [0.90, 1.00] — seeds 1–2 of (a)
and (b) cover 0.995–1.000 — with the width bound guarding against intervals that are
merely wide; correlations of single seeds ranged 0.91–0.98 in (a), (b), (d), so the
two-seed mean must reach 0.88. Design (c) is the threshold the `area_step` family was
built for: it is chosen in both seeds, but the ranking and the intervals fall short (the
documented failure): seeds 1–2 measured correlation 0.87 / 0.75 and coverage 0.84 / 0.70 on
the session-7 machine (numpy 2.4.6, pandas 3.1.1, scipy 1.17.1, statsmodels 0.15.0), while
session 6 reported 0.94 / 0.90 and 0.90 / 0.77 for the same code elsewhere; with the
least-squares threshold of session 9 (``steps.profile``) 0.88 / 0.78 and 0.87 / 0.71 here — not explained by
BLAS threads or by data perturbations of 1e-10 (both tried); so the bound is the 30-seed
mean without `area_step` (0.766, METHOD.md §6) less a two-seed margin. Design (e), a
quadratic no candidate represents, is detected as a misfit.
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


@pytest.mark.parametrize("design", ["a_per_ydelse", "b_proportional", "d_heavy_tails"])
def test_designs_the_benchmark_handles(table, design):
    r = table.loc[design]
    assert r["corr"] >= 0.88
    assert 0.90 <= r["coverage"] <= 1.0
    assert r["width/sd"] <= 1.6  # seeds 1-8 measured 1.08-1.20 (κ = 0.01)
    assert r["rank_cov_marginal"] >= 0.95
    assert r["short_rank_missed"] == 0  # as in all 30 seeds of the full run


def test_the_threshold_is_found_but_its_intervals_are_short(table):
    r = table.loc["c_threshold"]
    assert r["families"] == "area_step 2" and r["corr"] >= 0.72
    assert r["coverage"] < 0.93  # the documented failure; a fix must update docs/METHOD.md §6


def test_the_quadratic_design_is_detected_as_a_misfit(table):
    r = table.loc["e_quadratic"]
    assert r["coverage"] < 0.90 and r["corr"] < 0.90


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
