"""One-screen overview of a municipality (Fingertips' spine chart) and its peers chart.

Every area and målgruppe of a period in one chart: per row the spread of the 98 (lightest:
lowest to highest, darker: the middle half, a tick at the median), the comparators (the
region's mean, the peers' mean) and the municipality's own result with its 95 % interval,
coloured and shaped by its tier (significance). Rows have different scales (a total of
10 % against a benefit of 1 %), so each row is drawn relative to its own widest value, as
Fingertips does; 0 is "as expected" on every row and the hover gives the numbers in pp.

The trend of a row is marked when it is significant: the change of diff_pp from the
previous period against its standard error ``sqrt(se_t² + se_{t-1}²)``. This ignores the
correlation between the two periods' errors; that correlation is positive (shared
framework conditions), so the true standard error is smaller and the test is conservative.
A description of stored results, not a model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.periods import previous
from benchlearn.report import text as tx
from benchlearn.report.comparator import Comparator, mean_of
from benchlearn.report.figures import axis_style, error_bars, base_layout, plain_numbers, tier_marker, wrap
from benchlearn.report.site_data import SiteData

Z95 = 1.959963984540054


def _trend(data: SiteData, k: int, period: str, area: str, row: pd.Series) -> str:
    """'better' / 'worse' when the change from the previous period is significant, else ''."""
    try:
        prev = previous(str(period))
    except Exception:  # noqa: BLE001 — a period label without a predecessor
        return ""
    pb = data.benchmark(prev, area) if prev in data.periods else None
    if pb is None or "se_pp" not in pb.columns or "se_pp" not in row.index:
        return ""
    hit = pb[pb["kommunekode"].astype(int) == int(k)]
    if hit.empty:
        return ""
    d0, s0 = float(hit["diff_pp"].iloc[0]), float(hit["se_pp"].iloc[0])
    d1, s1 = float(row["diff_pp"]), float(row["se_pp"])
    se = math.hypot(s0, s1)
    if not (se > 0) or math.isnan(d0) or math.isnan(d1):
        return ""
    z = (d1 - d0) / se
    return "better" if z < -Z95 else "worse" if z > Z95 else ""


def spine_rows(data: SiteData, k: int, period: str | None, comp: Comparator | None = None) -> pd.DataFrame:
    """One row per area and målgruppe of ``period`` the municipality has a result for; with
    ``comp`` also the chosen comparator's mean (``comparator_mean``, ``comparator_n``)."""
    p = period if period in data.periods else data.default_period()
    region = reference.municipalities().set_index("kommunekode")["region"]
    own_region = region.get(int(k))
    peers = data.for_kommune("peers", k)
    peer_codes: set[int] = set()
    if peers is not None and "peer_kommunekode" in peers.columns:
        pp = peers[peers["period"].astype(str) == str(p)] if "period" in peers.columns else peers
        peer_codes = set((pp if not pp.empty else peers)["peer_kommunekode"].astype(int))
    rows = []
    for a in data.areas:
        b = data.benchmark(p, a)
        if b is None or "diff_pp" not in b.columns:
            continue
        b = b.assign(kommunekode=b["kommunekode"].astype(int))
        own = b[b["kommunekode"] == int(k)]
        if own.empty:
            continue
        r = own.iloc[0]
        d = pd.to_numeric(b["diff_pp"], errors="coerce").dropna()
        in_region = b[b["kommunekode"].map(region) == own_region]["diff_pp"]
        in_peers = b[b["kommunekode"].isin(peer_codes)]["diff_pp"]
        rows.append({
            "area": a, "label": tx.area_label(a), "diff_pp": float(r["diff_pp"]),
            "ci_low_pp": float(r.get("ci_low_pp", np.nan)), "ci_high_pp": float(r.get("ci_high_pp", np.nan)),
            "tier": str(r.get("tier", "")), "rank": r.get("rank"), "n": int(len(d)),
            "min": float(d.min()), "q25": float(d.quantile(0.25)), "median": float(d.median()),
            "q75": float(d.quantile(0.75)), "max": float(d.max()),
            "region_mean": float(in_region.mean()) if len(in_region) else np.nan,
            "peers_mean": float(in_peers.mean()) if len(in_peers) else np.nan,
            "national_mean": float(d.mean()),
            "trend": _trend(data, k, str(p), a, r),
        })
        if comp is not None:
            rows[-1]["comparator_mean"], rows[-1]["comparator_n"] = mean_of(b, comp)
    return pd.DataFrame(rows)


