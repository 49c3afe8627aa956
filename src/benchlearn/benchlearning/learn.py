"""Learning partners that say what to learn.

For a municipality: its learning partners (comparable framework conditions and a significantly
better benchmark result — the peers run of :mod:`.peers`) and a ranked list of concrete
differences, each with a size, its uncertainty and a label in Danish and English:

``method``
    methods that at least one partner uses and the municipality does not. Size: the share of
    partners using it (with its binomial se) and the partners' scale in persons; next to it the
    method's association with results across the 98 (:mod:`.associations`, estimate and 95 %
    interval — an association, never an effect). Ranked by that association (most negative,
    i.e. going with fewer on support, first; methods without an estimate last), then by the
    share of partners.
``enabler``
    self-assessment areas where the partners score higher than the municipality. Size: partners'
    mean − own score (points on 1–5), se = the partners' sd/√n; ranked by size/se where known.
``activity``, ``cost``, ``maalgruppe_mix``
    the peers run's differences (partner − own) averaged over the partners. se: the root mean
    square of the pairwise se (not divided by √n, because the municipality's own sampling error
    is common to every pair — conservative). Ranked by |mean standardised difference|.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from benchlearn.benchlearning import catalogue
from benchlearn.core import reference

COLUMNS = ["kommunekode", "kind", "rank", "code", "maalgruppe", "label_da", "label_en", "own_value", "partners_value",
           "size", "se", "ci_low", "ci_high", "n_partners", "n_partners_with", "partners_with", "partners_persons",
           "assoc_pp", "assoc_ci_low_pp", "assoc_ci_high_pp", "assoc_better", "evidence", "evidence_source"]
Z = 1.959963984540054


def partners_of(peers: pd.DataFrame, kommunekode: int) -> pd.DataFrame:
    """The learning partners of one municipality from a peers table (``learning_partner`` true)."""
    p = peers[(peers["kommunekode"] == int(kommunekode)) & peers["learning_partner"].astype(bool)]
    return p.sort_values("peer_rank").reset_index(drop=True)


def peers_of(peers: pd.DataFrame, kommunekode: int) -> list[int]:
    return peers.loc[peers["kommunekode"] == int(kommunekode), "peer_kommunekode"].astype(int).tolist()


def _method_rows(k: int, partners: list[int], use: pd.DataFrame, scale: pd.DataFrame, assoc: pd.DataFrame | None) -> list[dict]:
    names = reference.names()
    a = assoc.set_index("code") if assoc is not None and len(assoc) else pd.DataFrame()
    sc = scale.set_index(["kommunekode", "method"])["persons"] if len(scale) else pd.Series(dtype=float)
    rows = []
    for m in catalogue.methods():
        if m.code not in use.columns or use.at[k, m.code] == 1:
            continue
        with_ = [j for j in partners if use.at[j, m.code] == 1]
        if not with_:
            continue
        share = len(with_) / len(partners)
        persons = [float(sc.get((j, m.code), np.nan)) for j in with_]
        ar = a.loc[m.code] if m.code in a.index and a.loc[m.code, "status"] == "estimated" else None
        se = np.sqrt(share * (1 - share) / len(partners))
        rows.append({
            "kommunekode": k, "kind": "method", "code": m.code, "maalgruppe": ", ".join(m.target_groups),
            "label_da": m.navn_da, "label_en": m.navn_en, "own_value": 0.0, "partners_value": share,
            "size": share, "se": se, "ci_low": max(0.0, share - Z * se), "ci_high": min(1.0, share + Z * se),
            "n_partners": len(partners), "n_partners_with": len(with_),
            "partners_with": ", ".join(names.get(j, str(j)) for j in with_),
            "partners_persons": float(np.nansum(persons)) if any(np.isfinite(persons)) else np.nan,
            "assoc_pp": float(ar["estimate_pp"]) if ar is not None else np.nan,
            "assoc_ci_low_pp": float(ar["ci_low_pp"]) if ar is not None else np.nan,
            "assoc_ci_high_pp": float(ar["ci_high_pp"]) if ar is not None else np.nan,
            "assoc_better": bool(ar["better"]) if ar is not None else False,
            "evidence": m.evidence, "evidence_source": m.source or "ukendt",
        })
    rows.sort(key=lambda r: (np.isnan(r["assoc_pp"]), r["assoc_pp"] if np.isfinite(r["assoc_pp"]) else 0.0, -r["size"]))
    return rows


def _enabler_rows(k: int, cmp: pd.DataFrame, assoc: pd.DataFrame | None) -> list[dict]:
    a = assoc.set_index("code") if assoc is not None and len(assoc) else pd.DataFrame()
    rows = []
    for e in catalogue.enablers():
        r = cmp[cmp["enabler"] == e.code]
        if r.empty:
            continue
        r = r.iloc[0]
        gap = r["gap_to_partners"]
        if not np.isfinite(gap) or gap <= 0:
            continue
        se = r["partners_se"]
        ar = a.loc[e.code] if e.code in a.index and a.loc[e.code, "status"] == "estimated" else None
        rows.append({
            "kommunekode": k, "kind": "enabler", "code": e.code, "maalgruppe": None,
            "label_da": e.navn_da, "label_en": e.navn_en, "own_value": float(r["own"]), "partners_value": float(r["partners_mean"]),
            "size": float(gap), "se": float(se), "ci_low": float(gap - Z * se) if np.isfinite(se) else np.nan,
            "ci_high": float(gap + Z * se) if np.isfinite(se) else np.nan,
            "n_partners": int(r["partners_n"]), "n_partners_with": int(r["partners_n"]), "partners_with": "",
            "partners_persons": np.nan,
            "assoc_pp": float(ar["estimate_pp"]) if ar is not None else np.nan,
            "assoc_ci_low_pp": float(ar["ci_low_pp"]) if ar is not None else np.nan,
            "assoc_ci_high_pp": float(ar["ci_high_pp"]) if ar is not None else np.nan,
            "assoc_better": bool(ar["better"]) if ar is not None else False,
            "evidence": None, "evidence_source": None,
        })
    rows.sort(key=lambda r: -(r["size"] / r["se"]) if np.isfinite(r["se"]) and r["se"] > 0 else -r["size"])
    return rows


def summarise_differences(diffs: pd.DataFrame | None, labels=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The peers run's pairwise differences averaged over each municipality's partners (all municipalities
    at once): ``kommunekode, kind, maalgruppe, measure, own_value, partners_value, size, se, n, std``."""
    labels = labels or default_measure_labels
    if diffs is None or not len(diffs):
        return pd.DataFrame(columns=["kommunekode", "kind", "maalgruppe", "measure"])
    d = diffs.assign(maalgruppe=diffs["maalgruppe"].fillna("").astype(str), kind=diffs["kind"].astype(str),
                     measure=diffs["measure"].astype(str), se2=diffs["se"].astype(float) ** 2,
                     se_missing=diffs["se"].isna())
    g = d.groupby(["kommunekode", "kind", "maalgruppe", "measure"], sort=True).agg(
        own_value=("own_value", "first"), partners_value=("peer_value", "mean"), size=("difference", "mean"),
        se2=("se2", "mean"), se_missing=("se_missing", "any"), n=("peer_kommunekode", "nunique"),
        std=("std_difference", "mean")).reset_index()
    g["se"] = np.where(g["se_missing"], np.nan, np.sqrt(g["se2"]))
    labs = [labels(a, b, c) for a, b, c in zip(g["kind"], g["measure"], g["maalgruppe"])]
    g["label_da"] = [x[0] for x in labs]
    g["label_en"] = [x[1] for x in labs]
    g["_order"] = -g["std"].abs().fillna(0.0)
    return g.sort_values(["kommunekode", "_order", "kind", "maalgruppe", "measure"]).drop(columns=["se2", "se_missing"])


