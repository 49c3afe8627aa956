"""The core of the data-generating process: framework variables, jobcentre effects,
shares on each ydelse, fuldtidspersoner, and the truth per benchmark area.

All arrays are indexed (municipality k, period t, ydelse y or variable j) in the order
of ``reference.municipalities()``, the given periods, ``reference.ydelse_codes()`` and
:data:`~benchlearn.simulator.config.FRAMEWORK_CATALOG`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from benchlearn.core import reference

from .config import FRAMEWORK_CATALOG, YDELSE_PARAMS, SimConfig
from .population import period_time


@dataclass(frozen=True)
class Core:
    """Intermediate arrays shared by the table builders (not part of the public API)."""

    codes: np.ndarray  # (K,) kommunekode
    periods: tuple[str, ...]
    ydelser: tuple[str, ...]
    N: np.ndarray  # (K, T) residents 16–66
    X: np.ndarray  # (K, T, J) standardised framework variables, whole catalogue
    eta: np.ndarray  # (K, T, Y) linear predictor incl. the jobcentre effect
    loadings: np.ndarray  # (Y,)
    theta: np.ndarray  # (K, T) jobcentre effect (logit), positive = more on support = worse
    pi: np.ndarray  # (K, T) process quality (logit), positive = more without offer/talks = worse
    O: np.ndarray  # (K, T, Y) fuldtidspersoner


def ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float, innov: np.ndarray | None = None) -> np.ndarray:
    """Stationary standard-normal AR(1) along axis 1; ``innov`` optionally given."""
    k, t = shape
    e = rng.standard_normal((k, t)) if innov is None else innov
    out = np.empty((k, t))
    out[:, 0] = e[:, 0]
    s = np.sqrt(1 - rho**2)
    for i in range(1, t):
        out[:, i] = rho * out[:, i - 1] + s * e[:, i]
    return out


def framework(config: SimConfig, N: np.ndarray, periods: list[str], rng: np.random.Generator) -> tuple[np.ndarray, pd.DataFrame]:
    """Standardised framework variables for the whole catalogue and the published long table.

    Notes
    -----
    Latent factors: ``urban_k = 0.8·std(log N_k) + 0.6·e_k`` and ``dep_k ~ N(0, 1)``.
    For variable j: ``z_kj = a_j·urban_k + b_j·dep_k + c_j·e_kj`` with
    ``c_j = sqrt(max(1 − a_j² − b_j², 0.1))``; ``e`` for the commuting-area unemployment is
    ``0.8·r_region + 0.6·e_k``.  Over periods ``z_ktj = z_kj + trend_j·(time_t − time_1)
    + framework_period_sd·e_ktj``.  Published value ``v = g⁻¹(center_j + scale_j·z)``
    clipped to [lo_j, hi_j] and rounded; the DGP uses ``x = (g(v) − center_j)/scale_j``
    of the *published* value, so a regression on the published data can recover the
    coefficients exactly up to noise.
    """
    K, T = N.shape
    m = reference.municipalities()
    logn = np.log(N[:, 0].astype(float))
    urban = 0.8 * (logn - logn.mean()) / logn.std() + 0.6 * rng.standard_normal(K)
    dep = rng.standard_normal(K)
    regions = pd.factorize(m["regionskode"])[0]
    region_shock = rng.standard_normal(regions.max() + 1)[regions]
    times = np.array([period_time(p) for p in periods])
    X = np.empty((K, T, len(FRAMEWORK_CATALOG)))
    rows = []
    for j, v in enumerate(FRAMEWORK_CATALOG):
        c = np.sqrt(max(1 - v.urban**2 - v.deprivation**2, 0.1))
        own = rng.standard_normal(K)
        if v.name == "ledighed_pendlingsomraade":
            own = 0.8 * region_shock + 0.6 * own
        z = v.urban * urban + v.deprivation * dep + c * own
        zt = (z[:, None] + v.trend_per_year * (times - times[0])[None, :]
              + config.framework_period_sd * rng.standard_normal((K, T)))
        g = v.center + v.scale * zt
        val = np.exp(g) if v.transform == "log" else g
        val = np.round(np.clip(val, v.lo, v.hi), v.decimals)
        gv = np.log(val) if v.transform == "log" else val
        X[:, :, j] = (gv - v.center) / v.scale
        if v.name in config.framework_variables:
            rows.append((v.name, val))
    for i in range(config.n_irrelevant_variables):
        noise = rng.standard_normal(K)[:, None] + config.framework_period_sd * rng.standard_normal((K, T))
        rows.append((f"stoej_{i + 1}", np.round(50 + 10 * noise, 2)))
    codes = m["kommunekode"].to_numpy()
    frames = [
        pd.DataFrame({
            "kommunekode": np.repeat(codes, T),
            "period": np.tile(np.array(periods, dtype=object), K),
            "variable": name,
            "value": val.reshape(-1).astype("float64"),
        })
        for name, val in rows
    ]
    if frames:
        fw = pd.concat(frames, ignore_index=True)
    else:
        fw = pd.DataFrame({"kommunekode": pd.Series(dtype="int64"), "period": pd.Series(dtype="str"),
                           "variable": pd.Series(dtype="str"), "value": pd.Series(dtype="float64")})
    return X, fw


def effects(config: SimConfig, K: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Jobcentre effect theta and process quality pi, both (K, T) on the logit scale.

    Notes
    -----
    ``theta_kt = σ_θ·a_kt`` and ``pi_kt = σ_π·b_kt`` with ``a``, ``b`` stationary standard
    AR(1) processes with correlation ``ρ`` (effect_persistence) between consecutive
    periods, whose innovations have correlation ``r`` (process_result_corr); hence
    ``corr(theta_kt, pi_kt) = r`` in every period.
    """
    rho, r = config.effect_persistence, config.process_result_corr
    e_theta = rng.standard_normal((K, T))
    e_pi = r * e_theta + np.sqrt(1 - r**2) * rng.standard_normal((K, T))
    theta = config.effect_sd * ar1(rng, (K, T), rho, e_theta)
    pi = config.process_sd * ar1(rng, (K, T), rho, e_pi)
    return theta, pi


