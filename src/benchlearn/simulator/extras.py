"""Tables around the benchmark: focus counts, activity, costs and the three surveys.

Each builder takes the :class:`~benchlearn.simulator.core.Core` arrays and its own
random generator, so changing one table's knobs never changes another table's draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from benchlearn.core import reference

from .config import MAALGRUPPE_ACTIVITY, SURVEY_ITEMS, SimConfig
from .core import Core
from .population import period_time


def _kt_frame(core: Core, **cols: np.ndarray) -> pd.DataFrame:
    K, T = core.N.shape
    data = {"kommunekode": np.repeat(core.codes, T).astype("int64"),
            "period": np.tile(np.array(core.periods, dtype=object), K)}
    data.update({k: np.asarray(v).reshape(-1) for k, v in cols.items()})
    return pd.DataFrame(data)


def _area_sum(core: Core, area: str) -> np.ndarray:
    idx = [core.ydelser.index(y) for y in reference.area_ydelser(area)]
    return core.O[:, :, idx].sum(axis=2)


def maalgruppe_counts(core: Core) -> dict[str, np.ndarray]:
    """Fuldtidspersoner per målgruppe, each (K, T)."""
    out = {}
    for g in reference.maalgruppe_codes():
        idx = [core.ydelser.index(y) for y in reference.maalgruppe_ydelser(g)]
        out[g] = core.O[:, :, idx].sum(axis=2)
    return out


def focus_table(config: SimConfig, core: Core, rng: np.random.Generator) -> pd.DataFrame:
    """Counts behind the two fokusmål.

    Notes
    -----
    ``persons_12m ~ Bin(round(O_total), expit(logit(long_term_share) + λ_L θ + e))``,
    ``without_offer ~ Bin(persons_12m, expit(logit(base_without_offer) + π))``,
    ``without_talks ~ Bin(persons_12m, expit(logit(base_without_talks) + λ_T π + τ))``,
    ``e ~ N(0, 0.1²)``, ``τ ~ N(0, talks_own_sd²)`` per municipality and period.
    """
    K, T = core.N.shape
    total = np.round(_area_sum(core, "total")).astype("int64")
    p_long = expit(logit(config.long_term_share) + config.long_term_effect_loading * core.theta
                   + rng.normal(0, 0.1, (K, T)))
    n12 = rng.binomial(total, p_long)
    q_offer = expit(logit(config.base_without_offer) + core.pi)
    q_talks = expit(logit(config.base_without_talks) + config.talks_process_loading * core.pi
                    + rng.normal(0, config.talks_own_sd, (K, T)))
    return _kt_frame(core, persons_12m=n12.astype("float64"),
                     without_offer=rng.binomial(n12, q_offer).astype("float64"),
                     without_talks=rng.binomial(n12, q_talks).astype("float64"))


def activity_table(config: SimConfig, core: Core, rng: np.random.Generator) -> pd.DataFrame:
    """Monitoring measures per målgruppe (no targets).

    Notes
    -----
    With ``π* = π/process_sd`` and ``θ* = θ/effect_sd`` (standardised):
    ``samtaler_pr_person = b₁·exp(−0.15 π* + N(0, 0.08²))``,
    ``andel_i_tilbud = expit(logit b₂ − 0.3 π* + N(0, 0.15²))``,
    ``virksomhedsrettede_tilbud = expit(logit b₃ − 0.12 θ* + N(0, 0.2²))`` — the one
    measure that carries a signal about results, for learning-partner analyses.
    """
    K, T = core.N.shape
    pis = core.pi / config.process_sd if config.process_sd > 0 else np.zeros_like(core.pi)
    ths = core.theta / config.effect_sd if config.effect_sd > 0 else np.zeros_like(core.theta)
    frames = []
    for g, (b_talk, b_offer, b_firm) in MAALGRUPPE_ACTIVITY.items():
        measures = {
            "samtaler_pr_person": b_talk * np.exp(-0.15 * pis + rng.normal(0, 0.08, (K, T))),
            "andel_i_tilbud": expit(logit(b_offer) - 0.3 * pis + rng.normal(0, 0.15, (K, T))),
            "virksomhedsrettede_tilbud": expit(logit(b_firm) - 0.12 * ths + rng.normal(0, 0.2, (K, T))),
        }
        for name, val in measures.items():
            f = _kt_frame(core, value=np.round(val, 4))
            f.insert(2, "maalgruppe", g)
            f.insert(3, "measure", name)
            frames.append(f)
    return pd.concat(frames, ignore_index=True)


def costs_table(config: SimConfig, core: Core, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Expenditure on the employment effort by category; also returns the unit cost (K, T).

    Notes
    -----
    ``c_kt = unit_cost·(1 + growth)^(time_t − time_1)·exp(σ_c (r·(−θ*_k1) + sqrt(1−r²) e_k))``,
    total ``= c_kt · O5_kt`` (fuldtidspersoner in the five målgrupper), split by
    ``Dirichlet(200·cost_shares)`` into administration, aktive_tilbud, other.
    """
    K, T = core.N.shape
    o5 = sum(maalgruppe_counts(core).values())
    times = np.array([period_time(p) for p in core.periods])
    ths = core.theta[:, :1] / config.effect_sd if config.effect_sd > 0 else np.zeros((K, 1))
    r = config.cost_result_corr
    dev = config.unit_cost_sd * (r * (-ths) + np.sqrt(1 - r**2) * rng.standard_normal((K, 1)))
    unit = config.unit_cost_dkk * (1 + config.unit_cost_growth) ** (times - times[0])[None, :] * np.exp(dev)
    total = unit * o5
    shares = rng.dirichlet(200 * np.array(config.cost_shares), size=(K, T))
    frames = []
    for i, cat in enumerate(("administration", "aktive_tilbud", "other")):
        f = _kt_frame(core, dkk=np.round(total * shares[:, :, i]))
        f.insert(2, "category", cat)
        frames.append(f)
    return pd.concat(frames, ignore_index=True), unit


