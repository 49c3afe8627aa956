"""Reading raw table files: CSV (Danish and international conventions), XLSX, Parquet.

Everything is read as text first (CSV) or as stored (XLSX, Parquet); typing and
validation happen in :mod:`benchlearn.data.validate`, so that a bad value can be reported
with the row a person sees in the file.
"""

from __future__ import annotations

import array
import codecs
import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from benchlearn.core.errors import DataError, DatasetError

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
    skipped (blank lines, a quoted field over several lines): a tuple, or for a CSV an
    ``int64`` array (8 bytes a row; a tuple of Python ints took 36).
    """

    name: str
    frame: pd.DataFrame
    source: str
    first_row: int
    decimal_comma: bool = False
    row_numbers: tuple[int, ...] | np.ndarray | None = None

    def row_of(self, position: int) -> int:
        if self.row_numbers is not None:
            return int(self.row_numbers[position])
        return self.first_row + position


_MOJIBAKE = ("Ã¦", "Ã¸", "Ã¥", "Ã†", "Ã˜", "Ã…", "Ã©", "Ã¼", "Ã¶", "Ã¤")
#: a CSV field longer than this is refused (the csv module's own default limit, kept as the contract's)
MAX_FIELD = 131_072
_CHUNK_BYTES = 1 << 20
_ROWS_PER_CHUNK = 8_192


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the first bytes look like UTF-16 text without a byte-order mark.

    Text of Latin letters in UTF-16 has a NUL in every other byte; a real text file in
    UTF-8 or cp1252 has none.
    """
    sample = head[: 4096 - (len(head[:4096]) % 2)]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _utf8_error(path: Path) -> tuple[int, int] | None:
    """Stream the file through a UTF-8 decoder: ``(byte offset, line)`` of the first bad byte, else ``None``."""
    dec = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            try:
                dec.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                return offset + exc.start, lines + chunk[: exc.start].count(b"\n") + 1
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return offset + exc.start, lines + 1
    return None


def detect_encoding(path: Path, source: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with or without BOM), else cp1252 — read as a stream.

    A file that is UTF-8 in some lines and cp1252 in others is refused rather than read
    as cp1252, which would silently turn ``København`` into ``KÃ¸benhavn``.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        enc = _utf16_without_bom(head) or "utf-8"
    if enc.startswith("utf-16"):
        try:
            with path.open("r", encoding=enc, newline="") as fh:
                while fh.read(_CHUNK_BYTES):
                    pass
        except UnicodeDecodeError:
            raise DatasetError(f"Filen {source} er ikke gyldig UTF-16.", f"The file {source} is not valid UTF-16.") from None
        return enc
    bad = _utf8_error(path)
    if bad is None:
        return enc
    if b"\x00" in head:
        raise DatasetError(
            f"Filen {source} indeholder NUL-bytes og er ikke tekst i UTF-8, UTF-16 eller cp1252 (byte {head.index(0)}).",
            f"The file {source} holds NUL bytes and is not text in UTF-8, UTF-16 or cp1252 (byte {head.index(0)}).",
        )
    with path.open("r", encoding="cp1252", errors="strict", newline="") as fh:
        try:
            for i, line in enumerate(fh, start=1):
                if any(m in line for m in _MOJIBAKE):
                    raise DatasetError(
                        f"Filen {source} blander tegnsæt: linje {i} er UTF-8, men linje {bad[1]} er ikke. Gem filen i ét tegnsæt (UTF-8).",
                        f"The file {source} mixes encodings: line {i} is UTF-8 but line {bad[1]} is not. Save it in one encoding (UTF-8).",
                    )
        except UnicodeDecodeError as exc:
            raise DatasetError(
                f"Filen {source} er hverken UTF-8 eller cp1252 (byte {exc.start}).",
                f"The file {source} is neither UTF-8 nor cp1252 (byte {exc.start}).",
            ) from None
    return "cp1252"


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _first_line(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="") as fh:
        for line in fh:
            if line.strip():
                return line.rstrip("\r\n")
    return ""


