"""Typing and validation of contract tables.

Written by hand rather than with pandera: a bad value must be reported with the row a
person sees in *their file* (CSV line, sheet row) in Danish and English, and Danish
number conventions (``1.234,5``) have to be parsed before any schema can type a column.
The checks themselves are the contract's (:mod:`benchlearn.core.contract`), declared once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from benchlearn.core import reference
from benchlearn.core.contract import PERIOD_TABLES, PLAUSIBILITY, TABLES, Column, TableSpec
from benchlearn.core.errors import DataError
from benchlearn.data.io import RawTable, normalise_column
from benchlearn.core.periods import EXPECTED_DA, EXPECTED_EN, period_kind

_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_TRUE = {"true", "sand", "ja", "yes", "1", "t", "j", "y"}
_FALSE = {"false", "falsk", "nej", "no", "0", "f", "n"}


@lru_cache(maxsize=1)
def _ydelse_aliases() -> dict[str, str]:
    """Danish names as people write them (``Kontanthjælp``, ``A-dagpenge``) -> contract codes."""
    y = reference.ydelser()
    return {normalise_column(n): c for n, c in zip(y["navn_da"], y["ydelse"])}


def _blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and not v.strip()


def _number(v: object, dot_thousands: bool) -> float:
    """Parse one number written the Danish or the international way; ``ValueError`` if not a number.

    ``dot_thousands`` is the column's convention (see :func:`_numbers`): ``.`` separates
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


def _fail(raw: RawTable, pos: int, col: str, value: object, da: str, en: str) -> DataError:
    return DataError(raw.name, raw.row_of(pos), col, value, da, en, source=raw.source)


def _blank_mask(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.isna().to_numpy()
    as_text = values.astype("str")
    if not _has_outer_space(as_text):  # no copy of a large column when nothing needs stripping
        return (values.isna() | as_text.eq("")).to_numpy()
    return (values.isna() | as_text.str.strip().eq("")).to_numpy()


def _has_outer_space(text: pd.Series) -> bool:
    return bool(text.str.contains(r"^\s|\s$", regex=True).fillna(False).any())


def _numbers(raw: RawTable, col: Column, values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype) and len(values):
        raise _fail(raw, 0, col.name, values.iloc[0], "et tal, ikke sand/falsk", "a number, not true/false")
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(out)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise _fail(raw, pos, col.name, values.iloc[pos], "et endeligt tal", "a finite number")
        return out
    blank = _blank_mask(values)
    text = values.astype("str")
    if pd.api.types.is_object_dtype(values.dtype):  # XLSX cells may hold true/false
        is_bool = values.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy()
        if is_bool.any():
            pos = int(np.flatnonzero(is_bool)[0])
            raise _fail(raw, pos, col.name, values.iloc[pos], "et tal, ikke sand/falsk", "a number, not true/false")
    dot_thousands = _dot_thousands(text, blank, raw.decimal_comma)
    # Fast path: numbers parse vectorised, the Danish rules of _number applied as string
    # operations; only values those cannot settle (both marks, a failure) go through the
    # per-value parser, which is the reference and the one that reports the error.
    if pd.api.types.is_object_dtype(values.dtype):
        conv, slow = values.where(~blank), np.zeros(len(values), dtype=bool)
        slow |= text.str.contains(",", regex=False).to_numpy() & ~blank
        if dot_thousands:
            slow |= text.str.contains(".", regex=False).to_numpy() & ~blank
    else:
        conv, slow = _danish_as_plain(text, dot_thousands)
    fast = _to_float(conv.where(~blank))
    slow = slow | (np.isnan(fast) & ~blank) | np.isinf(fast)
    slow &= ~blank
    out = np.where(blank | slow, np.nan, fast)
    for i in np.flatnonzero(slow):
        v = values.iloc[int(i)]
        try:
            out[i] = _number(v, dot_thousands)
        except ValueError:
            raise _fail(raw, int(i), col.name, v, "et tal (fx 1234,5 eller 1234.5)", "a number (e.g. 1234,5 or 1234.5)") from None
    return out


def _to_float(values: pd.Series) -> np.ndarray:
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


def _text_series(values: pd.Series) -> pd.Series:
    """Text values stripped, blanks as missing, as a ``str`` Series (vectorised for text columns:
    a Python list of a 200 MB file's strings is what made ingest take 24x the file in memory)."""
    if not pd.api.types.is_object_dtype(values.dtype) and not pd.api.types.is_numeric_dtype(values.dtype):
        text = values.astype("str")
        stripped = text.str.strip() if _has_outer_space(text) else text
        blank = (values.isna() | stripped.eq("")).to_numpy()
        return stripped.where(~blank) if blank.any() else stripped
    return pd.Series(_texts(values), index=values.index, dtype="str")


def _texts(values: pd.Series) -> list[str | None]:
    if not pd.api.types.is_object_dtype(values.dtype) and not pd.api.types.is_numeric_dtype(values.dtype):
        stripped = values.astype("str").str.strip()
        blank = values.isna() | stripped.eq("")
        return [None if b else v for v, b in zip(stripped.tolist(), blank.tolist())]
    out: list[str | None] = []
    for v in values.tolist():
        if _blank(v):
            out.append(None)
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))  # Excel stores 2023 and 0450 as numbers
        else:
            out.append(str(v).strip())
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(raw: RawTable, name: str, texts: pd.Series) -> pd.Series:
    """Refuse control characters (a NUL byte inside a name, audit #20.10): they never belong
    in a value, are invisible on screen and cut strings short in C libraries downstream."""
    bad = texts.str.contains(_CONTROL.pattern, regex=True).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise _fail(raw, pos, name, texts.iloc[pos], "tekst uden styretegn (fx NUL-byte)", "text without control characters (e.g. a NUL byte)")
    return texts


