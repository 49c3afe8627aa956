"""Monitoring without targets: the monthly Jobindsats series of a municipality against the
whole country and its peers, with the data break of 1 July 2025 marked. No pass/fail.

Reads the ``activity`` and ``activity_national`` inputs (from
:mod:`benchlearn.sources.jobindsats_dashboard`); descriptive only.
"""

from __future__ import annotations

import pandas as pd

from benchlearn.core.periods import period_kind
from benchlearn.report import text as tx

__all__ = ["MONITOR_MEASURES", "DATA_BREAK", "is_monthly", "series_figure", "latest_rows", "overview"]

#: First month after the kontanthjælp reform of 1 July 2025 (Jobindsats' series break there).
DATA_BREAK = "2025M07"

#: Rates comparable across municipalities and with the national level: (maalgruppe, measure).
MONITOR_MEASURES: tuple[tuple[str, str], ...] = (
    ("alle", "ledighed_pct"),
    ("kontanthjaelp", "andel_16_66_pct"),
    ("kontanthjaelp", "aktiveringsgrad_pct"),
    ("kontanthjaelp", "med_loentimer_pct"),
)


def is_monthly(activity: pd.DataFrame | None) -> bool:
    return activity is not None and len(activity) > 0 and period_kind(str(activity["period"].iloc[0])) == "month"


def _sel(df: pd.DataFrame, maalgruppe: str, measure: str) -> pd.DataFrame:
    return df[(df["maalgruppe"].astype(str) == maalgruppe) & (df["measure"].astype(str) == measure)]


def measure_label(maalgruppe: str, measure: str) -> str:
    return f"{tx.label(tx.MEASURES, measure)} ({tx.maalgruppe_label(maalgruppe)})"


def series_figure(activity: pd.DataFrame, national: pd.DataFrame | None, kommunekode: int, maalgruppe: str,
                  measure: str, peers: list[int] | None = None, name: str = "") -> dict | None:
    """Lines: the municipality, Hele landet and the median of its peers; the data break as a dashed line."""
    own = _sel(activity[activity["kommunekode"] == kommunekode], maalgruppe, measure).sort_values("period")
    if own.empty:
        return None
    x = own["period"].astype(str).tolist()
    traces = [{"type": "scatter", "mode": "lines", "x": x, "y": own["value"].astype(float).tolist(),
               "name": name or str(kommunekode), "line": {"color": "#2b6cb0", "width": 2.5}}]
    if national is not None and len(national):
        nat = _sel(national, maalgruppe, measure).sort_values("period")
        if len(nat):
            traces.append({"type": "scatter", "mode": "lines", "x": nat["period"].astype(str).tolist(),
                           "y": nat["value"].astype(float).tolist(), "name": tx.say("monitoring.national"),
                           "line": {"color": "#444444", "dash": "dot"}})
    if peers:
        pe = _sel(activity[activity["kommunekode"].isin(peers)], maalgruppe, measure)
        if len(pe):
            med = pe.groupby("period")["value"].median().sort_index()
            traces.append({"type": "scatter", "mode": "lines", "x": med.index.astype(str).tolist(),
                           "y": med.astype(float).tolist(), "name": tx.say("monitoring.peers_median"),
                           "line": {"color": "#b7791f"}})
    shapes, notes = [], []
    if x[0] <= DATA_BREAK <= x[-1]:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": DATA_BREAK, "x1": DATA_BREAK, "y0": 0, "y1": 1,
                       "line": {"color": "#c53030", "dash": "dash", "width": 1.5}})
        notes.append({"x": DATA_BREAK, "y": 1, "xref": "x", "yref": "paper", "yanchor": "bottom", "showarrow": False,
                      "text": tx.say("monitoring.data_break"), "font": {"size": 11, "color": "#c53030"}})
    return {"data": traces, "layout": {
        "height": 300, "margin": {"l": 56, "r": 16, "t": 36, "b": 48}, "shapes": shapes, "annotations": notes,
        "title": {"text": measure_label(maalgruppe, measure), "font": {"size": 14}},
        "xaxis": {"type": "category", "nticks": 10}, "yaxis": {"title": {"text": "%"}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.2, "yanchor": "top"}, "font": {"family": "system-ui, sans-serif"}}}


def latest_rows(activity: pd.DataFrame, kommunekode: int) -> pd.DataFrame:
    """The latest month of every series of one municipality (for the profile's table)."""
    own = activity[activity["kommunekode"] == kommunekode]
    if own.empty:
        return own
    last = own.sort_values("period").groupby(["maalgruppe", "measure"], as_index=False).tail(1)
    return last.sort_values(["maalgruppe", "measure"]).reset_index(drop=True)


def overview(activity: pd.DataFrame, national: pd.DataFrame | None) -> pd.DataFrame:
    """Per municipality and monitored rate: latest month's value, the national value and the
    change over 12 months (descriptive; no target, no pass/fail)."""
    rows = []
    for g, m in MONITOR_MEASURES:
        sel = _sel(activity, g, m)
        if sel.empty:
            continue
        last = str(sel["period"].max())
        year_before = f"{int(last[:4]) - 1}{last[4:]}"
        now = sel[sel["period"] == last].set_index("kommunekode")["value"]
        before = sel[sel["period"] == year_before].set_index("kommunekode")["value"]
        nat = _sel(national, g, m) if national is not None else pd.DataFrame()
        nat_now = nat.loc[nat["period"] == last, "value"] if len(nat) else pd.Series(dtype=float)
        rows.append(pd.DataFrame({
            "kommunekode": now.index.astype("int64"), "maalgruppe": g, "measure": m, "period": last,
            "value": now.to_numpy(), "national": float(nat_now.iloc[0]) if len(nat_now) else float("nan"),
            "change_12m": (now - before.reindex(now.index)).to_numpy()}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
