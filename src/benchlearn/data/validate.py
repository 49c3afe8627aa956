"""Typing and validation of contract tables.

Written by hand rather than with pandera: a bad value must be reported with the row a
person sees in *their file* (CSV line, sheet row) in Danish and English, and Danish
number conventions (``1.234,5``) have to be parsed before any schema can type a column.
The checks themselves are the contract's (:mod:`benchlearn.core.contract`), declared once.
Numbers and the error naming a bad cell live in :mod:`benchlearn.data.numbers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.contract import PERIOD_TABLES, PLAUSIBILITY, TABLES, Column, TableSpec
from benchlearn.core.errors import DataError
from benchlearn.data.io import RawTable, normalise_column
from benchlearn.data.keys import key_ids
from benchlearn.core.periods import EXPECTED_DA, EXPECTED_EN, period_kind
from benchlearn.data.numbers import cell_error, has_outer_space, is_blank, parse_numbers, to_float

_TRUE = {"true", "sand", "ja", "yes", "1", "t", "j", "y"}
_FALSE = {"false", "falsk", "nej", "no", "0", "f", "n"}


@lru_cache(maxsize=1)
def _ydelse_aliases() -> dict[str, str]:
    """Danish names as people write them (``Kontanthjælp``, ``A-dagpenge``) -> contract codes."""
    y = reference.ydelser()
    return {normalise_column(n): c for n, c in zip(y["navn_da"], y["ydelse"])}


def _text_series(values: pd.Series) -> pd.Series:
    """Text values stripped, blanks as missing, as a ``str`` Series (vectorised for text columns:
    a Python list of a 200 MB file's strings is what made ingest take 24x the file in memory)."""
    if not pd.api.types.is_object_dtype(values.dtype) and not pd.api.types.is_numeric_dtype(values.dtype):
        text = values.astype("str")
        stripped = text.str.strip() if has_outer_space(text) else text
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
        if is_blank(v):
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
        raise cell_error(raw, pos, name, texts.iloc[pos], "tekst uden styretegn (fx NUL-byte)", "text without control characters (e.g. a NUL byte)")
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
            raise cell_error(raw, pos, col.name, values.iloc[pos], f"et tal {da} {b}", f"a number {en} {b}")


def _typed_column(raw: RawTable, col: Column, values: pd.Series) -> pd.Series:
    kind = col.kind
    if kind in ("number", "integer", "item5", "progression"):
        arr = parse_numbers(raw, col, values)
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
                raise cell_error(raw, pos, col.name, values.iloc[pos], da, en)
        _check_range(raw, col, arr, values)
        return pd.Series(arr, index=values.index, dtype="float64")
    if kind == "kommunekode":
        valid = np.array(sorted(reference.kommunekoder()), dtype="int64")

        def settle(nums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            with np.errstate(invalid="ignore"):
                whole = ~np.isnan(nums) & (np.mod(nums, 1) == 0)
            c = np.where(whole, nums, -1).astype("int64")
            return c, whole & np.isin(c, valid)

        if pd.api.types.is_bool_dtype(values.dtype):
            codes, ok = settle(np.full(len(values), np.nan))
        elif pd.api.types.is_numeric_dtype(values.dtype):
            codes, ok = settle(values.to_numpy(dtype="float64", na_value=np.nan))
        else:
            # parsed and checked once per distinct value (a column of millions of rows holds
            # at most 98), then mapped to the rows: no float or text copy of the column; a
            # blank or missing value parses to no number, so it is refused as before
            codes_, uniques = pd.factorize(values.astype("str"), use_na_sentinel=True)
            code_u, ok_u = settle(to_float(pd.Series(uniques, dtype="str").str.strip()))
            codes = np.append(code_u, -1)[codes_]
            ok = np.append(ok_u, False)[codes_]
            del codes_
        if not ok.all():
            pos = int(np.flatnonzero(~ok)[0])
            raise cell_error(
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
            s = "" if is_blank(v) else str(v).strip().lower()
            if s.endswith(".0"):
                s = s[:-2]
            if s in _TRUE:
                res.append(True)
            elif s in _FALSE:
                res.append(False)
            else:
                raise cell_error(raw, i, col.name, v, "sand/falsk (true/false, ja/nej, 1/0)", "true/false (ja/nej, 1/0)")
        return pd.Series(res, index=values.index, dtype="bool")
    if kind == "date":
        return _dates(raw, col, values)
    texts = _no_control(raw, col.name, _text_series(values))
    allowed: Iterable[str] | None = None
    if kind == "period":
        codes_, kinds_ = _kind_codes(texts)
        bad = (codes_ >= 0) & np.array([k is None for k in kinds_] + [False], dtype=bool)[codes_]
        del codes_
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise cell_error(raw, pos, col.name, texts.iloc[pos], EXPECTED_DA, EXPECTED_EN)
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
            raise cell_error(raw, pos, col.name, texts.iloc[pos], f"en af: {shown}", f"one of: {shown}")
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
        if is_blank(v):
            out.append(None)
            continue
        iso = _one_date(v)
        if iso is None:
            raise cell_error(raw, i, col.name, v, "en dato (fx 2024-03-01 eller 01-03-2024)", "a date (e.g. 2024-03-01 or 01-03-2024)")
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


def _kind_codes(texts: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Each row's index into the distinct labels' :func:`period_kind` (``-1`` = blank), and those kinds.

    What :func:`_period_kinds` says without a Series of millions of labels' kinds.
    """
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    return codes, [period_kind(u) for u in uniques]


def validate_table(raw: RawTable, spec: TableSpec | None = None, consume: bool = False) -> pd.DataFrame:
    """Type and check one table against its contract spec; raise :class:`DataError` at the first problem.

    Tables outside the contract get only their ``kommunekode`` and ``period`` columns
    checked; other columns become numbers where every value is one, text otherwise.
    ``consume=True``: ``raw.frame`` is the caller's to give up — each text column is
    dropped from it once typed, so a large file's text and its typed table are not both
    held whole (ingest of a 200 MB file, #20.9).
    """
    spec = spec if spec is not None else TABLES.get(raw.name)
    if consume and isinstance(raw.frame.index, pd.RangeIndex) and raw.frame.index.start == 0 and raw.frame.index.step == 1:
        frame = raw.frame
    else:
        frame, consume = raw.frame.reset_index(drop=True), False

    def typed_column(col: Column) -> pd.Series:
        series = _typed_column(raw, col, frame[col.name])
        if consume:
            del frame[col.name]  # typed: the text goes (text columns share it with the result)
        return series

    if len(set(frame.columns)) != len(frame.columns):
        dup = next(c for c in frame.columns if list(frame.columns).count(c) > 1)
        raise DataError(raw.name, 1, dup, dup, "hver kolonne kun én gang", "each column once", source=raw.source)
    for name in frame.columns:
        if _CONTROL.search(str(name)):
            raise DataError(raw.name, 1, str(name), str(name), "et kolonnenavn uden styretegn (fx NUL-byte)",
                            "a column name without control characters (e.g. a NUL byte)", source=raw.source)
    out: dict[str, pd.Series] = {}
    names = list(frame.columns)
    if spec is None:
        for name in names:
            if name == "kommunekode":
                out[name] = typed_column(Column(name, "kommunekode", "", ""))
            elif name == "period":
                out[name] = typed_column(Column(name, "period", "", ""))
            else:
                try:
                    out[name] = typed_column(Column(name, "number", "", "", nullable=True))
                except DataError:
                    out[name] = _no_control(raw, name, _text_series(frame[name]))
                    if consume:
                        del frame[name]
        return pd.DataFrame(out, copy=False)
    for col in spec.columns:
        if col.name not in names:
            if col.required:
                have = ", ".join(names)
                raise DataError(
                    raw.name, 1, col.name, have,
                    f"en kolonne med navnet '{col.name}' ({col.doc_da}) blandt overskriftens kolonner",
                    f"a column named '{col.name}' ({col.doc_en}) among the header's columns",
                    source=raw.source,
                )
            continue
        series = typed_column(col)
        if not col.nullable:
            missing = series.isna().to_numpy()
            if missing.any():
                pos = int(np.flatnonzero(missing)[0])
                raise cell_error(raw, pos, col.name, "", f"en værdi ({col.doc_da}), ikke et tomt felt", f"a value ({col.doc_en}), not a blank")
        out[col.name] = series
    for col in spec.columns:
        if col.at_most and col.name in out and col.at_most in out:
            with np.errstate(invalid="ignore"):
                bad = (out[col.name] > out[col.at_most]).to_numpy()
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise cell_error(
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
                raise cell_error(
                    raw, pos, col.name, a.iloc[pos],
                    f"en dato tidligst '{col.not_before}' ({b.iloc[pos]})",
                    f"a date no earlier than '{col.not_before}' ({b.iloc[pos]})",
                )
    for name in names:  # extra columns are kept, typed loosely
        if name not in out:
            try:
                out[name] = typed_column(Column(name, "number", "", "", nullable=True))
            except DataError:
                out[name] = _no_control(raw, name, _text_series(frame[name]))
                if consume:
                    del frame[name]
    typed = pd.DataFrame(out, copy=False)
    key = [k for k in spec.key if k in typed.columns]
    if key and len(typed):
        ids = key_ids(typed, key)
        if ids is None:  # keys too many to number: pandas' hash table
            ids = typed.groupby(key, sort=False, dropna=False).ngroup().to_numpy(dtype="int64")
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        same = sorted_ids[1:] == sorted_ids[:-1]  # a row whose key an earlier row (in file order) has
        del sorted_ids
        if same.any():
            pos = int(order[1:][same].min())
            first = int(np.flatnonzero(ids == ids[pos])[0])
            shown = ", ".join(f"{k}={typed[k].iloc[pos]}" for k in key)
            raise cell_error(
                raw, pos, ",".join(key), shown,
                f"én række pr. ({', '.join(key)}); samme nøgle står allerede i række {raw.row_of(first)}",
                f"one row per ({', '.join(key)}); the same key is already in row {raw.row_of(first)}",
            )
    if "period" in typed.columns and len(typed):
        codes, kinds = _kind_codes(typed["period"])
        first_kind = kinds[codes[0]] if codes[0] >= 0 else None
        # as `kinds != first_kind` on a Series of kinds: a missing kind differs from everything
        odd_u = np.array([k is None or first_kind is None or k != first_kind for k in kinds] + [True], dtype=bool)
        odd = odd_u[codes]
        del codes
        if odd.any():
            pos = int(np.flatnonzero(odd)[0])
            raise cell_error(
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