def _check_range(raw: RawTable, col: Column, arr: np.ndarray, values: pd.Series) -> None:
    for bound, op, da, en in (
        (col.minimum, np.less, "mindst", "at least"),
        (col.maximum, np.greater, "højst", "at most"),
    ):
        if bound is None:
            continue
        with np.errstate(invalid="ignore"):
            bad = op(arr, bound) & ~np.isnan(arr)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            b = int(bound) if float(bound).is_integer() else bound
            raise _fail(raw, pos, col.name, values.iloc[pos], f"et tal {da} {b}", f"a number {en} {b}")


def _typed_column(raw: RawTable, col: Column, values: pd.Series) -> pd.Series:
    kind = col.kind
    if kind in ("number", "integer", "item5", "progression"):
        arr = _numbers(raw, col, values)
        if kind in ("integer", "item5", "progression"):
            lo, hi = {"item5": (1, 5), "progression": (-2, 2)}.get(kind, (None, None))
            ok = np.isnan(arr) | (np.mod(arr, 1) == 0)
            if lo is not None:
                ok &= np.isnan(arr) | ((arr >= lo) & (arr <= hi))
            if not ok.all():
                pos = int(np.flatnonzero(~ok)[0])
                if lo is None:
                    da, en = "et helt tal", "a whole number"
                else:
                    da, en = f"et helt tal fra {lo} til {hi} (tom = ikke besvaret)", f"a whole number from {lo} to {hi} (blank = not answered)"
                raise _fail(raw, pos, col.name, values.iloc[pos], da, en)
        _check_range(raw, col, arr, values)
        return pd.Series(arr, index=values.index, dtype="float64")
    if kind == "kommunekode":
        valid = np.array(sorted(reference.kommunekoder()), dtype="int64")
        blank = _blank_mask(values)
        if pd.api.types.is_bool_dtype(values.dtype):
            nums = np.full(len(values), np.nan)
        elif pd.api.types.is_numeric_dtype(values.dtype):
            nums = values.to_numpy(dtype="float64", na_value=np.nan)
        else:
            # parsed once per distinct value: a column of millions of rows holds at most 98
            codes_, uniques = pd.factorize(values.astype("str"), use_na_sentinel=True)
            parsed = _to_float(pd.Series(uniques, dtype="str").str.strip())
            nums = np.where(codes_ >= 0, np.append(parsed, np.nan)[codes_], np.nan)
            nums[blank] = np.nan
        with np.errstate(invalid="ignore"):
            whole = ~np.isnan(nums) & (np.mod(nums, 1) == 0)
        codes = np.where(whole, nums, -1).astype("int64")
        ok = whole & np.isin(codes, valid)
        if not ok.all():
            pos = int(np.flatnonzero(~ok)[0])
            raise _fail(
                raw, pos, col.name, values.iloc[pos],
                "en af de 98 kommunekoder (fx 101 København, 450 Nyborg)",
                "one of the 98 municipality codes (e.g. 101 København, 450 Nyborg)",
            )
        return pd.Series(codes, index=values.index, dtype="int64")
    if kind == "bool":
        res = []
        for i, v in enumerate(values.tolist()):
            if isinstance(v, (bool, np.bool_)):
                res.append(bool(v))
                continue
            s = "" if _blank(v) else str(v).strip().lower()
            if s.endswith(".0"):
                s = s[:-2]
            if s in _TRUE:
                res.append(True)
            elif s in _FALSE:
                res.append(False)
            else:
                raise _fail(raw, i, col.name, v, "sand/falsk (true/false, ja/nej, 1/0)", "true/false (ja/nej, 1/0)")
        return pd.Series(res, index=values.index, dtype="bool")
    if kind == "date":
        return _dates(raw, col, values)
    texts = _no_control(raw, col.name, _text_series(values))
    allowed: Iterable[str] | None = None
    if kind == "period":
        kinds = _period_kinds(texts)
        bad = (texts.notna() & kinds.isna()).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise _fail(raw, pos, col.name, texts.iloc[pos], EXPECTED_DA, EXPECTED_EN)
    elif kind == "ydelse":
        aliases = _ydelse_aliases()
        texts = _per_unique(texts, lambda s: aliases.get(normalise_column(s), normalise_column(s)))
        allowed = reference.ydelse_codes()
    elif kind == "area":
        texts = texts.str.lower()
        allowed = reference.area_codes() + reference.maalgruppe_codes() + reference.integration_codes()
    elif kind == "maalgruppe":
        texts = texts.str.lower()
        allowed = reference.maalgruppe_codes()
    elif kind == "sex":
        texts = texts.str.upper()
        allowed = ("M", "K")
    elif kind == "choice":
        texts = texts.str.lower()
        allowed = col.choices
    elif kind == "method":
        texts = texts.str.lower()
        allowed = reference.method_codes()
    elif kind == "enabler":
        texts = texts.str.lower()
        allowed = reference.enabler_codes()
    if allowed is not None:
        allowed_set = set(allowed)
        bad = (texts.notna() & ~texts.isin(allowed_set)).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            shown = ", ".join(sorted(allowed_set))
            raise _fail(raw, pos, col.name, texts.iloc[pos], f"en af: {shown}", f"one of: {shown}")
    return texts.astype("str")


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DK_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")