def spine_chart(rows: pd.DataFrame, comparator_name: str | None = None) -> dict | None:
    """The spine chart of :func:`spine_rows` (each row scaled to its widest value); with
    ``comparator_name`` the chosen comparator's mean is the one comparison drawn, else the
    region's and the peers' means both are."""
    if rows is None or rows.empty:
        return None
    d = rows.copy()
    wide = d[["min", "max", "ci_low_pp", "ci_high_pp"]].abs().max(axis=1).replace(0, 1.0)
    s = lambda col: plain_numbers(d[col] / wide)  # noqa: E731
    glyph = {"better": " ↓", "worse": " ↑", "": ""}
    labels = [wrap(f"{lab}{glyph[t]}", 16) for lab, t in zip(d["label"], d["trend"], strict=True)]
    base = {"type": "bar", "orientation": "h", "y": labels, "hoverinfo": "skip", "showlegend": True}
    traces = [
        {**base, "base": s("min"), "x": plain_numbers((d["max"] - d["min"]) / wide), "marker": {"color": "#e4e4e4"},
         "name": tx.say("spine.range_of_98")},
        {**base, "base": s("q25"), "x": plain_numbers((d["q75"] - d["q25"]) / wide), "marker": {"color": "#bdbdbd"},
         "name": tx.say("spine.middle_half")},
        {"type": "scatter", "mode": "markers", "x": s("median"), "y": labels, "name": tx.say("spine.median"),
         "marker": {"symbol": "line-ns-open", "size": 16, "color": "#333", "line": {"width": 2}},
         "customdata": plain_numbers(d["median"]), "hovertemplate": "%{y}: %{customdata:.2f} pp<extra>" + tx.say("spine.median")
         + "</extra>"},
    ]
    marks = ((("comparator_mean", comparator_name, "diamond-open"),) if comparator_name and "comparator_mean" in d
             else (("region_mean", tx.say("spine.region_mean"), "diamond-open"),
                   ("peers_mean", tx.say("spine.peers_mean"), "square-open")))
    for col, name, symbol in marks:
        if d[col].notna().any():
            traces.append({"type": "scatter", "mode": "markers", "x": s(col), "y": labels, "name": name,
                           "marker": {"symbol": symbol, "size": 10, "color": "#555", "line": {"width": 1.5}},
                           "customdata": plain_numbers(d[col]), "hovertemplate": "%{y}: %{customdata:.2f} pp<extra>" + name
                           + "</extra>", **({"meta": "comparator"} if col == "comparator_mean" else {})})
    own = {"type": "scatter", "mode": "markers", "x": s("diff_pp"), "y": labels, "name": tx.say("spine.own_result"),
           "marker": tier_marker(d, 13), "customdata": plain_numbers(d["diff_pp"]),
           "hovertemplate": "%{y}: %{customdata:.2f} pp<extra></extra>"}
    err = error_bars(d.assign(**{c: d[c] / wide for c in ("diff_pp", "ci_low_pp", "ci_high_pp")}),
                  "diff_pp", "ci_low_pp", "ci_high_pp")
    if err:
        err.update(thickness=2, color="#222")
        own["error_x"] = err
    traces.append(own)
    return {"data": traces, "layout": base_layout(
        # every row as tall as the tallest wrapped label (a category axis spaces its rows evenly,
        # so a sum of row heights let a 4-line label run into its neighbour at 390 px); the tick
        # words say the direction and the caption the scale, so no axis title runs off a phone screen
        barmode="overlay", height=150 + len(labels) * max([46] + [17 * (lab.count("<br>") + 1) + 12 for lab in labels]),
        xaxis=axis_style(None, zero=True, range=[-1.08, 1.08], tickvals=[-1, 0, 1],
                    ticktext=[tx.say("spine.fewer"), tx.say("spine.as_expected"), tx.say("spine.more")]),
        yaxis=axis_style(type="category", autorange="reversed"),
        legend={"orientation": "h", "y": -0.08, "yanchor": "top"}, meta={"axis": tx.say("spine.axis")})}


def peers_chart(headline: dict | None, navn: str, peers: pd.DataFrame | None,
                comparison: tuple[float, str] | None = None) -> dict | None:
    """The municipality among its peers: each one's diff_pp with its interval, itself highlighted;
    ``comparison`` = (the comparator's mean, its name) draws it as a dashed vertical line."""
    if headline is None or peers is None or peers.empty or "peer_diff_pp" not in peers.columns:
        return None
    d = pd.DataFrame({
        "navn": list(peers["peer_navn"]) + [navn],
        "diff_pp": list(pd.to_numeric(peers["peer_diff_pp"], errors="coerce")) + [headline.get("diff_pp")],
        "ci_low_pp": list(pd.to_numeric(peers.get("peer_ci_low_pp", pd.Series([np.nan] * len(peers))), errors="coerce"))
        + [headline.get("ci_low_pp")],
        "ci_high_pp": list(pd.to_numeric(peers.get("peer_ci_high_pp", pd.Series([np.nan] * len(peers))), errors="coerce"))
        + [headline.get("ci_high_pp")],
        "own": [False] * len(peers) + [True],
    }).sort_values("diff_pp", ascending=True, kind="stable")
    d["tier"] = np.where(d["ci_high_pp"] < 0, "better", np.where(d["ci_low_pp"] > 0, "worse", "as_expected"))
    d.loc[d["ci_low_pp"].isna(), "tier"] = ""
    labels = [f"<b>{n}</b>" if o else n for n, o in zip(d["navn"], d["own"], strict=True)]
    tr = {"type": "scatter", "mode": "markers", "x": plain_numbers(d["diff_pp"]), "y": labels,
          "marker": {**tier_marker(d, 11), "size": [15 if o else 10 for o in d["own"]]},
          "hovertemplate": "%{y}: %{x:.2f} pp<extra></extra>", "showlegend": False}
    e = error_bars(d, "diff_pp", "ci_low_pp", "ci_high_pp")
    if e:
        tr["error_x"] = e
    traces = [tr]
    if comparison is not None and comparison[0] == comparison[0]:  # NaN: no member has a result
        # a line over every row as a trace (not a shape): it gets a legend entry and a hover
        traces.append({"type": "scatter", "mode": "lines", "x": [comparison[0]] * len(labels), "y": labels,
                       "name": comparison[1], "meta": "comparator", "line": {"color": "#444", "dash": "dash", "width": 1.5},
                       "hovertemplate": "%{x:.2f} pp<extra>" + comparison[1] + "</extra>", "showlegend": True})
    return {"data": traces, "layout": base_layout(
        height=110 + 30 * len(d) + (50 if len(traces) > 1 else 0), showlegend=len(traces) > 1,
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"},
        xaxis=axis_style(tx.say("figures.difference_from_expected_pp"), zero=True),
        yaxis=axis_style(type="category", autorange="reversed"))}  # the fewest on support at the top
