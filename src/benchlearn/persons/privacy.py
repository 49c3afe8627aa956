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

Rows dropped here can still be a published total minus published parts; the
complementary suppression of :mod:`benchlearn.persons.complementary` drops further rows
until none can (reason ``complementary`` in ``suppression``).
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


def rule_mask(df: pd.DataFrame, n_col: str, min_persons: int, parts: Sequence[str] = ()) -> np.ndarray:
    """True for the rows that rest on fewer than ``min_persons`` persons (primary
    suppression).

    Parameters
    ----------
    df : one row per published record.
    n_col : distinct persons behind the row.
    parts : columns holding counts of persons that are subsets of ``n_col``; the row
        is dropped if a part or its complement is between 1 and ``min_persons - 1``.

    Notes
    -----
    Row dropped iff ``n < m`` or, for a part ``c``, ``0 < c < m`` or ``0 < n - c < m``.
    Rows that this leaves recoverable by subtraction are dropped as well, by
    :func:`benchlearn.persons.complementary.protect`.
    """
    n = df[n_col].astype("float64")
    bad = n < min_persons
    for p in parts:
        c = df[p].astype("float64")
        bad = bad | small(c, min_persons) | small(n - c, min_persons)
    return np.asarray(bad, dtype=bool)


REASON_COMPLEMENTARY = ("complementary: would be recoverable by subtraction from published totals / "
                        "komplementær: kunne ellers regnes ud ved fratrækning fra offentliggjorte totaler")


def reason_small(min_persons: int) -> str:
    return f"fewer than {min_persons} persons / færre end {min_persons} personer"


def records(dropped: pd.DataFrame, table: str, key_cols: Sequence[str], reason: str) -> pd.DataFrame:
    """Rows of the ``suppression`` table for the ``dropped`` rows (never their numbers)."""
    if not len(dropped):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "kommunekode" else "str")
                             for c in SUPPRESSION_COLUMNS})
    key = pd.Series("", index=dropped.index, dtype="str")
    for i, k in enumerate(key_cols):
        key = key + ("" if i == 0 else ";") + f"{k}=" + dropped[k].astype("str")
    return pd.DataFrame({
        "table": table,
        "kommunekode": dropped["kommunekode"].astype("int64").to_numpy(),
        "period": dropped["period"].astype("str").to_numpy(),
        "key": key.astype("str").to_numpy(),
        "reason": reason,
    })