def _one_date(v: object) -> str | None:
    """ISO text of one date (2024-03-01, 01-03-2024, 1.3.2024 or an Excel date); None if not a date."""
    import datetime as _dt

    if isinstance(v, (_dt.datetime, pd.Timestamp)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, _dt.date):
        return v.isoformat()
    s = str(v).strip()
    m = _ISO_DATE.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DK_DATE.match(s)
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def _dates(raw: RawTable, col: Column, values: pd.Series) -> pd.Series:
    """A date column as ISO text (``YYYY-MM-DD``), so that text order is date order."""
    out: list[str | None] = []
    for i, v in enumerate(values.tolist()):
        if _blank(v):
            out.append(None)
            continue
        iso = _one_date(v)
        if iso is None:
            raise _fail(raw, i, col.name, v, "en dato (fx 2024-03-01 eller 01-03-2024)", "a date (e.g. 2024-03-01 or 01-03-2024)")
        out.append(iso)
    return pd.Series(out, index=values.index, dtype="str")


def _per_unique(texts: pd.Series, fn) -> pd.Series:  # type: ignore[no-untyped-def]
    """``fn`` applied once per distinct value (a column of millions of rows has a few hundred)."""
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=texts.index, dtype="str")


def _period_kinds(texts: pd.Series) -> pd.Series:
    """:func:`period_kind` of every label, computed once per distinct label."""
    return _per_unique(texts, period_kind)


