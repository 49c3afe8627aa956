"""Residents and support by origin, the group's framework variables and an
origin-specific jobcentre effect (#16): the truth behind the integration benchmark.

Adds to a simulation (docs/SIMULATOR.md §7):

* ``population_origin`` — residents 16–66 by origin group (dansk, vestlig, ikke_vestlig;
  they add up to ``population``);
* ``support_origin`` — full-time persons by origin group and ydelse (they add up to
  ``support`` exactly: the non-Western immigrants' counts are drawn from their own
  propensity, the rest is split between Danish and Western residents in proportion to
  their numbers);
* ``framework_origin`` — framework variables of the non-Western group
  (:data:`ORIGIN_CATALOG`: years in Denmark, share from the main refugee countries,
  share aged 50–66, share with only primary education);
* truth rows ``area = "integration"``: the jobcentre's effect on the group's share on
  the integration ydelser, the common effect ``λ_y θ_kt`` and the origin-specific
  ``λ_y φ_kt`` together.

Drawn from its own random stream, so every other table is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from benchlearn.core import reference

from .config import FRAMEWORK_CATALOG, FrameworkVariable, SimConfig
from .core import Core, ar1
from .population import period_time

GROUP = "ikke_vestlig"
TARGET = "integration"

#: the non-Western group's framework variables; ``urban`` here is the loading on the
#: (standardised) municipal share of non-Western residents, ``deprivation`` on an
#: independent municipal factor
ORIGIN_CATALOG: tuple[FrameworkVariable, ...] = (
    FrameworkVariable("aar_i_danmark", "gennemsnitligt antal år i Danmark for gruppens indvandrere",
                      "mean years in Denmark of the group's immigrants", "identity", 13.0, 3.0, 3.0, 30.0,
                      0.30, -0.40, 0.10, 1),
    FrameworkVariable("andel_flygtningelande", "andel fra de største flygtningelande (Syrien, Afghanistan, Irak, Iran, Somalia, Eritrea), %",
                      "share from the main refugee countries (Syria, Afghanistan, Iraq, Iran, Somalia, Eritrea), %",
                      "identity", 40.0, 10.0, 5.0, 85.0, 0.20, 0.50, 0.0, 1),
    FrameworkVariable("andel_50_66", "andel 50–66-årige i gruppen, %", "aged 50–66 in the group, %",
                      "identity", 22.0, 4.0, 8.0, 45.0, -0.20, 0.10, 0.05, 1),
    FrameworkVariable("andel_uden_uddannelse", "andel 25–64-årige i gruppen med grundskole som højeste uddannelse, %",
                      "group's residents 25–64 with only primary education, %", "identity", 40.0, 7.0, 15.0, 70.0,
                      0.10, 0.60, -0.10, 1),
)

#: logit offset of the group against the municipality's residents on each integration
#: ydelse, and coefficients (logit per scale) on the ORIGIN_CATALOG variables
ORIGIN_PARAMS: dict[str, tuple[float, tuple[float, float, float, float]]] = {
    "selvforsoergelsesydelse": (2.2, (-0.60, 0.35, -0.10, 0.10)),
    "kontanthjaelp": (0.9, (-0.15, 0.20, 0.05, 0.20)),
    "uddannelseshjaelp": (0.4, (-0.10, 0.10, -0.20, 0.15)),
    "a_dagpenge": (0.1, (0.05, 0.0, 0.05, 0.05)),
    "sygedagpenge": (0.1, (0.05, 0.05, 0.15, 0.10)),
    "jobafklaring": (0.2, (0.05, 0.05, 0.15, 0.10)),
    "ressourceforloeb": (0.5, (0.0, 0.15, 0.10, 0.20)),
    "revalidering": (0.3, (0.0, 0.10, 0.10, 0.15)),
    "forrevalidering": (0.3, (0.0, 0.10, 0.10, 0.15)),
    "ledighedsydelse": (0.2, (0.0, 0.10, 0.15, 0.15)),
}
ORIGIN_VARIABLES: tuple[str, ...] = tuple(v.name for v in ORIGIN_CATALOG)


def _long(codes: np.ndarray, periods: tuple[str, ...], **cols: np.ndarray) -> pd.DataFrame:
    K, T = len(codes), len(periods)
    base = {"kommunekode": np.repeat(codes, T).astype("int64"),
            "period": np.tile(np.array(periods, dtype=object), K)}
    return pd.DataFrame({**base, **{k: v.reshape(-1) for k, v in cols.items()}})


def origin_tables(config: SimConfig, core: Core, rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Draw the by-origin tables and the integration truth; returns (tables, truth rows).

    Notes
    -----
    ``N^I_kt = round(N_kt · a_kt / 100)`` with ``a`` the published ``andel_ikke_vestlige``;
    ``N^W_kt = round(N_kt · w_k)``, ``w_k ~ U(0.02, 0.07)``; ``N^D = N − N^I − N^W``.
    Group variable m: ``z_ktm = u_m x^ikv_kt + d_m f_k + c_m e_km + trend_m (time_t − time_1)
    + framework_period_sd·e_ktm`` (``x^ikv`` the standardised municipal non-Western share,
    ``f_k ~ N(0,1)``), published as for ``framework``. For y in the integration ydelser
    ``η^I_kty = η_kty + α_y + Σ_m γ_ym x^I_ktm + λ_y φ_kt`` (``η`` the municipality's
    predictor, with ``λ_y θ_kt``) and ``φ_kt = origin_effect_sd · AR(1)`` with the same
    persistence as ``θ``; ``O^I_kty ~ Binomial(N^I_kt, expit(η^I_kty))`` capped at
    ``O_kty``; on the other ydelser ``O^I ~ Binomial(O, N^I/N)``; ``O^W ~ Binomial(O − O^I, N^W/(N^W + N^D))``, ``O^D = O − O^I − O^W``.
    Truth: ``s¹ = Σ_y expit(η^I)``, ``s⁰ = Σ_y expit(η^I − λ_y(θ + φ))``,
    ``true_diff_pp = 100(s¹ − s⁰)``.
    """
    K, T, _ = core.eta.shape
    ikv = [v.name for v in FRAMEWORK_CATALOG].index("andel_ikke_vestlige")
    v0 = FRAMEWORK_CATALOG[ikv]
    share_ikv = np.exp(v0.center + v0.scale * core.X[:, :, ikv])  # the published %, exactly
    N = core.N.astype("float64")
    NI = np.round(N * share_ikv / 100.0)
    w = rng.uniform(0.02, 0.07, K)
    NW = np.minimum(np.round(N * w[:, None]), N - NI)
    ND = N - NI - NW

    times = np.array([period_time(p) for p in core.periods])
    f = rng.standard_normal(K)
    xs = core.X[:, :, ikv]
    xs = (xs - xs.mean()) / xs.std()
    XI = np.empty((K, T, len(ORIGIN_CATALOG)))
    fw_cols = {}
    for m, v in enumerate(ORIGIN_CATALOG):
        c = np.sqrt(max(1 - v.urban**2 - v.deprivation**2, 0.1))
        z = v.urban * xs + (v.deprivation * f + c * rng.standard_normal(K))[:, None]
        z = z + v.trend_per_year * (times - times[0])[None, :] + config.framework_period_sd * rng.standard_normal((K, T))
        val = np.round(np.clip(v.center + v.scale * z, v.lo, v.hi), v.decimals)
        XI[:, :, m] = (val - v.center) / v.scale
        fw_cols[v.name] = val

    phi = config.origin_effect_sd * ar1(rng, (K, T), config.effect_persistence)
    ydelser = reference.integration_ydelser(TARGET)
    so_rows, s1, s0, s0_origin = [], np.zeros((K, T)), np.zeros((K, T)), np.zeros((K, T))
    O_I_all = np.zeros((K, T, len(core.ydelser)))
    for y in ydelser:
        iy = core.ydelser.index(y)
        alpha, gam = ORIGIN_PARAMS[y]
        lam = core.loadings[iy]
        eta = core.eta[:, :, iy] + alpha + XI @ np.array(gam) + lam * phi
        s1 += expit(eta)
        s0 += expit(eta - lam * (core.theta + phi))
        s0_origin += expit(eta - lam * phi)
        O_I_all[:, :, iy] = np.minimum(rng.binomial(NI.astype("int64"), expit(eta)), core.O[:, :, iy])
    share_n = np.divide(NI, N, out=np.zeros_like(N), where=N > 0)
    for iy, y in enumerate(core.ydelser):  # the other ydelser: the group as likely as anyone
        if y not in ydelser:
            O_I_all[:, :, iy] = rng.binomial(core.O[:, :, iy].astype("int64"), share_n)
    O_rest = core.O - O_I_all
    q = np.divide(NW, NW + ND, out=np.zeros_like(NW), where=(NW + ND) > 0)
    O_W = rng.binomial(O_rest.astype("int64"), np.broadcast_to(q[:, :, None], O_rest.shape)).astype("float64")
    O_D = O_rest - O_W
    for g, O in (("dansk", O_D), ("vestlig", O_W), (GROUP, O_I_all)):
        for iy, y in enumerate(core.ydelser):
            so_rows.append(_long(core.codes, core.periods, fuldtidspersoner=O[:, :, iy]).assign(
                origin_group=g, ydelse=y))
    support_origin = pd.concat(so_rows, ignore_index=True)[["kommunekode", "period", "origin_group", "ydelse",
                                                           "fuldtidspersoner"]]
    population_origin = pd.concat(
        [_long(core.codes, core.periods, persons=n).assign(origin_group=g) for g, n in
         (("dansk", ND), ("vestlig", NW), (GROUP, NI))], ignore_index=True)[
        ["kommunekode", "period", "origin_group", "persons"]]
    framework_origin = pd.concat(
        [_long(core.codes, core.periods, value=val.astype("float64")).assign(origin_group=GROUP, variable=name)
         for name, val in fw_cols.items()], ignore_index=True)[["kommunekode", "period", "origin_group", "variable", "value"]]
    safe_n = np.where(NI > 0, NI, np.nan)
    truth = _long(
        core.codes, core.periods,
        true_effect_logit=logit(s1) - logit(s0), true_diff_pp=100 * (s1 - s0), true_share=s1,
        true_share_without_effect=s0, true_expected_persons=s0 * NI, jobcentre_effect_logit=core.theta,
        process_effect_logit=core.pi, origin_effect_logit=phi, true_diff_origin_pp=100 * (s1 - s0_origin),
        group_persons=safe_n,
    ).assign(area=TARGET)
    tables = {"population_origin": population_origin, "support_origin": support_origin,
              "framework_origin": framework_origin}
    return tables, truth
