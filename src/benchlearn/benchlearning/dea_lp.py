"""The linear programmes of DEA: one unit's Farrell efficiency, slacks, and a batch of scores.

Used by :mod:`benchlearn.benchlearning.dea` (the point estimate) and
:mod:`benchlearn.benchlearning.dea_bootstrap` (the Simar–Wilson bootstrap); it imports
neither, so the two no longer import each other.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from benchlearn.core.literals import RTS

TOL = 1e-9  # LP feasibility/optimality scale after rescaling to mean 1
EFFICIENT_TOL = 1e-7


def solve_lp(c, A_ub, b_ub, A_eq, b_eq, bounds):
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return res


def theta_one(
    x0: np.ndarray, y0: np.ndarray, Xr: np.ndarray, Yr: np.ndarray, rts: RTS,
    radial: np.ndarray | None = None,
) -> tuple[float, np.ndarray | None]:
    """Radial input efficiency of point (x0, y0) against reference set (Xr, Yr).

    Envelopment form: min θ s.t. Xr λ ≤ θ x0 (radial inputs; the others ≤ x0),
    Yr λ ≥ y0, λ ≥ 0 (VRS: 1'λ = 1). Returns (nan, None) when infeasible
    (possible in super-efficiency under VRS).
    """
    m, n = Xr.shape
    s = Yr.shape[0]
    rad = np.ones(m, bool) if radial is None else radial
    c = np.zeros(n + 1)
    c[0] = 1.0
    A_ub = np.zeros((m + s, n + 1))
    A_ub[:m, 0] = np.where(rad, -x0, 0.0)
    A_ub[:m, 1:] = Xr
    A_ub[m:, 1:] = -Yr
    b_ub = np.concatenate([np.where(rad, 0.0, x0), -y0])
    A_eq = b_eq = None
    if rts == "vrs":
        A_eq = np.concatenate([[0.0], np.ones(n)])[None, :]
        b_eq = np.array([1.0])
    bounds = [(None, None)] + [(0.0, None)] * n
    res = solve_lp(c, A_ub, b_ub, A_eq, b_eq, bounds)
    if res.status != 0:
        return float("nan"), None
    return float(res.x[0]), res.x[1:]


def slacks(
    theta: float, x0: np.ndarray, y0: np.ndarray, X: np.ndarray, Y: np.ndarray, rts: RTS,
    radial: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Second stage: max sum of slacks with θ fixed; returns (λ, s_in, s_out)."""
    m, n = X.shape
    s = Y.shape[0]
    nv = n + m + s
    c = np.zeros(nv)
    c[n:] = -1.0  # maximise slack sum
    A_eq = np.zeros((m + s, nv))
    A_eq[:m, :n] = X
    A_eq[:m, n : n + m] = np.eye(m)
    A_eq[m:, :n] = Y
    A_eq[m:, n + m :] = -np.eye(s)
    rad = np.ones(m, bool) if radial is None else radial
    b_eq = np.concatenate([np.where(rad, theta, 1.0) * x0, y0])
    if rts == "vrs":
        A_eq = np.vstack([A_eq, np.concatenate([np.ones(n), np.zeros(m + s)])])
        b_eq = np.concatenate([b_eq, [1.0]])
    res = solve_lp(c, None, None, A_eq, b_eq, [(0.0, None)] * nv)
    if res.status != 0:  # numerically θ a hair too low: fall back to no slacks
        lam = theta_one(x0, y0, X, Y, rts, radial)[1]
        return (lam if lam is not None else np.zeros(n)), np.zeros(m), np.zeros(s)
    z = np.clip(res.x, 0.0, None)
    return z[:n], z[n : n + m], z[n + m :]


def undominated(Xr: np.ndarray, Yr: np.ndarray) -> np.ndarray:
    """Mask of reference units not weakly dominated by another unit.

    A unit j with some k (k ≠ j) using no more of any input and producing no less
    of any output can be replaced by k in any λ without changing θ (for CRS and
    VRS alike), so dropping it shrinks the LP without changing any score. Of
    identical units the first is kept.
    """
    n = Xr.shape[1]
    le = np.all(Xr[:, :, None] <= Xr[:, None, :], axis=0)  # le[k, j]: x_k <= x_j
    ge = np.all(Yr[:, :, None] >= Yr[:, None, :], axis=0)  # ge[k, j]: y_k >= y_j
    dom = le & ge
    same = np.all(Xr[:, :, None] == Xr[:, None, :], axis=0) & np.all(Yr[:, :, None] == Yr[:, None, :], axis=0)
    idx = np.arange(n)
    # k dominates j strictly, or k is an identical earlier copy of j
    dom = dom & (~same | (idx[:, None] < idx[None, :]))
    np.fill_diagonal(dom, False)
    return ~dom.any(axis=0)


def theta_batch(
    X0: np.ndarray, Y0: np.ndarray, Xr: np.ndarray, Yr: np.ndarray, rts: RTS, radial: np.ndarray | None = None
) -> np.ndarray:
    """θ of many points at once: one block-diagonal LP (sum of the blocks' θ).

    The blocks share no variables, so minimising the sum minimises each θ; one
    HiGHS call replaces N calls and their Python overhead (about 5× faster).
    """
    keep = undominated(Xr, Yr)
    Xr, Yr = Xr[:, keep], Yr[:, keep]
    m, n = Xr.shape
    s = Yr.shape[0]
    rad = np.ones(m, bool) if radial is None else np.asarray(radial, bool)
    N = X0.shape[1]
    nv, nr = n + 1, m + s
    c = np.zeros(N * nv)
    c[::nv] = 1.0
    base = sp.csr_matrix(np.vstack([np.c_[np.zeros(m), Xr], np.c_[np.zeros(s), -Yr]]))
    A = sp.kron(sp.identity(N), base, format="coo")
    ri = np.flatnonzero(rad)
    rows = (np.arange(N)[:, None] * nr + ri[None, :]).ravel()
    cols = np.repeat(np.arange(N) * nv, len(ri))
    A_ub = (A + sp.coo_matrix((-X0[ri].T.ravel(), (rows, cols)), shape=A.shape)).tocsr()
    b_ub = np.concatenate([np.where(rad[None, :], 0.0, X0.T), -Y0.T], axis=1).ravel()
    A_eq = b_eq = None
    if rts == "vrs":
        A_eq = sp.kron(sp.identity(N), sp.csr_matrix(np.r_[0.0, np.ones(n)][None, :]), format="csr")
        b_eq = np.ones(N)
    bounds = np.c_[np.tile(np.r_[-np.inf, np.zeros(n)], N), np.full(N * nv, np.inf)]
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:  # some block infeasible: solve one by one (NaN where infeasible)
        return np.array([theta_one(X0[:, o], Y0[:, o], Xr, Yr, rts, rad)[0] for o in range(N)])
    return res.x[::nv].copy()


def efficiency_scores(
    X: np.ndarray,
    Y: np.ndarray,
    rts: RTS,
    X_ref: np.ndarray | None = None,
    Y_ref: np.ndarray | None = None,
    radial: np.ndarray | None = None,
) -> np.ndarray:
    """Farrell input efficiencies of the columns of (X, Y) against a reference set.

    Parameters
    ----------
    X, Y : ndarray, shape (m, n) and (s, n)
        Inputs and outputs of the evaluated units (one column per unit).
    rts : {"crs", "vrs"}
    X_ref, Y_ref : ndarray, optional
        Reference technology; defaults to (X, Y). Scores of points outside the
        reference hull may exceed 1 (used by the bootstrap).
    radial : ndarray of bool, shape (m,), optional
        Inputs that are contracted (default all); the others are
        non-discretionary (Banker & Morey 1986) and only bounded by the unit's own.

    Notes
    -----
    θ_o = min {θ : X_ref λ ≤ θ x_o (radial rows), X_ref λ ≤ x_o (other rows),
    Y_ref λ ≥ y_o, λ ≥ 0 [, 1'λ = 1]}.
    """
    Xr = X if X_ref is None else X_ref
    Yr = Y if Y_ref is None else Y_ref
    return theta_batch(np.asarray(X, float), np.asarray(Y, float), np.asarray(Xr, float), np.asarray(Yr, float), rts,
                        radial)
