"""The step/hinge search of the ``area_step`` family (benchmark/steps.py, docs/METHOD.md §2).

Data with a known threshold: 98 municipalities × 2 periods, five correlated standardized
variables, a fractional logit with a linear term in every variable plus ``0.5·1[z_1 > 1]``
and municipality effects of sd 0.2 (design (c) of scripts/validate_benchmark.py, written out
here so the test does not lean on the script). Two independent checks of the threshold:

* ``profile`` (one Gauss–Newton step from the fitted model) must choose the same term as
  refitting the whole model at every candidate threshold and shape and taking the smallest
  weighted residual sum of squares — the brute force it stands in for, computed here;
* the selected threshold must lie near the truth: a step in z_1 within 0.25 sd of 1.0 in at
  least 6 of 8 seeds. Measured: 7 of 8 (1.05, 1.21, 0.96, 0.96, 1.00, none, 0.99, 1.02); the
  robust score's own maximum (before ``profile``) 4 of 8 (hinges at 0.56 and 0.41, a step at
  −0.58), so the bound separates the two with a seed to spare for another platform's rounding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from benchlearn.benchmark import steps
from benchlearn.benchmark.estimation import estimate


def _data(seed: int, shape: str = "step"):
    """Two periods of 98 municipalities, area share logit-linear in five correlated variables plus
    ``shape``: a step ``+0.5`` where z_1 > 1 (design (c)) or a curve ``0.2·(z_3² − 1)`` (design (e))."""
    rng = np.random.default_rng([seed, 77 if shape == "step" else 78])
    k = 98
    C = 0.5 * np.ones((5, 5)) + 0.5 * np.eye(5)
    Z = rng.multivariate_normal(np.zeros(5), C, k)
    Z = (Z - Z.mean(0)) / Z.std(0)
    theta = rng.normal(0, 0.2, k)
    N = rng.integers(8_000, 200_000, k).astype("float64")
    extra = 0.5 * (Z[:, 1] > 1.0) if shape == "step" else 0.2 * (Z[:, 3] ** 2 - 1.0)
    rows = []
    for t in range(2):
        eta = np.log(0.115 / 0.885) + 0.05 * t + Z @ np.array([0.25, -0.2, 0.15, 0.1, -0.1]) \
            + extra + 0.9 * theta + np.sqrt(0.19) * rng.normal(0, 0.2, k)
        s = rng.binomial(N.astype("int64"), expit(eta)) / N
        rows.append((s, N, np.column_stack([np.ones(k), np.full(k, float(t)), Z]), np.arange(k)))
    return (np.concatenate([r[0] for r in rows]), np.concatenate([r[1] for r in rows]),
            np.vstack([r[2] for r in rows]), np.concatenate([r[3] for r in rows]))


def _fit_one(s, N, clusters):
    return lambda Xd: estimate(s, N, Xd, clusters, model="fraclogit", sampling="binomial", cluster=True)


def _brute_force(pick, est, X, Z, fit_one):
    """Refit at every threshold and shape of the picked variable; the smallest weighted RSS
    (weights of the model without the term, as ``profile`` uses)."""
    j = pick[0]
    D = est.mu * (1 - est.mu)
    w = 1.0 / np.maximum(D ** 2 * est.tau2 + est.v, 1e-16)
    best, crit = None, np.inf
    for _, kind, c in steps.candidate_terms(Z[:, [j]], set()):
        e = fit_one(np.column_stack([X, steps.columns(Z, [(j, kind, c)])]))
        r = float(np.sum(w * (est.s - e.mu) ** 2))
        if r < crit:
            best, crit = (j, kind, c), r
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_profile_equals_refitting_at_every_threshold(seed):
    s, N, X, clusters = _data(seed)
    fit_one = _fit_one(s, N, clusters)
    Z = X[:, -5:]
    est = fit_one(X)
    pick = (1, "step", 0.0)  # the variable; profile chooses its threshold and shape
    got = steps.profile(pick, est, Z)
    want = _brute_force(pick, est, X, Z, fit_one)
    assert got[:2] == want[:2] and got[2] == pytest.approx(want[2], abs=1e-12), (got, want)


def test_select_finds_the_threshold_where_it_is():
    near = 0
    for seed in range(1, 9):
        s, N, X, clusters = _data(seed)
        terms, _ = steps.select(s, N, X, clusters, 5, _fit_one(s, N, clusters))
        on_1 = [t for t in terms if t[0] == 1 and t[1] == "step"]
        near += bool(on_1) and abs(on_1[0][2] - 1.0) <= 0.25
    assert near >= 6, near


def test_stable_terms_keeps_what_most_fold_searches_also_find():
    """The stability filter (families.stable_terms, docs/METHOD.md §2): a term survives when
    its variable is among the folds' own selections in at least the given share of them."""
    from benchlearn.benchmark.families import stable_terms, vote_share

    terms = [(1, "step", 1.0), (3, "hinge", -0.2)]
    searches = [{1}, {1, 3}, {1}, {1, 4}, {1, 3}, {1}, {1, 3}, {1}, {3}, {1}]  # 1: 9/10, 3: 4/10
    assert vote_share(terms[0], searches) == pytest.approx(0.9)
    assert vote_share(terms[1], searches) == pytest.approx(0.4)
    assert stable_terms(terms, searches, 0.7) == [terms[0]]
    assert stable_terms(terms, searches, 0.4) == terms  # the bar is inclusive: 4 of 10 at 0.4
    assert stable_terms(terms, searches, 0.0) == terms  # 0 keeps every term
    assert stable_terms(terms, [], 0.7) == terms  # no cross-validation, nothing to vote
    assert stable_terms(terms, searches, 1.0) == []


