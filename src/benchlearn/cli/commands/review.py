"""``benchlearn review``: the model review (serviceeftersyn) — specifications side by side."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from benchlearn.cli.common import DatasetArg, JsonOption, WorkspaceOption, json_safe, err_console, open_dataset, to_records
from benchlearn.core.i18n import set_lang, t


def _num(v, digits: int = 2) -> str:  # type: ignore[no-untyped-def]
    from benchlearn.report.formatting import fmt_num

    return fmt_num(v, digits)


def _console() -> Console:
    # piped output keeps whole columns instead of Rich's 80-character default
    return Console() if sys.stdout.isatty() else Console(width=200)


def print_summary(rv) -> None:  # type: ignore[no-untyped-def]
    """The review's summary as Rich tables on stdout (labels, never codes)."""
    from benchlearn.review.labels import differs_label, group_label, tier_label, variable_label
    from benchlearn.report.text import area_label

    con = _console()
    specs = rv.tables["specs"].set_index("spec")
    lab = {s: t(r["label_da"], r["label_en"]) for s, r in specs.iterrows()}
    tab = Table(title=t(f"Specifikationer — periode {rv.period}", f"Specifications — period {rv.period}"))
    for h, j in ((t("Specifikation", "Specification"), "left"), (t("Område", "Area"), "left"),
                 (t("Rammevilkår", "Variables"), "right"), (t("Status", "Status"), "left")):
        tab.add_column(h, justify=j)  # type: ignore[arg-type]
    for s, r in specs.iterrows():
        status = t("kørt", "run") if r["status"] == "ok" else t(f"sprunget over: {r['reason_da']}", f"skipped: {r['reason_en']}")
        tab.add_row(lab[s], area_label(r["target"]), str(int(r["n_variables"])) if r["status"] == "ok" else "–", status)
    con.print(tab)

    pairs = rv.tables["pairs"]
    base = pairs[(pairs["spec_a"] == rv.specs.baseline) | (pairs["spec_b"] == rv.specs.baseline)]
    tab = Table(title=t(f"Mod grundspecifikationen «{lab.get(rv.specs.baseline, rv.specs.baseline)}»",
                        f"Against the baseline «{lab.get(rv.specs.baseline, rv.specs.baseline)}»"))
    for h, j in ((t("Specifikation", "Specification"), "left"), (t("Forskel", "Differs in"), "left"),
                 (t("Rangkorr.", "Rank corr."), "right"), (t("Gns./maks. flytning", "Mean/max move"), "right"),
                 (t("Niveauskift", "Tier changes"), "right"), (t("Flytningerne skyldes", "Moves attributed to"), "left"),
                 (t("Største flytninger", "Largest moves"), "left")):
        tab.add_column(h, justify=j, overflow="fold")  # type: ignore[arg-type]
    for _, r in base.iterrows():
        other = r["spec_b"] if r["spec_a"] == rv.specs.baseline else r["spec_a"]
        att = "–"
        if isinstance(r["attributed_to"], str):
            att = f"{variable_label(r['attributed_to'])} (R² {_num(r['attribution_r2'])})"
        moves = "; ".join(str(r["largest_moves"]).split("; ")[:3])
        tab.add_row(lab[other], differs_label(r["differs"]), _num(r["rank_spearman"]),
                    f"{_num(r['mean_rank_move'], 1)} / {int(r['max_rank_move'])}", str(int(r["tier_changes"])), att, moves)
    con.print(tab)

    rng = rv.tables["ranges"]
    dep = rng[rng["tier_depends"]]
    same = int(rng["tier_depends_same_area"].sum())
    con.print(t(f"[bold]{len(dep)} af {len(rng)} kommuner skifter niveau mellem specifikationerne[/] "
                f"({same} mellem specifikationer af grundspecifikationens område; resten først med en målgruppe).",
                f"[bold]{len(dep)} of {len(rng)} municipalities change tier between the specifications[/] "
                f"({same} between specifications of the baseline's area; the rest only with a target group)."))
    if len(dep):
        tab = Table(title=t("Kommuner hvis niveau afhænger af specifikationen", "Municipalities whose tier depends on the specification"))
        for h, j in ((t("Kommune", "Municipality"), "left"), (t("Forskel, 95 %-interval", "Difference, 95% interval"), "right"),
                     (t("Specifikationsspænd", "Specification range"), "right"), (t("Placering (spænd)", "Rank (range)"), "right"),
                     (t("Niveau i grundspecifikationen", "Tier under the baseline"), "left")):
            tab.add_column(h, justify=j)  # type: ignore[arg-type]
        for _, r in dep.head(25).iterrows():
            tab.add_row(str(r["navn"]), f"{_num(r['diff_pp'])} [{_num(r['ci_low_pp'])}; {_num(r['ci_high_pp'])}]",
                        f"[{_num(r['spec_low_pp'])}; {_num(r['spec_high_pp'])}]",
                        f"{int(r['rank'])} ({int(r['rank_min'])}–{int(r['rank_max'])})", tier_label(r["tier"]))
        con.print(tab)
        if len(dep) > 25:
            con.print(t(f"… og {len(dep) - 25} flere (se --json eller siden /review).", f"… and {len(dep) - 25} more (see --json or the page /review)."))

    if "agreement" in rv.tables:
        a = rv.tables["agreement"]
        tab = Table(title=t("Mod det offentliggjorte benchmark (ministeriets)", "Against the published benchmark (the ministry's)"))
        for h in (t("Specifikation", "Specification"), t("Område", "Area"), t("Periode", "Period"), "r", "Spearman",
                  t("r forventet antal", "r expected count"), t("Samme niveau", "Same tier")):
            tab.add_column(h, justify="left" if h in (t("Specifikation", "Specification"), t("Område", "Area")) else "right")
        for _, r in a.iterrows():
            tab.add_row(lab[r["spec"]], area_label(r["area"]), str(r["period"]), _num(r["r_diff"]), _num(r["rho_rank"]),
                        _num(r["r_expected"], 3), _num(100 * r["tier_agreement"], 0) + " %")
        con.print(tab)
    if "contributions" in rv.tables and len(rv.tables["contributions"]):
        c = rv.tables["contributions"]
        tab = Table(title=t("Variabelgruppernes bidrag til enigheden (udeladt én ad gangen)", "Contribution of variable groups to the agreement (drop-one)"))
        for h in (t("Variabelgruppe", "Variable group"), t("Bidrag til r", "Contribution to r"), t("Bidrag til rangkorr.", "Contribution to rank corr.")):
            tab.add_column(h, justify="left" if h.startswith(("Variabel", "Variable")) else "right")
        for _, r in c.iterrows():
            tab.add_row(group_label(r["group"]), _num(r["delta_r_diff"], 3), _num(r["delta_rho_rank"], 3))
        con.print(tab)
    for da, en in rv.notes:
        err_console.print(t(da, en), highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("review")
    def review(
        dataset: DatasetArg,
        specs: Annotated[Path | None, typer.Option("--specs", help="Specifikationer (TOML). Standard: den medfølgende fil. / Specifications (TOML); default the shipped file.")] = None,
        period: Annotated[str | None, typer.Option("--period", "-p", help="Periode. Standard: den seneste. / Period; default the latest.")] = None,
        all_periods: Annotated[bool, typer.Option("--all-periods", help="Uden virkning: alle perioder tilpasses altid (benchmarkets perioderegel); beholdt for ældre scripts. / No effect: every period is always fitted (the benchmark's period rule); kept for older scripts.")] = False,
        contributions: Annotated[str, typer.Option("--contributions", help="none eller drop-one (variabelgruppernes bidrag til enigheden med det offentliggjorte benchmark). / none or drop-one.")] = "none",
        workspace: WorkspaceOption = None,
        json_out: JsonOption = False,
        lang: Annotated[str | None, typer.Option("--lang", help="da eller en.")] = None,
    ) -> None:
        """Modelgennemgang: benchmarket under flere specifikationer og mod det offentliggjorte (DATASET = y30r21: mod ministeriets, rigtige data). / Model review: the benchmark under several specifications and against the published one (DATASET = y30r21: against the ministry's, real data)."""
        from benchlearn.core.progress import progress_bar
        from benchlearn.review.run import run_review
        from benchlearn.review.specs import load_specs
        from benchlearn.review.y30r21 import Y30R21_NAME, has_published_counts, published_counts_dataset

        if lang is not None:
            set_lang(lang)
        t0 = time.perf_counter()
        if str(dataset) == Y30R21_NAME and not dataset.exists():
            # the ministry comparison on the real y30r21 in ../shared/data/raw (docs/REVIEW.md)
            from benchlearn.review.specs import default_specs_path
            from benchlearn.review.y30r21 import ministry_dataset

            ds = ministry_dataset()
            rs = load_specs(specs if specs is not None else default_specs_path("y30r21_specs.toml"))
        else:
            ds = open_dataset(dataset)
            rs = load_specs(specs)
        source_ds = ds  # what a workspace stores and hashes: the data as given, not the review's view of it
        if has_published_counts(ds):
            # the real demo view: a published benchmark with counts and no population table; the open
            # model is fitted on the published actual counts (its own support is simulated, for unit costs)
            ds = published_counts_dataset(ds)
            err_console.print(t("Den åbne model tilpasses på det offentliggjorte benchmarks faktiske antal (rigtige) og "
                                "indbyggere 16–66 år afledt af det (forventet ÷ forventet andel); rammevilkårene er "
                                "datasættets.",
                                "The open model is fitted on the published benchmark's actual counts (real) and the "
                                "residents 16–66 derived from it (expected ÷ expected share); the framework variables "
                                "are the dataset's."), highlight=False)
        n = len(rs.specs) + int(ds.has("benchmark"))  # + the published side of the comparison
        with progress_bar(n, "Modelgennemgang", "Model review") as advance:
            rv = run_review(ds, rs, period=period, all_periods=all_periods, contributions=contributions, progress=advance)
        if workspace is not None:
            from benchlearn.review.store import record_review
            from benchlearn.store import Workspace

            with Workspace.open(workspace) as ws:
                ws.ingest(source_ds)
                run_id = record_review(ws, source_ds, rv)
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        elapsed = time.perf_counter() - t0
        # timings go to stderr only: stdout (the summary, --json) is the same bytes for the same input (#20.8)
        if json_out:
            _emit({"summary": rv.summary(), "notes": [t(da, en) for da, en in rv.notes],
                   "tables": {k: to_records(v) for k, v in rv.tables.items()}})
        else:
            print_summary(rv)
        fits = sum(rv.timings.values())
        err_console.print(t(f"Tid: {_num(elapsed, 1)} s (tilpasninger i alt {_num(fits, 1)} s, {len(rv.timings)} tilpasninger).",
                            f"Time: {_num(elapsed, 1)} s (fits {_num(fits, 1)} s in all, {len(rv.timings)} fits)."))


def _emit(obj: dict) -> None:
    """One JSON object on stdout (summary, notes, tables) — nothing else goes to stdout."""
    sys.stdout.write(json.dumps(json_safe(obj), ensure_ascii=False))
    sys.stdout.write("\n")
    sys.stdout.flush()
