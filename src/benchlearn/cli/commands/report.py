"""``benchlearn report --kommune 450 --pdf``: a PDF profile of one municipality."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlearn.core.errors import ConfigError
from benchlearn.core.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        workspace: Annotated[Path | None, typer.Argument(help="Arbejdsfil (.duckdb). Standard: $BENCHLEARN_WORKSPACE, benchlearn.duckdb eller demoens demo-workspace/benchlearn-demo.duckdb. / Workspace file; default $BENCHLEARN_WORKSPACE, benchlearn.duckdb or the demo's.", show_default=False)] = None,
        kommune: Annotated[int, typer.Option("--kommune", "-k", help="Kommunekode, fx 450. / Municipality code.")] = 450,
        pdf: Annotated[bool, typer.Option("--pdf", help="Skriv PDF (det eneste format indtil videre). / Write PDF.")] = True,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Fil / output file (standard profil_<kode>.pdf).")] = None,
        period: Annotated[str | None, typer.Option("--period", "-p", help="Periode (standard den seneste). / Period.")] = None,
    ) -> None:
        """Skriv en PDF-profil af én kommune. / Write a PDF profile of one municipality."""
        from benchlearn.core import reference
        from benchlearn.cli.common import err_console
        from benchlearn.report.pdf import profile_pdf
        from benchlearn.report.site_data import read_workspace

        if kommune not in reference.kommunekoder():
            raise ConfigError(f"--kommune {kommune} er ingen af de 98 kommunekoder (fx 450 Nyborg).",
                              f"--kommune {kommune} is none of the 98 municipality codes (e.g. 450 Nyborg).")
        if not pdf:
            raise ConfigError("Kun --pdf understøttes.", "Only --pdf is supported.")
        target = out or Path(f"profil_{kommune}.pdf")
        from benchlearn.cli.common import resolve_workspace

        target.write_bytes(profile_pdf(read_workspace(resolve_workspace(workspace)), kommune, period))
        err_console.print(t(f"Skrev {target}", f"Wrote {target}"))
