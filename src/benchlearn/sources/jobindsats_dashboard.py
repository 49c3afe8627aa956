"""Monthly Jobindsats series per municipality from a dashboard extract (``dashboard-data.json``).

The extract (SOURCES.md §3, github.com/AI-MichelKlos/kommunal-beskaeftigelsesindsats) holds
STAR's published monthly statistics — unemployment (y25i01), long-term unemployment
(y25i09), kontanthjælp (y60a02), aktiveringsgrad (y60c07) and ordinary hours (y60j01) —
for the 98 municipalities and the whole country, as parallel arrays ``labels`` + values.
Only the numbers are used (facts, credited "Kilde: Jobindsats.dk (STAR)").

They become the contract table ``activity`` (monitoring without targets) and
``activity_national`` (the same measures for Hele landet). Every refusal names the key
path (``municipalities.nyborg.unemployment.total``), the position and the value; nothing
is returned on a bad file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.core.periods import period_kind

__all__ = ["MEASURES", "DATA_BREAK", "DASHBOARD_FILE", "read_dashboard", "Measure"]

DASHBOARD_FILE = Path("jobindsats") / "AI-MichelKlos_kommunal-beskaeftigelsesindsats" / "dashboard-data.json"

#: First month after the kontanthjælp reform of 1 July 2025: Jobindsats' series break there.
DATA_BREAK = "2025M07"


@dataclass(frozen=True)
class Measure:
    """One monitoring series: where it is in the extract and what it is called in ``activity``."""

    series: str  # key in the extract (unemployment, longterm, ...)
    key: str  # value array in the series
    maalgruppe: str  # 'alle', 'dagpenge' or 'kontanthjaelp'
    measure: str  # measure code in table activity
    table: str  # Jobindsats table id
    unit: str  # 'persons' or 'pct'


MEASURES: tuple[Measure, ...] = (
    Measure("unemployment", "total", "alle", "ledige", "y25i01", "persons"),
    Measure("unemployment", "totalRate", "alle", "ledighed_pct", "y25i01", "pct"),
    Measure("unemployment", "dagpenge", "dagpenge", "ledige", "y25i01", "persons"),
    Measure("unemployment", "dagpengeRate", "dagpenge", "ledighed_pct", "y25i01", "pct"),
    Measure("unemployment", "kontanthjaelp", "kontanthjaelp", "ledige", "y25i01", "persons"),
    Measure("unemployment", "kontanthjaelpRate", "kontanthjaelp", "ledighed_pct", "y25i01", "pct"),
    Measure("longterm", "total", "alle", "langtidsledige", "y25i09", "persons"),
    Measure("longterm", "dagpenge", "dagpenge", "langtidsledige", "y25i09", "persons"),
    Measure("longterm", "kontanthjaelp", "kontanthjaelp", "langtidsledige", "y25i09", "persons"),
    Measure("cashAssistance", "persons", "kontanthjaelp", "modtagere", "y60a02", "persons"),
    Measure("cashAssistance", "fullTime", "kontanthjaelp", "fuldtidspersoner", "y60a02", "persons"),
    Measure("cashAssistance", "workforceRate", "kontanthjaelp", "andel_arbejdsstyrke_pct", "y60a02", "pct"),
    Measure("cashAssistance", "populationRate", "kontanthjaelp", "andel_16_66_pct", "y60a02", "pct"),
    Measure("activation", "degree", "kontanthjaelp", "aktiveringsgrad_pct", "y60c07", "pct"),
    Measure("activation", "affectedShare", "kontanthjaelp", "aktiveringsberoerte_pct", "y60c07", "pct"),
    Measure("ordinaryHours", "persons", "kontanthjaelp", "med_loentimer", "y60j01", "persons"),
    Measure("ordinaryHours", "share", "kontanthjaelp", "med_loentimer_pct", "y60j01", "pct"),
)

_TABLE = "activity"


def _bad(path: str, pos: int | None, value: Any, da: str, en: str, source: str) -> DataError:
    col = path if pos is None else f"{path}[{pos}]"
    return DataError(_TABLE, None, col, value, da, en, source)


_MONTHS: dict[str, bool] = {}


def _is_month(label: str) -> bool:
    if label not in _MONTHS:
        _MONTHS[label] = period_kind(label) == "month"
    return _MONTHS[label]


def _series(block: Any, where: str, source: str) -> list[tuple[list[str], str, str, list[float]]]:
    """Rows (period, maalgruppe, measure, value) of one municipality's (or the nation's) block."""
    if not isinstance(block, dict):
        raise _bad(where, None, type(block).__name__, "et JSON-objekt", "a JSON object", source)
    rows: list[tuple[list[str], str, str, list[float]]] = []
    for m in MEASURES:
        ser = block.get(m.series)
        if ser is None:
            continue  # a series may be absent for a municipality; it is then not monitored
        path = f"{where}.{m.series}"
        if not isinstance(ser, dict) or not isinstance(ser.get("labels"), list):
            raise _bad(path, None, None, "et objekt med 'labels' og værdilister", "an object with 'labels' and value arrays", source)
        labels, values = ser["labels"], ser.get(m.key)
        if values is None:
            continue
        if not isinstance(values, list) or len(values) != len(labels):
            n = len(values) if isinstance(values, list) else type(values).__name__
            raise _bad(f"{path}.{m.key}", None, n, f"en liste med {len(labels)} værdier (én pr. måned i 'labels')",
                       f"a list of {len(labels)} values (one per month in 'labels')", source)
        for i, lab in enumerate(labels):
            if not (isinstance(lab, str) and _is_month(lab)):
                raise _bad(f"{path}.labels", i, lab, "en måned som 2025M07", "a month like 2025M07", source)
        for i, v in enumerate(values):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
                raise _bad(f"{path}.{m.key}", i, v, "et tal ≥ 0 eller null (undertrykt)", "a number ≥ 0 or null (suppressed)", source)
        rows.append((labels, m.maalgruppe, m.measure, [float("nan") if v is None else float(v) for v in values]))
    return rows


def _slug(s: str) -> str:
    return re.sub(r"[^a-z]", "", s.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa"))


def _frame(parts: list[tuple[int, tuple[list[str], str, str, list[float]]]]) -> pd.DataFrame:
    n = [len(r[0]) for _, r in parts]
    return pd.DataFrame({
        "kommunekode": np.repeat([k for k, _ in parts], n).astype("int64"),
        "period": [lab for _, r in parts for lab in r[0]],
        "maalgruppe": np.repeat([r[1] for _, r in parts], n),
        "measure": np.repeat([r[2] for _, r in parts], n),
        "value": np.array([v for _, r in parts for v in r[3]], dtype="float64"),
    })


def read_dashboard(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the monthly Jobindsats series into ``activity`` and ``activity_national``.

    Returns
    -------
    dict
        ``activity``: kommunekode, period (``YYYYMmm``), maalgruppe, measure, value
        (values Jobindsats suppressed are left out); ``activity_national``: period, maalgruppe,
        measure, value for Hele landet.

    Raises
    ------
    DataError
        Unknown municipality, a value that is not a number, a month label of another
        kind, value and label arrays of different length; naming key path, position and value.
    """
    p = Path(path)
    src = str(p)
    try:
        body = json.loads(p.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"Kan ikke læse {p}: {exc}", f"Cannot read {p}: {exc}") from None
    except ValueError as exc:
        raise DataError(_TABLE, getattr(exc, "lineno", None), None, None, "gyldig JSON", "valid JSON", src) from None
    if not isinstance(body, dict) or not isinstance(body.get("municipalities"), dict):
        raise _bad("municipalities", None, None, "et objekt med en nøgle pr. kommune", "an object with one key per municipality", src)
    muni = reference.municipalities()
    by_name = {str(n).casefold(): int(k) for n, k in zip(muni["navn"], muni["kommunekode"])}
    by_slug = {_slug(str(n)): int(k) for n, k in zip(muni["navn"], muni["kommunekode"])}
    frames, seen = [], {}
    for key, block in body["municipalities"].items():
        name = block.get("name") if isinstance(block, dict) else None
        # the block's own name decides; the ASCII key only when there is no name
        k = by_name.get(str(name).strip().casefold()) if name is not None else by_slug.get(_slug(str(key)))
        if k is None:
            raise _bad(f"municipalities.{key}.name", None, name if name is not None else key,
                       "et af de 98 kommunenavne", "one of the 98 municipality names", src)
        if k in seen:
            raise _bad(f"municipalities.{key}", None, name, f"hver kommune én gang (også under '{seen[k]}')",
                       f"each municipality once (also under '{seen[k]}')", src)
        seen[k] = key
        rows = _series(block, f"municipalities.{key}", src)
        if rows:
            frames.append((k, rows))
    if not frames:
        raise _bad("municipalities", None, None, "mindst én kommune med serier", "at least one municipality with series", src)
    act = _frame([(k, r) for k, rows in frames for r in rows])
    act = act.dropna(subset=["value"])  # suppressed small numbers are missing, not zero
    act["kommunekode"] = act["kommunekode"].astype("int64")
    act = act.sort_values(["measure", "maalgruppe", "kommunekode", "period"]).reset_index(drop=True)
    nat_rows = _series(body["national"], "national", src) if "national" in body else []
    nat = _frame([(0, r) for r in nat_rows]).drop(columns="kommunekode")
    nat = nat.dropna(subset=["value"]).sort_values(["measure", "maalgruppe", "period"]).reset_index(drop=True)
    return {"activity": act, "activity_national": nat}
