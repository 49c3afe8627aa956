"""Shared pieces of the subcommands: options, input opening, JSON output, run recording."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Optional

import numpy as np
import pandas as pd
import typer

from benchlearn.data.dataset import Dataset
from benchlearn.core.i18n import t
from benchlearn.core.progress import stderr as err_console
from benchlearn.core.results import Run
from benchlearn.store import Workspace, open_input

__all__ = [
    "DEMO_WORKSPACE",
    "DatasetArg",
    "JsonOption",
    "PeriodOption",
    "WorkspaceOption",
    "emit_json",
    "err_console",
    "maybe_record",
    "num",
    "open_dataset",
    "resolve_workspace",
    "to_records",
]

#: Where ``make demo`` / ``benchlearn demo`` writes its workspace.
DEMO_WORKSPACE = Path("demo-workspace") / "benchlearn-demo.duckdb"


def resolve_workspace(path: Path | None) -> Path:
    """The workspace a command reads when none is named.

    ``$BENCHLEARN_WORKSPACE``, else ``benchlearn.duckdb`` when it exists, else the demo's
    workspace when ``make demo`` has built it (so ``benchlearn report --kommune 450 --pdf``
    works right after ``make demo``), else ``benchlearn.duckdb`` (whose absence the reader
    then reports).
    """
    import os

    if path is not None:
        return path
    env = os.environ.get("BENCHLEARN_WORKSPACE")
    if env:
        return Path(env)
    plain = Path("benchlearn.duckdb")
    if not plain.exists() and DEMO_WORKSPACE.exists():
        return DEMO_WORKSPACE
    return plain


def num(v: Any, digits: int = 2, sign: bool = False) -> str:
    """A number as the pages print it (Danish: ``3.355``, ``−1,34``; English with --lang en).

    ``sign=True`` adds ``+`` to positive values (differences). Missing values print as ``–``.
    """
    from benchlearn.web.pages import fmt_num  # the one number format of pages, PDF and CLI

    s = fmt_num(v, digits)
    if sign and s not in ("–", "") and not s.startswith("−") and s.strip("0,.") != "":
        s = "+" + s
    return s

DatasetArg = Annotated[Path, typer.Argument(help="Datasætmappe eller arbejdsfil (.duckdb). / Dataset folder or workspace file.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Skriv JSON-poster på stdout. / Print JSON records on stdout.")]
PeriodOption = Annotated[Optional[str], typer.Option("--period", "-p", help="Periode, fx 2023. Standard: den seneste. / Period; default the latest.")]
WorkspaceOption = Annotated[
    Optional[Path], typer.Option("--workspace", "-w", help="Gem kørslen i denne arbejdsfil. / Store the run in this workspace file.")
]


def open_dataset(path: Path) -> Dataset:
    """Open a dataset folder or a workspace file and tell the user what the reader skipped."""
    ds = open_input(path)
    for note in ds.notes:
        err_console.print(f"[dim]{note}[/]", highlight=False)
    line = simulated_line(ds)
    if line:
        err_console.print(line, highlight=False)
    return ds


def simulated_line(ds: Dataset) -> str | None:
    """One line naming the input tables that hold simulated numbers (None without provenance)."""
    if "provenance" not in ds.tables:
        return None
    sim = sorted(n for n in ds.simulated_tables if n in ds.tables)
    if not sim:
        return t("Alle input er rigtige (eller afledte) data.", "All inputs are real (or derived) data.")
    from benchlearn.report.text import input_table_label  # the tables by what they hold, as the pages name them

    names = "; ".join(input_table_label(n) for n in sim)
    return t(f"Simulerede input: {names}.", f"Simulated inputs: {names}.")


def json_safe(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, np.ndarray):
        return [json_safe(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    return v


def to_records(data: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready records: NaN and NA become null, numpy scalars plain Python."""
    rows = data.to_dict(orient="records") if isinstance(data, pd.DataFrame) else list(data)
    return [{str(k): json_safe(v) for k, v in r.items()} for r in rows]


def emit_json(data: pd.DataFrame | Iterable[Mapping[str, Any]]) -> None:
    """Print a JSON array of records on stdout — and nothing else goes to stdout."""
    sys.stdout.write(json.dumps(to_records(data), ensure_ascii=False, indent=None))
    sys.stdout.write("\n")
    sys.stdout.flush()


def maybe_record(workspace: Path | None, run: Run, ds: Dataset) -> str | None:
    """Store ``run`` in ``workspace`` when one was given (the data ingested first); returns the run id."""
    if workspace is None:
        return None
    with Workspace.open(workspace) as ws:
        ws.ingest(ds)
        return ws.record(run, input_hash=ds.content_hash)
