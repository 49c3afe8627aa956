"""``benchlearn persons``: person-level registers -> contract tables (DuckDB or Spark)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from benchlearn.cli.common import JsonOption, emit_json, err_console
from benchlearn.core.errors import ConfigError
from benchlearn.core.i18n import t


def _infer_period(person_dir: Path) -> str:
    """The calendar year of the person-weeks when they cover one year (from Parquet statistics)."""
    import pyarrow.parquet as pq

    from benchlearn.core.errors import DatasetError
    from benchlearn.persons.engines import table_path
    from benchlearn.persons.ingest import first_file

    try:
        table_path(person_dir, "person_weeks")
    except DatasetError:  # the wide layout: the years are in the week columns' names
        from benchlearn.persons.wide import TABLE, WIDE_COLUMN, week_of_column

        names = pq.read_schema(first_file(table_path(person_dir, TABLE))).names
        wide_years = {week_of_column(m.group(2), m.group(3))[:4] for m in map(WIDE_COLUMN.match, map(str.lower, names)) if m}
        if wide_years:
            return max(wide_years)
    meta = pq.ParquetFile(first_file(table_path(person_dir, "person_weeks"))).metadata
    idx = [meta.schema.column(i).name.lower() for i in range(meta.num_columns)].index("week")
    years = set()
    for rg in range(meta.num_row_groups):
        st = meta.row_group(rg).column(idx).statistics
        if st is not None and st.has_min_max:
            years.update({str(st.min)[:4], str(st.max)[:4]})
    if not years:
        raise ConfigError("Angiv --period (perioden kan ikke udledes af data).",
                          "Pass --period (the period cannot be inferred from the data).")
    return max(years)


def register(app: typer.Typer) -> None:
    persons_app = typer.Typer(
        help="Personniveau: fra personuger til kontraktens tabeller. / Person level: from person-weeks to the contract tables.",
        no_args_is_help=True,
    )
    app.add_typer(persons_app, name="persons")

    @persons_app.command("aggregate")
    def aggregate_cmd(
        person_dir: Annotated[Path, typer.Argument(help="Mappe med persons, person_weeks, events (Parquet). / Folder with persons, person_weeks, events (Parquet).")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Datasætmappe der skrives (support, population, focus, cells, benchmark, suppression). / Dataset folder to write.")],
        engine: Annotated[str, typer.Option("--engine", help="duckdb (standard) eller spark.")] = "duckdb",
        period: Annotated[str | None, typer.Option("--period", "-p", help="Periode, fx 2023 eller 2023QMAT04. Standard: året i data. / Period; default the year in the data.")] = None,
        key_file: Annotated[Path | None, typer.Option("--key-file", help="Fil med nøglen til pseudonymisering (ellers BENCHLEARN_PSEUDONYM_KEY). / Key file (else BENCHLEARN_PSEUDONYM_KEY).")] = None,
        no_pseudonymise: Annotated[bool, typer.Option("--no-pseudonymise", help="Id'erne er allerede pseudonymiseret. / Ids are already pseudonymised.")] = False,
        memory_limit: Annotated[str, typer.Option("--memory-limit", help="DuckDB's hukommelsesgrænse. / DuckDB memory limit.")] = "4GB",
        threads: Annotated[int | None, typer.Option("--threads", help="DuckDB-tråde. / DuckDB threads.")] = None,
        temp_dir: Annotated[Path | None, typer.Option("--temp-dir", help="Mappe til midlertidige filer (spill). / Folder for spill files.")] = None,
        spark_master: Annotated[str | None, typer.Option("--spark-master", envvar="BENCHLEARN_SPARK_MASTER", help="Spark master, fx local[4], spark://host:7077, yarn.")] = None,
        min_persons: Annotated[int, typer.Option("--min-persons", help="Intet tal på færre personer end dette. / No number on fewer persons than this.")] = 5,
        layout: Annotated[str, typer.Option("--layout", help="auto (standard), long (person_weeks) eller wide (person_weeks_wide: en række pr. person, en kolonne pr. uge). / auto, long or wide.")] = "auto",
        codes: Annotated[Path | None, typer.Option("--codes", help="Kodefil kode -> ydelse til wide (standard: benchlearn's). / Code -> ydelse file for wide.")] = None,
        fmt: Annotated[str, typer.Option("--format", help="parquet (standard) eller csv. / parquet (default) or csv.")] = "parquet",
        json_out: JsonOption = False,
    ) -> None:
        """Aggreger personuger til support, population, focus og celler. / Aggregate person-weeks to support, population, focus and cells."""
        from benchlearn.persons.pipeline import PersonsConfig, run
        from benchlearn.persons.pseudonymise import load_key

        if engine not in ("duckdb", "spark"):
            raise ConfigError(f"Ukendt --engine {engine!r}: brug duckdb eller spark.",
                              f"Unknown --engine {engine!r}: use duckdb or spark.")
        if layout not in ("auto", "long", "wide"):
            raise ConfigError(f"Ukendt --layout {layout!r}: brug auto, long eller wide.",
                              f"Unknown --layout {layout!r}: use auto, long or wide.")
        if fmt not in ("csv", "parquet"):
            raise ConfigError(f"Ukendt --format {fmt!r}: brug csv eller parquet.", f"Unknown --format {fmt!r}: use csv or parquet.")
        if not person_dir.is_dir():
            raise ConfigError(f"{person_dir} er ikke en mappe.", f"{person_dir} is not a folder.")
        key = None if no_pseudonymise else load_key(key_file)  # refuse early, before any work
        cfg = PersonsConfig(
            period=period or _infer_period(person_dir), engine=engine,  # type: ignore[arg-type]
            min_persons=min_persons, pseudonymise=not no_pseudonymise, memory_limit=memory_limit,
            threads=threads, temp_directory=str(temp_dir) if temp_dir else None, spark_master=spark_master,
            layout=layout, codes_file=str(codes) if codes else None,  # type: ignore[arg-type]
        )
        from benchlearn.benchmark.published import cell_model_totals

        # the cell model sees the cells before the fewer-than-5 rule; only municipality
        # totals are written (table `benchmark`), which `benchlearn benchmark` then uses
        res = run(person_dir, cfg, key, cell_model=cell_model_totals)
        fmt_l: Literal["csv", "parquet"] = "csv" if fmt == "csv" else "parquet"  # parquet: one pass, no text
        res.write(out, fmt=fmt_l)
        summary = [{"table": n, "rows": len(df), "folder": str(out), "period": cfg.period, "engine": engine,
                    "simulated": res.simulated} for n, df in res.tables.items()]
        if json_out:
            emit_json(summary)
            return
        n_sup = len(res.tables["suppression"])
        err_console.print(t(
            f"Skrev {', '.join(res.tables)} til {out} ({res.rows['person_weeks']:,} personuger, periode {cfg.period}, "
            f"{engine}); {n_sup} rækker undertrykt (færre end {min_persons} personer, eller komplementært), se suppression.",
            f"Wrote {', '.join(res.tables)} to {out} ({res.rows['person_weeks']:,} person-weeks, period {cfg.period}, "
            f"{engine}); {n_sup} rows suppressed (fewer than {min_persons} persons, or complementary), see suppression.",
        ))
        for note in res.notes:
            err_console.print(f"[dim]{note}[/]")

    @persons_app.command("simulate")
    def simulate_cmd(
        out: Annotated[Path, typer.Argument(help="Mappe der skrives til. / Folder to write.")],
        persons: Annotated[int, typer.Option("--persons", "-n", help="Antal personer 16–66 år (landsplan: 3700000). / Number of persons.")] = 10_000,
        seed: Annotated[int, typer.Option("--seed", help="Seed.")] = 1,
        year: Annotated[int, typer.Option("--year", help="ISO-år. / ISO year.")] = 2023,
        wide: Annotated[bool, typer.Option("--wide", help="Skriv også person_weeks_wide (en kolonne pr. uge, som DREAM). / Also write the wide layout.")] = False,
        json_out: JsonOption = False,
    ) -> None:
        """Simuler personer, personuger og hændelser (Parquet). / Simulate persons, person-weeks and events (Parquet)."""
        from benchlearn.persons.simulate import simulate_persons

        if persons < 1:
            raise ConfigError(f"--persons skal være mindst 1, fik {persons}.", f"--persons must be at least 1, got {persons}.")
        r = simulate_persons(persons, out, seed=seed, year=year, wide=wide)
        rec = {"folder": str(out), "persons": r.n_persons, "person_weeks": r.n_person_weeks, "events": r.n_events,
               "year": r.year, "seed": r.seed, "simulated": True}
        if json_out:
            emit_json([rec])
            return
        err_console.print(t(
            f"Skrev {r.n_persons:,} personer, {r.n_person_weeks:,} personuger og {r.n_events:,} hændelser til {out} (simulerede).",
            f"Wrote {r.n_persons:,} persons, {r.n_person_weeks:,} person-weeks and {r.n_events:,} events to {out} (simulated).",
        ))
