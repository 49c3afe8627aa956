"""Plotly figure specifications (plain dicts) for the pages and the static site.

Figures are built as plain ``{"data": [...], "layout": {...}}`` dicts rather than
``plotly.graph_objects`` because they are embedded as JSON and rendered by the
locally shipped plotly.min.js; skipping graph-object validation keeps page
rendering fast. Every figure gets a text summary for screen readers elsewhere.

The shared pattern (every new chart follows it, see docs/WEB.md "Charts"):

* ``base_layout(...)`` for the layout — Danish separators (``,`` decimal, ``.`` thousands),
  font, white background, margins that grow to fit the tick labels;
* ``axis_style(title, ...)`` for every axis — ``automargin`` so tick labels and the title are
  never clipped or drawn over each other, a title ``standoff``, the grid colour;
  ``money=True`` prints whole kroner with thousands separators (``20.000``, never
  ``20k``);
* ``tier_marker(df)`` for points coloured by tier — a colour-blind-safe palette
  (blue/grey/orange) plus a second cue, the marker shape (▲ better, ○ as expected,
  ▼ worse), so tiers differ without colour;
* plotly.js itself prints negative tick labels with the Unicode minus (U+2212).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from benchlearn.core.i18n import lang
from benchlearn.report import text as tx
from benchlearn.report.text import TIER_COLOURS, TIER_SYMBOLS, TIERS, area_label, label

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}
GRID = "#e5e5e5"
NEUTRAL = "#2b6cb0"


def base_layout(**kw: Any) -> dict:
    """Layout defaults: Danish number format (decimal comma, dot for thousands), margins
    that ``automargin`` on the axes widens to fit tick labels and titles."""
    base = {"font": FONT, "separators": ",." if lang() == "da" else ".,", "margin": {"l": 8, "r": 16, "t": 30, "b": 8},
            "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest"}
    base.update(kw)
    for ax in ("xaxis", "yaxis"):
        base.setdefault(ax, {})
        base[ax].setdefault("automargin", True)
    return base


def axis_style(title: str | None = None, *, zero: bool = False, money: bool = False, **kw: Any) -> dict:
    """An axis that never clips: tick labels and the title get their own room (automargin)."""
    ax: dict[str, Any] = {"automargin": True, "gridcolor": GRID}
    if title:
        ax["title"] = {"text": title, "standoff": 10}
    if zero:
        ax.update(zeroline=True, zerolinecolor="#222", zerolinewidth=1.2)
    if money:
        ax.update(tickformat=",.0f", separatethousands=True, exponentformat="none")
    ax.update(kw)
    return ax


def tier_marker(df: pd.DataFrame, size: int = 8) -> dict:
    """Marker dict for points coloured by tier, with the tier's shape as a second cue."""
    tiers = [str(v) for v in df["tier"]] if "tier" in df.columns else [""] * len(df)
    return {"color": [TIER_COLOURS.get(v, NEUTRAL) for v in tiers],
            "symbol": [TIER_SYMBOLS.get(v, ("circle", ""))[0] for v in tiers],
            "size": size, "line": {"width": 2, "color": [TIER_COLOURS.get(v, NEUTRAL) for v in tiers]}}


def plain_numbers(s: pd.Series) -> list:
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v)
            for v in pd.to_numeric(s, errors="coerce").tolist()]


def error_bars(df: pd.DataFrame, centre: str, lo: str, hi: str) -> dict | None:
    if lo not in df.columns or hi not in df.columns:
        return None
    c = pd.to_numeric(df[centre], errors="coerce")
    plus = (pd.to_numeric(df[hi], errors="coerce") - c).clip(lower=0)
    minus = (c - pd.to_numeric(df[lo], errors="coerce")).clip(lower=0)
    return {"type": "data", "symmetric": False, "array": plain_numbers(plus), "arrayminus": plain_numbers(minus),
            "color": "#555555", "thickness": 1.2, "width": 0}


def names_axis(n: int) -> dict:
    """A category axis of ``n`` municipality names, one row each, no empty rows at the ends:
    plotly pads a marker trace's autorange by 5 % each way, five empty rows of 98 above and below."""
    return axis_style(tickfont={"size": 10}, type="category", range=[-0.7, n - 0.3], autorange=False)


