"""Multivariate fractional (multinomial) logit of the ydelse shares and "not on support".

Mullahy (2015), *Multivariate fractional regression estimation of econometric share
models*, J. Econometric Methods 4(1): the shares ``s_k1..s_kY`` of a municipality's
residents on each ydelse of the area, and ``s_k0 = 1 − Σ_y s_ky`` not on them, are
modelled as

    μ_ky = exp(η_ky) / (1 + Σ_z exp(η_kz)),   η_ky = Z_ky'θ

and θ is the quasi-ML estimate maximising ``Σ_k w_k Σ_{y≥0} s_ky log μ_ky`` — consistent
whenever the mean is right, whatever the distribution of the shares. Two slope
structures: ``shared=False`` (ydelse-specific intercepts, period effects and slopes:
``Z_ky`` puts ``x_k`` in the block of ydelse y) and ``shared=True`` (ydelse-specific
intercepts and period effects, one slope per framework variable for all ydelser: the
ydelser then move in proportion with the area share, and ``logit(S_k) = log A + x_k'β``).

No maintained Python library fits this model with weights and a clustered sandwich
(statsmodels' ``MNLogit`` needs integer outcomes and has no ``var_weights``); the
Newton iterations are a few lines with numpy.

Working variance (a Dirichlet-multinomial form): ``Var(s_k) = (1/N_k + ρ)(diag μ_k −
μ_k μ_k')``, so the weights are ``w_k = 1/(1/N_k + ρ)`` and ρ (the over-dispersion
between municipalities) solves the Pearson moment equation
``Σ_k X²_k/(1/N_k + ρ) = nY − q`` with ``X²_k = Σ_{y≥0} (s_ky − μ_ky)²/μ_ky``, iterated
with the fit as in :func:`benchlearn.benchmark.estimation.estimate`.
"""

from __future__ import annotations

import numpy as np

from benchlearn.benchmark.estimation import Estimate, clustered_sandwich
from benchlearn.benchmark.uncertainty import paule_mandel_tau2
from benchlearn.core.errors import ModelError
from benchlearn.core.literals import VcovKind


def parameter_map(Y: int, p: int, n_fixed: int, shared: bool) -> np.ndarray:
    """``idx[y, j]``: position in θ of the coefficient of design column j for ydelse y.

    Columns ``0..n_fixed-1`` (intercept and period dummies) are always ydelse-specific;
    the framework variables are shared when ``shared``.
    """
    idx = np.zeros((Y, p), dtype=int)
    if not shared:
        return np.arange(Y * p).reshape(Y, p)
    for y in range(Y):
        idx[y, :n_fixed] = y * n_fixed + np.arange(n_fixed)
        idx[y, n_fixed:] = Y * n_fixed + np.arange(p - n_fixed)
    return idx


