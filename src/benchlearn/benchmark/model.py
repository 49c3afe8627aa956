"""The rammevilkår benchmark: expected vs actual full-time persons on public support.

Municipality-level model (DOMAIN.md §3): the share ``s = O/N`` on an area's (or a
målgruppe's) ydelser is modelled on standardized framework variables with period
effects and no municipality effects; the residual is the result. Weights follow a
random-effects meta-regression: ``1/(τ² + v_k)`` with ``v_k`` the sampling variance of
``s_k`` and ``τ²`` the between-municipality variance, re-estimated after each fit until
it settles. Uncertainty, funnel limits, shrinkage and rank intervals come from
:mod:`benchlearn.benchmark.uncertainty` and :mod:`benchlearn.benchmark.ranks`.

The estimation itself lives in :mod:`benchlearn.benchmark.estimation`; the configuration in
:mod:`benchlearn.benchmark.config`, the results in :mod:`benchlearn.benchmark.results`
(which never import this module); records from a published ``benchmark`` table or the
cell model in :mod:`benchlearn.benchmark.published`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.estimation import Estimate, combine, design, estimate, expit, sampling_var
from benchlearn.benchmark.modelcard import ModelCard, cross_validate
from benchlearn.benchmark.results import BenchmarkResults, finish_records
from benchlearn.benchmark.uncertainty import paule_mandel_tau2, uncertainty_columns
from benchlearn.core import reference
from benchlearn.core.errors import ConfigError, ModelError
from benchlearn.data.dataset import Dataset

# -- assembling the data ----------------------------------------------------------------


@dataclass(frozen=True)
class _Assembled:
    data: pd.DataFrame  # kommunekode, period, actual, persons, O:<ydelse>..., <variables>
    excluded: pd.DataFrame  # kommunekode, navn, period, reason_da, reason_en
    variables: tuple[str, ...]
    dropped_variables: tuple[tuple[str, str], ...]  # (variable, reason)
    logged: tuple[str, ...]
    notes: tuple[str, ...]
    simulated: bool


def _choose_variables(available: list[str], config: BenchmarkConfig) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    notes: list[str] = []
    if config.variables is not None:
        missing = [v for v in config.variables if v not in available]
        if missing:
            raise ConfigError(
                f"Rammevilkår findes ikke i tabellen 'framework': {missing}; findes: {available}.",
                f"Framework variables not in table 'framework': {missing}; available: {available}.",
            )
        flagged = [v for v in config.variables if any(re.search(p, v, re.IGNORECASE) for p in config.exclude)]
        if flagged:
            notes.append(
                f"Valgt af brugeren trods standard-udelukkelse / chosen by the user despite the default exclusion: {flagged}"
            )
        return list(config.variables), [], notes
    chosen, dropped = [], []
    for v in available:
        hit = next((p for p in config.exclude if re.search(p, v, re.IGNORECASE)), None)
        if hit is None:
            chosen.append(v)
        else:
            dropped.append((v, f"excluded by default (pattern '{hit}'): partly an outcome or an effort"))
    return chosen, dropped, notes


def _assemble(ds: Dataset, config: BenchmarkConfig) -> _Assembled:
    why_da, why_en = "benchmarkmodellen", "the benchmark model"
    support = ds.require("support", why_da, why_en)
    population = ds.require("population", why_da, why_en)
    framework = ds.require("framework", why_da, why_en)
    ydelser = set(config.ydelser)
    periods = config.periods
    if periods is None:
        periods = tuple(sorted(set(support["period"]) & set(population["period"])))
    if not periods:
        raise ModelError(
            "Ingen perioder findes i både 'support' og 'population'.",
            "No period is present in both 'support' and 'population'.",
        )
    unknown = [p for p in periods if p not in set(support["period"])]
    if unknown:
        from benchlearn.core.periods import shown_periods

        have_da, have_en = shown_periods(ds.periods("support"))
        want_da, want_en = shown_periods(unknown)
        raise ConfigError(
            f"Perioden {want_da} findes ikke i tabellen 'support' (findes: {have_da}).",
            f"Period {want_en} is not in table 'support' (available: {have_en}).",
        )
    sup = support[support["period"].isin(periods) & support["ydelse"].isin(ydelser)]
    actual = sup.groupby(["kommunekode", "period"], as_index=False)["fuldtidspersoner"].sum()
    actual = actual.rename(columns={"fuldtidspersoner": "actual"})
    per_y = sup.pivot_table(index=["kommunekode", "period"], columns="ydelse", values="fuldtidspersoner", aggfunc="sum")
    per_y = per_y.fillna(0.0).add_prefix("O:").reset_index()
    actual = actual.merge(per_y, how="left", on=["kommunekode", "period"])
    pop = population[population["period"].isin(periods)][["kommunekode", "period", "persons"]]

    available = sorted(framework["variable"].unique().tolist())
    variables, dropped, notes = _choose_variables(available, config)
    if not variables:
        raise ModelError(
            "Ingen rammevilkår tilbage efter udelukkelser; angiv dem med --variables.",
            "No framework variables left after exclusions; name them with --variables.",
        )
    fw = framework[framework["variable"].isin(variables)]
    wide = fw.pivot_table(index=["kommunekode", "period"], columns="variable", values="value", aggfunc="first")
    wide = wide.reset_index()
    fw_periods = sorted(set(wide["period"]))
    # A period without framework rows borrows the nearest earlier (else later) period:
    # framework conditions move slowly and are often published with a lag.
    blocks = []
    for p in periods:
        src = p if p in fw_periods else (max([q for q in fw_periods if q < p], default=None) or min(fw_periods))
        if src != p:
            notes.append(f"framework {p}: values from period {src}")
        blocks.append(wide[wide["period"] == src].assign(period=p))
    wide = pd.concat(blocks, ignore_index=True)

    grid = pd.MultiIndex.from_product([sorted(reference.kommunekoder()), periods], names=["kommunekode", "period"])
    d = pd.DataFrame(index=grid).reset_index()
    d = d.merge(actual, how="left", on=["kommunekode", "period"]).merge(pop, how="left", on=["kommunekode", "period"])
    d = d.merge(wide, how="left", on=["kommunekode", "period"])
    for v in variables:
        if v not in d.columns:
            d[v] = np.nan

    reasons_da = pd.Series("", index=d.index, dtype="str")
    reasons_en = pd.Series("", index=d.index, dtype="str")

    def flag(mask, da, en):
        new = mask & (reasons_en == "")
        reasons_da[new] = da
        reasons_en[new] = en

    flag(d["persons"].isna() | (d["persons"] <= 0), "mangler befolkning (population)", "no population (denominator)")
    flag(d["actual"].isna(), "ingen rækker i 'support' for området", "no rows in 'support' for the area")
    flag(d["actual"] > d["persons"], "flere fuldtidspersoner end borgere", "more full-time persons than residents")
    miss = d[variables].isna()
    for v in variables:
        flag(miss[v], f"mangler rammevilkåret '{v}'", f"framework variable '{v}' missing")
    bad = reasons_en != ""
    excluded = d.loc[bad, ["kommunekode", "period"]].assign(
        navn=lambda x: x["kommunekode"].map(reference.names()), reason_da=reasons_da[bad], reason_en=reasons_en[bad]
    )
    data = d.loc[~bad].reset_index(drop=True)
    if data["kommunekode"].nunique() < len(variables) + 10:
        raise ModelError(
            f"For få kommuner med data ({data['kommunekode'].nunique()}) til {len(variables)} rammevilkår.",
            f"Too few municipalities with data ({data['kommunekode'].nunique()}) for {len(variables)} framework variables.",
        )
    keep, logged = [], []
    for v in variables:
        if not data[v].std(ddof=0) > 0:
            dropped.append((v, "no variation between municipalities"))
            continue
        keep.append(v)
        if config.log_transform == "auto" and data[v].min() > 0 and data[v].skew() > 1:
            data[v] = np.log(data[v])
            logged.append(v)
    if logged:
        notes.append(f"log-transformeret / log-transformed: {logged}")
    sim = any(ds.is_simulated(t) for t in ("support", "population", "framework"))
    return _Assembled(data, excluded.reset_index(drop=True), tuple(keep), tuple(dropped), tuple(logged), tuple(notes), sim)


def _fit_predict(train: pd.DataFrame, test: pd.DataFrame, variables, periods, config: BenchmarkConfig) -> np.ndarray:
    """Fit on ``train`` and predict the area share of ``test`` (for cross-validation)."""
    Xtr, _, c, sc = design(train, variables, periods)
    k = len(variables)
    Xte, *_ = design(test, variables, periods, c[-k:], np.where(sc[-k:] > 0, sc[-k:], 1.0))
    N = train["persons"].to_numpy()
    pred = np.zeros(len(test))
    for _label, O in _parts(train, config):
        est = estimate(O / N, N, Xtr, train["kommunekode"].to_numpy(), model=config.model,
                       sampling=config.sampling, max_iter=config.max_iter)
        eta = Xte @ est.beta
        pred += eta if config.model == "wls" else expit(eta)
    return pred


def fit(ds: Dataset, config: BenchmarkConfig | None = None) -> BenchmarkResults:
    """Estimate the benchmark on a dataset.

    Parameters
    ----------
    ds : Dataset
        Needs tables ``support``, ``population`` and ``framework``.
    config : BenchmarkConfig

    Returns
    -------
    BenchmarkResults

    Notes
    -----
    With :math:`s_k = O_k/N_k`, :math:`v_k = \\hat s_k(1-\\hat s_k)/N_k` and
    :math:`\\mu_k(\\beta) = \\operatorname{logit}^{-1}(x_k'\\beta)` (or :math:`x_k'\\beta` for WLS),
    :math:`\\hat\\beta` solves :math:`\\sum_k J_k' w_k (s_k - \\mu_k) = 0`,
    :math:`J_k = \\partial\\mu_k/\\partial\\beta`, :math:`w_k = 1/(\\tau^2 + v_k)`; :math:`\\tau^2`
    solves :math:`\\sum_k (s_k-\\hat\\mu_k)^2/(\\tau^2+v_k) = n - p` (Paule–Mandel), iterated
    with the fit. :math:`\\widehat{\\mathrm{Var}}(\\hat\\beta) = (J'WJ)^{-1}` (one period) or the
    cluster-robust sandwich by municipality (pooled). With ``level="ydelse"`` one such
    model is fitted per ydelse y and :math:`\\hat s_k = \\sum_y \\hat\\mu_{ky}`, with the
    joint sandwich of the stacked models (:func:`combine`). Then
    :math:`\\mathrm{diff\\_pp}_k = 100(s_k - \\hat s_k)` with
    :math:`\\mathrm{se}^2 = 10^4(v_k + J_k \\hat V J_k' + \\kappa\\tau_k^2)`, κ =
    ``unmeasured_share`` (docs/METHOD.md §3).
    """
    config = config or BenchmarkConfig()
    asm = _assemble(ds, config)
    groups = [asm.data] if config.pooled else [g for _, g in asm.data.groupby("period", sort=True)]
    recs, coefs, covs, fits = [], [], {}, []
    for g in groups:
        g = g.reset_index(drop=True)
        X, names, center, scale = design(g, asm.variables)
        N = g["persons"].to_numpy()
        clusters = g["kommunekode"].to_numpy()
        parts = _parts(g, config)
        ests, labels = [], []
        for label, O in parts:
            est = estimate(O / N, N, X, clusters, model=config.model, sampling=config.sampling,
                           cluster=config.pooled and g["period"].nunique() > 1, max_iter=config.max_iter)
            ests.append(est)
            labels.append(label)
            coefs.append(_coef_frame(est, names, center, scale, asm, g, label))
        fits.extend(zip(labels, ests))
        mu = np.sum([e.mu for e in ests], axis=0)
        # Sampling variance of the area share. The ydelser are mutually exclusive (one
        # person-week is on one ydelse), so the counts are multinomial and
        # Var(Σ_y O_y/N) = S(1-S)/N with S = Σ_y μ_y, not Σ_y μ_y(1-μ_y)/N, which is
        # too large by 2Σ_{y<z} μ_y μ_z / N (docs/METHOD.md §2).
        v = sampling_var(mu, N, config.sampling)
        J, V = (ests[0].J, ests[0].V) if len(ests) == 1 else combine(ests, clusters)
        coefs.append(_ame_frame(ests, V, names, asm, g))
        s_obs = g["actual"].to_numpy() / N
        # τ² of the area's residual, for shrinkage (the ydelser's τ² do not add up: one
        # jobcentre effect moves them together)
        tau2 = paule_mandel_tau2(s_obs - mu, v, len(g) - max(e.p for e in ests))
        base = g[["kommunekode", "period", "actual", "persons"]].copy()
        base["actual_share"] = s_obs
        base["expected_share"] = mu
        base["expected"] = mu * N
        base["var_sampling"] = v
        base["var_pred"] = np.einsum("ij,jk,ik->i", J, V, J)
        base["_row"] = np.arange(len(g))
        for p, b in base.groupby("period", sort=True):
            idx = b["_row"].to_numpy()
            tau2_k = ests[0].tau2_share[idx] if len(ests) == 1 else np.full(len(idx), tau2)
            kappa = config.unmeasured_share
            sigma = 1e4 * (np.diag(v[idx] + kappa * tau2_k) + J[idx] @ V @ J[idx].T)
            covs[p] = sigma
            b = b.assign(var_unmeasured=kappa * tau2_k)
            recs.append(uncertainty_columns(b.drop(columns="_row"), sigma, 1e4 * (1 - kappa) * tau2_k, config))
    records = finish_records(pd.concat(recs, ignore_index=True), config, asm.simulated)
    coefficients = pd.concat(coefs, ignore_index=True)
    cv = cross_validate(asm.data, asm.variables, config, _fit_predict)
    card = ModelCard.build(
        config=config,
        dataset_hash=ds.content_hash,
        variables=asm.variables,
        dropped_variables=asm.dropped_variables,
        coefficients=coefficients,
        fits=fits,
        records=records,
        excluded=asm.excluded,
        cv=cv,
        notes=asm.notes,
        simulated=asm.simulated,
        source="model",
    )
    return BenchmarkResults(config, records, coefficients, asm.excluded, card, covs)


def _parts(g: pd.DataFrame, config: BenchmarkConfig) -> list[tuple[str, np.ndarray]]:
    """(label, counts) per ydelse model; one part for the whole area when ``level='area'``."""
    cols = [c for c in g.columns if c.startswith("O:") and c[2:] in config.ydelser]
    cols = [c for c in cols if g[c].sum() > 0]  # a ydelse nobody receives adds nothing
    if config.level == "area" or len(cols) <= 1:
        return [(config.target, g["actual"].to_numpy(dtype="float64"))]
    return [(c[2:], g[c].to_numpy(dtype="float64")) for c in cols]


def _coef_frame(est: Estimate, names, center, scale, asm: _Assembled, g: pd.DataFrame, label: str) -> pd.DataFrame:
    z = est.beta / est.se_beta
    coef = pd.DataFrame(
        {
            "ydelse": label,
            "term": names,
            "estimate": est.beta,
            "se": est.se_beta,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "center": center,
            "scale": scale,
            "transform": ["log" if n in asm.logged else ("" if n in asm.variables else "-") for n in names],
            "importance": np.nan,
        }
    )
    coef.insert(0, "fit_periods", ",".join(sorted(g["period"].unique())))
    return coef


def _ame_frame(ests: list[Estimate], V: np.ndarray, names, asm: _Assembled, g: pd.DataFrame) -> pd.DataFrame:
    r"""Average marginal effect of each variable (per sd) on the area's share, in pp.

    Notes
    -----
    :math:`\mathrm{AME}_v = 100\sum_y \overline{\mu_y(1-\mu_y)}\,\beta_{yv}` (the factor is
    1 for WLS); standard error by the delta method with the joint covariance, holding
    the averages fixed. Stored with ``importance = |AME|`` for the peer weights
    (DOMAIN.md §5), ``ydelse = 'area'``.
    """
    p = len(names)
    rows = []
    for i, n in enumerate(names):
        if n not in asm.variables:
            continue
        grad = np.zeros(V.shape[0])
        for m, e in enumerate(ests):
            grad[m * p + i] = float(np.mean(e.mu * (1 - e.mu))) if e.model != "wls" else 1.0
        betas = np.concatenate([e.beta for e in ests])
        ame = 100 * float(grad @ betas)
        se = 100 * float(np.sqrt(grad @ V @ grad))
        rows.append({"ydelse": "area", "term": n, "estimate": ame, "se": se, "z": ame / se,
                     "p_value": 2 * stats.norm.sf(abs(ame / se)), "transform": "log" if n in asm.logged else "",
                     "importance": abs(ame)})
    out = pd.DataFrame(rows)
    out.insert(0, "fit_periods", ",".join(sorted(g["period"].unique())))
    return out


