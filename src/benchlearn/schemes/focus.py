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

The result (resultatmål) is ``diff_pp`` with its 95 % interval, taken in this order
(DATA.md: an imported benchmark is used instead of estimating):

1. the dataset's ``benchmark`` table: ``diff_pp = 100·(actual − expected)/persons``
   (``persons`` from the table, else from ``population``); no interval can be derived
   from those columns, so ``ci_low_pp``/``ci_high_pp`` are null;
2. the latest ``benchmark`` run in a workspace (when one is given);
3. a fit of :mod:`benchlearn.benchmark.model` on ``support``/``population``/``framework``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from benchlearn.core.errors import DataError, MissingTableError, ModelError

ResultSource = Literal["auto", "table", "workspace", "model"]


def focus_measures(ds: Any, period: str) -> pd.DataFrame:
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

    ``frame`` has ``kommunekode, diff_pp, ci_low_pp, ci_high_pp``; ``source`` says where
    it came from; ``simulated`` is true when it rests on simulated inputs.
    """

    frame: pd.DataFrame
    source: Literal["table", "workspace", "model"]
    area: str
    simulated: bool


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


def from_benchmark_table(ds: Any, period: str, area: str | None = None) -> BenchmarkResults | None:
    """``diff_pp = 100·(actual − expected)/persons`` from an imported ``benchmark`` table.

    Notes
    -----
    ``persons`` is the denominator (residents 16–66). When the column is missing or blank
    it is taken from the ``population`` table for the same municipality and period.
    The table carries no standard errors, so the interval is null.
    """
    if not ds.has("benchmark"):
        return None
    b = ds.table("benchmark")
    b = b.loc[b["period"] == str(period)]
    if not len(b):
        return None
    a = _pick_area(b, area, "benchmark")
    b = b.loc[b["area"] == a].copy()
    persons = b["persons"].astype("float64") if "persons" in b.columns else pd.Series(np.nan, index=b.index)
    if persons.isna().any():
        pop = ds.get("population")
        if pop is not None:
            pop = pop.loc[pop["period"] == str(period)].set_index("kommunekode")["persons"].astype("float64")
            persons = persons.fillna(b["kommunekode"].map(pop))
        if persons.isna().any():
            k = int(b.loc[persons.isna(), "kommunekode"].iloc[0])
            raise DataError(
                "benchmark", None, "persons", None,
                f"en nævner (persons) for kommune {k}, periode {period} — i tabellen 'benchmark' eller i 'population'",
                f"a denominator (persons) for municipality {k}, period {period} — in table 'benchmark' or in 'population'",
            )
    if (persons <= 0).any():
        k = int(b.loc[persons <= 0, "kommunekode"].iloc[0])
        raise DataError("benchmark", None, "persons", 0.0, f"en positiv nævner for kommune {k}", f"a positive denominator for municipality {k}")
    frame = pd.DataFrame({
        "kommunekode": b["kommunekode"].astype("int64").to_numpy(),
        "diff_pp": (100.0 * (b["actual"] - b["expected"]) / persons).to_numpy(dtype="float64"),
        "ci_low_pp": np.nan,
        "ci_high_pp": np.nan,
    })
    sim = ds.is_simulated("benchmark") or ("persons" not in b.columns and ds.is_simulated("population"))
    return BenchmarkResults(frame, "table", a, bool(sim))


def _standardise(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"kommunekode": df["kommunekode"].astype("int64").to_numpy()})
    for c in ("diff_pp", "ci_low_pp", "ci_high_pp"):
        out[c] = df[c].astype("float64").to_numpy() if c in df.columns else np.nan
    return out


def from_workspace(ws: Any, period: str, area: str | None = None) -> BenchmarkResults | None:
    """The period's records of the newest ``benchmark`` run for the area.

    Runs are tried newest first; a run counts when its config or its records say the
    area (default ``total``), it is not a målgruppe run, and its records hold the period
    (a benchmark run may be pooled over periods, so records are filtered on ``period``).
    """
    a = area or "total"
    for run in ws.find_runs("benchmark"):
        cfg = dict(run.config)
        if cfg.get("maalgruppe") not in (None, "", "alle"):
            continue
        if "area" in cfg and cfg["area"] != a:
            continue
        if "records" not in ws.result_names(run.run_id):
            continue
        df = ws.results(run.run_id, "records")
        if "area" in df.columns:
            df = df.loc[df["area"].astype(str) == a]
        elif "area" not in cfg and a != "total":
            continue  # cannot tell which area the run is for
        if "maalgruppe" in df.columns:
            df = df.loc[df["maalgruppe"].isna() | df["maalgruppe"].astype(str).isin(["", "alle"])]
        if "period" in df.columns:
            df = df.loc[df["period"].astype(str) == str(period)]
        if len(df) and "diff_pp" in df.columns:
            sim = bool(df["simulated"].fillna(False).astype(bool).any()) if "simulated" in df.columns else False
            return BenchmarkResults(_standardise(df), "workspace", a, sim)
    return None


_FIT_CACHE: dict[tuple[str, str], pd.DataFrame] = {}


def from_model(ds: Any, period: str, area: str | None = None) -> BenchmarkResults | None:
    """Estimate the benchmark (imported lazily: the model module may be absent)."""
    try:
        from benchlearn.benchmark.config import BenchmarkConfig
        from benchlearn.benchmark.model import fit
    except ImportError:
        return None
    if not (ds.has("support") and ds.has("population") and ds.has("framework")):
        return None
    a = area or "total"
    key = (ds.content_hash, a)
    if key not in _FIT_CACHE:
        # one pooled fit over all periods (the model's default), reused for every period
        # and scheme of the same dataset, as `benchlearn benchmark` would produce it
        _FIT_CACHE.clear()
        _FIT_CACHE[key] = fit(ds, BenchmarkConfig(area=a)).to_frame()
    df = _FIT_CACHE[key]
    if "period" in df.columns:
        df = df.loc[df["period"].astype(str) == str(period)]
    if "area" in df.columns:
        df = df.loc[df["area"].astype(str) == a]
    if not len(df):
        return None
    sim = any(ds.is_simulated(n) for n in ("support", "population", "framework"))
    return BenchmarkResults(_standardise(df), "model", a, bool(sim))


def benchmark_results(ds: Any, period: str, area: str | None = None, source: ResultSource = "auto", workspace: Any = None) -> BenchmarkResults:
    """The benchmark result per municipality, from the first source that has it.

    Raises
    ------
    MissingTableError
        No benchmark table, workspace run or model inputs for the period.
    """
    if source == "workspace" and workspace is None:
        from benchlearn.core.errors import ConfigError

        raise ConfigError(
            "--source workspace kræver, at DATASET er en arbejdsfil (.duckdb) med en benchmark-kørsel.",
            "--source workspace needs DATASET to be a workspace file (.duckdb) with a benchmark run.",
        )
    order: tuple[str, ...] = ("table", "workspace", "model") if source == "auto" else (source,)
    for s in order:
        if s == "table":
            r = from_benchmark_table(ds, period, area)
        elif s == "workspace":
            r = from_workspace(workspace, period, area) if workspace is not None else None
        elif s == "model":
            r = from_model(ds, period, area)
        else:
            raise ModelError(f"Ukendt kilde til resultater: {s!r}.", f"Unknown result source: {s!r}.")
        if r is not None:
            return r
    if source == "workspace":
        raise ModelError(
            f"Arbejdsfilen har ingen benchmark-kørsel med periode {period} (kør 'benchlearn benchmark ... --workspace').",
            f"The workspace has no benchmark run with period {period} (run 'benchlearn benchmark ... --workspace').",
        )
    raise MissingTableError(
        "benchmark",
        f"resultatmålet i periode {period} (eller 'support', 'population' og 'framework' så benchmarket kan estimeres)",
        f"the result goal in period {period} (or 'support', 'population' and 'framework' so the benchmark can be estimated)",
    )


def result_periods(ds: Any, workspace: Any = None) -> list[str]:
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
