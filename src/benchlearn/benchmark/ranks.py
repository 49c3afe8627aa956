"""Confidence intervals for ranks (Mogstad, Romano, Shaikh & Wilhelm 2024).

A Python port of the algorithm in the R package ``csranks`` (functions ``csranks``,
``csranks_simul``, ``csranks_marg`` and ``csdiffmeans``; github.com/danielwilhelm/R-CS-ranks),
written here because no Python package implements it. The procedure tests all
pairwise hypotheses :math:`\\theta_j \\le \\theta_k` with a max-t critical value from a
parametric bootstrap of :math:`N(0, \\Sigma)`, with the step-down refinement; a unit's
rank interval is ``[1 + #units significantly better, p - #units significantly worse]``.

Orientation: benchlearn ranks **lowest first** (rank 1 = most negative diff_pp = fewest
on support relative to expected). csranks ranks highest first, so we run the
algorithm on ``-x``.

One deliberate difference from csranks: the bootstrap draws are made once per call and
reused in the step-down iterations (csranks redraws each iteration). This makes the
result a deterministic function of the seed and the step-down monotone; the critical
values agree up to Monte-Carlo error.

References
----------
Mogstad, M., Romano, J. P., Shaikh, A. M. & Wilhelm, D. (2024). Inference for ranks
with applications to mobility across neighbourhoods and academic achievement across
countries. *Review of Economic Studies* 91(1), 476–518. doi:10.1093/restud/rdad006
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from benchlearn.core.errors import ModelError


def _check(x, sigma) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype="float64")
    S = np.asarray(sigma, dtype="float64")
    if S.ndim == 1:
        S = np.diag(S)
    p = len(x)
    if x.ndim != 1 or S.shape != (p, p):
        raise ModelError(
            "Rangintervaller kræver en vektor af estimater og en kvadratisk kovariansmatrix af samme dimension.",
            "Rank intervals need a vector of estimates and a square covariance matrix of the same size.",
        )
    if p < 2 or not np.all(np.isfinite(x)) or not np.all(np.isfinite(S)):
        raise ModelError(
            "Rangintervaller kræver mindst to enheder og endelige værdier.",
            "Rank intervals need at least two units and finite values.",
        )
    return x, S


def draw_normal(sigma: np.ndarray, R: int, rng: np.random.Generator) -> np.ndarray:
    """``R`` draws from :math:`N(0, \\Sigma)` as an ``R × p`` array (eigen-factor, PSD-safe)."""
    if np.count_nonzero(sigma - np.diag(np.diagonal(sigma))) == 0:
        return rng.standard_normal((R, len(sigma))) * np.sqrt(np.diagonal(sigma))
    sym = (sigma + sigma.T) / 2.0
    try:
        factor = np.linalg.cholesky(sym + np.eye(len(sym)) * 1e-12 * np.trace(sym) / len(sym))
    except np.linalg.LinAlgError:  # singular: eigen-factor of the PSD part
        vals, vecs = np.linalg.eigh(sym)
        factor = vecs * np.sqrt(np.clip(vals, 0.0, None))
    return rng.standard_normal((R, len(sigma))) @ factor.T


def point_ranks(x) -> np.ndarray:
    """Ranks with 1 = smallest value; ties get the smallest rank (``method='min'``)."""
    return rankdata(np.asarray(x, dtype="float64"), method="min").astype("int64")


def _diff_sd(S: np.ndarray) -> np.ndarray:
    d = np.diagonal(S)
    out = np.sqrt(np.clip(d[:, None] + d[None, :] - 2.0 * S, 0.0, None))
    # identical units (zero-variance differences) can never be separated
    out[out == 0] = np.inf
    return out


def _max_stat(Z: np.ndarray, sd: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Per draw, max over active pairs (j, k) of (Z_j - Z_k) / sd_jk."""
    R = Z.shape[0]
    best = np.full(R, -np.inf)
    for j in np.flatnonzero(active.any(axis=1)):
        ks = np.flatnonzero(active[j])
        t = (Z[:, [j]] - Z[:, ks]) / sd[j, ks]
        np.maximum(best, t.max(axis=1), out=best)
    return best


def _stepdown(y, sd, Z, active0: np.ndarray, coverage: float) -> np.ndarray:
    """One-sided lower bounds for y_j - y_k on the pairs in ``active0`` (csdiffmeans).

    Returns the matrix L with L[j, k] > 0 meaning "y_j > y_k" is established.
    """
    diff = y[:, None] - y[None, :]
    L = np.zeros_like(diff)
    active = active0.copy()
    while True:
        crit = float(np.quantile(_max_stat(Z, sd, active), coverage))
        with np.errstate(invalid="ignore"):
            L[active] = diff[active] - sd[active] * crit
        new_active = active & ~(L > 0)
        n_new, n_old = int(new_active.sum()), int(active.sum())
        active = new_active
        if n_new == n_old or n_new == 0:
            break
    return L


