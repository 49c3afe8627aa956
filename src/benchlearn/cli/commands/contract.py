"""``benchlearn contract``: print the data contract (tables, columns, kinds) as Markdown."""

from __future__ import annotations

import typer

from benchlearn.core.docs import contract_markdown


def register(app: typer.Typer) -> None:
    @app.command("contract")
    def contract() -> None:
        """Vis datakontrakten (tabeller og kolonner) som Markdown. / Print the data contract as Markdown."""
        typer.echo(contract_markdown())
