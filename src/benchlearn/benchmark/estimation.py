"""Numerical core of the rammevilkår benchmark: design matrix, estimation, joint covariance.

One benchmark model is a random-effects weighted fractional-logit (or empirical-logit,
or WLS) fit of a share on standardized framework variables with period effects; the
between-municipality variance τ² is re-estimated (Paule–Mandel) after each fit until it
settles. :mod:`benchlearn.benchmark.model` assembles the data and turns the estimates
into records; the formulas are in :func:`benchlearn.benchmark.model.fit`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import cho_factor, cho_solve
# the module itself, not statsmodels.api: the api imports every model (≈1 s of a command's start)
from statsmodels.regression.linear_model import WLS

from benchlearn.benchmark.uncertainty import paule_mandel_tau2
from benchlearn.core.errors import ModelError
from benchlearn.core.literals import ModelKind, VcovKind


def design(
    g: pd.DataFrame,
    variables: tuple[str, ...],
    periods: list[str] | None = None,
    center: np.ndarray | None = None,
    scale: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Design matrix: intercept, period dummies (first period = reference), z-scored variables.

    ``center``/``scale`` (and ``periods``) are taken from ``g`` unless given, so a
    held-out fold can be standardized with the training fold's constants.
    """
    periods = sorted(g["period"].unique()) if periods is None else periods
    raw = g[list(variables)].to_numpy(dtype="float64")
    center = raw.mean(axis=0) if center is None else center
    scale = raw.std(axis=0) if scale is None else scale
    cols = [np.ones(len(g))] + [(g["period"] == p).to_numpy(dtype="float64") for p in periods[1:]]
    X = np.column_stack(cols + [(raw - center) / scale])
    names = ["const"] + [f"period[{p}]" for p in periods[1:]] + list(variables)
    nan = np.full(len(names) - len(variables), np.nan)
    return X, names, np.concatenate([nan, center]), np.concatenate([nan, scale])


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Estimate:
    """One fitted benchmark model (arrays in row order of the data)."""

    beta: np.ndarray
    V: np.ndarray  # covariance of beta
    s: np.ndarray  # actual share
    mu: np.ndarray  # expected share
    v: np.ndarray  # sampling variance of s
    J: np.ndarray  # d mu / d beta
    tau2: float  # between-municipality variance (logit scale for fraclogit/elogit, else share)
    iterations: int
    converged: bool
    model: str
    cov_type: str
    score: np.ndarray  # per-row estimating-function contributions (n × p; CR3: jackknife-rescaled)
    Binv: np.ndarray  # inverse "bread" of the sandwich

    @property
    def tau2_share(self) -> np.ndarray:
        """Between-municipality variance on the share scale, per row (``a_k τ²``)."""
        if self.model in ("fraclogit", "elogit"):
            return (self.mu * (1 - self.mu)) ** 2 * self.tau2
        return np.full(len(self.mu), self.tau2)

    @property
    def dmu_deta(self) -> np.ndarray:
        """dμ/dη of a common shift of the linear predictor (the level), per row."""
        if self.model in ("fraclogit", "elogit"):
            return self.mu * (1 - self.mu)
        return np.ones(len(self.mu))

    @property
    def se_beta(self) -> np.ndarray:
        return np.sqrt(np.diagonal(self.V))

    @property
    def var_pred_diag(self) -> np.ndarray:
        return np.einsum("ij,jk,ik->i", self.J, self.V, self.J)

    @property
    def n(self) -> int:
        return len(self.s)

    @property
    def p(self) -> int:
        return len(self.beta)

    @property
    def r2(self) -> float:
        """Squared correlation of actual and expected share."""
        return float(np.corrcoef(self.s, self.mu)[0, 1] ** 2)


def sampling_var(mu: np.ndarray, N: np.ndarray, sampling: str) -> np.ndarray:
    if sampling == "none":
        return np.zeros_like(mu)
    m = np.clip(mu, 1e-6, 1 - 1e-6)
    return m * (1 - m) / N


def cluster_meat(score: np.ndarray, clusters: np.ndarray, k: int, vcov: VcovKind = "CR1") -> np.ndarray:
    """Cluster sum of outer products of scores, times G/(G-1)·(n-1)/(n-k) (``CR1``),
    (G-1)/G (``CR3``) or 1 (``CR2``; both with scores :func:`adjusted_scores` has rescaled)."""
    ids, inv = np.unique(clusters, return_inverse=True)
    U = np.zeros((len(ids), score.shape[1]))
    np.add.at(U, inv, score)
    G, n = len(ids), score.shape[0]
    if vcov == "CR3":
        return (U.T @ U) * (G - 1) / G
    if vcov == "CR2":
        return U.T @ U
    return (U.T @ U) * G / (G - 1) * (n - 1) / max(n - k, 1)


