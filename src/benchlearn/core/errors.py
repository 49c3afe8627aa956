"""One named exception per kind of failure a user can meet.

Every error carries a Danish and an English message; the CLI prints the one in
force, exits non-zero and never shows a traceback for these.
"""

from __future__ import annotations

from typing import Any

from benchlearn.core.i18n import t


class BenchlearnError(Exception):
    """Base class: a problem the user can understand and fix."""

    exit_code = 2

    def __init__(self, da: str, en: str | None = None) -> None:
        self.da = da
        self.en = en if en is not None else da
        super().__init__(self.en)

    def message(self) -> str:
        return t(self.da, self.en)

    def __str__(self) -> str:  # the language in force at the moment of printing
        return self.message()


def _visible(text: str) -> str:
    """Control characters (a NUL byte in a column name) shown as escapes, never sent to the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _show(value: Any) -> str:
    s = repr(value) if isinstance(value, str) else str(value)
    return s if len(s) <= 60 else s[:57] + "..."


class DataError(BenchlearnError):
    """A value, row or column of an input table breaks the data contract.

    Parameters
    ----------
    table : str
        Contract table name (``support``, ``population`` ...).
    row : int or None
        Row as a person sees it: the line number in a CSV file or the row number in
        an XLSX sheet (header = 1), the 1-based record number in Parquet; ``None``
        when the problem is the table as a whole (a missing column).
    column : str or None
        Column name, ``None`` when the problem is the whole row.
    value : object
        The offending value (shown shortened).
    expected_da, expected_en : str
        What was expected, in Danish and English.
    source : str, optional
        File (and sheet) the table came from.
    """

    def __init__(
        self,
        table: str,
        row: int | None,
        column: str | None,
        value: Any,
        expected_da: str,
        expected_en: str,
        source: str | None = None,
    ) -> None:
        self.table, self.row, self.column, self.value = table, row, column, value
        self.expected_da, self.expected_en, self.source = expected_da, expected_en, source
        where_da = [f"tabel '{table}'"]
        where_en = [f"table '{table}'"]
        if source:
            where_da.append(f"fil {source}")
            where_en.append(f"file {source}")
        if row is not None:
            where_da.append(f"række {row}")
            where_en.append(f"row {row}")
        if column is not None:
            where_da.append(f"kolonne '{_visible(column)}'")
            where_en.append(f"column '{_visible(column)}'")
        val_da = f": værdien {_show(value)}" if value is not None else ""
        val_en = f": value {_show(value)}" if value is not None else ""
        super().__init__(
            f"Fejl i data, {', '.join(where_da)}{val_da} — forventede {expected_da}.",
            f"Bad data in {', '.join(where_en)}{val_en} — expected {expected_en}.",
        )


class MissingTableError(BenchlearnError):
    """A command needs a table the dataset does not have."""

    def __init__(self, table: str, why_da: str, why_en: str) -> None:
        self.table = table
        super().__init__(
            f"Datasættet mangler tabellen '{table}', som skal bruges til {why_da}.",
            f"The dataset has no table '{table}', which is needed for {why_en}.",
        )


class DatasetError(BenchlearnError):
    """The dataset folder itself is unusable (missing, empty, unreadable file)."""


class WorkspaceError(BenchlearnError):
    """The workspace file is missing, locked or of an unknown version."""


class ConfigError(BenchlearnError):
    """An option, parameter or configuration file has an invalid value."""


class SchemeError(ConfigError):
    """A classification scheme file is malformed."""


class SourceError(BenchlearnError):
    """An external source (Statbank, Jobindsats, DAWA) failed or is out of reach."""


class ModelError(BenchlearnError):
    """A model cannot be estimated on the data given (too few units, no variation ...)."""
