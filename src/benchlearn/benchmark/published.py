"""Benchmark records from expected values computed elsewhere: a published ``benchmark``
table or the person-level cell model (table ``cells``).

Same record shape as :func:`benchlearn.benchmark.model.fit`, with the uncertainty the
inputs allow (sampling variance, τ² by DerSimonian–Laird, an approximate prediction
variance). Built on :mod:`benchlearn.benchmark.results`; never imports the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from benchlearn.benchmark.cellglm import fit_cells
from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.estimation import sampling_var
from benchlearn.benchmark.modelcard import ModelCard
from benchlearn.benchmark.results import BenchmarkResults, finish_records
from benchlearn.benchmark.uncertainty import dersimonian_laird, uncertainty_columns
from benchlearn.core import reference
from benchlearn.core.errors import ModelError

if TYPE_CHECKING:
    from benchlearn.benchmark.cellglm import CellGLMResults
    from benchlearn.data.dataset import Dataset


#: Columns of a published table carried into the records unchanged (shown beside ours).
PUBLISHED_COLUMNS: tuple[str, ...] = ("published_rank", "published_diff_pp")


def rounding_unit(d: pd.DataFrame) -> float:
    """The unit the published counts were rounded to: 10 when every actual and expected
    count is a multiple of 10 (Jobindsats y30r21), else 0 (not rounded).

    98 unrounded counts are all multiples of 10 by chance with probability 10⁻¹⁹⁶.
    """
    vals = pd.concat([d["actual"], d["expected"]]).to_numpy(dtype="float64")
    ok = np.isfinite(vals)
    if not ok.any() or (vals[ok] == 0).all():
        return 0.0
    return 10.0 if bool(np.all(np.mod(vals[ok], 10.0) == 0.0)) else 0.0


def rounding_var(N: np.ndarray, unit: float) -> np.ndarray:
    r"""Variance of the result (share scale) from rounding actual and expected to ``unit``.

    Each rounding error is uniform on :math:`[-u/2, u/2]`, variance :math:`u^2/12`, and the
    two are independent: :math:`\mathrm{Var}((A-E)/N) = 2 (u^2/12) / N^2`.
    """
    return np.full(len(N), 0.0) if unit <= 0 else 2.0 * (unit * unit / 12.0) / np.asarray(N, dtype="float64") ** 2


def _records_from_expected(d: pd.DataFrame, config: BenchmarkConfig, var_pred_fn,
                           rounding: float = 0.0) -> tuple[list, dict, list]:
    """Uncertainty columns from given actual/expected/persons per period (no model of ours).

    ``var_pred_fn(g, tau2, v)`` gives the prediction variance of ŝ (share scale) per row;
    ``rounding`` is the unit the counts were rounded to (its variance, :func:`rounding_var`,
    is part of the within-municipality variance, so τ² does not absorb it).
    """
    recs, covs, fits = [], {}, []
    for p, g in d.groupby("period", sort=True):
        g = g.reset_index(drop=True)
        N = g["persons"].to_numpy()
        s = g["actual"].to_numpy() / N
        mu = g["expected"].to_numpy() / N
        v = sampling_var(mu, N, config.sampling)
        v_round = rounding_var(N, rounding)
        tau2 = dersimonian_laird(s - mu, np.where(v + v_round > 0, v + v_round, 1e-12))
        var_pred = np.asarray(var_pred_fn(g, tau2, v), dtype="float64") * np.ones(len(g))
        kappa = config.unmeasured_share
        sigma = 1e4 * np.diag(v + v_round + var_pred + kappa * tau2)
        b = g[["kommunekode", "period", "actual", "persons"]].copy()
        b["actual_share"], b["expected_share"], b["expected"] = s, mu, g["expected"].to_numpy()
        b["var_sampling"], b["var_pred"], b["var_unmeasured"] = v, var_pred, kappa * tau2
        b["var_rounding"] = v_round
        for c in PUBLISHED_COLUMNS:
            if c in g.columns:
                b[c] = g[c].to_numpy()
        covs[p] = sigma
        recs.append(uncertainty_columns(b, sigma, 1e4 * (1 - kappa) * tau2, config))
        fits.append({"period": p, "n": len(g), "tau2_share": tau2, "tau_pp": 100 * np.sqrt(tau2),
                     "mean_se_pp": float(np.sqrt(np.diagonal(sigma)).mean())})
    return recs, covs, fits


def _rows_for(table: pd.DataFrame, name: str, config: BenchmarkConfig) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The rows of a published table (``benchmark``, ``cells``) for the run's area and
    periods (default: all periods in it); ``ModelError`` when there are none."""
    rows = table[table["area"] == config.target] if "area" in table.columns else table
    periods = config.periods or tuple(sorted(rows["period"].unique()))
    rows = rows[rows["period"].isin(periods)]
    if rows.empty:
        from benchlearn.core.periods import shown_periods

        shown_da, shown_en = shown_periods(periods)
        raise ModelError(
            f"Tabellen '{name}' har ingen rækker for område '{config.target}' og perioderne {shown_da}.",
            f"Table '{name}' has no rows for area '{config.target}' and periods {shown_en}.",
        )
    return rows, periods