def _measure_rows(k: int, summary: pd.DataFrame | None) -> list[dict]:
    if summary is None or not len(summary):
        return []
    g = summary[summary["kommunekode"] == k]
    rows = []
    for r in g.itertuples(index=False):
        se = float(r.se)
        rows.append({
            "kommunekode": k, "kind": r.kind, "code": r.measure, "maalgruppe": r.maalgruppe or None,
            "label_da": r.label_da, "label_en": r.label_en, "own_value": float(r.own_value),
            "partners_value": float(r.partners_value), "size": float(r.size), "se": se,
            "ci_low": r.size - Z * se if np.isfinite(se) else np.nan, "ci_high": r.size + Z * se if np.isfinite(se) else np.nan,
            "n_partners": int(r.n), "n_partners_with": int(r.n), "partners_with": "", "partners_persons": np.nan,
            "assoc_pp": np.nan, "assoc_ci_low_pp": np.nan, "assoc_ci_high_pp": np.nan, "assoc_better": False,
            "evidence": None, "evidence_source": None,
        })
    return rows


@lru_cache(maxsize=1)
def _maalgruppe_names() -> dict[str, tuple[str, str]]:
    m = reference.maalgrupper().drop_duplicates("maalgruppe")
    return {a: (b, c) for a, b, c in zip(m["maalgruppe"], m["navn_da"], m["navn_en"])}


@lru_cache(maxsize=None)
def default_measure_labels(kind: str, measure: str, maalgruppe: str) -> tuple[str, str]:
    """Danish and English label of a peers-run difference (activity measure, unit cost, målgruppe share)."""
    mg = _maalgruppe_names()
    mg_da, mg_en = mg.get(maalgruppe, ("alle målgrupper", "all target groups")) if maalgruppe and maalgruppe != "alle" else ("alle målgrupper", "all target groups")
    if kind == "cost":
        return "Udgift pr. fuldtidsperson (kr.)", "Cost per full-time person (DKK)"
    if kind == "maalgruppe_mix":
        return f"Andel af fuldtidspersonerne: {mg_da}", f"Share of full-time persons: {mg_en}"
    words = str(measure).replace("_", " ")
    return f"{words[:1].upper()}{words[1:]} ({mg_da})", f"{words[:1].upper()}{words[1:]} ({mg_en})"


def what_to_learn(kommunekode: int, peers: pd.DataFrame, use: pd.DataFrame, scale: pd.DataFrame,
                  enabler_cmp: pd.DataFrame | None, method_assoc: pd.DataFrame | None,
                  enabler_assoc: pd.DataFrame | None, summary: pd.DataFrame | None) -> pd.DataFrame:
    """The ranked differences of one municipality to its learning partners (module notes); empty without partners.

    ``summary`` is :func:`summarise_differences` of the peers run's differences.
    """
    k = int(kommunekode)
    partners = partners_of(peers, k)["peer_kommunekode"].astype(int).tolist()
    if not partners:
        return pd.DataFrame(columns=COLUMNS)
    rows = _method_rows(k, partners, use, scale, method_assoc)
    if enabler_cmp is not None and len(enabler_cmp):
        rows += _enabler_rows(k, enabler_cmp, enabler_assoc)
    rows += _measure_rows(k, summary)
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["rank"] = out.groupby("kind").cumcount() + 1
    return out
