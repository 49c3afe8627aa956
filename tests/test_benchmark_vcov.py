"""The small-sample cluster sandwich (``vcov``, docs/METHOD.md §2, pooling) against independent computations.

* CR1, CR2 and CR3 of a weighted least-squares fit equal R's ``clubSandwich::vcovCR`` (``CR1S``;
  ``CR3`` times (G−1)/G; ``CR2`` with ``inverse_var = TRUE``) on the same weights: the same
  formula, so to floating point (1e-9) — CR2 exactly where the weights are constant within a
  municipality; where they vary, clubSandwich takes another square root of the adjustment
  (measured 0.08 %, tolerance 0.5 %).
* CR3 of every model kind equals the brute-force jackknife — the fit repeated without each
  municipality — within the one-step approximation: the refits re-estimate τ² (and the logit's
  weights), which the one-step formula holds at the full fit's values. Measured on this design:
  WLS 0.4 %, multinomial 0.7 %, fractional logit 3.3 % (largest standard-error ratio − 1);
  tolerances 1 %, 1.5 % and 6 %.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from benchlearn.benchmark import multinomial
from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.estimation import adjusted_scores, cluster_meat, estimate
from benchlearn.core.errors import ConfigError, ModelError

G = 60


def _has_club_sandwich() -> bool:
    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "library(clubSandwich)"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(5)
    cl = np.repeat(np.arange(G), 2)
    n = 2 * G
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n), np.tile([0, 1], G)])
    N = rng.integers(2000, 50000, n).astype(float)
    eta = np.log(0.05) + 0.2 * X[:, 1] - 0.1 * X[:, 2] + rng.normal(0, 0.2, G).repeat(2)
    s = rng.binomial(N.astype(int), 1 / (1 + np.exp(-eta))) / N
    P = np.column_stack([0.02 * np.exp(0.2 * X[:, 1]), 0.04 * np.exp(-0.1 * X[:, 2] + rng.normal(0, 0.2, G).repeat(2))])
    S = np.column_stack([rng.binomial(N.astype(int), P[:, j]) / N for j in range(2)])
    return cl, X, N, s, S


def _jackknife(beta, refits) -> np.ndarray:
    d = np.array(refits) - beta
    return (G - 1) / G * d.T @ d


@pytest.mark.parametrize(("model", "tol"), [("wls", 0.01), ("fraclogit", 0.06)])
def test_cr3_is_the_jackknife_of_refits(panel, model, tol):
    cl, X, N, s, _ = panel
    e = estimate(s, N, X, cl, model=model, cluster=True, vcov="CR3")
    keep = [cl != g for g in range(G)]
    Vj = _jackknife(e.beta, [estimate(s[k], N[k], X[k], cl[k], model=model).beta for k in keep])
    ratio = np.sqrt(np.diag(e.V) / np.diag(Vj))
    assert np.max(np.abs(ratio - 1)) < tol
    # and it is not the CR1 sandwich it replaces (larger here, by the municipalities' leverage)
    e1 = estimate(s, N, X, cl, model=model, cluster=True, vcov="CR1")
    assert np.all(np.diag(e.V) > np.diag(e1.V))


@pytest.mark.parametrize("shared", [False, True])
def test_multinomial_cr3_is_the_jackknife_of_refits(panel, shared):
    cl, X, N, _, S = panel
    est, *_ = multinomial.fit_multinomial(S, N, X, cl, n_fixed=2, shared=shared, cluster=True, vcov="CR3")
    keep = [cl != g for g in range(G)]
    Vj = _jackknife(est.beta, [multinomial.fit_multinomial(S[k], N[k], X[k], cl[k], n_fixed=2, shared=shared)[0].beta
                               for k in keep])
    assert np.max(np.abs(np.sqrt(np.diag(est.V) / np.diag(Vj)) - 1)) < 0.015


def test_the_clusters_hessians_add_up_to_the_hessian(panel):
    cl, X, N, _, S = panel
    est, mu, idx, _ = multinomial.fit_multinomial(S, N, X, cl, n_fixed=2, shared=True)
    w = np.full(len(N), 1.0)
    parts = sum(multinomial.hessian(X[cl == g], idx, w[cl == g], mu[cl == g]) for g in range(G))
    np.testing.assert_allclose(parts, multinomial.hessian(X, idx, w, mu), rtol=1e-10, atol=1e-12)


def test_wls_cr1_cr2_and_cr3_equal_club_sandwich(panel, tmp_path):
    if not _has_club_sandwich():  # asked here, not at collection: R starts in about a second
        pytest.skip("R with clubSandwich not installed")
    cl, X, N, s, _ = panel
    ours = {k: estimate(s, N, X, cl, model="wls", cluster=True, vcov=k) for k in ("CR1", "CR2", "CR3")}
    e = ours["CR3"]
    w = 1.0 / (e.tau2 + e.v)  # the final weights of the τ² loop
    # CR2 by hand with weights constant within each municipality, where every square root
    # of the adjustment is the same matrix (with varying weights clubSandwich takes
    # Pustejovsky & Tipton's, not the symmetric one of estimation.adjusted_scores)
    wc = np.repeat(w.reshape(G, 2).mean(1), 2)
    Xt = X * np.sqrt(wc)[:, None]
    M = np.linalg.inv(Xt.T @ Xt)
    score = Xt * (np.sqrt(wc) * (s - X @ (M @ Xt.T @ (np.sqrt(wc) * s))))[:, None]
    sc = adjusted_scores(score, cl, Xt.T @ Xt, lambda r: Xt[r].T @ Xt[r], "CR2")
    cr2_const = M @ cluster_meat(sc, cl, X.shape[1], "CR2") @ M
    for name, weights in (("d", w), ("c", wc)):
        pd.DataFrame({"s": s, "x1": X[:, 1], "x2": X[:, 2], "t": X[:, 3], "w": weights, "cl": cl}).to_csv(
            tmp_path / f"{name}.csv", index=False)
    script = ("suppressMessages(library(clubSandwich)); fit <- function(p) { d <- read.csv(p); "
              "list(f = lm(s ~ x1 + x2 + t, data = d, weights = w), cl = d$cl) }; a <- fit('%s'); b <- fit('%s'); "
              "v <- function(m, type) as.matrix(vcovCR(m$f, cluster = m$cl, type = type, inverse_var = TRUE)); "
              "cat(jsonlite::toJSON(list(CR1 = v(a, 'CR1S'), CR2 = v(a, 'CR2'), CR3 = v(a, 'CR3'), "
              "CR2c = v(b, 'CR2')), digits = 15))" % (tmp_path / "d.csv", tmp_path / "c.csv"))
    r = json.loads(subprocess.run(["Rscript", "-e", script], check=True, capture_output=True, text=True, timeout=120).stdout)
    np.testing.assert_allclose(ours["CR1"].V, np.array(r["CR1"]), rtol=1e-9)
    np.testing.assert_allclose(ours["CR3"].V, np.array(r["CR3"]) * (G - 1) / G, rtol=1e-9)
    np.testing.assert_allclose(cr2_const, np.array(r["CR2c"]), rtol=1e-9)
    # the two square roots with the τ² loop's weights: measured 0.08 % apart (largest element)
    np.testing.assert_allclose(ours["CR2"].V, np.array(r["CR2"]), rtol=5e-3)
    # CR2 lies between the plain sandwich and the jackknife on every coefficient
    plain = np.diag(ours["CR1"].V) * (G - 1) / G * (len(s) - X.shape[1]) / (len(s) - 1)
    assert np.all(plain < np.diag(ours["CR2"].V))
    assert np.all(np.diag(ours["CR2"].V) < np.diag(ours["CR3"].V))


def test_a_municipality_alone_carrying_a_parameter_is_a_clear_error(panel):
    cl, X, N, s, _ = panel
    Xs = np.column_stack([X, (cl == 7).astype(float)])  # a column only municipality 7 has
    with pytest.raises(ModelError, match="7"):
        estimate(s, N, Xs, cl, model="wls", cluster=True, vcov="CR3")
    estimate(s, N, Xs, cl, model="wls", cluster=True, vcov="CR1")  # CR1 exists there


def test_unknown_vcov_refused():
    with pytest.raises(ConfigError, match="vcov"):
        BenchmarkConfig(vcov="HC0")  # type: ignore[arg-type]
