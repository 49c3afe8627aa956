"""Self-assessment against the performance enablers (contract table ``self_assessment``).

Each row is one score (1–5) of one enabler for one municipality and period, by the jobcentre
itself (``assessor = self``) or by external peer assessors (``peer``). This module shapes the
scores for the analysis: one score per municipality and enabler, the self − peer gap, and a
municipality's scores against its peers and learning partners.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchlearn.core import reference


def scores(sa: pd.DataFrame | None, period: str, assessor: str = "self") -> pd.DataFrame:
    """Scores of one assessor, wide: rows kommunekode, columns enabler codes (NaN = not assessed)."""
    cols = list(reference.enabler_codes())
    if sa is None or not len(sa):
        return pd.DataFrame(columns=cols, dtype="float64").rename_axis("kommunekode")
    s = sa[(sa["period"].astype(str) == str(period)) & (sa["assessor"] == assessor)]
    w = s.pivot_table(index="kommunekode", columns="enabler", values="score", aggfunc="mean")
    return w.reindex(columns=cols).astype("float64")


def gaps(sa: pd.DataFrame | None, period: str) -> pd.DataFrame:
    """Self − peer score per municipality and enabler where both exist (positive: the jobcentre
    rates itself higher than the peers do). Long: ``kommunekode, enabler, self, peer, gap``."""
    s, p = scores(sa, period, "self"), scores(sa, period, "peer")
    if s.empty or p.empty:
        return pd.DataFrame(columns=["kommunekode", "enabler", "self", "peer", "gap"])
    ls = s.stack().rename("self").reset_index()
    lp = p.stack().rename("peer").reset_index()
    g = ls.merge(lp, on=["kommunekode", "enabler"], how="inner")
    g["gap"] = g["self"] - g["peer"]
    return g.sort_values(["kommunekode", "enabler"]).reset_index(drop=True)


def compare(sa: pd.DataFrame | None, period: str, kommunekode: int, peers: list[int], partners: list[int],
            wide: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One municipality's self scores against its peers' and learning partners' means.

    Returns per enabler: ``own, peer_score`` (external assessment of the municipality, if any),
    ``peers_mean, peers_n, partners_mean, partners_n, partners_se`` and
    ``gap_to_partners = partners_mean − own`` (positive: the partners rate themselves higher).
    ``partners_se`` is the standard error of the partners' mean (sd/√n, null for n < 2).
    ``wide``: the (self, peer) score tables of :func:`scores`, when computed once for many calls.
    """
    s, p = wide if wide is not None else (scores(sa, period, "self"), scores(sa, period, "peer"))
    rows = []
    for e in reference.enabler_codes():
        own = s[e].get(kommunekode, np.nan) if e in s.columns else np.nan
        ext = p[e].get(kommunekode, np.nan) if e in p.columns else np.nan
        pe = s[e].reindex(peers).dropna() if e in s.columns else pd.Series(dtype=float)
        pa = s[e].reindex(partners).dropna() if e in s.columns else pd.Series(dtype=float)
        rows.append({
            "kommunekode": int(kommunekode), "enabler": e, "own": float(own), "peer_score": float(ext),
            "peers_mean": float(pe.mean()) if len(pe) else np.nan, "peers_n": int(len(pe)),
            "partners_mean": float(pa.mean()) if len(pa) else np.nan, "partners_n": int(len(pa)),
            "partners_se": float(pa.std(ddof=1) / np.sqrt(len(pa))) if len(pa) >= 2 else np.nan,
        })
    out = pd.DataFrame(rows)
    out["gap_to_partners"] = out["partners_mean"] - out["own"]
    return out
