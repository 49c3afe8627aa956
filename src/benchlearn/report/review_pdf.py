"""The model review's section of a municipality's PDF profile: how much its result depends on the model."""

from __future__ import annotations

from benchlearn.core.i18n import t
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
    labels = {s["spec"]: t(s["label_da"], s["label_en"]) for s in records(specs)}
    pdf.h2(t("Modelgennemgang: hvor meget afhænger resultatet af modellen?", "Model review: how much does the result depend on the model?"))
    period = str(r.get("period", ""))
    lines = [
        f"{t('Forskel under grundspecifikationen', 'Difference under the baseline')} ({period}): {fmt_num(r['diff_pp'])} pp, "
        f"{t('95 %-interval', '95% interval')} [{fmt_num(r['ci_low_pp'])}; {fmt_num(r['ci_high_pp'])}]",
        f"{t('Specifikationsspænd (samme område)', 'Specification range (same area)')}: [{fmt_num(r['spec_low_pp'])}; {fmt_num(r['spec_high_pp'])}] pp",
        f"{t('Placering', 'Rank')}: {fmt_num(r['rank'], 0)}; {t('under specifikationerne', 'under the specifications')} "
        f"{fmt_num(r['rank_min'], 0)}–{fmt_num(r['rank_max'], 0)}",
        (t("Niveauet afhænger af specifikationen.", "The tier depends on the specification.") if r.get("tier_depends")
         else t("Samme niveau under alle specifikationer.", "The same tier under every specification.")),
    ]
    pdf.para("\n".join(lines), 10)
    mine = recs[recs["kommunekode"].astype(int) == int(kommunekode)]
    pdf.grid([t("Specifikation", "Specification"), t("Område", "Area"), t("Forskel (pp)", "Difference (pp)"),
              t("95 %-interval", "95% interval"), t("Placering", "Rank"), t("Niveau", "Tier")],
             [[labels.get(x["spec"], x["spec"]), tx.area_label(x["target"]), fmt_num(x["diff_pp"]),
               f"[{fmt_num(x['ci_low_pp'])}; {fmt_num(x['ci_high_pp'])}]", fmt_num(x["rank"], 0), tier_label(x["tier"])]
              for x in records(mine)], (46, 36, 18, 30, 20, 28))
    pdf.para(t("Specifikationsspændet er forskellen mellem den laveste og den højeste forskel under de specifikationer, der "
               "måler samme område; det er ikke et statistisk interval, men viser hvor meget valget af model betyder.",
               "The specification range runs from the lowest to the highest difference under the specifications that measure "
               "the same area; it is not a statistical interval but shows how much the choice of model matters."), 8.5)
