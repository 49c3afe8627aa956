"""``benchlearn site OUT``: a static export of the dashboard for publishing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlearn.cli.commands.serve import DEFAULT_WORKSPACE
from benchlearn.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("site")
    def site(
        out: Annotated[Path, typer.Argument(help="Mappe til det statiske websted. / Output folder.")],
        workspace: Annotated[Path, typer.Argument(help="Arbejdsfil (.duckdb). / Workspace file.")] = DEFAULT_WORKSPACE,
    ) -> None:
        """Eksportér siderne som statisk HTML med data til download. / Export the pages as static HTML with downloads."""
        from benchlearn.cli.common import err_console
        from benchlearn.report.site import export_site

        n = export_site(workspace, out)
        err_console.print(t(f"Skrev {n} filer til {out}. Åbn {out / 'index.html'}.",
                            f"Wrote {n} files to {out}. Open {out / 'index.html'}."))