def build_core(config: SimConfig, N: pd.DataFrame, periods: list[str], rngs: list[np.random.Generator]) -> tuple[Core, pd.DataFrame, pd.DataFrame]:
    """Draw everything behind ``support`` and ``framework``; returns (core, framework, period effects).

    Notes
    -----
    ``η_kty = logit(p_y) + c·Σ_j β_yj x_ktj + γ_t + δ_ty + u_ky + ε_kty + λ_y θ_kt`` with
    ``γ_t ~ N(0, period_sd²)``, ``δ_ty ~ N(0, (period_sd/2)²)``,
    ``u_ky ~ N(0, unmeasured_sd²)``, ``ε_kty ~ N(0, transitory_sd²)``;
    ``fuldtidspersoner_kty ~ Binomial(N_kt, expit(η_kty))``.
    """
    r_fw, r_eff, r_per, r_noise, r_obs = rngs
    Nmat = N.to_numpy()
    K, T = Nmat.shape
    ydelser = reference.ydelse_codes()
    Y = len(ydelser)
    X, fw = framework(config, Nmat, periods, r_fw)
    theta, pi = effects(config, K, T, r_eff)
    base = logit(np.array([YDELSE_PARAMS[y].base_share for y in ydelser]))
    beta = config.coef_scale * np.array([YDELSE_PARAMS[y].coef for y in ydelser])  # (Y, J)
    loadings = np.array([config.loading(y) for y in ydelser])
    gamma = r_per.normal(0, config.period_sd, T)
    delta = r_per.normal(0, config.period_sd / 2, (T, Y))
    period_eff = gamma[:, None] + delta
    u = r_noise.normal(0, config.unmeasured_sd, (K, 1, Y))
    eps = r_noise.normal(0, config.transitory_sd, (K, T, Y))
    eta = (base[None, None, :] + np.einsum("ktj,yj->kty", X, beta) + period_eff[None, :, :]
           + u + eps + loadings[None, None, :] * theta[:, :, None])
    O = r_obs.binomial(np.broadcast_to(Nmat[:, :, None], eta.shape), expit(eta)).astype("float64")
    core = Core(codes=N.index.to_numpy(), periods=tuple(periods), ydelser=ydelser, N=Nmat, X=X,
                eta=eta, loadings=loadings, theta=theta, pi=pi, O=O)
    pe = pd.DataFrame({
        "period": np.repeat(np.array(periods, dtype=object), Y),
        "ydelse": np.tile(np.array(ydelser, dtype=object), T),
        "period_effect_logit": period_eff.reshape(-1),
    })
    return core, fw, pe


def support_table(core: Core) -> pd.DataFrame:
    K, T, Y = core.O.shape
    return pd.DataFrame({
        "kommunekode": np.repeat(core.codes, T * Y).astype("int64"),
        "period": np.tile(np.repeat(np.array(core.periods, dtype=object), Y), K),
        "ydelse": np.tile(np.array(core.ydelser, dtype=object), K * T),
        "fuldtidspersoner": core.O.reshape(-1),
    })


def population_table(core: Core) -> pd.DataFrame:
    K, T = core.N.shape
    return pd.DataFrame({
        "kommunekode": np.repeat(core.codes, T).astype("int64"),
        "period": np.tile(np.array(core.periods, dtype=object), K),
        "persons": core.N.reshape(-1).astype("float64"),
    })


def truth_table(core: Core) -> pd.DataFrame:
    """Planted effect per municipality, period and benchmark area.

    Notes
    -----
    For area A: ``s¹ = Σ_{y∈A} expit(η_kty)``, ``s⁰ = Σ_{y∈A} expit(η_kty − λ_y θ_kt)``;
    ``true_diff_pp = 100·(s¹ − s⁰)``, ``true_effect_logit = logit(s¹) − logit(s⁰)``
    (equal to ``λ θ`` for a one-ydelse area), ``true_rank`` = 1 for the most negative
    ``true_diff_pp`` within period and area.
    """
    K, T, _ = core.eta.shape
    s1_all = expit(core.eta)
    s0_all = expit(core.eta - core.loadings[None, None, :] * core.theta[:, :, None])
    frames = []
    for area in reference.area_codes():
        idx = [core.ydelser.index(y) for y in reference.area_ydelser(area)]
        s1 = s1_all[:, :, idx].sum(axis=2)
        s0 = s0_all[:, :, idx].sum(axis=2)
        frames.append(pd.DataFrame({
            "kommunekode": np.repeat(core.codes, T).astype("int64"),
            "period": np.tile(np.array(core.periods, dtype=object), K),
            "area": area,
            "true_effect_logit": (logit(s1) - logit(s0)).reshape(-1),
            "true_diff_pp": (100 * (s1 - s0)).reshape(-1),
            "true_share": s1.reshape(-1),
            "true_share_without_effect": s0.reshape(-1),
            "true_expected_persons": (s0 * core.N).reshape(-1),
            "jobcentre_effect_logit": core.theta.reshape(-1),
            "process_effect_logit": core.pi.reshape(-1),
        }))
    truth = pd.concat(frames, ignore_index=True)
    truth["true_rank"] = (truth.groupby(["period", "area"])["true_diff_pp"]
                          .rank(method="first", ascending=True).astype("int64"))
    return truth
