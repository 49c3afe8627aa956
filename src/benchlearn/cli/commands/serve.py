"""``benchlearn serve``: the web dashboard and JSON API for one workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlearn.core.i18n import t

def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        workspace: Annotated[Path | None, typer.Argument(help="Arbejdsfil (.duckdb). Standard: $BENCHLEARN_WORKSPACE, benchlearn.duckdb eller demoens demo-workspace/benchlearn-demo.duckdb. / Workspace file; default $BENCHLEARN_WORKSPACE, benchlearn.duckdb or the demo's.", show_default=False)] = None,
        host: Annotated[str, typer.Option("--host", help="Adresse / host.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    ) -> None:
        """Start webstedet med kort, benchmark, kommuneprofiler og JSON-API. / Serve the dashboard and JSON API."""
        from benchlearn.cli.common import err_console, resolve_workspace
        from benchlearn.web.app import serve_workspace

        serve_workspace(resolve_workspace(workspace), host=host, port=port, announce=lambda: err_console.print(
            t(f"benchlearn kører på http://{host}:{port}/  (Ctrl+C stopper)",
              f"benchlearn is running at http://{host}:{port}/  (Ctrl+C stops)")))
