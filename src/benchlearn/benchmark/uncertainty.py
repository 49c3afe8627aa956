"""Over-dispersion, funnel limits and empirical-Bayes shrinkage.

Standard meta-analysis tools, written out here because no maintained Python library
offers the Spiegelhalter (2005) funnel with both additive (DerSimonian–Laird) and
multiplicative over-dispersion, and the formulas are a few lines each (statsmodels'
``combine_effects`` estimates a pooled mean, not the known-target funnel we need).

References
----------
Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
*Statistics in Medicine* 24, 1185–1202.
DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials.
*Controlled Clinical Trials* 7, 177–188.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from benchlearn.core.errors import ModelError

Overdispersion = Literal["none", "additive", "multiplicative"]


def _as_arrays(theta, se) -> tuple[np.ndarray, np.ndarray]:
    th = np.asarray(theta, dtype="float64")
    s = np.asarray(se, dtype="float64")
    if th.shape != s.shape or th.ndim != 1:
        raise ModelError(
            "Estimater og standardfejl skal være to lige lange vektorer.",
            "Estimates and standard errors must be two vectors of equal length.",
        )
    if len(th) < 2:
        raise ModelError(
            "Mindst to kommuner skal til for at estimere over-spredning.",
            "At least two municipalities are needed to estimate over-dispersion.",
        )
    if not np.all(np.isfinite(th)) or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ModelError(
            "Estimater skal være endelige og standardfejl positive.",
            "Estimates must be finite and standard errors positive.",
        )
    return th, s


def winsorize(z: np.ndarray, fraction: float) -> np.ndarray:
    """Winsorize at the ``fraction`` and ``1 - fraction`` quantiles (Spiegelhalter 2005).

    Notes
    -----
    Values below the ``fraction`` quantile are set to it, values above the
    ``1 - fraction`` quantile likewise; quantiles by linear interpolation
    (numpy's default). ``fraction = 0`` returns ``z`` unchanged.
    """
    z = np.asarray(z, dtype="float64")
    if fraction <= 0:
        return z.copy()
    lo, hi = np.quantile(z, [fraction, 1.0 - fraction])
    return np.clip(z, lo, hi)


@dataclass(frozen=True)
class OverdispersionEstimate:
    """Estimated over-dispersion of z-scores around a known target."""

    phi: float  # multiplicative factor, phi = mean(z_w^2)
    tau2: float  # additive between-unit variance (DerSimonian–Laird), theta units squared
    q: float  # I * phi, the (winsorized) Pearson statistic
    n: int


def estimate_overdispersion(theta, se, target: float = 0.0, winsor: float = 0.1) -> OverdispersionEstimate:
    """Multiplicative φ and additive τ² for a funnel plot around a known target.

    Parameters
    ----------
    theta, se : array_like
        Unit estimates and their standard errors under the null (same units).
    target : float
        The benchmark value (0 for differences, 1 for O/E).
    winsor : float
        Fraction winsorized in each tail of the z-scores before estimation.

    Notes
    -----
    With :math:`z_i = (\\theta_i - \\theta_0)/s_i` winsorized to :math:`z_i^w`,
    :math:`\\hat\\phi = \\frac1I\\sum_i (z_i^w)^2` and, with :math:`w_i = s_i^{-2}`,

    .. math:: \\hat\\tau^2 = \\max\\Bigl(0, \\frac{I\\hat\\phi - (I-1)}
              {\\sum w_i - \\sum w_i^2 / \\sum w_i}\\Bigr)

    (Spiegelhalter 2005, eqs. 5–6; the DerSimonian–Laird moment estimator).
    """
    th, s = _as_arrays(theta, se)
    z = winsorize((th - target) / s, winsor)
    n = len(z)
    q = float(np.sum(z**2))
    phi = q / n
    w = 1.0 / s**2
    denom = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max(0.0, (q - (n - 1)) / denom) if denom > 0 else 0.0
    return OverdispersionEstimate(phi=phi, tau2=tau2, q=q, n=n)


def funnel_limits(
    se,
    *,
    target: float = 0.0,
    levels: tuple[float, ...] = (0.95, 0.998),
    tau2: float = 0.0,
    phi: float = 1.0,
    method: Overdispersion = "none",
) -> pd.DataFrame:
    """Two-sided funnel control limits for each unit.

    Notes
    -----
    For level :math:`p` and :math:`z_p = \\Phi^{-1}((1+p)/2)`:

    - none:            :math:`\\theta_0 \\pm z_p s_i`
    - additive:        :math:`\\theta_0 \\pm z_p \\sqrt{s_i^2 + \\tau^2}`
    - multiplicative:  :math:`\\theta_0 \\pm z_p \\sqrt{\\max(\\phi,1)}\\, s_i`

    Column names: ``lo95, hi95, lo998, hi998`` (level × 1000 without trailing zeros).
    """
    s = np.asarray(se, dtype="float64")
    if method == "none":
        width = s
    elif method == "additive":
        width = np.sqrt(s**2 + max(tau2, 0.0))
    elif method == "multiplicative":
        width = np.sqrt(max(phi, 1.0)) * s
    else:  # pragma: no cover - Literal guards this
        raise ValueError(method)
    out = {}
    for p in levels:
        z = stats.norm.ppf(0.5 + p / 2.0)
        tag = level_tag(p)
        out[f"lo{tag}"] = target - z * width
        out[f"hi{tag}"] = target + z * width
    return pd.DataFrame(out)


def level_tag(p: float) -> str:
    """``0.95 -> '95'``, ``0.998 -> '998'``."""
    return f"{p * 1000:.0f}".rstrip("0") or "0"


def dersimonian_laird(y, v, X=None) -> float:
    """DerSimonian–Laird τ² for a (meta-)regression with known sampling variances.

    Parameters
    ----------
    y : array_like
        Unit estimates.
    v : array_like
        Their sampling variances.
    X : array_like, optional
        Design matrix (default: intercept only).

    Notes
    -----
    With :math:`W = \\mathrm{diag}(1/v_i)`, :math:`P = W - WX(X'WX)^{-1}X'W` and
    :math:`Q = y'Py`,

    .. math:: \\hat\\tau^2 = \\max\\Bigl(0, \\frac{Q - (n-p)}{\\operatorname{tr} P}\\Bigr)

    which for :math:`X = 1` is the classic
    :math:`(Q-(n-1))/(\\sum w - \\sum w^2/\\sum w)`.
    """
    y = np.asarray(y, dtype="float64")
    v = np.asarray(v, dtype="float64")
    n = len(y)
    X = np.ones((n, 1)) if X is None else np.asarray(X, dtype="float64")
    w = 1.0 / v
    XtW = X.T * w
    A = np.linalg.pinv(XtW @ X)
    beta = A @ (XtW @ y)
    r = y - X @ beta
    q = float(np.sum(w * r**2))
    tr_p = float(w.sum() - np.trace(A @ (XtW * w) @ X))
    p = np.linalg.matrix_rank(X)
    return max(0.0, (q - (n - p)) / tr_p) if tr_p > 0 else 0.0


def paule_mandel_tau2(r, v, df: int, a=None) -> float:
    """Method-of-moments τ² making the weighted Pearson statistic equal its df.

    Notes
    -----
    Solves :math:`\\sum_i r_i^2/(a_i\\tau^2 + v_i) = \\mathrm{df}` for :math:`\\tau^2 \\ge 0`
    (``a = 1`` unless given; ``a_i = (\\mu_i(1-\\mu_i))^2`` puts τ² on the logit scale)
    (Paule & Mandel 1982); 0 when :math:`\\sum r_i^2/v_i \\le \\mathrm{df}`. Used
    inside the benchmark's fit–estimate–refit loop, where ``r`` are residuals of
    the current fit, so the estimate accounts for the fitted parameters.
    """
    from scipy.optimize import brentq

    r = np.asarray(r, dtype="float64")
    v = np.asarray(v, dtype="float64")
    a = np.ones_like(r) if a is None else np.asarray(a, dtype="float64")
    df = max(int(df), 1)

    def f(t2: float) -> float:
        return float(np.sum(r**2 / (a * t2 + v))) - df

    if f(0.0) <= 0:
        return 0.0
    hi = float(np.mean(r**2 / a)) * 10 + 1e-12
    while f(hi) > 0:
        hi *= 10
    return float(brentq(f, 0.0, hi, xtol=1e-14, rtol=1e-10))


def eb_shrink(theta, se, tau2, prior_mean: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes (normal–normal) shrinkage towards ``prior_mean``.

    Returns
    -------
    (shrunk, posterior_sd)

    Notes
    -----
    :math:`B_i = \\tau^2/(\\tau^2 + s_i^2)`,
    :math:`\\theta_i^{EB} = m + B_i(\\hat\\theta_i - m)` and posterior variance
    :math:`B_i s_i^2`. Units with large :math:`s_i` (small municipalities) move most.
    """
    th = np.asarray(theta, dtype="float64")
    s2 = np.asarray(se, dtype="float64") ** 2
    t2 = np.clip(np.broadcast_to(np.asarray(tau2, dtype="float64"), s2.shape), 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(t2 > 0, t2 / (t2 + s2), 0.0)
    return prior_mean + b * (th - prior_mean), np.sqrt(b * s2)


def tiers(ci_low, ci_high) -> np.ndarray:
    """``better`` if the 95% interval lies below 0, ``worse`` if above, else ``as_expected``."""
    lo = np.asarray(ci_low, dtype="float64")
    hi = np.asarray(ci_high, dtype="float64")
    out = np.full(lo.shape, "as_expected", dtype=object)
    out[hi < 0] = "better"
    out[lo > 0] = "worse"
    return out


def funnel_flag(theta, lo95, hi95, lo998, hi998) -> np.ndarray:
    """Where a unit lies relative to funnel limits: ``below_998 … within … above_998``."""
    th = np.asarray(theta, dtype="float64")
    out = np.full(th.shape, "within", dtype=object)
    out[th > np.asarray(hi95)] = "above_95"
    out[th > np.asarray(hi998)] = "above_998"
    out[th < np.asarray(lo95)] = "below_95"
    out[th < np.asarray(lo998)] = "below_998"
    return out


def uncertainty_columns(b: pd.DataFrame, sigma: np.ndarray, tau2_pp, config) -> pd.DataFrame:
    """Everything uncertain about one period's results, as record columns.

    Parameters
    ----------
    b : DataFrame
        One period: ``kommunekode, period, actual, persons, actual_share,
        expected_share, expected, var_sampling`` (variance of the share).
    sigma : ndarray
        Covariance matrix of diff_pp (pp²) in the row order of ``b``.
    tau2_pp : float or ndarray
        Between-municipality variance of diff_pp (pp²) used for shrinkage (per unit
        when τ² lives on the logit scale).
    config : BenchmarkConfig
        Uses ``coverage, funnel_method, funnel_winsor, rank_draws, top_k, seed``.

    Notes
    -----
    ``se_pp = sqrt(diag Σ)``; ``ci = diff ± z·se``; ``shrunk = diff·τ²/(τ²+se²)``;
    funnel limits around 0 with the sampling standard error
    ``se0 = 100·sqrt(ŝ(1-ŝ)/N)``, unadjusted and adjusted (DerSimonian–Laird τ² or
    multiplicative φ from winsorized z-scores); rank intervals marginal and
    simultaneous (csranks algorithm); P(top k) by parametric bootstrap.
    """
    from benchlearn.benchmark.ranks import prob_top, rank_intervals

    r = b.copy().reset_index(drop=True)
    r["diff_persons"] = r["actual"] - r["expected"]
    r["diff_pp"] = 100.0 * (r["actual_share"] - r["expected_share"])
    r["ratio_oe"] = r["actual"] / r["expected"]
    se = np.sqrt(np.diagonal(sigma))
    z = stats.norm.ppf(0.5 + config.coverage / 2)
    d = r["diff_pp"].to_numpy()
    r["se_pp"] = se
    r["ci_low_pp"] = d - z * se
    r["ci_high_pp"] = d + z * se
    shrunk, post_sd = eb_shrink(d, se, tau2_pp)
    r["shrunk_diff_pp"] = shrunk
    r["shrunk_sd_pp"] = post_sd
    r["tau2_pp"] = tau2_pp
    r["tier"] = pd.array(tiers(r["ci_low_pp"], r["ci_high_pp"]), dtype="str")
    if len(r) >= 2:
        marg = rank_intervals(d, sigma, coverage=config.coverage, simultaneous=False, R=config.rank_draws, seed=config.seed)
        simul = rank_intervals(d, sigma, coverage=config.coverage, simultaneous=True, R=config.rank_draws, seed=config.seed)
        r["rank"] = marg.rank
        r["rank_ci_low"], r["rank_ci_high"] = marg.lower, marg.upper
        r["rank_ci_simul_low"], r["rank_ci_simul_high"] = simul.lower, simul.upper
        if "extrapolated" in r.columns:
            # outside the support of the others: no rank interval narrower than the
            # evidence — the marginal interval is replaced by the simultaneous one
            ex = r["extrapolated"].to_numpy(dtype=bool)
            r.loc[ex, "rank_ci_low"] = r.loc[ex, "rank_ci_simul_low"]
            r.loc[ex, "rank_ci_high"] = r.loc[ex, "rank_ci_simul_high"]
        r[f"p_top{config.top_k}"] = prob_top(d, sigma, k=config.top_k, R=max(config.rank_draws, 2000), seed=config.seed + 1)
    se0 = 100.0 * np.sqrt(r["var_sampling"].to_numpy())
    if not np.all(se0 > 0):  # no sampling variance: the funnel uses the full standard error
        se0 = se
    od = estimate_overdispersion(d, se0, 0.0, config.funnel_winsor)
    unadj = funnel_limits(se0)
    adj = funnel_limits(se0, tau2=od.tau2, phi=od.phi, method=config.funnel_method)
    r["funnel_se_pp"] = se0
    for c in unadj.columns:
        r[f"funnel_{c}"] = unadj[c].to_numpy()
    for c in adj.columns:
        r[f"funnel_adj_{c}"] = adj[c].to_numpy()
    r["funnel_tau2_pp"] = od.tau2
    r["funnel_phi"] = od.phi
    r["funnel_method"] = config.funnel_method
    r["funnel_flag"] = pd.array(
        funnel_flag(d, adj["lo95"], adj["hi95"], adj["lo998"], adj["hi998"]), dtype="str"
    )
    return r