def with_provenance(records: pd.DataFrame, ds: Dataset, table: str, simulated: bool) -> pd.DataFrame:
    """Every record says where its numbers come from: ``source`` (the input table's
    provenance) and ``provenance`` — real/simulated for actual, expected and the published
    columns; the denominator and benchlearn's intervals and ranks are derived from them."""
    prov = ds.provenance_of(table)
    whole = prov[prov["part"].isna()] if len(prov) else prov
    src = "; ".join(str(s) for s in whole["source"].dropna().unique()) if len(whole) else ""
    out = records.copy()
    out["source"] = src or table
    derived_persons = len(prov) > 0 and "kind" in prov.columns and bool((prov["kind"] == "derived").any())
    mark = "simulated" if simulated else "real"
    out["provenance"] = (f"{mark}: actual, expected, published; derived: "
                         + ("persons, " if derived_persons else "") + "shares, intervals, ranks")
    return out


def with_denominator(table: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """A copy of benchmark rows whose ``persons`` (the denominator) is filled from the
    ``population`` table where the rows do not give it (NaN when neither does)."""
    d = table.copy()
    if "persons" not in d.columns:
        d["persons"] = np.nan
    if ds.has("population"):
        pop = ds.table("population").rename(columns={"persons": "_pop"})[["kommunekode", "period", "_pop"]]
        d = d.merge(pop, how="left", on=["kommunekode", "period"])
        d["persons"] = d["persons"].fillna(d["_pop"])
        d = d.drop(columns="_pop")
    return d


def from_benchmark_table(
    ds: Dataset, config: BenchmarkConfig | None = None, *, published_model_params: int = 10
) -> BenchmarkResults:
    """Records in the same shape from an already computed benchmark (table ``benchmark``).

    Parameters
    ----------
    ds : Dataset
        Needs ``benchmark`` (kommunekode, period, area, actual, expected, persons?);
        the denominator comes from ``persons`` or else the ``population`` table.
    config : BenchmarkConfig
        ``target`` picks the rows' ``area``; ``periods`` the periods (default all).
    published_model_params : int
        Number of parameters assumed for the published model, for the approximate
        prediction variance (the published lists do not give it) [unknown].

    Notes
    -----
    Only what the published numbers allow: the sampling variance
    :math:`v_k = \\hat s_k(1-\\hat s_k)/N_k`, the rounding variance
    :math:`2(u^2/12)/N_k^2` when the counts are rounded to :math:`u` (10 in y30r21;
    :func:`rounding_unit`), τ² by DerSimonian–Laird on
    :math:`s_k - \\hat s_k`, and the prediction variance of :math:`\\hat s_k`
    approximated by the average leverage, :math:`(p/n)(\\tau^2 + v_k)`, since the
    model's covariance is not published. Covariances between municipalities are
    unknown and taken as zero.
    """
    config = config or BenchmarkConfig()
    bt, periods = _rows_for(ds.require("benchmark", "at læse et færdigt benchmark", "reading a published benchmark"),
                            "benchmark", config)
    d = with_denominator(bt, ds)
    bad = d["persons"].isna() | (d["persons"] <= 0) | (d["expected"] <= 0)
    excluded = d.loc[bad, ["kommunekode", "period"]].assign(
        navn=lambda x: x["kommunekode"].map(reference.names()),
        reason_da="mangler nævner (persons/population) eller forventet værdi",
        reason_en="no denominator (persons/population) or expected value",
    )
    missing = sorted(reference.kommunekoder() - set(d["kommunekode"]))
    if missing:
        extra = pd.DataFrame(
            [(k, p) for k in missing for p in periods], columns=["kommunekode", "period"]
        ).assign(navn=lambda x: x["kommunekode"].map(reference.names()), reason_da="ikke i tabellen 'benchmark'",
                 reason_en="not in table 'benchmark'")
        excluded = pd.concat([excluded, extra], ignore_index=True)
    d = d.loc[~bad].reset_index(drop=True)
    if d["kommunekode"].nunique() < 3:
        raise ModelError(
            "For få kommuner med nævner i tabellen 'benchmark' (tilføj 'persons' eller tabellen 'population').",
            "Too few municipalities with a denominator in 'benchmark' (add 'persons' or table 'population').",
        )
    with_se = "se_expected" in d.columns and bool(d["se_expected"].notna().all())
    if with_se:  # the publishing model's own standard error of E (persons aggregate writes it)
        def var_pred(g, tau2, v):  # noqa: ANN001, ANN202
            return (g["se_expected"].to_numpy(dtype="float64") / g["persons"].to_numpy(dtype="float64")) ** 2
        pred_note = ("Standardfejl = stikprøvevarians + modellens prædiktionsvarians (kolonnen se_expected) / "
                     "se = sampling variance + the model's prediction variance (column se_expected).")
    else:
        def var_pred(g, tau2, v):  # noqa: ANN001, ANN202
            return min(published_model_params / len(g), 1.0) * (tau2 + v)
        pred_note = (f"Standardfejl = stikprøvevarians + tilnærmet prædiktionsvarians (p={published_model_params} antaget) / "
                     f"se = sampling variance + approximate prediction variance (p={published_model_params} assumed).")
    unit = rounding_unit(d)
    recs, covs, fits = _records_from_expected(d, config, var_pred, rounding=unit)
    sim = ds.is_simulated("benchmark")
    records = finish_records(pd.concat(recs, ignore_index=True), config, sim)
    records = with_provenance(records, ds, "benchmark", sim)
    notes = (
        ("Kilde: færdigt benchmark (tabellen 'benchmark'); modellens koefficienter og kovarians er ikke offentliggjort. / "
         "Source: published benchmark; the model's coefficients and covariance are not published."),
        pred_note,
        ("τ² ved DerSimonian–Laird på s - ŝ; kovarianser mellem kommuner sat til 0. / "
         "τ² by DerSimonian–Laird on s - ŝ; covariances between municipalities set to 0."),
        *((f"Faktisk og forventet antal er afrundet til {unit:.0f}: afrundingens varians 2·{unit:.0f}²/12/N² er lagt "
           f"til (kolonnen var_rounding). / Actual and expected counts are rounded to {unit:.0f}: the rounding "
           f"variance 2·{unit:.0f}²/12/N² is added (column var_rounding).",) if unit > 0 else ()),
    )
    card = ModelCard.build(
        config=config, dataset_hash=ds.content_hash, variables=(), dropped_variables=(),
        coefficients=pd.DataFrame(columns=["term", "estimate", "se"]), fits=fits, records=records,
        excluded=excluded.reset_index(drop=True), cv={"folds": 0}, notes=notes, simulated=sim,
        source="benchmark_table",
    )
    return BenchmarkResults(config, records, card.coefficients, card.excluded, card, covs)


CELL_COVARIATES: tuple[str, ...] = ("age_group", "sex", "education", "origin")


def _fit_cell_model(cells: pd.DataFrame, covariates: tuple[str, ...]) -> tuple[CellGLMResults, list[str], pd.DataFrame]:
    """The cell GLM on the covariates that vary (and period when several), and its
    municipality totals: ``(fit, covariates used, totals)``; totals have kommunekode,
    period, actual, expected, persons (the cells' exposure), se_expected."""
    covs = [c for c in covariates if c in cells.columns and cells[c].nunique() > 1]
    if cells["period"].nunique() > 1:
        covs.append("period")
    res = fit_cells(cells, covs, exposure="exposure" if "exposure" in cells.columns else None,
                    expected_outcome="outcome" if "outcome" in cells.columns else None)
    totals = res.expected_by_municipality(("kommunekode", "period")).rename(columns={"exposure": "persons"})
    return res, covs, totals


def cell_model_totals(cells: pd.DataFrame, covariates: tuple[str, ...] = CELL_COVARIATES) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Municipality totals of the cell model, fitted on *all* cells of each area.

    Meant for the person pipeline, which holds the cells before the fewer-than-5 rule:
    fitted there, the model sees every resident, and only municipality totals — which
    rest on all of a municipality's residents — need to be published (as the
    ``benchmark`` table, with the model's standard error of E in ``se_expected``).

    Returns ``(table, notes)``; the table has kommunekode, period, area, actual,
    expected, persons (full-year residents), se_expected. An area whose model cannot be
    fitted (no variation, too few cells) is left out and named in the notes.

    Notes
    -----
    Per area, :func:`benchlearn.benchmark.cellglm.fit_cells` on the covariates that vary
    (and period when several): ``E_k = Σ_c ŝ_c·exposure_c``, ``O_k = Σ_c outcome_c``.
    With an intercept and the canonical link, Σ_k E_k = Σ_k O_k over the cells fitted.

    The covariates do not include the municipality, so the binomial likelihood depends
    on the cells only through the totals per covariate pattern (Σ outcome_weeks, Σ
    exposure_weeks): the GLM is fitted on those patterns (≤ 252 rows instead of ≈ 18,000
    at national scale) and gives the same estimate and covariance; ``ŝ`` is then
    attached to every cell and ``Var(E_k) = g_k' V g_k`` with
    ``g_k = Σ_c exposure_c ŝ_c (1 - ŝ_c) x_c`` summed per municipality in one pass.
    The cells are sorted on their keys first, so the sums (and the bytes written) do not
    depend on the order the engine returned them in.
    """
    from benchlearn.benchmark.cellglm import fit_cells

    keys = [c for c in ("kommunekode", "period", *covariates) if c in cells.columns]
    frames, notes = [], []
    for area, g in cells.groupby("area", sort=True):
        g = g.sort_values(keys, kind="stable").reset_index(drop=True)
        covs = [c for c in covariates if c in g.columns and g[c].nunique() > 1]
        if g["period"].nunique() > 1:
            covs.append("period")
        g = g.loc[g["exposure_weeks"].astype("float64") > 0].reset_index(drop=True)
        sums = [c for c in ("outcome_weeks", "exposure_weeks") if c in g.columns]
        try:
            if not covs:
                raise ModelError("Ingen forklarende variabel varierer.", "No covariate varies.")
            pat_of = g.groupby(covs, sort=True, observed=True).ngroup().to_numpy()
            patterns = g.groupby(covs, sort=True, observed=True, as_index=False)[sums].sum()
            res = fit_cells(patterns, covs)
        except ModelError as exc:
            notes.append(f"cellemodel ikke tilpasset for {area}: {exc.da} / "
                         f"cell model not fitted for {area}: {exc.en}")
            continue
        s = res.cells["s_hat"].to_numpy()[pat_of]
        x = res.design[pat_of]
        n = g["exposure"].astype("float64").to_numpy() if "exposure" in g.columns else g["exposure_weeks"].to_numpy(float)
        o = g["outcome"].astype("float64").to_numpy() if "outcome" in g.columns else g["outcome_weeks"].to_numpy(float)
        grp = g.groupby(["kommunekode", "period"], sort=True)
        gid = grp.ngroup().to_numpy()
        k = int(gid.max()) + 1
        G = np.zeros((k, x.shape[1]))
        np.add.at(G, gid, (n * s * (1.0 - s))[:, None] * x)
        V = res.cov.to_numpy()
        totals = grp.size().reset_index()[["kommunekode", "period"]]
        totals["actual"] = np.bincount(gid, weights=o, minlength=k)
        totals["expected"] = np.bincount(gid, weights=s * n, minlength=k)
        totals["persons"] = np.bincount(gid, weights=n, minlength=k)
        totals["se_expected"] = np.sqrt(np.einsum("ij,jk,ik->i", G, V, G))
        frames.append(totals.assign(area=str(area)))
    cols = ["kommunekode", "period", "area", "actual", "expected", "persons", "se_expected"]
    table = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    return table, tuple(notes)


def _cell_coverage(d: pd.DataFrame, ds: Dataset, config: BenchmarkConfig, has_exposure: bool
                   ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """Split municipalities by how much of their population the published cells cover.

    Published cells are what is left after the fewer-than-5-persons rule, so in a small
    population most cells are gone and a municipality's "actual" would count only the
    residents of its remaining cells. Coverage = Σ cell ``exposure`` / ``population.persons``
    (both full-year residents). Returns the kept rows, the excluded ones (with reasons)
    and a model-card note; without ``population`` or ``exposure`` nothing is checked.
    """
    empty = pd.DataFrame(columns=["kommunekode", "period", "reason_da", "reason_en"])
    if not has_exposure or not ds.has("population"):
        return d, empty, ()
    pop = ds.table("population")[["kommunekode", "period", "persons"]].rename(columns={"persons": "_residents"})
    m = d.merge(pop, on=["kommunekode", "period"], how="left")
    share = (m["persons"] / m["_residents"]).to_numpy()
    thin_mask = share < config.min_cell_coverage  # NaN (no population row) counts as covered: nothing to compare
    pct = pd.Series(100 * share).round(0).astype("Int64").astype(str)
    thin = m.loc[thin_mask, ["kommunekode", "period"]].assign(
        reason_da=("cellerne dækker kun " + pct[thin_mask] + " % af borgerne (resten er udeladt efter "
                   "færre-end-5-personer-reglen)").to_numpy(),
        reason_en=("the cells cover only " + pct[thin_mask] + " % of the residents (the rest was left out under "
                   "the fewer-than-5-persons rule)").to_numpy(),
    )
    known = m["_residents"].notna()
    if not known.any():
        return d, empty, ()
    total = float(m.loc[known, "persons"].sum() / m.loc[known, "_residents"].sum())
    note = (f"Cellerne dækker {100 * total:.1f} % af borgerne (udeladt efter færre-end-5-reglen: resten); kommuner under "
            f"{100 * config.min_cell_coverage:.0f} % er udeladt. / The cells cover {100 * total:.1f} % of the residents "
            f"(the rest was left out under the fewer-than-5 rule); municipalities below "
            f"{100 * config.min_cell_coverage:.0f} % are excluded.",)
    return d.loc[~thin_mask].reset_index(drop=True), thin.reset_index(drop=True), note


def from_cells(ds: Dataset, config: BenchmarkConfig | None = None, covariates: tuple[str, ...] = CELL_COVARIATES) -> BenchmarkResults:
    """Benchmark from the person-level cell model (table ``cells`` from ``persons aggregate``).

    Expected full-time persons come from :func:`benchlearn.benchmark.cellglm.fit_cells`
    — a binomial GLM on cells of individual characteristics, identical to the
    person-level logit — summed per municipality: ``E_k = Σ_c ŝ_c·exposure_c``.

    Notes
    -----
    Prediction variance of ŝ_k is the cell model's delta-method ``se_expected² / N_k²``;
    that covariance treats person-weeks as independent and so is too small when
    municipalities differ (which is the point of a benchmark); sampling variance,
    τ² (DerSimonian–Laird) and κ·τ² are added as for a published benchmark.
    """
    config = config or BenchmarkConfig()
    cells, periods = _rows_for(ds.require("cells", "cellemodellen", "the cell model"), "cells", config)
    res, covs_, d = _fit_cell_model(cells, covariates)
    d = d[d["persons"] > 0].reset_index(drop=True)
    d, thin, coverage_note = _cell_coverage(d, ds, config, "exposure" in cells.columns)
    if d.empty:
        raise ModelError(
            "Cellerne dækker under " f"{100 * config.min_cell_coverage:.0f} % af borgerne i alle kommuner (resten er "
            "udeladt efter færre-end-5-personer-reglen); cellemodellen kan ikke sige noget om en hel kommune. "
            "Kør den på flere personer, eller brug support/population/framework.",
            f"The cells cover less than {100 * config.min_cell_coverage:.0f} % of the residents of every municipality "
            "(the rest was left out under the fewer-than-5-persons rule); the cell model cannot describe a whole "
            "municipality. Run it on more persons, or use support/population/framework.",
        )
    recs, covs, fits = _records_from_expected(d, config, lambda g, tau2, v: (g["se_expected"].to_numpy() / g["persons"].to_numpy()) ** 2)
    sim = ds.is_simulated("cells") or ds.is_simulated("person_weeks")
    missing = sorted(reference.kommunekoder() - set(d["kommunekode"]) - set(thin["kommunekode"]))
    excluded = pd.concat([pd.DataFrame(
        [(k, p) for k in missing for p in periods], columns=["kommunekode", "period"]
    ).assign(reason_da="ingen celler", reason_en="no cells"), thin], ignore_index=True)
    excluded = excluded.assign(navn=excluded["kommunekode"].map(reference.names()))[
        ["kommunekode", "period", "navn", "reason_da", "reason_en"]]
    records = finish_records(pd.concat(recs, ignore_index=True), config, sim)
    coef = res.to_frame().assign(ydelse=config.target)
    notes = (
        "Kilde: cellemodel (binomial GLM på celler af individuelle kendetegn) / Source: cell model (binomial GLM on cells of individual characteristics).",
        ("Cellemodellens kovarians antager uafhængige personuger; τ² (DerSimonian–Laird) og κ·τ² er lagt til. / "
         "The cell model's covariance assumes independent person-weeks; τ² (DerSimonian–Laird) and κ·τ² are added."),
        *coverage_note,
    )
    card = ModelCard.build(
        config=config, dataset_hash=ds.content_hash, variables=tuple(covs_), dropped_variables=(),
        coefficients=coef, fits=fits, records=records, excluded=excluded, cv={"folds": 0}, notes=notes,
        simulated=sim, source="cells",
    )
    return BenchmarkResults(config, records, coef, excluded, card, covs)