def adjusted_scores(score: np.ndarray, clusters: np.ndarray, B: np.ndarray, bread_part, vcov: VcovKind) -> np.ndarray:
    r"""Per-row scores rescaled so that the clustered sandwich is CR3 (the cluster jackknife) or CR2.

    Parameters
    ----------
    score : ndarray (n, p)
        Per-row estimating-function contributions.
    clusters : ndarray (n,)
    B : ndarray (p, p)
        The bread (negative Hessian / :math:`J'WJ`, symmetric), the sum of the clusters' parts.
    bread_part : callable
        ``bread_part(rows)`` gives :math:`B_g`, the part of ``B`` from those rows.
    vcov : {"CR3", "CR2"}

    Notes
    -----
    Both adjust the residuals of municipality g by a power of :math:`I - H_{gg}`, its block
    of the (weighted) hat matrix: :math:`(I - H_{gg})^{-1}` for CR3, :math:`(I - H_{gg})^{-1/2}`
    for CR2 (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018, with the working model's
    weights as the target). Pushed through the design, :math:`\tilde X_g' f(\tilde X_g B^{-1}
    \tilde X_g') = f(B_g B^{-1})\tilde X_g'`, so each row's score is multiplied by
    :math:`T_g = (I - B_g B^{-1})^{-a}`: for CR3 :math:`B(B - B_g)^{-1}`, whose sandwich
    :math:`B^{-1}\,\tfrac{G-1}{G}\sum_g U^*_g U^{*\prime}_g B^{-1}` is the jackknife variance
    CV3 of MacKinnon, Nielsen & Webb (2023) (exactly for weighted least squares, one Newton
    step for the logits); for CR2 :math:`B^{1/2}(I - C_g)^{-1/2}B^{-1/2}` with
    :math:`C_g = B^{-1/2}B_gB^{-1/2}`. ``clubSandwich::vcovCR`` computes both (CR3 times
    (G−1)/G; tests/test_benchmark_vcov.py). The plain sandwich uses residuals that the
    municipality's own fit has pulled towards it, by its leverage, so it is too small where a
    few municipalities carry a parameter (a threshold, a ydelse few receive); CR3
    over-corrects, CR2 is unbiased when the working model's weights are right. Written here
    because the scores of the three model kinds (IRLS, WLS with an outer τ² loop, the
    multinomial Newton) are our own.
    """
    out = score.copy()
    if vcov == "CR2":
        lam, U = np.linalg.eigh((B + B.T) / 2)
        root, iroot = (U * np.sqrt(lam)) @ U.T, (U / np.sqrt(lam)) @ U.T
    for g in np.unique(clusters):
        r = np.flatnonzero(clusters == g)
        Bg = bread_part(r)
        if vcov == "CR2":
            c_lam, c_U = np.linalg.eigh(iroot @ Bg @ iroot)
            if c_lam.max() >= 1 - 1e-10:
                _alone_carries_a_parameter(g, vcov)
            T = root @ ((c_U / np.sqrt(1 - c_lam)) @ c_U.T) @ iroot
            out[r] = score[r] @ T.T
            continue
        try:  # B - B_g is positive definite exactly when the fit without g identifies every parameter
            factor = cho_factor(B - Bg)
        except np.linalg.LinAlgError:
            _alone_carries_a_parameter(g, vcov)
        out[r] = score[r] @ cho_solve(factor, B)  # row i: (B (B - B_g)^-1 s_i)'
    return out


def _alone_carries_a_parameter(g, vcov: str):
    raise ModelError(
        f"Kommune {g} bestemmer alene en parameter (fx et rammevilkår, som kun den har); "
        f"den justerede klyngevarians (vcov='{vcov}') findes ikke. Brug vcov='CR1' eller fjern rammevilkåret.",
        f"Municipality {g} alone determines a parameter (e.g. a framework variable only it has); "
        f"the adjusted cluster variance (vcov='{vcov}') does not exist. Use vcov='CR1' or drop the variable.",
    ) from None


