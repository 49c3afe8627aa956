"""Simar–Wilson (1998) smoothed bootstrap of input-oriented DEA, on the Shephard scale.

Hand-written because no maintained Python implementation exists. It follows the
established implementations — R's ``Benchmarking::dea.boot`` (Bogetoft & Otto) and
FEAR's ``boot.sw98`` (Wilson) — in the one respect that matters for the answer:
the resampling, the reflection and the bias and interval arithmetic all happen on
the Shephard input distance δ = 1/θ ≥ 1 (the reciprocal of the Farrell input
efficiency), not on θ itself. Reflecting θ ∈ (0, 1] around 1 (as this module's
predecessor did) produces draws below 0 for small θ; clipping them inflated
pseudo inputs up to 10⁶ times and gave intervals below 0. On the δ scale the
reflected sample {δ, 2 − δ} is symmetric around the boundary δ = 1 and every draw
maps back into (0, 1].

Why the results lie in (0, 1] (and are tested to): a pseudo unit is
``x*_j = (θ_j / θ*_j)·x_j`` with θ*_j ≤ 1, i.e. on or behind its projection onto the
estimated frontier, so the pseudo technology lies inside the estimated one and every
bootstrap score of an observed unit satisfies θ*_b ≥ θ, i.e. d_b = δ − δ*_b ≥ 0.
Then δ + mean(d) ≥ δ ≥ 1 and δ + q(d) ≥ 1 for every quantile q.
"""

from __future__ import annotations

import numpy as np

from benchlearn.benchlearning.dea_lp import efficiency_scores, theta_one

_ONE = 1e-6  # δ within this of 1 counts as efficient when the bandwidth is computed
_LP_TOL = 1e-7  # |d| below this is LP round-off (HiGHS solves to about 1e-9 on rescaled data)


def bandwidth(theta: np.ndarray) -> float:
    """Bandwidth of the kernel on the Shephard scale (Daraio & Simar 2007, eqs. 3.23–3.26).

    Notes
    -----
    With δ = 1/θ, the m inefficient units δ_i > 1 and their reflection
    R = {δ_i, 2 − δ_i} (2m values)::

        h_R = 0.9 · min(sd(R), IQR(R)/1.349) · (2m)^(−1/5)      (Silverman 1986, 3.31)
        h   = h_R · (2m/n)^(1/5) · sd(δ) / sd(R)                 (back to the n scores)

    Units on the frontier are left out so the spike at δ = 1 does not shrink h; the
    last factor rescales from the reflected sample to the n observed scores. This is
    the rule of ``Benchmarking::dea.boot`` (which reflects θ instead of δ; on δ it is
    the formula as Daraio & Simar write it). Returns NaN when every unit is efficient.
    """
    delta = 1.0 / np.asarray(theta, float)
    z = delta[delta > 1.0 + _ONE]
    if len(z) == 0:
        return float("nan")
    refl = np.concatenate([z, 2.0 - z])
    sd_r = float(np.std(refl, ddof=1))
    q75, q25 = np.percentile(refl, [75, 25])
    iqr = (q75 - q25) / 1.349
    spread = iqr if 1e-6 < iqr < sd_r else sd_r
    h_r = 0.9 * spread * len(refl) ** (-0.2)
    return float(h_r * (len(refl) / len(delta)) ** 0.2 * np.std(delta, ddof=1) / sd_r)


def draw(theta: np.ndarray, h: float, rng: np.random.Generator) -> np.ndarray:
    """One smoothed, reflected draw of n Farrell efficiencies θ* ∈ (0, 1].

    Notes
    -----
    β ~ resample of {δ, 2 − δ}; δ̃ = β + h·ε, ε ~ N(0, 1);
    δ* = β̄ + (δ̃ − β̄)/sqrt(1 + h²/σ²) with σ² the variance of {δ, 2 − δ}
    (Simar & Wilson 1998, eq. 4.7; Daraio & Simar 2007, p. 62); values below 1 are
    reflected (2 − δ*); θ* = 1/δ*.
    """
    delta = 1.0 / np.asarray(theta, float)
    refl = np.concatenate([delta, 2.0 - delta])
    n = len(delta)
    beta = rng.choice(refl, size=n, replace=True)
    smooth = beta + h * rng.standard_normal(n)
    sig2 = float(np.var(refl, ddof=1))
    star = beta.mean() + (smooth - beta.mean()) / np.sqrt(1.0 + h * h / sig2)
    star = np.where(star < 1.0, 2.0 - star, star)
    return 1.0 / star


