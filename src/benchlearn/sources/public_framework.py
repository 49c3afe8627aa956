"""More public framework variables for the open model (issue #14: push it as far as public data allow).

:mod:`benchlearn.sources.realdata` builds the eight standard real framework variables. This
module adds what else the public extracts in ``../shared/data/raw`` (or the fetch cache) hold
about the *residents* and the *place* — the kinds of conditions on the ministry's list
(bm.dk: age, family, residence, education, socio-economic status, immigration, health; the
commuting area's labour market, closeness to the largest cities):

* **age structure** — FOLK1A 1 January 2014 by single age (the only year by age for all
  municipalities in the public copies; names say ``2014``): shares of the 16–66-year-olds
  aged 16–24, 25–34, 45–54 and 55–66; children 0–15 of all residents (families);
* **education levels** — HFUDD11: short-cycle, professional bachelor, bachelor and master
  as shares of the population, beside the standard tertiary share;
* **housing and means** — owner-occupied dwellings (BOL101), cars per 1,000 (BIL707);
* **place** — distance from the municipality's visual centre (DAGI) to the nearest of the
  four largest cities and to København, great-circle km;
* **proxies, not on by default** — reported offences per 1,000 (STRAF11), voter turnout
  (FVKOM), average age (GALDER), employed per 1,000 residents (LBESK69; partly an
  *outcome*, offered for the commuting area's labour market only).

Everything is real (Statistics Denmark, CC BY 4.0; DAGI, Klimadatastyrelsen). Yearly values
are interpolated linearly to each period's midpoint and carried flat at most three years
beyond the observed years; one-year variables (2014, geography) are the same in every period,
which the provenance note says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import SourceError
from benchlearn.core.periods import period_kind, year_of
from benchlearn.sources import raw_data_dir
from benchlearn.sources.cache import Cache
from benchlearn.sources.dawa import OFFLINE_BOUNDARIES
from benchlearn.sources.realdata import SourceFiles, relabel_election_years
from benchlearn.sources.statbank import Extract, parse_statbank_csv, to_kommune

__all__ = ["PublicVariable", "PUBLIC_VARIABLES", "DEFAULT_PUBLIC", "PUBLIC_EXTRACTS", "build_public_framework",
           "period_midpoint"]


@dataclass(frozen=True)
class PublicVariable:
    """One extra public framework variable."""

    name: str
    source: str  # DST table or DAGI
    meaning_da: str
    meaning_en: str
    group: str  # for contributions: age, education, family, housing, place, social, labour
    default: bool = True  # part of ``public_variables = true`` in a review specification


PUBLIC_VARIABLES: tuple[PublicVariable, ...] = (
    PublicVariable("age_16_24_pct_2014", "FOLK1A 2014", "andel 16–24 år af de 16–66-årige, 2014, %", "share aged 16–24 of those 16–66, 2014, %", "age"),
    PublicVariable("age_25_34_pct_2014", "FOLK1A 2014", "andel 25–34 år af de 16–66-årige, 2014, %", "share aged 25–34 of those 16–66, 2014, %", "age"),
    PublicVariable("age_45_54_pct_2014", "FOLK1A 2014", "andel 45–54 år af de 16–66-årige, 2014, %", "share aged 45–54 of those 16–66, 2014, %", "age"),
    PublicVariable("age_55_66_pct_2014", "FOLK1A 2014", "andel 55–66 år af de 16–66-årige, 2014, %", "share aged 55–66 of those 16–66, 2014, %", "age"),
    PublicVariable("children_0_15_pct_2014", "FOLK1A 2014", "børn 0–15 år af alle borgere, 2014, %", "children 0–15 of all residents, 2014, %", "family"),
    PublicVariable("edu_short_cycle_pct", "HFUDD11", "korte videregående uddannelser, % af befolkningen", "short-cycle higher education, % of residents", "education"),
    PublicVariable("edu_prof_bachelor_pct", "HFUDD11", "mellemlange videregående uddannelser, %", "professional bachelor, %", "education"),
    PublicVariable("edu_bachelor_pct", "HFUDD11", "bacheloruddannelser, %", "bachelor, %", "education"),
    PublicVariable("edu_master_pct", "HFUDD11", "lange videregående uddannelser, %", "master's, %", "education"),
    PublicVariable("owner_occupied_pct", "BOL101", "ejerboliger, % af beboede boliger", "owner-occupied dwellings, % of occupied", "housing"),
    PublicVariable("cars_per_1000", "BIL707", "personbiler pr. 1.000 borgere", "passenger cars per 1,000 residents", "housing"),
    PublicVariable("km_to_big_city", "DAGI", "afstand til nærmeste af de fire største byer, km", "distance to the nearest of the four largest cities, km", "place"),
    PublicVariable("km_to_copenhagen", "DAGI", "afstand til København, km", "distance to Copenhagen, km", "place"),
    # with 'benchlearn fetch' (internet): the age structure of every year and the non-Western share
    PublicVariable("age_16_24_pct", "FOLK1A", "andel 16–24 år af de 16–66-årige, %", "share aged 16–24 of those 16–66, %", "age", False),
    PublicVariable("age_25_34_pct", "FOLK1A", "andel 25–34 år af de 16–66-årige, %", "share aged 25–34 of those 16–66, %", "age", False),
    PublicVariable("age_45_54_pct", "FOLK1A", "andel 45–54 år af de 16–66-årige, %", "share aged 45–54 of those 16–66, %", "age", False),
    PublicVariable("age_55_66_pct", "FOLK1A", "andel 55–66 år af de 16–66-årige, %", "share aged 55–66 of those 16–66, %", "age", False),
    PublicVariable("children_0_15_pct", "FOLK1A", "børn 0–15 år af alle borgere, %", "children 0–15 of all residents, %", "family", False),
    PublicVariable("nonwestern_pct", "FOLK1E", "indvandrere og efterkommere fra ikke-vestlige lande, % af befolkningen",
                   "immigrants and descendants from non-Western countries, % of residents", "origin", False),
    PublicVariable("crime_per_1000", "STRAF11", "anmeldte lovovertrædelser pr. 1.000 borgere", "reported offences per 1,000 residents", "social", False),
    PublicVariable("turnout_pct", "FVKOM", "valgdeltagelse ved folketingsvalg, %", "turnout at general elections, %", "social", False),
    PublicVariable("mean_age", "GALDER", "gennemsnitsalder", "average age", "age", False),
    PublicVariable("employment_rate_per_1000", "LBESK69", "fuldtidsbeskæftigede pr. 1.000 borgere (delvist et udfald)",
                   "full-time employees per 1,000 residents (partly an outcome)", "labour", False),
)
#: Added by ``public_variables = true`` (the yearly fetched variants replace the 2014 ones when cached).
DEFAULT_PUBLIC: tuple[str, ...] = tuple(v.name for v in PUBLIC_VARIABLES if v.default)

#: StatBank extracts ``benchlearn fetch`` adds for the extended variables (users with internet). The
#: value texts follow Statistics Denmark's public table documentation; without a network here they
#: were not checked against a live ``tableinfo`` (the test uses a constructed answer and says so).
PUBLIC_EXTRACTS: dict[str, Extract] = {e.name: e for e in (
    Extract("folk1a_ages", "FOLK1A", {"OMRÅDE": ("*",), "KØN": ("Total",), "ALDER": ("*",), "CIVILSTAND": ("Total",),
                                      "Tid": ("*Q1",)}, note="folketal 1. januar efter enkeltår"),
    Extract("folk1e_origin", "FOLK1E", {"OMRÅDE": ("*",), "KØN": ("Total",), "ALDER": ("Age, total",), "HERKOMST": ("*",),
                                        "Tid": ("*Q1",)}, note="folketal 1. januar efter herkomst"),
)}
#: 2014 variable -> its yearly replacement from the fetched FOLK1A extract
_YEARLY_AGE = {"age_16_24_pct_2014": "age_16_24_pct", "age_25_34_pct_2014": "age_25_34_pct",
               "age_45_54_pct_2014": "age_45_54_pct", "age_55_66_pct_2014": "age_55_66_pct",
               "children_0_15_pct_2014": "children_0_15_pct"}

_FACTORS = {  # variable -> (factor file, the file's years are election-year labels)
    "owner_occupied_pct": ("owner_occupied_dwelling_share_pct.csv", False),
    "cars_per_1000": ("cars_per_1000.csv", True),
    "crime_per_1000": ("crime_per_1000.csv", True),
    "turnout_pct": ("turnout_pct.csv", True),
    "employment_rate_per_1000": ("employment_per_1000.csv", True),
}
_EDU = {"H40": "edu_short_cycle_pct", "H50": "edu_prof_bachelor_pct", "H60": "edu_bachelor_pct", "H70": "edu_master_pct"}
_AGES = {"age_16_24_pct_2014": (16, 24), "age_25_34_pct_2014": (25, 34), "age_45_54_pct_2014": (45, 54), "age_55_66_pct_2014": (55, 66)}
_BIG_CITIES = (101, 751, 461, 851)  # København, Aarhus, Odense, Aalborg
_GALDER = Path("dst") / "TheSpeky_DanishElectionVisualization" / "Alder.csv"


def period_midpoint(label: str) -> float:
    """Middle of a period in decimal years (``2022QMAT04`` = 2022Q1–Q4 -> 2022.5; ``2023Q1`` -> 2023.125)."""
    kind, y = period_kind(label), year_of(label)
    if kind == "year":
        return y + 0.5
    n = int(label[-2:] if kind in ("month", "qmat") else label[-1])
    if kind == "half":
        return y + (n - 1) / 2 + 0.25
    if kind == "quarter":
        return y + (n - 1) / 4 + 0.125
    if kind == "month":
        return y + (n - 1) / 12 + 1 / 24
    if kind == "qmat":  # the 12 months ending quarter n
        return y + n / 4 - 0.5
    raise ValueError(label)


def _yearly_education(src: SourceFiles) -> pd.DataFrame:
    t, _ = src.extract("hfudd11")
    t = t[t["HERKOMST"].str.casefold().isin({"total", "i alt"}) & t["KØN"].str.casefold().isin({"total", "i alt"})]
    code = t["HFUDD"].str.extract(r"^(H\d0)\b", expand=False)
    den = t[t["HFUDD"].str.casefold().isin({"total", "i alt"})].groupby(["kommunekode", "TID"])["value"].sum()
    parts = []
    for h, name in _EDU.items():
        num = t[code == h].groupby(["kommunekode", "TID"])["value"].sum()
        v = (100 * num / den).dropna().rename("value").reset_index()
        parts.append(v.assign(variable=name, year=v["TID"].str[:4].astype("int64")))
    return pd.concat(parts, ignore_index=True)[["kommunekode", "year", "variable", "value"]]


def _yearly_factors(src: SourceFiles, names: set[str]) -> pd.DataFrame:
    parts, relabel = [], None
    for name, (file, election) in _FACTORS.items():
        if name not in names:
            continue
        f = src.factor(file)
        if election:
            relabel = relabel if relabel is not None else relabel_election_years(src)
            f["year"] = [relabel.get(int(y), int(y)) for y in f["year"]]
        parts.append(f.assign(variable=name)[["kommunekode", "year", "variable", "value"]])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["kommunekode", "year", "variable", "value"])


def _mean_age(raw: Path) -> pd.DataFrame:
    p = raw / _GALDER
    if not p.is_file():
        raise SourceError(f"GALDER findes ikke: {p}", f"GALDER not found: {p}")
    d = pd.read_csv(p)
    d = d[d["køn"] == "I alt"]
    m = reference.municipalities()
    code = {**dict(zip(m["navn"], m["kommunekode"])), **dict(zip(m["navn_dst_en"], m["kommunekode"]))}
    d = d.assign(kommunekode=d["stemmested"].map(code)).dropna(subset=["kommunekode"])
    return pd.DataFrame({"kommunekode": d["kommunekode"].astype("int64"), "year": d["year"].astype("int64"),
                         "variable": "mean_age", "value": d["alder"].astype("float64")})


def _ages_2014(raw: Path, names: set[str]) -> pd.DataFrame:
    """The 2014 age structure (:func:`benchlearn.sources.folk1a_ages.age_shares_2014`, the one reader)."""
    from benchlearn.sources.folk1a_ages import AGE_VARIABLES, age_shares_2014

    wanted = tuple(n for n in AGE_VARIABLES if n in names)
    if not wanted:
        return pd.DataFrame(columns=["kommunekode", "variable", "value"])
    return age_shares_2014(raw, wanted)


def _distances(raw: Path, names: set[str]) -> pd.DataFrame:
    p = raw / OFFLINE_BOUNDARIES
    if not p.is_file():
        raise SourceError(f"DAGI-kommunegrænser findes ikke: {p}", f"DAGI boundaries not found: {p}")
    feats = json.loads(p.read_text(encoding="utf-8"))["features"]
    centre = {int(f["properties"]["kode"]): (float(f["properties"]["visueltcenter_y"]), float(f["properties"]["visueltcenter_x"]))
              for f in feats if not f["properties"].get("udenforkommuneinddeling")}
    codes = sorted(reference.kommunekoder())
    lat = np.radians([centre[k][0] for k in codes])
    lon = np.radians([centre[k][1] for k in codes])

    def km_to(k: int) -> np.ndarray:  # haversine on a sphere of radius 6,371 km
        la, lo = np.radians(centre[k][0]), np.radians(centre[k][1])
        h = np.sin((la - lat) / 2) ** 2 + np.cos(lat) * np.cos(la) * np.sin((lo - lon) / 2) ** 2
        return 2 * 6371.0 * np.arcsin(np.sqrt(h))

    out = []
    if "km_to_big_city" in names:
        out.append(pd.DataFrame({"kommunekode": codes, "variable": "km_to_big_city", "value": np.min([km_to(c) for c in _BIG_CITIES], axis=0)}))
    if "km_to_copenhagen" in names:
        out.append(pd.DataFrame({"kommunekode": codes, "variable": "km_to_copenhagen", "value": km_to(101)}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["kommunekode", "variable", "value"])


def _cached(cache: Cache | None, name: str) -> pd.DataFrame | None:
    """A fetched public extract (tidy, municipality level), or ``None`` when not in the cache."""
    if cache is None:
        return None
    e = cache.entry("statbank", f"{name}.csv")
    if e is None:
        return None
    table = PUBLIC_EXTRACTS[name].table
    return to_kommune(parse_statbank_csv(e.path.read_bytes(), table=table, source=str(e.path)), table=table, source=str(e.path))


def _yearly_ages(tidy: pd.DataFrame) -> pd.DataFrame:
    from benchlearn.sources.realdata import age_groups

    t = tidy.assign(age=age_groups(tidy["ALDER"]), year=tidy["TID"].str[:4].astype("int64"))
    t = t.dropna(subset=["age"])

    def between(lo: int, hi: int) -> pd.Series:
        return t[(t["age"] >= lo) & (t["age"] <= hi)].groupby(["kommunekode", "year"])["value"].sum()

    base, everyone = between(16, 66), between(0, 200)
    parts = {new: 100 * between(*_AGES[old]) / base for old, new in _YEARLY_AGE.items() if old in _AGES}
    parts["children_0_15_pct"] = 100 * between(0, 15) / everyone
    return pd.concat([v.rename("value").reset_index().assign(variable=n) for n, v in parts.items()], ignore_index=True)


def _yearly_origin(tidy: pd.DataFrame) -> pd.DataFrame:
    h = tidy["HERKOMST"].str.casefold()
    t = tidy.assign(year=tidy["TID"].str[:4].astype("int64"))
    tot = t[h.isin({"total", "i alt"})].groupby(["kommunekode", "year"])["value"].sum()
    nw = t[h.str.contains("non-western|ikke-vestlige", regex=True)].groupby(["kommunekode", "year"])["value"].sum()
    v = (100 * nw / tot).dropna().rename("value").reset_index()
    return v.assign(variable="nonwestern_pct")


def at_periods(yearly: pd.DataFrame, periods: list[str], max_carry: int) -> pd.DataFrame:
    mids = np.array([period_midpoint(p) for p in periods])
    out = []
    for (k, var), g in yearly.groupby(["kommunekode", "variable"], sort=True):
        g = g.dropna(subset=["value"]).sort_values("year")
        if g.empty:
            continue
        t = g["year"].to_numpy(dtype=float) + 0.5
        ok = (mids >= t[0] - max_carry) & (mids <= t[-1] + max_carry)
        if ok.any():
            vals = np.interp(mids[ok], t, g["value"].to_numpy(dtype=float))
            out.append(pd.DataFrame({"kommunekode": int(k), "period": np.array(periods)[ok], "variable": var, "value": vals}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["kommunekode", "period", "variable", "value"])


def build_public_framework(periods: list[str], names: tuple[str, ...] = DEFAULT_PUBLIC, raw_dir: str | Path | None = None,
                           *, max_carry: int = 3, cache: Cache | None | str = "default") -> tuple[pd.DataFrame, tuple[str, str]]:
    r"""Extra public framework variables for the given periods, in the contract's long form.

    Parameters
    ----------
    periods : list of str
        Period labels of the dataset (any one kind).
    names : tuple of str
        Variables of :data:`PUBLIC_VARIABLES` to build.
    raw_dir : str or Path, optional
        Default :func:`benchlearn.sources.raw_data_dir`.
    max_carry : int
        Years a yearly variable may be carried flat beyond its observed years.
    cache : Cache, "default" or None
        Fetch cache (``benchlearn fetch``): its FOLK1A ages replace the 2014 age structure
        with every year's, and its FOLK1E origin adds the non-Western share; HFUDD11 from the
        cache replaces the bundled copy. ``None``: the bundled raw files only.

    Returns
    -------
    DataFrame, (str, str)
        ``kommunekode, period, variable, value`` and a provenance note (Danish, English).

    Notes
    -----
    A yearly variable observed in years :math:`y_1<\dots<y_J` (taken at mid-year) is, at a
    period's midpoint :math:`m`, the linear interpolation between the neighbouring years,
    :math:`x(y_1)` or :math:`x(y_J)` within ``max_carry`` years outside, and missing beyond.
    Age shares: :math:`100\,N_{k}[a_0, a_1] / N_{k}[16, 66]` on 1 January 2014; distances:
    great-circle (haversine, :math:`R = 6371` km) between DAGI visual centres.
    """
    unknown = [n for n in names if n not in {v.name for v in PUBLIC_VARIABLES}]
    if unknown:
        raise ValueError(f"unknown public variables: {unknown}")
    rd = Path(raw_dir) if raw_dir is not None else raw_data_dir()
    if rd is None:
        raise SourceError("Ingen rå offentlige data fundet (../shared/data/raw eller BENCHLEARN_RAW_DATA).",
                          "No raw public data found (../shared/data/raw or BENCHLEARN_RAW_DATA).")
    want = set(names)
    c = Cache() if cache == "default" else cache
    src = SourceFiles(rd, c if isinstance(c, Cache) else None)
    yearly = [_yearly_factors(src, want)]
    ages = _cached(c, "folk1a_ages") if isinstance(c, Cache) else None
    if ages is not None:  # every year's age structure instead of 2014's
        yearly.append(_yearly_ages(ages))
        want = {_YEARLY_AGE.get(n, n) for n in want}
    origin = _cached(c, "folk1e_origin") if isinstance(c, Cache) else None
    if origin is not None:
        yearly.append(_yearly_origin(origin))
        want.add("nonwestern_pct")
    if want & set(_EDU.values()):
        edu = _yearly_education(src)
        yearly.append(edu[edu["variable"].isin(want)])
    if "mean_age" in want:
        yearly.append(_mean_age(rd))
    yr = pd.concat(yearly, ignore_index=True)
    parts = [at_periods(yr[yr["variable"].isin(want)], list(periods), max_carry)]
    fixed, missing_note = [], ("", "")
    if want & (set(_AGES) | {"children_0_15_pct_2014"}):
        fixed.append(_ages_2014(rd, want))
    if want & {"km_to_big_city", "km_to_copenhagen"}:
        fixed.append(_distances(rd, want))
    for f in fixed:
        parts.append(pd.concat([f.assign(period=p) for p in periods], ignore_index=True))
    fw = pd.concat(parts, ignore_index=True)[["kommunekode", "period", "variable", "value"]]
    fw = fw.astype({"kommunekode": "int64", "value": "float64"}).sort_values(["variable", "period", "kommunekode"])
    tables = sorted({v.source for v in PUBLIC_VARIABLES if v.name in want})
    if ages is not None:
        tables = [x for x in tables if x != "FOLK1A 2014"]
    note = (f"Udvidede offentlige rammevilkår fra {', '.join(tables)} (Danmarks Statistik, CC BY 4.0; DAGI, "
            f"Klimadatastyrelsen) via {rd}; årsværdier interpoleret til periodens midtpunkt, 2014-alder og afstande ens i "
            "alle perioder." + missing_note[0],
            f"Extended public framework variables from {', '.join(tables)} (Statistics Denmark, CC BY 4.0; DAGI, "
            f"Klimadatastyrelsen) via {rd}; yearly values interpolated to the period's midpoint, 2014 ages and distances "
            "the same in every period." + missing_note[1])
    return fw.reset_index(drop=True), note
