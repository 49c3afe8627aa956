"""Public municipality-level data by origin from Statbank (#16.3): FOLK1E.

FOLK1E ("Folketal den 1. i kvartalet efter område, køn, alder og herkomst") counts
residents by municipality, single year of age and ancestry (HERKOMST: persons of Danish
origin; immigrants and descendants from Western and from non-Western countries). The
extract :data:`ORIGIN_EXTRACT` takes ages 16–66 on 1 January (Q1), both sexes, every
HERKOMST value; :func:`origin_tables` turns it into two contract tables:

* ``population_origin`` — residents 16–66 by ``origin_group`` (``dansk``; ``vestlig`` =
  immigrants + descendants from Western countries; ``ikke_vestlig`` = the same from
  non-Western countries — DST's country grouping), period = the year;
* ``framework_origin`` — each group's ``andel_16_29`` and ``andel_50_66`` (% of its
  residents 16–66), age framework variables that fit the group.

Where it is used: the integration benchmark's denominator (``population_origin`` is
what :func:`benchlearn.benchmark.integration.integration_view` sums) and its group
framework variables (``framework_origin`` → ``gruppe_andel_50_66``), and the integration
page's population by origin, whenever a dataset holds these tables from this source
(provenance ``Danmarks Statistik, FOLK1E``). The numerator by origin (full-time persons
on each ydelse by origin) is not in the public Statbank tables benchlearn reads; it comes
from ``persons aggregate`` (register data) or the simulator.

Licence: CC BY 4.0, "Kilde: Danmarks Statistik, www.dst.dk".
"""

from __future__ import annotations

import re

import pandas as pd

from benchlearn.core.errors import DataError
from benchlearn.sources.cache import Cache
from benchlearn.sources.statbank import Extract, parse_statbank_csv, to_kommune

ORIGIN_EXTRACT = Extract(
    "folk1e_origin_16_66", "FOLK1E",
    {"OMRÅDE": ("*",), "KØN": ("Total",), "ALDER": tuple(f"{a} years" for a in range(16, 67)),
     "HERKOMST": ("*",), "Tid": ("*Q1",)},
    note="folketal 1. januar, 16-66 år, efter herkomst (FOLK1E)",
)
ORIGIN_EXTRACTS: dict[str, Extract] = {ORIGIN_EXTRACT.name: ORIGIN_EXTRACT}
SOURCE = "Danmarks Statistik, FOLK1E"

#: HERKOMST label (English or Danish StatBank text, case-insensitive) -> origin_group;
#: ``total`` rows are kept to check that the groups add up
HERKOMST_GROUPS: dict[str, str] = {
    "total": "total", "i alt": "total",
    "persons of danish origin": "dansk", "personer med dansk oprindelse": "dansk",
    "immigrants from western countries": "vestlig", "indvandrere fra vestlige lande": "vestlig",
    "descendants from western countries": "vestlig", "efterkommere fra vestlige lande": "vestlig",
    "immigrants from non-western countries": "ikke_vestlig", "indvandrere fra ikke-vestlige lande": "ikke_vestlig",
    "descendants from non-western countries": "ikke_vestlig", "efterkommere fra ikke-vestlige lande": "ikke_vestlig",
}
_AGE = re.compile(r"^(\d{1,3})\s*(years?|år)$", re.IGNORECASE)
_Q1 = re.compile(r"^(\d{4})(Q|K)1$")


def _fail(frame: pd.DataFrame, line: int, column: str, value: object, da: str, en: str) -> DataError:
    return DataError(str(frame.attrs.get("table") or "FOLK1E"), line, column, value, da, en, frame.attrs.get("source"))


