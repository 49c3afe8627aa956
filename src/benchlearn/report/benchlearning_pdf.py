"""The benchlearning section of a municipality's PDF profile: partners, methods they use that it does
not, enabler gaps (the same stored tables as the page ``/kommune/{k}/benchlearning``)."""

from __future__ import annotations

from benchlearn.core.i18n import lang
from benchlearn.report import text as tx
from benchlearn.report.formatting import fmt_num
from benchlearn.report.site_data import SiteData, records

__all__ = ["benchlearning_section"]


def _label(r: dict) -> str:
    return str(r.get("label_en") if lang() == "en" else r.get("label_da") or "")


def benchlearning_section(pdf, data: SiteData, kommunekode: int) -> None:  # type: ignore[no-untyped-def]
    """Add the section (nothing when the workspace holds no benchlearning run)."""
    if not data.has("benchlearning_partners") and not data.has("benchlearning_learn"):
        return
    k = int(kommunekode)
    navn = data.names.get(k, str(k))
    pdf.h2(tx.say("benchlearning.title", navn=navn))
    partners = records(data.for_kommune("benchlearning_partners", k))
    if partners:
        pdf.para(tx.say("benchlearning.partners_intro", navn=navn) + " " + ", ".join(p["peer_navn"] for p in partners), 9.5)
    else:
        pdf.para(tx.say("benchlearning.no_partners", navn=navn), 9.5)
    rows = records(data.for_kommune("benchlearning_learn", k))
    methods = [r for r in rows if r["kind"] == "method"]
    if methods:
        pdf.para(tx.say("benchlearning.methods_heading", navn=navn), 10)
        pdf.grid([tx.say("benchlearning.method"), tx.say("benchlearning.partners_using"), tx.say("benchlearning.association_98")],
                 [[_label(r), f"{r['n_partners_with']} {tx.say('common.of')} {r['n_partners']} ({r['partners_with']})",
                   (f"{fmt_num(r['assoc_pp'])} pp [{fmt_num(r['assoc_ci_low_pp'])}; {fmt_num(r['assoc_ci_high_pp'])}]"
                    if r.get("assoc_pp") is not None else tx.say("benchlearning.not_estimated"))] for r in methods],
                 widths=(80, 55, 55))
    enablers = [r for r in rows if r["kind"] == "enabler"]
    if enablers:
        pdf.para(tx.say("benchlearning.enablers_heading"), 10)
        pdf.grid([tx.say("benchlearning.enabler"), tx.say("benchlearning.own_score", navn=navn),
                  tx.say("benchlearning.partners_mean"), tx.say("benchlearning.gap")],
                 [[_label(r), fmt_num(r["own_value"], 0), fmt_num(r["partners_value"], 1), fmt_num(r["size"], 1)] for r in enablers],
                 widths=(80, 35, 40, 35))
    pdf.para(tx.say("benchlearning.associations_not_effects"), 8.5)
