"""Sampling variance of a multi-ydelse area: multinomial, not a sum of binomials (#13.5).

The ydelser of an area are mutually exclusive (a person-week is on one ydelse), so the
counts ``O_1..O_Y`` of a municipality are multinomial and the area share ``Σ_y O_y/N``
has variance ``S(1−S)/N`` with ``S = Σ_y μ_y`` — smaller than ``Σ_y μ_y(1−μ_y)/N`` by
``2Σ_{y<z} μ_y μ_z/N``. DGP here: three ydelser whose shares are exactly logit-linear
in three framework variables (so the per-ydelse models are correctly specified), no
jobcentre effects, counts drawn from the multinomial.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.model import fit
from benchlearn.core import reference
from benchlearn.data.dataset import Dataset

YD = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")
PERIODS = tuple(str(y) for y in range(2019, 2025))


def multinomial_tables(seed: int):
    rng = np.random.default_rng(seed)
    codes = np.array(sorted(reference.kommunekoder()))
    k = len(codes)
    N = np.exp(rng.normal(np.log(8000), 0.6, k)).clip(2000, 60000).round().astype(int)
    X = rng.normal(0, 1, (k, 3))
    base = {"a_dagpenge": 0.08, "sygedagpenge": 0.10, "kontanthjaelp": 0.12}
    B = {y: rng.normal(0, 0.25, 3) for y in YD}
    sup, pop, fw, truth = [], [], [], []
    for i, p in enumerate(PERIODS):
        P = np.column_stack([1 / (1 + np.exp(-(np.log(base[y] / (1 - base[y])) + 0.03 * i + X @ B[y]))) for y in YD])
        counts = np.array([rng.multinomial(n, [*pr, 1 - pr.sum()]) for n, pr in zip(N, P)])
        for j, y in enumerate(YD):
            sup.append(pd.DataFrame({"kommunekode": codes, "period": p, "ydelse": y, "fuldtidspersoner": counts[:, j] * 1.0}))
        pop.append(pd.DataFrame({"kommunekode": codes, "period": p, "persons": N * 1.0}))
        for v in range(3):
            fw.append(pd.DataFrame({"kommunekode": codes, "period": p, "variable": f"rv_{v}", "value": X[:, v]}))
        truth.append(pd.DataFrame({"kommunekode": codes, "period": p, "S": P.sum(1), "sum_binomial": (P * (1 - P)).sum(1) / N}))
    tables = {"support": pd.concat(sup), "population": pd.concat(pop), "framework": pd.concat(fw)}
    return tables, pd.concat(truth, ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    tables, truth = multinomial_tables(3)
    res = fit(Dataset.from_tables(tables), BenchmarkConfig(area="total", cv_folds=0, rank_draws=200, unmeasured_share=0.0))
    d = res.to_frame().merge(truth, on=["kommunekode", "period"], validate="one_to_one")
    assert len(d) == 98 * len(PERIODS)
    return d


def test_closed_form_multinomial_variance_of_the_area_share(fitted):
    d = fitted
    S = d["expected_share"]
    # the code's formula is the closed form of the multinomial sum, on its own expected share
    np.testing.assert_allclose(d["var_sampling"], S * (1 - S) / d["persons"], rtol=1e-12)
    np.testing.assert_allclose(d["funnel_se_pp"], 100 * np.sqrt(S * (1 - S) / d["persons"]), rtol=1e-12)
    true_v = d["S"] * (1 - d["S"]) / d["persons"]
    ratio = d["var_sampling"] / true_v
    # against the true probabilities: ŝ differs from S only by estimation error (measured
    # max 0.4 %, seed 3), while the sum of binomials is 23–49 % too large on this design
    assert np.abs(ratio - 1).max() < 0.01
    assert (d["sum_binomial"] / true_v).min() > 1.2


def test_standardized_residuals_have_unit_variance(fitted):
    d = fitted
    z2 = (d["actual_share"] - d["expected_share"]) ** 2 / d["var_sampling"]
    # no over-dispersion in the DGP: mean z² ≈ 1 − p/n (27 parameters, 588 rows: 0.95);
    # the sd of a mean of 588 χ²₁ is sqrt(2/588) = 0.058, so [0.85, 1.12] is about ±2 sd
    # around 0.95–1; the summed binomials would give about 1/1.31 = 0.76 (measured 0.99)
    assert 0.85 <= z2.mean() <= 1.12
    z2_summed = (d["actual_share"] - d["expected_share"]) ** 2 / (d["sum_binomial"])
    assert z2_summed.mean() < 0.82


def test_simulated_multinomial_matches_closed_form():
    """Monte Carlo: 40,000 multinomial draws of one municipality (N = 5,000)."""
    rng = np.random.default_rng(11)
    p = np.array([0.08, 0.10, 0.12])
    N = 5000
    draws = rng.multinomial(N, [*p, 1 - p.sum()], size=40_000)[:, :3].sum(1) / N
    S = p.sum()
    closed = S * (1 - S) / N
    # relative sd of a sample variance of R draws is sqrt(2/(R-1)) = 0.7 %: 3 % is > 4 sd
    assert abs(draws.var(ddof=1) / closed - 1) < 0.03
    assert (p * (1 - p)).sum() / N / closed > 1.2  # the old formula: 31 % too large here
