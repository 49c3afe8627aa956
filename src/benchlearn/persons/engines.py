"""Execution engines for the person pipeline: DuckDB (default) and Apache Spark.

The pipeline itself (:mod:`benchlearn.persons.pipeline`) is written once as Ibis
expressions; this module only opens an Ibis backend and registers the Parquet inputs.

DuckDB runs embedded and out of core: ``memory_limit`` caps its buffer manager,
intermediate results beyond it spill to ``temp_directory`` (a private folder removed
after the run) and ``threads`` caps the cores used.

Spark: by default a local session (``local[2]``). To use a cluster pass
``spark_master`` (``--spark-master spark://host:7077``, ``yarn``, ``k8s://...``) or set
``BENCHLEARN_SPARK_MASTER``; or run under ``spark-submit``, in which case the session
spark-submit created is picked up (``SparkSession.getActiveSession``). The person
folder must then be readable by the executors (HDFS, S3, a shared file system).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from benchlearn.core.errors import ConfigError, DatasetError

Engine = Literal["duckdb", "spark"]
ENV_SPARK_MASTER = "BENCHLEARN_SPARK_MASTER"


def table_path(person_dir: Path, name: str) -> Path:
    """``NAME.parquet`` (a file, or a folder of part files as Spark writes) or ``NAME/``."""
    for cand in (person_dir / f"{name}.parquet", person_dir / name):
        if cand.exists():
            return cand
    raise DatasetError(
        f"Mappen {person_dir} har ingen tabel '{name}' ({name}.parquet).",
        f"The folder {person_dir} has no table '{name}' ({name}.parquet).",
    )


def _duckdb_source(p: Path) -> str:
    return str(p / "**" / "*.parquet") if p.is_dir() else str(p)


def import_backend(engine: Engine) -> None:
    """Import Ibis and the engine's backend module (≈0.4 s the first time in a process),
    so that a run's timings measure work on data, not Python imports."""
    if engine == "duckdb":
        import ibis.backends.duckdb  # noqa: F401
        return
    if importlib.util.find_spec("pyspark") is not None:  # else spark_session() says what to install
        import ibis.backends.pyspark  # noqa: F401


@contextmanager
def duckdb_backend(memory_limit: str = "4GB", threads: int | None = None,
                   temp_directory: str | Path | None = None) -> Iterator[Any]:
    """An in-memory DuckDB Ibis backend with bounded memory and a private spill folder."""
    import duckdb
    import ibis

    tmp = Path(tempfile.mkdtemp(prefix="benchlearn-duckdb-", dir=temp_directory))
    os.chmod(tmp, 0o700)  # spill files hold person-level rows
    config: dict[str, Any] = {
        "memory_limit": memory_limit,
        "temp_directory": str(tmp),
        "preserve_insertion_order": False,
    }
    if threads:
        config["threads"] = int(threads)
    try:
        con = ibis.duckdb.connect(**config)
    except duckdb.Error as exc:  # bad memory_limit string etc.
        shutil.rmtree(tmp, ignore_errors=True)
        raise ConfigError(f"DuckDB kunne ikke startes: {exc}", f"DuckDB could not start: {exc}") from None
    con.raw_sql("SET enable_progress_bar = false")  # DuckDB's bar goes to stdout; ours to stderr
    try:
        yield con
    finally:
        con.disconnect()
        shutil.rmtree(tmp, ignore_errors=True)


def spark_session(master: str | None = None, app_name: str = "benchlearn-persons") -> Any:
    """The active SparkSession, or a new one on ``master`` (default ``local[2]``)."""
    if importlib.util.find_spec("pyspark") is None:  # an optional extra: asked, not caught, so a broken install still fails loudly
        raise ConfigError(
            "Spark-motoren kræver pyspark: pip install 'benchlearn[spark]' (og Java 17).",
            "The Spark engine needs pyspark: pip install 'benchlearn[spark]' (and Java 17).",
        )
    from pyspark.sql import SparkSession
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    master = master or os.environ.get(ENV_SPARK_MASTER)
    builder = SparkSession.builder.appName(app_name)
    if master is None and os.environ.get("PYSPARK_GATEWAY_PORT"):
        # launched by spark-submit: its --master and --conf already configure the JVM
        sess = builder.getOrCreate()
    else:
        master = master or "local[2]"
        sess = (
            builder.master(master)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8" if master.startswith("local") else "200")
            .getOrCreate()
        )
    sess.sparkContext.setLogLevel("ERROR")
    return sess


@contextmanager
def spark_backend(master: str | None = None, session: Any = None) -> Iterator[Any]:
    """An Ibis PySpark backend on ``session`` or on :func:`spark_session`."""
    import ibis

    sess = session if session is not None else spark_session(master)
    yield ibis.pyspark.connect(sess)


def read_table(con: Any, engine: Engine, path: Path, name: str) -> Any:
    """Register one Parquet table (file or folder) on the backend as an Ibis table."""
    src = _duckdb_source(path) if engine == "duckdb" else str(path)
    t = con.read_parquet(src, table_name=f"in_{name}")
    ren = {c.lower(): c for c in t.columns if c != c.lower()}  # names are case-insensitive
    return t.rename(ren) if ren else t


def register_arrow(con: Any, engine: Engine, table: Any, name: str) -> Any:
    """Put an in-memory Arrow table on the engine as a named table (Ibis memtables are
    not visible to SQL that Ibis sends to Spark for caching, so name it explicitly)."""
    if engine == "duckdb":
        # copied once into DuckDB's own storage: the map is joined several times, and a
        # native table (with statistics) joins faster than re-scanning Arrow buffers
        raw = con.con
        raw.register("bl_arrow_tmp", table)
        try:
            raw.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM bl_arrow_tmp')
        finally:
            raw.unregister("bl_arrow_tmp")
        return con.table(name)
    sess = con._session
    sess.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    sess.createDataFrame(table).createOrReplaceTempView(name)
    return con.table(name)


def unregister(con: Any, engine: Engine, name: str) -> None:
    if engine == "spark":
        con._session.catalog.dropTempView(name)
    else:
        con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
