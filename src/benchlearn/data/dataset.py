"""A dataset: a folder of contract tables, loaded whole or not at all."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa

from benchlearn.core.contract import TABLES
from benchlearn.core.errors import DatasetError, MissingTableError
from benchlearn.data.io import RawTable, normalise_column, read_csv, read_parquet, read_xlsx_sheets
from benchlearn.data.keys import key_order
from benchlearn.data.validate import check_period_kinds, check_plausibility, validate_table

PERSON_LEVEL = frozenset(n for n, t in TABLES.items() if t.person_level)
_IGNORED_SUFFIXES = {".md", ".txt", ".json", ".toml", ".yaml", ".yml", ".pdf", ".png", ".html"}


def _sort_key(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """The table sorted by its key (stable; missing values last, as ``sort_values``).

    The order is computed from each key column's sorted codes; a table already in key
    order (most files are) is returned without the copy that reordering makes. Otherwise
    the columns are reordered one at a time, each dropped from ``df`` once copied, so a
    large table is never held twice (the caller hands ``df`` over).
    """
    spec = TABLES.get(name)
    cols = [c for c in (spec.key if spec else ()) if c in df.columns] or list(df.columns)
    if not len(df):
        return df
    order = key_order(df, cols)
    if np.array_equal(order, np.arange(len(df))):
        return df.reset_index(drop=True)
    names = list(df.columns)
    if len(set(names)) != len(names):  # not a contract table's shape; reorder whole
        return df.take(order).reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for c in names:
        col = df[c]
        if isinstance(col.dtype, pd.StringDtype):
            # through its distinct values: taking from Arrow text in chunks first joins the
            # chunks into one copy; this builds the reordered column straight away
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            del col
            del df[c]
            codes = codes[order]
            out[c] = pd.Series(uniques.take(codes, allow_fill=True), dtype=uniques.dtype)
            del codes, uniques
        else:
            out[c] = col.take(order).reset_index(drop=True)
            del col
            del df[c]
        pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    return pd.DataFrame(out, copy=False)


#: rows hashed at a time: ``hash_pandas_object`` turns Arrow text into one Python object per value
_HASH_ROWS = 262_144


@dataclass(frozen=True)
class Dataset:
    """Validated contract tables with canonical dtypes.

    Attributes
    ----------
    tables : Mapping[str, DataFrame]
        Read-only mapping from table name to table, sorted by key.
    source : str or None
        Where the dataset came from (folder, workspace, ``<memory>``).
    notes : tuple of str
        Things the reader skipped or assumed (said to the user, never silently).
    """

    tables: Mapping[str, pd.DataFrame]
    source: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], source: str = "<memory>") -> Dataset:
        """Validate in-memory frames exactly as files would be (row = 1-based record)."""
        raws = {}
        for name, df in tables.items():
            frame = df.copy()
            frame.columns = [normalise_column(c) for c in frame.columns]
            raws[normalise_column(name)] = RawTable(normalise_column(name), frame, source, 1)
        return cls._from_raw(raws, source, ())

    @classmethod
    def _from_raw(cls, raws: dict[str, RawTable], source: str, notes: tuple[str, ...]) -> Dataset:
        typed = {}
        for name, raw in raws.items():
            typed[name] = validate_table(raw, consume=True)  # the reader's frame: ours to give up
            raws[name] = replace(raw, frame=raw.frame.iloc[:0])  # the text is no longer needed: free it
            del raw
            pa.default_memory_pool().release_unused()
        check_period_kinds(typed, raws)
        check_plausibility(typed, raws)
        tables = {}
        for n in sorted(typed):
            tables[n] = _sort_key(typed.pop(n), n)  # handed over: the unsorted copy goes as it is sorted
        return cls(MappingProxyType(tables), source, notes)

    # -- access -------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.tables)

    def has(self, name: str) -> bool:
        return name in self.tables and len(self.tables[name]) > 0

    def table(self, name: str) -> pd.DataFrame:
        """A copy-on-write view of a table; ``KeyError`` if absent (use :meth:`require`)."""
        return self.tables[name].copy(deep=False)

    def get(self, name: str) -> pd.DataFrame | None:
        return self.table(name) if self.has(name) else None

    def require(self, name: str, why_da: str, why_en: str) -> pd.DataFrame:
        """The table, or :class:`MissingTableError` saying which command needs it and why."""
        if not self.has(name):
            raise MissingTableError(name, why_da, why_en)
        return self.table(name)

    def periods(self, name: str = "support") -> list[str]:
        if not self.has(name) or "period" not in self.tables[name].columns:
            return []
        return sorted(self.tables[name]["period"].unique().tolist())

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 over the canonical tables: the same data gives the same hash in any file format."""
        h = hashlib.sha256()
        for name in sorted(self.tables):
            df = self.tables[name]
            h.update(name.encode())
            h.update("\x1f".join(df.columns).encode())
            h.update("\x1f".join(str(t) for t in df.dtypes).encode())
            for start in range(0, len(df), _HASH_ROWS):  # row hashes are per row: the same bytes as in one go
                h.update(pd.util.hash_pandas_object(df.iloc[start:start + _HASH_ROWS], index=False).to_numpy().tobytes())
        return h.hexdigest()

    @cached_property
    def simulated_tables(self) -> frozenset[str]:
        prov = self.tables.get("provenance")
        if prov is None or not len(prov):
            return frozenset()
        return frozenset(prov.loc[prov["simulated"], "table"].tolist())

    def is_simulated(self, name: str) -> bool:
        """True when any number in the table is simulated (see :meth:`provenance_of`)."""
        return name in self.simulated_tables

    def provenance_of(self, name: str) -> pd.DataFrame:
        """Provenance rows of one table: ``part, source, simulated, note`` (empty when unknown)."""
        prov = self.tables.get("provenance")
        if prov is None:
            return pd.DataFrame(columns=["part", "source", "simulated", "note"])
        rows = prov.loc[prov["table"] == name].copy()
        if "part" not in rows.columns:
            rows["part"] = None
        return rows.drop(columns=["table"]).reset_index(drop=True)

    def describe(self) -> pd.DataFrame:
        """One row per table: rows, periods, municipalities, simulated."""
        rows = []
        for name, df in self.tables.items():
            rows.append(
                {
                    "table": name,
                    "rows": len(df),
                    "periods": ", ".join(sorted(df["period"].unique())) if "period" in df.columns else "",
                    "kommuner": int(df["kommunekode"].nunique()) if "kommunekode" in df.columns else None,
                    "simulated": self.is_simulated(name),
                }
            )
        return pd.DataFrame(rows)


