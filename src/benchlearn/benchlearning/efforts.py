"""Efforts and methods as data: what each municipality does (contract table ``efforts``).

One row per municipality, method (from the catalogue, :mod:`.catalogue`), target group and
start date, with the scale in persons, an optional end date, the source and free text. The
contract validates every row (unknown method, unknown municipality, end before start are
refused with file, row, column and value); this module answers "which methods does a
municipality use in a period" for the analysis.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.periods import period_kind


def period_bounds(label: str) -> tuple[str, str]:
    """First and last day of a period label as ISO dates (``2023Q2`` → 2023-04-01, 2023-06-30).

    ``2023QMAT04`` is the 12 months ending with the 4th quarter of 2023 (Jobindsats).
    """
    s = str(label)
    kind = period_kind(s)
    if kind is None:
        raise ValueError(label)
    y = int(s[:4])
    if kind == "year":
        m0, m1, y0 = 1, 12, y
    elif kind == "half":
        h = int(s[5])
        m0, m1, y0 = 6 * h - 5, 6 * h, y
    elif kind == "quarter":
        q = int(s[5])
        m0, m1, y0 = 3 * q - 2, 3 * q, y
    elif kind == "month":
        m0 = m1 = int(s[5:7])
        y0 = y
    else:  # qmat: 12 months ending the quarter
        q = int(s[-1])
        m1 = 3 * q
        m0, y0 = (m1 + 1, y - 1) if m1 < 12 else (1, y)
    last = calendar.monthrange(y, m1)[1]
    return f"{y0:04d}-{m0:02d}-01", f"{y:04d}-{m1:02d}-{last:02d}"


def active(efforts: pd.DataFrame, period: str) -> pd.DataFrame:
    """The efforts running at some time in ``period``: start_date ≤ the period's last day and
    end_date blank or ≥ its first day."""
    first, last = period_bounds(period)
    e = efforts
    end = e["end_date"] if "end_date" in e.columns else pd.Series(None, index=e.index, dtype="str")
    keep = (e["start_date"].astype(str) <= last) & (end.isna() | (end.astype(str) >= first))
    return e[keep.to_numpy()].reset_index(drop=True)


def use_matrix(efforts: pd.DataFrame | None, period: str, methods: tuple[str, ...] | None = None) -> pd.DataFrame:
    """0/1 use of each method by each of the 98 municipalities in ``period``.

    Rows: all 98 kommunekoder (a municipality without rows uses none of the methods — the
    table is taken to be complete for the municipalities it covers, see ``covered``);
    columns: the catalogue's method codes (or ``methods``).
    """
    codes = sorted(reference.kommunekoder())
    cols = list(methods if methods is not None else reference.method_codes())
    out = pd.DataFrame(0, index=pd.Index(codes, name="kommunekode"), columns=cols, dtype="int64")
    if efforts is None or not len(efforts):
        return out
    a = active(efforts, period)
    for k, m in zip(a["kommunekode"].astype(int), a["method"].astype(str)):
        if m in out.columns:
            out.loc[k, m] = 1
    return out


def covered(efforts: pd.DataFrame | None) -> list[int]:
    """Municipalities with at least one row in the efforts table (the others have not reported)."""
    if efforts is None or not len(efforts):
        return []
    return sorted(set(efforts["kommunekode"].astype(int)))


def scale(efforts: pd.DataFrame | None, period: str) -> pd.DataFrame:
    """Persons per municipality and method in ``period`` (sum over target groups; NaN when unknown)."""
    if efforts is None or not len(efforts):
        return pd.DataFrame(columns=["kommunekode", "method", "persons", "target_groups"])
    a = active(efforts, period)
    if "persons" not in a.columns:
        a = a.assign(persons=np.nan)
    g = a.groupby(["kommunekode", "method"], as_index=False).agg(
        persons=("persons", lambda s: float(s.sum()) if s.notna().any() else np.nan),
        target_groups=("target_group", lambda s: ", ".join(sorted(set(s.astype(str))))),
    )
    return g