def validate_table(raw: RawTable, spec: TableSpec | None = None) -> pd.DataFrame:
    """Type and check one table against its contract spec; raise :class:`DataError` at the first problem.

    Tables outside the contract get only their ``kommunekode`` and ``period`` columns
    checked; other columns become numbers where every value is one, text otherwise.
    """
    spec = spec if spec is not None else TABLES.get(raw.name)
    frame = raw.frame.reset_index(drop=True)
    if len(set(frame.columns)) != len(frame.columns):
        dup = next(c for c in frame.columns if list(frame.columns).count(c) > 1)
        raise DataError(raw.name, 1, dup, dup, "hver kolonne kun én gang", "each column once", source=raw.source)
    for name in frame.columns:
        if _CONTROL.search(str(name)):
            raise DataError(raw.name, 1, str(name), str(name), "et kolonnenavn uden styretegn (fx NUL-byte)",
                            "a column name without control characters (e.g. a NUL byte)", source=raw.source)
    out: dict[str, pd.Series] = {}
    if spec is None:
        for name in frame.columns:
            if name == "kommunekode":
                out[name] = _typed_column(raw, Column(name, "kommunekode", "", ""), frame[name])
            elif name == "period":
                out[name] = _typed_column(raw, Column(name, "period", "", ""), frame[name])
            else:
                try:
                    out[name] = _typed_column(raw, Column(name, "number", "", "", nullable=True), frame[name])
                except DataError:
                    out[name] = _no_control(raw, name, _text_series(frame[name]))
        return pd.DataFrame(out, copy=False)
    for col in spec.columns:
        if col.name not in frame.columns:
            if col.required:
                have = ", ".join(frame.columns)
                raise DataError(
                    raw.name, 1, col.name, have,
                    f"en kolonne med navnet '{col.name}' ({col.doc_da}) blandt overskriftens kolonner",
                    f"a column named '{col.name}' ({col.doc_en}) among the header's columns",
                    source=raw.source,
                )
            continue
        series = _typed_column(raw, col, frame[col.name])
        if not col.nullable:
            missing = series.isna().to_numpy()
            if missing.any():
                pos = int(np.flatnonzero(missing)[0])
                raise _fail(raw, pos, col.name, "", f"en værdi ({col.doc_da}), ikke et tomt felt", f"a value ({col.doc_en}), not a blank")
        out[col.name] = series
    for col in spec.columns:
        if col.at_most and col.name in out and col.at_most in out:
            with np.errstate(invalid="ignore"):
                bad = (out[col.name] > out[col.at_most]).to_numpy()
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise _fail(
                    raw, pos, col.name, out[col.name].iloc[pos],
                    f"højst værdien i '{col.at_most}' ({out[col.at_most].iloc[pos]:g})",
                    f"at most the value in '{col.at_most}' ({out[col.at_most].iloc[pos]:g})",
                )
    for col in spec.columns:
        if col.not_before and col.name in out and col.not_before in out:
            a, b = out[col.name], out[col.not_before]
            bad = (a.notna() & b.notna() & (a.fillna("") < b.fillna(""))).to_numpy()
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise _fail(
                    raw, pos, col.name, a.iloc[pos],
                    f"en dato tidligst '{col.not_before}' ({b.iloc[pos]})",
                    f"a date no earlier than '{col.not_before}' ({b.iloc[pos]})",
                )
    for name in frame.columns:  # extra columns are kept, typed loosely
        if name not in out:
            try:
                out[name] = _typed_column(raw, Column(name, "number", "", "", nullable=True), frame[name])
            except DataError:
                out[name] = _no_control(raw, name, _text_series(frame[name]))
    typed = pd.DataFrame(out, copy=False)
    key = [k for k in spec.key if k in typed.columns]
    if key and len(typed):
        dup = typed.duplicated(subset=key, keep="first").to_numpy()
        if dup.any():
            pos = int(np.flatnonzero(dup)[0])
            first = int(np.flatnonzero(typed[key].eq(typed[key].iloc[pos]).all(axis=1).to_numpy())[0])
            shown = ", ".join(f"{k}={typed[k].iloc[pos]}" for k in key)
            raise _fail(
                raw, pos, ",".join(key), shown,
                f"én række pr. ({', '.join(key)}); samme nøgle står allerede i række {raw.row_of(first)}",
                f"one row per ({', '.join(key)}); the same key is already in row {raw.row_of(first)}",
            )
    if "period" in typed.columns and len(typed):
        kinds = _period_kinds(typed["period"])
        first_kind = kinds.iloc[0]
        odd = (kinds != first_kind).to_numpy()
        if odd.any():
            pos = int(np.flatnonzero(odd)[0])
            raise _fail(
                raw, pos, "period", typed["period"].iloc[pos],
                f"samme slags periode i hele tabellen (første række har {typed['period'].iloc[0]})",
                f"one kind of period throughout the table (the first row has {typed['period'].iloc[0]})",
            )
    return typed


