"""Numbers in a raw table's cells, written the Danish or the international way (``1.234,5``, ``1,234.5``).

Split from :mod:`benchlearn.data.validate` (#19: a module per domain noun, each under 600 lines):
the number parser is also the one a ``--units`` file is read with (``cli dea``), so it is public here
rather than reached as a private name of the validator. :func:`cell_error` is the one way a bad cell
is reported: table, the row as the person sees it in their file, column, value, what was expected.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from benchlearn.core.contract import Column
from benchlearn.core.errors import DataError
from benchlearn.data.io import RawTable

_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
#: rows a number column is parsed at a time (see :func:`parse_numbers`)
_NUMBER_ROWS = 1 << 20



def is_blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and not v.strip()


def _number(v: object, dot_thousands: bool) -> float:
    """Parse one number written the Danish or the international way; ``ValueError`` if not a number.

    ``dot_thousands`` is the column's convention (see :func:`parse_numbers`): ``.`` separates
    thousands and ``,`` is the decimal mark.
    """
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
    else:
        s = str(v).strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
        if "," in s and "." in s:
            if s.rfind(",") > s.rfind("."):  # 1.234,5
                s = s.replace(".", "").replace(",", ".")
            else:  # 1,234.5
                s = s.replace(",", "")
        elif "," in s:
            if not dot_thousands and _THOUSANDS_COMMA.match(s):
                s = s.replace(",", "")
            else:
                s = s.replace(",", ".")
        elif "." in s and dot_thousands:
            if not _THOUSANDS_DOT.match(s):
                raise ValueError(v)
            s = s.replace(".", "")
        if s.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
            raise ValueError(v)
        f = float(s)
    if not math.isfinite(f):
        raise ValueError(v)
    return f


def _dot_thousands(text: pd.Series, blank: np.ndarray, decimal_comma: bool) -> bool:
    """Decide, once per column, whether ``.`` separates thousands.

    Notes
    -----
    A column with commas follows the file's convention (``;`` Danish, ``,`` international);
    a value with both marks (``1.234,5``, ``1,234.5``) is read by their order. A column with a value such
    as ``12.5`` that cannot be a thousands grouping uses decimal points. Otherwise (only
    values like ``1.234``) the file's convention decides: ``;`` files are Danish (DATA.md).
    The decision is per column so that one value never means two things in two rows.
    """
    vals = text[~blank]
    if vals.str.contains(",", regex=False).any():
        return decimal_comma  # values with both marks are read by their order in _number
    dotted = vals[vals.str.contains(".", regex=False)].str.strip()
    if dotted.empty:
        return False
    if not dotted.str.match(_THOUSANDS_DOT.pattern).all():
        return False
    return decimal_comma


def cell_error(raw: RawTable, pos: int, col: str, value: object, da: str, en: str) -> DataError:
    return DataError(raw.name, raw.row_of(pos), col, value, da, en, source=raw.source)


def blank_mask(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.isna().to_numpy()
    as_text = values.astype("str")
    if not has_outer_space(as_text):  # no copy of a large column when nothing needs stripping
        return (values.isna() | as_text.eq("")).to_numpy()
    return (values.isna() | as_text.str.strip().eq("")).to_numpy()


def has_outer_space(text: pd.Series) -> bool:
    """Whether any value would change under ``.str.strip()`` (leading or trailing whitespace).

    Asked of Arrow's own trim, the kernel that ``strip`` runs on Arrow-backed text: a
    regex ``^\\s|\\s$`` went through Python's ``re`` one value at a time (pandas does so
    for ``$``), 26 of the 35 s of validating 1.4 million rows.
    """
    if isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow":
        arr = pa.array(text, from_pandas=True)
        chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
        for chunk in chunks:  # chunk by chunk: a trimmed copy of one chunk at a time
            for start in range(0, len(chunk), _NUMBER_ROWS):
                part = chunk.slice(start, _NUMBER_ROWS)
                if pc.any(pc.not_equal(pc.utf8_length(pc.utf8_trim_whitespace(part)), pc.utf8_length(part))).as_py():
                    return True
        return False
    return bool(text.str.contains(r"^\s|\s$", regex=True).fillna(False).any())


def parse_numbers(raw: RawTable, col: Column, values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype) and len(values):
        raise cell_error(raw, 0, col.name, values.iloc[0], "et tal, ikke sand/falsk", "a number, not true/false")
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(out)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise cell_error(raw, pos, col.name, values.iloc[pos], "et endeligt tal", "a finite number")
        return out
    blank = blank_mask(values)
    text = values.astype("str")
    if pd.api.types.is_object_dtype(values.dtype):  # XLSX cells may hold true/false
        is_bool = values.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy()
        if is_bool.any():
            pos = int(np.flatnonzero(is_bool)[0])
            raise cell_error(raw, pos, col.name, values.iloc[pos], "et tal, ikke sand/falsk", "a number, not true/false")
    dot_thousands = _dot_thousands(text, blank, raw.decimal_comma)
    # Fast path: numbers parse vectorised, the Danish rules of _number applied as string
    # operations; only values those cannot settle (both marks, a failure) go through the
    # per-value parser, which is the reference and the one that reports the error.
    # Done in slices of _NUMBER_ROWS rows: each string operation copies its slice, and a
    # 200 MB file's column copied five times over was most of ingest's peak memory.
    out = np.full(len(values), np.nan)
    slow_all = np.zeros(len(values), dtype=bool)
    for start in range(0, len(values), _NUMBER_ROWS):
        part, t_part, b_part = (values.iloc[start:start + _NUMBER_ROWS], text.iloc[start:start + _NUMBER_ROWS],
                                blank[start:start + _NUMBER_ROWS])
        if pd.api.types.is_object_dtype(values.dtype):
            conv, slow = part.where(~b_part), np.zeros(len(part), dtype=bool)
            slow |= t_part.str.contains(",", regex=False).to_numpy() & ~b_part
            if dot_thousands:
                slow |= t_part.str.contains(".", regex=False).to_numpy() & ~b_part
        else:
            conv, slow = _danish_as_plain(t_part, dot_thousands)
        fast = to_float(conv.where(~b_part))
        del conv
        slow = slow | (np.isnan(fast) & ~b_part) | np.isinf(fast)
        slow &= ~b_part
        out[start:start + len(part)] = np.where(b_part | slow, np.nan, fast)
        slow_all[start:start + len(part)] = slow
    for i in np.flatnonzero(slow_all):
        v = values.iloc[int(i)]
        try:
            out[i] = _number(v, dot_thousands)
        except ValueError:
            raise cell_error(raw, int(i), col.name, v, "et tal (fx 1234,5 eller 1234.5)", "a number (e.g. 1234,5 or 1234.5)") from None
    return out


def to_float(values: pd.Series) -> np.ndarray:
    """Text to float64, anything that is not a plain number as NaN.

    Notes
    -----
    A text column is cast by Arrow (no Python object per value: ``pd.to_numeric`` on text
    made one for each of a 200 MB file's values); if any value does not parse, the distinct
    values are parsed by pandas and mapped back, which costs memory by distinct values only.
    """
    if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype):
        try:
            arr = pa.array(values, from_pandas=True)
            return pc.cast(pc.utf8_trim_whitespace(arr), pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            return np.where(codes >= 0, np.append(parsed, np.nan)[codes], np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _danish_as_plain(text: pd.Series, dot_thousands: bool) -> tuple[pd.Series, np.ndarray]:
    """Text numbers rewritten as plain ones by :func:`_number`'s rules, and the values left to it.

    Notes
    -----
    A value with only ``,`` has its ``,`` as decimal mark, or as thousands separator when
    the column does not use ``.`` for thousands and the value is grouped (``1,234``). A value
    with only ``.`` in a dot-thousands column must be grouped (``1.234``), and loses the
    dots. A value with both marks is left to :func:`_number` (its order decides).
    """
    t = text.str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    t = t.str.replace("\u2212", "-", regex=False)
    has_c = t.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)
    has_d = t.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
    slow = has_c & has_d
    only_c = has_c & ~has_d
    out = t
    if only_c.any():
        grouped = t.str.match(_THOUSANDS_COMMA.pattern).fillna(False).to_numpy(dtype=bool) & only_c & (not dot_thousands)
        out = out.where(~grouped, t.str.replace(",", "", regex=False))
        out = out.where(~(only_c & ~grouped), t.str.replace(",", ".", regex=False))
    if dot_thousands:
        only_d = has_d & ~has_c
        if only_d.any():
            grouped = t.str.match(_THOUSANDS_DOT.pattern).fillna(False).to_numpy(dtype=bool) & only_d
            slow |= only_d & ~grouped
            out = out.where(~grouped, t.str.replace(".", "", regex=False))
    return out, slow
