"""Downloads of result tables: CSV with Danish conventions, XLSX and Parquet.

CSV follows what Danish Excel opens without an import wizard: ``;`` as separator,
decimal comma, UTF-8 with BOM. In CSV and XLSX (read by people) a suppressed survey
cell holds the word *undertrykt*; in Parquet (read by programs) it is null and the
``suppressed`` column says why. No number from a suppressed cell appears anywhere.
"""

from __future__ import annotations

import io
from typing import Literal

import pandas as pd

from benchlearn.core.i18n import t

Format = Literal["csv", "xlsx", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def _mark_suppressed(df: pd.DataFrame, decimal_comma: bool = False) -> pd.DataFrame:
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
    word = t("undertrykt", "suppressed")
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


def to_csv_dk(df: pd.DataFrame) -> bytes:
    """CSV bytes in Danish conventions (``;``, decimal comma, UTF-8 with BOM).

    Notes
    -----
    Floats are written with full precision (``%.10g``) so a reader recovers the value
    to 10 significant digits.
    """
    out = _mark_suppressed(_plain(df), decimal_comma=True)
    text = out.to_csv(sep=";", decimal=",", index=False, float_format="%.10g", lineterminator="\r\n")
    return text.encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """An XLSX workbook (openpyxl) with one sheet, header row frozen."""
    buf = io.BytesIO()
    out = _mark_suppressed(_plain(df))
    for c in out.columns:  # openpyxl cannot write pandas' NA or tz-aware times
        if str(out[c].dtype) in ("Int64", "boolean", "string", "str"):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        out.to_excel(xw, sheet_name=sheet[:31], index=False)
        xw.sheets[sheet[:31]].freeze_panes = "A2"
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
