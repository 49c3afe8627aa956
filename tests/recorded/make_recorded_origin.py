"""Write the recorded Statbank FOLK1E answers for the by-origin source (run once; output committed).

*Constructed* in the documented shape of the Statbank API v1 (``tableinfo`` JSON and a
``data`` answer in BULK format, ``;``-separated, UTF-8 with BOM): the variable ids and
HERKOMST value ids/texts are FOLK1E's (TOT, 1, 24, 25, 34, 35), the numbers are
**made up** (a smooth age profile per municipality and ancestry, deterministic), because
no copy of FOLK1E by ancestry and single age is available offline (SOURCES.md, "Not
found"). The tests check the parser and shaper against an independent computation on
this file, never against these numbers as facts.
Run: python tests/recorded/make_recorded_origin.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent / "statbank"
AREAS = [("000", "All Denmark"), ("084", "Region Hovedstaden"), ("101", "Copenhagen"), ("450", "Nyborg"),
         ("751", "Aarhus"), ("825", "Læsø")]
HERKOMST = [("TOT", "Total"), ("1", "Persons of Danish origin"), ("24", "Immigrants from western countries"),
            ("25", "Immigrants from non-western countries"), ("34", "Descendants from western countries"),
            ("35", "Descendants from non-western countries")]
#: residents 16-66 per municipality and the ancestry shares (made up, plausible orders of magnitude)
SIZE = {"101": 450_000, "450": 19_000, "751": 240_000, "825": 1_100}
SHARE = {"1": 0.78, "24": 0.06, "25": 0.11, "34": 0.01, "35": 0.04}
YEARS = ("2023", "2024")


def _count(area: str, her: str, age: int, year: str) -> int:
    # descendants are young, immigrants of working age, Danes older on average
    peak = {"1": 42, "24": 35, "25": 38, "34": 22, "35": 20}[her]
    w = math.exp(-((age - peak) / (22.0 if her == "1" else 15.0)) ** 2)
    growth = 1.0 + (0.02 if her in ("25", "35") else 0.0) * (int(year) - 2023)
    return int(round(SIZE[area] * SHARE[her] * growth * w / 28.0))


def main() -> None:
    info = {
        "id": "FOLK1E", "text": "Population at the first day of the quarter",
        "description": "Population at the first day of the quarter by region, sex, age, ancestry and time",
        "unit": "Number", "suppressedDataValue": "0", "updated": "2026-08-10T08:00:00", "active": True,
        "contacts": [{"name": "Statistics Denmark", "phone": "", "mail": "info@dst.dk"}],
        "documentation": {"id": "folk1e", "url": "https://www.dst.dk/documentationofstatistics"}, "footnote": None,
        "variables": [
            {"id": "OMRÅDE", "text": "region", "elimination": True, "time": False, "map": "denmark_municipality_07",
             "values": [{"id": i, "text": t} for i, t in AREAS]},
            {"id": "KØN", "text": "sex", "elimination": True, "time": False,
             "values": [{"id": "TOT", "text": "Total"}, {"id": "1", "text": "Men"}, {"id": "2", "text": "Women"}]},
            {"id": "ALDER", "text": "age", "elimination": True, "time": False,
             "values": [{"id": "IALT", "text": "Age, total"}] + [{"id": str(a), "text": f"{a} years"} for a in range(0, 126)]},
            {"id": "HERKOMST", "text": "ancestry", "elimination": True, "time": False,
             "values": [{"id": i, "text": t} for i, t in HERKOMST]},
            {"id": "Tid", "text": "time", "elimination": False, "time": True,
             "values": [{"id": f"{y}K{q}", "text": f"{y}Q{q}"} for y in YEARS for q in range(1, 5)]},
        ],
    }
    (HERE / "tableinfo_FOLK1E_en.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = ["OMRÅDE;KØN;ALDER;HERKOMST;TID;INDHOLD"]
    for year in YEARS:
        for code, text in AREAS:
            munis = [c for c in SIZE] if code in ("000", "084") else [code]
            if code == "084":
                munis = ["101"]
            for age in range(16, 67):
                parts = {h: sum(_count(m, h, age, year) for m in munis) for h, _ in HERKOMST[1:]}
                for hid, htext in HERKOMST:
                    n = sum(parts.values()) if hid == "TOT" else parts[hid]
                    lines.append(f"{text};Total;{age} years;{htext};{year}Q1;{n}")
    (HERE / "data_FOLK1E_bulk_en.csv").write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
