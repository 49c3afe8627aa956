"""Figures of the model review (``/review``), as plain plotly dicts in the shared pattern of
:mod:`benchlearn.report.figures` (``base_layout``, ``axis_style``, ``tier_marker``; docs/WEB.md "Charts")."""

from __future__ import annotations

import pandas as pd

from benchlearn.report import text as tx
from benchlearn.report.figures import axis_style, base_layout, plain_numbers, tier_marker, wrap

__all__ = ["spec_range", "spec_moves", "bland_altman", "open_vs_published", "contributions"]

RANGE_COLOUR = "rgba(192,86,33,0.45)"


def spec_range(ranges: pd.DataFrame) -> dict | None:
    """Each municipality's 95 % interval (thin, grey) beside its specification range (thick, orange)."""
    if ranges is None or ranges.empty:
        return None
    d = ranges.sort_values("diff_pp", ascending=False, kind="stable")
    y = d["navn"].tolist()
    lo, hi = pd.to_numeric(d["spec_low_pp"]), pd.to_numeric(d["spec_high_pp"])
    centre = (lo + hi) / 2
    rng = {"type": "scatter", "mode": "markers", "x": plain_numbers(centre), "y": y, "marker": {"size": 1, "color": RANGE_COLOUR},
           "error_x": {"type": "data", "symmetric": False, "array": plain_numbers(hi - centre), "arrayminus": plain_numbers(centre - lo),
                       "color": RANGE_COLOUR, "thickness": 7, "width": 0},
           "name": tx.say("common.specification_range"), "hoverinfo": "skip"}
    c = pd.to_numeric(d["diff_pp"])
    pts = {"type": "scatter", "mode": "markers", "x": plain_numbers(c), "y": y, "marker": tier_marker(d, 7),
           "customdata": d["kommunekode"].astype(int).tolist(),
           "error_x": {"type": "data", "symmetric": False, "array": plain_numbers(pd.to_numeric(d["ci_high_pp"]) - c),
                       "arrayminus": plain_numbers(c - pd.to_numeric(d["ci_low_pp"])), "color": "#555555", "thickness": 1.2, "width": 0},
           "name": tx.say("review_figures.baseline_95_interval"),
           "hovertemplate": "%{y}: %{x:.2f} pp<extra></extra>"}
    return {"data": [rng, pts], "layout": base_layout(
        height=max(420, 14 * len(d) + 110),
        xaxis=axis_style(tx.say("review_figures.difference_from_expected_pp"), zero=True, side="top"),
        yaxis=axis_style(tickfont={"size": 10}, type="category"),
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, margin={"l": 8, "r": 16, "t": 90, "b": 8})}


def spec_moves(pairs: pd.DataFrame, baseline: str, labels: dict[str, str]) -> dict | None:
    """Mean and largest rank move of every specification against the baseline (bars)."""
    if pairs is None or pairs.empty:
        return None
    p = pairs[(pairs["spec_a"] == baseline) | (pairs["spec_b"] == baseline)].copy()
    if p.empty:
        return None
    p["other"] = [b if a == baseline else a for a, b in zip(p["spec_a"], p["spec_b"], strict=True)]
    p = p.sort_values("mean_rank_move", kind="stable")
    names = [wrap(labels.get(o, o), 22) for o in p["other"]]
    return {"data": [
        {"type": "bar", "orientation": "h", "x": plain_numbers(p["mean_rank_move"]), "y": names, "marker": {"color": "#2b6cb0"},
         "name": tx.say("review_figures.mean_move"), "hovertemplate": "%{y}: %{x:.1f}<extra></extra>"},
        {"type": "bar", "orientation": "h", "x": plain_numbers(p["max_rank_move"]), "y": names, "marker": {"color": "#c05621"},
         "name": tx.say("common.largest_move"), "hovertemplate": "%{y}: %{x:.0f}<extra></extra>"}],
        # a row holds its label: a four-line name over 62 px ran into the next row's
        "layout": base_layout(barmode="group", height=140 + sum(max(62, 17 * (n.count("<br>") + 1) + 28) for n in names),
                          xaxis=axis_style(tx.say("review_figures.places_list"), rangemode="tozero"),
                          yaxis=axis_style(type="category"), legend={"orientation": "h", "y": -0.12, "yanchor": "top"})}