def surveys(config: SimConfig, core: Core, rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Citizen survey, business survey, caseworker assessments and invitations.

    Notes
    -----
    Citizen: ``invited = min(round(rate·O5), max)``, respondents ``~ Bin(invited, ρ_k)``
    with ``logit ρ_k ~ N(logit r, 0.3²)``; målgruppe drawn from the municipality's mix;
    item ``= clip(round(m_d + μ_kt + 0.8 ζ_i + 0.6 e_id), 1, 5)``, blank with probability
    item_blank_prob, ``μ_kt = σ_μ (s·(−π*) + sqrt(1−s²) e_k)``.  Business:
    ``satisfaction = clip(round(3.6 + 0.2·(−θ*) + 0.9 z), 1, 5)``.  Caseworker:
    ``progression = clip(round(0.2 − progression_effect·θ + N(0,1)), −2, 2)`` for
    ``Bin(round(long_term_share·O5), caseworker_case_rate)`` cases.  Returns the tables and the latent
    municipal scores (``mu``, expected item means) for validation.
    """
    K, T = core.N.shape
    groups = maalgruppe_counts(core)
    gnames = list(groups)
    mix = np.stack([groups[g] for g in gnames], axis=2)  # (K, T, G)
    o5 = mix.sum(axis=2)
    pis = core.pi / config.process_sd if config.process_sd > 0 else np.zeros_like(core.pi)
    ths = core.theta / config.effect_sd if config.effect_sd > 0 else np.zeros_like(core.theta)
    s = config.survey_process_corr
    mu = config.survey_effect_sd * (s * (-pis) + np.sqrt(1 - s**2) * rng.standard_normal((K, 1)))
    c_inv = np.minimum(np.round(config.citizen_invite_rate * o5), config.citizen_invite_max).astype("int64")
    resp_rate = expit(logit(config.citizen_response_rate) + rng.normal(0, 0.3, (K, 1)))
    n_resp = rng.binomial(c_inv, np.broadcast_to(resp_rate, (K, T)))
    items = list(SURVEY_ITEMS)
    means = np.array([SURVEY_ITEMS[d] for d in items])
    rows_k, rows_t, rows_g = [], [], []
    for k in range(K):
        for t in range(T):
            n = n_resp[k, t]
            if n == 0:
                continue
            p = mix[k, t] / mix[k, t].sum()
            rows_g.append(rng.choice(len(gnames), size=n, p=p))
            rows_k.append(np.full(n, k))
            rows_t.append(np.full(n, t))
    kk = np.concatenate(rows_k) if rows_k else np.zeros(0, dtype=int)
    tt = np.concatenate(rows_t) if rows_t else np.zeros(0, dtype=int)
    gg = np.concatenate(rows_g) if rows_g else np.zeros(0, dtype=int)
    n = len(kk)
    zeta = rng.standard_normal(n)
    latent = means[None, :] + mu[kk, tt][:, None] + 0.8 * zeta[:, None] + 0.6 * rng.standard_normal((n, len(items)))
    vals = np.clip(np.round(latent), 1, 5)
    vals[rng.random(vals.shape) < config.item_blank_prob] = np.nan
    periods = np.array(core.periods, dtype=object)
    seq = np.arange(n)
    citizen = pd.DataFrame({
        "respondent_id": [f"B{core.periods[t]}-{core.codes[k]}-{i:05d}" for k, t, i in zip(kk, tt, seq, strict=True)],
        "kommunekode": core.codes[kk].astype("int64"),
        "period": periods[tt],
        "maalgruppe": np.array(gnames, dtype=object)[gg],
        **{d: vals[:, i] for i, d in enumerate(items)},
    })

    b_inv = np.minimum(np.round(config.business_invite_rate * core.N), config.business_invite_max).astype("int64")
    b_resp = rng.binomial(b_inv, config.business_response_rate)
    bk = np.repeat(np.repeat(np.arange(K), T), b_resp.reshape(-1))
    bt = np.repeat(np.tile(np.arange(T), K), b_resp.reshape(-1))
    sat = np.clip(np.round(3.6 + 0.2 * (-ths[bk, bt]) + 0.9 * rng.standard_normal(len(bk))), 1, 5)
    sat[rng.random(len(bk)) < config.item_blank_prob / 3] = np.nan
    business = pd.DataFrame({
        "firm_id": [f"V{core.periods[t]}-{core.codes[k]}-{i:05d}" for i, (k, t) in enumerate(zip(bk, bt, strict=True))],
        "kommunekode": core.codes[bk].astype("int64"),
        "period": periods[bt],
        "satisfaction": sat,
    })

    long_term = np.round(config.long_term_share * mix.sum(axis=2))
    n_cases = rng.binomial(long_term.astype("int64"), config.caseworker_case_rate)
    ck = np.repeat(np.repeat(np.arange(K), T), n_cases.reshape(-1))
    ct = np.repeat(np.tile(np.arange(T), K), n_cases.reshape(-1))
    prog = np.clip(np.round(0.2 - config.progression_effect * core.theta[ck, ct] + rng.standard_normal(len(ck))), -2, 2)
    caseworker = pd.DataFrame({
        "case_id": [f"S{core.periods[t]}-{core.codes[k]}-{i:05d}" for i, (k, t) in enumerate(zip(ck, ct, strict=True))],
        "kommunekode": core.codes[ck].astype("int64"),
        "period": periods[ct],
        "progression": prog.astype("float64"),
    })

    inv = pd.concat([
        _kt_frame(core, survey=np.full((K, T), "citizen", dtype=object), invited=c_inv.astype("float64")),
        _kt_frame(core, survey=np.full((K, T), "business", dtype=object), invited=b_inv.astype("float64")),
    ], ignore_index=True)
    latent_scores = _kt_frame(core, citizen_mu=mu * np.ones((1, T)), citizen_invited=c_inv, citizen_respondents=n_resp,
                              business_invited=b_inv, business_respondents=b_resp, caseworker_cases=n_cases)
    tables = {"citizen_survey": citizen, "business_survey": business, "invitations": inv,
              "caseworker_assessments": caseworker}
    return tables, latent_scores
