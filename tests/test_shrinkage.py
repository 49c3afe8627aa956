"""Empirical-Bayes shrinkage: formula, who moves most, and that it helps against truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.data.dataset import Dataset
from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.model import fit
from benchlearn.benchmark.uncertainty import eb_shrink

SMALLEST = {825: 1_100, 563: 2_000, 741: 2_400, 492: 3_600}  # Læsø, Fanø, Samsø, Ærø


def test_formula_hand_case():
    # theta_EB = theta * tau² / (tau² + se²): 2 * 1/(1+1) = 1; 2 * 1/(1+3) = 0.5
    shrunk, post_sd = eb_shrink([2.0, 2.0], [1.0, np.sqrt(3.0)], 1.0)
    np.testing.assert_allclose(shrunk, [1.0, 0.5], rtol=1e-12)
    np.testing.assert_allclose(post_sd, [np.sqrt(0.5), np.sqrt(0.75)], rtol=1e-12)
    # no between-unit variance: everything shrinks to the prior mean
    np.testing.assert_allclose(eb_shrink([1.0, -3.0], [1.0, 1.0], 0.0)[0], [0.0, 0.0])
    # per-unit tau² (logit-scale τ² mapped to shares)
    np.testing.assert_allclose(eb_shrink([2.0, 2.0], [1.0, 1.0], np.array([1.0, 3.0]))[0], [1.0, 1.5])


def _tables(seed: int, median_n: float = 30_000):
    rng = np.random.default_rng(seed)
    codes = np.array(sorted(reference.kommunekoder()))
    k = len(codes)
    N = np.exp(rng.normal(np.log(median_n), 0.7, k)).clip(median_n / 4, 500_000).round()
    for c, n in SMALLEST.items():
        N[codes == c] = n
    x = rng.normal(0, 1, (k, 2))
    theta = rng.normal(0, 0.15, k)
    s0 = 1 / (1 + np.exp(-(np.log(0.05 / 0.95) + x @ np.array([0.3, -0.2]))))
    s1 = 1 / (1 + np.exp(-(np.log(0.05 / 0.95) + x @ np.array([0.3, -0.2]) + theta)))
    O = rng.binomial(N.astype(int), s1)
    tables = {
        "support": pd.DataFrame({"kommunekode": codes, "period": "2023", "ydelse": "kontanthjaelp", "fuldtidspersoner": O}),
        "population": pd.DataFrame({"kommunekode": codes, "period": "2023", "persons": N}),
        "framework": pd.concat([pd.DataFrame({"kommunekode": codes, "period": "2023", "variable": f"v{j}", "value": x[:, j]})
                                for j in range(2)]),
    }
    truth = pd.DataFrame({"kommunekode": codes, "true_diff_pp": 100 * (s1 - s0)})
    return tables, truth


@pytest.fixture(scope="module")
def fitted():
    tables, truth = _tables(3)
    res = fit(Dataset.from_tables(tables), BenchmarkConfig(area="kontanthjaelp", cv_folds=0, rank_draws=200))
    return res.to_frame().merge(truth, on="kommunekode")


def test_smallest_municipalities_move_most(fitted):
    d = fitted
    d["pull"] = 1 - d["shrunk_diff_pp"] / d["diff_pp"]  # fraction of the way to 0
    top4 = set(d.nlargest(4, "pull")["kommunekode"])
    assert top4 == set(SMALLEST)
    # and the pull falls with population size overall (not perfectly: the pull also
    # depends on the prediction variance of the municipality and on its share)
    assert d[["pull", "persons"]].corr(method="spearman").iloc[0, 1] < -0.6


def test_shrinkage_never_overshoots(fitted):
    d = fitted
    assert (np.sign(d["shrunk_diff_pp"]) == np.sign(d["diff_pp"])).all()
    assert (d["shrunk_diff_pp"].abs() <= d["diff_pp"].abs()).all()


def test_shrinkage_reduces_error_against_truth():
    """Known truth over 8 seeds of small municipalities (sampling noise comparable to
    the spread of effects): the shrunk results are closer to the planted effects (mean
    squared error) than the raw ones — what shrinkage is for. The DGP has no unmeasured
    conditions, so ``unmeasured_share=0``."""
    mse_raw, mse_eb = [], []
    for seed in range(8):
        tables, truth = _tables(100 + seed, median_n=3_000)
        res = fit(Dataset.from_tables(tables),
                  BenchmarkConfig(area="kontanthjaelp", cv_folds=0, rank_draws=100, unmeasured_share=0.0))
        d = res.to_frame().merge(truth, on="kommunekode")
        mse_raw.append(((d["diff_pp"] - d["true_diff_pp"]) ** 2).mean())
        mse_eb.append(((d["shrunk_diff_pp"] - d["true_diff_pp"]) ** 2).mean())
    assert np.mean(mse_eb) < np.mean(mse_raw)
