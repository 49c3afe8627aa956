"""Downloads of result tables: CSV with Danish conventions, XLSX and Parquet.

CSV follows what Danish Excel opens without an import wizard: ``;`` as separator,
decimal comma, UTF-8 with BOM. In CSV and XLSX (read by people) a suppressed survey
cell holds the word *undertrykt*; in Parquet (read by programs) it is null and the
``suppressed`` column says why. No number from a suppressed cell appears anywhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Literal

import pandas as pd

from benchlearn.report import text as tx

Format = Literal["csv", "xlsx", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def mark_suppressed(df: pd.DataFrame, decimal_comma: bool = False) -> pd.DataFrame:
    """Write the word 'undertrykt' into every blanked figure of a suppressed record.

    The column then holds text, which pandas writes without its decimal option, so
    for CSV the remaining numbers are formatted here (``%.10g``, decimal comma).
    """
    if "suppressed" not in df.columns or df.empty:
        return df
    sup = df["suppressed"].fillna(False).astype(bool)
    if not sup.any():
        return df
    out = df.copy()
    word = tx.say("tables.suppressed")
    for c in out.columns:
        if c in ("suppressed", "simulated") or pd.api.types.is_bool_dtype(out[c]):
            continue
        if pd.api.types.is_numeric_dtype(out[c]):
            blank = sup & out[c].isna()
            if blank.any():
                if decimal_comma:
                    out[c] = [word if b else ("" if pd.isna(v) else (f"{v:.10g}".replace(".", ",")
                                                                     if isinstance(v, float) else str(v)))
                              for v, b in zip(out[c].tolist(), blank.tolist())]
                else:
                    out[c] = out[c].astype(object)
                    out.loc[blank, c] = word
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Nested values (lists of peers ...) as text; pandas extension NA as None."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out


#: first characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def defuse_text(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading ``'``.

    Notes
    -----
    OWASP's guidance for CSV injection: prefix ``'`` to a cell starting with ``= + - @``,
    tab or carriage return. A text that is only a plain number (``-12``, ``-3,5``) cannot
    be a formula and is kept as written; numbers of numeric columns are never text and are
    never touched, so negative numbers stay numbers.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def defused_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell and column name through :func:`defuse_text` (a copy; numbers untouched)."""
    out = df.copy()
    out.columns = [defuse_text(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            if col.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START)).any():
                out[c] = col.astype(object).map(defuse_text)
    return out


def to_csv_dk(df: pd.DataFrame) -> bytes:
    """CSV bytes in Danish conventions (``;``, decimal comma, UTF-8 with BOM).

    Notes
    -----
    Floats are written with full precision (``%.10g``) so a reader recovers the value
    to 10 significant digits.
    """
    out = defused_frame(mark_suppressed(_plain(df), decimal_comma=True))
    text = out.to_csv(sep=";", decimal=",", index=False, float_format="%.10g", lineterminator="\r\n")
    return text.encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """An XLSX workbook (openpyxl) with one sheet, header row frozen; the same bytes for the same table.

    Text that would start a formula is defused (:func:`defuse_text`); see :func:`stable_zip`
    for why the workbook's clock is taken out.
    """
    buf = io.BytesIO()
    out = defused_frame(mark_suppressed(_plain(df)))
    for c in out.columns:  # openpyxl cannot write pandas' NA or tz-aware times
        if str(out[c].dtype) in ("Int64", "boolean", "string", "str"):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        out.to_excel(xw, sheet_name=sheet[:31], index=False)
        xw.sheets[sheet[:31]].freeze_panes = "A2"
    return stable_zip(buf.getvalue())


_FIXED_TIME = "2000-01-01T00:00:00Z"
_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def stable_zip(data: bytes) -> bytes:
    """The workbook without its clock: fixed document times and ZIP entry times.

    Why: openpyxl stamps ``docProps/core.xml`` with the time of saving and ``zipfile``
    stamps every entry, so two downloads of one table differed (audit #20.8). The entries
    are rewritten in their order with a fixed time; content is unchanged.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIME.sub(rb"\g<1>" + _FIXED_TIME.encode() + rb"\g<2>", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return buf.getvalue()


def to_parquet(df: pd.DataFrame) -> bytes:
    """Parquet bytes (pyarrow); suppressed figures stay null."""
    buf = io.BytesIO()
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
            try:
                out[c] = out[c].astype("string")
            except (TypeError, ValueError):
                pass
    out.to_parquet(buf, index=False)
    return buf.getvalue()


def encode(df: pd.DataFrame, fmt: Format, sheet: str = "data") -> bytes:
    """Encode a table in one of :data:`FORMATS`."""
    if fmt == "csv":
        return to_csv_dk(df)
    if fmt == "xlsx":
        return to_xlsx(df, sheet)
    if fmt == "parquet":
        return to_parquet(df)
    from benchlearn.core.errors import ConfigError

    raise ConfigError(f"Ukendt format '{fmt}'; brug csv, xlsx eller parquet.",
                      f"Unknown format '{fmt}'; use csv, xlsx or parquet.")
