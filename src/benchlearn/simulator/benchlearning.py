"""Simulated efforts, self-assessments and learning cycles with a planted association.

Real data on what each jobcentre does are not public, so the simulator writes documented
simulated ones (docs/SIMULATOR.md, "Benchlearning"); every table says ``simulated`` in the
provenance and everything built on them says so.

Planted truth (:class:`BenchlearningSim`): a few methods *raise results* — they lower the
municipality's true benchmark difference ``true_diff_pp`` (area ``total``, last period) by
``beta_pp`` percentage points. The core simulator has drawn ``true_diff_pp`` already, so the
use ``u`` of the planted methods is drawn from its conditional distribution given ``d``
under the model

    d = mu0 + Σ_m beta_m u_m + e,   u_m ~ Bernoulli(p) independent,   e ~ N(0, sigma0²),

with ``sigma0² = Var(d) − Σ beta_m² p(1 − p)``: ``P(u | d) ∝ Π p^u (1 − p)^(1−u) ·
φ((d − mu0 − Σ beta_m u_m) / sigma0)`` over the 2^M combinations. The regression of ``d`` on
``u`` then has the slopes ``beta`` (up to the difference between the mixture and the normal
marginal of d). The other methods are used independently of everything (Bernoulli ``p_null``).
Self scores of the planted enablers load on ``−d`` (standardised); the others do not.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from benchlearn.core import reference
from benchlearn.core.periods import year_of


@dataclass(frozen=True)
class BenchlearningSim:
    """Knobs of the simulated benchlearning tables (documented in docs/SIMULATOR.md)."""

    #: planted methods and their effect on true_diff_pp (pp; negative = fewer on support = better)
    method_effects_pp: tuple[tuple[str, float], ...] = (
        ("virksomhedsrettede_tilbud", -0.6), ("ips", -0.5), ("tidlige_samtaler", -0.5),
    )
    use_share: float = 0.4  # p: share of municipalities using a planted method
    null_use_share: float = 0.35  # p_null: share using each other method
    #: enablers whose self score loads on the (standardised, negated) true result
    enabler_loadings: tuple[tuple[str, float], ...] = (("strategisk_styring", 0.6), ("evidensbaseret_design", 0.6))
    score_sd: float = 0.9  # sd of the latent score on the 1–5 scale
    self_bias: float = 0.4  # jobcentres rate themselves this much higher than peers do (latent)
    n_peer_assessed: int = 30  # municipalities with an external peer assessment
    n_cycles: int = 6  # simulated learning cycles (no improvement planted in them)


def _posterior_use(d: np.ndarray, betas: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """Draw the planted methods' use (K, M) from P(u | d) under the model of the module docstring."""
    if float(np.var(d, ddof=1)) < 1e-12:  # no jobcentre effects (effect_sd = 0): nothing to plant on
        return (rng.random((len(d), len(betas))) < p).astype(int)
    var0 = float(np.var(d, ddof=1)) - float(np.sum(betas**2) * p * (1 - p))
    sigma0 = np.sqrt(max(var0, 0.05 * float(np.var(d, ddof=1))))
    mu0 = float(np.mean(d)) - float(np.sum(betas) * p)
    combos = np.array(list(itertools.product((0, 1), repeat=len(betas))), dtype=float)  # (C, M)
    prior = np.prod(np.where(combos == 1, p, 1 - p), axis=1)  # (C,)
    lik = norm.pdf((d[:, None] - mu0 - combos @ betas) / sigma0)  # (K, C)
    post = lik * prior
    post /= post.sum(axis=1, keepdims=True)
    pick = np.array([rng.choice(len(combos), p=row) for row in post])
    return combos[pick].astype(int)


