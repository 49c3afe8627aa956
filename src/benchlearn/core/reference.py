"""Reference data shipped as editable CSV files in ``benchlearn/reference``.

The municipality list, the 14 ydelsesgrupper and the mappings from ydelser to the
ministry's benchmark areas and to the six cities' five målgrupper are data, not
code: edit the CSV files (or pass your own) and every result records which mapping
made it through :func:`mapping_hash`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

import pandas as pd

_PKG = "benchlearn.core"


def _read(name: str) -> pd.DataFrame:
    with resources.files(_PKG).joinpath("reference", name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@lru_cache(maxsize=None)
def _municipalities() -> pd.DataFrame:
    df = _read("municipalities.csv")
    df["kommunekode"] = df["kommunekode"].astype("int64")
    df["regionskode"] = df["regionskode"].astype("int64")
    return df


def municipalities() -> pd.DataFrame:
    """The 98 municipalities: ``kommunekode, navn, navn_dst_en, region, regionskode``."""
    return _municipalities().copy()


def kommunekoder() -> frozenset[int]:
    return frozenset(_municipalities()["kommunekode"].tolist())


@lru_cache(maxsize=None)
def _names() -> dict[int, str]:
    m = _municipalities()
    return dict(zip(m["kommunekode"].tolist(), m["navn"].tolist(), strict=True))


def names() -> dict[int, str]:
    """kommunekode → navn for the 98 municipalities (the one code-to-name map)."""
    return dict(_names())


def navn(kommunekode: int) -> str:
    m = _municipalities()
    hit = m.loc[m["kommunekode"] == int(kommunekode), "navn"]
    return str(hit.iloc[0]) if len(hit) else str(kommunekode)


@lru_cache(maxsize=None)
def _ydelser() -> pd.DataFrame:
    return _read("ydelser.csv")


def ydelser() -> pd.DataFrame:
    """The 14 ydelsesgrupper with Danish and English names."""
    return _ydelser().copy()


def ydelse_codes() -> tuple[str, ...]:
    return tuple(_ydelser()["ydelse"])


@lru_cache(maxsize=None)
def _areas() -> pd.DataFrame:
    return _read("areas.csv")


def areas() -> pd.DataFrame:
    """Benchmark areas, long form ``area, ydelse, navn_da, navn_en, status``."""
    return _areas().copy()


def area_codes() -> tuple[str, ...]:
    return tuple(dict.fromkeys(_areas()["area"]))


def area_ydelser(area: str) -> tuple[str, ...]:
    a = _areas()
    return tuple(a.loc[a["area"] == area, "ydelse"])


@lru_cache(maxsize=None)
def _maalgrupper() -> pd.DataFrame:
    return _read("maalgrupper.csv")


def maalgrupper() -> pd.DataFrame:
    """The five målgrupper, long form ``maalgruppe, ydelse, navn_da, navn_en``."""
    return _maalgrupper().copy()


def maalgruppe_codes() -> tuple[str, ...]:
    return tuple(dict.fromkeys(_maalgrupper()["maalgruppe"]))


def maalgruppe_ydelser(maalgruppe: str) -> tuple[str, ...]:
    m = _maalgrupper()
    return tuple(m.loc[m["maalgruppe"] == maalgruppe, "ydelse"])


@lru_cache(maxsize=None)
def _integration() -> pd.DataFrame:
    return _read("integration.csv")


def integration_groups() -> pd.DataFrame:
    """Integration målgrupper (#16), long form ``maalgruppe, origin_group, ydelse, navn_da, navn_en``.

    A målgruppe here is a population group (``origin_group`` of the by-origin tables
    ``support_origin``/``population_origin``) and the ydelser counted for it: the
    numerator is the group's full-time persons on those ydelser, the denominator the
    group's residents 16–66 (the sum over the origin groups named).
    """
    return _integration().copy()


def integration_codes() -> tuple[str, ...]:
    return tuple(dict.fromkeys(_integration()["maalgruppe"]))


def integration_ydelser(maalgruppe: str) -> tuple[str, ...]:
    m = _integration()
    return tuple(dict.fromkeys(m.loc[m["maalgruppe"] == maalgruppe, "ydelse"]))


def integration_origin_groups(maalgruppe: str) -> tuple[str, ...]:
    m = _integration()
    return tuple(dict.fromkeys(m.loc[m["maalgruppe"] == maalgruppe, "origin_group"]))


def groups() -> pd.DataFrame:
    """User-editable municipality groups (``seks_byer`` ...) plus one group per region."""
    g = _read("groups.csv")
    g["kommunekode"] = g["kommunekode"].astype("int64")
    m = _municipalities()
    reg = pd.DataFrame(
        {
            "group": "region_" + m["regionskode"].astype(str),
            "kommunekode": m["kommunekode"],
            "navn_da": m["region"],
            "navn_en": m["region"].str.replace("Region ", "Region of ", regex=False),
        }
    )
    return pd.concat([g, reg], ignore_index=True)


def mapping_hash() -> str:
    """Content hash of the area and målgruppe mappings, recorded with every result."""
    h = hashlib.sha256()
    for name in ("areas.csv", "maalgrupper.csv", "ydelser.csv", "integration.csv"):
        h.update(resources.files(_PKG).joinpath("reference", name).read_bytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------- benchlearning catalogues
@lru_cache(maxsize=None)
def _toml(name: str) -> dict:
    import tomllib

    with resources.files(_PKG).joinpath("reference", name).open("rb") as fh:
        return tomllib.load(fh)


def methods_catalogue() -> dict:
    """The method catalogue ``reference/methods.toml`` as read (see benchlearning.catalogue)."""
    return _toml("methods.toml")


def enablers_catalogue() -> dict:
    """The performance enablers ``reference/enablers.toml`` as read (see benchlearning.catalogue)."""
    return _toml("enablers.toml")


def method_codes() -> tuple[str, ...]:
    """Codes of the catalogue's methods, the values an ``efforts`` table may use."""
    return tuple(_toml("methods.toml").get("method", {}))


def enabler_codes() -> tuple[str, ...]:
    """Codes of the performance enablers, the values a ``self_assessment`` table may use."""
    return tuple(_toml("enablers.toml").get("enabler", {}))


#: target groups an effort may name: the five målgrupper, integration (#16) and everyone
def effort_target_groups() -> tuple[str, ...]:
    return (*maalgruppe_codes(), "integration", "alle")