def clustered_sandwich(score: np.ndarray, clusters: np.ndarray, B: np.ndarray, Binv: np.ndarray, k: int,
                       vcov: VcovKind, bread_part) -> tuple[np.ndarray, np.ndarray, str]:
    """The sandwich clustered by municipality of one fit: ``(V, scores, cov_type)``.

    ``scores`` are the per-row scores the sandwich used (rescaled by :func:`adjusted_scores`
    for ``CR3`` and ``CR2``), so :func:`combine` can stack them with other models' scores.
    """
    if vcov in ("CR3", "CR2"):
        score = adjusted_scores(score, clusters, B, bread_part, vcov)
    cov_type = {"CR3": "cluster_jackknife(kommunekode)", "CR2": "cluster_CR2(kommunekode)"}.get(vcov, "cluster(kommunekode)")
    return Binv @ cluster_meat(score, clusters, k, vcov) @ Binv, score, cov_type


def combine(ests: list[Estimate], clusters: np.ndarray, vcov: VcovKind = "CR1") -> tuple[np.ndarray, np.ndarray]:
    """Joint Jacobian and sandwich covariance of several ydelse models fitted on the same rows.

    Notes
    -----
    Stacking the estimating equations of the models, :math:`V = B^{-1} M B^{-1}` with
    :math:`B` block-diagonal (each model's bread) and :math:`M` the clustered outer
    product of the stacked scores, so the covariances *between* the ydelse models
    (a jobcentre effect moves all its ydelser) are estimated, not assumed zero.
    """
    J = np.hstack([e.J for e in ests])
    score = np.hstack([e.score for e in ests])
    sizes = [e.p for e in ests]
    Binv = np.zeros((sum(sizes), sum(sizes)))
    o = 0
    for e, k in zip(ests, sizes):
        Binv[o:o + k, o:o + k] = e.Binv
        o += k
    return J, Binv @ cluster_meat(score, clusters, max(sizes), vcov) @ Binv


def binomial_irls(
    s: np.ndarray, X: np.ndarray, var_weights: np.ndarray, beta: np.ndarray | None = None,
    *, tol: float = 1e-12, max_iter: int = 100,
) -> np.ndarray:
    r"""Quasi-binomial logit coefficients with prior weights, by iteratively reweighted least squares.

    The same estimator as statsmodels' ``GLM(s, X, family=Binomial(), var_weights=w).fit()``
    (tests/test_benchmark_families.py checks it against that). Written out because
    :func:`estimate` refits it with new weights in every τ² iteration — several hundred
    times per benchmark fit with cross-validation — and statsmodels' per-fit model set-up
    (≈ 3–4 ms) was then most of a fit's time; the arithmetic itself takes ≈ 0.1 ms.

    Notes
    -----
    With :math:`\eta = X\beta`, :math:`\mu = \operatorname{logit}^{-1}(\eta)` and working weights
    :math:`W = w\,\mu(1-\mu)`, each step solves the weighted least squares of the working
    response :math:`z = \eta + (s-\mu)/(\mu(1-\mu))` on :math:`X`; it stops when the
    weighted deviance changes by less than ``tol`` relatively or the coefficients by less
    than 1e-12 relatively. Starts from
    :math:`\mu = (s + 1/2)/2` (statsmodels' start) unless ``beta`` is given.
    """
    if beta is None:
        mu = (s + 0.5) / 2
        eta = np.log(mu / (1 - mu))
    else:
        eta = X @ beta
        mu = expit(eta)
    dev = np.inf
    prev = np.full(X.shape[1], np.inf) if beta is None else beta
    for _ in range(max_iter):
        d = np.clip(mu * (1 - mu), 1e-12, None)
        sw = np.sqrt(var_weights * d)
        beta = np.linalg.lstsq(X * sw[:, None], (eta + (s - mu) / d) * sw, rcond=None)[0]
        eta = X @ beta
        mu = expit(eta)
        m = np.clip(mu, 1e-15, 1 - 1e-15)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev_new = 2 * float(np.sum(var_weights * (np.where(s > 0, s * np.log(s / m), 0.0)
                                                      + np.where(s < 1, (1 - s) * np.log((1 - s) / (1 - m)), 0.0))))
        # a deviance near zero (shares the model fits exactly) changes by rounding only, so
        # coefficients that no longer move also end the iterations
        if abs(dev_new - dev) <= tol * abs(dev_new) or np.max(np.abs(beta - prev)) <= 1e-12 * (1 + np.max(np.abs(beta))):
            break
        dev, prev = dev_new, beta
    return beta


