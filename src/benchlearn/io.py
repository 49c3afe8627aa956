"""Reading raw table files: CSV (Danish and international conventions), XLSX, Parquet.

Everything is read as text first (CSV) or as stored (XLSX, Parquet); typing and
validation happen in :mod:`benchlearn.validate`, so that a bad value can be reported
with the row a person sees in the file.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchlearn.errors import DatasetError

_TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})


def normalise_column(name: object) -> str:
    """Column names are case-insensitive; æøå are spelled ae/oe/aa; spaces become ``_``."""
    s = unicodedata.normalize("NFC", str(name)).strip().lstrip("\ufeff").translate(_TRANSLIT).lower()
    return "_".join(s.replace("-", " ").split())


@dataclass(frozen=True)
class RawTable:
    """A table as read from its file, before typing.

    ``first_row`` is the row number a person sees for the first data row (2 in a CSV or
    XLSX sheet with a header, 1 in Parquet); ``row_numbers`` overrides it when rows were
    skipped (blank lines in a sheet).
    """

    name: str
    frame: pd.DataFrame
    source: str
    first_row: int
    decimal_comma: bool = False
    row_numbers: tuple[int, ...] | None = None

    def row_of(self, position: int) -> int:
        if self.row_numbers is not None:
            return self.row_numbers[position]
        return self.first_row + position


def decode_bytes(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), else cp1252 — the two encodings Danish files come in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"Filen {source} er hverken UTF-8 eller cp1252 (byte {exc.start}).",
            f"The file {source} is neither UTF-8 nor cp1252 (byte {exc.start}).",
        ) from None


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv(path: Path, name: str) -> RawTable:
    """Read a CSV file as text, detecting encoding, delimiter and decimal convention.

    Notes
    -----
    ``;`` as delimiter means the Danish convention (decimal comma, ``.`` as thousands
    separator); ``,`` means decimal point. Line numbers reported in errors are file
    lines (header = line 1); the csv module is used rather than pandas so that quoted
    fields with embedded newlines still give correct line numbers.
    """
    text = decode_bytes(path.read_bytes(), path.name)
    lines = text.splitlines()
    header = next((ln for ln in lines if ln.strip()), "")
    if not header:
        raise DatasetError(f"Filen {path.name} er tom.", f"The file {path.name} is empty.")
    delim = _delimiter(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str]] = []
    numbers: list[int] = []
    columns: list[str] | None = None
    for record in reader:
        line_no = reader.line_num
        if not record or all(not c.strip() for c in record):
            continue
        if columns is None:
            columns = [normalise_column(c) for c in record]
            continue
        rows.append(record)
        numbers.append(line_no)
    assert columns is not None
    width = len(columns)
    for rec, ln in zip(rows, numbers):
        if len(rec) != width:
            from benchlearn.errors import DataError

            raise DataError(
                name,
                ln,
                None,
                delim.join(rec),
                f"{width} felter adskilt af '{delim}' som i overskriften",
                f"{width} fields separated by '{delim}' as in the header",
                source=path.name,
            )
    frame = pd.DataFrame(rows, columns=columns, dtype=str) if rows else pd.DataFrame(columns=columns, dtype=str)
    return RawTable(name, frame, path.name, 2, decimal_comma=(delim == ";"), row_numbers=tuple(numbers))


def read_parquet(path: Path, name: str) -> RawTable:
    frame = pd.read_parquet(path)
    frame.columns = [normalise_column(c) for c in frame.columns]
    return RawTable(name, frame.reset_index(drop=True), path.name, 1)


def read_xlsx_sheets(path: Path) -> dict[str, RawTable]:
    """Every sheet of a workbook, keyed by normalised sheet name."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DatasetError(
            f"Kan ikke læse Excel-filen {path.name}: {exc}",
            f"Cannot read the Excel file {path.name}: {exc}",
        ) from None
    out: dict[str, RawTable] = {}
    try:
        for ws in wb.worksheets:
            header: list[str] | None = None
            rows: list[list[object]] = []
            numbers: list[int] = []
            for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                if header is None:
                    header = [normalise_column(v) if v is not None else "" for v in values]
                    while header and header[-1] == "":
                        header.pop()
                    continue
                rows.append(list(values[: len(header)]) + [None] * (len(header) - len(values)))
                numbers.append(i)
            if header is None:
                continue
            frame = pd.DataFrame(rows, columns=header, dtype=object)
            label = f"{path.name}[{ws.title}]"
            out[normalise_column(ws.title)] = RawTable(
                normalise_column(ws.title), frame, label, 2, decimal_comma=True, row_numbers=tuple(numbers)
            )
    finally:
        wb.close()
    return out
