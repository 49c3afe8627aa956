"""``benchlearn peers``: comparable municipalities and learning partners (DOMAIN.md §5)."""

from __future__ import annotations

from pathlib import Path
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
from benchlearn.data.dataset import is_workspace_file
from benchlearn.core.errors import ConfigError
from benchlearn.core.i18n import t

RECORD_COLUMNS = [
    "kommunekode", "navn", "period", "peer_kommunekode", "peer_navn", "peer_rank", "distance",
    "own_diff_pp", "peer_diff_pp", "peer_ci_low_pp", "peer_ci_high_pp", "diff_vs_peer_pp", "se", "z",
    "p_value", "learning_partner", "cluster", "same_cluster", "shared_groups",
]


def bench_for(dataset: Path, ds, period: str, need_weights: bool = True):  # type: ignore[no-untyped-def]
    """Benchmark records: the workspace's run when DATASET is one, a precomputed
    ``benchmark`` table, else a fit (see docs/BENCHLEARNING.md)."""
    from benchlearn.runs.peer_runs import benchmark_inputs
    from benchlearn.store import Workspace

    if is_workspace_file(dataset):
        with Workspace.open(dataset, read_only=True) as ws:
            return benchmark_inputs(ds, period, ws=ws, need_weights=need_weights)
    return benchmark_inputs(ds, period, need_weights=need_weights)


def default_period(ds, table: str = "support") -> str:  # type: ignore[no-untyped-def]
    for name in (table, "framework", "support"):
        if ds.has(name) and ds.periods(name):
            return ds.periods(name)[-1]
    raise ConfigError("Angiv --period (datasættet har ingen perioder).", "Give --period (the dataset has no periods).")


def register(app: typer.Typer) -> None:
    @app.command("peers")
    def peers(
        dataset: DatasetArg,
        period: PeriodOption = None,
        kommune: Annotated[list[int] | None, typer.Option("--kommune", help="Kommunekode (flere tilladt); standard alle 98. / Municipality code (repeatable); default all 98.")] = None,
        k: Annotated[int, typer.Option("--k", help="Antal nærmeste sammenlignelige kommuner. / Number of nearest peers.")] = 10,
        rule: Annotated[str, typer.Option("--rule", help="z_test (standard) eller ci. / Learning-partner rule.")] = "z_test",
        alpha: Annotated[float, typer.Option("--alpha", help="Niveau for z-testen (ensidet). / Level of the one-sided z test.")] = 0.05,
        clusters: Annotated[int, typer.Option("--clusters", help="Antal Ward-klynger. / Number of Ward clusters.")] = 8,
        group_file: Annotated[Path | None, typer.Option("--group-file", help="CSV med group,kommunekode. / CSV with group,kommunekode.")] = None,
        differences: Annotated[bool, typer.Option("--differences", help="Vis forskelle til læringspartnere (aktivitet, udgift, målgruppemix). / Show how learning partners differ.")] = False,
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Sammenlignelige kommuner og læringspartnere. / Comparable municipalities and learning partners."""
        from benchlearn.runs.peer_runs import run_peers
        from benchlearn.benchlearning.peers import PeerConfig, read_group_file

        cfg = PeerConfig(period=period or "", k=k, n_clusters=clusters, rule=rule, alpha=alpha)  # type: ignore[arg-type]
        extra = read_group_file(group_file) if group_file else None
        ds = open_dataset(dataset)
        if period is None:
            cfg = PeerConfig(period=default_period(ds, "framework"), k=k, n_clusters=clusters, rule=rule, alpha=alpha)  # type: ignore[arg-type]
        bench = bench_for(dataset, ds, cfg.period)
        res, bench = run_peers(ds, cfg, kommuner=kommune, extra_groups=extra, bench=bench)
        cols = [c for c in RECORD_COLUMNS if c in res.peers.columns]
        recs = res.peers[cols]
        diffs = res.differences
        if kommune:
            diffs = diffs[diffs["kommunekode"].isin(kommune)]
        if workspace is not None:
            run_id = maybe_record(workspace, res.to_run(ds, bench.source, kommuner=kommune), ds)
            if run_id:
                err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        if res.dropped_variables:
            err_console.print(t(
                "Rammevilkår uden fulde data eller variation udeladt: " + ", ".join(res.dropped_variables),
                "Framework variables without complete data or variation left out: " + ", ".join(res.dropped_variables),
            ))
        if bench.weights is None:
            err_console.print(t("Ingen vægte fra benchmarkmodellen: alle rammevilkår vægtes ens.",
                                "No weights from the benchmark model: all framework variables weigh the same."))
        if json_out:
            emit_json(diffs if differences else recs)
            return
        _print(recs, diffs if differences else None)


def _print(recs, diffs) -> None:  # type: ignore[no-untyped-def]
    from benchlearn.cli.common import num  # the pages' number format

    con = Console()
    table = Table(title=t("Sammenlignelige kommuner", "Comparable municipalities"))
    for c in (t("kommune", "municipality"), t("nr.", "no."), t("sammenlignes med", "peer"), t("afstand", "distance"),
              t("egen diff (pp)", "own diff (pp)"), t("peers diff (pp)", "peer diff (pp)"), "p", t("læringspartner", "learning partner"), t("klynge", "cluster")):
        table.add_column(c)
    for _, r in recs.iterrows():
        table.add_row(
            f"{r['navn']} ({r['kommunekode']})", str(r["peer_rank"]), f"{r['peer_navn']} ({r['peer_kommunekode']})",
            num(r["distance"]), num(r["own_diff_pp"]), num(r["peer_diff_pp"]), num(r["p_value"], 3),
            t("ja", "yes") if r["learning_partner"] else "", str(r["cluster"]),
        )
    con.print(table)
    if diffs is not None and len(diffs):
        dt = Table(title=t("Forskelle til læringspartnere (partner − egen)", "Differences to learning partners (partner − own)"))
        for c in (t("kommune", "municipality"), "partner", t("type", "kind"), t("målgruppe", "target group"), t("mål", "measure"),
                  t("egen", "own"), "partner", t("forskel", "difference"), "se"):
            dt.add_column(c)
        for _, r in diffs.iterrows():
            se = "" if r["se"] != r["se"] else num(r["se"], 3)
            dt.add_row(str(r["kommunekode"]), str(r["peer_kommunekode"]), str(r["kind"]), str(r["maalgruppe"] or ""),
                       str(r["measure"]), num(r["own_value"]), num(r["peer_value"]), num(r["difference"], sign=True), se)
        con.print(dt)
