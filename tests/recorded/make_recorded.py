"""Write the recorded API answers used by the source tests (run once; output is committed).

These are *constructed* answers in the documented shape of each API (no network is
available when the tests run). Values for Jobindsats y30r21 are made up but of
realistic size (about 6 % of a municipality's 16–66-year-olds on support); the area
labels and the period label format are the real ones. StatBank CSV rows copy real
values from the bundled AUK01 extract.
Run: python tests/recorded/make_recorded.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RAW = HERE.parents[2] / "shared" / "data" / "raw"
MUNI = HERE.parents[1] / "src" / "benchlearn" / "reference" / "municipalities.csv"


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


def jobindsats() -> None:
    d = HERE / "jobindsats"
    with open(MUNI, encoding="utf-8") as fh:
        munis = list(csv.DictReader(fh))
    pop = {}
    with open(RAW / "dst/DennisHedegreen_danish-politics-data/socioeconomic_raw/folk1a_total_pop.csv",
              encoding="utf-8-sig") as fh:
        for r in csv.reader(fh, delimiter=";"):
            if r[4] == "2022Q1":
                pop[r[0]] = int(r[5])
    rng = np.random.default_rng(20231)
    groups = [("Ydelsesgrupper i alt", 0.060), ("A-dagpenge mv.", 0.018), ("Sygedagpenge mv.", 0.017),
              ("Kontanthjælp mv.", 0.025)]
    pre = "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse: "
    pre2 = "Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse: "
    variables = [
        {"Name": "area", "Label": "Area", "Type": "Dimension"},
        {"Name": "period", "Label": "Periode", "Type": "Dimension"},
        {"Name": "_ygrp_y30r21", "Label": "Ydelsesgrupper", "Type": "Dimension"},
        {"Name": "y30r21_fa", "Label": pre + "Forventet antal", "Type": "Measurement"},
        {"Name": "y30r21_ka", "Label": pre + "Faktisk antal", "Type": "Measurement"},
        {"Name": "y30r21_fo", "Label": pre + "Forskel mellem forventet og faktisk antal", "Type": "Measurement"},
        {"Name": "y30r21_fp", "Label": pre2 + "Forventet andel (pct.)", "Type": "Measurement"},
        {"Name": "y30r21_kp", "Label": pre2 + "Faktisk andel (pct.)", "Type": "Measurement"},
        {"Name": "y30r21_dp", "Label": pre2 + "Forskel mellem forventet og faktisk andel (pct. point)", "Type": "Measurement"},
    ]
    data = []
    period = "2023QMAT04"
    for label, base in groups:
        tot_a = tot_e = tot_n = 0.0
        for m in munis:
            n = round(pop[m["navn_dst_en"]] * 0.64)
            e = round(n * base * float(np.exp(rng.normal(0, 0.25))))
            a = round(e * float(np.exp(rng.normal(0, 0.08))))
            tot_a, tot_e, tot_n = tot_a + a, tot_e + e, tot_n + n
            data.append([m["navn"], period, label, e, a, a - e, round(100 * e / n, 2), round(100 * a / n, 2),
                         round(100 * (a - e) / n, 2)])
        data.append(["Hele landet", period, label, tot_e, tot_a, tot_a - tot_e, round(100 * tot_e / tot_n, 2),
                     round(100 * tot_a / tot_n, 2), round(100 * (tot_a - tot_e) / tot_n, 2)])
        data.append(["RAR Fyn", period, label, 1, 1, 0, 1.0, 1.0, 0.0])
    answer = [{"TableID": "y30r21", "TableName": "Benchmark: forventet og faktisk antal fuldtidspersoner",
               "Variables": variables, "Data": data}]
    (d / "data_y30r21.json").write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    meta = [{"TableID": "y30r21", "TableName": "Benchmark: forventet og faktisk antal fuldtidspersoner",
             "SubjectID": "30", "SubjectName": "Jobcenterindblik",
             "Period": ["2022QMAT02", "2022QMAT04", "2023QMAT02", "2023QMAT04"],
             "Area": ["Hele landet", "RAR Fyn"] + [m["navn"] for m in munis],
             "Measurements": [{"ID": v["Name"], "Name": v["Label"]} for v in variables[3:]],
             "Dimensions": [{"DimensionID": "_ygrp_y30r21", "DimensionName": "Ydelsesgrupper",
                             "Values": [g for g, _ in groups]}]}]
    (d / "table_y30r21.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    tables = [{"TableID": "y30r21", "TableName": meta[0]["TableName"], "SubjectID": "30", "SubjectName": "Jobcenterindblik",
               "UpdateFrequency": "Halvårlig", "LatestPeriod": "2023QMAT04", "PeriodCategory": ["QMAT"],
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