def _Z(X: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Design tensor (n, Y, q) with ``η_ky = Z_ky'θ``."""
    n, p = X.shape
    Y = idx.shape[0]
    q = int(idx.max()) + 1
    Z = np.zeros((n, Y, q))
    for y in range(Y):
        # np.add.at: with shared slopes two columns never map to one slot, but be safe
        for j in range(p):
            Z[:, y, idx[y, j]] += X[:, j]
    return Z


def _softmax0(eta: np.ndarray) -> np.ndarray:
    """μ_ky = exp(η_ky)/(1 + Σ_z exp(η_kz)) for η of shape (n, Y), overflow-safe."""
    m = np.maximum(eta.max(axis=1, keepdims=True), 0.0)
    e = np.exp(eta - m)
    return e / (np.exp(-m) + e.sum(axis=1, keepdims=True))


def _probs(Z: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return _softmax0(Z @ theta)


def hessian(X: np.ndarray, idx: np.ndarray, w: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Negative Hessian of the weighted quasi-likelihood of :func:`_newton` in the parameter slots.

    The block of ydelser y, z is ``X' diag(w(δ_yz μ_y − μ_y μ_z)) X`` added into the slots
    ``idx[y] × idx[z]`` — the same matrix as ``Z'diag(wμ)Z − Z̄'diag(w)Z̄`` at about ``1/Y`` of
    its cost (14 ydelser: a benchmark fit's multinomial families took a quarter of its time
    in that product).
    """
    Y, p = idx.shape
    q = int(idx.max()) + 1
    flat = idx.reshape(-1)  # slot of (y, j), y-major
    wm = w[:, None] * mu
    # A[y, z] = X' diag(w(δ_yz μ_y − μ_y μ_z)) X, as a (Y·p, Y·p) matrix in (y, j) order
    Xw = (X[:, None, :] * wm[:, :, None]).reshape(len(X), -1)  # (n, Y·p): w μ_y x
    Xm = (X[:, None, :] * mu[:, :, None]).reshape(len(X), -1)  # (n, Y·p): μ_y x
    A = -(Xw.T @ Xm)
    for y in range(Y):
        A[y * p:(y + 1) * p, y * p:(y + 1) * p] += X.T @ (X * wm[:, y:y + 1])
    if q == len(flat):  # ydelse-specific slopes: (y, j) is slot y·p + j
        return A
    H = np.zeros((q, q))  # shared slopes map several (y, j) to one slot
    np.add.at(H, (flat[:, None], flat[None, :]), A)
    return H


def _newton(S: np.ndarray, X: np.ndarray, idx: np.ndarray, w: np.ndarray, theta: np.ndarray,
            tol: float = 1e-10, max_steps: int = 100):
    """Maximise Σ_k w_k Σ_{y≥0} s_ky log μ_ky (concave) by Newton with step halving.

    Works on ``X`` and ``idx`` rather than the dense design tensor of :func:`_Z`:
    ``η = X Θ`` with ``Θ[:, y] = θ[idx[y]]``; the Hessian is :func:`hessian`.
    """
    S0 = 1.0 - S.sum(axis=1)
    q = int(idx.max()) + 1
    flat = idx.reshape(-1)  # slot of (y, j), y-major

    def obj(th):
        mu = _softmax0(X @ th[idx].T)  # η = X Θ, (n, Y)
        mu0 = np.clip(1.0 - mu.sum(axis=1), 1e-300, None)
        return float(np.sum(w * ((S * np.log(np.clip(mu, 1e-300, None))).sum(axis=1) + S0 * np.log(mu0)))), mu

    f, mu = obj(theta)
    for step in range(1, max_steps + 1):
        wr = w[:, None] * (S - mu)
        U = np.bincount(flat, weights=(X.T @ wr).T.reshape(-1), minlength=q)
        H = hessian(X, idx, w, mu)
        try:
            d = np.linalg.solve(H, U)
        except np.linalg.LinAlgError as exc:
            raise ModelError(
                "Den multinomiale model kunne ikke estimeres (singulær matrix); fjern rammevilkår.",
                "The multinomial model could not be estimated (singular matrix); drop framework variables.",
            ) from exc
        t = 1.0
        while True:
            f_new, mu_new = obj(theta + t * d)
            if f_new >= f - 1e-12 * abs(f) or t < 1e-8:
                break
            t /= 2
        theta = theta + t * d
        done = abs(f_new - f) <= tol * max(abs(f), 1.0) and np.max(np.abs(t * d)) < 1e-8
        f, mu = f_new, mu_new
        if done:
            return theta, mu, H, step, True
    return theta, mu, H, max_steps, False


def fit_multinomial(*args, **kwargs) -> tuple[Estimate, np.ndarray, np.ndarray, float]:
    """See :func:`_fit_multinomial`; BLAS limited to one thread (its matrices are small, and
    on a busy machine a threaded BLAS made this fit ten times slower, measured 5.6 s vs 0.6 s)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_multinomial(*args, **kwargs)


def _fit_multinomial(
    S: np.ndarray,
    N: np.ndarray,
    X: np.ndarray,
    clusters: np.ndarray,
    *,
    n_fixed: int,
    shared: bool,
    sampling: str = "binomial",
    cluster: bool = False,
    vcov: VcovKind = "CR1",
    max_iter: int = 100,
) -> tuple[Estimate, np.ndarray, np.ndarray, float]:
    """Fit the multinomial fractional logit; returns the area-share Estimate, μ (n, Y), ``idx`` and ρ.

    The returned :class:`Estimate` describes the *area* share ``S_k = Σ_y μ_ky``:
    ``J_k = ∂S_k/∂θ = Σ_y μ_ky(1 − S_k) Z_ky``; ``V`` is the (clustered) sandwich of the
    QMLE; ``tau2`` the Paule–Mandel between-municipality variance of the area share on
    the share scale (so ``tau2_share`` is constant, as for WLS).
    """
    n, p = X.shape
    Y = S.shape[1]
    idx = parameter_map(Y, p, n_fixed, shared)
    Z = _Z(X, idx)
    q = Z.shape[2]
    if n * Y <= q + 1:
        raise ModelError("For få kommuner til den multinomiale model.", "Too few municipalities for the multinomial model.")
    theta = np.zeros(q)
    mbar = np.clip(S.mean(axis=0), 1e-6, None)
    m0 = max(1.0 - mbar.sum(), 1e-6)
    for y in range(Y):
        theta[idx[y, 0]] = np.log(mbar[y] / m0)
    inv_n = (1.0 / N) if sampling != "none" else np.zeros(n)
    rho = 0.0 if sampling != "none" else 1e-4
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        w = 1.0 / np.maximum(inv_n + rho, 1e-16)
        theta, mu, H, _steps, ok = _newton(S, X, idx, w, theta)
        mu_all = np.column_stack([1.0 - mu.sum(axis=1), mu])
        s_all = np.column_stack([1.0 - S.sum(axis=1), S])
        pearson = np.sum((s_all - mu_all) ** 2 / np.clip(mu_all, 1e-12, None), axis=1)
        rho_new = paule_mandel_tau2(np.sqrt(pearson), np.maximum(inv_n, 1e-16), n * Y - q)
        done = ok and abs(rho_new - rho) <= 1e-7 * max(rho, 1e-12)
        rho = rho_new
        if done:
            converged = True
            break
    w = 1.0 / np.maximum(inv_n + rho, 1e-16)
    theta, mu, H, _steps, _ok = _newton(S, X, idx, w, theta)
    Sk = mu.sum(axis=1)
    J = (Z * (mu * (1.0 - Sk)[:, None])[:, :, None]).sum(axis=1)
    score = (Z * (w[:, None] * (S - mu))[:, :, None]).sum(axis=1)
    Binv = np.linalg.inv(H)
    if cluster:
        V, score, cov_type = clustered_sandwich(score, clusters, H, Binv, q, vcov,
                                                lambda r: hessian(X[r], idx, w[r], mu[r]))
    else:
        V = Binv
        cov_type = "model (Dirichlet-multinomial weights, scale 1)"
    s_area = S.sum(axis=1)
    v = np.clip(Sk, 1e-6, 1 - 1e-6) * (1 - np.clip(Sk, 1e-6, 1 - 1e-6)) / N if sampling != "none" else np.zeros(n)
    tau2 = paule_mandel_tau2(s_area - Sk, v, n - q // max(Y, 1))
    est = Estimate(theta, V, s_area, Sk, v, J, tau2, it, converged, "mfraclogit", cov_type, score, Binv)
    return est, mu, idx, rho


def predict_multinomial(X: np.ndarray, theta: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area share ``S_k = Σ_y μ_ky`` for new rows and its Jacobian ``∂S_k/∂θ``."""
    Z = _Z(X, idx)
    mu = _probs(Z, theta)
    Sk = mu.sum(axis=1)
    return Sk, (Z * (mu * (1.0 - Sk)[:, None])[:, :, None]).sum(axis=1)
