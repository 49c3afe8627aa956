"""The monitoring page (``/overvaagning``): the real monthly Jobindsats series without targets.

Per monitored rate: the whole country's series with the 1 July 2025 data break marked, and
every municipality's latest month beside the national value and its change over 12 months.
Descriptive only: no targets, no pass/fail. Reads inputs, never fits.
"""

from __future__ import annotations

from benchlearn.report import monitoring
from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData, records
from benchlearn.web.pages import Linker, base_context, fig_json, render

__all__ = ["monitoring_page", "has_monitoring"]


def has_monitoring(data: SiteData) -> bool:
    return monitoring.is_monthly(data.inputs.get("activity"))


def monitoring_page(data: SiteData, linker: Linker, measure: str | None = None, url: str = "/overvaagning") -> str:
    act, nat = data.inputs.get("activity"), data.inputs.get("activity_national")
    ctx = base_context(data, linker, "overvaagning", url, data.simulated_of("activity"), tx.say("monitoring.title"))
    if not monitoring.is_monthly(act):
        ctx.update(rows=[], figs=[], options=[])
        return render("monitoring.html", ctx)
    keys = [f"{g}:{m}" for g, m in monitoring.MONITOR_MEASURES]
    key = measure if measure in keys else keys[0]
    g, m = key.split(":")
    ov = monitoring.overview(act, nat)
    ov = ov[(ov["maalgruppe"] == g) & (ov["measure"] == m)].assign(navn=lambda x: x["kommunekode"].map(data.names))
    rows = records(ov.sort_values("value"))
    for r in rows:
        r["href"] = linker.kommune(int(r["kommunekode"])) + "#h-act"
    # the whole country's series; a municipality's own lines are on its profile
    figs = []
    if nat is not None and len(nat):
        nat_as_act = nat.assign(kommunekode=0)
        f = monitoring.series_figure(nat_as_act, None, 0, g, m, None, tx.say("monitoring.national"))
        if f is not None:
            figs.append(fig_json(f))
    ctx.update(
        rows=rows, figs=figs, label=monitoring.measure_label(g, m), period=rows[0]["period"] if rows else None,
        national=rows[0]["national"] if rows else None,
        options=[{"value": linker.page("overvaagning", measure=k), "label": monitoring.measure_label(*k.split(":")),
                  "selected": k == key} for k in keys],
    )
    return render("monitoring.html", ctx)
