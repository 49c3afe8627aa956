"""``benchlearn simulate``: write a simulated contract dataset with its known truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlearn.cli.common import JsonOption, emit_json, err_console
from benchlearn.core.errors import ConfigError
from benchlearn.core.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_cmd(
        out: Annotated[Path, typer.Argument(help="Mappe der skal skrives til. / Folder to write.")],
        seed: Annotated[int, typer.Option("--seed", help="Seed (samme seed giver samme data). / Seed (same seed, same data).")] = 1,
        periods: Annotated[str, typer.Option("--periods", help="Perioder adskilt af komma. / Comma-separated periods.")] = "2021,2022,2023,2024",
        persons: Annotated[int | None, typer.Option("--persons", help="Skriv også personniveau-tabeller for så mange personer. / Also write person-level tables for this many persons.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Skriv i en mappe, der ikke er tom. / Write into a non-empty folder.")] = False,
        json_out: JsonOption = False,
    ) -> None:
        """Simuler et datasæt for de 98 kommuner med kendt sandhed (truth.csv). / Simulate a dataset for the 98 municipalities with known truth (truth.csv)."""
        from benchlearn.simulator import simulate, simulate_persons_for

        if out.exists() and not out.is_dir():
            raise ConfigError(f"{out} findes og er ikke en mappe.", f"{out} exists and is not a folder.")
        if out.is_dir() and any(out.iterdir()) and not force:
            raise ConfigError(
                f"Mappen {out} er ikke tom; brug --force for at skrive i den alligevel.",
                f"The folder {out} is not empty; use --force to write into it anyway.",
            )
        if seed < 0:
            raise ConfigError(f"Seed skal være et ikke-negativt heltal, fik {seed}.", f"The seed must be a non-negative integer, got {seed}.")
        if persons is not None and persons < 1:
            raise ConfigError(f"--persons skal være mindst 1, fik {persons}.", f"--persons must be at least 1, got {persons}.")
        with err_console.status(t("Simulerer de 98 kommuner …", "Simulating the 98 municipalities …")):
            sim = simulate(seed=seed, periods=periods.split(","))
            _ = sim.dataset  # validate against the contract before anything is written
            sim.write(out)
        person_info = None
        if persons is not None:
            person_info = simulate_persons_for(sim, persons, out / "persons")
        rows = {name: len(df) for name, df in sim.tables.items()}
        if json_out:
            emit_json([{"folder": str(out), "seed": seed, "periods": list(sim.periods), "tables": rows,
                        "truth_rows": len(sim.truth), "persons_folder": str(out / "persons") if person_info else None}])
            return
        err_console.print(t(
            f"Skrev {len(rows)} tabeller og truth.csv til {out} (seed {seed}, perioder {', '.join(sim.periods)}). Alle tal er simulerede.",
            f"Wrote {len(rows)} tables and truth.csv to {out} (seed {seed}, periods {', '.join(sim.periods)}). All numbers are simulated.",
        ))
        if person_info is not None:
            err_console.print(t(f"Personniveau-tabeller i {out / 'persons'}.", f"Person-level tables in {out / 'persons'}."))
