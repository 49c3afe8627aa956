"""The common level taken out of the prediction covariance, and the model-choice weights.

Closed forms: for a linear model with equal weights the level part of the sandwich is
exactly τ²11'/n; the pseudo-BMA weights of two candidates stand in the ratio of their
mean squared errors to the power −G/2; the level direction of the multinomial logit is
S(1−S), checked by a finite difference of the logit itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchlearn.benchmark.crossfit import candidate_weights, disagreement
from benchlearn.benchmark.model import relative_level


def _linear(n=98, tau2=4e-4, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x -= x.mean()  # a centred variable: the intercept's error is the effects' mean alone
    X = np.column_stack([np.ones(n), x])
    V = tau2 * np.linalg.inv(X.T @ X)  # equal weights, no sampling noise: Var(β̂) = τ²(X'X)⁻¹
    return X, V, np.full(n, tau2)


def test_linear_equal_weights_takes_out_exactly_tau2_over_n():
    X, V, tau2 = _linear()
    M = X @ V @ X.T
    out = relative_level(M, tau2, np.ones(len(tau2)), np.full(len(tau2), 1e-4))
    # what is left is the slope's part alone: τ² x x' / Σx²
    x = X[:, 1]
    assert out == pytest.approx(tau2[0] * np.outer(x, x) / (x @ x), abs=1e-15)
    assert (M - out) == pytest.approx(np.full(M.shape, tau2[0] / len(x)), rel=1e-10)


def test_the_level_is_capped_so_the_covariance_stays_positive_semidefinite():
    X, V, tau2 = _linear()
    n = len(tau2)
    M = 0.1 * X @ V @ X.T  # a sandwich ten times smaller than τ²/n along the level
    D = np.full(n, 1e-7)
    out = relative_level(M, tau2, np.ones(n), D)
    full = np.diag(D) + out
    lam = np.linalg.eigvalsh((full + full.T) / 2)
    assert lam.min() > -1e-12 * lam.max()
    # the cap is the largest rank-one part along d: one eigenvalue is then (numerically) zero
    assert lam.min() < 1e-9 * lam.max()
    taken = (M - out)[0, 0]
    d = np.ones(n)
    assert taken == pytest.approx(1 / (d @ np.linalg.solve(np.diag(D) + M, d)), rel=1e-9)
    assert taken < tau2[0] / n


def test_no_between_municipality_variance_leaves_the_covariance_alone():
    X, V, _ = _linear()
    M = X @ V @ X.T
    assert np.array_equal(relative_level(M, np.zeros(len(M)), np.ones(len(M)), np.ones(len(M))), M)


def test_multinomial_level_direction_is_s_times_one_minus_s():
    # shifting every ydelse's logit against "not on support" by ε moves the area share by S(1-S)ε
    rng = np.random.default_rng(1)
    eta = rng.normal(-3, 0.5, size=(50, 3))

    def area(e):
        ex = np.exp(e)
        return ex.sum(1) / (1 + ex.sum(1))

    S, eps = area(eta), 1e-6
    fd = (area(eta + eps) - area(eta - eps)) / (2 * eps)
    assert fd == pytest.approx(S * (1 - S), rel=1e-7)


def test_pseudo_bma_weights_follow_the_mse_ratio():
    rows = [{"rmse_pp": 1.0}, {"rmse_pp": float(np.sqrt(1.02))}, {"rmse_pp": float(np.sqrt(1.05))}]
    w = candidate_weights(rows, 98)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert w[1] / w[0] == pytest.approx(1.02 ** -49, rel=1e-12)  # ≈ 0.38 (the docstring's figure)
    assert w[2] / w[0] == pytest.approx(1.05 ** -49, rel=1e-12)  # ≈ 0.09
    assert candidate_weights([{"rmse_pp": 2.0}, {"rmse_pp": 2.0}], 98) == pytest.approx([0.5, 0.5])
    assert candidate_weights([{"rmse_pp": float("nan")}], 98) == pytest.approx([0.0])


def test_disagreement_with_and_without_the_chosen_candidate():
    mu = np.array([0.10, 0.20])
    preds = {"none": {"pred": {"area": np.array([0.10, 0.21]), "ydelse": np.array([0.12, 0.20])}},
             "log": {"pred": {"area": np.array([0.13, 0.17])}}}
    rows = [{"family": "area", "transform": "none"}, {"family": "ydelse", "transform": "none"},
            {"family": "area", "transform": "log"}]
    w = np.array([0.5, 0.3, 0.2])
    total, others = disagreement(preds, rows, w, np.array([0, 1]), mu, ("area", "none"))
    by_hand_others = 0.3 * np.array([0.02 ** 2, 0.0]) + 0.2 * np.array([0.03 ** 2, 0.03 ** 2])
    assert others == pytest.approx(by_hand_others, abs=1e-15)
    assert total == pytest.approx(by_hand_others + 0.5 * np.array([0.0, 0.01 ** 2]), abs=1e-15)