def load_dataset(folder: str | Path) -> Dataset:
    """Read every table of a dataset folder (CSV, XLSX sheets, Parquet) and validate it whole.

    Raises
    ------
    DatasetError
        The folder is missing, empty, or holds one table twice.
    DataError
        A table breaks the contract; the message names table, row, column and value.
    """
    path = Path(folder)
    if not path.exists():
        raise DatasetError(f"Mappen {path} findes ikke.", f"The folder {path} does not exist.")
    if not path.is_dir():
        raise DatasetError(
            f"{path} er ikke en mappe med tabeller (eller en arbejdsfil .duckdb).",
            f"{path} is not a folder of tables (nor a workspace .duckdb file).",
        )
    raws: dict[str, RawTable] = {}
    notes: list[str] = []

    def person_level(source: str) -> None:
        notes.append(f"{source}: personniveau — brug 'benchlearn persons aggregate' / person level — use 'benchlearn persons aggregate'")

    def add(raw: RawTable) -> None:
        if raw.name in PERSON_LEVEL:
            person_level(raw.source)
            return
        if raw.name in raws:
            raise DatasetError(
                f"Tabellen '{raw.name}' findes to gange: {raws[raw.name].source} og {raw.source}.",
                f"The table '{raw.name}' appears twice: {raws[raw.name].source} and {raw.source}.",
            )
        raws[raw.name] = raw

    for f in sorted(path.iterdir()):
        if f.name.startswith((".", "~$")) or f.is_dir():
            continue
        suffix = f.suffix.lower()
        name = normalise_column(f.stem)
        if name == "truth":
            notes.append(f"{f.name}: simulatorens sandhed, ikke data / the simulator's truth, not data")
            continue
        if name in PERSON_LEVEL and suffix in (".csv", ".parquet"):
            person_level(f.name)  # never read: person-week files can hold 190 million rows
        elif suffix == ".csv":
            add(read_csv(f, name))
        elif suffix == ".parquet":
            add(read_parquet(f, name))
        elif suffix in (".xlsx", ".xlsm"):
            for raw in read_xlsx_sheets(f).values():
                add(raw)
        elif suffix not in _IGNORED_SUFFIXES:
            notes.append(f"{f.name}: ikke en tabel, sprunget over / not a table, skipped")
    if not raws:
        raise DatasetError(
            f"Mappen {path} indeholder ingen tabeller (.csv, .xlsx eller .parquet).",
            f"The folder {path} holds no tables (.csv, .xlsx or .parquet).",
        )
    return Dataset._from_raw(raws, str(path), tuple(notes))


def is_workspace_file(path: str | Path) -> bool:
    p = Path(path)
    if not p.is_file():
        return False
    if p.suffix.lower() in (".duckdb", ".db"):
        return True
    with p.open("rb") as fh:
        head = fh.read(16)
    return b"DUCK" in head
