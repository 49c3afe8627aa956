"""Reading raw table files: CSV (Danish and international conventions), XLSX, Parquet.

Everything is read as text first (CSV) or as stored (XLSX, Parquet); typing and
validation happen in :mod:`benchlearn.data.validate`, so that a bad value can be reported
with the row a person sees in the file.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchlearn.core.errors import DatasetError

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


_MOJIBAKE = ("Ã¦", "Ã¸", "Ã¥", "Ã†", "Ã˜", "Ã…", "Ã©", "Ã¼", "Ã¶", "Ã¤")


def decode_bytes(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 — the encodings Danish files come in.

    A file that is UTF-8 in some lines and cp1252 in others is refused rather than read
    as cp1252, which would silently turn ``København`` into ``KÃ¸benhavn``.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DatasetError(f"Filen {source} er ikke gyldig UTF-16.", f"The file {source} is not valid UTF-16.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"Filen {source} er hverken UTF-8 eller cp1252 (byte {exc.start}).",
            f"The file {source} is neither UTF-8 nor cp1252 (byte {exc.start}).",
        ) from None
    for i, line in enumerate(text.splitlines(), start=1):
        if any(m in line for m in _MOJIBAKE):
            raise DatasetError(
                f"Filen {source} blander tegnsæt: linje {i} er UTF-8, men linje {bad_line} er ikke. Gem filen i ét tegnsæt (UTF-8).",
                f"The file {source} mixes encodings: line {i} is UTF-8 but line {bad_line} is not. Save it in one encoding (UTF-8).",
            )
    return text


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
    skip_first = False
    sep_hint = header.strip().lower()
    if sep_hint.startswith("sep=") and len(sep_hint) in (5, 6):  # Excel's "sep=;" first line
        delim = header.strip()[4:5] or ","
        skip_first = True
    else:
        delim = _delimiter(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    if skip_first:
        next(reader)
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
    if columns is None:
        raise DatasetError(f"Filen {path.name} har ingen overskrift.", f"The file {path.name} has no header.")
    rows, columns = _drop_blank_unnamed(rows, columns)
    width = len(columns)
    for rec, ln in zip(rows, numbers):
        if len(rec) != width:
            from benchlearn.core.errors import DataError

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


def _drop_blank_unnamed(rows: list[list[str]], columns: list[str]) -> tuple[list[list[str]], list[str]]:
    """Drop columns with no name and no values (a trailing ``;`` in Excel exports)."""
    drop = [
        i
        for i, c in enumerate(columns)
        if c == "" and all(i >= len(r) or not str(r[i]).strip() for r in rows)
    ]
    if not drop:
        return rows, columns
    keep = [i for i in range(len(columns)) if i not in drop]
    width = len(columns)
    return [[r[i] for i in keep] if len(r) == width else r for r in rows], [columns[i] for i in keep]


def read_parquet(path: Path, name: str) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged or non-Parquet file
        raise DatasetError(
            f"Kan ikke læse Parquet-filen {path.name}: {exc}",
            f"Cannot read the Parquet file {path.name}: {exc}",
        ) from None
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
                    continue
                rows.append(list(values[: len(header)]) + [None] * (len(header) - len(values)))
                numbers.append(i)
            if header is None:
                continue
            rows, header = _drop_blank_unnamed(rows, header)  # type: ignore[arg-type]
            frame = pd.DataFrame(rows, columns=header, dtype=object)
            label = f"{path.name}[{ws.title}]"
            out[normalise_column(ws.title)] = RawTable(
                normalise_column(ws.title), frame, label, 2, decimal_comma=True, row_numbers=tuple(numbers)
            )
    finally:
        wb.close()
    return out
