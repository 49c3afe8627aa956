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

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.crossfit import (candidate_weights, choose, disagreement, fold_ids, leverage, out_of_fold,
                                           refit_fixed, scores, threshold_variance)
from benchlearn.benchmark.estimation import design, sampling_var
from benchlearn.benchmark.families import candidates, fit_family, resolve
from benchlearn.benchmark.modelcard import ModelCard
from benchlearn.benchmark.results import BenchmarkResults, finish_records
from benchlearn.benchmark.uncertainty import uncertainty_columns
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
    raw: pd.DataFrame  # ``data`` with the skewed variables untransformed (same rows)


def choose_variables(available: list[str], config: BenchmarkConfig) -> tuple[list[str], list[tuple[str, str]], list[str]]:
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
    variables, dropped, notes = choose_variables(available, config)
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
    raw = data.copy()
    for v in variables:
        if not data[v].std(ddof=0) > 0:
            dropped.append((v, "no variation between municipalities"))
            continue
        keep.append(v)
        if config.log_transform != "none" and data[v].min() > 0 and data[v].skew() > 1:
            data[v] = np.log(data[v])
            logged.append(v)
    sim = any(ds.is_simulated(t) for t in ("support", "population", "framework"))
    return _Assembled(data, excluded.reset_index(drop=True), tuple(keep), tuple(dropped), tuple(logged), tuple(notes), sim, raw)


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
    joint sandwich of the stacked models (:func:`combine`); ``multinomial`` and
    ``multinomial_shared`` fit the multivariate fractional logit of the ydelse shares
    (:mod:`benchlearn.benchmark.multinomial`); ``auto`` (default) takes the family with
    the smallest cross-validated RMSE by municipality, and with ``cross_fit`` each
    municipality's :math:`\\hat s_k` is that family's prediction from the fit without
    its fold (:mod:`benchlearn.benchmark.crossfit`). Then
    :math:`\\mathrm{diff\\_pp}_k = 100(s_k - \\hat s_k)` with
    :math:`\\mathrm{se}^2 = 10^4(v_k + J_k \\hat V J_k' - L_{kk} + \\kappa\\tau_k^2)`, κ =
    ``unmeasured_share`` (:func:`relative_level`: the common level is no uncertainty of the
    effect against the average jobcentre), plus ``var_model``: the candidates' weighted
    disagreement (the model choice; more where a municipality is extrapolated) and the step
    terms' threshold variance (docs/METHOD.md §3).
    """
    config = config or BenchmarkConfig()
    asm = _assemble(ds, config)
    data_log = asm.data
    fold = fold_ids(data_log, config)
    fams = candidates(data_log, config) if config.level == "auto" else (resolve(config.level, data_log, config),)
    # The transform of the skewed variables is a candidate like the family: with
    # log_transform="cv" every family is scored on the logged and on the raw variables
    # (docs/METHOD.md §2), because a design linear in the raw variable is misfitted by its
    # log exactly where the municipality is far out, and the reverse.
    variants = {("log" if asm.logged else "none"): data_log}
    raw_collinear = False
    if config.log_transform == "cv" and asm.logged and fold is not None:
        # shares that sum to a constant (age groups of 16–66) are exactly collinear raw and
        # not after the log: then the raw variables are no candidate (said on the card)
        raw_collinear = not _full_rank(asm.raw, asm.variables)
        if not raw_collinear:
            variants["none"] = asm.raw
    oofs, cv_rows = {}, []
    if fold is not None:
        for tr, d in variants.items():
            oofs[tr] = out_of_fold(d, asm.variables, config, fams, fold)
            cv_rows += [r | {"transform": tr} for r in scores(d, oofs[tr])]
    if config.level != "auto":
        chosen = fams[0]
        transform = choose(cv_rows)[1] if cv_rows else next(iter(variants))
    elif cv_rows:
        chosen, transform = choose(cv_rows)
    else:  # no cross-validation: the previous default
        chosen = "ydelse" if "ydelse" in fams else fams[0]
        transform = next(iter(variants))
    data = variants[transform]
    logged = asm.logged if transform == "log" else ()
    oof = oofs.get(transform)
    notes = list(asm.notes)
    if logged:
        notes.append(f"log-transformeret / log-transformed: {list(logged)}")
    elif asm.logged:
        notes.append(f"ikke log-transformeret (krydsvalidering) / not log-transformed (cross-validation): {list(asm.logged)}")
    if raw_collinear:
        notes.append("uden log er rammevilkårene lineært afhængige; kun log-varianten er krydsvalideret / "
                     "without the log the framework variables are collinear; only the logged variant was cross-validated")
    # area_step's folds select their own terms: its Jacobian comes from the full fit's design
    cross = bool(config.cross_fit and oof is not None and (oof["J"][chosen] is not None or chosen == "area_step"))
    pos = np.arange(len(data))
    groups = [pos] if config.pooled else [pos[(data["period"] == p).to_numpy()] for p in sorted(data["period"].unique())]
    recs, coefs, covs, fits = [], [], {}, []
    kappa = config.unmeasured_share
    weights = candidate_weights(cv_rows, data["kommunekode"].nunique()) if cv_rows else np.zeros(0)
    for rows in groups:
        g = data.iloc[rows].reset_index(drop=True)
        var_select = np.zeros(len(rows))
        var_threshold = np.zeros(len(rows))
        # the folds' own area_step searches on both transforms: the stability filter's votes
        per = tuple(sorted(g["period"].unique()))
        votes = [{j for j, _, _ in t} for o in oofs.values() for _f, t in o["selected"].get(per, [])]
        ff = fit_family(chosen, g, asm.variables, logged, config, votes)
        if ff.votes:
            shown = "; ".join(f"{nm} {100 * sh:.0f} % ({'beholdt/kept' if kept else 'fjernet/dropped'})"
                              for nm, sh, kept in ff.votes)
            when = f" {', '.join(per)}" if len(groups) > 1 else ""
            notes.append(f"trin/knæk{when}: andel af {len(votes)} foldsøgninger der også valgte variablen, grænse "
                         f"{100 * config.step_stability:.0f} % / step/hinge terms{when}: share of {len(votes)} fold searches "
                         f"that also chose the variable, bar {100 * config.step_stability:.0f} %: {shown}")
        coefs.append(ff.coefficients)
        fits.extend(ff.fits)
        N = g["persons"].to_numpy()
        if cross:
            # cross-fitting: the expected share of a municipality from the fit without its
            # fold; a fit on (K-1)/K of the municipalities has about K/(K-1) times the variance
            K = int(fold.max()) + 1
            mu, V = oof["pred"][chosen][rows], ff.V * K / (K - 1)
            if chosen == "area_step" and config.step_terms == "full":
                mu = refit_fixed(data, rows, asm.variables, config, fold, ff.terms)
                # the terms' own uncertainty: where the folds' own search (out of fold) lands
                # elsewhere than the full fit's terms, the squared difference is model variance
                var_select = (oof["pred"][chosen][rows] - mu) ** 2
                if ff.terms and config.step_threshold_var > 0:
                    # where else the folds put the thresholds (same transform): model variance
                    # of the municipalities next to a threshold (crossfit.threshold_variance)
                    var_threshold = threshold_variance(g, asm.variables, ff.terms, ff.step_beta,
                                                       [t for _f, t in oof["selected"].get(per, [])], mu)
            J = oof["J"][chosen][rows] if oof["J"][chosen] is not None else ff.jacobian(mu)
        else:
            mu, J, V = ff.mu, ff.J, ff.V
        v = sampling_var(mu, N, config.sampling)  # multinomial for a multi-ydelse area (METHOD.md §3)
        var_pred = np.einsum("ij,jk,ik->i", J, V, J)
        # leverage on the log scale of the skewed variables and on their published
        # (untransformed) scale, whichever transform the model uses: a municipality far out
        # on a skewed variable depends on the transform exactly where it is far out
        h = leverage(data_log.iloc[rows], asm.variables)
        h_raw = leverage(asm.raw.iloc[rows], asm.variables) if asm.logged else h
        h_mean = (len(asm.variables) + 1) / g["kommunekode"].nunique()
        # a result far from every other one: a misfit of its expected share is then as likely
        # as an extreme jobcentre, so it is treated as an extrapolation (docs/METHOD.md §3)
        # (each difference in units of its own spread, sampling and between-municipality, so a
        # small municipality's noisy result is not taken for an outlier)
        s_obs = g["actual"].to_numpy() / N
        outlying = robust_z((s_obs - mu) / np.sqrt(v + ff.tau2_k), g["period"].to_numpy()) > config.outlier_z \
            if config.outlier_z > 0 else np.zeros(len(g), dtype=bool)
        extrap = (np.maximum(h, h_raw) > config.extrapolation_leverage * h_mean) | outlying
        # extra model variance where the municipality lies outside the others' support: the
        # families' disagreement there (out of fold), at least the prediction variance again
        spread = np.zeros(len(g))
        var_choice = np.zeros(len(g))
        if oof is not None and len(fams) > 1 and config.extrapolation_spread == "max":
            spread = np.max([(oof["pred"][f][rows] - mu) ** 2 for f in fams], axis=0)
        elif oof is not None and len(cv_rows) > 1:
            # the candidates weighted by their cross-validated evidence (crossfit.candidate_weights):
            # a family that cross-validates far worse is no plausible model here either
            spread, others = disagreement(oofs, cv_rows, weights, rows, mu, (chosen, transform))
            var_choice = config.selection_var * others
        var_model = (np.where(extrap, np.maximum(spread, var_pred), 0.0) + config.step_select_var * var_select
                     + config.step_threshold_var * var_threshold + var_choice)
        base = g[["kommunekode", "period", "actual", "persons"]].copy()
        base["actual_share"] = s_obs
        base["expected_share"] = mu
        base["expected"] = mu * N
        base["var_sampling"] = v
        base["var_pred"] = var_pred
        base["var_model"] = var_model
        base["leverage"] = h
        base["leverage_raw"] = h_raw
        base["leverage_ratio"] = np.maximum(h, h_raw) / h_mean
        base["extrapolated"] = extrap
        base["outlying"] = outlying
        base["family"] = chosen
        base["cross_fitted"] = cross
        base["_row"] = np.arange(len(g))
        for p, b in base.groupby("period", sort=True):
            idx = b["_row"].to_numpy()
            tau2_k = ff.tau2_k[idx]
            diag = v[idx] + kappa * tau2_k + var_model[idx]
            pred_cov = J[idx] @ V @ J[idx].T
            # only for cross-fitted shares: an in-sample share also absorbs part of the
            # municipality's own effect, and there the correction under-covered (tests/test_benchmark.py)
            if config.relative_level and cross:
                pred_cov = relative_level(pred_cov, tau2_k, ff.level[idx], diag)
            sigma = 1e4 * (np.diag(diag) + pred_cov)
            covs[p] = sigma
            b = b.assign(var_unmeasured=kappa * tau2_k, var_pred=np.diag(pred_cov))
            recs.append(uncertainty_columns(b.drop(columns="_row"), sigma, 1e4 * (1 - kappa) * tau2_k, config))
    records = finish_records(pd.concat(recs, ignore_index=True), config, asm.simulated)
    if records["outlying"].any():
        far = {p: sorted(int(k) for k in g.loc[g["outlying"], "kommunekode"]) for p, g in records.groupby("period")}
        notes.append(f"resultat mere end {config.outlier_z:g} robuste sd fra medianen, behandlet som ekstrapoleret / "
                     f"result more than {config.outlier_z:g} robust sd from the median, treated as extrapolated: "
                     + "; ".join(f"{p}: {ks}" for p, ks in far.items() if ks))
    coefficients = pd.concat(coefs, ignore_index=True)
    cv = _cv_summary(cv_rows, weights, chosen, transform, fold, cross, config)
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
        notes=tuple(notes),
        simulated=asm.simulated,
        source="model",
        family=chosen,
    )
    return BenchmarkResults(config, records, coefficients, asm.excluded, card, covs)


def relative_level(pred_cov: np.ndarray, tau2_k: np.ndarray, level: np.ndarray, diag: np.ndarray) -> np.ndarray:
    r"""The prediction covariance of one period without the uncertainty of the common level.

    Notes
    -----
    With effects :math:`\delta_k` of variance :math:`\tau^2_k` (share scale) and the period's
    intercept(s) in the model, the fitted level absorbs their common part, and the sandwich
    counts it as uncertainty of every :math:`\hat s_k`. A common shift :math:`\Delta` of
    every linear predictor moves the shares along :math:`d` (``level``: the family's
    :math:`d\mu_k/d\eta`, summed over the ydelser; :math:`S_k(1-S_k)` for the multinomial
    logit), and the effects carry information :math:`\sum_k d_k^2/\tau^2_k` about it, so
    the part is :math:`L = c\,dd'` with :math:`c = 1/\sum_k (d_k^2/\tau^2_k)` —
    :math:`\tau^2 11'/n` for a linear model with equal τ², where
    :math:`\hat\alpha - \alpha = \bar\delta + \bar e` exactly. The estimand is the effect
    against the period's *average* jobcentre (docs/METHOD.md §1), whose level is that
    common part, so it is taken out: :math:`J V J' - L`. A cross-fitted share (a fit on
    :math:`(K-1)/K` of the municipalities, ``V`` scaled by :math:`K/(K-1)`) keeps
    :math:`L/(K-1)` of it — the fold's level against the average of all.

    The sandwich's own variance along :math:`d` can be smaller than :math:`c` (measured on
    design (d) of docs/METHOD.md §6, seed 1: 0.55–0.62 c), so :math:`c` is capped at
    :math:`1/d'(D + JVJ')^{-1}d`, ``D = diag(diag)``, the largest rank-one part along
    :math:`d` that leaves the covariance positive semi-definite (rank draws stay valid and
    ``se² = v + κτ² + var_model + var_pred`` still holds).
    """
    d = np.asarray(level, dtype="float64")
    tau2 = np.asarray(tau2_k, dtype="float64")
    if not (np.all(tau2 > 0) and np.all(np.isfinite(d)) and np.any(d != 0)):
        return pred_cov  # no between-municipality variance: no level to take out
    c = 1.0 / float(np.sum(d ** 2 / tau2))
    full = np.diag(diag) + (pred_cov + pred_cov.T) / 2
    q = float(d @ np.linalg.pinv(full, hermitian=True) @ d)  # pinv: D is 0 with sampling='none'
    c = min(c, 1.0 / q) if q > 0 else 0.0
    return pred_cov - c * np.outer(d, d)


def robust_z(r: np.ndarray, period: np.ndarray) -> np.ndarray:
    """|r − median| / (1.4826·MAD) within each period (the MAD scaled to the sd of a normal)."""
    z = np.zeros(len(r))
    for p in np.unique(period):
        m = period == p
        med = np.median(r[m])
        mad = 1.4826 * np.median(np.abs(r[m] - med))
        z[m] = np.abs(r[m] - med) / mad if mad > 0 else 0.0
    return z


def _full_rank(data: pd.DataFrame, variables) -> bool:
    """Whether the design the fit would use on ``data`` (:func:`design`) has full column rank."""
    X = design(data, tuple(variables))[0]
    return bool(np.linalg.matrix_rank(X) == X.shape[1])


def _cv_summary(cv_rows: list[dict], weights, chosen: str, transform: str, fold, cross: bool, config) -> dict:
    """The card's cross-validation block: every candidate's score and the chosen family."""
    if not cv_rows:
        da, en = (" falder tilbage til ydelse", " falls back to ydelse") if config.level == "auto" else ("", "")
        return {"folds": 0, "chosen": chosen, "transform": transform, "cross_fit": False, "candidates": [],
                "rule": f"ingen krydsvalidering (cv_folds < 2): level{da} / no cross-validation (cv_folds < 2): level{en}"}
    best = next(r for r in cv_rows if r["family"] == chosen and r["transform"] == transform)
    return {
        "folds": int(fold.max()) + 1,
        "rmse_pp": best["rmse_pp"],
        "null_rmse_pp": best["null_rmse_pp"],
        "r2_oos": best["r2_oos"],
        "mae_pp": best["mae_pp"],
        # each candidate's pseudo-BMA weight: what the extrapolation and model-choice variances use
        "candidates": [r | {"weight": float(w)} for r, w in zip(cv_rows, weights)],
        "chosen": chosen,
        "transform": transform,
        # stored in both languages ("dansk / English", report.wording.one_language)
        "rule": "mindste RMSE af områdets andel uden for folden, efter kommune / smallest out-of-fold RMSE of the "
                "area share by municipality" if config.level == "auto"
        else f"fastlagt af level='{config.level}' / fixed by level='{config.level}'",
        "cross_fit": cross,
    }