def caterpillar(df: pd.DataFrame) -> dict:
    """diff_pp per municipality with its 95 % interval, best (most negative) at the top."""
    d = df.sort_values("diff_pp", ascending=False, kind="stable")
    trace = {"type": "scatter", "mode": "markers", "x": plain_numbers(d["diff_pp"]), "y": d["navn"].tolist(),
             "marker": tier_marker(d, 7),
             "customdata": d["kommunekode"].astype(int).tolist(),
             "hovertemplate": "%{y}: %{x:.2f} pp<extra></extra>", "name": tx.say("common.difference_pp")}
    err = error_bars(d, "diff_pp", "ci_low_pp", "ci_high_pp")
    if err:
        trace["error_x"] = err
    return {"data": [trace], "layout": base_layout(
        height=max(400, 14 * len(d) + 80),
        # two lines: in one the title ran off a 390 px screen
        xaxis=axis_style(wrap(tx.say("figures.difference_from_expected_pp_negative"), 34), zero=True, side="top"),
        yaxis=names_axis(len(d)),
        showlegend=False)}


def rank_intervals(df: pd.DataFrame) -> dict | None:
    """Rank with marginal (and, when present, simultaneous) 95 % rank intervals."""
    if "rank" not in df.columns:
        return None
    d = df.sort_values("rank", ascending=False, kind="stable")
    traces = []
    if {"rank_ci_simul_low", "rank_ci_simul_high"} <= set(d.columns):
        e = error_bars(d, "rank", "rank_ci_simul_low", "rank_ci_simul_high")
        e.update(color="#bbbbbb", thickness=5)
        traces.append({"type": "scatter", "mode": "markers", "x": plain_numbers(d["rank"]), "y": d["navn"].tolist(),
                       "marker": {"size": 1, "color": "#bbbbbb"}, "error_x": e,
                       "name": tx.say("figures.simultaneous_interval"), "hoverinfo": "skip"})
    tr = {"type": "scatter", "mode": "markers", "x": plain_numbers(d["rank"]), "y": d["navn"].tolist(),
          "marker": tier_marker(d, 7), "name": tx.say("figures.rank_marginal_interval"),
          "customdata": d["kommunekode"].astype(int).tolist(),
          "hovertemplate": "%{y}: %{x}<extra></extra>"}
    e = error_bars(d, "rank", "rank_ci_low", "rank_ci_high")
    if e:
        tr["error_x"] = e
    traces.append(tr)
    return {"data": traces, "layout": base_layout(
        height=max(400, 14 * len(d) + 100),
        xaxis=axis_style(tx.say("figures.rank_1_best"), side="top"),
        yaxis=names_axis(len(d)),
        showlegend=False)}  # the caption says marginal (dark) and simultaneous (grey); a legend sat on the axis title


_LIMIT = re.compile(r"^funnel_(adj_)?(lo|hi|low|high)(\d+)$")


def funnel(df: pd.DataFrame) -> dict | None:
    """Funnel plot: diff_pp against precision with the stored control limits.

    Notes
    -----
    Precision is ``1 / funnel_se_pp`` when the model stored the standard error it drew the
    funnel with, else ``1 / se_pp``. Limits are the ``funnel_[adj_]lo|hi<level>`` columns
    (``adj`` = widened for over-dispersion); the web layer draws them, never recomputes them.
    """
    se_col = "funnel_se_pp" if "funnel_se_pp" in df.columns else ("se_pp" if "se_pp" in df.columns else None)
    if se_col is None:
        return None
    d = df.copy()
    se = pd.to_numeric(d[se_col], errors="coerce")
    d["precision"] = np.where(se > 0, 1.0 / se, np.nan)
    d = d.sort_values("precision", kind="stable")
    traces = []
    for c in sorted(c for c in d.columns if _LIMIT.match(c)):
        adj, side, level = _LIMIT.match(c).groups()
        y = pd.to_numeric(d[c], errors="coerce")
        if y.notna().sum() < 2:
            continue
        pct = {"95": "95 %", "998": "99,8 %", "99": "99 %"}.get(level, level)
        name = tx.say("figures.limit_adjusted_overdispersion" if adj else "figures.limit_chance_only", pct=pct)
        traces.append({"type": "scatter", "mode": "lines", "x": plain_numbers(d["precision"]), "y": plain_numbers(y),
                       "line": {"color": "#333" if adj else "#999", "width": 1.3 if adj else 1,
                                "dash": "dash" if level == "95" else "dot"},
                       "name": name, "legendgroup": c.replace("lo", "").replace("hi", ""),
                       "showlegend": side in ("lo", "low"), "hoverinfo": "skip"})
    traces.append({"type": "scatter", "mode": "markers", "x": plain_numbers(d["precision"]), "y": plain_numbers(d["diff_pp"]),
                   "text": d["navn"].tolist(), "customdata": d["kommunekode"].astype(int).tolist(),
                   "marker": tier_marker(d, 8),
                   "hovertemplate": "%{text}: %{y:.2f} pp<extra></extra>", "name": tx.say("common.municipalities")})
    return {"data": traces, "layout": base_layout(
        height=480,
        xaxis=axis_style(tx.say("figures.precision_1_standard_error")),
        yaxis=axis_style(tx.say("common.difference_pp"), zero=True),
        legend={"orientation": "h", "y": -0.18, "yanchor": "top"})}


