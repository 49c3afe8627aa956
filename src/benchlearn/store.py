"""The workspace: one DuckDB file with the ingested tables, a record of every run and its results.

Layout inside the file
----------------------
``_meta``          key/value: schema version, package version
``_ingest``        one row per ingest that changed the data (content hash, time, source)
``data_<table>``   the ingested contract tables (replaced whole on a changed ingest)
``_runs``          one row per analysis run: id, kind, time, input hash, config, version, meta
``res_<id>_<name>`` the result tables of a run

Every write happens inside one transaction, so a failed ingest or run leaves the file
as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from benchlearn import __version__
from benchlearn.data.dataset import Dataset, is_workspace_file, load_dataset
from benchlearn.core.errors import WorkspaceError
from benchlearn.core.results import Run, check_run

SCHEMA_VERSION = 1
_SAFE = re.compile(r"[^a-z0-9_]")


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)


def config_hash(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(_json(dict(config)).encode()).hexdigest()[:16]


def _arrow(df: pd.DataFrame) -> pa.Table:
    # Arrow keeps list columns (DEA peers) and pandas' str dtype intact inside DuckDB.
    return pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)


@dataclass(frozen=True)
class IngestResult:
    changed: bool
    content_hash: str
    tables: tuple[str, ...]


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    kind: str
    created: str
    input_hash: str
    config: Mapping[str, Any]
    config_hash: str
    version: str
    meta: Mapping[str, Any]


#: file endings of tables and documents: a workspace path ending so is a mistake, never a workspace
_NOT_WORKSPACE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".json", ".md", ".pdf", ".html", ".toml", ".yaml", ".yml", ".zip"})
_DUCKDB_MAGIC = b"DUCK"


def check_workspace_path(p: Path) -> None:
    """Refuse a path that cannot be a workspace before DuckDB creates or opens anything there.

    The audit found ``--workspace x.csv`` answered "Ingested into x.csv." with nothing stored:
    a workspace is a DuckDB file (bytes 8–11 are ``DUCK``), never a folder or a table file.
    """
    if p.is_dir():
        raise WorkspaceError(
            f"{p} er en mappe, ikke en arbejdsfil. Angiv en fil, fx {p / 'benchlearn.duckdb'}.",
            f"{p} is a folder, not a workspace file. Give a file, e.g. {p / 'benchlearn.duckdb'}.",
        )
    if p.is_file() and p.stat().st_size > 0:
        with p.open("rb") as fh:
            head = fh.read(16)
        if head[8:12] != _DUCKDB_MAGIC:
            raise WorkspaceError(
                f"{p} er ikke en benchlearn-arbejdsfil (ikke en DuckDB-fil); den røres ikke. Angiv en .duckdb-fil.",
                f"{p} is not a benchlearn workspace (not a DuckDB file); it is left untouched. Give a .duckdb file.",
            )
        return
    if p.suffix.lower() in _NOT_WORKSPACE_SUFFIXES:
        raise WorkspaceError(
            f"{p} ligner en datafil ({p.suffix}), ikke en arbejdsfil. En arbejdsfil hedder fx benchlearn.duckdb.",
            f"{p} looks like a data file ({p.suffix}), not a workspace. A workspace is named e.g. benchlearn.duckdb.",
        )


def _damaged(p: Path, exc: BaseException) -> WorkspaceError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return WorkspaceError(
        f"Arbejdsfilen {p} er beskadiget eller afkortet og kan ikke læses ({first}). Byg den igen med 'benchlearn ingest'.",
        f"The workspace file {p} is damaged or cut off and cannot be read ({first}). Rebuild it with 'benchlearn ingest'.",
    )


def _count(n: int) -> tuple[str, str]:
    return f"{n:,}".replace(",", "."), f"{n:,}"


class RowLossError(WorkspaceError):
    """An ingest would remove stored rows; it needs ``--replace``."""

    def __init__(self, path: Path, losses: Mapping[str, tuple[int, int]]) -> None:
        self.losses = dict(losses)
        gone = sum(old - new for old, new in losses.values())
        parts_da = ", ".join(f"{t} {_count(o)[0]} → {_count(n)[0]}" for t, (o, n) in sorted(losses.items()))
        parts_en = ", ".join(f"{t} {_count(o)[1]} → {_count(n)[1]}" for t, (o, n) in sorted(losses.items()))
        super().__init__(
            f"Indlæsningen ville fjerne {_count(gone)[0]} gemte rækker fra {path} ({parts_da}). "
            "Intet er ændret. Brug --replace, hvis de gamle rækker skal erstattes.",
            f"The ingest would remove {_count(gone)[1]} stored rows from {path} ({parts_en}). "
            "Nothing was changed. Use --replace if the stored rows are to be replaced.",
        )


class Workspace:
    """A DuckDB workspace file. Open with :meth:`open`; use as a context manager."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.path = path
        self._con = con
        self.read_only = read_only

    # -- lifecycle ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False) -> Workspace:
        p = Path(path)
        if read_only and not p.exists():
            raise WorkspaceError(f"Arbejdsfilen {p} findes ikke.", f"The workspace file {p} does not exist.")
        check_workspace_path(p)
        try:
            if not read_only:
                p.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(p), read_only=read_only)
        except duckdb.IOException as exc:
            raise _damaged(p, exc) from None
        except (duckdb.Error, OSError) as exc:
            raise WorkspaceError(
                f"Kan ikke åbne arbejdsfilen {p}: {exc}",
                f"Cannot open the workspace file {p}: {exc}",
            ) from None
        ws = cls(p, con, read_only)
        try:
            ws._check_whole()
            if not read_only:
                ws._init_schema()
            elif not ws._has_table("_meta"):
                raise WorkspaceError(f"{p} er ikke en benchlearn-arbejdsfil.", f"{p} is not a benchlearn workspace.")
        except duckdb.Error as exc:
            con.close()
            raise _damaged(p, exc) from None
        except BaseException:
            con.close()
            raise
        return ws

    def _check_whole(self) -> None:
        """Refuse a cut-off file before anything reads from it (the audit's truncated ``.duckdb``).

        Notes
        -----
        DuckDB reads blocks lazily, so a file cut short opens fine and fails (or, in the web
        layer, shows an empty site) only when a missing block is read. The file must hold its
        3 headers of 4 KiB and ``total_blocks`` blocks of ``block_size`` bytes (``PRAGMA
        database_size``). Should a DuckDB version lay out its file differently, a file that
        looks short is read whole once before it is called damaged, so the size rule can
        only refuse a file that really cannot be read.
        """
        if not self.path.exists():
            return
        row = self._con.execute("PRAGMA database_size").fetchone()
        if row is None:
            return
        block_size, total_blocks = int(row[2]), int(row[3])
        need = 3 * 4096 + block_size * total_blocks
        if self.path.stat().st_size >= need:
            return
        for (name,) in self._con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            self._con.execute(f'SELECT * FROM "{name}"').fetchall()  # raises IOException when cut off

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for read queries by the report and web layers."""
        return self._con

    def _has_table(self, name: str) -> bool:
        row = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def _init_schema(self) -> None:
        c = self._con
        c.execute("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        row = c.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            c.execute("INSERT INTO _meta VALUES ('schema_version', ?), ('created_by', ?)", [str(SCHEMA_VERSION), __version__])
        elif int(row[0]) > SCHEMA_VERSION:
            raise WorkspaceError(
                f"Arbejdsfilen {self.path} er lavet af en nyere benchlearn (skema {row[0]}).",
                f"The workspace {self.path} was made by a newer benchlearn (schema {row[0]}).",
            )
        c.execute(
            "CREATE TABLE IF NOT EXISTS _ingest (content_hash VARCHAR, ingested VARCHAR, source VARCHAR, tables VARCHAR, notes VARCHAR)"
        )
        c.execute(
            "CREATE TABLE IF NOT EXISTS _runs (run_id VARCHAR PRIMARY KEY, kind VARCHAR, created VARCHAR, input_hash VARCHAR,"
            " config_json VARCHAR, config_hash VARCHAR, version VARCHAR, meta_json VARCHAR, results VARCHAR)"
        )

    def _writable(self) -> None:
        if self.read_only:
            raise WorkspaceError("Arbejdsfilen er åbnet skrivebeskyttet.", "The workspace is open read-only.")

    # -- data ---------------------------------------------------------------------------
    def content_hash(self) -> str | None:
        if not self._has_table("_ingest"):
            return None
        row = self._con.execute("SELECT content_hash FROM _ingest ORDER BY ingested DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def stored_rows(self) -> dict[str, int]:
        """Rows per ingested table."""
        names = self._con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'data_%' ORDER BY 1"
        ).fetchall()
        out = {}
        for (name,) in names:
            row = self._con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            out[name[len("data_") :]] = int(row[0]) if row else 0
        return out

    def row_losses(self, ds: Dataset) -> dict[str, tuple[int, int]]:
        """Tables that ``ds`` would leave with fewer rows than stored: ``{table: (stored, new)}``."""
        if ds.content_hash == self.content_hash():
            return {}
        new = {n: len(df) for n, df in ds.tables.items()}
        return {n: (old, new.get(n, 0)) for n, old in self.stored_rows().items() if new.get(n, 0) < old}

    def ingest(self, ds: Dataset, replace: bool = False) -> IngestResult:
        """Replace the workspace's data by ``ds``; a no-op when the content is identical.

        A dataset that would leave any stored table with fewer rows (or drop it) is refused
        with :class:`RowLossError` unless ``replace`` is given (``ingest --replace``): the
        audit saw a header-only ``support.csv`` replace 5,488 stored rows with none.
        """
        self._writable()
        h = ds.content_hash
        if self.content_hash() == h:
            return IngestResult(False, h, tuple(ds.names))
        losses = self.row_losses(ds)
        if losses and not replace:
            raise RowLossError(self.path, losses)
        c = self._con
        c.execute("BEGIN TRANSACTION")
        try:
            for (name,) in c.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'data_%'"
            ).fetchall():
                c.execute(f'DROP TABLE "{name}"')
            for name, df in ds.tables.items():
                c.register("_incoming", _arrow(df))
                c.execute(f'CREATE TABLE "data_{name}" AS SELECT * FROM _incoming')
                c.unregister("_incoming")
            c.execute(
                "INSERT INTO _ingest VALUES (?, ?, ?, ?, ?)",
                [h, datetime.now(timezone.utc).isoformat(), ds.source, _json(list(ds.names)), _json(list(ds.notes))],
            )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return IngestResult(True, h, tuple(ds.names))

    def dataset(self) -> Dataset:
        """The ingested tables (already validated on ingest, so not validated again)."""
        names = [
            r[0][len("data_") :]
            for r in self._con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'data_%' ORDER BY 1"
            ).fetchall()
        ]
        if not names:
            raise WorkspaceError(
                f"Arbejdsfilen {self.path} har ingen data endnu — kør 'benchlearn ingest DATASÆT --workspace {self.path}'.",
                f"The workspace {self.path} holds no data yet — run 'benchlearn ingest DATASET --workspace {self.path}'.",
            )
        tables = {}
        for n in names:
            df = self._con.execute(f'SELECT * FROM "data_{n}"').df()
            for col in df.columns:
                if df[col].dtype == object and df[col].map(lambda v: isinstance(v, str) or v is None).all():
                    df[col] = df[col].astype("str")
            tables[n] = df
        row = self._con.execute("SELECT source, notes FROM _ingest ORDER BY ingested DESC LIMIT 1").fetchone()
        notes = tuple(json.loads(row[1])) if row and row[1] else ()
        return Dataset(MappingProxyType(tables), f"{self.path} ({row[0] if row else ''})", notes)

    # -- runs ---------------------------------------------------------------------------
    def record(self, run: Run, input_hash: str | None = None) -> str:
        """Store a :class:`~benchlearn.core.results.Run` and its tables atomically; returns the run id.

        The one way a run is written (#19): its kind and tables must be declared in
        :data:`~benchlearn.core.results.RESULTS` (refused with a clear error otherwise, before
        anything is written). ``input_hash``: the data the run rests on (default: the workspace's
        ingested data).
        """
        check_run(run)
        self._writable()
        kind, config = run.kind, run.config
        run_id = f"{_SAFE.sub('_', kind.lower())}_{uuid.uuid4().hex[:12]}"
        names = []
        c = self._con
        c.execute("BEGIN TRANSACTION")
        try:
            for name, df in run.tables.items():
                safe = _SAFE.sub("_", name.lower())
                names.append(name)
                c.register("_result", _arrow(df))
                c.execute(f'CREATE TABLE "res_{run_id}_{safe}" AS SELECT * FROM _result')
                c.unregister("_result")
            c.execute(
                "INSERT INTO _runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    kind,
                    datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                    input_hash or self.content_hash() or "",
                    _json(dict(config)),
                    config_hash(config),
                    __version__,
                    _json(dict(run.meta)),
                    _json(names),
                ],
            )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return run_id

    def runs(self, kind: str | None = None) -> pd.DataFrame:
        q = "SELECT run_id, kind, created, input_hash, config_json, config_hash, version, meta_json, results FROM _runs"
        params: list[Any] = []
        if kind is not None:
            q += " WHERE kind = ?"
            params.append(kind)
        return self._con.execute(q + " ORDER BY created", params).df()

    def _record(self, row: pd.Series) -> RunRecord:
        return RunRecord(
            run_id=row["run_id"],
            kind=row["kind"],
            created=row["created"],
            input_hash=row["input_hash"],
            config=MappingProxyType(json.loads(row["config_json"])),
            config_hash=row["config_hash"],
            version=row["version"],
            meta=MappingProxyType(json.loads(row["meta_json"])),
        )

    def run(self, run_id: str) -> RunRecord:
        df = self._con.execute("SELECT * FROM _runs WHERE run_id = ?", [run_id]).df()
        if not len(df):
            raise WorkspaceError(f"Ingen kørsel med id {run_id}.", f"No run with id {run_id}.")
        return self._record(df.iloc[0])

    def find_runs(self, kind: str, **config_filters: Any) -> list[RunRecord]:
        """Runs of ``kind`` whose config has every given key/value, newest first."""
        out = []
        for _, row in self.runs(kind).iloc[::-1].iterrows():
            cfg = json.loads(row["config_json"])
            if all(cfg.get(k) == v for k, v in config_filters.items()):
                out.append(self._record(row))
        return out

    def latest_run(self, kind: str, **config_filters: Any) -> RunRecord | None:
        found = self.find_runs(kind, **config_filters)
        return found[0] if found else None

    def result_names(self, run_id: str) -> list[str]:
        row = self._con.execute("SELECT results FROM _runs WHERE run_id = ?", [run_id]).fetchone()
        return json.loads(row[0]) if row else []

    def results(self, run_id: str, name: str) -> pd.DataFrame:
        safe = _SAFE.sub("_", name.lower())
        table = f"res_{run_id}_{safe}"
        if not self._has_table(table):
            raise WorkspaceError(
                f"Kørslen {run_id} har intet resultat '{name}'.", f"The run {run_id} has no result '{name}'."
            )
        return self._con.execute(f'SELECT * FROM "{table}"').df()

    def latest_results(self, kind: str, name: str, **config_filters: Any) -> pd.DataFrame | None:
        rec = self.latest_run(kind, **config_filters)
        if rec is None or name not in self.result_names(rec.run_id):
            return None
        return self.results(rec.run_id, name)


def open_input(path: str | Path) -> Dataset:
    """A dataset folder, or the tables ingested into a workspace file."""
    if is_workspace_file(path):
        with Workspace.open(path, read_only=True) as ws:
            return ws.dataset()
    return load_dataset(path)
