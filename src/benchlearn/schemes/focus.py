"""Inputs to classification: fokusmål from the ``focus`` table and the benchmark result.

Fokusmål (DOMAIN.md §4), among persons with at least 12 months' anciennitet on the
covered ydelser (``persons_12m``):

* ``share_without_offer = without_offer / persons_12m`` — share who in the last 12
  months have not had at least one active tilbud or 100 hours of ordinary work;
  ``fokusmaal_tilbud`` met if the share is below the threshold (30 % [fact: STAR]).
* ``share_without_talks = without_talks / persons_12m`` — share who have not had at
  least 4 samtaler; ``fokusmaal_samtaler`` met if below the threshold (30 % [unknown],
  a scheme parameter).

The counts come from the ``focus`` table; ``benchlearn persons aggregate`` derives that
table from person-level data with the same definitions (owned by benchlearn.persons).

The result (resultatmål) is ``diff_pp`` with its 95 % interval (and the benchmark's rank
and tier), the answer of :func:`benchlearn.benchmark.resolver.resolve` — the same numbers
as ``benchlearn benchmark``, peers, DEA and the pages. Its source rule follows DATA.md (an
imported ``benchmark`` table is used instead of estimating, and gets its uncertainty from
:func:`benchlearn.benchmark.published.from_benchmark_table`); a stored run in the workspace
is read rather than refitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from benchlearn.core.seams import RunStore, Tables
from benchlearn.core import reference
from benchlearn.core.errors import DataError, MissingTableError
from benchlearn.core.literals import ResultSource



def focus_measures(ds: Tables, period: str) -> pd.DataFrame:
    """Shares behind the two fokusmål for one period.

    Parameters
    ----------
    ds : Dataset
    period : str

    Returns
    -------
    DataFrame
        ``kommunekode, period, persons_12m, without_offer, without_talks,
        share_without_offer, share_without_talks`` — one row per municipality present in
        the ``focus`` table for the period (empty if the table or the period is absent).

    Notes
    -----
    ``share_without_offer = without_offer / persons_12m`` and
    ``share_without_talks = without_talks / persons_12m``; NaN when ``persons_12m = 0``
    (no long-term recipients: the goal cannot be judged).
    """
    cols = ["kommunekode", "period", "persons_12m", "without_offer", "without_talks", "share_without_offer", "share_without_talks"]
    if not ds.has("focus"):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}).astype({"kommunekode": "int64", "period": "str"})
    f = ds.table("focus")
    f = f.loc[f["period"] == str(period)].copy()
    for c in ("without_offer", "without_talks"):
        bad = f.loc[f[c] > f["persons_12m"]]
        if len(bad):
            r = bad.iloc[0]
            raise DataError("focus", None, c, float(r[c]), f"højst persons_12m ({r['persons_12m']:g}) for kommune {int(r['kommunekode'])}",
                            f"at most persons_12m ({r['persons_12m']:g}) for municipality {int(r['kommunekode'])}")
    n = f["persons_12m"].astype("float64").where(f["persons_12m"] > 0)
    f["share_without_offer"] = f["without_offer"].astype("float64") / n
    f["share_without_talks"] = f["without_talks"].astype("float64") / n
    return f[cols].reset_index(drop=True)


@dataclass(frozen=True)
class BenchmarkResults:
    """The result per municipality that classification uses.

    ``frame`` has ``kommunekode, diff_pp, ci_low_pp, ci_high_pp, rank, rank_ci_low,
    rank_ci_high, tier`` — the benchmark's own columns, from
    :func:`benchlearn.benchmark.resolver.resolve`; ``source`` says where it came from
    (``workspace``: a stored run; ``table``, ``model``, ``cells``: computed now);
    ``simulated`` is true when it rests on simulated inputs.
    """

    frame: pd.DataFrame
    source: Literal["table", "workspace", "model", "cells"]
    area: str
    simulated: bool


FRAME_COLUMNS = ("kommunekode", "diff_pp", "ci_low_pp", "ci_high_pp", "rank", "rank_ci_low", "rank_ci_high", "tier")


def _standardise(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"kommunekode": df["kommunekode"].astype("int64").to_numpy()})
    for c in ("diff_pp", "ci_low_pp", "ci_high_pp"):
        out[c] = df[c].astype("float64").to_numpy() if c in df.columns else np.nan
    for c in ("rank", "rank_ci_low", "rank_ci_high"):
        out[c] = pd.array(df[c], dtype="Int64") if c in df.columns else pd.array([pd.NA] * len(df), dtype="Int64")
    out["tier"] = df["tier"].astype("str").to_numpy() if "tier" in df.columns else None
    return out


def _pick_area(df: pd.DataFrame, area: str | None, table: str) -> str:
    areas = sorted(df["area"].unique().tolist())
    if area is None:
        if "total" in areas or not areas:
            return "total"
        if len(areas) == 1:
            return areas[0]
        area = "total"
    if area not in areas:
        raise DataError(table, None, "area", area, f"et område der findes for perioden: {areas}", f"an area present for the period: {areas}")
    return area


def _pick(ds: Tables, period: str, area: str | None) -> str:
    """The area asked for; without one ``total`` (or the only area of a published table)."""
    if area is not None or not ds.has("benchmark"):
        return area or "total"
    b = ds.table("benchmark")
    b = b.loc[b["period"] == str(period)]
    return _pick_area(b, None, "benchmark") if len(b) else "total"


def benchmark_results(ds: Tables, period: str, area: str | None = None, source: ResultSource = "auto", workspace: RunStore | None = None) -> BenchmarkResults:
    """The benchmark result per municipality for one period: the resolver's answer.

    ``source``: ``auto`` (the resolver's source rule: a published ``benchmark`` table, else
    the model, else the cell model — read from the workspace when stored there), ``table``
    or ``model`` (that source forced), ``workspace`` (a stored run only).

    Raises
    ------
    MissingTableError
        No benchmark table, workspace run or model inputs for the period.
    """
    from benchlearn.benchmark.config import BenchmarkConfig
    from benchlearn.benchmark.resolver import resolve

    if source == "workspace" and workspace is None:
        from benchlearn.core.errors import ConfigError

        raise ConfigError(
            "--source workspace kræver, at DATASET er en arbejdsfil (.duckdb) med en benchmark-kørsel.",
            "--source workspace needs DATASET to be a workspace file (.duckdb) with a benchmark run.",
        )
    a = _pick(ds, period, area)
    if a not in reference.area_codes():
        raise DataError("benchmark", None, "area", a, f"et benchmarkområde: {list(reference.area_codes())}",
                        f"a benchmark area: {list(reference.area_codes())}")
    prefer = "auto" if source in ("auto", "workspace") else source
    res = resolve(workspace if workspace is not None else ds, BenchmarkConfig(area=a), prefer=prefer,  # type: ignore[arg-type]
                  dataset=ds, stored_only=source == "workspace")
    df = res.for_period(str(period))
    if not len(df):
        raise MissingTableError(
            "benchmark",
            f"resultatmålet i periode {period} (eller 'support', 'population' og 'framework' så benchmarket kan estimeres)",
            f"the result goal in period {period} (or 'support', 'population' and 'framework' so the benchmark can be estimated)",
        )
    origin = "workspace" if res.origin.startswith("workspace:") else res.kind
    sim = res.simulated or (res.kind == "table" and ds.has("population") and ds.is_simulated("population")
                            and "persons" not in ds.table("benchmark").columns)
    return BenchmarkResults(_standardise(df), origin, a, bool(sim))  # type: ignore[arg-type]


def result_periods(ds: Tables, workspace: RunStore | None = None) -> list[str]:
    """Periods with a result: those of the ``benchmark`` table, else of ``support``, else
    of the workspace's benchmark runs."""
    if ds.has("benchmark"):
        return ds.periods("benchmark")
    if ds.has("support"):
        return ds.periods("support")
    found: set[str] = set()
    if workspace is not None:
        for run in workspace.find_runs("benchmark"):
            if "records" in workspace.result_names(run.run_id):
                df = workspace.results(run.run_id, "records")
                if "period" in df.columns:
                    found |= set(df["period"].astype(str))
    return sorted(found)
