"""Write the recorded Statbank answers for the municipal accounts (REGK31), used by tests/test_accounts.py.

*Reconstructed*, not captured: the variables and value texts follow Statistics Denmark's
public documentation of REGK31 (kommunernes regnskaber på hovedkonti efter område,
funktion, dranst, art og prisenhed; 1.000 kr.), in the API's documented ``tableinfo``
JSON and ``BULK`` CSV shapes; the network is closed where the tests run. The amounts are
invented (about 3,000 kr per resident for the employment effort, 35 % administration).
Run: python tests/recorded/make_recorded_accounts.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent / "statbank"

FUNCTIONS = [
    ("56890", "5.68.90 Driftsudgifter til den kommunale beskæftigelsesindsats"),
    ("56891", "5.68.91 Beskæftigelsesindsats for forsikrede ledige"),
    ("56895", "5.68.95 Løn til forsikrede ledige ansat i kommuner"),
    ("56896", "5.68.96 Servicejob"),
    ("56897", "5.68.97 Seniorjob til personer over 55 år"),
    ("56898", "5.68.98 Beskæftigelsesordninger"),
    ("64551", "6.45.51 Jobcentre"),
]
AREAS = [("000", "Hele landet"), ("084", "Region Hovedstaden"), ("101", "København"), ("450", "Nyborg"),
         ("825", "Læsø")]
YEARS = ["2022", "2023", "2024"]
# 1,000 kr per function for the three municipalities (invented), growing 3 % a year
BASE = {"101": [1_450_000, 310_000, 40_000, 25_000, 60_000, 90_000, 980_000],
        "450": [52_000, 11_000, 1_500, 900, 2_100, 3_000, 35_000],
        "825": [1_100, 230, 0, 0, 60, 70, 800]}


def main() -> None:
    info = {
        "id": "REGK31", "text": "Kommunernes regnskaber på hovedkonti",
        "description": "Kommunernes regnskaber på hovedkonti (1.000 kr.) efter område, funktion, dranst, art, prisenhed og tid",
        "unit": "1.000 kr.", "suppressedDataValue": "0", "updated": "2026-05-20T08:00:00", "active": True,
        "variables": [
            {"id": "OMRÅDE", "text": "område", "elimination": True, "time": False,
             "values": [{"id": i, "text": t} for i, t in AREAS]},
            {"id": "FUNKTION", "text": "funktion", "elimination": True, "time": False,
             "values": [{"id": "TOT", "text": "I alt"}] + [{"id": i, "text": t} for i, t in FUNCTIONS]},
            {"id": "DRANST", "text": "dranst", "elimination": True, "time": False,
             "values": [{"id": "1", "text": "1 Drift"}, {"id": "2", "text": "2 Statsrefusion"},
                        {"id": "3", "text": "3 Anlæg"}]},
            {"id": "ART", "text": "art", "elimination": True, "time": False,
             "values": [{"id": "TOT", "text": "Udgifter i alt"}, {"id": "NET", "text": "Nettoudgifter"},
                        {"id": "IND", "text": "Indtægter"}]},
            {"id": "PRISENHED", "text": "prisenhed", "elimination": True, "time": False,
             "values": [{"id": "LOBM", "text": "Løbende priser"}, {"id": "FAST", "text": "Faste priser"}]},
            {"id": "Tid", "text": "tid", "elimination": False, "time": True,
             "values": [{"id": y, "text": y} for y in YEARS]},
        ],
    }
    (HERE / "tableinfo_REGK31_da.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD"]
    for code, name in AREAS:
        for j, (_, ftext) in enumerate(FUNCTIONS):
            for t, y in enumerate(YEARS):
                if code in BASE:
                    v = round(BASE[code][j] * 1.03**t)
                    val = str(v) if v else ".."  # Læsø has no such scheme: not published
                else:  # aggregates: the API sends them too; the reader drops them
                    v = round(sum(b[j] for b in BASE.values()) * 30 * 1.03**t)
                    val = str(v)
                lines.append(f"{name};{ftext};1 Drift;Udgifter i alt;Løbende priser;{y};{val}")
    (HERE / "data_REGK31_bulk_da.csv").write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))


if __name__ == "__main__":
    main()
