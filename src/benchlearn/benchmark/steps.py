"""One-split step, hinge and curvature terms of the framework variables, selected by a robust score test.

The ``area_step`` family (docs/METHOD.md §2) is the area model plus, for each framework
variable, at most one term ``1[x > c]`` (a step), ``max(0, x − c)`` (a hinge) or
``(x − c)²`` (a curvature, c the rows' mean; with the linear term in the model any c gives
the same fit) — an additive, MARS/tree- or polynomial-like piece that a logit-linear model
cannot represent. Thresholds ``c`` are searched between the 10 % and 90 % quantiles of the
(standardized) variable in the rows being fitted (every midpoint between neighbouring
values), so inside cross-validation every training fold makes its own search and the
held-out fold judges it. Nothing in the search knows which variable or where: every
variable, every quantile, every shape is a candidate.

Selection is forward: with the current model fitted, every candidate column gets the
cluster-robust score statistic (the column residualized on the model's weighted
Jacobian, its score summed by municipality); if the largest exceeds a BIC-type bar, its
variable gets the threshold and shape that reduce the weighted residual sum of squares
most (:func:`profile`), the model is refitted, and the next variable is searched, until
none passes. The bar ``2·log(G)`` (G municipalities) counts the searched threshold as a second
parameter, as MARS's generalized cross-validation charges a knot about two to three
parameters (Friedman 1991); at one term per variable it keeps the search from chasing noise.
"""

from __future__ import annotations

import numpy as np

QUANTILES = np.arange(0.1, 0.91, 0.1)
#: The shapes of a term. ``square`` (session 14) is the smooth alternative to a threshold:
#: without it a curve (design (e) of docs/METHOD.md §6, a quadratic) could only be
#: approximated by one hinge per variable.
KINDS = ("step", "hinge", "square")
THRESHOLD_KINDS = ("step", "hinge")
#: Candidate columns scored at a time: the score statistics of a wide search (43 variables
#: of 6 periods: ≈ 40,000 candidates) in blocks, so memory stays ≈ 100 MB.
BLOCK = 4000


def columns(Z: np.ndarray, terms) -> np.ndarray:
    """The columns of ``terms`` ((variable index, kind, threshold or centre), on ``Z``'s scale)."""
    if not terms:
        return np.zeros((len(Z), 0))
    j = np.array([t[0] for t in terms])
    kind = np.array([t[1] for t in terms])
    d = Z[:, j] - np.array([t[2] for t in terms])  # x > c exactly when x − c > 0 (IEEE, finite)
    return np.where(kind == "step", (d > 0).astype("float64"), np.where(kind == "square", d ** 2, np.maximum(d, 0.0)))


def names(variables, terms) -> list[str]:
    return [f"{variables[j]}>{c:.4g}" if kind == "step" else f"({variables[j]}-{c:.4g})^2" if kind == "square"
            else f"max(0,{variables[j]}-{c:.4g})" for j, kind, c in terms]


def candidate_terms(Z: np.ndarray, skip, kinds=KINDS) -> list[tuple[int, str, float]]:
    """Every (variable, shape, threshold) of a variable not yet used: thresholds midway
    between neighbouring distinct values, from the 10 % to the 90 % quantile (as a tree
    searches its splits), so a threshold is found where it is, not at the nearest grid point;
    a ``square`` once per variable, centred on the rows' mean."""
    out = []
    shapes = [k for k in kinds if k in THRESHOLD_KINDS]
    for j in range(Z.shape[1]):
        if j in skip:
            continue
        lo, hi = np.quantile(Z[:, j], [QUANTILES[0], QUANTILES[-1]])
        u = np.unique(Z[:, j])
        mid = (u[1:] + u[:-1]) / 2
        mid = mid[(mid >= lo) & (mid <= hi)]
        for c in mid:
            out.extend((j, kind, float(c)) for kind in shapes)
        if "square" in kinds:
            out.append((j, "square", float(np.mean(Z[:, j]))))
    return out


