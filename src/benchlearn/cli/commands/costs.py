"""``benchlearn costs``: unit cost per full-time person and its composition split (DOMAIN.md §6)."""

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
from benchlearn.i18n import t


def register(app: typer.Typer) -> None:
    @app.command("costs")
    def costs(
        dataset: DatasetArg,
        period_from: Annotated[str | None, typer.Option("--from", help="Fra periode (standard den første). / From period (default the first).")] = None,
        period_to: Annotated[str | None, typer.Option("--to", help="Til periode (standard den seneste). / To period (default the latest).")] = None,
        categories: Annotated[str | None, typer.Option("--categories", help="Udgiftskategorier, kommasepareret (standard alle). / Cost categories, comma-separated.")] = None,
        weights: Annotated[str | None, typer.Option("--weights", help="Relative udgiftsvægte pr. målgruppe, fx syge=1.5,unge=0.8. / Relative cost weights per target group.")] = None,
        view: Annotated[str, typer.Option("--view", help="split (standard), groups, unit-costs eller trend.")] = "split",
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Enhedsudgift pr. fuldtidsperson og opdeling i sammensætning og udgift inden for målgrupper. / Unit cost and its split."""
        from benchlearn.assess.costs import CostConfig, compute_costs, parse_weights
        from benchlearn.errors import ConfigError

        if view not in ("split", "groups", "unit-costs", "trend"):
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
        res = compute_costs(c, s, cfg)
        sim = any(ds.has(x) and ds.is_simulated(x) for x in ("costs", "support"))
        results = {"split": res.split, "split_groups": res.split_groups, "unit_costs": res.unit_costs, "trend": res.trend}
        run_id = maybe_record(workspace, "costs", {**cfg.to_dict(), "period": str(cfg.period_to)},
                              {k: v.assign(simulated=sim) for k, v in results.items()}, ds, {"allocation": res.allocation})
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        if res.allocation == "persons":
            err_console.print(t(
                "Udgifterne er ikke opgjort pr. målgruppe; de er fordelt efter fuldtidspersoner (× relative vægte).",
                "Costs are not recorded per target group; they are allocated by full-time persons (× relative weights).",
            ))
        frame = {"split": res.split, "groups": res.split_groups, "unit-costs": res.unit_costs, "trend": res.trend}[view]
        if json_out:
            emit_json(frame)
            return
        _print(res.split)


def _print(split) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=t("Enhedsudgift pr. fuldtidsperson (kr.)", "Unit cost per full-time person (kr)"))
    for c in (t("kommune", "municipality"), t("fra", "from"), t("til", "to"), t("ændring", "change"),
              t("sammensætning", "composition"), t("inden for grupper", "within groups")):
        table.add_column(c, justify="right")
    for _, r in split.iterrows():
        table.add_row(f"{r['navn']}", f"{r['unit_cost_from']:,.0f}", f"{r['unit_cost_to']:,.0f}", f"{r['change']:,.0f}",
                      f"{r['composition']:,.0f}", f"{r['within']:,.0f}")
    Console().print(table)