class _Columns:
    """Column-wise accumulation of CSV records in Arrow chunks.

    Why by hand: the whole file as Python lists of strings took 24× the file in memory
    (audit: 4.8 GB for 200 MB). Records are collected ``_ROWS_PER_CHUNK`` at a time and
    moved into Arrow string arrays, so the Python objects of one chunk live at a time.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.chunks: list[list[pa.Array]] = [[] for _ in range(width)]
        self.pending: list[list[str]] = []
        self.numbers = array.array("q")

    def add(self, record: list[str], line: int) -> None:
        self.pending.append(record)
        self.numbers.append(line)
        if len(self.pending) >= _ROWS_PER_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        for j, col in enumerate(zip(*self.pending)):
            self.chunks[j].append(pa.array(col, type=pa.large_string()))
        self.pending = []

    def frame(self, columns: list[str]) -> pd.DataFrame:
        self.flush()
        dtype = pd.StringDtype(na_value=np.nan)
        arrays = [pa.chunked_array(c, type=pa.large_string()) for c in self.chunks]
        table = pa.table(dict(zip([f"c{j}" for j in range(self.width)], arrays)))
        frame = table.to_pandas(types_mapper=lambda t: dtype if t in (pa.string(), pa.large_string()) else None)
        frame.columns = columns
        return frame


#: a record whose every field is empty or whitespace (a superset of Python's ``str.isspace``): skipped by the reader
_BLANK_FIELD = r"^[\p{Z}\t\n\x0b\f\r\x1c-\x1f\x85]*$"
_SCAN_BYTES = 1 << 24


def _plain_lines(path: Path) -> int | None:
    """Physical lines of a file that holds no quote, NUL or lone CR — else ``None``.

    In such a file every line is one record (no quoted field can span lines or hide a
    delimiter), which is what lets :func:`_read_csv_arrow` give each row its line number
    without the ``csv`` module.
    """
    lines = 0
    last = b""
    prev_cr = False  # the previous chunk ended in CR: this one must start with LF
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_BYTES):
            if b'"' in chunk or b"\x00" in chunk or (prev_cr and not chunk.startswith(b"\n")):
                return None
            prev_cr = chunk.endswith(b"\r")
            if chunk.count(b"\r") - chunk.count(b"\r\n") - prev_cr > 0:
                return None  # a CR that does not end a CRLF
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if prev_cr:
        return None
    return lines + (1 if last not in (b"", b"\n") else 0)


def _read_csv_arrow(path: Path, enc: str, delim: str) -> tuple[list[str], _Columns] | None:
    """The fast path of :func:`read_csv`: Arrow's C++ reader, block by block, no Python object per value.

    Taken only when its result is by construction the ``csv`` module's: UTF-8, the
    header on line 1, no quote character anywhere (so a record is a line split at the
    delimiter), every line a record of the header's width (no blank line, no
    whitespace-only record, no field over :data:`MAX_FIELD`). Anything else returns
    ``None`` and the ``csv`` module reads the file, which also words every refusal.
    """
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if enc not in ("utf-8", "utf-8-sig"):
        return None
    lines = _plain_lines(path)
    if lines is None or lines < 1:
        return None
    with path.open("r", encoding=enc, newline="") as fh:
        reader = csv.reader(fh, delimiter=delim)
        header = next(reader, None)
        if not header or reader.line_num != 1 or not "".join(header).strip() or header[0].strip().lower().startswith("sep="):
            return None
    width = len(header)
    names = [f"c{j}" for j in range(width)]
    cols = _Columns(width)
    rows = 0
    try:
        stream = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char=False, double_quote=False,
                                             escape_char=False, newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
        )
        for batch in stream:
            blank = None
            for j in range(width):
                col = batch.column(j)
                if len(col) and pc.max(pc.utf8_length(col)).as_py() > MAX_FIELD:
                    return None
                b = pc.match_substring_regex(col, _BLANK_FIELD)
                blank = b if blank is None else pc.and_(blank, b)
                cols.chunks[j].append(col.cast(pa.large_string()))
            if blank is not None and len(batch) and pc.any(blank).as_py():
                return None
            rows += len(batch)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None  # a record of another width, and the like: the csv module says where
    if rows + 1 != lines:
        return None  # a blank line somewhere: the csv module numbers the rows
    return [normalise_column(c) for c in header], cols


def read_csv(path: Path, name: str) -> RawTable:
    """Read a CSV file as text, detecting encoding, delimiter and decimal convention; streamed.

    Notes
    -----
    ``;`` as delimiter means the Danish convention (decimal comma, ``.`` as thousands
    separator); ``,`` means decimal point. Line numbers reported in errors are file
    lines (header = line 1); the csv module is used rather than pandas so that quoted
    fields with embedded newlines still give correct line numbers. The file is read as a
    stream (:class:`_Columns`): memory grows with the data kept, not with Python objects.
    """
    enc = detect_encoding(path, path.name)
    header = _first_line(path, enc)
    if not header:
        raise DatasetError(f"Filen {path.name} er tom.", f"The file {path.name} is empty.")
    skip_first = False
    sep_hint = header.strip().lower()
    if sep_hint.startswith("sep=") and len(sep_hint) in (5, 6):  # Excel's "sep=;" first line
        delim = header.strip()[4:5] or ","
        skip_first = True
    else:
        delim = _delimiter(header)
    columns: list[str] | None = None
    cols: _Columns | None = None
    fast = None if skip_first else _read_csv_arrow(path, enc, delim)
    if fast is not None:
        columns, cols = fast
        frame = cols.frame(columns)
        del cols, fast
        pa.default_memory_pool().release_unused()  # the parser's blocks: Arrow's allocator keeps them otherwise
        return RawTable(name, _drop_blank_unnamed_frame(frame), path.name, 2, decimal_comma=(delim == ";"))
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 1 << 30))  # long fields are read, then refused by name below
    try:
        with path.open("r", encoding=enc, newline="") as fh:
            reader = csv.reader(fh, delimiter=delim)
            if skip_first:
                next(reader, None)
            for record in reader:
                joined = "".join(record)
                if not joined.strip():
                    continue
                line_no = reader.line_num
                if columns is None:
                    columns = [normalise_column(c) for c in record]
                    cols = _Columns(len(columns))
                    continue
                assert cols is not None
                if len(record) != cols.width:  # the first missing column, or the first field past the header
                    where = columns[len(record)] if len(record) < cols.width else f"#{cols.width + 1}"
                    raise DataError(
                        name, line_no, where or f"#{len(record) + 1}", delim.join(record),
                        f"{cols.width} felter adskilt af '{delim}' som i overskriften",
                        f"{cols.width} fields separated by '{delim}' as in the header",
                        source=path.name,
                    )
                if len(joined) > MAX_FIELD:
                    _refuse_long_field(name, line_no, columns, record, path.name)
                cols.add(record, line_no)
    except csv.Error as exc:
        raise DataError(
            name, reader.line_num, None, str(exc), "en gyldig CSV-linje", "a well-formed CSV line", source=path.name,
        ) from None
    finally:
        csv.field_size_limit(limit)
    if columns is None or cols is None:
        raise DatasetError(f"Filen {path.name} har ingen overskrift.", f"The file {path.name} has no header.")
    frame = cols.frame(columns)
    numbers: np.ndarray | None = np.frombuffer(cols.numbers, dtype=np.int64) if len(cols.numbers) else None
    first = 2
    if numbers is not None and numbers[-1] - numbers[0] == len(numbers) - 1:  # consecutive lines: no table of them
        first, numbers = int(numbers[0]), None
    del cols
    frame = _drop_blank_unnamed_frame(frame)
    return RawTable(name, frame, path.name, first, decimal_comma=(delim == ";"), row_numbers=numbers)


def _refuse_long_field(name: str, line_no: int, columns: list[str], record: list[str], source: str) -> None:
    for j, v in enumerate(record):
        if len(v) > MAX_FIELD:
            raise DataError(
                name, line_no, columns[j] or f"#{j + 1}", v,
                f"et felt på højst {MAX_FIELD:,} tegn".replace(",", "."),
                f"a field of at most {MAX_FIELD:,} characters",
                source=source,
            )


def _drop_blank_unnamed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop columns with no name and no values (a trailing ``;`` in Excel exports)."""
    drop = [
        i for i, c in enumerate(frame.columns)
        if c == "" and not frame.iloc[:, i].str.strip().ne("").any()
    ]
    if not drop:
        return frame
    return frame.iloc[:, [i for i in range(frame.shape[1]) if i not in drop]]


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