def simulate_benchlearning(truth: pd.DataFrame, population: pd.DataFrame, periods: tuple[str, ...],
                           rng: np.random.Generator, cfg: BenchlearningSim | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The tables ``efforts``, ``self_assessment``, ``learning_cycles``, ``learning_actions`` and the planted truth.

    Returns (tables, planted) where ``planted`` has ``kind, code, planted_pp`` (methods) and
    ``planted_loading`` (enablers); zero for everything not planted.
    """
    cfg = cfg or BenchlearningSim()
    last = periods[-1]
    t = truth[(truth["area"] == "total") & (truth["period"] == last)].set_index("kommunekode").sort_index()
    codes = t.index.to_numpy(dtype="int64")
    d = t["true_diff_pp"].to_numpy(float)
    K = len(codes)
    methods = list(reference.method_codes())
    planted = dict(cfg.method_effects_pp)
    pm = [m for m in methods if m in planted]
    use = pd.DataFrame(0, index=codes, columns=methods, dtype="int64")
    use[pm] = _posterior_use(d, np.array([planted[m] for m in pm]), cfg.use_share, rng)
    for m in methods:
        if m not in planted:
            use[m] = (rng.random(K) < cfg.null_use_share).astype(int)
    pop = population[population["period"] == last].set_index("kommunekode")["persons"].reindex(codes).to_numpy(float)
    y0 = year_of(periods[0])
    cat = reference.methods_catalogue()["method"]
    rows = []
    for i, k in enumerate(codes):
        for m in methods:
            if use.iat[i, methods.index(m)]:
                start_year = y0 - 1 - int(rng.integers(0, 4))
                persons = float(max(5, round(pop[i] * 0.002 * rng.lognormal(0, 0.4))))
                rows.append({"kommunekode": int(k), "method": m, "target_group": cat[m]["target_groups"][0],
                             "persons": persons, "start_date": f"{start_year}-{int(rng.integers(1, 13)):02d}-01", "end_date": None,
                             "source": "simuleret / simulated", "note": None})
    # self-assessment in the last period: self for all 98, peer for a sample
    load = dict(cfg.enabler_loadings)
    dz = -(d - d.mean()) / d.std(ddof=1) if d.std(ddof=1) > 1e-9 else np.zeros(K)
    sa = []
    assessed = set(rng.choice(codes, size=min(cfg.n_peer_assessed, K), replace=False).tolist())
    for e in reference.enabler_codes():
        a = load.get(e, 0.0)
        z = a * dz + np.sqrt(1 - a**2) * rng.standard_normal(K)
        for assessor, bias in (("self", cfg.self_bias), ("peer", 0.0)):
            latent = 3 + cfg.score_sd * z + bias + 0.5 * rng.standard_normal(K)
            score = np.clip(np.round(latent), 1, 5)
            for i, k in enumerate(codes):
                if assessor == "peer" and int(k) not in assessed:
                    continue
                sa.append({"kommunekode": int(k), "period": last, "enabler": e, "assessor": assessor,
                           "score": float(score[i]), "note": None})
    # learning cycles: random learners and partners; no improvement is planted in them
    cyc, act = [], []
    if len(periods) >= 2 and cfg.n_cycles:
        before, after = periods[-2], periods[-1]
        vy = year_of(before)
        learners = rng.choice(codes, size=min(cfg.n_cycles, K // 3), replace=False)
        others = [c for c in codes if c not in set(learners.tolist())]
        null_methods = [m for m in methods if m not in planted]
        for n, k in enumerate(learners, start=1):
            cid = f"sim-{n:02d}"
            for j in rng.choice(others, size=2, replace=False):
                cyc.append({"cycle_id": cid, "kommunekode": int(j), "role": "partner", "group_name": f"Læringsgruppe {n}",
                            "visit_start": f"{vy}-11-{10 + n:02d}", "visit_end": f"{vy}-11-{11 + n:02d}",
                            "before_period": before, "after_period": after})
            cyc.append({"cycle_id": cid, "kommunekode": int(k), "role": "learner", "group_name": f"Læringsgruppe {n}",
                        "visit_start": f"{vy}-11-{10 + n:02d}", "visit_end": f"{vy}-11-{11 + n:02d}",
                        "before_period": before, "after_period": after})
            row = codes.tolist().index(int(k))
            unused = [m for m in null_methods if not use.iat[row, methods.index(m)]] or null_methods
            m = str(rng.choice(unused))
            e = str(rng.choice(list(reference.enabler_codes())))
            act.append({"cycle_id": cid, "kommunekode": int(k), "item_id": "1", "method": m, "enabler": None,
                        "description": "simuleret handlingspunkt: indfør metoden / simulated item: introduce the method",
                        "due_date": f"{vy + 1}-06-30"})
            act.append({"cycle_id": cid, "kommunekode": int(k), "item_id": "2", "method": None, "enabler": e,
                        "description": "simuleret handlingspunkt: styrk forudsætningen / simulated item: strengthen the enabler",
                        "due_date": f"{vy + 1}-06-30"})
            if n % 2 == 1:  # every other learner carries its plan out: the method appears in its efforts
                rows.append({"kommunekode": int(k), "method": m, "target_group": cat[m]["target_groups"][0],
                             "persons": 20.0, "start_date": f"{vy + 1}-02-01", "end_date": None,
                             "source": "simuleret / simulated", "note": "fra læringsforløb / from a learning cycle"})
    ef = pd.DataFrame(rows).drop_duplicates(["kommunekode", "method", "target_group", "start_date"])
    planted_rows = [{"kind": "method", "code": m, "planted_pp": float(planted.get(m, 0.0)), "planted_loading": 0.0}
                    for m in methods]
    planted_rows += [{"kind": "enabler", "code": e, "planted_pp": 0.0, "planted_loading": float(load.get(e, 0.0))}
                     for e in reference.enabler_codes()]
    tables = {"efforts": ef, "self_assessment": pd.DataFrame(sa),
              "learning_cycles": pd.DataFrame(cyc), "learning_actions": pd.DataFrame(act)}
    return {n: df for n, df in tables.items() if len(df)}, pd.DataFrame(planted_rows)  # one period: no cycles
