"""``benchlearn demo``: build the embedded default workspace, run every analysis, serve the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlearn.cli.common import err_console
from benchlearn.core.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="Arbejdsfil (standard: demo-workspace/benchlearn-demo.duckdb; model: benchlearn-model.duckdb). / Workspace file.")] = None,
        view: Annotated[str, typer.Option("--view", help="real: ministeriets benchmark y30r21 (standard); model: den åbne model på offentlige rammevilkår. / real: the ministry's y30r21 (default); model: the open model on public framework variables.")] = "real",
        seed: Annotated[int, typer.Option(help="Simulatorens seed. / Simulator seed.")] = 2026,
        serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start dashboardet bagefter. / Serve the dashboard afterwards.")] = True,
        host: Annotated[str, typer.Option(help="Adresse. / Host.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port.")] = 8000,
        rebuild: Annotated[bool, typer.Option("--rebuild", help="Byg arbejdsfilen forfra. / Rebuild from scratch.")] = False,
        simulated_only: Annotated[bool, typer.Option("--simulated-only", help="Brug kun simulerede data. / Simulated data only.")] = False,
    ) -> None:
        """Byg demo-arbejdsfilen (rigtige data + simulation), kør alle analyser og vis dashboardet. / Build the demo workspace, run every analysis, serve the dashboard."""
        from benchlearn.core.errors import ConfigError
        from benchlearn.demo import DEFAULT_WORKSPACE, MODEL_WORKSPACE, VIEWS, build_demo_workspace, real_view_available

        if view not in VIEWS:
            raise ConfigError(f"Ukendt --view '{view}': brug {' eller '.join(VIEWS)}.", f"Unknown --view '{view}': use {' or '.join(VIEWS)}.")
        if view == "real" and (simulated_only or not real_view_available()):
            view = "model"
            err_console.print(t("Ministeriets y30r21 findes ikke i ../shared/data/raw: bygger den åbne model (simulerede tal).",
                                "The ministry's y30r21 is not in ../shared/data/raw: building the open model (simulated numbers)."))
        if workspace is None:
            workspace = DEFAULT_WORKSPACE if view == "real" else MODEL_WORKSPACE
        counts = build_demo_workspace(workspace, seed=seed, use_real=not simulated_only, rebuild=rebuild, view=view)
        total = sum(counts.values())
        err_console.print(t(f"Demo-arbejdsfil: {workspace} ({total} nye kørsler).", f"Demo workspace: {workspace} ({total} new runs)."))
        if serve:
            from benchlearn.web.app import serve_workspace

            err_console.print(t(f"Dashboard: http://{host}:{port}/  (Ctrl+C stopper)", f"Dashboard: http://{host}:{port}/  (Ctrl+C stops)"))
            serve_workspace(workspace, host=host, port=port)
