"""``benchlearn costs``: unit cost per full-time person and per ledig, and the composition split (DOMAIN.md §6)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from benchlearn.cli.common import (
    DatasetArg,
    JsonOption,
    WorkspaceOption,
    emit_json,
    err_console,
    maybe_record,
    open_dataset,
)
from benchlearn.core.i18n import t

VIEWS = ("split", "groups", "unit-costs", "trend")

NOT_IDENTIFIED = (
    "Opdelingen i sammensætning og udgift inden for målgrupper er ikke identificeret: udgifterne er ikke "
    "opgjort pr. målgruppe, så data kan ikke vise, hvor meget sammensætningen forklarer. Ændringen i "
    "enhedsudgiften vises; delene vises ikke (giv costs en kolonne maalgruppe, eller antag relative vægte "
    "med --weights).",
    "The split into composition and cost within target groups is not identified: costs are not recorded per "
    "target group, so the data cannot show how much the composition explains. The change in unit cost is "
    "shown; the parts are not (give costs a maalgruppe column, or assume relative weights with --weights).",
)
ASSUMED = (
    "Opdelingen hviler på de antagne relative vægte (--weights), ikke på opgjorte udgifter pr. målgruppe.",
    "The split rests on the assumed relative weights (--weights), not on costs recorded per target group.",
)


def register(app: typer.Typer) -> None:
    @app.command("costs")
    def costs(
        dataset: DatasetArg,
        period_from: Annotated[str | None, typer.Option("--from", help="Fra periode (standard den første). / From period (default the first).")] = None,
        period_to: Annotated[str | None, typer.Option("--to", help="Til periode (standard den seneste). / To period (default the latest).")] = None,
        categories: Annotated[str | None, typer.Option("--categories", help="Udgiftskategorier, kommasepareret (standard alle). / Cost categories, comma-separated.")] = None,
        weights: Annotated[str | None, typer.Option("--weights", help="Antagne relative udgiftsvægte pr. målgruppe, fx syge=1.5,unge=0.8. / Assumed relative cost weights per target group.")] = None,
        view: Annotated[str, typer.Option("--view", help="split (standard), groups, unit-costs eller trend.")] = "split",
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Enhedsudgift pr. fuldtidsperson og pr. ledig, og opdeling i sammensætning og udgift inden for målgrupper. / Unit cost per full-time person and per ledig, and its split."""
        from benchlearn.benchlearning.costs import COST_INPUTS, LEDIGE_SOURCES, CostConfig, compute_costs, parse_weights
        from benchlearn.core.errors import ConfigError

        if view not in VIEWS:
            raise ConfigError(f"--view skal være split, groups, unit-costs eller trend, ikke '{view}'.",
                              f"--view must be split, groups, unit-costs or trend, not '{view}'.")
        ds = open_dataset(dataset)
        c = ds.require("costs", why_da="udgiftskortlægningen", why_en="the cost mapping")
        s = ds.require("support", why_da="antal fuldtidspersoner i målgrupperne", why_en="full-time persons in the target groups")
        periods = ds.periods("costs")
        cfg = CostConfig(
            period_from=period_from or (periods[0] if periods else ""),
            period_to=period_to or (periods[-1] if periods else ""),
            categories=tuple(x.strip() for x in categories.split(",")) if categories else None,
            relative_weights=parse_weights(weights),
        )
        res = compute_costs(c, s, cfg, ds.table("activity") if ds.has("activity") else None)
        sim = any(ds.has(x) and ds.is_simulated(x) for x in COST_INPUTS)
        run_id = maybe_record(workspace, res.to_run(ds), ds)
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        status = res.status.get(0)
        if status == "not_identified":
            err_console.print(t(*NOT_IDENTIFIED), style="yellow", highlight=False)
        elif status == "assumed":
            err_console.print(t(*ASSUMED), style="yellow", highlight=False)
        if res.ledige_source in LEDIGE_SOURCES:
            err_console.print(t("Ledige: ", "Unemployed: ") + t(*LEDIGE_SOURCES[res.ledige_source]), highlight=False)
        frame = {"split": res.split, "groups": res.split_groups, "unit-costs": res.unit_costs, "trend": res.trend}[view]
        if json_out:
            emit_json(frame)
            return
        {"split": _print_split, "groups": _print_groups, "unit-costs": _print_unit_costs, "trend": _print_trend}[view](
            frame, sim)


def _n(v, digits: int = 0) -> str:  # type: ignore[no-untyped-def]
    from benchlearn.web.pages import fmt_num  # the one Danish/English number format

    return fmt_num(v, digits)


