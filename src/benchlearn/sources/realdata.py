"""Contract tables built from the real Statistics Denmark extracts.

Used by ``benchlearn demo`` (and anyone who wants real framework variables): the
kontanthjælp series, a population denominator and framework variables for the 98
municipalities, plus a ``provenance`` table that says where each number came from
and what was interpolated. Everything here is real data (``simulated = False``), but
three deviations from the ideal are documented in the provenance notes:

* ``support`` holds only **net-unemployed recipients of social assistance**
  (AUK01, "nettoledige kontanthjælpsmodtagere", full-time equivalents) — a subset of
  the ydelse ``kontanthjaelp``: the extract has no other ydelsesgrupper.
* ``population`` is residents aged **0–66**, not the contract's 16–66: the public
  extracts hold only the total and single ages 65+, so 0–15 cannot be removed.
* Framework variables observed only in some years are **interpolated linearly**
  between observations and carried flat for at most ``max_carry`` years beyond.

Sources are looked up per extract: a valid file in the fetch cache
(``statbank/<name>.csv``, written by ``benchlearn fetch``) wins over the bundled raw
copy in ``../shared/data/raw``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.sources import raw_data_dir
from benchlearn.sources.cache import Cache
from benchlearn.sources.statbank import parse_statbank_csv, to_contract, to_kommune

__all__ = [
    "build_real_tables",
    "write_real_dataset",
    "DEFAULT_CONTROLS",
    "OUTCOME_LIKE",
    "FRAMEWORK_VARIABLES",
    "DST_DIR",
    "Y30R21_FILE",
    "jobindsats_tables",
]

RealPeriodKind = Literal["year", "quarter"]

DST_DIR = Path("dst") / "DennisHedegreen_danish-politics-data"
RAW_SUBDIR = DST_DIR / "socioeconomic_raw"
_FACTORS = DST_DIR / "factors"
_VIA_RAW = "github.com/DennisHedegreen/danish-politics-data (kopi i shared/data/raw)"

#: logical extract -> (DST table, raw file names)
RAW_EXTRACTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "auk01": ("AUK01", ("auk01_social_assistance.csv",)),
    "folk1a_total": ("FOLK1A", ("folk1a_total_pop.csv",)),
    "folk1a_65plus": ("FOLK1A", ("folk1a_65plus.csv",)),
    "folk1am": ("FOLK1AM", ("folk1am_population_by_municipality.csv",)),
    "hfudd11": ("HFUDD11", tuple(f"hfudd11_{s}.csv" for s in ("tot", "h40", "h50", "h60", "h70", "h80"))),
    "indkp101": ("INDKP101", ("indkp101_income_by_municipality.csv",)),
}


@dataclass(frozen=True)
class Variable:
    """One framework variable: name, where it comes from, and what it means."""

    name: str
    dst_table: str
    meaning_da: str
    meaning_en: str
    factor_file: str | None = None  # None: computed here from a raw StatBank extract
    election_years: bool = False  # factor 'year' is an election-year label, see _relabel


FRAMEWORK_VARIABLES: tuple[Variable, ...] = (
    Variable("education_pct", "HFUDD11", "andel med videregående uddannelse (H40–H80), %",
             "share with tertiary education (H40–H80), %"),
    Variable("income_dkk", "INDKP101", "gns. disponibel indkomst pr. person, kr.",
             "average disposable income per person, DKK"),
    Variable("immigration_pct", "FOLK1E", "indvandrere og efterkommere, % af befolkningen",
             "immigrants and descendants, % of residents", "immigration_share_pct.csv", True),
    Variable("population_density", "ARE207+FOLK1A", "indbyggere pr. km²", "residents per km²",
             "population_density.csv", True),
    Variable("detached_house_pct", "BOL103", "andel boliger i parcelhuse, %", "detached-house share of dwellings, %",
             "detached_house_dwelling_share_pct.csv"),
    Variable("one_person_household_pct", "BOL103", "enlige husstande, %", "one-person households, %",
             "one_person_household_share_pct.csv"),
    Variable("commute_km", "AFSTB4", "gns. pendlingsafstand for beskæftigede, km", "average commute of employed, km",
             "commute_distance_km.csv"),
    Variable("age65_pct", "FOLK1A", "andel 65 år og derover, %", "share aged 65+, %"),
    Variable("unemployment_pct", "AUP02", "bruttoledighed, % (delvist et udfald — ikke standardkontrol)",
             "gross unemployment rate, % (partly an outcome — not a default control)", "unemployment_pct.csv"),
)

#: Framework variables a benchmark may control for by default.
DEFAULT_CONTROLS: tuple[str, ...] = tuple(v.name for v in FRAMEWORK_VARIABLES if v.name != "unemployment_pct")
#: Present in ``framework`` but partly an outcome of the jobcentre's own work: never a default control.
OUTCOME_LIKE: tuple[str, ...] = ("unemployment_pct",)


# ------------------------------------------------------------------ locating files


class SourceFiles:
    def __init__(self, raw_dir: Path | None, cache: Cache | None) -> None:
        self.raw_dir, self.cache = raw_dir, cache
        self._memo: dict[str, tuple[pd.DataFrame, str]] = {}

    def extract(self, name: str) -> tuple[pd.DataFrame, str]:
        """Tidy municipality-level frame of one logical extract, and how it was obtained."""
        if name not in self._memo:
            self._memo[name] = self._extract(name)
        return self._memo[name]

    def _extract(self, name: str) -> tuple[pd.DataFrame, str]:
        table, files = RAW_EXTRACTS[name]
        if self.cache is not None:
            entry = self.cache.entry("statbank", f"{name}.csv")
            if entry is not None:
                tidy = parse_statbank_csv(entry.path.read_bytes(), table=table, source=str(entry.path))
                return to_kommune(tidy, table=table, source=str(entry.path)), f"api.statbank.dk (hentet {entry.fetched[:10]})"
        if self.raw_dir is None:
            raise _no_source(name)
        frames = []
        for f in files:
            p = self.raw_dir / RAW_SUBDIR / f
            if not p.is_file():
                raise _no_source(name, p)
            tidy = parse_statbank_csv(p.read_bytes(), table=table, source=str(p))
            frames.append(to_kommune(tidy, table=table, source=str(p)))
        return pd.concat(frames) if len(frames) > 1 else frames[0], _VIA_RAW

    def factor(self, file: str) -> pd.DataFrame:
        if self.raw_dir is None:
            raise _no_source(file)
        p = self.raw_dir / _FACTORS / file
        if not p.is_file():
            raise _no_source(file, p)
        df = pd.read_csv(p, dtype={"municipality": str})
        codes = {m: _kode(m) if isinstance(m, str) else None for m in df["municipality"].unique()}
        kode = df["municipality"].map(codes)
        unknown = kode.isna()
        if unknown.any():
            i = int(unknown[unknown].index[0])
            raise DataError(file, i + 2, "municipality", df.loc[i, "municipality"],
                            "et af de 98 kommunenavne", "one of the 98 municipality names", str(p))
        df["kommunekode"] = kode.astype("int64")
        return df


def _kode(name: str) -> int | None:
    from benchlearn.sources.statbank import classify_area

    k = classify_area(name)
    return k if isinstance(k, int) else None


def _no_source(what: str, path: Path | None = None) -> SourceError:
    where = f" ({path})" if path else ""
    return SourceError(
        f"Ingen kilde til de rigtige data '{what}'{where}: hverken i fetch-cachen eller i "
        "../shared/data/raw. Kør 'benchlearn fetch' med netværk, eller sæt BENCHLEARN_RAW_DATA.",
        f"No source for the real data '{what}'{where}: neither in the fetch cache nor in "
        "../shared/data/raw. Run 'benchlearn fetch' with network access, or set BENCHLEARN_RAW_DATA.",
    )


# ------------------------------------------------------------------ periods and time


def _tid_year(tid: pd.Series) -> pd.Series:
    return tid.str[:4].astype("int64")


def _target_periods(kind: RealPeriodKind, years: Iterable[int]) -> list[str]:
    ys = sorted(set(years))
    return [str(y) for y in ys] if kind == "year" else [f"{y}Q{q}" for y in ys for q in range(1, 5)]


def _midpoint(period: str) -> float:
    """Middle of a period in decimal years: ``2010`` -> 2010.5, ``2010Q1`` -> 2010.125."""
    y = int(period[:4])
    if len(period) == 4:
        return y + 0.5
    q = int(period[5])
    return y + (q - 1) / 4 + 1 / 8


def _months(period: str) -> list[str]:
    y = period[:4]
    if len(period) == 4:
        return [f"{y}M{m:02d}" for m in range(1, 13)]
    q = int(period[5])
    return [f"{y}M{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


# ------------------------------------------------------------------ support


def _support(src: SourceFiles, kind: RealPeriodKind) -> tuple[pd.DataFrame, str]:
    tidy, via = src.extract("auk01")
    quarterly = to_contract(tidy, "support", ydelse="kontanthjaelp", source_table="AUK01")
    quarterly = quarterly.dropna(subset=["fuldtidspersoner"])
    if kind == "quarter":
        return quarterly.reset_index(drop=True), via
    q = quarterly.assign(year=quarterly["period"].str[:4])
    g = q.groupby(["kommunekode", "year"], sort=True)["fuldtidspersoner"].agg(["mean", "count"]).reset_index()
    # A year counts only when all 98 municipalities have all 4 quarters: a partial year
    # (e.g. the current one) would mix seasons and bias the level.
    full = g.groupby("year")["count"].agg(lambda c: (c == 4).all() and len(c) == 98)
    years = full[full].index
    g = g[g["year"].isin(years)]
    out = pd.DataFrame(
        {"kommunekode": g["kommunekode"].astype("int64"), "period": g["year"].astype(str),
         "ydelse": "kontanthjaelp", "fuldtidspersoner": g["mean"].astype("float64")}
    )
    return out.sort_values(["period", "kommunekode"]).reset_index(drop=True), via


# ------------------------------------------------------------------ population


def _age(label: str) -> int | None:
    m = re.match(r"^\s*(\d+)\s*(years?|år)\s*$", str(label))
    return int(m.group(1)) if m else None


def age_groups(labels: pd.Series) -> pd.Series:
    # map over the ~60 distinct labels, not the ~30,000 rows
    return labels.map({lab: _age(lab) for lab in labels.unique()}).astype("float64")


def _anchor_counts(src: SourceFiles) -> tuple[pd.DataFrame, str]:
    """Residents 0–66 and their share of the total at each FOLK1A 1 January (Q1)."""
    tot_t, via = src.extract("folk1a_total")
    tot = to_contract(tot_t, "population", source_table="FOLK1A").rename(columns={"persons": "total"})
    old_t, _ = src.extract("folk1a_65plus")
    ages = age_groups(old_t["ALDER"])
    if ages.isna().any():
        line = int(ages[ages.isna()].index[0])
        raise DataError("FOLK1A", line, "ALDER", old_t.loc[line, "ALDER"], "en enkeltalder som '67 years'", "a single age like '67 years'")
    old = (
        old_t.loc[ages >= 67]
        .groupby(["kommunekode", "TID"], sort=True)["value"].sum(min_count=1)
        .rename("age67plus").reset_index().rename(columns={"TID": "period"})
    )
    a = tot.merge(old, on=["kommunekode", "period"], how="inner", validate="one_to_one")
    a = a[a["period"].str.endswith("Q1")]
    if a.empty:
        raise DataError("FOLK1A", None, "TID", None, "mindst én 1. januar-opgørelse (…Q1)", "at least one 1 January count (…Q1)")
    a["t"] = _tid_year(a["period"]).astype("float64")  # 1 January of the year
    a["n0_66"] = a["total"] - a["age67plus"]
    a["share"] = a["n0_66"] / a["total"]
    return a, via


def _population(src: SourceFiles, periods: list[str]) -> tuple[pd.DataFrame, str, dict[str, str]]:
    anchors, via = _anchor_counts(src)
    t_first, t_last = anchors["t"].min(), anchors["t"].max()
    wide_n = anchors.pivot(index="kommunekode", columns="t", values="n0_66").sort_index(axis=1)
    ts = wide_n.columns.to_numpy(dtype="float64")
    n_rows = wide_n.to_numpy(dtype="float64")
    last_share = anchors[anchors["t"] == t_last].set_index("kommunekode")["share"]
    monthly: pd.Series | None = None
    method: dict[str, str] = {}
    rows = []
    for p in periods:
        mid = _midpoint(p)
        if mid < t_first:
            continue
        if mid <= t_last:
            vals = np.array([np.interp(mid, ts, row) for row in n_rows])
            rows.append(pd.DataFrame({"kommunekode": wide_n.index, "period": p, "persons": vals}))
            method[p] = "interpoleret / interpolated"
            continue
        if monthly is None:
            try:
                mt, _ = src.extract("folk1am")
            except SourceError:
                break  # no monthly counts: the periods after the last 1 January count are dropped
            monthly = to_contract(mt, "population", source_table="FOLK1AM").set_index(["period", "kommunekode"])["persons"]
        months = _months(p)
        have = monthly.index.get_level_values(0)
        if not all(m in have for m in months):
            continue
        total = pd.concat([monthly.loc[m] for m in months], axis=1).mean(axis=1)
        persons = (total * last_share.reindex(total.index)).astype("float64")
        rows.append(pd.DataFrame({"kommunekode": total.index.astype("int64"), "period": p, "persons": persons.to_numpy()}))
        method[p] = "FOLK1AM × andel 0–66 / share 0–66"
    if not rows:
        raise DataError("population", None, "period", None, "perioder dækket af FOLK1A/FOLK1AM", "periods covered by FOLK1A/FOLK1AM")
    out = pd.concat(rows, ignore_index=True)
    out["kommunekode"] = out["kommunekode"].astype("int64")
    years = ", ".join(str(int(t)) for t in anchors["t"].drop_duplicates().sort_values())
    return out, f"{via}; 1. januar-år/1 January years {years}", method


# ------------------------------------------------------------------ framework


def _obs_computed(src: SourceFiles, name: str) -> pd.DataFrame:
    """Observations (kommunekode, year, value) for variables computed from raw extracts."""
    if name == "education_pct":
        t, _ = src.extract("hfudd11")
        t = t[t["HERKOMST"].str.casefold().isin({"total", "i alt"}) & t["KØN"].str.casefold().isin({"total", "i alt"})]
        code = t["HFUDD"].str.extract(r"^(H\d0)\b", expand=False)
        is_tot = t["HFUDD"].str.casefold().isin({"total", "i alt"})
        num = t[code.isin(["H40", "H50", "H60", "H70", "H80"])].groupby(["kommunekode", "TID"])["value"].sum(min_count=5)
        den = t[is_tot].groupby(["kommunekode", "TID"])["value"].sum()
        v = (100 * num / den).dropna().rename("value").reset_index()
    elif name == "income_dkk":
        t, _ = src.extract("indkp101")
        v = t.groupby(["kommunekode", "TID"])["value"].agg(lambda s: s.iloc[0] if len(s) == 1 else np.nan)
        v = v.dropna().rename("value").reset_index()
    elif name == "age65_pct":
        tot_t, _ = src.extract("folk1a_total")
        old_t, _ = src.extract("folk1a_65plus")
        old = old_t[age_groups(old_t["ALDER"]) >= 65].groupby(["kommunekode", "TID"])["value"].sum()
        tot = tot_t.groupby(["kommunekode", "TID"])["value"].sum()
        v = (100 * old / tot).dropna().rename("value").reset_index()
        v = v[v["TID"].str.endswith("Q1")]
    else:  # pragma: no cover - guarded by FRAMEWORK_VARIABLES
        raise KeyError(name)
    v["year"] = _tid_year(v["TID"])
    return v[["kommunekode", "year", "value"]]


def relabel_election_years(src: SourceFiles) -> dict[int, int]:
    # The 6-point factor files label their columns by election year; population.csv
    # in the same folder states the real reference period (2007 -> 2008Q1, 2026 -> 2026M02).
    pop = src.factor("population.csv")
    ref = pop.drop_duplicates("year").set_index("year")["reference_period"].astype(str)
    return {int(y): int(r[:4]) for y, r in ref.items()}


def _interpolate(obs: pd.DataFrame, years: list[int], max_carry: int) -> tuple[pd.DataFrame, str]:
    wide = obs.pivot_table(index="kommunekode", columns="year", values="value", aggfunc="first").sort_index(axis=1)
    wide = wide.reindex(sorted(reference.kommunekoder()))
    have = [int(y) for y in wide.columns]
    lo, hi = min(have), max(have)
    keep = [y for y in years if lo - max_carry <= y <= hi + max_carry]
    if not keep:
        return pd.DataFrame(columns=["kommunekode", "year", "value"]), _ranges(have)
    # np.interp is linear between observations and flat beyond the ends, which is
    # exactly the carry rule once years beyond max_carry are removed above.
    x = np.asarray(keep, dtype="float64")
    cols = wide.columns.to_numpy(dtype="float64")
    vals = np.full((len(wide), len(keep)), np.nan)
    for i, row in enumerate(wide.to_numpy(dtype="float64")):
        ok = ~np.isnan(row)
        if ok.any():
            vals[i] = np.interp(x, cols[ok], row[ok])
    out = pd.DataFrame(
        {"kommunekode": np.repeat(wide.index.to_numpy(), len(keep)), "year": np.tile(keep, len(wide)), "value": vals.ravel()}
    )
    return out, _ranges(have)


def _ranges(years: list[int]) -> str:
    """``[2008, 2009, 2010, 2015]`` -> ``"2008–2010, 2015"`` (readable provenance notes)."""
    out, start = [], None
    ys = sorted(set(years))
    for i, y in enumerate(ys):
        start = y if start is None else start
        if i + 1 == len(ys) or ys[i + 1] != y + 1:
            out.append(str(y) if y == start else f"{start}–{y}")
            start = None
    return ", ".join(out)


def framework_variables(src: SourceFiles, years: list[int], max_carry: int) -> tuple[pd.DataFrame, list[str]]:
    relabel: dict[int, int] | None = None
    parts, notes = [], []
    for var in FRAMEWORK_VARIABLES:
        if var.factor_file is None:
            obs = _obs_computed(src, var.name)
            how = f"beregnet af benchlearn fra rå {var.dst_table}-udtræk / computed from the raw {var.dst_table} extract"
        else:
            try:
                f = src.factor(var.factor_file)
            except SourceError:
                # Only StatBank extracts can be fetched; without the bundled factor
                # files the variable is left out (and the note says so) rather than
                # failing the whole build.
                notes.append(f"{var.name} ({var.dst_table}): mangler/missing — factors/{var.factor_file} ikke fundet/not found")
                continue
            if var.election_years:
                relabel = relabel if relabel is not None else relabel_election_years(src)
                f["year"] = [relabel.get(int(y), int(y)) for y in f["year"]]
            obs = f[["kommunekode", "year", "value"]].astype({"year": "int64", "value": "float64"})
            how = f"fra/from factors/{var.factor_file}"
        vals, observed = _interpolate(obs, years, max_carry)
        vals = vals.dropna(subset=["value"])
        vals["variable"] = var.name
        parts.append(vals)
        notes.append(f"{var.name} ({var.dst_table}; {var.meaning_da}; {how}; observeret/observed {observed})")
    fw = pd.concat(parts, ignore_index=True)
    fw["kommunekode"] = fw["kommunekode"].astype("int64")
    return fw, notes


# ------------------------------------------------------------------ public API


def build_real_tables(
    raw_dir: str | Path | None = None,
    period_kind: RealPeriodKind = "year",
    *,
    cache: Cache | None | Literal["default"] = "default",
    max_carry: int = 3,
) -> dict[str, pd.DataFrame]:
    """Build contract tables ``support``, ``population``, ``framework``, ``provenance`` from real data.

    Parameters
    ----------
    raw_dir : str or Path, optional
        Folder with ``dst/DennisHedegreen_danish-politics-data``; default :func:`raw_data_dir`.
    period_kind : {"year", "quarter"}
        ``year``: the yearly mean of the four quarters (only years with all four quarters
        for all 98 municipalities); ``quarter``: AUK01's quarters as published.
    cache : Cache, "default" or None
        Fetch cache; a valid ``statbank/<extract>.csv`` there replaces the raw copy.
        ``"default"``: the user's cache (``$BENCHLEARN_CACHE`` or ``~/.cache/benchlearn``);
        ``None``: raw files only.
    max_carry : int
        Years a framework variable may be carried flat beyond its first/last observation.

    Returns
    -------
    dict of str to DataFrame
        Contract tables for the periods covered by both ``support`` and ``population``.

    Notes
    -----
    Yearly support: :math:`O_{k,y} = \\frac14 \\sum_{q=1}^{4} O_{k,yQq}` (full-time
    equivalents are averages over time, so the year is the mean of its quarters).

    Population 0–66 at FOLK1A's 1 January counts :math:`a_i`:
    :math:`N_{k}(a_i) = \\text{total}_k(a_i) - \\sum_{age \\ge 67} n_{k,age}(a_i)`. A period
    is represented by its midpoint :math:`m`; for :math:`a_1 \\le m \\le a_n`,
    :math:`N_k(m)` is the linear interpolation between the neighbouring :math:`a_i`;
    for :math:`m > a_n`, :math:`N_k(m) = \\overline{\\text{total}}_k(\\text{months of the period})
    \\cdot N_k(a_n)/\\text{total}_k(a_n)` from FOLK1AM; periods before :math:`a_1` are dropped.

    Framework variable :math:`x` observed in years :math:`y_1<\\dots<y_J`: linear
    interpolation for :math:`y_1 \\le y \\le y_J`, :math:`x(y_1)` or :math:`x(y_J)` for
    up to ``max_carry`` years outside, nothing beyond.
    """
    if period_kind not in ("year", "quarter"):
        raise ValueError("period_kind must be 'year' or 'quarter'")
    rd = Path(raw_dir) if raw_dir is not None else raw_data_dir()
    src = SourceFiles(rd, Cache() if cache == "default" else cache)
    support, via_s = _support(src, period_kind)
    periods = sorted(support["period"].unique())
    population, via_p, method = _population(src, periods)
    common = sorted(set(population["period"]))
    support = support[support["period"].isin(common)].reset_index(drop=True)
    years = sorted({int(p[:4]) for p in common})
    fw_years, fw_notes = framework_variables(src, years, max_carry)
    if period_kind == "year":
        fw = fw_years.assign(period=fw_years["year"].astype(str))
    else:
        fw = pd.concat([fw_years.assign(period=fw_years["year"].astype(str) + f"Q{q}") for q in range(1, 5)], ignore_index=True)
        fw = fw[fw["period"].isin(common)]
    framework = fw[["kommunekode", "period", "variable", "value"]].sort_values(["variable", "period", "kommunekode"]).reset_index(drop=True)

    after = sorted(p for p, m in method.items() if m.startswith("FOLK1AM"))
    prov = pd.DataFrame(
        [
            {
                "table": "support",
                "source": f"Danmarks Statistik AUK01 via {via_s}",
                "simulated": False,
                "note": (
                    "Kun nettoledige kontanthjælpsmodtagere (fuldtidsmodtagere), en delmængde af ydelsen "
                    "kontanthjaelp; " + ("årstal = gennemsnit af 4 kvartaler, kun hele år" if period_kind == "year" else "kvartaler som offentliggjort")
                    + ". | EN: Only net-unemployed social-assistance recipients (full-time equivalents), a subset of "
                    "ydelse kontanthjaelp; " + ("year = mean of its 4 quarters, complete years only." if period_kind == "year" else "quarters as published.")
                ),
            },
            {
                "table": "population",
                "source": f"Danmarks Statistik FOLK1A/FOLK1AM via {via_p}",
                "simulated": False,
                "note": (
                    "AFVIGELSE: indbyggere 0–66 år (total minus 67+), ikke kontraktens 16–66 år — de offentlige "
                    "udtræk har kun total og enkeltår 65+. Periodens midtpunkt interpoleret lineært mellem 1. januar-"
                    "opgørelserne; senere perioder: FOLK1AM-folketal × sidste kendte andel 0–66"
                    + (f" ({after[0]}–{after[-1]})" if after else "")
                    + ". Andele bliver derfor lavere end med 16–66 i nævneren. | EN: DEVIATION: residents aged 0–66 "
                    "(total minus 67+), not the contract's 16–66 — the public extracts hold only the total and single "
                    "ages 65+. Period midpoint interpolated linearly between 1 January counts; later periods: FOLK1AM "
                    "total × last known 0–66 share. Shares are therefore lower than with a 16–66 denominator."
                ),
            },
            {
                "table": "framework",
                "source": "Danmarks Statistik HFUDD11, INDKP101, FOLK1A, FOLK1E, ARE207, BOL103, AFSTB4, AUP02 via " + _VIA_RAW,
                "simulated": False,
                "note": (
                    "Lineært interpoleret mellem observerede år og højst "
                    f"{max_carry} år fremført/tilbageført uden for; unemployment_pct er delvist et udfald og ikke en "
                    "standardkontrol. | EN: Linearly interpolated between observed years, carried flat at most "
                    f"{max_carry} years outside; unemployment_pct is partly an outcome and not a default control. "
                    "Variables: " + "; ".join(fw_notes)
                ),
            },
        ]
    )
    return {"support": support, "population": population, "framework": framework, "provenance": prov}


def write_real_dataset(out_dir: str | Path, raw_dir: str | Path | None = None, period_kind: RealPeriodKind = "year",
                       *, cache: Cache | None | Literal["default"] = "default") -> Path:
    """Write :func:`build_real_tables` as a contract dataset folder of CSV files."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in build_real_tables(raw_dir, period_kind, cache=cache).items():
        df.to_csv(out / f"{name}.csv", index=False)
    return out