#: the comparator's mark on every profile chart: open grey diamond / dashed grey line, so it
#: never reads as a tier colour
COMPARATOR_MARK = {"symbol": "diamond-open", "size": 11, "color": "#444", "line": {"width": 1.8}}


def comparator_marks(comparison: tuple[list, str], labels: list, unit: str) -> dict:
    """The comparator's mark on each row of a horizontal chart: (value per row, name)."""
    values, name = comparison
    return {"type": "scatter", "mode": "markers", "x": plain_numbers(pd.Series(values, dtype=float)), "y": labels,
            "name": name, "meta": "comparator", "marker": COMPARATOR_MARK,
            "hovertemplate": "%{y}: %{x:.2f}" + unit + "<extra>" + name + "</extra>"}


def profile_intervals(df: pd.DataFrame, group_col: str, labeller, comparison: tuple[list, str] | None = None) -> dict | None:
    """One municipality: diff_pp with interval per area (or målgruppe); ``comparison`` = (the
    comparator's value per row, its name) adds the comparator's mark on each row."""
    if df is None or df.empty or "diff_pp" not in df.columns:
        return None
    d = df.copy()
    d["_label"] = [wrap(labeller(v)) for v in d[group_col]]
    tr = {"type": "scatter", "mode": "markers", "x": plain_numbers(d["diff_pp"]), "y": d["_label"].tolist(),
          "marker": tier_marker(d, 11), "hovertemplate": "%{y}: %{x:.2f} pp<extra></extra>",
          "name": tx.say("spine.own_result")}
    e = error_bars(d, "diff_pp", "ci_low_pp", "ci_high_pp")
    if e:
        e["thickness"] = 2
        tr["error_x"] = e
    traces = [tr]
    if comparison is not None:
        traces.append(comparator_marks(comparison, d["_label"].tolist(), " pp"))
    return {"data": traces, "layout": base_layout(
        height=100 + 48 * len(d) + (50 if comparison is not None else 0), showlegend=comparison is not None,
        xaxis=axis_style(tx.say("figures.difference_from_expected_pp"), zero=True),
        yaxis=axis_style(type="category", autorange="reversed"),
        legend={"orientation": "h", "y": -0.15, "yanchor": "top"})}


def trend(df: pd.DataFrame, comparison: tuple[pd.DataFrame, str] | None = None) -> dict | None:
    """diff_pp over periods with its interval as a band; ``comparison`` = (``period, mean`` rows,
    name) adds the comparator's line over the same periods."""
    if df is None or len(df) < 2:
        return None
    d = df.sort_values("period")
    x = d["period"].astype(str).tolist()
    traces = []
    if {"ci_low_pp", "ci_high_pp"} <= set(d.columns):
        traces.append({"type": "scatter", "mode": "lines", "x": x + x[::-1],
                       "y": plain_numbers(d["ci_high_pp"]) + plain_numbers(d["ci_low_pp"])[::-1], "fill": "toself",
                       "fillcolor": "rgba(43,108,176,0.18)", "line": {"width": 0},
                       "name": tx.say("common.n95_interval"), "hoverinfo": "skip"})
    traces.append({"type": "scatter", "mode": "lines+markers", "x": x, "y": plain_numbers(d["diff_pp"]),
                   "line": {"color": "#2b6cb0"}, "name": tx.say("common.difference_pp")})
    if comparison is not None:
        c = comparison[0].set_index("period")["mean"].reindex(x)
        traces.append({"type": "scatter", "mode": "lines+markers", "x": x, "y": plain_numbers(c), "name": comparison[1],
                       "meta": "comparator", "line": {"color": "#444", "dash": "dash"}, "marker": COMPARATOR_MARK})
    return {"data": traces, "layout": base_layout(
        height=340, xaxis=axis_style(tx.say("common.period"), type="category"),
        yaxis=axis_style(tx.say("common.difference_pp"), zero=True),
        legend={"orientation": "h", "y": -0.25, "yanchor": "top"})}