def _caption(sim: bool) -> str | None:
    return t("Simulerede tal.", "Simulated numbers.") if sim else None


def _names():  # type: ignore[no-untyped-def]
    from benchlearn.core import reference

    return reference.municipalities().set_index("kommunekode")["navn"].to_dict()


def _print_split(split, sim: bool) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=t("Enhedsudgift pr. fuldtidsperson (kr.) og ændringens dele", "Unit cost per full-time person (kr) and the parts of its change"),
                  caption=_caption(sim))
    for c in (t("kommune", "municipality"), t("fra", "from"), t("til", "to"), t("ændring", "change"),
              t("sammensætning", "composition"), t("inden for grupper", "within groups")):
        table.add_column(c, justify="right")
    ni = t("ikke identificeret", "not identified")
    for _, r in split.iterrows():
        known = r["split_status"] != "not_identified"
        table.add_row(f"{r['navn']}", _n(r["unit_cost_from"]), _n(r["unit_cost_to"]), _n(r["change"]),
                      _n(r["composition"]) if known else ni, _n(r["within"]) if known else ni)
    Console().print(table)


def _print_groups(groups, sim: bool) -> None:  # type: ignore[no-untyped-def]
    from benchlearn.report.text import maalgruppe_label

    names = _names()
    table = Table(title=t("Målgrupper: andele, enhedsudgifter og bidrag (kr.)", "Target groups: shares, unit costs and contributions (kr)"),
                  caption=_caption(sim))
    for c in (t("kommune", "municipality"), t("målgruppe", "target group"), t("andel fra", "share from"), t("andel til", "share to"),
              t("enhedsudgift fra", "unit cost from"), t("enhedsudgift til", "unit cost to"),
              t("sammensætning", "composition"), t("inden for", "within")):
        table.add_column(c, justify="right")
    ni = t("ikke identificeret", "not identified")
    for _, r in groups.iterrows():
        known = r["split_status"] != "not_identified"
        name = t("Hele landet", "Denmark") if r["kommunekode"] == 0 else names.get(int(r["kommunekode"]), str(r["kommunekode"]))
        table.add_row(name, maalgruppe_label(r["maalgruppe"]), _n(100 * r["share_from"], 1) + " %", _n(100 * r["share_to"], 1) + " %",
                      _n(r["unit_cost_from"]) if known else ni, _n(r["unit_cost_to"]) if known else ni,
                      _n(r["composition"]) if known else ni, _n(r["within"]) if known else ni)
    Console().print(table)


def _print_unit_costs(uc, sim: bool) -> None:  # type: ignore[no-untyped-def]
    names = _names()
    table = Table(title=t("Enhedsudgifter pr. kommune og periode (kr.)", "Unit costs per municipality and period (kr)"),
                  caption=_caption(sim))
    cols = [t("kommune", "municipality"), t("periode", "period"), t("udgift (mio. kr.)", "expenditure (m kr)"),
            t("fuldtidspersoner", "full-time persons"), t("pr. fuldtidsperson", "per full-time person")]
    has_led = "unit_cost_ledig" in uc.columns
    if has_led:
        cols += [t("ledige", "unemployed"), t("pr. ledig", "per unemployed")]
    for c in cols:
        table.add_column(c, justify="right")
    for _, r in uc.sort_values(["kommunekode", "period"]).iterrows():
        row = [names.get(int(r["kommunekode"]), str(r["kommunekode"])), str(r["period"]), _n(r["dkk"] / 1e6, 1),
               _n(r["persons"]), _n(r["unit_cost"])]
        if has_led:
            row += [_n(r["ledige"]), _n(r["unit_cost_ledig"])]
        table.add_row(*row)
    Console().print(table)


def _print_trend(tr, sim: bool) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=t("Hele landet: enhedsudgift over tid (kr.)", "Denmark: unit cost over time (kr)"), caption=_caption(sim))
    cols = [t("periode", "period"), t("udgift (mia. kr.)", "expenditure (bn kr)"), t("pr. fuldtidsperson", "per full-time person"),
            t("indeks", "index")]
    has_led = "unit_cost_ledig" in tr.columns
    if has_led:
        cols += [t("pr. ledig", "per unemployed"), t("indeks", "index")]
    for c in cols:
        table.add_column(c, justify="right")
    for _, r in tr.iterrows():
        row = [str(r["period"]), _n(r["dkk"] / 1e9, 2), _n(r["unit_cost"]), _n(r["index"], 1)]
        if has_led:
            row += [_n(r["unit_cost_ledig"]), _n(r["index_ledig"], 1)]
        table.add_row(*row)
    Console().print(table)