def test_threshold_variance_is_the_mean_squared_shift_of_the_share():
    """crossfit.threshold_variance against the closed form: a step 1[x > 0] with coefficient
    0.5 and the folds' thresholds at 0.1 and −0.1. A municipality at x = 0.05 loses the step
    under 0.1 and keeps it under −0.1: v = [(expit(η − 0.5) − μ)² + 0]/2; at x = 2 or −2 no
    threshold moves it: v = 0."""
    from scipy.special import expit as ex

    from benchlearn.benchmark.crossfit import threshold_variance

    g = pd.DataFrame({"x": [0.05, 2.0, -2.0, -0.05]})
    mu = np.array([0.3, 0.2, 0.1, 0.25])
    eta = np.log(mu / (1 - mu))
    folds = [[(0, "step", 0.1)], [(0, "step", -0.1)], [(0, "hinge", 0.5)]]  # the hinge is no step draw
    v = threshold_variance(g, ("x",), [(0, "step", 0.0)], [0.5], folds, mu)
    want = np.array([(ex(eta[0] - 0.5) - mu[0]) ** 2 / 2, 0.0, 0.0, (ex(eta[3] + 0.5) - mu[3]) ** 2 / 2])
    np.testing.assert_allclose(v, want, rtol=1e-12, atol=1e-15)
    # hinges are left out (their shift is absorbed by the refitted linear term)
    assert (threshold_variance(g, ("x",), [(0, "hinge", 0.5)], [0.3], [[(0, "hinge", 0.0)]], mu) == 0).all()
    assert (threshold_variance(g, ("x",), [(0, "step", 0.0)], [0.5], [], mu) == 0).all()


def test_robust_z_flags_a_result_far_from_all_others():
    from benchlearn.benchmark.model import robust_z

    r = np.r_[np.linspace(-1, 1, 21), 9.0, np.linspace(-1, 1, 21)]
    period = np.r_[np.full(22, "2023"), np.full(21, "2024")]
    z = robust_z(r, period)
    med = np.median(r[:22])
    mad = 1.4826 * np.median(np.abs(r[:22] - med))
    assert z[21] == pytest.approx(abs(9.0 - med) / mad, rel=1e-12) and z[21] > 4
    assert (z[:21] < 2).all() and (z[22:] < 2).all()


def test_square_column_is_the_centred_square_and_any_centre_fits_the_same():
    Z = np.array([[-1.0], [0.0], [2.0]])
    assert steps.columns(Z, [(0, "square", 0.5)])[:, 0] == pytest.approx([2.25, 0.25, 2.25])
    assert steps.names(("x",), [(0, "square", 0.5)]) == ["(x-0.5)^2"]
    # with the intercept and the linear term in the model the centre only reparametrizes:
    # the fitted shares are the same (why a fold may carry the full fit's centre)
    s, N, X, clusters = _data(1, "curve")
    fit_one = _fit_one(s, N, clusters)
    a = fit_one(np.column_stack([X, steps.columns(X[:, -5:], [(3, "square", 0.0)])]))
    b = fit_one(np.column_stack([X, steps.columns(X[:, -5:], [(3, "square", 0.7)])]))
    assert np.max(np.abs(a.mu - b.mu)) < 1e-8


def test_select_finds_a_curve_as_a_square_and_a_step_stays_a_step():
    """A quadratic in z_3 is found as a square on z_3 (measured: 8 of 8 seeds; with steps and hinges only, a hinge on z_3 anywhere from −1.08
    to 0.66, and once a spurious step besides). And on the
    step data the square does not displace the step (the same 7 of 8 as without it)."""
    found = []
    for seed in range(1, 9):
        s, N, X, clusters = _data(seed, "curve")
        terms, _ = steps.select(s, N, X, clusters, 5, _fit_one(s, N, clusters))
        found.append([t[:2] for t in terms])
    found = sum((3, "square") in f for f in found)
    assert found >= 6, found
    near = 0
    for seed in range(1, 9):
        s, N, X, clusters = _data(seed)
        terms, _ = steps.select(s, N, X, clusters, 5, _fit_one(s, N, clusters))
        near += any(t[:2] == (1, "step") and abs(t[2] - 1.0) <= 0.25 for t in terms)
    assert near >= 6, near
