"""``benchlearn dea``: cost efficiency of the jobcentres (DEA, DOMAIN.md §5)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

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
from benchlearn.i18n import t
from benchlearn.progress import progress_bar

RECORD_COLUMNS = [
    "kommunekode", "navn", "period", "rts", "efficiency", "ci_low", "ci_high", "bias_corrected", "peers", "lambdas",
    "super_efficiency", "efficient", "potential_dkk", "potential_persons", "input_dkk", "actual", "expected",
    "output_result", "input_slack_1", "output_slack_1", "output_slack_2",
]


def register(app: typer.Typer) -> None:
    @app.command("dea")
    def dea(
        dataset: DatasetArg,
        period: PeriodOption = None,
        rts: Annotated[str, typer.Option("--rts", help="crs eller vrs (standard). / Returns to scale.")] = "vrs",
        bootstrap: Annotated[int, typer.Option("--bootstrap", help="Simar–Wilson-gentagelser (0 = ingen intervaller). / Bootstrap replications.")] = 200,
        output: Annotated[str, typer.Option("--output", help="loefteevne (E/O, standard) eller avoided (E − O).")] = "loefteevne",
        no_size: Annotated[bool, typer.Option("--no-size-output", help="Udelad forventede fuldtidspersoner E som output. / Leave out expected persons E as an output.")] = False,
        cost_per_person: Annotated[float, typer.Option("--cost-per-person", help="Kr. pr. fuldtidsperson til potentiale i personer. / Kroner per full-time person.")] = 74_000.0,
        seed: Annotated[int, typer.Option("--seed", help="Frø for bootstrap. / Bootstrap seed.")] = 20181101,
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """DEA-omkostningseffektivitet med bootstrap-intervaller. / DEA cost efficiency with bootstrap intervals."""
        from benchlearn import reference
        from benchlearn.cli.commands.peers import bench_for, default_period
        from benchlearn.models.dea import JobcentreDEAConfig, dea_from_dataset

        cfg = JobcentreDEAConfig(period=period or "", rts=rts, output=output, size_output=not no_size,  # type: ignore[arg-type]
                                 cost_per_person=cost_per_person, bootstrap=bootstrap, seed=seed)
        cfg.dea_config()  # validate options before reading data
        ds = open_dataset(dataset)
        costs = ds.require("costs", why_da="DEA (input: udgifter til beskæftigelsesindsatsen)",
                           why_en="DEA (input: expenditure on the employment effort)")
        if period is None:
            from dataclasses import replace

            cfg = replace(cfg, period=default_period(ds, "costs"))
        bench = bench_for(dataset, ds, cfg.period, need_weights=False)
        n = len(set(costs["kommunekode"]))
        with progress_bar(bootstrap or None, "Bootstrap (DEA)", "Bootstrap (DEA)") as advance:
            frame = dea_from_dataset(costs, bench.records, cfg, progress=advance if bootstrap else None)
        frame.insert(1, "navn", frame["kommunekode"].map(reference.municipalities().set_index("kommunekode")["navn"]).astype(str))
        sim = any(ds.has(x) and ds.is_simulated(x) for x in ("costs", "support", "population", "framework", "benchmark"))
        run_id = maybe_record(workspace, "dea", {**cfg.to_dict(), "area": "total"}, {"records": frame.assign(simulated=sim)}, ds,
                              {"benchmark_source": bench.source, "municipalities": n})
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        cols = [c for c in RECORD_COLUMNS if c in frame.columns]
        if json_out:
            emit_json(frame[cols])
            return
        _print(frame)


def _print(frame) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=t("Omkostningseffektivitet (DEA, inputorienteret)", "Cost efficiency (DEA, input-oriented)"))
    for c in (t("kommune", "municipality"), t("effektivitet", "efficiency"), t("95 %-interval", "95% interval"),
              t("forbilleder", "peers"), t("potentiale (mio. kr.)", "potential (m kr)"), t("personer", "persons")):
        table.add_column(c)
    for _, r in frame.sort_values("efficiency", ascending=False).iterrows():
        ci = "" if r["ci_low"] != r["ci_low"] else f"{r['ci_low']:.3f}–{r['ci_high']:.3f}"
        table.add_row(f"{r['navn']} ({r['kommunekode']})", f"{r['efficiency']:.3f}", ci,
                      ", ".join(str(p) for p in r["peers"]), f"{r['potential_dkk'] / 1e6:.1f}", f"{r['potential_persons']:.0f}")
    Console().print(table)
