"""``benchlearn benchmark``: expected vs actual full-time persons with honest uncertainty."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from benchlearn.core import reference
from benchlearn.cli.common import (
    num,
    DatasetArg,
    JsonOption,
    WorkspaceOption,
    emit_json,
    err_console,
    open_dataset,
)
from benchlearn.core.errors import ConfigError, MissingTableError, ModelError
from benchlearn.core.i18n import set_lang, t
from benchlearn.report.text import area_label
from benchlearn.report.wording import card_text, stored_text

RECORD_FIELDS = [
    "kommunekode", "navn", "period", "area", "actual", "expected", "diff_persons", "actual_share",
    "expected_share", "diff_pp", "se_pp", "ci_low_pp", "ci_high_pp", "shrunk_diff_pp", "rank",
    "rank_ci_low", "rank_ci_high", "tier",
]


def _require_source(ds) -> None:  # type: ignore[no-untyped-def]
    """Name the missing table first: without ``support`` (or a ready ``benchmark``/``cells``
    table) there are no periods, and a period message would hide the real problem."""
    if not any(ds.has(n) for n in ("support", "benchmark", "cells")):
        raise MissingTableError("support", "benchmarkmodellen (eller giv tabellen 'benchmark')",
                                "the benchmark model (or give table 'benchmark')")


def _period_source(ds) -> str:  # type: ignore[no-untyped-def]
    """The table whose periods the benchmark can run on, in the order run_benchmark uses them."""
    return next((n for n in ("support", "cells", "benchmark") if ds.has(n)), "support")


def _config(period: str | None, area: str, maalgruppe: str | None, model: str, variables: str | None, ds, **kw):  # type: ignore[no-untyped-def]
    """The run's configuration; the period only picks the rows shown (the resolver's period rule:
    one fit over every period, so the numbers are those of every other command and page)."""
    from benchlearn.benchmark.config import BenchmarkConfig

    if period is not None:
        have = set(ds.periods(_period_source(ds)))
        if period not in have:
            from benchlearn.core.periods import shown_periods

            have_da, have_en = shown_periods(have)
            raise ConfigError(
                f"Perioden '{period}' findes ikke i datasættet (findes: {have_da}).",
                f"Period '{period}' is not in the dataset (available: {have_en}).",
            )
    vars_ = tuple(v.strip() for v in variables.split(",") if v.strip()) if variables else None
    return BenchmarkConfig(area=area, maalgruppe=maalgruppe, model=model, variables=vars_, **kw)  # type: ignore[arg-type]


@contextmanager
def _answer_source(dataset, ds, workspace):  # type: ignore[no-untyped-def]
    """Where the resolver reads and stores: the --workspace (data ingested first), else
    DATASET itself when it is a workspace (read-only), else the dataset."""
    from benchlearn.data.dataset import is_workspace_file
    from benchlearn.store import Workspace

    if workspace is not None:
        with Workspace.open(workspace) as ws:
            ws.ingest(ds)
            yield ws
    elif is_workspace_file(dataset):
        with Workspace.open(dataset, read_only=True) as ws:
            yield ws
    else:
        yield ds


def _print_table(recs: pd.DataFrame, title: str) -> None:
    # piped output keeps whole columns instead of Rich's 80-character default
    con = Console() if sys.stdout.isatty() else Console(width=200)
    table = Table(title=title)
    heads = [
        (t("Kommune", "Municipality"), "left"), (t("Faktisk", "Actual"), "right"), (t("Forventet", "Expected"), "right"),
        (t("Forskel (pers.)", "Diff (persons)"), "right"), (t("Forskel (pct.-point)", "Diff (pp)"), "right"),
        (t("95%-interval", "95% interval"), "right"), (t("Krympet", "Shrunk"), "right"), (t("Rang", "Rank"), "right"),
        (t("Rang-interval", "Rank interval"), "right"), (t("Niveau", "Tier"), "left"),
    ]
    for h, j in heads:
        table.add_column(h, justify=j)  # type: ignore[arg-type]
    tiers = {"better": t("bedre", "better"), "as_expected": t("som forventet", "as expected"), "worse": t("dårligere", "worse")}
    for _, r in recs.sort_values("rank").iterrows():
        # the same numbers and format as the pages: 3.355 and −1,34 in Danish
        table.add_row(
            f"{r['navn']} ({r['kommunekode']})", num(r["actual"], 0), num(r["expected"], 0),
            num(r["diff_persons"], 0, sign=True), num(r["diff_pp"], sign=True),
            f"[{num(r['ci_low_pp'], sign=True)}; {num(r['ci_high_pp'], sign=True)}]", num(r["shrunk_diff_pp"], sign=True),
            str(r["rank"]), f"{r['rank_ci_low']}–{r['rank_ci_high']}", tiers.get(str(r["tier"]), str(r["tier"])),
        )
    con.print(table)


# valid values, listed in --help (read once at start-up from the shipped reference files)
_AREAS = ", ".join(reference.area_codes())
_MAALGRUPPER = ", ".join(reference.maalgruppe_codes() + reference.integration_codes())


def register(app: typer.Typer) -> None:
    @app.command("benchmark")
    def benchmark(
        dataset: DatasetArg,
        period: Annotated[str | None, typer.Option("--period", "-p", help="Periode, fx 2023. Standard: den seneste. / Period; default the latest.")] = None,
        area: Annotated[str, typer.Option("--area", help=f"Benchmarkområde / benchmark area: {_AREAS}.")] = "total",
        maalgruppe: Annotated[str | None, typer.Option("--maalgruppe", help=f"Målgruppe i stedet for område / target group instead of area: {_MAALGRUPPER}.")] = None,
        model: Annotated[str, typer.Option("--model", help="fraclogit (standard), elogit eller wls.")] = "fraclogit",
        level: Annotated[str, typer.Option("--level", help="Modelfamilie / model family: auto (krydsvalideret valg, standard / cross-validated choice, default), area, ydelse, multinomial, multinomial_shared.")] = "auto",
        variables: Annotated[str | None, typer.Option("--variables", help="Rammevilkår, kommasepareret. / Framework variables, comma-separated.")] = None,
        all_areas: Annotated[bool, typer.Option("--all-areas", help="Alle områder og målgrupper. / All areas and target groups.")] = False,
        cost: Annotated[float, typer.Option("--cost-per-person", help="Årlig pris pr. fuldtidsperson (kr.). / Annual cost per full-time person (DKK).")] = 74_000.0,
        workspace: WorkspaceOption = None,
        json_out: JsonOption = False,
        lang: Annotated[str | None, typer.Option("--lang", help="da eller en.")] = None,
    ) -> None:
        """Forventet mod faktisk antal fuldtidspersoner med usikkerhed. / Expected vs actual full-time persons with uncertainty."""
        from benchlearn.benchmark.resolver import resolve  # here: the model costs seconds of CLI start-up

        if lang is not None:
            set_lang(lang)
        ds = open_dataset(dataset)
        _require_source(ds)
        if period is None:
            periods = ds.periods(_period_source(ds))
            if not periods:
                raise ConfigError("Angiv --period (datasættet har ingen perioder).", "Give --period (the dataset has no periods).")
            period = periods[-1]
        targets = [(area, maalgruppe)]
        if all_areas:
            targets = [(a, None) for a in reference.area_codes()] + [("total", m) for m in reference.maalgruppe_codes()]
            if ds.has("support_origin") and ds.has("population_origin"):  # the integration målgrupper (#16)
                targets += [("total", m) for m in reference.integration_codes()]
        frames, results = [], []
        skipped: list[ModelError] = []
        with _answer_source(dataset, ds, workspace) as src:
            for a, m in targets:
                cfg = _config(period, a, m, model, variables, ds, cost_per_person_dkk=cost, level=level)
                try:
                    res = resolve(src, cfg, dataset=ds)
                except ModelError as exc:
                    if not all_areas:
                        raise
                    # --all-areas means every area the data allow (a published or persons-
                    # aggregate `benchmark` table has only some): say which were left out
                    skipped.append(exc)
                    err_console.print(t(f"{area_label(cfg.target)}: sprunget over — {exc.da}", f"{area_label(cfg.target)}: skipped — {exc.en}"),
                                      highlight=False)
                    continue
                results.append(res)
                frames.append(res.for_period(period))
                ex = res.excluded_for(period)
                if len(ex):
                    err_console.print(t(
                        f"{area_label(cfg.target)}: {ex['kommunekode'].nunique()} kommuner udeladt:",
                        f"{area_label(cfg.target)}: {ex['kommunekode'].nunique()} municipalities excluded:"))
                    for _, r in ex.iterrows():
                        err_console.print(f"  {r['kommunekode']} {r['navn']}: {stored_text(t(r['reason_da'], r['reason_en']))}", highlight=False)
                if workspace is not None:
                    err_console.print(t(f"Gemt som kørsel {res.origin.split(':', 1)[-1]}.", f"Stored as run {res.origin.split(':', 1)[-1]}."))
        if not results:
            raise skipped[-1]
        out = pd.concat(frames, ignore_index=True)
        if json_out:
            emit_json(out)
            return
        for res, recs in zip(results, frames):
            _print_table(recs, f"Benchmark: {area_label(res.config.target)}, {period}")
            if res.card is not None:  # the model card as /metode shows it (labels, the page's numbers)
                err_console.print(card_text(res.card.to_frame()), highlight=False)