def check_period_kinds(tables: dict[str, pd.DataFrame], raws: dict[str, RawTable]) -> None:
    """All period tables of one dataset use one kind of period label (DATA.md)."""
    seen: tuple[str, str, str | None] | None = None
    for name in PERIOD_TABLES:
        df = tables.get(name)
        if df is None or "period" not in df.columns or not len(df):
            continue
        kind = period_kind(df["period"].iloc[0])
        if seen is None:
            seen = (name, df["period"].iloc[0], kind)
        elif kind != seen[2]:
            raw = raws.get(name)
            row = raw.row_of(0) if raw else 1
            raise DataError(
                name, row, "period", df["period"].iloc[0],
                f"samme slags periode som i tabellen '{seen[0]}' (fx {seen[1]})",
                f"the same kind of period as in table '{seen[0]}' (e.g. {seen[1]})",
                source=raw.source if raw else None,
            )


def check_plausibility(tables: dict[str, pd.DataFrame], raws: dict[str, RawTable]) -> None:
    """The contract's :data:`~benchlearn.contract.PLAUSIBILITY` rules across tables.

    ``tables`` are the typed tables in file order (before sorting), so a position is the
    row a person sees in the file.
    """
    for rule in PLAUSIBILITY:
        df, of = tables.get(rule.table), tables.get(rule.of_table)
        if df is None or of is None or not len(df) or not len(of):
            continue
        if not {*rule.on, rule.column} <= set(df.columns) or not {*rule.on, rule.of_column} <= set(of.columns):
            continue
        partner = of[[*rule.on, rule.of_column]].rename(columns={rule.of_column: "_of"})
        joined = df[list(rule.on)].merge(partner, how="left", on=list(rule.on))
        value = df[rule.column].to_numpy(dtype="float64", na_value=np.nan)
        limit = joined["_of"].to_numpy(dtype="float64", na_value=np.nan) * rule.at_most
        with np.errstate(invalid="ignore"):
            bad = value > limit
        if not bad.any():
            continue
        pos = int(np.flatnonzero(bad)[0])
        raw = raws.get(rule.table)
        where = ", ".join(f"{k} {df[k].iloc[pos]}" for k in rule.on)
        lim = f"{limit[pos]:,.0f}"
        raise DataError(
            rule.table, raw.row_of(pos) if raw else pos + 1, rule.column, df[rule.column].iloc[pos],
            f"{rule.doc_da}: højst {lim.replace(',', '.')} ({rule.of_table}.{rule.of_column} for {where})",
            f"{rule.doc_en}: at most {lim} ({rule.of_table}.{rule.of_column} for {where})",
            source=raw.source if raw else None,
        )