def rank_history(df: pd.DataFrame) -> dict | None:
    """Our rank with its 95 % rank interval over periods, and the published rank beside it."""
    if df is None or len(df) < 2 or "rank" not in df.columns:
        return None
    d = df.sort_values("period")
    x = d["period"].astype(str).tolist()
    tr = {"type": "scatter", "mode": "lines+markers", "x": x, "y": plain_numbers(d["rank"]), "name": tx.say("common.rank"),
          "line": {"color": "#2b6cb0"}}
    err = error_bars(d, "rank", "rank_ci_low", "rank_ci_high") if {"rank_ci_low", "rank_ci_high"} <= set(d.columns) else None
    if err:
        tr["error_y"] = err
    traces = [tr]
    if "published_rank" in d.columns and d["published_rank"].notna().any():
        traces.append({"type": "scatter", "mode": "lines+markers", "x": x, "y": plain_numbers(d["published_rank"]),
                       "name": tx.say("kommune.published_rank"), "marker": {"symbol": "diamond", "size": 9},
                       "line": {"color": "#b7791f", "dash": "dot"}})
    return {"data": traces, "layout": base_layout(
        height=320, xaxis=axis_style(tx.say("common.period"), type="category"),
        yaxis=axis_style(tx.say("common.rank"), autorange="reversed"),
        legend={"orientation": "h", "y": -0.25, "yanchor": "top"})}


def survey_dots(df: pd.DataFrame, labeller, comparison: tuple[list, str] | None = None) -> dict | None:
    """Survey scores with intervals; suppressed cells are left out of the chart. ``comparison`` =
    (the comparator's mean score of each drawn cell, its name) adds the comparator's mark."""
    if df is None or "score" not in df.columns:
        return None
    d = df[pd.to_numeric(df["score"], errors="coerce").notna()].copy()
    if d.empty:
        return None
    d["_label"] = [wrap(labeller(r)) for _, r in d.iterrows()]
    tr = {"type": "scatter", "mode": "markers", "x": plain_numbers(d["score"]), "y": d["_label"].tolist(),
          "marker": {"size": 10, "color": NEUTRAL}, "hovertemplate": "%{y}: %{x:.2f}<extra></extra>"}
    e = error_bars(d, "score", "ci_low", "ci_high")
    if e:
        tr["error_x"] = e
    traces = [tr]
    if comparison is not None and len(comparison[0]) == len(d):
        tr["name"] = tx.say("spine.own_result")
        traces.append(comparator_marks(comparison, d["_label"].tolist(), ""))
    return {"data": traces, "layout": base_layout(height=100 + 46 * len(d) + (50 if len(traces) > 1 else 0),
                                              showlegend=len(traces) > 1,
                                              legend={"orientation": "h", "y": -0.15, "yanchor": "top"},
                                              xaxis=axis_style(tx.say("figures.score_scale_units")),
                                              yaxis=axis_style(type="category", autorange="reversed"))}


def survey_ranking(df: pd.DataFrame, national: float | None = None, highlight: int | None = None) -> dict | None:
    """Every municipality's score for one survey, dimension and period, with its 95 % interval.

    Sorted by score; the national figure (all respondents pooled) is a dashed line, the
    comparator every municipality is read against; ``highlight`` marks one municipality.
    Suppressed cells (no score) are left out.
    """
    if df is None or "score" not in df.columns:
        return None
    d = df[pd.to_numeric(df["score"], errors="coerce").notna()].sort_values("score", kind="stable")
    if d.empty:
        return None
    codes = d["kommunekode"].astype(int).tolist()
    # read against the national figure: interval wholly above (▲), wholly below (▼) or across it (○)
    side = pd.Series("as_expected", index=d.index)
    if national is not None and {"ci_low", "ci_high"} <= set(d.columns):
        side[pd.to_numeric(d["ci_low"], errors="coerce") > national] = "better"
        side[pd.to_numeric(d["ci_high"], errors="coerce") < national] = "worse"
    marker = tier_marker(d.assign(tier=side.to_numpy()), 8)
    if highlight is not None:
        marker["size"] = [13 if c == highlight else 8 for c in codes]
    tr = {"type": "scatter", "mode": "markers", "x": plain_numbers(d["score"]), "y": d["navn"].tolist(), "customdata": codes,
          "marker": marker, "hovertemplate": "%{y}: %{x:.2f}<extra></extra>", "name": tx.say("common.municipalities")}
    e = error_bars(d, "score", "ci_low", "ci_high")
    if e:
        tr["error_x"] = e
    shapes, notes = [], []
    if national is not None and not (isinstance(national, float) and math.isnan(national)):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": national, "x1": national, "y0": 0, "y1": 1,
                       "line": {"color": "#222", "dash": "dash", "width": 1.5}})
        notes.append({"xref": "x", "yref": "paper", "x": national, "y": 0, "yanchor": "top", "showarrow": False,
                      "text": tx.say("common.all_denmark"), "font": {"size": 11}})
    return {"data": [tr], "layout": base_layout(
        height=max(360, 14 * len(d) + 110), showlegend=False, shapes=shapes, annotations=notes,
        margin={"l": 8, "r": 16, "t": 30, "b": 30},
        xaxis=axis_style(tx.say("figures.score_95_interval"), side="top"),
        yaxis=names_axis(len(d)))}


