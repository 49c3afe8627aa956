"""The comparator a municipality's page compares with (issue 18, build 2): the whole country,
its region or its peers — a plain mean over stored results, never a model.

* ``land``: every municipality with a result (the 98 when all have one);
* ``region``: the municipalities of its region, itself included — a region's figure is the
  figure of all its members, as Fingertips' region value includes the area itself;
* ``peers``: the peers the workspace stores for it (``peers`` result) in the period shown
  (its latest stored period when that one has none), itself not included — they are the
  others it is compared with.

A trend compares with the same group in every period (the members of the period shown), so
a change of the line is a change of results, not of membership. The number of municipalities
behind each value is the count of members with a result (a member without one is not imputed).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from benchlearn.core import reference
from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData

#: query values of ``?sammenlign=`` in the order the selector shows them; the first is the default
CHOICES = ("land", "region", "peers")
DEFAULT = "land"
_NAMES = {"land": "comparator.land", "region": "comparator.region", "peers": "comparator.peers"}


@dataclass(frozen=True)
class Comparator:
    key: str
    codes: frozenset[int]
    region: str = ""

    @property
    def name(self) -> str:
        return tx.say(_NAMES[self.key])

    def legend(self, n: int | None = None) -> str:
        """The chart's name of the comparison: what it is and how many municipalities it averages."""
        return tx.say("comparator.legend", name=self.name, n=len(self.codes) if n is None else n)

    def caption(self, n: int | None = None) -> str:
        """What the comparison is and how many municipalities it averages (``n``: those with a
        result, when fewer than the members)."""
        what = f"{self.name} ({self.region})" if self.key == "region" and self.region else self.name
        return tx.say("comparator.caption", name=what, n=len(self.codes) if n is None else n)


def choice(value: str | None) -> str:
    """A known comparator key (anything else, or nothing, is the default)."""
    return value if value in CHOICES else DEFAULT


def peer_codes(data: SiteData, k: int, period: str | None) -> frozenset[int]:
    peers = data.for_kommune("peers", k)
    if peers is None or "peer_kommunekode" not in peers.columns or peers.empty:
        return frozenset()
    if "period" in peers.columns:
        pp = peers[peers["period"].astype(str) == str(period)]
        if pp.empty:
            pp = peers[peers["period"].astype(str) == max(peers["period"].astype(str))]
        peers = pp
    return frozenset(int(x) for x in peers["peer_kommunekode"] if int(x) != int(k))


def comparator(data: SiteData, k: int, period: str | None, key: str | None) -> Comparator:
    """The chosen comparator of municipality ``k`` (peers fall back to the country when none are stored)."""
    key = choice(key)
    muni = reference.municipalities().set_index("kommunekode")["region"]
    if key == "peers":
        codes = peer_codes(data, k, period)
        if codes:
            return Comparator("peers", codes)
        key = "land"
    if key == "region":
        own = muni.get(int(k))
        return Comparator("region", frozenset(int(c) for c, r in muni.items() if r == own), str(own or ""))
    b = data.benchmark(period)
    codes = (frozenset(int(c) for c in b["kommunekode"]) if b is not None and "kommunekode" in b.columns
             else frozenset(int(c) for c in muni.index))
    return Comparator("land", codes)


def mean_of(df: pd.DataFrame | None, comp: Comparator, col: str = "diff_pp") -> tuple[float, int]:
    """Mean of ``col`` over the comparator's members in ``df`` and how many had a value."""
    if df is None or col not in df.columns or "kommunekode" not in df.columns:
        return float("nan"), 0
    v = pd.to_numeric(df.loc[df["kommunekode"].astype(int).isin(comp.codes), col], errors="coerce").dropna()
    return (float(v.mean()), int(len(v))) if len(v) else (float("nan"), 0)


def by_area(data: SiteData, comp: Comparator, period: str | None, areas) -> pd.DataFrame:
    """Comparator mean of diff_pp per area (or målgruppe) of ``period``: ``area, mean, n``."""
    rows = []
    for a in dict.fromkeys(str(x) for x in areas):
        m, n = mean_of(data.benchmark(period, a), comp)
        rows.append({"area": a, "mean": m, "n": n})
    return pd.DataFrame(rows, columns=["area", "mean", "n"])


def by_period(data: SiteData, comp: Comparator, area: str | None) -> pd.DataFrame:
    """Comparator mean of diff_pp in every period (the same members throughout): ``period, mean, n``."""
    rows = []
    for p in data.periods:
        m, n = mean_of(data.benchmark(p, area), comp)
        rows.append({"period": str(p), "mean": m, "n": n})
    return pd.DataFrame(rows, columns=["period", "mean", "n"])


def survey_means(data: SiteData, comp: Comparator, own: pd.DataFrame) -> tuple[list[float], int]:
    """Comparator mean score of each of ``own``'s survey cells that has a score (the cells the
    chart draws, in its order): the same period, survey, dimension (and målgruppe); suppressed
    cells of members carry no score and are not counted. Also the largest count of members."""
    s = data.table("surveys")
    own = own[pd.to_numeric(own["score"], errors="coerce").notna()] if own is not None and "score" in own.columns else None
    if s is None or own is None or own.empty:
        return [], 0
    keys = [c for c in ("period", "survey", "dimension", "maalgruppe") if c in s.columns and c in own.columns]
    mem = s[s["kommunekode"].astype(int).isin(comp.codes)].copy()
    mem["score"] = pd.to_numeric(mem["score"], errors="coerce")
    mem = mem.dropna(subset=["score"])
    # str() of every cell (not astype(str), which leaves a missing value missing under pandas'
    # string dtype): a cell without målgruppe then matches another without one
    key = lambda df: pd.Series(["|".join(map(str, t)) for t in zip(*(df[c] for c in keys))], index=df.index)  # noqa: E731
    g = mem.assign(_k=key(mem)).groupby("_k")["score"].agg(["mean", "count"])
    ks = key(own)
    return [float(g["mean"].get(x, float("nan"))) for x in ks], int(g["count"].reindex(ks).fillna(0).max())


def options(key: str, href) -> list[dict]:
    """The selector's choices: label, link (``href(key)``) and whether chosen."""
    return [{"key": c, "label": tx.say(_NAMES[c]), "href": href(c), "selected": c == key} for c in CHOICES]
