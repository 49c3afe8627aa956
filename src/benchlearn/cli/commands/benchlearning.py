"""``benchlearn benchlearning``: what to learn from whom, which methods go with better results, cycle follow-ups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from benchlearn.cli.common import DatasetArg, JsonOption, PeriodOption, WorkspaceOption, emit_json, err_console, maybe_record, num, open_dataset
from benchlearn.core.errors import ConfigError
from benchlearn.core.i18n import lang, t

VIEWS = {
    "learn": "learn", "associations": "method_associations", "enablers": "enabler_associations",
    "scores": "enabler_scores", "gaps": "enabler_gaps", "cycles": "cycle_followup", "plan": "cycle_plan",
    "partners": "partners", "catalogue": "catalogue",
}


def register(app: typer.Typer) -> None:
    @app.command("benchlearning")
    def benchlearning(
        dataset: DatasetArg,
        period: PeriodOption = None,
        kommune: Annotated[int | None, typer.Option("--kommune", help="Kommunekode, fx 450. / Municipality code.")] = None,
        view: Annotated[str, typer.Option("--view", help="learn (standard), associations, enablers, scores, gaps, cycles, plan, partners, catalogue.")] = "learn",
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Læringspartnere, der siger hvad man kan lære; metoder og forudsætninger mod resultater; læringsforløb fulgt op.
        / Learning partners that say what to learn; methods and enablers against results; learning cycles followed up."""
        from benchlearn.data.dataset import is_workspace_file
        from benchlearn.runs.benchlearning_runs import run_benchlearning
        from benchlearn.store import Workspace

        if view not in VIEWS:
            raise ConfigError(f"Ukendt --view '{view}': brug {', '.join(VIEWS)}.", f"Unknown --view '{view}': use {', '.join(VIEWS)}.")
        ds = open_dataset(dataset)
        if kommune is not None:
            from benchlearn.core import reference

            if int(kommune) not in reference.kommunekoder():
                raise ConfigError(f"Ukendt kommunekode {kommune}.", f"Unknown municipality code {kommune}.")
        if is_workspace_file(dataset):
            with Workspace.open(dataset, read_only=True) as ws:
                res = run_benchlearning(ds, period, ws=ws)
        else:
            res = run_benchlearning(ds, period)
        for da, en in res.notes:
            err_console.print(t(da, en), highlight=False)
        if any(bool(df["simulated"].any()) for n, df in res.tables.items() if n != "catalogue" and len(df)):
            err_console.print(t("Bemærk: indsatser, selvevalueringer eller forløb er simulerede.",
                                "Note: efforts, self-assessments or cycles are simulated."))
        if workspace is not None:
            run_id = maybe_record(workspace, res.to_run(), ds)
            if run_id:
                err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        name = VIEWS[view]
        df = res.tables.get(name)
        if df is None:
            raise ConfigError(f"Datasættet har ingen data til visningen '{view}'.", f"The dataset has no data for the view '{view}'.")
        if kommune is not None and "kommunekode" in df.columns:
            df = df[df["kommunekode"] == int(kommune)]
        if json_out:
            emit_json(df)
            return
        _print(df, view)


def _print(df, view: str) -> None:  # type: ignore[no-untyped-def]
    con = Console()
    label = "label_en" if lang() == "en" else "label_da"
    if view == "learn":
        tb = Table(title=t("Hvad kan lære af læringspartnerne (partnere − egen)", "What to learn from the learning partners (partners − own)"))
        for c in (t("kommune", "municipality"), t("slags", "kind"), "nr.", t("forskel", "difference"), t("størrelse", "size"), "se",
                  t("sammenhæng med resultat (pp)", "association with result (pp)")):
            tb.add_column(c)
        kinds = {"method": t("metode", "method"), "enabler": t("forudsætning", "enabler"), "activity": t("indsatsmål", "activity"),
                 "cost": t("udgift", "cost"), "maalgruppe_mix": t("målgruppemix", "target-group mix")}
        for r in df.itertuples(index=False):
            assoc = "" if r.assoc_pp != r.assoc_pp else f"{num(r.assoc_pp, sign=True)} [{num(r.assoc_ci_low_pp)}; {num(r.assoc_ci_high_pp)}]"
            tb.add_row(str(r.navn), kinds.get(str(r.kind), str(r.kind)), str(r.rank), str(getattr(r, label)), num(r.size, sign=True),
                       "" if r.se != r.se else num(r.se, 3), assoc)
    elif view in ("associations", "enablers"):
        tb = Table(title=t("Sammenhæng med benchmarkresultatet på tværs af de 98 (ikke effekter)",
                           "Association with the benchmark result across the 98 (not effects)"))
        for c in (t("kode", "code"), t("navn", "name"), t("estimat (pp)", "estimate (pp)"), "95 %", "n", t("bedre", "better")):
            tb.add_column(c)
        for r in df.itertuples(index=False):
            tb.add_row(str(r.code), str(getattr(r, label)), num(r.estimate_pp, sign=True), f"[{num(r.ci_low_pp)}; {num(r.ci_high_pp)}]",
                       str(r.n), t("ja", "yes") if r.better else "")
    else:
        tb = Table(title=view)
        cols = [c for c in df.columns if c != "simulated"][:10]
        for c in cols:
            tb.add_column(str(c))
        for r in df[cols].itertuples(index=False):
            tb.add_row(*[num(v) if isinstance(v, float) else str(v) for v in r])
    con.print(tb)