def costs_bars(df: pd.DataFrame, labeller) -> dict | None:
    """Cost per category over periods (stacked bars), when costs carry ``category`` and ``dkk``."""
    if df is None or not {"period", "category", "dkk"} <= set(df.columns):
        return None
    traces = []
    for cat, g in df.groupby("category", sort=True):
        g = g.sort_values("period")
        traces.append({"type": "bar", "x": g["period"].astype(str).tolist(), "y": plain_numbers(g["dkk"]),
                       "name": labeller(cat)})
    return {"data": traces, "layout": base_layout(barmode="stack", height=340,
                                              xaxis=axis_style(type="category"), yaxis=axis_style(tx.say("common.dkk"), money=True),
                                              legend={"orientation": "h", "y": -0.15, "yanchor": "top"})}


def unit_cost_trend(df: pd.DataFrame) -> dict | None:
    """Unit cost per full-time person (and per ledig, when there) over periods."""
    if df is None or not {"period", "unit_cost"} <= set(df.columns):
        return None
    d = df.sort_values("period")
    x = d["period"].astype(str).tolist()
    traces = [{"type": "scatter", "mode": "lines+markers", "x": x, "y": plain_numbers(d["unit_cost"]),
               "line": {"color": "#2b6cb0"}, "name": tx.say("figures.per_full_time_person"),
               "hovertemplate": "%{x}: %{y:,.0f}<extra></extra>"}]
    if "unit_cost_ledig" in d.columns and d["unit_cost_ledig"].notna().any():
        traces.append({"type": "scatter", "mode": "lines+markers", "x": x, "y": plain_numbers(d["unit_cost_ledig"]),
                       "line": {"color": "#c05621", "dash": "dash"}, "name": tx.say("figures.per_unemployed"),
                       "hovertemplate": "%{x}: %{y:,.0f}<extra></extra>"})
    return {"data": traces,
            "layout": base_layout(height=300, xaxis=axis_style(type="category"),
                              legend={"orientation": "h", "y": -0.2, "yanchor": "top"},
                              yaxis=axis_style(tx.say("common.dkk"), money=True, rangemode="tozero"))}


def cost_split_waterfall(row: dict) -> dict | None:
    """Waterfall: unit cost in the first period, + composition, + within groups = the last period.

    None when the split is not identified (no parts to show)."""
    if not row or row.get("split_status") == "not_identified":
        return None
    vals = [row.get("unit_cost_from"), row.get("composition"), row.get("within"), row.get("unit_cost_to")]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in vals):
        return None
    labels = [str(row.get("period_from")), tx.say("common.composition"), tx.say("common.within_groups"),
              str(row.get("period_to"))]
    return {"data": [{"type": "waterfall", "x": labels, "y": [float(v) for v in vals],
                      "measure": ["absolute", "relative", "relative", "total"],
                      "increasing": {"marker": {"color": "#c05621"}}, "decreasing": {"marker": {"color": "#2f855a"}},
                      "totals": {"marker": {"color": "#2b6cb0"}},
                      "hovertemplate": "%{x}: %{y:,.0f}<extra></extra>"}],
            "layout": base_layout(height=300, showlegend=False, xaxis=axis_style(type="category"),
                              yaxis=axis_style(tx.say("figures.dkk_per_full_time_person"), money=True))}


