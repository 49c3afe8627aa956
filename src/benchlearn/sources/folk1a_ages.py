"""FOLK1A on 1 January 2014 by municipality, sex and single age (``../shared/data/raw`` SOURCES.md §4).

The only public copy by single age for all 98 municipalities here is one year: 2014Q1, an R
``save()`` file (``dst/LarsHernandez_dagir/std_kommuner.rdata``, data.frame ``std_kommuner``:
``KØN`` Men/Women, ``ALDER`` 0–110, ``INDHOLD`` persons, ``area`` the municipality's name —
``København`` in Danish, the rest Statistics Denmark's English labels; Christiansø is not a
municipality and is left out; a missing age means 0 persons). It is read with :mod:`pyreadr`.

Everything built from it carries the year in its name (``…_2014``): it is the age structure of
2014, used as a standing condition of the municipality in every later period, never as that
period's population. The one public function for both users here:

* :func:`ages_2014` — the tidy table (the model review's age-structure variables,
  :mod:`benchlearn.sources.public_framework`);
* :func:`residents_16_66_2014` — residents aged 16–66 per municipality (the contract's
  denominator, for checking the 16–66 counts derived from y30r21 in #12).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError

__all__ = ["FOLK1A_2014_FILE", "AGE_VARIABLES", "read_folk1a_2014", "ages_2014", "residents_16_66_2014", "age_shares_2014"]

#: The file inside the raw-data folder.
FOLK1A_2014_FILE = Path("dst") / "LarsHernandez_dagir" / "std_kommuner.rdata"
_TABLE = "FOLK1A 2014 (std_kommuner)"
_SEX = {"Men": "M", "Women": "K"}
_NOT_MUNICIPALITIES = {"Christiansø"}

#: Age-structure variables: name -> (lowest age, highest age, Danish meaning, English meaning). The
#: shares of the working-age population are of those 16–66; the children's share is of all residents.
AGE_VARIABLES: dict[str, tuple[int, int, str, str]] = {
    "age_16_24_pct_2014": (16, 24, "andel 16–24 år af de 16–66-årige, 2014, %", "share aged 16–24 of those 16–66, 2014, %"),
    "age_25_34_pct_2014": (25, 34, "andel 25–34 år af de 16–66-årige, 2014, %", "share aged 25–34 of those 16–66, 2014, %"),
    "age_35_44_pct_2014": (35, 44, "andel 35–44 år af de 16–66-årige, 2014, %", "share aged 35–44 of those 16–66, 2014, %"),
    "age_45_54_pct_2014": (45, 54, "andel 45–54 år af de 16–66-årige, 2014, %", "share aged 45–54 of those 16–66, 2014, %"),
    "age_55_66_pct_2014": (55, 66, "andel 55–66 år af de 16–66-årige, 2014, %", "share aged 55–66 of those 16–66, 2014, %"),
    "age_60_66_pct_2014": (60, 66, "andel 60–66 år af de 16–66-årige, 2014, %", "share aged 60–66 of those 16–66, 2014, %"),
    "children_0_15_pct_2014": (0, 15, "børn 0–15 år af alle borgere, 2014, %", "children 0–15 of all residents, 2014, %"),
}


def _path(raw_dir: str | Path | None) -> Path:
    from benchlearn.sources import raw_data_dir

    rd = Path(raw_dir) if raw_dir is not None else raw_data_dir()
    if rd is None:
        raise SourceError("Ingen rå offentlige data fundet (../shared/data/raw eller BENCHLEARN_RAW_DATA).",
                          "No raw public data found (../shared/data/raw or BENCHLEARN_RAW_DATA).")
    p = rd / FOLK1A_2014_FILE if rd.is_dir() else rd
    if not p.is_file():
        raise SourceError(f"FOLK1A 2014 efter enkeltår findes ikke: {p}", f"FOLK1A 2014 by single age not found: {p}")
    return p


def read_folk1a_2014(path: str | Path) -> pd.DataFrame:
    """The R file as a tidy table: ``kommunekode, sex`` (M/K), ``age`` (0–110), ``persons``.

    Every municipality × sex × age is present (a missing combination = 0 persons). A row whose
    sex, age, count or name is not what the file is documented to hold is refused with a
    :class:`~benchlearn.core.errors.DataError` naming the file, row (1-based), column and value.
    """
    import pyreadr

    p = Path(path)
    try:
        got = pyreadr.read_r(str(p))
    except Exception as e:  # pyreadr raises its own LibrdataError/PyreadrError on a damaged file
        raise SourceError(f"Kan ikke læse R-filen {p}: {e}", f"Cannot read the R file {p}: {e}") from None
    if "std_kommuner" not in got:
        raise DataError(_TABLE, None, None, ", ".join(got.keys()) or "(intet)", "en data.frame 'std_kommuner'",
                        "a data.frame 'std_kommuner'", source=str(p))
    d = got["std_kommuner"]
    for col in ("KØN", "ALDER", "INDHOLD", "area"):
        if col not in d.columns:
            raise DataError(_TABLE, None, col, "(mangler)", f"kolonnen '{col}'", f"column '{col}'", source=str(p))
    m = reference.municipalities()
    code = {**dict(zip(m["navn_dst_en"], m["kommunekode"])), **dict(zip(m["navn"], m["kommunekode"]))}
    d = d.reset_index(drop=True)
    row = np.arange(1, len(d) + 1)
    sex = d["KØN"].astype("string")
    bad = ~sex.isin(list(_SEX))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(_TABLE, int(row[i]), "KØN", d["KØN"].iloc[i], "Men eller Women", "Men or Women", source=str(p))
    age = pd.to_numeric(d["ALDER"], errors="coerce")
    bad = age.isna() | (age < 0) | (age > 125) | (age != np.round(age))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(_TABLE, int(row[i]), "ALDER", d["ALDER"].iloc[i], "et helt antal år 0–125", "a whole number of years 0–125",
                        source=str(p))
    n = pd.to_numeric(d["INDHOLD"], errors="coerce")
    bad = n.isna() | (n < 0) | (n != np.round(n))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(_TABLE, int(row[i]), "INDHOLD", d["INDHOLD"].iloc[i], "et antal personer (helt tal ≥ 0)",
                        "a number of persons (whole, ≥ 0)", source=str(p))
    area = d["area"].astype("string")
    k = area.map(code)
    bad = k.isna() & ~area.isin(list(_NOT_MUNICIPALITIES))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(_TABLE, int(row[i]), "area", d["area"].iloc[i], "et kommunenavn", "a municipality name", source=str(p))
    tidy = pd.DataFrame({"kommunekode": k, "sex": sex.map(_SEX), "age": age.astype("int64"), "persons": n.astype("int64")})
    tidy = tidy[k.notna().to_numpy()].astype({"kommunekode": "int64"})
    dup = tidy.duplicated(["kommunekode", "sex", "age"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(_TABLE, int(tidy.index[i]) + 1, "area", d["area"].iloc[int(tidy.index[i])],
                        "én række pr. kommune, køn og alder", "one row per municipality, sex and age", source=str(p))
    codes = sorted(reference.kommunekoder())
    missing = sorted(set(codes) - set(tidy["kommunekode"]))
    if missing:
        raise DataError(_TABLE, None, "area", ", ".join(map(str, missing[:5])), "alle 98 kommuner", "all 98 municipalities",
                        source=str(p))
    grid = pd.MultiIndex.from_product([codes, ["K", "M"], range(0, int(tidy["age"].max()) + 1)],
                                      names=["kommunekode", "sex", "age"])
    full = tidy.set_index(["kommunekode", "sex", "age"])["persons"].reindex(grid, fill_value=0)
    return full.reset_index()


def ages_2014(raw_dir: str | Path | None = None) -> pd.DataFrame:
    """FOLK1A 1 January 2014: ``kommunekode, sex, age, persons`` for the 98 municipalities (0 filled in).

    ``raw_dir`` is the raw-data folder (default :func:`benchlearn.sources.raw_data_dir`) or the file itself.
    """
    return read_folk1a_2014(_path(raw_dir))


def residents_16_66_2014(raw_dir: str | Path | None = None) -> pd.Series:
    """Residents aged 16–66 on 1 January 2014 per municipality (``kommunekode`` index, integer persons)."""
    a = ages_2014(raw_dir)
    return a[(a["age"] >= 16) & (a["age"] <= 66)].groupby("kommunekode")["persons"].sum().rename("persons_16_66_2014")


def age_shares_2014(raw_dir: str | Path | None = None, names: tuple[str, ...] | None = None) -> pd.DataFrame:
    r"""The age-structure variables of :data:`AGE_VARIABLES`: ``kommunekode, variable, value`` (%).

    Notes
    -----
    :math:`100\,N_k[a_0, a_1] / N_k[16, 66]` for the working-age shares and
    :math:`100\,N_k[0, 15] / N_k` for the children's share, :math:`N_k` the residents of
    municipality *k* on 1 January 2014 (both sexes).
    """
    a = ages_2014(raw_dir)
    names = tuple(AGE_VARIABLES) if names is None else names
    unknown = [n for n in names if n not in AGE_VARIABLES]
    if unknown:
        raise ValueError(f"unknown age variables: {unknown}")

    def between(lo: int, hi: int) -> pd.Series:
        return a[(a["age"] >= lo) & (a["age"] <= hi)].groupby("kommunekode")["persons"].sum()

    working, everyone = between(16, 66), a.groupby("kommunekode")["persons"].sum()
    out = []
    for n in names:
        lo, hi, _da, _en = AGE_VARIABLES[n]
        base = everyone if n.startswith("children") else working
        v = (100 * between(lo, hi) / base).rename("value").reset_index()
        out.append(v.assign(variable=n))
    return pd.concat(out, ignore_index=True)[["kommunekode", "variable", "value"]]
