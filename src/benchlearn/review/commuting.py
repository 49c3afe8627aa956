"""Commuting areas: which municipalities share a labour market, and their conditions.

The ministry's model describes each municipality's local labour market by "det
pendlingsområde, som kommunen er en del af" (bm.dk, *Maskinen bag det forventede
ydelsesomfang*); which commuting areas it uses is not published. So the mapping is data:

* a dataset may carry the contract table ``commuting_areas`` (``kommunekode``,
  ``pendlingsomraade``, optional ``navn``) — e.g. areas built by the user from Statistics
  Denmark's commuting flows (PEND100) or the ministry's areas if they are known;
* otherwise benchlearn uses its one **sourced** default: Statistics Denmark's 11
  *landsdele* (NUTS 3, ``landsdele.csv`` beside this module). They are statistical regions,
  not commuting zones — Østsjælland's residents commute into Byen København, for instance —
  so a review on them says so. The membership follows Danmarks Statistik's landsdele
  (NUTS v1:2007, DK011–DK050) and is checked in the tests against the province rows of the
  StatBank extracts in ``../shared/data/raw`` (BIL707: member sums equal the province
  totals exactly, Bornholm's apart from Christiansø).

:func:`area_means` turns framework variables into *conditions of the commuting area*: the
resident-weighted mean over the area, optionally leaving the municipality itself out (so a
municipality's own outcome-like variables, such as its unemployment, do not enter its own
"labour market" term).
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import DataError
from benchlearn.core.seams import Tables

__all__ = ["PREFIX", "default_areas", "areas_of", "area_means", "check_areas", "SOURCE_DA", "SOURCE_EN"]

#: Name prefix of a commuting-area variable: ``pendlingsomr_<variable>``. The default
#: exclusions of the benchmark keep names with "pendling" (the commuting area's labour
#: market is a framework condition on the ministry's list, DOMAIN.md §3).
PREFIX = "pendlingsomr_"
SOURCE_DA = ("Danmarks Statistiks 11 landsdele (NUTS 3) som erstatning for pendlingsområder — ministeriets "
             "pendlingsområder er ikke offentliggjort")
SOURCE_EN = ("Statistics Denmark's 11 landsdele (NUTS 3 provinces) standing in for commuting areas — the "
             "ministry's commuting areas are not published")


def default_areas() -> pd.DataFrame:
    """The shipped mapping: 98 municipalities → 11 landsdele (``kommunekode, pendlingsomraade, navn``)."""
    with resources.files("benchlearn.review").joinpath("landsdele.csv").open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype={"pendlingsomraade": str, "navn": str})
    return df.astype({"kommunekode": "int64"})


def check_areas(areas: pd.DataFrame, source: str = "commuting_areas") -> pd.DataFrame:
    """Every one of the 98 municipalities exactly once, each with an area code."""
    need = sorted(reference.kommunekoder())
    for col in ("kommunekode", "pendlingsomraade"):
        if col not in areas.columns:
            raise DataError("commuting_areas", None, col, None, "kolonnen findes", "the column exists", source)
    dup = areas["kommunekode"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError("commuting_areas", i + 2, "kommunekode", int(areas["kommunekode"].iloc[i]),
                        "hver kommune højst én gang", "each municipality at most once", source)
    missing = sorted(set(need) - set(areas["kommunekode"].astype(int)))
    if missing:
        raise DataError("commuting_areas", None, "kommunekode", reference.navn(missing[0]),
                        "alle 98 kommuner med et pendlingsområde", "all 98 municipalities with a commuting area", source)
    out = areas[["kommunekode", "pendlingsomraade"] + (["navn"] if "navn" in areas.columns else [])].copy()
    out["kommunekode"] = out["kommunekode"].astype("int64")
    out["pendlingsomraade"] = out["pendlingsomraade"].astype(str)
    if "navn" not in out.columns:
        out["navn"] = out["pendlingsomraade"]
    return out[out["kommunekode"].isin(need)].sort_values("kommunekode").reset_index(drop=True)


def areas_of(ds: Tables) -> tuple[pd.DataFrame, str, str]:  # type: ignore[no-untyped-def]
    """The dataset's own ``commuting_areas`` table when it has one, else the default; and its source."""
    if ds.has("commuting_areas"):
        src = ds.source or "commuting_areas"
        return check_areas(ds.table("commuting_areas"), src), "datasættets tabel commuting_areas", "the dataset's table commuting_areas"
    return default_areas(), SOURCE_DA, SOURCE_EN


def area_means(framework: pd.DataFrame, population: pd.DataFrame, areas: pd.DataFrame, variables: list[str],
               *, leave_self_out: bool = False) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    r"""Resident-weighted commuting-area means of framework variables, in the framework's long form.

    Parameters
    ----------
    framework : DataFrame
        ``kommunekode, period, variable, value`` (the contract table).
    population : DataFrame
        ``kommunekode, period, persons`` — the weights (residents 16–66).
    areas : DataFrame
        ``kommunekode, pendlingsomraade`` (:func:`check_areas`).
    variables : list of str
        Variables to aggregate; each becomes ``pendlingsomr_<variable>``.
    leave_self_out : bool
        Average over the *other* municipalities of the area. A municipality alone in its
        area keeps its own value (and the returned notes name it).

    Returns
    -------
    DataFrame, list of (str, str)
        Long-form rows for the new variables (every municipality and period that has the
        variable and a population), and notes (Danish, English).

    Notes
    -----
    For municipality :math:`k` in area :math:`A(k)`, period :math:`t`, weights
    :math:`N_{jt}` (residents 16–66):
    :math:`\bar x_{kt} = \sum_{j \in A(k)} N_{jt} x_{jt} / \sum_{j \in A(k)} N_{jt}`, and with
    ``leave_self_out`` the sums run over :math:`j \in A(k) \setminus \{k\}`.
    """
    fw = framework[framework["variable"].isin(variables)][["kommunekode", "period", "variable", "value"]]
    pop = population[["kommunekode", "period", "persons"]]
    x = fw.merge(pop, on=["kommunekode", "period"], how="inner").merge(areas[["kommunekode", "pendlingsomraade"]],
                                                                       on="kommunekode", how="inner")
    x = x.dropna(subset=["value", "persons"])
    x["wx"] = x["value"] * x["persons"]
    keys = ["pendlingsomraade", "period", "variable"]
    tot = x.groupby(keys, as_index=False).agg(swx=("wx", "sum"), sw=("persons", "sum"), n=("kommunekode", "size"))
    x = x.merge(tot, on=keys, how="left")
    notes: list[tuple[str, str]] = []
    if leave_self_out:
        alone = x["n"] <= 1
        num = np.where(alone, x["wx"], x["swx"] - x["wx"])
        den = np.where(alone, x["persons"], x["sw"] - x["persons"])
        if alone.any():
            names = sorted({reference.navn(int(k)) for k in x.loc[alone, "kommunekode"]})
            notes.append((f"Alene i sit pendlingsområde (egen værdi brugt): {', '.join(names)}",
                          f"Alone in its commuting area (own value used): {', '.join(names)}"))
    else:
        num, den = x["swx"].to_numpy(), x["sw"].to_numpy()
    out = pd.DataFrame({"kommunekode": x["kommunekode"].astype("int64"), "period": x["period"],
                        "variable": PREFIX + x["variable"].astype(str), "value": np.asarray(num, float) / np.asarray(den, float)})
    return out.sort_values(["variable", "period", "kommunekode"]).reset_index(drop=True), notes
