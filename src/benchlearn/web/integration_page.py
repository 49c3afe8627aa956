"""The page ``/integration`` (#16.4): results by origin, the integration benchmark, the
learning partners on it and the municipalities' integration projects.

Reads only stored results (``by_origin``, the ``benchmark`` records of ``area =
integration``, ``integration_peers``) and the input table ``efforts`` (its rows with
``target_group = integration``, named by the method catalogue when it is installed);
computes nothing but sums for the national row and labels.
"""

from __future__ import annotations

import pandas as pd

from benchlearn.core import reference
from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData, records
from benchlearn.web.pages import Linker, base_context, render

__all__ = ["integration_page", "INTEGRATION_DOWNLOADS", "has_integration"]

INTEGRATION_DOWNLOADS: tuple[str, ...] = ("by_origin", "benchmark", "integration_peers")
TARGET = "integration"
ORIGIN_ORDER = ("dansk", "vestlig", "ikke_vestlig", "flygtning", "familiesammenfoert")


def has_integration(data: SiteData) -> bool:
    b = data.table("benchmark")
    return data.has("by_origin") or (b is not None and "area" in b.columns and (b["area"] == TARGET).any())


def origin_label(code: str) -> str:
    return tx.label(tx.ORIGINS, code)


def _by_origin(data: SiteData, period: str | None) -> tuple[list[dict], list[dict], str | None]:
    bo = data.table("by_origin")
    if bo is None:
        return [], [], None
    periods = sorted(bo["period"].astype(str).unique())
    p = period if period in periods else periods[-1]
    cur = bo[bo["period"].astype(str) == p]
    nat = cur.groupby("origin_group", as_index=False)[["persons", "fuldtidspersoner_integration"]].sum()
    nat["share"] = 100 * nat["fuldtidspersoner_integration"] / nat["persons"]
    order = list(ORIGIN_ORDER)
    nat = nat.sort_values("origin_group", key=lambda c: c.map({g: i for i, g in enumerate(order)}))
    national = [{"label": origin_label(r["origin_group"]), **r} for r in records(nat)]
    wide = cur.pivot_table(index="kommunekode", columns="origin_group", values="share_integration_pct", aggfunc="first")
    pop = cur.pivot_table(index="kommunekode", columns="origin_group", values="persons", aggfunc="first")
    rows = []
    for k in wide.index:
        rows.append({"kommunekode": int(k), "navn": reference.navn(int(k)),
                     "share_ikv": wide.loc[k].get("ikke_vestlig"), "share_dansk": wide.loc[k].get("dansk"),
                     "persons_ikv": pop.loc[k].get("ikke_vestlig"),
                     "gap": (wide.loc[k].get("ikke_vestlig") - wide.loc[k].get("dansk"))
                     if pd.notna(wide.loc[k].get("ikke_vestlig")) and pd.notna(wide.loc[k].get("dansk")) else None})
    rows.sort(key=lambda r: (r["gap"] is None, -(r["gap"] or 0)))
    return national, rows, p


def _benchmark(data: SiteData, linker: Linker, period: str | None) -> tuple[list[dict], str | None]:
    b = data.table("benchmark")
    if b is None or "area" not in b.columns:
        return [], None
    b = b[b["area"] == TARGET]
    if b.empty:
        return [], None
    periods = sorted(b["period"].astype(str).unique())
    p = period if period in periods else periods[-1]
    cur = b[b["period"].astype(str) == p].sort_values("rank")
    rows = []
    for r in records(cur):
        r["href"] = linker.kommune(r["kommunekode"])
        r["tier_text"] = tx.label(tx.TIERS, str(r.get("tier", "")))
        rows.append(r)
    return rows, p


def _partners(data: SiteData, linker: Linker) -> list[dict]:
    pe = data.table("integration_peers")
    if pe is None:
        return []
    lp = pe[pe["learning_partner"].astype(bool)].sort_values(["kommunekode", "p_value"])
    rows = []
    for r in records(lp):
        r["href"] = linker.kommune(r["kommunekode"])
        r["peer_href"] = linker.kommune(r["peer_kommunekode"])
        rows.append(r)
    return rows


def _projects(data: SiteData) -> tuple[list[dict], list[dict]]:
    """Integration rows of the efforts table and the catalogue's integration methods."""
    from benchlearn.benchlearning.catalogue import integration_methods  # the method catalogue (#15)

    methods = {m.code: m for m in integration_methods()}

    def name(code: str) -> str:
        m = methods.get(code)
        return tx.pick((getattr(m, "navn_da", code), getattr(m, "navn_en", code))) if m is not None else str(code)

    catalogue = [{"code": c, "name": name(c), "evidence": getattr(m, "evidence", ""), "source": getattr(m, "source", ""),
                  "note": tx.pick((getattr(m, "note_da", ""), getattr(m, "note_en", "")))} for c, m in methods.items()]
    e = data.inputs.get("efforts")
    if e is None or not len(e):
        return [], catalogue
    keep = e["target_group"].astype(str) == TARGET if "target_group" in e.columns else pd.Series(False, index=e.index)
    if methods and "method" in e.columns:
        keep = keep | e["method"].astype(str).isin(set(methods))
    rows = []
    for r in records(e[keep].sort_values(["kommunekode", "start_date"] if "start_date" in e.columns else ["kommunekode"])):
        r["navn"] = reference.navn(int(r["kommunekode"]))
        r["method_name"] = name(str(r.get("method", "")))
        end = r.get("end_date")
        r["end_text"] = str(end) if isinstance(end, str) and end else tx.say("integration.running")
        rows.append(r)
    return rows, catalogue


def integration_page(data: SiteData, linker: Linker, period: str | None = None, url: str = "/integration") -> str:
    sim = (data.is_simulated("by_origin") or data.is_simulated("benchmark") or data.is_simulated("integration_peers")
           or "support_origin" in data.simulated_inputs)
    ctx = base_context(data, linker, "integration", url, sim, tx.say("integration.title"))
    national, muni_rows, bo_period = _by_origin(data, period)
    bench_rows, b_period = _benchmark(data, linker, period)
    partners = _partners(data, linker)
    projects, catalogue = _projects(data)
    ydelser = reference.ydelser().set_index("ydelse")
    yd = [tx.pick((ydelser.loc[y, "navn_da"], ydelser.loc[y, "navn_en"])) for y in reference.integration_ydelser(TARGET)]
    ctx.update(
        has_any=bool(national or bench_rows), national=national, muni_rows=muni_rows, bo_period=bo_period,
        bench_rows=bench_rows, b_period=b_period, partners=partners, n_partner_munis=len({r["kommunekode"] for r in partners}),
        projects=projects, catalogue=catalogue, ydelser_text=", ".join(yd),
        group_text=", ".join(origin_label(g) for g in reference.integration_origin_groups(TARGET)),
        bench_href=linker.page("benchmark", period=b_period, area=TARGET),
        downloads=[{"name": n, "title": tx.TABLE_TITLES.get(n, (n, n)), "present": data.table(n) is not None}
                   for n in INTEGRATION_DOWNLOADS],
    )
    return render("integration.html", ctx)
