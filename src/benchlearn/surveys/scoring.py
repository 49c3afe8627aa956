"""Progression and service indicators (KL 2024): citizen, caseworker and business surveys.

Per municipality and period: respondents, response rate (respondents / invited),
raking weights to register margins where margins exist, a score per dimension (the
weighted mean on the item scale) with a 95% interval that carries the weights' design
effect, Cronbach's α, and the change since the previous period. Every figure from fewer
than ``min_respondents`` units is suppressed (:mod:`benchlearn.surveys.suppression`).

These results are shown *beside* the benchmark; they never enter a ranking.

The instruments (items -> dimensions, scales, Danish/English wording) are data files in
``benchlearn/surveys/*.toml``; see docs/SURVEYS.md.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.results import Run
from benchlearn.core.seams import Tables
from benchlearn.surveys.raking import (
    Estimate,
    Interval,
    margins_from_frame,
    rake,
    weighted_mean_ci,
)
from benchlearn.surveys.suppression import MIN_N_DEFAULT, suppress
from benchlearn.core.errors import ConfigError, DataError, MissingTableError
from benchlearn.core.i18n import t

MarginSource = Literal["auto", "survey_margins", "support", "none"]
__all__ = [
    "Estimate", "Instrument", "SurveyConfig", "SurveyResults", "compute", "cronbach_alpha", "instruments_frame",
    "load_instrument", "survey_periods", "weighted_mean_ci",
]

SURVEY_IDS: tuple[str, ...] = ("citizen", "caseworker", "business")
MARGINS_TABLE = "survey_margins"

# --------------------------------------------------------------------------- instruments


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str
    required: bool
    text_da: str
    text_en: str


@dataclass(frozen=True)
class Dimension:
    id: str
    name_da: str
    name_en: str


@dataclass(frozen=True)
class Instrument:
    """A survey instrument read from ``benchlearn/surveys/<id>.toml``."""

    id: str
    table: str
    unit: str
    invitations: str
    name_da: str
    name_en: str
    scale_min: float
    scale_max: float
    scale_labels_da: tuple[str, ...]
    scale_labels_en: tuple[str, ...]
    weighting: Literal["raking", "none"]
    rake_variables: tuple[str, ...]
    overall: str | None
    overall_da: str
    overall_en: str
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    source_hash: str

    @property
    def name(self) -> str:
        return t(self.name_da, self.name_en)

    def dimension_name(self, dim: str) -> str:
        if dim == self.overall:
            return t(self.overall_da, self.overall_en)
        for d in self.dimensions:
            if d.id == dim:
                return t(d.name_da, d.name_en)
        raise KeyError(dim)

    def items_for(self, dim: str, columns: pd.Index | list[str]) -> list[str]:
        """Item columns of a dimension that are present in the data (all dims for ``overall``)."""
        return [i.id for i in self.items if (dim == self.overall or i.dimension == dim) and i.id in columns]


@lru_cache(maxsize=None)
def load_instrument(survey: str) -> Instrument:
    """Read and check one instrument file."""
    if survey not in SURVEY_IDS:
        raise ConfigError(f"Ukendt undersøgelse '{survey}', forventede en af {SURVEY_IDS}.",
                          f"Unknown survey '{survey}', expected one of {SURVEY_IDS}.")
    raw = resources.files("benchlearn").joinpath(f"surveys/{survey}.toml").read_bytes()
    d = tomllib.loads(raw.decode("utf-8"))
    s = d["survey"]
    dims = tuple(Dimension(x["id"], x["name_da"], x["name_en"]) for x in d["dimensions"])
    items = tuple(Item(x["id"], x["dimension"], bool(x.get("required", True)), x["text_da"], x["text_en"])
                  for x in d["items"])
    known = {x.id for x in dims}
    bad = [i.id for i in items if i.dimension not in known]
    if bad or s["scale_min"] >= s["scale_max"]:
        raise ConfigError(f"Instrumentfilen {survey}.toml er ugyldig (items {bad}).",
                          f"Instrument file {survey}.toml is invalid (items {bad}).")
    return Instrument(
        id=s["id"], table=s["table"], unit=s["unit"], invitations=s.get("invitations", s["id"]),
        name_da=s["name_da"], name_en=s["name_en"],
        scale_min=float(s["scale_min"]), scale_max=float(s["scale_max"]),
        scale_labels_da=tuple(s.get("scale_labels_da", ())), scale_labels_en=tuple(s.get("scale_labels_en", ())),
        weighting=s.get("weighting", "none"), rake_variables=tuple(s.get("rake_variables", ())),
        overall=s.get("overall"), overall_da=s.get("overall_da", "Samlet"), overall_en=s.get("overall_en", "Overall"),
        dimensions=dims, items=items, source_hash=hashlib.sha256(raw).hexdigest()[:16],
    )


def instruments_frame() -> pd.DataFrame:
    """All items of all instruments: ``survey, dimension, item, required, text_da, text_en, scale_min, scale_max``."""
    rows = []
    for sid in SURVEY_IDS:
        ins = load_instrument(sid)
        rows += [dict(survey=sid, dimension=i.dimension, item=i.id, required=i.required, text_da=i.text_da,
                      text_en=i.text_en, scale_min=ins.scale_min, scale_max=ins.scale_max) for i in ins.items]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- statistics


def cronbach_alpha(items: pd.DataFrame | np.ndarray) -> float:
    r"""Cronbach's α of a set of items (complete cases only).

    Notes
    -----
    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\sum_{j=1}^k s_j^2}{s_T^2}\right)

    with :math:`s_j^2` the item variances and :math:`s_T^2` the variance of the sum
    score (both with :math:`n-1`), over respondents who answered all :math:`k` items.
    Undefined (NaN) for :math:`k<2`, fewer than 2 complete cases or :math:`s_T^2=0`.
    α is a property of the instrument, so it is computed unweighted.
    """
    x = np.asarray(items, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        return float("nan")
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if x.shape[0] < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


# --------------------------------------------------------------------------- computation


@dataclass(frozen=True)
class SurveyConfig:
    """One survey run.

    Attributes
    ----------
    period : str
        Period label of the answers.
    min_respondents : int
        Small-number threshold: no figure from fewer units than this.
    interval : {"linearization", "kish"}
        Variance of the weighted mean (see :func:`weighted_mean_ci`).
    margins : {"auto", "survey_margins", "support", "none"}
        Where register margins for raking come from. ``auto``: the ``survey_margins``
        table if it has rows for the municipality and period, else målgruppe shares of
        full-time persons from ``support``; ``none``: plain means.
    level : float
        Confidence level of the intervals.
    surveys : tuple of str
        Instruments to compute (those whose table is absent are skipped).
    """

    period: str
    min_respondents: int = MIN_N_DEFAULT
    interval: Interval = "linearization"
    margins: MarginSource = "auto"
    level: float = 0.95
    surveys: tuple[str, ...] = SURVEY_IDS

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "min_respondents": int(self.min_respondents), "interval": self.interval,
                "margins": self.margins, "level": self.level, "surveys": list(self.surveys)}


VALUE_COLS = ["score", "se", "ci_low", "ci_high", "deff", "alpha"]
RECORD_COLS = ["kommunekode", "navn", "period", "survey", "dimension", "maalgruppe", "respondents", "invited",
               "response_rate", "score", "se", "ci_low", "ci_high", "deff", "alpha", "alpha_cases", "n_items",
               "weighting", "scale_min", "scale_max", "suppressed", "simulated"]


@dataclass(frozen=True)
class SurveyResults:
    """Results of :func:`compute`: suppressed, ready to publish.

    ``records`` (municipality x survey x dimension), ``by_maalgruppe`` (same, split),
    ``national`` (all municipalities pooled), ``trends`` (change since the previous
    period) and ``weighting`` (raking diagnostics per municipality).
    """

    config: SurveyConfig
    records: pd.DataFrame
    by_maalgruppe: pd.DataFrame
    national: pd.DataFrame
    trends: pd.DataFrame
    weighting: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        return self.records.copy()

    @cached_property
    def result_frames(self) -> dict[str, pd.DataFrame]:
        return {"records": self.records, "by_maalgruppe": self.by_maalgruppe, "national": self.national,
                "trends": self.trends, "weighting": self.weighting}

    def to_run(self, ds: Tables) -> Run:
        """The run to store (kind ``surveys``): instrument versions, mapping, notes and which answer
        tables of ``ds`` were simulated go in its meta; surveys are never part of a ranking."""
        tables = [load_instrument(s).table for s in SURVEY_IDS]
        meta = {"instruments": {s: load_instrument(s).source_hash for s in SURVEY_IDS},
                "mapping_hash": reference.mapping_hash(), "notes": list(self.notes),
                "simulated": sorted(name for name in tables if ds.is_simulated(name)), "never_in_ranking": True}
        return Run("surveys", self.config.to_dict(), self.result_frames, meta)


def _expected_scale(ins: Instrument) -> tuple[str, str]:
    lo, hi = int(ins.scale_min), int(ins.scale_max)
    return f"et helt tal fra {lo} til {hi} eller tom", f"a whole number from {lo} to {hi} or blank"


def _answers(ds: Tables, ins: Instrument, period: str) -> pd.DataFrame | None:
    """Rows of one instrument for one period, items as float, range-checked."""
    if not ds.has(ins.table):
        return None
    df = ds.table(ins.table)
    df = df.loc[df["period"].astype(str) == period].copy()
    for item in ins.items:
        if item.id not in df.columns:
            continue
        raw = df[item.id]
        vals = pd.to_numeric(raw, errors="coerce")
        bad = (raw.notna() & vals.isna()) | (vals.notna() & ((vals < ins.scale_min) | (vals > ins.scale_max)
                                                              | (vals != np.round(vals))))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            # Contract items are checked by the dataset reader already; this catches the
            # instrument's optional items (extra columns the reader does not know).
            da, en = _expected_scale(ins)
            unit = df[ins.unit].iloc[pos] if ins.unit in df.columns else "?"
            raise DataError(ins.table, None, item.id, raw.iloc[pos], f"{da} ({ins.unit} {unit})", f"{en} ({ins.unit} {unit})")
        df[item.id] = vals.astype("float64")
    return df


class _Margins:
    """Register margins for one instrument and period, looked up per municipality.

    Read once per period (the tables are filtered and grouped here, not per municipality).
    """

    def __init__(self, ds: Tables, ins: Instrument, df: pd.DataFrame, period: str, source: MarginSource) -> None:
        self.variables = [v for v in ins.rake_variables if v in df.columns and df[v].notna().any()]
        self.table: dict[int, dict[str, dict[str, float]]] = {}
        self.support: dict[int, dict[str, dict[str, float]]] = {}
        if ins.weighting != "raking" or source == "none" or not self.variables:
            self.variables = []
            return
        if source in ("auto", "survey_margins") and ds.has(MARGINS_TABLE):
            m = ds.table(MARGINS_TABLE)
            need = {"kommunekode", "period", "variable", "category", "share"}
            if not need <= set(m.columns):
                raise DataError(MARGINS_TABLE, None, ", ".join(sorted(need - set(m.columns))), None,
                                "kolonnerne kommunekode, period, variable, category, share",
                                "columns kommunekode, period, variable, category, share")
            m = m.loc[(m["period"].astype(str) == period) & m["variable"].isin(self.variables)]
            share = pd.to_numeric(m["share"], errors="coerce")
            bad = share.isna() | (share < 0)
            if bad.any():
                raise DataError(MARGINS_TABLE, None, "share", m["share"][bad].iloc[0], "en andel ≥ 0", "a share ≥ 0")
            m = m.assign(share=share, kommunekode=m["kommunekode"].astype("int64"))
            for k, g in m.groupby("kommunekode"):
                self.table[int(k)] = margins_from_frame(g)
        if source in ("auto", "support") and "maalgruppe" in self.variables and ds.has("support"):
            sp = ds.table("support")
            sp = sp.loc[sp["period"].astype(str) == period]
            sp = sp.merge(reference.maalgrupper()[["maalgruppe", "ydelse"]], on="ydelse", how="inner")
            covered = set(df["maalgruppe"].dropna().astype(str))  # the survey's population, nationally
            sp = sp.loc[sp["maalgruppe"].isin(covered)]
            tot = sp.groupby(["kommunekode", "maalgruppe"])["fuldtidspersoner"].sum()
            for k, g in tot.groupby(level=0):
                if g.sum() > 0:
                    self.support[int(k)] = {"maalgruppe": g.droplevel(0).to_dict()}

    def get(self, kommune: int) -> tuple[dict[str, dict[str, float]], str]:
        if kommune in self.table:
            return self.table[kommune], MARGINS_TABLE
        if kommune in self.support:
            return self.support[kommune], "support"
        return {}, "none"


def _calib_matrix(sample: pd.DataFrame, variables: list[str]) -> np.ndarray:
    """Dummies of every raking variable (a missing value is its own category)."""
    parts = [pd.get_dummies(sample[v].astype(str).where(sample[v].notna(), "__missing__"), dtype=float).to_numpy()
             for v in variables]
    return np.hstack(parts) if parts else np.zeros((len(sample), 0))


def _scores(x: np.ndarray, cols: list[str], w: np.ndarray, ins: Instrument, cfg: SurveyConfig,
            calib: np.ndarray | None = None, strata: np.ndarray | None = None,
            design: np.ndarray | None = None, domain: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Score per dimension from the item matrix ``x`` (respondents x ``cols``, NaN = blank).

    ``design`` are the weights raking started from and ``domain`` the rows to describe
    (a målgruppe); the variance keeps the whole raked sample (R ``subset(design, ...)``).
    """
    out = []
    dims = [d.id for d in ins.dimensions]
    if ins.overall and len(ins.items_for(ins.overall, cols)) >= 2:
        dims.append(ins.overall)
    rows = np.ones(len(x), dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    for dim in dims:
        items = ins.items_for(dim, cols)
        if not items:
            continue
        xd = x[:, [cols.index(i) for i in items]]
        answered = ~np.isnan(xd).all(axis=1) & rows
        # a respondent's dimension score is the mean of the items answered in it
        y = np.full(len(x), np.nan)
        if answered.any():
            y[answered] = np.nanmean(xd[answered], axis=1)
        est = weighted_mean_ci(y, w, interval=cfg.interval, level=cfg.level, calib=calib, strata=strata,
                               design_weights=design, domain=answered)
        complete = int((~np.isnan(xd[rows])).all(axis=1).sum()) if len(items) >= 2 else 0
        out.append(dict(dimension=dim, respondents=est.n, score=est.mean, se=est.se, ci_low=est.ci_low,
                        ci_high=est.ci_high, deff=est.deff,
                        alpha=cronbach_alpha(xd[rows]) if len(items) >= 2 else np.nan,
                        alpha_cases=complete, n_items=len(items)))
    return out


def _period(ds: Tables, cfg: SurveyConfig, period: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                                               pd.DataFrame, list[str]]:
    """Unsuppressed frames for one period."""
    rec, split, nat, wrows, notes = [], [], [], [], []
    inv = ds.table("invitations") if ds.has("invitations") else None
    if inv is not None:
        inv = inv.loc[inv["period"].astype(str) == period]
    for sid in cfg.surveys:
        ins = load_instrument(sid)
        df = _answers(ds, ins, period)
        if df is None:
            continue
        df = df.reset_index(drop=True)
        simulated = bool(ds.is_simulated(ins.table)) if hasattr(ds, "is_simulated") else False
        invited: dict[int, float] = {}
        inv_mg: dict[tuple[int, str], float] = {}
        if inv is not None:
            ii = inv.loc[inv["survey"].astype(str) == ins.invitations]
            invited = {int(k): float(v) for k, v in ii.groupby("kommunekode")["invited"].sum().items()}
            if "maalgruppe" in ii.columns:
                inv_mg = {(int(k), str(g)): float(v) for (k, g), v in
                          ii.dropna(subset=["maalgruppe"]).groupby(["kommunekode", "maalgruppe"])["invited"].sum().items()}
        cols = [i.id for i in ins.items if i.id in df.columns]
        x = df[cols].to_numpy(dtype=float)
        kom = df["kommunekode"].to_numpy(dtype="int64")
        mg = df["maalgruppe"].astype(str).where(df["maalgruppe"].notna(), None).to_numpy(dtype=object) \
            if "maalgruppe" in df.columns else None
        w_design = pd.to_numeric(df["weight"], errors="coerce").to_numpy(float) if "weight" in df.columns else None
        margins = _Margins(ds, ins, df, period, cfg.margins)
        pooled_w = np.zeros(len(df))
        base = dict(period=period, survey=sid, scale_min=ins.scale_min, scale_max=ins.scale_max, simulated=simulated)
        for k in sorted(set(kom.tolist()) | set(invited)):
            pos = np.flatnonzero(kom == k)
            n_units = len(pos)
            n_inv = invited.get(k, np.nan)
            if n_units and not np.isnan(n_inv) and n_units > n_inv:
                raise DataError("invitations", None, "invited", n_inv,
                                f"mindst antallet af respondenter i {ins.table} for kommune {k}, periode {period} ({n_units})",
                                f"at least the number of respondents in {ins.table} for municipality {k}, period {period} ({n_units})")
            rr = n_units / n_inv if not np.isnan(n_inv) and n_inv > 0 else np.nan
            w0 = None if w_design is None else w_design[pos]
            w = np.ones(n_units) if w0 is None else w0
            weighting = "unweighted" if w0 is None else "design"
            m, msource = margins.get(k) if n_units else ({}, "none")
            calib = None
            if m:
                rk = rake(df.loc[pos, margins.variables], m, w0)
                wrows.append(dict(kommunekode=k, period=period, survey=sid, respondents=n_units, source=msource,
                                  variables=",".join(v for v, tg in rk.targets.items() if tg),
                                  iterations=rk.iterations, converged=rk.converged, max_error=rk.max_error,
                                  deff=rk.design_effect, dropped=";".join(f"{v}={c}" for v, c in rk.dropped)))
                if rk.converged:
                    w, weighting = rk.weights, "raked"
                    calib = _calib_matrix(df.loc[pos], [v for v, tg in rk.targets.items() if tg])
                else:
                    notes.append(f"raking did not converge: {sid} {k} {period} (max error {rk.max_error:.2g})")
            # National pooling: each municipality's weights scaled to its invited count
            # (inverse response rate), so that it counts by its size, not its response.
            pooled_w[pos] = w * (n_inv / n_units if n_units and not np.isnan(n_inv) and n_inv > 0 else 1.0)
            head = dict(kommunekode=k, navn=reference.navn(k), maalgruppe=None, invited=n_inv, response_rate=rr,
                        weighting=weighting, **base)
            xk = x[pos]
            d0 = np.ones(n_units) if w0 is None else w0
            rec += [{**head, **sc} for sc in _scores(xk, cols, w, ins, cfg, calib, design=d0)]
            if mg is not None and n_units:
                mgk = mg[pos]
                for g in sorted({v for v in mgk if v is not None}):
                    sel = mgk == g
                    n_g_inv = inv_mg.get((k, g), np.nan)
                    h = {**head, "maalgruppe": g, "invited": n_g_inv,
                         "response_rate": sel.sum() / n_g_inv if not np.isnan(n_g_inv) and n_g_inv > 0 else np.nan}
                    split += [{**h, **sc} for sc in _scores(xk, cols, w, ins, cfg, calib, design=d0, domain=sel)]
        if len(df):
            tot_inv = float(sum(invited.values())) if invited else np.nan
            # Municipalities are strata whose weight totals are fixed (invited), so
            # between-municipality differences do not inflate the national interval.
            # (Within-municipality raking is not carried into the national variance:
            # conservative.)
            for sc in _scores(x, cols, pooled_w, ins, cfg, strata=kom):
                nat.append(dict(period=period, survey=sid, municipalities=int(len(set(kom.tolist()))),
                                invited=tot_inv,
                                response_rate=len(df) / tot_inv if not np.isnan(tot_inv) and tot_inv > 0 else np.nan,
                                scale_min=ins.scale_min, scale_max=ins.scale_max, simulated=simulated, **sc))
    nat_cols = ["period", "survey", "dimension", "municipalities", "respondents", "invited", "response_rate",
                "score", "se", "ci_low", "ci_high", "deff", "alpha", "alpha_cases", "n_items", "scale_min", "scale_max",
                "simulated"]
    w_cols = ["kommunekode", "period", "survey", "respondents", "source", "variables", "iterations", "converged", "max_error",
              "deff", "dropped"]
    cols = [c for c in RECORD_COLS if c != "suppressed"]
    return (_typed(pd.DataFrame(rec, columns=cols)), _typed(pd.DataFrame(split, columns=cols)),
            _typed(pd.DataFrame(nat, columns=nat_cols)), _typed(pd.DataFrame(wrows, columns=w_cols)), notes)


_DTYPES = {"kommunekode": "int64", "navn": "str", "period": "str", "survey": "str", "dimension": "str",
           "maalgruppe": "str", "respondents": "Int64", "municipalities": "int64", "invited": "float64",
           "response_rate": "float64", "score": "float64", "se": "float64", "ci_low": "float64",
           "ci_high": "float64", "deff": "float64", "alpha": "float64", "alpha_cases": "Int64", "n_items": "int64", "weighting": "str",
           "scale_min": "float64", "scale_max": "float64", "simulated": "bool", "source": "str", "variables": "str",
           "iterations": "int64", "converged": "bool", "max_error": "float64", "dropped": "str"}


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    # Concrete dtypes even for empty frames, so the workspace (Arrow/DuckDB) stores typed
    # columns and an all-missing column does not become Arrow's null type.
    return df.astype({c: d for c, d in _DTYPES.items() if c in df.columns})


def _publish(df: pd.DataFrame, min_n: int, total_by: list[str]) -> pd.DataFrame:
    # Secondary suppression against the published total (national figure for the
    # municipality records, municipality figure for the målgruppe split): otherwise a
    # single hidden cell could be recovered as total minus the other cells.
    if df.empty:
        return df.assign(suppressed=pd.Series(dtype=bool))
    return _alpha_rule(suppress(df, "respondents", VALUE_COLS, min_n, hide_count=True,
                                extra_hide=["response_rate", "alpha_cases"], complementary_by=total_by), min_n)


def _alpha_rule(df: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The small-number rule for α: it rests on the complete cases, not the respondents.

    A dimension can have 40 respondents and 3 who answered every item; α (and the
    count) from those 3 is not published, while the score from the 40 is.
    """
    few = pd.to_numeric(df["alpha_cases"], errors="coerce").fillna(0).to_numpy() < int(min_n)
    out = df.copy()
    out.loc[few, "alpha"] = np.nan
    out.loc[few, "alpha_cases"] = pd.NA
    return out


def survey_periods(ds: Tables) -> list[str]:
    """Periods with answers in any survey table."""
    out: set[str] = set()
    for sid in SURVEY_IDS:
        tb = load_instrument(sid).table
        if ds.has(tb):
            out |= set(ds.table(tb)["period"].astype(str))
    return sorted(out)


def compute(ds: Tables, config: SurveyConfig) -> SurveyResults:
    """Compute, suppress and package the survey indicators for ``config.period``.

    Raises
    ------
    MissingTableError
        If the dataset has none of the survey tables.
    ConfigError
        If the period has no answers in any survey table.
    """
    if int(config.min_respondents) < 1:
        raise ConfigError("--min-respondents skal være mindst 1.", "--min-respondents must be at least 1.")
    if not any(ds.has(load_instrument(s).table) for s in config.surveys):
        raise MissingTableError("citizen_survey", "borger-, sagsbehandler- og virksomhedsundersøgelserne",
                                "the citizen, caseworker and business surveys")
    periods = survey_periods(ds)
    if config.period not in periods:
        from benchlearn.core.periods import shown_periods

        shown_da, shown_en = shown_periods(periods)
        raise ConfigError(f"Ingen svar i perioden {config.period}; perioder med svar: {shown_da}.",
                          f"No answers in period {config.period}; periods with answers: {shown_en}.")
    rec, split, nat, wt, notes = _period(ds, config, config.period)
    m = config.min_respondents
    rec_pub = _publish(rec, m, ["survey", "dimension"])
    nat_pub = _alpha_rule(suppress(nat, "respondents", VALUE_COLS, m, hide_count=True, extra_hide=["alpha_cases"]), m)
    return SurveyResults(config, rec_pub, _publish(split, m, ["kommunekode", "survey", "dimension"]), nat_pub,
                         _trends(ds, config, rec, rec_pub["suppressed"].to_numpy()),
                         suppress(wt, "respondents", ["deff", "max_error"], m, hide_count=True), tuple(notes))


def _trends(ds: Tables, cfg: SurveyConfig, rec: pd.DataFrame, hidden: np.ndarray) -> pd.DataFrame:
    r"""Change since the previous period per municipality, survey and dimension.

    Notes
    -----
    Independent samples: :math:`\Delta = \hat\mu_1 - \hat\mu_0`,
    :math:`se = \sqrt{se_1^2 + se_0^2}`, interval :math:`\Delta \pm z_{0.975}\,se`.
    Suppressed when the record is suppressed (primary or secondary) in either period.
    """
    from benchlearn.core.periods import previous

    cols = ["kommunekode", "navn", "survey", "dimension", "period", "previous_period", "score", "previous_score",
            "change", "change_se", "change_ci_low", "change_ci_high", "significant", "suppressed", "simulated"]
    try:
        prev = previous(cfg.period)
    except ValueError:
        return pd.DataFrame(columns=cols)
    if prev not in survey_periods(ds) or rec.empty:
        return pd.DataFrame(columns=cols)
    old, *_ = _period(ds, cfg, prev)
    old = old.assign(_hidden=_publish(old, cfg.min_respondents, ["survey", "dimension"])["suppressed"].to_numpy())
    key = ["kommunekode", "survey", "dimension"]
    j = rec.assign(_hidden_now=hidden).merge(old[key + ["score", "se", "respondents", "_hidden"]], on=key,
                                             suffixes=("", "_prev"), how="inner")
    from scipy import stats  # imported here: scipy.stats costs ~1 s of CLI start-up

    z = float(stats.norm.ppf(0.5 + cfg.level / 2))
    out = pd.DataFrame({
        "kommunekode": j["kommunekode"], "navn": j["navn"], "survey": j["survey"], "dimension": j["dimension"],
        "period": cfg.period, "previous_period": prev, "score": j["score"], "previous_score": j["score_prev"],
        "change": j["score"] - j["score_prev"], "change_se": np.sqrt(j["se"] ** 2 + j["se_prev"] ** 2),
        "simulated": j["simulated"],
        "_n": np.where(j["_hidden_now"] | j["_hidden"], 0, cfg.min_respondents),
    })
    out["change_ci_low"] = out["change"] - z * out["change_se"]
    out["change_ci_high"] = out["change"] + z * out["change_se"]
    out["significant"] = (out["change_ci_low"] > 0) | (out["change_ci_high"] < 0)
    out = suppress(out, "_n", ["score", "previous_score", "change", "change_se", "change_ci_low",
                               "change_ci_high"], cfg.min_respondents)
    out["significant"] = out["significant"].astype("boolean").mask(out["suppressed"])
    return out.drop(columns="_n")[cols]
