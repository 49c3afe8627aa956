"""The page ``/review``: the model review (serviceeftersyn) stored in the workspace.

Reads only the stored review run (its result tables); computes nothing but labels, so the
page and the downloads (``/download/review_*.csv``) show the same numbers.
"""

from __future__ import annotations

import pandas as pd

from benchlearn.report import review_figures as rf
from benchlearn.review.labels import differs_label, group_label, tier_label, variable_label
from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData, records
from benchlearn.report.wording import stored_text
from benchlearn.web.pages import Linker, base_context, fig_json, render

__all__ = ["review_page", "REVIEW_DOWNLOADS", "latest_review"]

#: Downloadable review tables (``/download/<name>.csv|xlsx|parquet``).
REVIEW_DOWNLOADS: tuple[str, ...] = ("review_ranges", "review_pairs", "review_records", "review_agreement",
                                     "review_disagreements", "review_contributions")


def latest_review(data: SiteData, name: str) -> pd.DataFrame | None:
    """One review table (the site keeps the newest review run only, see ``report.site_data``)."""
    return data.table(name)


def _labels(specs: pd.DataFrame) -> dict[str, str]:
    return {r["spec"]: tx.localized(r, "label") for r in records(specs)}


def review_page(data: SiteData, linker: Linker, url: str = "/review") -> str:
    specs = latest_review(data, "review_specs")
    ctx = base_context(data, linker, "review", url, data.is_simulated("review_records"),
                       tx.say("common.model_review_benchmark"))
    if specs is None:
        ctx.update(has_review=False)
        return render("review.html", ctx)
    labels = _labels(specs)
    meta = max(data.runs.get("review", []), key=lambda m: m.get("created", ""), default={})
    baseline = str(meta.get("config", {}).get("baseline", specs["spec"].iloc[0]))
    period = str(meta.get("config", {}).get("period", ""))
    pairs = latest_review(data, "review_pairs")
    rng = latest_review(data, "review_ranges")
    spec_rows = []
    base_pairs = pairs[(pairs["spec_a"] == baseline) | (pairs["spec_b"] == baseline)] if pairs is not None else pd.DataFrame()
    by_other = {(r["spec_b"] if r["spec_a"] == baseline else r["spec_a"]): r for r in records(base_pairs)}
    for r in records(specs):
        p = by_other.get(r["spec"], {})
        spec_rows.append({
            "label": labels[r["spec"]], "area": tx.area_label(r["target"]), "ok": r["status"] == "ok",
            "reason": stored_text(tx.localized(r, "reason")), "n_variables": r.get("n_variables"),
            "baseline": r["spec"] == baseline, "differs": differs_label(p.get("differs", "")) if p else "",
            "rank_spearman": p.get("rank_spearman"), "mean_rank_move": p.get("mean_rank_move"),
            "max_rank_move": p.get("max_rank_move"), "tier_changes": p.get("tier_changes"),
            "attributed": (f"{variable_label(p['attributed_to'])}" if p and isinstance(p.get("attributed_to"), str) else ""),
            "attribution_r2": p.get("attribution_r2") if p else None, "moves": p.get("largest_moves", "") if p else "",
        })
    dep = rng[rng["tier_depends"]] if rng is not None else pd.DataFrame()
    dep_rows = []
    for r in records(dep):
        r["href"] = linker.kommune(r["kommunekode"])
        r["tier_text"] = tier_label(r["tier"])
        # only the specifications that give another tier than the baseline (the rest agree)
        other = [(s.split("=")[0], s.split("=")[1]) for s in str(r.get("tiers", "")).split(", ") if "=" in s]
        r["tiers_text"] = "; ".join(f"{labels.get(name, name)}: {tier_label(tr)}" for name, tr in other
                                    if tr != r["tier"] and name != baseline)
        dep_rows.append(r)
    ministry = _ministry(data, labels, baseline)
    ctx.update(
        has_review=True, period=period, baseline_label=labels.get(baseline, baseline), spec_rows=spec_rows,
        n_run=int((specs["status"] == "ok").sum()), n_specs=len(specs), dep_rows=dep_rows,
        n_municipalities=len(rng) if rng is not None else 0,
        n_dep_same_area=(int(rng["tier_depends_same_area"].astype(bool).sum())
                         if rng is not None and "tier_depends_same_area" in rng.columns else "–"),
        moves_fig=fig_json(rf.spec_moves(pairs, baseline, labels)), range_fig=fig_json(rf.spec_range(rng)),
        downloads=[{"name": n, "title": tx.TABLE_TITLES.get(n, (n, n)), "present": data.table(n) is not None}
                   for n in REVIEW_DOWNLOADS],
        **ministry,
    )
    return render("review.html", ctx)


def _ministry(data: SiteData, labels: dict[str, str], baseline: str) -> dict:
    agree = latest_review(data, "review_agreement")
    if agree is None:
        return {"has_ministry": False}
    pts = latest_review(data, "review_agreement_points")
    spec = baseline if (agree["spec"] == baseline).any() else str(agree["spec"].iloc[0])
    a = agree[agree["spec"] == spec]
    last = sorted(a["period"].unique())[-1]
    area = "total" if (a["area"] == "total").any() else sorted(a["area"].unique())[0]
    row = a[(a["period"] == last) & (a["area"] == area)]
    row_d = records(row)[0] if len(row) else None
    p = pts[(pts["spec"] == spec) & (pts["period"] == last) & (pts["area"] == area)] if pts is not None else None
    rows = []
    for r in records(agree.sort_values(["spec", "area", "period"])):
        r["label"] = labels.get(r["spec"], r["spec"])
        r["area_text"] = tx.area_label(r["area"])
        rows.append(r)
    dis = latest_review(data, "review_disagreements")
    dis_rows = []
    for r in records(dis) if dis is not None else []:
        r["moved_text"] = group_label(r["moved_most_by"]) if isinstance(r.get("moved_most_by"), str) else ""
        dis_rows.append(r)
    contrib = latest_review(data, "review_contributions")
    contrib_rows = []
    for r in records(contrib) if contrib is not None else []:
        r["group_text"] = group_label(r["group"])
        r["variables_text"] = ", ".join(variable_label(v.strip()) for v in str(r.get("variables", "")).split(",") if v.strip())
        contrib_rows.append(r)
    return {
        "has_ministry": True, "m_spec_label": labels.get(spec, spec), "m_period": last, "m_area": tx.area_label(area),
        "m_row": row_d, "agree_rows": rows, "dis_rows": dis_rows, "contrib_rows": contrib_rows,
        "ba_fig": fig_json(rf.bland_altman(p, row_d)), "scatter_fig": fig_json(rf.open_vs_published(p)),
        "contrib_fig": fig_json(rf.contributions(contrib, group_label)) if contrib is not None else None,
    }