def origin_tables(content: bytes | str | pd.DataFrame, *, source: str | None = None) -> dict[str, pd.DataFrame]:
    """``population_origin`` and ``framework_origin`` from a FOLK1E answer (BULK CSV).

    Raises
    ------
    DataError
        A HERKOMST, ALDER or TID value that is not expected (naming line, column and
        value), an age outside 16–66, a missing age, or groups that do not add up to the
        table's own total (naming the municipality and year).
    """
    tidy = content if isinstance(content, pd.DataFrame) else parse_statbank_csv(content, table="FOLK1E", source=source)
    for col in ("HERKOMST", "ALDER", "TID"):
        if col not in tidy.columns:
            raise _fail(tidy, None, col, None, f"en kolonne {col}", f"a column {col}")  # type: ignore[arg-type]
    t = to_kommune(tidy)
    group = t["HERKOMST"].str.casefold().map(HERKOMST_GROUPS)
    if group.isna().any():
        line = int(group[group.isna()].index[0])
        shown = ", ".join(sorted({k for k in HERKOMST_GROUPS if k.isascii()}))
        raise _fail(t, line, "HERKOMST", t.loc[line, "HERKOMST"], f"en herkomst: {shown}", f"an ancestry: {shown}")
    age = t["ALDER"].str.extract(_AGE, expand=False)[0].astype("float64")
    bad = age.isna() | (age < 16) | (age > 66)
    if bad.any():
        line = int(bad[bad].index[0])
        raise _fail(t, line, "ALDER", t.loc[line, "ALDER"], "et enkeltår 16–66 ('16 years')", "a single year 16–66 ('16 years')")
    year = t["TID"].str.extract(_Q1, expand=False)[0]
    if year.isna().any():
        line = int(year[year.isna()].index[0])
        raise _fail(t, line, "TID", t.loc[line, "TID"], "et 1. kvartal (2024Q1)", "a first quarter (2024Q1)")
    if t["value"].isna().any():
        line = int(t["value"].isna().idxmax())
        raise _fail(t, line, "INDHOLD", "..", "et antal personer", "a number of persons")
    d = pd.DataFrame({"kommunekode": t["kommunekode"], "period": year, "origin_group": group,
                      "age": age.astype("int64"), "persons": t["value"]})
    n_ages = d.groupby(["kommunekode", "period", "origin_group"])["age"].nunique()
    if (n_ages != 51).any():
        k, p, g = n_ages[n_ages != 51].index[0]
        raise _fail(t, None, "ALDER", f"{k} {p} {g}: {int(n_ages.iloc[(n_ages != 51).argmax()])}",  # type: ignore[arg-type]
                    "alle 51 aldre 16–66 for hver kommune, år og herkomst", "all 51 ages 16–66 for every municipality, year and ancestry")
    key = ["kommunekode", "period", "origin_group"]
    pop = d.groupby(key, as_index=False)["persons"].sum()
    tot = pop[pop["origin_group"] == "total"].set_index(["kommunekode", "period"])["persons"]
    parts = pop[pop["origin_group"] != "total"].groupby(["kommunekode", "period"])["persons"].sum()
    both = tot.index.intersection(parts.index)
    off = (tot.loc[both] - parts.loc[both]).abs() > 0.5
    if off.any():
        k, p = off[off].index[0]
        raise _fail(t, None, "INDHOLD", f"{k} {p}: {parts.loc[(k, p)]:.0f} ≠ {tot.loc[(k, p)]:.0f}",  # type: ignore[arg-type]
                    "herkomstgrupperne summer til 'Total'", "the ancestry groups add up to 'Total'")
    pop = pop[pop["origin_group"] != "total"].reset_index(drop=True)
    d = d[d["origin_group"] != "total"]
    rows = []
    for name, lo, hi in (("andel_16_29", 16, 29), ("andel_50_66", 50, 66)):
        part = d[(d["age"] >= lo) & (d["age"] <= hi)].groupby(key)["persons"].sum()
        share = (100 * part / pop.set_index(key)["persons"]).dropna()
        rows.append(share.rename("value").reset_index().assign(variable=name))
    fw = pd.concat(rows, ignore_index=True)[["kommunekode", "period", "origin_group", "variable", "value"]]
    prov = pd.DataFrame({"table": ["population_origin", "framework_origin"], "source": SOURCE, "simulated": False,
                         "note": ["borgere 16-66 år 1. januar efter herkomst / residents 16-66 on 1 January by ancestry",
                                  "andel 16-29 og 50-66 år i herkomstgruppen / shares aged 16-29 and 50-66 in the group"]})
    return {"population_origin": pop, "framework_origin": fw.sort_values(key + ["variable"]).reset_index(drop=True),
            "provenance": prov}


def cached_origin_tables(cache: Cache | None = None) -> dict[str, pd.DataFrame]:
    """The tables from the ``benchlearn fetch`` cache; empty when it holds no FOLK1E extract."""
    cache = cache or Cache()
    entry = cache.entry("statbank", f"{ORIGIN_EXTRACT.name}.csv")
    if entry is None:
        return {}
    return origin_tables(entry.path.read_bytes(), source=str(entry.path))
