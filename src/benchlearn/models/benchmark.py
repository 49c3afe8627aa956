"""The rammevilkår benchmark: expected vs actual full-time persons on public support.

Municipality-level model (DOMAIN.md §3): the share ``s = O/N`` on an area's (or a
målgruppe's) ydelser is modelled on standardized framework variables with period
effects and no municipality effects; the residual is the result. Weights follow a
random-effects meta-regression: ``1/(τ² + v_k)`` with ``v_k`` the sampling variance of
``s_k`` and ``τ²`` the between-municipality variance, re-estimated after each fit until
it settles. Uncertainty, funnel limits, shrinkage and rank intervals come from
:mod:`benchlearn.models.uncertainty` and :mod:`benchlearn.models.ranks`.

The estimation itself lives in :mod:`benchlearn.models.estimation`; records from a
published ``benchmark`` table or the cell model in :mod:`benchlearn.models.published`
(both re-exported here).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from benchlearn import reference
from benchlearn.dataset import Dataset
from benchlearn.errors import ConfigError, ModelError
from benchlearn.models.estimation import (  # noqa: F401  (re-exported: the API before the split)
    Estimate,
    ModelKind,
    _expit,
    _meat,
    _sampling_var,
    combine,
    design,
    estimate,
)
from benchlearn.models.modelcard import ModelCard, cross_validate
from benchlearn.models.published import (  # noqa: F401  (re-exported: the API before the split)
    CELL_COVARIATES,
    _records_from_expected,
    from_benchmark_table,
    from_cells,
)
from benchlearn.models.uncertainty import paule_mandel_tau2, uncertainty_columns

FunnelMethod = Literal["additive", "multiplicative"]

#: Framework variables that are partly outcomes of the jobcentre's own work, or efforts
#: of the jobcentre itself, and so are never used by default (DOMAIN.md §3). Matched as
#: regular expressions against the variable name (case-insensitive). A user who names
#: such a variable explicitly gets it, and the model card says so.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    # The municipality's own unemployment (ledighed, unemployment_pct, arbejdsløshed) is
    # partly an outcome of the jobcentre's work. The commuting area's labour market is on
    # BM's list of framework conditions, so names with 'pendling'/'commut' are kept.
    r"^(?!.*(pendling|commut)).*(ledig|unemploy|arbejdsl)",
    r"beskaeftigelsesfrekvens|employment_rate",
    r"samtale|tilbud|udgift|omkostning|cost|aktiver",  # the jobcentre's own efforts
    r"stoej|noise",  # the simulator's published noise variables
)


@dataclass(frozen=True)
class BenchmarkConfig:
    """Everything that defines one benchmark run.

    Parameters
    ----------
    area : str
        Benchmark area (``reference.area_codes()``); ignored when ``maalgruppe`` is set.
    maalgruppe : str, optional
        One of the five målgrupper; the target is then its ydelser.
    variables : tuple of str, optional
        Framework variables; ``None`` = every variable in ``framework`` except those
        matching ``exclude`` (documented default).
    exclude : tuple of str
        Regular expressions for variables left out of the default set.
    model : {"fraclogit", "elogit", "wls"}
        Fractional-logit GLM (binomial family, logit link); ``elogit``, a linear
        random-effects meta-regression of the empirical logit (effects additive on the
        logit scale, so the expected share is the share *without* the effect rather
        than the average over effects); or linear WLS on the share.
    level : {"ydelse", "area"}
        ``ydelse`` fits one model per ydelse of the area and sums the expected shares
        (the ydelser have different determinants, so a sum of logits is not a logit);
        ``area`` fits one model to the area's share.
    periods : tuple of str, optional
        Periods to fit; ``None`` = every period with support and population data.
    pooled : bool
        One model over all periods with period effects and standard errors clustered
        by municipality (``True``), or one model per period.
    sampling : {"binomial", "none"}
        Sampling variance of the share: ``s(1-s)/N`` (an upper bound for full-time
        persons, who are averages of person-weeks) or none.
    unmeasured_share : float
        Share κ of the between-municipality variance τ² attributed to conditions
        that are not among the framework variables rather than to the jobcentre
        [unknown; default 0.05]. The model cannot tell the two apart, so κ·τ² is added
        to the variance of each result and shrinkage uses (1-κ)·τ². 0 gives the purely
        statistical interval.
    coverage : float
        Level of the confidence intervals and rank intervals.
    funnel_method : {"additive", "multiplicative"}
        Over-dispersion adjustment of the adjusted funnel limits.
    funnel_winsor : float
        Winsorized fraction in each tail of the z-scores before estimating φ and τ².
    rank_draws, top_k, seed
        Parametric bootstrap draws, the "top" in P(top k), the random seed.
    log_transform : {"auto", "none"}
        ``auto`` takes the logarithm of strictly positive variables with skewness
        above 1 (population density, shares of immigrants, ...) before standardizing,
        so a few extreme municipalities do not drive a linear term.
    cost_per_person_dkk : float
        Annual public cost per full-time person for the potentiale in kroner (the
        2018 list implies about 74,000 kr: 16.3 mio. kr / 220 persons).
    cv_folds : int
        Folds of the cross-validation by municipality on the model card.
    min_cell_coverage : float
        Cell model only (:func:`from_cells`): a municipality whose published cells —
        what is left after the fewer-than-5-persons rule — cover less than this share
        of its residents (``population``) is excluded with the reason, because its
        actual and expected numbers would describe only part of it [choice; 0.9].
    """

    area: str = "total"
    maalgruppe: str | None = None
    variables: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    model: ModelKind = "fraclogit"
    level: Literal["ydelse", "area"] = "ydelse"
    periods: tuple[str, ...] | None = None
    pooled: bool = True
    sampling: Literal["binomial", "none"] = "binomial"
    unmeasured_share: float = 0.05
    coverage: float = 0.95
    funnel_method: FunnelMethod = "additive"
    funnel_winsor: float = 0.1
    rank_draws: int = 1000
    top_k: int = 10
    seed: int = 20240101
    log_transform: Literal["auto", "none"] = "auto"
    cost_per_person_dkk: float = 74_000.0
    cv_folds: int = 10
    max_iter: int = 100
    min_cell_coverage: float = 0.9

    def __post_init__(self) -> None:
        if self.maalgruppe is None and self.area not in reference.area_codes():
            raise ConfigError(
                f"Ukendt benchmarkområde '{self.area}'; mulige: {', '.join(reference.area_codes())}.",
                f"Unknown benchmark area '{self.area}'; choose from {', '.join(reference.area_codes())}.",
            )
        if self.maalgruppe is not None and self.maalgruppe not in reference.maalgruppe_codes():
            raise ConfigError(
                f"Ukendt målgruppe '{self.maalgruppe}'; mulige: {', '.join(reference.maalgruppe_codes())}.",
                f"Unknown target group '{self.maalgruppe}'; choose from {', '.join(reference.maalgruppe_codes())}.",
            )
        if self.model not in ("fraclogit", "wls", "elogit"):
            raise ConfigError(
                f"Ukendt model '{self.model}' (fraclogit, elogit eller wls).",
                f"Unknown model '{self.model}' (fraclogit, elogit or wls).",
            )
        if not 0.5 < self.coverage < 1:
            raise ConfigError("coverage skal ligge mellem 0,5 og 1.", "coverage must lie between 0.5 and 1.")
        if not 0 <= self.unmeasured_share < 1:
            raise ConfigError("unmeasured_share skal ligge i [0, 1).", "unmeasured_share must lie in [0, 1).")
        if not 0 <= self.min_cell_coverage <= 1:
            raise ConfigError("min_cell_coverage skal ligge i [0, 1].", "min_cell_coverage must lie in [0, 1].")
        if self.cost_per_person_dkk < 0:
            raise ConfigError("Prisen pr. fuldtidsperson kan ikke være negativ.", "The cost per full-time person cannot be negative.")

    @property
    def target(self) -> str:
        """The area or målgruppe code the run is about (the ``area`` field of records)."""
        return self.maalgruppe if self.maalgruppe is not None else self.area

    @property
    def ydelser(self) -> tuple[str, ...]:
        if self.maalgruppe is not None:
            return reference.maalgruppe_ydelser(self.maalgruppe)
        return reference.area_ydelser(self.area)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

    @property
    def hash(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def _names() -> dict[int, str]:
    m = reference.municipalities()
    return dict(zip(m["kommunekode"].tolist(), m["navn"].tolist()))


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
        raise ConfigError(
            f"Perioden {unknown} findes ikke i tabellen 'support' (findes: {ds.periods('support')}).",
            f"Period {unknown} is not in table 'support' (available: {ds.periods('support')}).",
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
        navn=lambda x: x["kommunekode"].map(_names()), reason_da=reasons_da[bad], reason_en=reasons_en[bad]
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
        pred += eta if config.model == "wls" else _expit(eta)
    return pred


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkResults:
    """Immutable results of one benchmark run.

    Use :meth:`to_frame` for the records (one per municipality and period), :attr:`card`
    for the model card, :meth:`conf_int` for intervals and :attr:`covariance` for the
    covariance matrix of diff_pp per period (used for the rank intervals).
    """

    config: BenchmarkConfig
    records: pd.DataFrame
    coefficients: pd.DataFrame
    excluded: pd.DataFrame
    card: ModelCard
    covariance: dict = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The DATA.md benchmark records plus the extra columns (see docs/METHOD.md)."""
        return self.records.copy()

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Normal intervals for diff_pp at ``level`` (default: the run's coverage)."""
        level = self.config.coverage if level is None else level
        z = stats.norm.ppf(0.5 + level / 2)
        r = self.records
        return pd.DataFrame(
            {
                "kommunekode": r["kommunekode"],
                "period": r["period"],
                "diff_pp": r["diff_pp"],
                "ci_low_pp": r["diff_pp"] - z * r["se_pp"],
                "ci_high_pp": r["diff_pp"] + z * r["se_pp"],
            }
        )

    @cached_property
    def periods(self) -> tuple[str, ...]:
        return tuple(sorted(self.records["period"].unique()))

    def for_period(self, period: str) -> pd.DataFrame:
        return self.records[self.records["period"] == period].reset_index(drop=True)


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
        v = np.sum([e.v for e in ests], axis=0)
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
    records = _finish_records(pd.concat(recs, ignore_index=True), asm, config)
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


def _finish_records(r: pd.DataFrame, asm: _Assembled, config: BenchmarkConfig) -> pd.DataFrame:
    r = r.copy()
    r.insert(1, "navn", r["kommunekode"].map(_names()))
    r["area"] = config.target
    r["potentiale_persons"] = np.maximum(r["diff_persons"], 0.0)
    r["potentiale_dkk"] = r["potentiale_persons"] * config.cost_per_person_dkk
    r["simulated"] = asm.simulated
    r = stability_columns(r)
    lead = [
        "kommunekode", "navn", "period", "area", "actual", "expected", "diff_persons", "actual_share",
        "expected_share", "diff_pp", "se_pp", "ci_low_pp", "ci_high_pp", "shrunk_diff_pp", "rank",
        "rank_ci_low", "rank_ci_high", "tier",
    ]
    rest = [c for c in r.columns if c not in lead]
    return r[lead + rest].sort_values(["period", "kommunekode"]).reset_index(drop=True)


def stability_columns(r: pd.DataFrame) -> pd.DataFrame:
    """Add ``prev_diff_pp``, ``sign_flip`` and ``stability`` (period correlation).

    Notes
    -----
    ``stability`` for period t is the Pearson correlation of diff_pp between t and
    the period before it over municipalities present in both; ``sign_flip`` is true when
    a municipality's diff_pp changes sign from the period before.
    """
    from benchlearn.periods import previous

    r = r.copy()
    prev_map = {p: previous(p) for p in r["period"].unique()}
    prev = r[["kommunekode", "period", "diff_pp"]].rename(columns={"diff_pp": "prev_diff_pp", "period": "_prev"})
    r["_prev"] = r["period"].map(prev_map)
    r = r.merge(prev, how="left", on=["kommunekode", "_prev"])
    r["sign_flip"] = pd.array(np.where(r["prev_diff_pp"].isna(), pd.NA, np.sign(r["prev_diff_pp"]) != np.sign(r["diff_pp"])), dtype="boolean")
    corr = {}
    for p, g in r.groupby("period"):
        ok = g["prev_diff_pp"].notna()
        corr[p] = float(np.corrcoef(g.loc[ok, "diff_pp"], g.loc[ok, "prev_diff_pp"])[0, 1]) if ok.sum() > 2 else np.nan
    r["stability"] = r["period"].map(corr).astype("float64")
    return r.drop(columns="_prev")
