"""Write the recorded API answers used by the source tests (run once; output is committed).

These are *constructed* answers in the documented shape of each API (no network is
available when the tests run). The Jobindsats y30r21 data answer holds the real rows of
the shared extract (SOURCES.md §3) for its latest two periods, unchanged; StatBank CSV
rows copy real values from the bundled AUK01 extract.
Run: python tests/recorded/make_recorded.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path


HERE = Path(__file__).resolve().parent
RAW = HERE.parents[2] / "shared" / "data" / "raw"


def statbank() -> None:
    d = HERE / "statbank"
    quarters = [f"{y}Q{q}" for y in (2023, 2024) for q in range(1, 5)]
    info = {
        "id": "AUK01",
        "text": "Full-time recipients of public benefits",
        "description": "Full-time recipients of public benefits by region, type of benefit, sex, age and time",
        "unit": "Number",
        "suppressedDataValue": "0",
        "updated": "2026-03-12T08:00:00",
        "active": True,
        "contacts": [{"name": "Statistics Denmark", "phone": "", "mail": "info@dst.dk"}],
        "documentation": {"id": "auk01", "url": "https://www.dst.dk/documentationofstatistics"},
        "footnote": None,
        "variables": [
            {"id": "OMRÅDE", "text": "region", "elimination": True, "time": False, "map": "denmark_municipality_07",
             "values": [{"id": "000", "text": "All Denmark"}, {"id": "084", "text": "Region Hovedstaden"},
                        {"id": "101", "text": "Copenhagen"}, {"id": "450", "text": "Nyborg"}]},
            {"id": "YDELSESTYPE", "text": "type of benefit", "elimination": True, "time": False,
             "values": [{"id": "TOT", "text": "Total"},
                        {"id": "KT", "text": "Net unemployed recipients of social assistance"}]},
            {"id": "KØN", "text": "sex", "elimination": True, "time": False,
             "values": [{"id": "TOT", "text": "Total"}, {"id": "M", "text": "Men"}, {"id": "K", "text": "Women"}]},
            {"id": "ALDER", "text": "age", "elimination": True, "time": False,
             "values": [{"id": "TOT", "text": "Age, total"}, {"id": "16-24", "text": "16-24 years"}]},
            {"id": "Tid", "text": "time", "elimination": False, "time": True,
             "values": [{"id": q.replace("Q", "K"), "text": q} for q in quarters]},
        ],
    }
    (d / "tableinfo_AUK01_en.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = []
    with open(RAW / "dst/DennisHedegreen_danish-politics-data/socioeconomic_raw/auk01_social_assistance.csv",
              encoding="utf-8-sig") as fh:
        for r in csv.reader(fh, delimiter=";"):
            if r[0] in ("All Denmark", "Region Hovedstaden", "Copenhagen", "Nyborg") and r[4] in quarters:
                rows.append(r)
    text = "OMRÅDE;YDELSESTYPE;KØN;ALDER;TID;INDHOLD\r\n" + "".join(";".join(r) + "\r\n" for r in rows)
    (d / "data_AUK01_bulk_en.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (d / "error_table_not_found.json").write_text(json.dumps(
        {"errorTypeCode": "TABLE-NOTFOUND", "message": "Tabellen 'AUKXX' findes ikke / Table 'AUKXX' was not found"},
        ensure_ascii=False), encoding="utf-8")
    (d / "error_bad_value.json").write_text(json.dumps(
        {"errorTypeCode": "EXTRACT-VALUENOTFOUND", "message": "Værdien 'XXX' findes ikke for variablen 'OMRÅDE'"},
        ensure_ascii=False), encoding="utf-8")


Y30R21 = RAW / "jobindsats" / "Randers-Kommune-Digitalisering_jobcenterindblik_jobindsats.dk" / "Y30R21-api.csv"
RECORDED_PERIODS = ("2022QMAT02", "2022QMAT04")  # the latest two: what fetch_benchmark asks for


def y30r21_answer(lines: list[dict], periods: tuple[str, ...] | None = None) -> list[dict]:
    """The API's data answer holding exactly the given label-keyed lines (values as they are)."""
    names = {"Area": "area", "Periode": "period", "Ydelsesgrupper": "_ygrp_y30r21"}
    # measurement ids as in the table metadata (the rank's id is not documented: y30r21_pl)
    ids = {"Forventet antal": "fa", "Faktisk antal": "ka", "Forskel mellem forventet og faktisk antal": "fo",
           "Forventet andel (pct.)": "fp", "Faktisk andel (pct.)": "kp",
           "Forskel mellem forventet og faktisk andel (pct. point)": "dp", "Placering på benchmarkranglisten": "pl"}
    keys = list(lines[0])
    variables = [{"Name": names.get(k) or "y30r21_" + ids[k.rsplit(": ", 1)[-1]], "Label": k,
                  "Type": "Dimension" if k in names else "Measurement"} for i, k in enumerate(keys)]
    data = [[ln[k] for k in keys] for ln in lines if periods is None or ln["Periode"] in periods]
    return [{"TableID": "y30r21", "TableName": "Benchmark: forventet og faktisk antal fuldtidspersoner",
             "Variables": variables, "Data": data}]


def jobindsats() -> None:
    """y30r21 answers built from the real extract (SOURCES.md §3): its rows, unchanged."""
    d = HERE / "jobindsats"
    lines = [json.loads(x) for x in Y30R21.read_text(encoding="utf-8").splitlines() if x.strip()]
    answer = y30r21_answer(lines, RECORDED_PERIODS)
    (d / "data_y30r21.json").write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    variables = answer[0]["Variables"]
    groups = list(dict.fromkeys(ln["Ydelsesgrupper"] for ln in lines))
    meta = [{"TableID": "y30r21", "TableName": "Benchmark: forventet og faktisk antal fuldtidspersoner",
             "SubjectID": "30", "SubjectName": "Jobcenterindblik",
             "Period": sorted({ln["Periode"] for ln in lines}),
             "Area": list(dict.fromkeys(ln["Area"] for ln in lines)),
             "Measurements": [{"ID": v["Name"], "Name": v["Label"]} for v in variables if v["Type"] == "Measurement"],
             "Dimensions": [{"DimensionID": "_ygrp_y30r21", "DimensionName": "Ydelsesgrupper", "Values": groups}]}]
    (d / "table_y30r21.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    tables = [{"TableID": "y30r21", "TableName": meta[0]["TableName"], "SubjectID": "30", "SubjectName": "Jobcenterindblik",
               "UpdateFrequency": "Halvårlig", "LatestPeriod": "2022QMAT04", "PeriodCategory": ["QMAT"],
               "AreaHierarchy": ["Hele landet", "RAR", "Kommuner"]},
              {"TableID": "y01a02", "TableName": "A-dagpenge: Fuldtidspersoner", "SubjectID": "1", "SubjectName": "A-dagpenge",
               "UpdateFrequency": "Månedlig", "LatestPeriod": "2025M09", "PeriodCategory": ["M", "Q", "Y"],
               "AreaHierarchy": ["Hele landet", "RAR", "Kommuner"]}]
    (d / "tables.json").write_text(json.dumps(tables, ensure_ascii=False, indent=1), encoding="utf-8")
    (d / "error_401.json").write_text(json.dumps({"Message": "Authorization has been denied for this request."}),
                                      encoding="utf-8")


if __name__ == "__main__":
    statbank()
    jobindsats()