def _stepdown_one(j: int, y, sd, Z, coverage: float) -> tuple[int, int]:
    """Marginal version of :func:`_stepdown` for unit ``j``: only pairs (j, k) and (k, j).

    Returns (number of units established above j, number established below j).
    """
    p = len(y)
    others = np.arange(p) != j
    D = (Z[:, [j]] - Z) / sd[j]  # (Z_j - Z_k)/sd_jk; the pair (k, j) uses -D
    d = y[j] - y
    above = np.zeros(p, dtype=bool)  # k established above j: y_k - y_j > c sd
    below = np.zeros(p, dtype=bool)  # k established below j: y_j - y_k > c sd
    while True:
        act_row = others & ~below  # pairs (j, k) still in play
        act_col = others & ~above  # pairs (k, j) still in play
        stat = np.full(Z.shape[0], -np.inf)
        if act_row.any():
            stat = np.maximum(stat, D[:, act_row].max(axis=1))
        if act_col.any():
            stat = np.maximum(stat, (-D[:, act_col]).max(axis=1))
        crit = float(np.quantile(stat, coverage))
        new_below = below | (act_row & (d - sd[j] * crit > 0))
        new_above = above | (act_col & (-d - sd[j] * crit > 0))
        changed = (new_below.sum() + new_above.sum()) != (below.sum() + above.sum())
        below, above = new_below, new_above
        if not changed or not ((others & ~below).any() or (others & ~above).any()):
            break
    return int(above.sum()), int(below.sum())


@dataclass(frozen=True)
class RankIntervals:
    """Rank point estimates and interval bounds (1 = lowest value)."""

    rank: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    critical_draws: int
    coverage: float
    simultaneous: bool


def rank_intervals(
    x,
    sigma,
    *,
    coverage: float = 0.95,
    simultaneous: bool = True,
    R: int = 1000,
    seed: int = 20240101,
) -> RankIntervals:
    """Marginal or simultaneous confidence intervals for ranks, lowest value = rank 1.

    Parameters
    ----------
    x : array_like, shape (p,)
        Estimates (e.g. diff_pp); lower is better.
    sigma : array_like, shape (p, p) or (p,)
        Covariance matrix of ``x`` (or its diagonal).
    coverage : float
        Nominal coverage (per unit if marginal, joint if simultaneous).
    simultaneous : bool
        Joint intervals for all units (max over all pairs) or one marginal interval
        per unit (max over the pairs involving that unit).
    R : int
        Parametric bootstrap draws.
    seed : int
        Seed, so results are reproducible.

    Notes
    -----
    Let :math:`y = -x`, :math:`\\sigma_{jk} = \\sqrt{\\Sigma_{jj}+\\Sigma_{kk}-2\\Sigma_{jk}}` and
    :math:`c` the ``coverage`` quantile over draws :math:`Z\\sim N(0,\\Sigma)` of
    :math:`\\max_{(j,k)\\in I}(Z_j - Z_k)/\\sigma_{jk}`. Pair :math:`(j,k)` is rejected
    (``y_j > y_k`` established) when :math:`y_j - y_k - c\\,\\sigma_{jk} > 0`; rejected pairs
    leave :math:`I` and :math:`c` is recomputed until nothing changes (step-down).
    Then :math:`\\text{rank}_j \\in [1 + N^-_j,\\; p - N^+_j]` with :math:`N^-_j` the
    number of units established better than :math:`j` and :math:`N^+_j` the number
    established worse.
    """
    x, S = _check(x, sigma)
    p = len(x)
    y = -x
    sd = _diff_sd(S)
    rng = np.random.default_rng(seed)
    Z = -draw_normal(S, R, rng)  # y = -x, so the noise flips sign as well
    off = ~np.eye(p, dtype=bool)
    lower = np.empty(p, dtype="int64")
    upper = np.empty(p, dtype="int64")
    if simultaneous:
        L = _stepdown(y, sd, Z, off, coverage)
        n_plus = (L > 0).sum(axis=1)  # j established above (better than) k
        n_minus = (L > 0).sum(axis=0)
        lower[:] = n_minus + 1
        upper[:] = p - n_plus
    else:
        for j in range(p):
            n_above, n_below = _stepdown_one(j, y, sd, Z, coverage)
            lower[j] = n_above + 1
            upper[j] = p - n_below
    return RankIntervals(
        rank=point_ranks(x),
        lower=lower,
        upper=upper,
        critical_draws=R,
        coverage=coverage,
        simultaneous=simultaneous,
    )


def prob_top(x, sigma, k: int = 10, *, R: int = 2000, seed: int = 20240102) -> np.ndarray:
    """P(rank ≤ k) by parametric bootstrap from :math:`N(x, \\Sigma)`.

    Notes
    -----
    :math:`\\hat P_j = \\frac1R\\sum_r 1\\{\\text{rank}_j(x + Z_r) \\le k\\}`, ranks lowest first.
    This is the plug-in bootstrap probability (not a posterior): with noisy estimates
    it spreads probability over more units than the truth would.
    """
    x, S = _check(x, sigma)
    rng = np.random.default_rng(seed)
    draws = x[None, :] + draw_normal(S, R, rng)
    ranks = draws.argsort(axis=1).argsort(axis=1) + 1
    return (ranks <= k).mean(axis=0)
