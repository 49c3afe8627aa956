"""The model review's section of a municipality's PDF profile: how much its result depends on the model."""

from __future__ import annotations

from benchlearn.report import text as tx
from benchlearn.report.formatting import fmt_num
from benchlearn.report.site_data import SiteData, records
from benchlearn.review.labels import tier_label

__all__ = ["review_section"]


def review_section(pdf, data: SiteData, kommunekode: int) -> None:  # type: ignore[no-untyped-def]
    """Add the section (nothing when the workspace holds no review): the baseline's interval
    beside the specification range, and the result, rank and tier under every specification."""
    rng, recs, specs = data.table("review_ranges"), data.table("review_records"), data.table("review_specs")
    if rng is None or recs is None or specs is None:
        return
    row = rng[rng["kommunekode"].astype(int) == int(kommunekode)]
    if row.empty:
        return
    r = records(row)[0]
    labels = {s["spec"]: tx.localized(s, "label") for s in records(specs)}
    pdf.h2(tx.say("review_pdf.model_review_how_much_does"))
    period = str(r.get("period", ""))
    lines = [
        f"{tx.say('review_pdf.difference_under_baseline')} ({period}): {fmt_num(r['diff_pp'])} pp, "
        f"{tx.say('common.n95_interval')} [{fmt_num(r['ci_low_pp'])}; {fmt_num(r['ci_high_pp'])}]",
        f"{tx.say('review_pdf.specification_range_same_area')}: [{fmt_num(r['spec_low_pp'])}; {fmt_num(r['spec_high_pp'])}] pp",
        f"{tx.say('common.rank')}: {fmt_num(r['rank'], 0)}; {tx.say('review_pdf.under_specifications')} "
        f"{fmt_num(r['rank_min'], 0)}–{fmt_num(r['rank_max'], 0)}",
        (tx.say("review_pdf.tier_depends_specification") if r.get("tier_depends")
         else tx.say("review_pdf.same_tier_under_every_specification")),
    ]
    pdf.para("\n".join(lines), 10)
    mine = recs[recs["kommunekode"].astype(int) == int(kommunekode)]
    pdf.grid([tx.say("review.specification"), tx.say("common.area"), tx.say("common.difference_pp"),
              tx.say("common.n95_interval"), tx.say("common.rank"), tx.say("common.tier")],
             [[labels.get(x["spec"], x["spec"]), tx.area_label(x["target"]), fmt_num(x["diff_pp"]),
               f"[{fmt_num(x['ci_low_pp'])}; {fmt_num(x['ci_high_pp'])}]", fmt_num(x["rank"], 0), tier_label(x["tier"])]
              for x in records(mine)], (46, 36, 18, 30, 20, 28))
    pdf.para(tx.say("review_pdf.specification_range_runs_from_lowest"), 8.5)
