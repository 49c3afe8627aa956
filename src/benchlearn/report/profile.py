"""Everything known about one municipality: the content behind its page, its API payload and its PDF."""

from __future__ import annotations

import pandas as pd

from benchlearn.core import reference
from benchlearn.report.site_data import SiteData, records

PROFILE_TABLES = ("benchmark", "classification", "peers", "dea", "costs", "surveys", "activity")


def _period_filter(df: pd.DataFrame | None, period: str | None) -> pd.DataFrame | None:
    if df is None:
        return None
    if period is not None and "period" in df.columns:
        sub = df[df["period"].astype(str) == str(period)]
        if sub.empty:  # the table has other periods only: show its latest
            latest = max(df["period"].astype(str).unique())
            sub = df[df["period"].astype(str) == latest]
        return sub
    return df


def profile_context(data: SiteData, k: int, period: str | None = None) -> dict:
    """Everything known about one municipality (used by the page, the API and the PDF)."""
    muni = data.muni_rows[int(k)]
    p = period if period in data.periods else data.default_period()
    out: dict = {"kommunekode": int(k), "navn": str(muni["navn"]), "region": str(muni["region"]), "period": p}
    b = data.for_kommune("benchmark", k)
    areas = set(reference.area_codes())
    mg = set(reference.maalgruppe_codes())
    if b is not None:
        bp = _period_filter(b, p)
        out["headline"] = None
        if "area" in bp.columns:
            tot = bp[bp["area"] == (data.default_area() or "total")]
            out["headline"] = records(tot.head(1))[0] if not tot.empty else None
            out["by_area"] = bp[bp["area"].isin(areas)].copy()
            mgrows = bp[bp["area"].isin(mg)]
            if "maalgruppe" in bp.columns:
                mgrows = pd.concat([mgrows, bp[bp["maalgruppe"].notna() & (bp["maalgruppe"].astype(str) != "")]])
            out["by_maalgruppe"] = mgrows.drop_duplicates()
            integ = bp[bp["area"].isin(set(reference.integration_codes()))]
            out["integration"] = integ if not integ.empty else None
            tr = b[b["area"] == (data.default_area() or "total")]
        else:
            out["headline"] = records(bp.head(1))[0] if not bp.empty else None
            tr = b
        out["trend"] = tr.sort_values("period") if "period" in tr.columns else None
    c = _period_filter(data.for_kommune("classification", k), p)
    if c is not None:
        order = data.schemes
        c = c.assign(_o=[order.index(s) if s in order else 99 for s in c["scheme"]]).sort_values("_o")
        out["classification"] = c.drop(columns="_o")
    pe = data.for_kommune("peers", k)
    if pe is not None:
        pe = _period_filter(pe, p).copy()
        pe["peer_navn"] = [data.names.get(int(x), str(x)) for x in pe["peer_kommunekode"]]
        if "distance" in pe.columns:
            pe = pe.sort_values("distance")
        out["peers"] = pe
        if "learning_partner" in pe.columns:
            out["learning_partners"] = pe[pe["learning_partner"].fillna(False).astype(bool)]
    pdiff = data.for_kommune("peer_differences", k)
    if pdiff is not None and out.get("learning_partners") is not None and "peer_kommunekode" in pdiff.columns:
        lp = set(out["learning_partners"]["peer_kommunekode"].astype(int))
        sub = pdiff[pdiff["peer_kommunekode"].astype(int).isin(lp)].copy()
        if not sub.empty:
            sub["peer_navn"] = [data.names.get(int(x), str(x)) for x in sub["peer_kommunekode"]]
            # the largest differences first (standardised when the model gives it)
            key = next((c for c in ("std_difference", "relative_difference", "difference") if c in sub.columns), None)
            if key is not None:
                sub = sub.assign(_k=pd.to_numeric(sub[key], errors="coerce").abs()).sort_values(
                    "_k", ascending=False, na_position="last").drop(columns="_k")
            out["partner_differences"] = sub
    split = data.for_kommune("cost_split", k)
    if split is not None:
        out["cost_split"] = split
    for name in ("dea", "costs", "surveys"):
        df = data.for_kommune(name, k)
        if df is not None:
            out[name] = _period_filter(df, p) if name != "costs" else df
    act = data.for_kommune("activity", k)
    if act is not None:
        out["activity"] = _period_filter(act, p)
    out["simulated_tables"] = [n for n in PROFILE_TABLES if out.get(n if n != "benchmark" else "headline") is not None
                               and data.is_simulated(n)]
    out["simulated"] = bool(out["simulated_tables"])
    return out