def residualized(est, Zc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate columns on the scale of the fitted shares, residualized on the fitted
    model's weighted Jacobian (:math:`\\tilde z` of :func:`score_stats`), and the weights."""
    D = est.mu * (1 - est.mu)  # the fractional logit's dμ/dη (J = D X)
    w = 1.0 / np.maximum((D ** 2) * est.tau2 + est.v, 1e-16)
    DZ = D[:, None] * Zc
    J = est.J
    return DZ - J @ (est.Binv @ (J.T @ (w[:, None] * DZ))), w


def score_stats(est, Zc: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    r"""Cluster-robust score statistics of candidate columns ``Zc`` added to a fitted model.

    Notes
    -----
    With :math:`D_k = \partial\mu_k/\partial\eta_k` (the fitted Jacobian is :math:`D X`),
    weights :math:`w_k` and residuals :math:`r_k`, a column z enters the estimating
    equations as :math:`U = \sum_k \tilde z_k w_k r_k` with :math:`\tilde z = Dz - J B^{-1}
    J' w Dz` (residualized on the fitted columns, so the nuisance parameters are profiled);
    its variance is estimated by :math:`\sum_c (\sum_{k\in c}\tilde z_k w_k r_k)^2`, the
    municipality-clustered outer product, and :math:`U^2/\widehat{\mathrm{Var}}(U)` is
    :math:`\chi^2_1` under no term.
    """
    Zt, w = residualized(est, Zc)
    C = Zt * (w * (est.s - est.mu))[:, None]
    # sums by municipality: rows sorted by cluster and reduced in runs (np.add.at is
    # unbuffered and was most of the search's time on wide candidate sets)
    order = np.argsort(clusters, kind="stable")
    cs = np.asarray(clusters)[order]
    starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    U = np.add.reduceat(C[order], starts, axis=0)
    var = (U ** 2).sum(axis=0)
    return np.where(var > 0, C.sum(axis=0) ** 2 / np.where(var > 0, var, 1.0), 0.0)


def profile(pick, est, Z: np.ndarray, kinds=KINDS) -> tuple[int, str, float]:
    r"""The threshold and shape of the chosen variable that reduce the weighted residual sum
    of squares most (least squares over the threshold, as in threshold regression, Hansen 2000).

    Notes
    -----
    The score picks the variable with its cluster-robust variance, which keeps the bar
    honest under misspecification; but that variance, re-estimated for every threshold from
    the few municipalities beyond it, is noisy, and its maximum over thresholds lands where
    it happens to be small: in design (c) (docs/METHOD.md §6) 0.61–0.89 for a true 1.0, once
    −0.83. At the fitted model, adding a column z with every other coefficient refitted
    reduces the weighted sum of squares of the working residuals by
    :math:`(\tilde z' W r)^2 / \tilde z' W \tilde z` (one Gauss–Newton step; the same
    :math:`\tilde z` as :func:`score_stats`), so the threshold and shape of the picked
    variable are those with the largest reduction — the same choice as refitting the model at
    every candidate (tests/test_steps.py; seeds 1–8 of design (c): identical terms) at a
    fraction of the cost."""
    j = pick[0]
    cand = [(j, kind, c) for _, kind, c in candidate_terms(Z[:, [j]], set(), kinds)]
    if not cand:
        return pick
    Zt, w = residualized(est, columns(Z, cand))
    num = (Zt * (w * (est.s - est.mu))[:, None]).sum(axis=0) ** 2
    den = (Zt ** 2 * w[:, None]).sum(axis=0)
    gain = np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), 0.0)
    return cand[int(np.argmax(gain))]


def select(s, N, X, clusters, k: int, fit_one, kinds=KINDS) -> tuple[list, object]:
    """Forward selection of step/hinge/curvature terms on the last ``k`` columns of ``X``.

    ``fit_one(X)`` fits the area model on a design; returns the terms (variable index,
    kind, threshold) and the final estimate. ``kinds``: the shapes searched.
    """
    Z = X[:, X.shape[1] - k:]
    est = fit_one(X)
    terms: list = []
    bar = 2.0 * np.log(len(np.unique(clusters)))
    while len(terms) < k:
        cand = candidate_terms(Z, {j for j, _, _ in terms}, kinds)
        if not cand:
            break
        st = np.concatenate([score_stats(est, columns(Z, cand[i:i + BLOCK]), clusters)
                             for i in range(0, len(cand), BLOCK)])
        best = int(np.argmax(st))
        if not st[best] > bar:
            break
        trial = terms + [profile(cand[best], est, Z, kinds)]
        Xa = np.column_stack([X, columns(Z, trial)])
        if np.linalg.matrix_rank(Xa) < Xa.shape[1]:
            break
        terms, est = trial, fit_one(Xa)
    return terms, est