def bland_altman(points: pd.DataFrame, agreement_row: dict | None) -> dict | None:
    """Bland–Altman: the mean of the two results against their difference, with bias and limits of agreement."""
    if points is None or points.empty:
        return None
    d = points.rename(columns={"tier_pub": "tier"})
    tr = {"type": "scatter", "mode": "markers", "x": plain_numbers(d["ba_mean_pp"]), "y": plain_numbers(d["ba_diff_pp"]),
          "text": d["navn"].tolist(), "customdata": d["kommunekode"].astype(int).tolist(), "marker": tier_marker(d, 8),
          "hovertemplate": "%{text}: %{y:.2f} pp<extra></extra>", "name": tx.say("review_figures.municipalities_colour_ministrys_tier")}
    traces = [tr]
    x0, x1 = float(pd.to_numeric(d["ba_mean_pp"]).min()), float(pd.to_numeric(d["ba_mean_pp"]).max())
    if agreement_row:
        for key, name, dash in (("ba_bias_pp", tx.say("review_figures.mean_deviation"), "solid"),
                                ("ba_loa_low_pp", tx.say("review_figures.n95_limits_agreement"), "dash"),
                                ("ba_loa_high_pp", None, "dash")):
            v = agreement_row.get(key)
            if v is None:
                continue
            traces.append({"type": "scatter", "mode": "lines", "x": [x0, x1], "y": [v, v], "hoverinfo": "skip",
                           "line": {"color": "#333", "width": 1.2, "dash": dash}, "name": name or "",
                           "showlegend": name is not None})
    return {"data": traces, "layout": base_layout(
        height=460, xaxis=axis_style(tx.say("review_figures.mean_two_results_pp"), zero=True),
        yaxis=axis_style(tx.say("review_figures.open_model_minus_ministry_pp"), zero=True),
        legend={"orientation": "h", "y": -0.2, "yanchor": "top"})}


def open_vs_published(points: pd.DataFrame) -> dict | None:
    """The open model's result against the ministry's, one point per municipality, with the diagonal."""
    if points is None or points.empty:
        return None
    d = points.rename(columns={"tier_pub": "tier"})
    lo = float(min(pd.to_numeric(d["diff_pp_open"]).min(), pd.to_numeric(d["diff_pp_pub"]).min()))
    hi = float(max(pd.to_numeric(d["diff_pp_open"]).max(), pd.to_numeric(d["diff_pp_pub"]).max()))
    return {"data": [
        {"type": "scatter", "mode": "lines", "x": [lo, hi], "y": [lo, hi], "line": {"color": "#999", "dash": "dot"},
         "name": tx.say("review_figures.full_agreement"), "hoverinfo": "skip"},
        {"type": "scatter", "mode": "markers", "x": plain_numbers(d["diff_pp_pub"]), "y": plain_numbers(d["diff_pp_open"]),
         "text": d["navn"].tolist(), "customdata": d["kommunekode"].astype(int).tolist(), "marker": tier_marker(d, 8),
         "hovertemplate": "%{text}: %{x:.2f} / %{y:.2f} pp<extra></extra>", "name": tx.say("common.municipalities")}],
        "layout": base_layout(height=460, xaxis=axis_style(tx.say("review_figures.ministrys_result_pp"), zero=True),
                          yaxis=axis_style(tx.say("review_figures.open_models_result_pp"), zero=True),
                          legend={"orientation": "h", "y": -0.2, "yanchor": "top"})}


def contributions(contrib: pd.DataFrame, labeller) -> dict | None:
    """Drop-one contribution of each variable group to the correlation with the ministry's result."""
    if contrib is None or contrib.empty:
        return None
    c = contrib.sort_values("delta_r_diff", kind="stable")
    names = [wrap(labeller(g), 26) for g in c["group"]]
    colours = ["#2b6cb0" if v >= 0 else "#c05621" for v in pd.to_numeric(c["delta_r_diff"])]
    return {"data": [{"type": "bar", "orientation": "h", "x": plain_numbers(c["delta_r_diff"]), "y": names, "marker": {"color": colours},
                      "hovertemplate": "%{y}: %{x:.3f}<extra></extra>"}],
            "layout": base_layout(height=140 + 40 * len(c), showlegend=False,
                              xaxis=axis_style(tx.say("review_figures.change_correlation_when_group_left"), zero=True),
                              yaxis=axis_style(type="category"))}
