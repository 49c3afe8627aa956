"""``benchlearn ingest`` and ``benchlearn check``: validate a dataset and load it into a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from benchlearn.cli.common import DatasetArg, JsonOption, emit_json, err_console
from benchlearn.data.dataset import Dataset, is_workspace_file, load_dataset
from benchlearn.store import open_input
from benchlearn.core.i18n import t
from benchlearn.store import RowLossError, Workspace, check_workspace_path


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(
        dataset: DatasetArg,
        workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Arbejdsfil (.duckdb). / Workspace file.")] = Path("benchlearn.duckdb"),
        replace: Annotated[bool, typer.Option("--replace", help="Tillad at gemte rækker erstattes af færre. / Allow stored rows to be replaced by fewer.")] = False,
        json_out: JsonOption = False,
    ) -> None:
        """Valider et datasæt og læg det i en arbejdsfil (alt eller intet). / Validate a dataset and load it into a workspace (all or nothing)."""
        ds = load_dataset(dataset)  # validate before the workspace is touched
        for note in ds.notes:
            err_console.print(f"[dim]{note}[/]", highlight=False)
        check_workspace_path(workspace)
        if workspace.is_file() and workspace.stat().st_size > 0 and not replace:  # refuse a loss of rows without opening the file for writing
            with Workspace.open(workspace, read_only=True) as ws:
                losses = ws.row_losses(ds)
            if losses:
                raise RowLossError(workspace, losses)
        with Workspace.open(workspace) as ws:
            res = ws.ingest(ds, replace=replace)
        summary = ds.describe()
        if json_out:
            emit_json([{"workspace": str(workspace), "changed": res.changed, "content_hash": res.content_hash, "tables": summary.to_dict(orient="records")}])
            return
        if res.changed:
            err_console.print(t(f"Indlæst i {workspace}.", f"Ingested into {workspace}."))
        else:
            err_console.print(t(f"Uændret: {workspace} har allerede præcis disse data.", f"Unchanged: {workspace} already holds exactly these data."))
        _print_summary(summary)

    @app.command("check")
    def check(dataset: DatasetArg, json_out: JsonOption = False) -> None:
        """Valider et datasæt uden at gemme noget. / Validate a dataset without storing anything."""
        if is_workspace_file(dataset):  # the README: DATASET may be a workspace; its tables are checked again
            stored = open_input(dataset)
            ds = Dataset.from_tables(stored.tables, source=str(dataset))
        else:
            ds = load_dataset(dataset)
        for note in ds.notes:
            err_console.print(f"[dim]{note}[/]", highlight=False)
        if json_out:
            emit_json(ds.describe())
            return
        err_console.print(t("Datasættet overholder datakontrakten.", "The dataset follows the data contract."))
        _print_summary(ds.describe())


def _print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    table = Table(title=t("Tabeller", "Tables"))
    for label in (t("tabel", "table"), t("rækker", "rows"), t("perioder", "periods"), t("kommuner", "municipalities"), t("simuleret", "simulated")):
        table.add_column(label)
    for _, r in summary.iterrows():
        table.add_row(str(r["table"]), str(r["rows"]), str(r["periods"]), "" if r["kommuner"] is None else str(r["kommuner"]), t("ja", "yes") if r["simulated"] else t("nej", "no"))
    Console().print(table)
