"""The results of one benchmark run: :class:`BenchmarkResults` and the records' shape.

:mod:`benchlearn.benchmark.model` (the fit) and :mod:`benchlearn.benchmark.published`
(records from published tables) both build results here; this module imports neither
(as in linearmodels, the model imports its results, never the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.modelcard import ModelCard
from benchlearn.core import reference
from benchlearn.core.periods import previous


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


def finish_records(r: pd.DataFrame, config: BenchmarkConfig, simulated: bool) -> pd.DataFrame:
    """Benchmark records in their published shape: names, area, potentiale, ``simulated``, stability columns."""
    r = r.copy()
    r.insert(1, "navn", r["kommunekode"].map(reference.names()))
    r["area"] = config.target
    r["potentiale_persons"] = np.maximum(r["diff_persons"], 0.0)
    r["potentiale_dkk"] = r["potentiale_persons"] * config.cost_per_person_dkk
    # the 95 % interval of the potentiale: the interval of diff_pp in persons (diff_pp is
    # 100 * diff_persons / persons), through the same max(., 0); max is monotone, so the
    # ends of the interval map to the ends
    if {"ci_low_pp", "ci_high_pp", "persons"} <= set(r.columns):
        for end in ("low", "high"):
            r[f"potentiale_persons_{end}"] = np.maximum(r[f"ci_{end}_pp"] / 100.0 * r["persons"], 0.0)
            r[f"potentiale_dkk_{end}"] = r[f"potentiale_persons_{end}"] * config.cost_per_person_dkk
    r["simulated"] = simulated
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
