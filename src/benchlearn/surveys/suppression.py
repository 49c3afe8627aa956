r"""Small-number protection (diskretionering) for any table of published figures.

One rule, used by the survey results and by every layer that shows them (web pages,
API, CSV, XLSX, PDF): **no figure is computed from fewer than ``min_n`` units**
(respondents, firms, cases). A record below the threshold keeps its identifying
columns, gets ``suppressed = True`` and has every figure column set to null, so a
reader can see that a cell exists and why it is empty, but cannot read a number from
it.

The function is deliberately independent of surveys: give it any DataFrame, the name
of the column holding the number of units behind each record, and the columns that
must disappear when that number is too small.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"kommunekode": [101, 450], "n": [12, 4], "score": [3.9, 4.4]})
>>> suppress(df, "n", ["score"])[["kommunekode", "score", "suppressed"]]
   kommunekode  score  suppressed
0          101    3.9       False
1          450    NaN        True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from benchlearn.core.errors import ConfigError

#: Default threshold: the common Danish practice for survey and register figures.
MIN_N_DEFAULT = 5


def suppress(
    df: pd.DataFrame,
    count_col: str,
    value_cols: Sequence[str],
    min_n: int = MIN_N_DEFAULT,
    *,
    hide_count: bool = False,
    extra_hide: Sequence[str] = (),
    complementary_by: Sequence[str] | None = None,
    flag_col: str = "suppressed",
) -> pd.DataFrame:
    r"""Null every figure that rests on fewer than ``min_n`` units.

    Parameters
    ----------
    df : DataFrame
        One record per published cell.
    count_col : str
        Column with the number of units (respondents ...) behind each record. A missing
        count is treated as 0, i.e. suppressed: an unknown base is never published.
    value_cols : sequence of str
        Figure columns to null in suppressed records (score, interval, alpha ...).
    min_n : int, default 5
        Smallest number of units a published figure may rest on (``n >= min_n`` is shown).
    hide_count : bool, default False
        Also null ``count_col`` in suppressed records (so the exact small count is not
        shown either; a reader only learns it is below ``min_n``).
    extra_hide : sequence of str
        Further columns to null in suppressed records (e.g. a response rate whose
        numerator is the small count).
    complementary_by : sequence of str, optional
        Secondary suppression. Give the columns that identify a *total* whose parts are
        the records (e.g. ``["kommunekode", "survey", "dimension"]`` for a split by
        målgruppe when the municipality total is published). If exactly one part of a
        total is suppressed, its value could be recovered from the total and the other
        parts, so the smallest remaining part is suppressed too.
    flag_col : str, default "suppressed"
        Name of the boolean flag column. An existing ``True`` flag is kept (a record
        suppressed for another reason stays suppressed).

    Returns
    -------
    DataFrame
        A copy of ``df`` with ``flag_col`` (bool) and nulled figures. Integer figure
        columns become pandas' nullable ``Int64``. With ``complementary_by``, also a
        column ``<flag_col>_reason``: ``small_n``, ``complementary`` or null.

    Raises
    ------
    ConfigError
        If ``min_n`` is below 1 or a named column is missing.

    Notes
    -----
    Primary rule: suppressed :math:`\iff n < \text{min\_n}` (or :math:`n` missing).
    Secondary rule (optional): within each group of ``complementary_by``, if exactly one
    record is suppressed and at least one other is not, the non-suppressed record with
    the smallest :math:`n` is suppressed as well.
    """
    if int(min_n) < 1:
        raise ConfigError(
            f"min_n skal være mindst 1, fik {min_n}.", f"min_n must be at least 1, got {min_n}."
        )
    hide = [*value_cols, *extra_hide, *([count_col] if hide_count else [])]
    missing = [c for c in [count_col, *hide, *(complementary_by or ())] if c not in df.columns]
    if missing:
        raise ConfigError(
            f"Kolonnerne {missing} findes ikke i tabellen, der skal diskretioneres.",
            f"Columns {missing} are not in the table to be suppressed.",
        )
    out = df.copy()
    n = pd.to_numeric(out[count_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    flag = n < int(min_n)
    if flag_col in out.columns:
        prev = out[flag_col].to_numpy(dtype=object)
        flag = flag | np.array([bool(v) if pd.notna(v) else False for v in prev], dtype=bool)
    primary = flag
    if complementary_by and len(out):
        flag = _complementary(out, n, flag, list(complementary_by))
    out[flag_col] = flag
    if complementary_by:
        out[f"{flag_col}_reason"] = pd.Series(
            np.where(~flag, None, np.where(primary, "small_n", "complementary")), index=out.index, dtype="str")
    for c in dict.fromkeys(hide):
        out[c] = _nullable(out[c])
        out.loc[flag, c] = np.nan if pd.api.types.is_float_dtype(out[c]) else pd.NA
    return out


def _nullable(s: pd.Series) -> pd.Series:
    # numpy int/bool columns cannot hold a null: move them to pandas' nullable dtypes so
    # that a count stays an integer (JSON 4, not 4.0) where it is shown.
    if pd.api.types.is_bool_dtype(s) and not isinstance(s.dtype, pd.BooleanDtype):
        return s.astype("boolean")
    if pd.api.types.is_integer_dtype(s) and not isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        return s.astype("Int64")
    return s


def _complementary(df: pd.DataFrame, n: np.ndarray, flag: np.ndarray, by: list[str]) -> np.ndarray:
    flag = flag.copy()
    keys = df[by].astype(str).agg("\x1f".join, axis=1).to_numpy()
    for key in pd.unique(keys):
        idx = np.flatnonzero(keys == key)
        if flag[idx].sum() == 1 and (~flag[idx]).any():
            open_idx = idx[~flag[idx]]
            flag[open_idx[np.argmin(n[open_idx])]] = True
    return flag


def is_suppressed(record: dict) -> bool:
    """True if a single record (dict, e.g. from ``to_dict('records')``) is suppressed."""
    return bool(record.get("suppressed", False))
