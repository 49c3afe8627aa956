"""The fewer-than-``min_persons`` rule for every table the person pipeline writes.

No published number may rest on fewer than ``min_persons`` persons (DOMAIN.md §8;
default 5). The contract tables (``support``, ``population``, ``focus``) do not allow
empty values, so a row that would break the rule is **dropped** and recorded in the
``suppression`` table (which table, which key, why — never the number). In ``cells`` the
row is dropped the same way.

A number "rests on" the persons it counts. For a count ``c`` out of a group of ``n``
persons (persons without an offer among ``persons_12m``; persons on the outcome in a
cell) both ``c`` and its complement ``n - c`` are checked, because the complement can be
read off by subtraction; zero is allowed (it says something about the whole group of at
least ``min_persons``, not about a few persons).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from benchlearn.core.errors import ConfigError

SUPPRESSION_COLUMNS = ("table", "kommunekode", "period", "key", "reason")


def check_min_persons(min_persons: int) -> int:
    if int(min_persons) < 1:
        raise ConfigError("min_persons skal være mindst 1.", "min_persons must be at least 1.")
    return int(min_persons)


def small(count: pd.Series, min_persons: int) -> pd.Series:
    """True where ``0 < count < min_persons`` (a number about fewer than ``min_persons`` persons)."""
    c = count.astype("float64")
    return (c > 0) & (c < min_persons)


def apply_rule(
    df: pd.DataFrame,
    table: str,
    n_col: str,
    min_persons: int,
    parts: Sequence[str] = (),
    key_cols: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows resting on fewer than ``min_persons`` persons; return (kept, records).

    Parameters
    ----------
    df : DataFrame
        One row per published record, with ``kommunekode`` and ``period``.
    n_col : str
        Distinct persons behind the row.
    parts : columns holding counts of persons that are subsets of ``n_col``; the row
        is dropped if a part or its complement is between 1 and ``min_persons - 1``.
    key_cols : further key columns, written into the record's ``key`` text.

    Notes
    -----
    Row dropped iff ``n < m`` or, for a part ``c``, ``0 < c < m`` or ``0 < n - c < m``.
    """
    n = df[n_col].astype("float64")
    bad = n < min_persons
    for p in parts:
        c = df[p].astype("float64")
        bad = bad | small(c, min_persons) | small(n - c, min_persons)
    dropped = df.loc[bad]
    if len(dropped):
        key = pd.Series("", index=dropped.index, dtype="str")
        for i, k in enumerate(key_cols):
            key = key + ("" if i == 0 else ";") + f"{k}=" + dropped[k].astype("str")
        records = pd.DataFrame({
            "table": table,
            "kommunekode": dropped["kommunekode"].astype("int64").to_numpy(),
            "period": dropped["period"].astype("str").to_numpy(),
            "key": key.astype("str").to_numpy(),
            "reason": f"fewer than {min_persons} persons / færre end {min_persons} personer",
        })
    else:
        records = pd.DataFrame({c: pd.Series(dtype="int64" if c == "kommunekode" else "str")
                                for c in SUPPRESSION_COLUMNS})
    kept = df.loc[~np.asarray(bad)].reset_index(drop=True)
    return kept, records
