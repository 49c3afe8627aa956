"""``benchlearn site OUT``: a static export of the dashboard for publishing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlearn.core.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("site")
    def site(
        out: Annotated[Path, typer.Argument(help="Mappe til det statiske websted. / Output folder.")],
        workspace: Annotated[Path | None, typer.Argument(help="Arbejdsfil (.duckdb). Standard: $BENCHLEARN_WORKSPACE, benchlearn.duckdb eller demoens demo-workspace/benchlearn-demo.duckdb. / Workspace file; default $BENCHLEARN_WORKSPACE, benchlearn.duckdb or the demo's.", show_default=False)] = None,
    ) -> None:
        """Eksportér siderne som statisk HTML med data til download. / Export the pages as static HTML with downloads."""
        from benchlearn.cli.common import err_console, resolve_workspace
        from benchlearn.web.site import export_site

        n = export_site(resolve_workspace(workspace), out)
        err_console.print(t(f"Skrev {n} filer til {out}. Åbn {out / 'index.html'}.",
                            f"Wrote {n} files to {out}. Open {out / 'index.html'}."))