#: Denmark's bounding box (west, south, east, north) incl. Bornholm and Skagen: the page
#: script picks the zoom that shows all of it at the chart's actual width (390 px too).
DENMARK_BOUNDS = (8.0, 54.55, 15.2, 57.76)


def map_figure(values: pd.DataFrame, colour: str, geo_url: str) -> dict:
    """Choropleth of the 98 municipalities: plotly's SVG geo map (d3-geo, Mercator, no base map).

    SVG rather than the WebGL ``choroplethmap`` (MapLibre): the front page then loads plotly's
    1.4 MB geo bundle instead of the 4.8 MB full one and draws without WebGL or a worker
    (#18.5: the front page took 1.4 s to be interactive on loopback); it also opens from disk.

    ``values`` holds kommunekode, navn and the colour column (``tier`` or ``diff_pp``).
    Municipalities without a value are drawn in light grey (a second trace), so small
    islands (Læsø, Samsø, Fanø, Ærø) are never left blank.
    """
    codes = values["kommunekode"].astype(int).tolist()
    names = values["navn"].tolist()
    trace: dict[str, Any] = {"type": "choropleth", "geojson": geo_url, "featureidkey": "id",
                             "locations": codes, "text": names, "customdata": codes,
                             "marker": {"line": {"width": 0.6, "color": "white"}, "opacity": 0.95}}
    if colour == "tier" and "tier" in values.columns:
        order = list(TIERS)
        z = [order.index(v) if v in order else None for v in values["tier"].astype(str)]
        trace.update(z=z, zmin=-0.5, zmax=2.5,
                     colorscale=[[0, TIER_COLOURS["better"]], [0.333, TIER_COLOURS["better"]],
                                 [0.333, TIER_COLOURS["as_expected"]], [0.667, TIER_COLOURS["as_expected"]],
                                 [0.667, TIER_COLOURS["worse"]], [1, TIER_COLOURS["worse"]]],
                     showscale=False,  # the page prints the legend (▲ ○ ▼ and words) in HTML below the map
                     colorbar={"tickvals": [0, 1, 2],
                               "ticktext": [f"{TIER_SYMBOLS[k][1]} {label(TIERS, k)}" for k in order],
                               "title": {"text": tx.say("common.tier")}, "len": 0.5},
                     hovertext=[f"{n}: {label(TIERS, v)}" for n, v in zip(names, values["tier"], strict=True)],
                     hoverinfo="text")
    else:
        z = plain_numbers(values["diff_pp"]) if "diff_pp" in values.columns else [None] * len(codes)
        m = max([abs(v) for v in z if v is not None] or [1.0])
        trace.update(z=z, zmin=-m, zmax=m, colorscale="RdBu", reversescale=True,
                     colorbar={"title": {"text": "pp"}, "len": 0.5},
                     hovertemplate="%{text}: %{z:.2f} pp<extra></extra>")
    trace["colorbar"].update(orientation="h", y=-0.02, yanchor="top", x=0.5, xanchor="center", len=0.9, thickness=12)
    missing = [i for i, v in enumerate(trace["z"]) if v is None]
    traces = [trace]
    if missing:
        traces.insert(0, {"type": "choropleth", "geojson": geo_url, "featureidkey": "id",
                          "locations": [codes[i] for i in missing], "z": [0] * len(missing),
                          "customdata": [codes[i] for i in missing], "showscale": False,
                          "colorscale": [[0, "#d9d9d9"], [1, "#d9d9d9"]],
                          "marker": {"line": {"width": 0.6, "color": "#9a9a9a"}, "opacity": 0.95},
                          "hovertext": [f"{names[i]}: {tx.say('common.no_result')}" for i in missing],
                          "hoverinfo": "text", "name": tx.say("common.no_result")})
    w, so, e, n = DENMARK_BOUNDS
    return {"data": traces, "layout": base_layout(
        height=600, margin={"l": 0, "r": 0, "t": 0, "b": 0 if colour == "tier" else 50}, meta={"fitBounds": [w, so, e, n]},
        # the box of all 98 (Bornholm and west Jutland included) at the chart's real width; no world map
        geo={"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"}, "bgcolor": "rgba(0,0,0,0)"})}


def area_name(code: str) -> str:
    return area_label(code)


def wrap(text: str, width: int = 24) -> str:
    """Break a long category label into lines (``<br>``) so a 390 px chart keeps its plot area."""
    words, lines, cur = str(text).split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return "<br>".join(lines) or str(text)