# ------------------------------------------------------------------ Jobindsats (SOURCES.md §3)

Y30R21_FILE = Path("jobindsats") / "Randers-Kommune-Digitalisering_jobcenterindblik_jobindsats.dk" / "Y30R21-api.csv"
JOBINDSATS_CREDIT = "Kilde: Jobindsats.dk (STAR)"


def jobindsats_tables(raw_dir: str | Path | None = None, *, activity: bool = True) -> dict[str, pd.DataFrame]:
    """The real Jobindsats tables from the shared extracts: ``benchmark`` (y30r21, all six
    periods and four groups), ``activity`` and ``activity_national`` (monthly series) and
    their ``provenance`` rows (``kind`` real / derived).

    Raises :class:`SourceError` when the y30r21 file is not there, :class:`DataError` on a
    bad line (then nothing is returned, so nothing can be stored).
    """
    from benchlearn.sources.jobindsats import read_y30r21
    from benchlearn.sources.jobindsats_dashboard import DASHBOARD_FILE, DATA_BREAK, read_dashboard

    rd = Path(raw_dir) if raw_dir is not None else raw_data_dir()
    if rd is None or not (rd / Y30R21_FILE).is_file():
        raise _no_source("jobindsats y30r21", (rd / Y30R21_FILE) if rd is not None else None)
    out = {"benchmark": read_y30r21(rd / Y30R21_FILE)}
    via = "github.com/Randers-Kommune-Digitalisering/jobcenterindblik_jobindsats.dk (kopi i shared/data/raw)"
    prov = [
        {"table": "benchmark", "part": None, "source": f"Jobindsats y30r21 via {via}", "simulated": False, "kind": "real",
         "note": f"{JOBINDSATS_CREDIT}. Faktisk og forventet antal afrundet til 10; placering som offentliggjort. | "
                 "EN: Actual and expected counts rounded to 10; rank as published."},
        {"table": "benchmark", "part": "column=persons", "source": "benchlearn: forventet antal / forventet andel (i alt)",
         "simulated": False, "kind": "derived",
         "note": "Indbyggere 16–66 år afledt som forventet antal ÷ forventet andel × 100 for 'Ydelsesgrupper i alt' "
                 "(±0,3 % af afrundingen). | EN: Residents 16–66 derived as expected ÷ expected share × 100 of "
                 "'Ydelsesgrupper i alt' (±0.3 % from rounding)."},
    ]
    dash = rd / DASHBOARD_FILE
    if activity and dash.is_file():
        out.update(read_dashboard(dash))
        src = "Jobindsats y25i01, y25i09, y60a02, y60c07, y60j01 via github.com/AI-MichelKlos/kommunal-beskaeftigelsesindsats"
        note = (f"{JOBINDSATS_CREDIT}. Månedstal; databrud ved kontanthjælpsreformen 1. juli 2025 ({DATA_BREAK}); "
                "undertrykte små tal udeladt. | EN: Monthly figures; data break at the kontanthjælp reform of 1 July 2025; "
                "suppressed small numbers left out.")
        prov += [{"table": t, "part": None, "source": src, "simulated": False, "kind": "real", "note": note}
                 for t in ("activity", "activity_national")]
    out["provenance"] = pd.DataFrame(prov)
    return out