def simar_wilson(Xs, Ys, theta, ref, cfg, radial, progress) -> tuple[np.ndarray | None, float]:
    """Bootstrap scores θ*_b of the observed units against B pseudo frontiers.

    Parameters
    ----------
    Xs, Ys : ndarray (m, n), (s, n)
        Rescaled inputs and outputs.
    theta : ndarray (n,)
        DEA scores (against R ∪ {o}).
    ref : ndarray of bool (n,)
        The reference set R (all units unless screened).
    cfg : DEAConfig
    radial : ndarray of bool (m,)
        Contracted inputs; only they are scaled in the pseudo data.

    Returns
    -------
    boot : ndarray (B, n) or None
        None when every unit is efficient (no spread to bootstrap).
    h : float
        The bandwidth.

    Notes
    -----
    Pseudo data ``x*_ij = (θ_j / θ*_j)·x_ij`` for radial inputs i, other inputs and
    outputs unchanged (homogeneous bootstrap). Unit o is scored against the pseudo
    units of R ∪ {o} — the same reference rule as the point estimate.
    """

    h = bandwidth(theta)
    if not np.isfinite(h):
        return None, h
    n = len(theta)
    rng = np.random.default_rng(cfg.seed)
    boot = np.empty((cfg.bootstrap, n))
    r_idx = np.flatnonzero(ref)
    out_idx = np.flatnonzero(~ref)
    for b in range(cfg.bootstrap):
        star = draw(theta, h, rng)
        Xb = Xs.copy()
        Xb[radial] = Xs[radial] * (theta / star)[None, :]
        boot[b, r_idx] = efficiency_scores(Xs[:, r_idx], Ys[:, r_idx], cfg.rts, Xb[:, r_idx], Ys[:, r_idx], radial)
        for o in out_idx:  # screened units: their own pseudo point plus R's
            cols = np.r_[r_idx, o]
            boot[b, o] = theta_one(Xs[:, o], Ys[:, o], Xb[:, cols], Ys[:, cols], cfg.rts, radial)[0]
        if progress is not None:
            progress(1)
    return boot, h


def corrected(theta: np.ndarray, boot: np.ndarray, alpha: float):
    """Bias-corrected scores, intervals and corrected replicates from bootstrap scores.

    Returns
    -------
    bc, lo, hi : ndarray (n,)
    replicates : ndarray (B, n)
        ``1/(δ + d_b)``: the replicates mirrored around the estimate on the δ scale;
        their α/2 and 1 − α/2 quantiles are (lo, hi) up to interpolation, and sums of
        functions of them give intervals for totals such as a national potential.

    Notes
    -----
    δ = 1/θ, δ*_b = 1/θ*_b, d_b = δ − δ*_b (≥ 0 by construction; |d| < 1e-7 is LP
    round-off and set to 0). bias_δ = mean(δ*) − δ; δ̃ = δ − bias_δ = δ + mean(d);
    interval on δ: [δ + q_{α/2}(d), δ + q_{1−α/2}(d)] (quantile type 9, as
    ``Benchmarking::dea.boot``), inverted and swapped back to θ.
    """
    delta = 1.0 / theta
    d = delta[None, :] - 1.0 / boot
    if np.nanmin(d) < -1e-4:
        # cannot happen for a correct LP: the pseudo frontier lies inside the estimate
        raise RuntimeError(f"bootstrap score above the estimate by {-np.nanmin(d):.2e}")
    d = np.where(d < _LP_TOL, np.maximum(d, 0.0), d)
    bc = 1.0 / (delta + np.nanmean(d, axis=0))
    q = np.nanquantile(d, [alpha / 2, 1 - alpha / 2], axis=0, method="normal_unbiased")
    lo, hi = 1.0 / (delta + q[1]), 1.0 / (delta + q[0])
    return bc, lo, hi, 1.0 / (delta[None, :] + d)
