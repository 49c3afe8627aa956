"""``benchlearn surveys``: citizen, caseworker and business survey indicators (KL 2024).

Shown beside the benchmark, never merged into a ranking. Figures from fewer than
``--min-respondents`` answers are suppressed (null, ``suppressed: true``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from benchlearn.surveys.suppression import MIN_N_DEFAULT
from benchlearn.surveys.scoring import SURVEY_IDS, SurveyConfig, compute, load_instrument, survey_periods
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
from benchlearn.core.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("surveys")
    def surveys(
        dataset: DatasetArg,
        period: PeriodOption = None,
        min_respondents: Annotated[int, typer.Option("--min-respondents", help="Intet tal fra færre svar end dette. / No figure from fewer answers than this.")] = MIN_N_DEFAULT,
        by_maalgruppe: Annotated[bool, typer.Option("--by-maalgruppe", help="Opdel på målgruppe. / Split by target group.")] = False,
        national: Annotated[bool, typer.Option("--national", help="Kun landstal (alle kommuner samlet). / National figures only (all municipalities pooled).")] = False,
        trends: Annotated[bool, typer.Option("--trends", help="Ændring siden forrige periode. / Change since the previous period.")] = False,
        interval: Annotated[str, typer.Option("--interval", help="linearization (standard) eller kish.")] = "linearization",
        margins: Annotated[str, typer.Option("--margins", help="auto, survey_margins, support eller none.")] = "auto",
        survey: Annotated[list[str] | None, typer.Option("--survey", help="citizen, caseworker, business (flere tilladt). / (repeatable).")] = None,
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Borger-, sagsbehandler- og virksomhedsundersøgelser med 95 %-intervaller og diskretionering. / Citizen, caseworker and business surveys with 95% intervals and small-number suppression."""
        if interval not in ("linearization", "kish"):
            raise ConfigError(f"--interval skal være linearization eller kish, ikke '{interval}'.",
                              f"--interval must be linearization or kish, not '{interval}'.")
        if margins not in ("auto", "survey_margins", "support", "none"):
            raise ConfigError(f"--margins skal være auto, survey_margins, support eller none, ikke '{margins}'.",
                              f"--margins must be auto, survey_margins, support or none, not '{margins}'.")
        if sum((national, trends, by_maalgruppe)) > 1:
            raise ConfigError("Vælg højst én af --national, --trends og --by-maalgruppe.",
                              "Choose at most one of --national, --trends and --by-maalgruppe.")
        chosen = tuple(survey) if survey else SURVEY_IDS
        bad = [s for s in chosen if s not in SURVEY_IDS]
        if bad:
            raise ConfigError(f"Ukendt undersøgelse {bad}; vælg blandt {list(SURVEY_IDS)}.",
                              f"Unknown survey {bad}; choose from {list(SURVEY_IDS)}.")
        ds = open_dataset(dataset)
        if period is None:
            periods = survey_periods(ds)
            if not periods:
                compute(ds, SurveyConfig(period="", surveys=chosen))  # raises the clear missing-table error
            period = periods[-1]
        cfg = SurveyConfig(period=period, min_respondents=min_respondents, interval=interval,  # type: ignore[arg-type]
                           margins=margins, surveys=chosen)  # type: ignore[arg-type]
        res = compute(ds, cfg)
        for note in res.notes:
            err_console.print(f"[yellow]{note}[/]", highlight=False)
        run_id = maybe_record(workspace, res.to_run(ds), ds)
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        frame = res.national if national else res.trends if trends else res.by_maalgruppe if by_maalgruppe else res.records
        if json_out:
            emit_json(frame)
            return
        _print(frame, national, trends)


def _fmt(v: object, digits: int = 2) -> str:
    from benchlearn.cli.common import num  # the pages' number format (Danish: 3,95 and −0,40)

    s = num(v, digits)
    return "" if s == "–" else s


def _print(frame, national: bool, trends: bool) -> None:  # type: ignore[no-untyped-def]
    import sys

    out = Console() if sys.stdout.isatty() else Console(width=200)  # piped: whole columns
    table = Table(title=t("Undersøgelser (vises ved siden af benchmark, indgår ikke i rangering)",
                          "Surveys (shown beside the benchmark, not part of any ranking)"))
    hidden = t("diskretioneret", "suppressed")
    if trends:
        heads = [t("kommune", "municipality"), t("undersøgelse", "survey"), t("dimension", "dimension"),
                 t("ændring", "change"), t("95 %-interval", "95% interval")]
        for h in heads:
            table.add_column(h)
        for _, r in frame.iterrows():
            ins = load_instrument(r["survey"])
            val = hidden if r["suppressed"] else _fmt(r["change"])
            ci = "" if r["suppressed"] else f"{_fmt(r['change_ci_low'])} – {_fmt(r['change_ci_high'])}"
            table.add_row(str(r["navn"]), ins.name, ins.dimension_name(r["dimension"]), val, ci)
    else:
        heads = ([] if national else [t("kommune", "municipality")]) + [
            t("undersøgelse", "survey"), t("dimension", "dimension"), t("svar", "answers"),
            t("svarprocent", "response rate"), t("score", "score"), t("95 %-interval", "95% interval"), "α"]
        for h in heads:
            table.add_column(h)
        for _, r in frame.iterrows():
            ins = load_instrument(r["survey"])
            dim = ins.dimension_name(r["dimension"])
            if "maalgruppe" in r and isinstance(r["maalgruppe"], str):
                dim = f"{dim} ({r['maalgruppe']})"
            sup = bool(r["suppressed"])
            rr = "" if sup else _fmt(100 * r["response_rate"], 0)
            row = [ins.name, dim, "" if sup else str(r["respondents"]), rr, hidden if sup else _fmt(r["score"]),
                   "" if sup else f"{_fmt(r['ci_low'])} – {_fmt(r['ci_high'])}", "" if sup else _fmt(r["alpha"])]
            table.add_row(*(([str(r["navn"])] if not national else []) + row))
    out.print(table)
