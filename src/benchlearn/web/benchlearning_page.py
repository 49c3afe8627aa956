"""Benchlearning pages: ``/kommune/{k}/benchlearning`` (what one municipality can learn, from whom)
and ``/metoder`` (the method catalogue with its evidence and the associations across the 98).

Reads only the stored ``benchlearning`` run (its result tables; the same ones the downloads
``/download/benchlearning_*`` give); computes nothing but labels and links.
"""

from __future__ import annotations

from benchlearn.core.i18n import lang
from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData, records
from benchlearn.report.wording import stored_text
from benchlearn.web.pages import Linker, base_context, render

__all__ = ["benchlearning_page", "methods_page", "kommune_benchlearning_href", "BL_DOWNLOADS"]

BL_DOWNLOADS: tuple[str, ...] = ("benchlearning_learn", "benchlearning_partners", "benchlearning_method_associations",
                                 "benchlearning_enabler_associations", "benchlearning_enabler_scores",
                                 "benchlearning_cycle_followup", "benchlearning_cycle_plan", "benchlearning_catalogue")
_KINDS = {"activity": "benchlearning.kind_activity", "cost": "benchlearning.kind_cost",
          "maalgruppe_mix": "benchlearning.kind_maalgruppe_mix"}


def kommune_benchlearning_href(linker: Linker, k: int) -> str:
    if linker.static:
        return f"{linker.root}kommune/{int(k)}-benchlearning.html"
    base = f"/kommune/{int(k)}/benchlearning"
    return base + ("?lang=en" if lang() == "en" else "")


def _label(r: dict) -> str:
    return str(r.get("label_en") if lang() == "en" else r.get("label_da") or "")


def _catalogue(data: SiteData) -> dict[str, dict]:
    return {r["method"]: r for r in records(data.table("benchlearning_catalogue"))}


def _evidence(cat: dict[str, dict], code: str) -> str:
    r = cat.get(code)
    if not r or r.get("evidence") != "dokumenteret":
        return tx.say("benchlearning.evidence_unknown")
    return tx.say("benchlearning.evidence_documented", source=r.get("source", ""))


def _target_groups(text: str | None) -> str:
    out = []
    for g in str(text or "").split(", "):
        if not g:
            continue
        if g == "integration":
            out.append(tx.say("benchlearning.group_integration"))
        elif g == "alle":
            out.append(tx.say("benchlearning.group_all"))
        else:
            out.append(tx.maalgruppe_label(g))
    return ", ".join(out)


def benchlearning_page(data: SiteData, linker: Linker, k: int, url: str) -> str:
    names = data.names
    navn = names.get(int(k), str(k))
    sim = [n for n in BL_DOWNLOADS if data.has(n) and data.is_simulated(n)]
    ctx = base_context(data, linker, "benchlearning", url, sim, tx.say("benchlearning.title", navn=navn))
    ctx.update(navn=navn, kommunekode=int(k), profile_href=linker.kommune(k), methods_href=linker.page("metoder"))
    learn = data.for_kommune("benchlearning_learn", k)
    if not data.has("benchlearning_learn") and not data.has("benchlearning_partners"):
        ctx.update(has_run=False)
        return render("benchlearning.html", ctx)
    cat = _catalogue(data)
    partners = records(data.for_kommune("benchlearning_partners", k))
    for p in partners:
        p["href"] = linker.kommune(p["peer_kommunekode"])
    rows = records(learn)
    methods = [r for r in rows if r["kind"] == "method"]
    for r in methods:
        r["label"] = _label(r)
        r["evidence_text"] = _evidence(cat, r["code"])
        r["groups"] = _target_groups(r.get("maalgruppe"))
    enablers = [r | {"label": _label(r)} for r in rows if r["kind"] == "enabler"]
    measures = [r | {"label": _label(r), "kind_text": tx.say(_KINDS[r["kind"]])}
                for r in rows if r["kind"] in _KINDS][:12]
    scores = [r | {"label": _label(r)} for r in records(data.for_kommune("benchlearning_enabler_scores", k))]
    en_names = {r["enabler"]: _label(r) for r in records(data.table("benchlearning_enabler_scores"))}
    cycles = records(data.for_kommune("benchlearning_cycle_followup", k))
    plan = records(data.for_kommune("benchlearning_cycle_plan", k))
    m_names = {c: (r["navn_en"] if lang() == "en" else r["navn_da"]) for c, r in cat.items()}
    for r in plan:
        r["method_label"] = m_names.get(r.get("method") or "", "")
        r["enabler_label"] = en_names.get(r.get("enabler") or "", "")
        r["description"] = stored_text(r.get("description") or "")  # stored in both languages
    ctx.update(has_run=True, partners=partners, methods=methods, enablers=enablers, measures=measures,
               scores=scores, cycles=cycles, plan=plan,
               downloads=[{"name": n, "title": tx.TABLE_TITLES.get(n, (n, n))} for n in BL_DOWNLOADS if data.has(n)])
    return render("benchlearning.html", ctx)


def methods_page(data: SiteData, linker: Linker, url: str = "/metoder") -> str:
    sim = [n for n in ("benchlearning_method_associations", "benchlearning_enabler_associations")
           if data.has(n) and data.is_simulated(n)]
    ctx = base_context(data, linker, "metoder", url, sim, tx.say("benchlearning.catalogue_title"))
    assoc = {r["code"]: r for r in records(data.table("benchlearning_method_associations"))}
    rows = []
    for r in records(data.table("benchlearning_catalogue")):
        a = assoc.get(r["method"], {})
        rows.append({"label": r["navn_en"] if lang() == "en" else r["navn_da"], "groups": _target_groups(r["target_groups"]),
                     "evidence_text": _evidence({r["method"]: r}, r["method"]), "integration": bool(r.get("integration")),
                     "note": r.get("note_en") if lang() == "en" else r.get("note_da"),
                     "estimate": a.get("estimate_pp"), "lo": a.get("ci_low_pp"), "hi": a.get("ci_high_pp"),
                     "n_users": a.get("n_users"), "better": a.get("better"), "estimated": a.get("status") == "estimated"})
    enablers = [r | {"label": _label(r)} for r in records(data.table("benchlearning_enabler_associations"))]
    ctx.update(has_run=bool(rows), rows=rows, enablers=enablers)
    return render("methods.html", ctx)
