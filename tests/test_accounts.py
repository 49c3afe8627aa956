"""Municipal accounts (REGK31, function 5.68 and 6.45.51) through the Statbank client into ``costs``.

The recorded answers in tests/recorded/statbank/ are reconstructed in the API's documented
shape from Statistics Denmark's public table documentation, with invented amounts (see
tests/recorded/make_recorded_accounts.py); the network is closed here. The expected sums are
recomputed from the recorded CSV with the csv module, independently of pandas and the parser.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from benchlearn.core.errors import DataError
from benchlearn.sources.accounts import ACCOUNT_EXTRACTS, CATEGORY_OF_FUNCTION, to_costs
from benchlearn.sources.cache import Cache
from benchlearn.sources.statbank import StatbankClient, parse_statbank_csv, to_kommune

RECORDED = Path(__file__).parent / "recorded" / "statbank"
DATA = RECORDED / "data_REGK31_bulk_da.csv"


def _serve(requests: list):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path.endswith("/tableinfo"):
            return httpx.Response(200, content=(RECORDED / "tableinfo_REGK31_da.json").read_bytes(),
                                  headers={"content-type": "application/json; charset=utf-8"})
        return httpx.Response(200, content=DATA.read_bytes(), headers={"content-type": "text/csv; charset=utf-8"})

    return handler


def _by_hand() -> dict:
    """(kommune name, year, category) -> kroner, from the CSV text with the csv module."""
    out: dict = {}
    rows = csv.reader(io.StringIO(DATA.read_bytes().decode("utf-8-sig")), delimiter=";")
    next(rows)
    for area, func, _d, _a, _p, year, value in rows:
        if area in ("Hele landet", "Region Hovedstaden") or value == "..":
            continue
        cat = CATEGORY_OF_FUNCTION[func[:7]]
        out[(area, year, cat)] = out.get((area, year, cat), 0.0) + float(value) * 1000.0
    return out


def test_regk31_request_and_costs_table(tmp_path):
    requests: list = []
    ex = ACCOUNT_EXTRACTS["regk31_beskaeftigelse"]
    with StatbankClient(transport=httpx.MockTransport(_serve(requests))) as c:
        entry = c.fetch_extract(ex, Cache(tmp_path))
    sent = json.loads(requests[-1].content)
    assert sent["table"] == "REGK31" and sent["format"] == "BULK" and sent["lang"] == "da"
    sel = {v["code"]: v["values"] for v in sent["variables"]}
    # the function patterns resolve to the seven function ids, not to the total
    assert sorted(sel["FUNKTION"]) == ["56890", "56891", "56895", "56896", "56897", "56898", "64551"]
    assert sel["DRANST"] == ["1"] and sel["ART"] == ["TOT"] and sel["PRISENHED"] == ["LOBM"]
    tidy = to_kommune(parse_statbank_csv(entry.path.read_bytes(), table="REGK31"))
    costs = to_costs(tidy)
    assert set(costs["kommunekode"]) == {101, 450, 825}  # aggregates dropped
    assert set(costs["category"]) == {"administration", "aktive_tilbud", "other"}
    names = {101: "København", 450: "Nyborg", 825: "Læsø"}
    want = _by_hand()
    assert len(costs) == len(want)
    for r in costs.itertuples():
        # sums of integers × 1000: exact in double precision
        assert r.dkk == pytest.approx(want[(names[r.kommunekode], r.period, r.category)], rel=1e-15)


def _nyborg_line_changed(old: str, new: str) -> tuple[DataError, int]:
    """to_costs on the recorded answer with ``old`` -> ``new`` in Nyborg's first line;
    returns the error and that line's number in the file (header = 1)."""
    text = DATA.read_bytes().decode("utf-8-sig").splitlines()
    i = next(j for j, line in enumerate(text) if line.startswith("Nyborg"))
    text[i] = text[i].replace(old, new)
    tidy = to_kommune(parse_statbank_csv("\n".join(text), table="REGK31"))
    with pytest.raises(DataError) as e:
        to_costs(tidy)
    return e.value, i + 1


def test_regk31_two_price_units_refused_with_line():
    err, line = _nyborg_line_changed("Løbende priser", "Faste priser")
    msg = str(err)
    assert "PRISENHED" in msg and "Faste priser" in msg and str(line) in msg


def test_regk31_unknown_function_refused():
    err, line = _nyborg_line_changed("5.68.90 Driftsudgifter", "5.46.61 Andet")
    assert "FUNKTION" in str(err) and "5.46.61" in str(err) and str(line) in str(err)
