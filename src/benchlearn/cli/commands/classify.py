"""``benchlearn classify``, ``compare-schemes`` and ``tilsyn``: classification schemes side by side.

STAR's Jobcenterindblik, KL's results-first order, the benchmark list and KL 2024's
tiers without ranking, from declarative scheme files (``--scheme`` takes a shipped id or
a path to your own TOML file). Every stored run records the scheme file's sha256.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, get_args

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from benchlearn.core.seams import RunStore, Tables
from benchlearn.cli.common import (
    DatasetArg,
    JsonOption,
    PeriodOption,
    WorkspaceOption,
    emit_json,
    err_console,
    maybe_record,
    open_dataset,
)
from benchlearn.core.errors import ConfigError
from benchlearn.core.literals import ResultSource
from benchlearn.core.i18n import t

SchemeOption = Annotated[str, typer.Option("--scheme", "-s", help="Skema-id (star-2020, star-2021, kl-results-first, results-only, kl-2024-tiers) eller sti til en .toml-fil. / Scheme id or path to a .toml file.")]
AreaOption = Annotated[str | None, typer.Option("--area", help="Benchmarkområde (standard total). / Benchmark area (default total).")]
SourceOption = Annotated[str, typer.Option("--source", help="Resultater fra: auto, table, workspace, model. / Results from.")]
ResultOption = Annotated[str | None, typer.Option("--resultatmaal", help="point (diff_pp <= 0) eller not_significantly_worse (ci_low_pp <= 0); standard: skemaets. / default: the scheme's.")]
TilbudOption = Annotated[float | None, typer.Option("--tilbud-threshold", help="Tærskel for fokusmål om tilbud (andel, fx 0.30). / Threshold for the offer goal.")]
SamtalerOption = Annotated[float | None, typer.Option("--samtaler-threshold", help="Tærskel for fokusmål om samtaler (andel). / Threshold for the meetings goal.")]

_SOURCES = get_args(ResultSource)


def _check_source(source: str) -> Any:
    if source not in _SOURCES:
        raise ConfigError(f"--source skal være en af {list(_SOURCES)}, ikke '{source}'.", f"--source must be one of {list(_SOURCES)}, not '{source}'.")
    return source


@contextmanager
def _inputs(dataset: Path) -> Iterator[tuple[Any, Any]]:
    """The dataset, plus the workspace itself (read-only) when DATASET is a workspace file."""
    from benchlearn.data.dataset import is_workspace_file

    if is_workspace_file(dataset):
        from benchlearn.store import Workspace

        with Workspace.open(dataset, read_only=True) as ws:
            yield open_dataset(dataset), ws
    else:
        yield open_dataset(dataset), None


def _period(ds: Tables, ws: RunStore | None = None, chosen: str | None = None) -> str:
    """The chosen period if the data has results for it, else the latest; a clear error otherwise."""
    from benchlearn.schemes.focus import result_periods

    periods = result_periods(ds, ws)
    if not periods:
        raise ConfigError(
            "Datasættet har ingen perioder med resultater (tabellen 'benchmark' eller 'support').",
            "The dataset has no periods with results (table 'benchmark' or 'support').",
        )
    if chosen is not None and chosen not in periods:
        from benchlearn.core.periods import shown_periods

        shown_da, shown_en = shown_periods(periods)
        raise ConfigError(
            f"Perioden '{chosen}' findes ikke i datasættet (findes: {shown_da}).",
            f"The period '{chosen}' is not in the dataset (available: {shown_en}).",
        )
    return chosen if chosen is not None else periods[-1]


_SHOW = ("position", "kommunekode", "navn", "category_label", "diff_pp", "resultatmaal", "fokusmaal_tilbud", "fokusmaal_samtaler")


def _print_table(df: Any, title: str, cols: tuple[str, ...]) -> None:
    from benchlearn.cli.common import num  # the pages' number format
    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c)
    for rec in df.to_dict("records"):
        cells = []
        for c in cols:
            v = rec.get(c)
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                cells.append("–")
            elif isinstance(v, float):
                cells.append(num(v, 2, sign=True) if c.endswith("_pp") else num(v, 3))
            elif isinstance(v, bool):
                cells.append(t("ja", "yes") if v else t("nej", "no"))
            else:
                cells.append(str(v))
        table.add_row(*cells)
    Console().print(table)


def register(app: typer.Typer) -> None:
    @app.command("classify")
    def classify_cmd(
        dataset: DatasetArg,
        period: PeriodOption = None,
        scheme: SchemeOption = "star-2020",
        area: AreaOption = None,
        source: SourceOption = "auto",
        resultatmaal: ResultOption = None,
        tilbud_threshold: TilbudOption = None,
        samtaler_threshold: SamtalerOption = None,
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Klassificér kommunerne efter et skema (fx STAR's Jobcenterindblik). / Classify the municipalities under a scheme."""
        from benchlearn.schemes.classify import ClassifyConfig, classify

        with _inputs(dataset) as (ds, ws):
            cfg = ClassifyConfig(period=_period(ds, ws, period), scheme=scheme, area=area, source=_check_source(source),
                                 resultatmaal=resultatmaal, tilbud_threshold=tilbud_threshold, samtaler_threshold=samtaler_threshold)  # type: ignore[arg-type]
            res = classify(ds, cfg, ws)
        frame = res.to_frame()
        run_id = maybe_record(workspace, res.to_run(), ds)
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        undecided = int(frame["category"].isna().sum())
        if undecided:
            err_console.print(t(f"[yellow]{undecided} kommune(r) kunne ikke klassificeres (manglende data); se 'reason'.[/]",
                                f"[yellow]{undecided} municipality(ies) could not be classified (missing data); see 'reason'.[/]"))
            if res.result_source == "table" and frame["ci_low_pp"].isna().all():
                err_console.print(t("[yellow]Tabellen 'benchmark' har ingen konfidensintervaller; niveauer og 'ikke signifikant dårligere' kræver --source model eller workspace.[/]",
                                    "[yellow]The 'benchmark' table has no confidence intervals; tiers and 'not significantly worse' need --source model or workspace.[/]"))
        if json_out:
            emit_json(frame)
            return
        _print_table(frame, f"{res.scheme.label} — {cfg.period} (sha256 {res.scheme.sha256[:12]})", _SHOW)

    @app.command("compare-schemes")
    def compare_cmd(
        dataset: DatasetArg,
        period: PeriodOption = None,
        schemes: Annotated[str, typer.Option("--schemes", help="Kommaseparerede skemaer, fx star-2020,kl-results-first. / Comma-separated schemes.")] = "star-2020,kl-results-first",
        area: AreaOption = None,
        source: SourceOption = "auto",
        vary: Annotated[str, typer.Option("--vary", help="Fokusmål hvis tærskel varieres: tilbud eller samtaler. / Focus goal whose threshold varies.")] = "tilbud",
        threshold_from: Annotated[float, typer.Option("--from", help="Laveste tærskel. / Lowest threshold.")] = 0.25,
        threshold_to: Annotated[float, typer.Option("--to", help="Højeste tærskel. / Highest threshold.")] = 0.35,
        threshold_step: Annotated[float, typer.Option("--step", help="Skridt. / Step.")] = 0.01,
        section: Annotated[str | None, typer.Option("--section", help="Kun én del: summary, municipalities, changes, reversals, kendall_tau, sensitivity, nyborg_like.")] = None,
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Sammenlign skemaer: flytninger, rangombytninger, Kendalls τ, tærskelfølsomhed og Nyborg-paradokset. / Compare schemes."""
        from benchlearn.schemes.compare import CompareConfig, compare_schemes

        if vary not in ("tilbud", "samtaler"):
            raise ConfigError(f"--vary skal være tilbud eller samtaler, ikke '{vary}'.", f"--vary must be tilbud or samtaler, not '{vary}'.")
        if not (0 < threshold_from <= threshold_to < 1) or threshold_step <= 0:
            raise ConfigError("Tærsklerne skal opfylde 0 < --from <= --to < 1 og --step > 0.", "Thresholds must satisfy 0 < --from <= --to < 1 and --step > 0.")
        n = round((threshold_to - threshold_from) / threshold_step) + 1
        thresholds = tuple(round(threshold_from + i * threshold_step, 6) for i in range(n))
        ids = tuple(s.strip() for s in schemes.split(",") if s.strip())
        with _inputs(dataset) as (ds, ws):
            cfg = CompareConfig(period=_period(ds, ws, period), schemes=ids, area=area, source=_check_source(source),
                                vary=vary, thresholds=thresholds)  # type: ignore[arg-type]
            comp = compare_schemes(ds, cfg, ws)
            tables = comp.tables()
        if section is not None and section not in tables:
            raise ConfigError(f"--section skal være en af {list(tables)}.", f"--section must be one of {list(tables)}.")
        run_id = maybe_record(workspace, comp.to_run(), ds)
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        if json_out:
            recs = comp.to_records()
            emit_json([r for r in recs if section is None or r["section"] == section])
            return
        par = tables["nyborg_like"]
        _print_table(tables["summary"], t("Skemaer", "Schemes"), ("scheme", "n", "rank_reversals", "nyborg_like", "kendall_tau_vs_results"))
        if len(par):
            _print_table(par, t("Nyborg-lignende tilfælde", "Nyborg-like cases"), ("scheme", "navn", "results_rank", "position", "category_label", "worse_placed_above"))
        _print_table(tables["kendall_tau"], "Kendall τ", ("scheme_a", "scheme_b", "kendall_tau", "n"))

    @app.command("tilsyn")
    def tilsyn_cmd(
        dataset: DatasetArg,
        years: Annotated[str | None, typer.Option("--years", help="År, fx 2020,2021,2022 (standard: alle med resultater). / Years (default: all with results).")] = None,
        scheme: SchemeOption = "star-2021",
        machine: Annotated[Path | None, typer.Option("--machine", help="Tilstandsmaskine (TOML); standard: den indbyggede. / State machine file.")] = None,
        area: AreaOption = None,
        source: SourceOption = "auto",
        selection_only: Annotated[bool, typer.Option("--selection-only", help="Kun de årlige udvælgelser. / Only the annual selections.")] = False,
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Skærpet tilsyn: årlig udvælgelse og forløb over år med begrundelser. / Stricter supervision: annual selection and course over years."""
        from benchlearn.schemes.tilsyn import TilsynConfig, tilsyn

        try:
            ys = tuple(int(y) for y in years.split(",")) if years else None
        except ValueError:
            raise ConfigError(f"--years skal være årstal adskilt af komma, ikke '{years}'.", f"--years must be comma-separated years, not '{years}'.") from None
        with _inputs(dataset) as (ds, ws):
            res = tilsyn(ds, TilsynConfig(years=ys, scheme=scheme, machine=str(machine) if machine else None, area=area,
                                          source=_check_source(source)), ws)  # type: ignore[arg-type]
            path = res.path
        run_id = maybe_record(workspace, res.to_run(), ds)
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        frame = path[["kommunekode", "navn", "year", "period", "selected", "category", "reason", "scheme", "scheme_hash", "simulated"]] if selection_only else path
        if json_out:
            emit_json(frame)
            return
        shown = frame[frame["selected"].fillna(False).astype(bool) | (frame.get("state", frame["selected"]).astype(str) != "ingen")] if not selection_only else frame[frame["selected"].fillna(False).astype(bool)]
        _print_table(shown, t("Skærpet tilsyn", "Stricter supervision"),
                     ("year", "kommunekode", "navn", "selected", "state_label") if not selection_only else ("year", "kommunekode", "navn", "category"))