def estimate(
    s: np.ndarray,
    N: np.ndarray,
    X: np.ndarray,
    clusters: np.ndarray,
    *,
    model: ModelKind = "fraclogit",
    sampling: str = "binomial",
    cluster: bool = False,
    vcov: VcovKind = "CR1",
    max_iter: int = 100,
) -> Estimate:
    """Random-effects weighted fractional-logit or WLS fit; see :func:`benchlearn.benchmark.model.fit` for the formulas.

    The fractional logit is a quasi-binomial GLM with ``var_weights`` chosen so that the
    working variance is ``τ² + v_k`` (:func:`binomial_irls`); WLS (statsmodels) has weights
    ``1/(τ² + v_k)``; the covariance
    is computed here because its weights come from the outer τ² loop.
    """
    n, p = X.shape
    if np.linalg.matrix_rank(X) < p:
        raise ModelError(
            "Rammevilkårene er lineært afhængige (kollinearitet); fjern et eller flere.",
            "The framework variables are linearly dependent (collinear); drop one or more.",
        )
    logit_scale = model in ("fraclogit", "elogit")

    def a_of(m: np.ndarray) -> np.ndarray:
        # τ² lives on the logit scale for the logit models: Var(s_k) ≈ (μ(1-μ))² τ² + v_k
        return (m * (1 - m)) ** 2 if logit_scale else np.ones_like(m)

    mu = np.full(n, float(np.average(s, weights=N)))
    tau2 = float(np.var(s) / np.mean(a_of(mu)))
    if model == "elogit":
        # empirical logit with the usual 1/2 continuity correction
        Nf = N.astype("float64")
        pt = (s * Nf + 0.5) / (Nf + 1.0)
        y = np.log(pt / (1 - pt))
        vy = 1.0 / ((Nf + 1.0) * pt * (1 - pt)) if sampling != "none" else np.zeros(n)
        tau2 = float(np.var(y))
    beta = None
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        v = sampling_var(mu, N, sampling)
        a = a_of(np.clip(mu, 1e-6, 1 - 1e-6))
        w = 1.0 / np.maximum(a * tau2 + v, 1e-16)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # non-integer binomial endog is the point of fractional logit
            if model == "fraclogit":
                m = np.clip(mu, 1e-6, 1 - 1e-6)
                beta = binomial_irls(s, X, m * (1 - m) * w, beta)
                mu_new = expit(X @ beta)
            elif model == "elogit":
                res = WLS(y, X, weights=1.0 / np.maximum(tau2 + vy, 1e-16)).fit()
                mu_new = expit(np.asarray(res.fittedvalues))
            else:
                res = WLS(s, X, weights=w).fit()
                mu_new = np.asarray(res.fittedvalues)
        if model != "fraclogit":
            beta = np.asarray(res.params)
        if model == "elogit":
            tau2_new = paule_mandel_tau2(y - X @ beta, vy, n - p)
            done = abs(tau2_new - tau2) <= 1e-7 * max(tau2, 1e-12)
            mu, tau2 = mu_new, tau2_new
            if done:
                converged = True
                break
            continue
        v_new = sampling_var(mu_new, N, sampling)
        tau2_new = paule_mandel_tau2(s - mu_new, v_new, n - p, a_of(np.clip(mu_new, 1e-6, 1 - 1e-6)))
        done = abs(tau2_new - tau2) <= 1e-7 * max(tau2, 1e-12) and np.max(np.abs(mu_new - mu)) < 1e-10
        mu, tau2 = mu_new, tau2_new
        if done:
            converged = True
            break
    v = sampling_var(mu, N, sampling)
    if model == "elogit":
        # linear in the logit: Var(beta) from the logit-scale weights; J maps to shares
        J = (mu * (1 - mu))[:, None] * X
        w = 1.0 / np.maximum(tau2 + vy, 1e-16)
        B = X.T @ (X * w[:, None])
        resid = y - X @ beta
        Jscore = X
    else:
        w = 1.0 / np.maximum(a_of(np.clip(mu, 1e-6, 1 - 1e-6)) * tau2 + v, 1e-16)
        J = (mu * (1 - mu))[:, None] * X if model == "fraclogit" else X.copy()
        B = J.T @ (J * w[:, None])
        resid = s - mu
        Jscore = J
    Binv = np.linalg.inv(B)
    score = Jscore * (w * resid)[:, None]
    if cluster:
        # Cluster-robust sandwich: residuals of one municipality are correlated over periods.
        Jb = X if model == "elogit" else J  # the bread is Jscore' W Jb
        V, score, cov_type = clustered_sandwich(score, clusters, B, Binv, p, vcov,
                                                lambda r: Jscore[r].T @ (Jb[r] * w[r, None]))
    else:
        V = Binv
        cov_type = "model (random-effects weights, scale 1)"
    return Estimate(beta, V, s, mu, v, J, tau2, it, converged, model, cov_type, score, Binv)
