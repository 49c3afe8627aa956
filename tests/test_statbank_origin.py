"""Statbank by origin (#16.3): FOLK1E through the client (recorded answers), the shaper
against an independent count on the answer itself, and refusals naming line and value."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from benchlearn.core.errors import DataError
from benchlearn.data.dataset import Dataset
from benchlearn.sources.cache import Cache
from benchlearn.sources.statbank import StatbankClient
from benchlearn.sources.statbank_origin import ORIGIN_EXTRACT, cached_origin_tables, origin_tables

RECORDED = Path(__file__).resolve().parent / "recorded" / "statbank"
DATA = RECORDED / "data_FOLK1E_bulk_en.csv"
CODES = {"Copenhagen": 101, "Nyborg": 450, "Aarhus": 751, "Læsø": 825}
GROUP = {"Persons of Danish origin": "dansk", "Immigrants from western countries": "vestlig",
         "Descendants from western countries": "vestlig", "Immigrants from non-western countries": "ikke_vestlig",
         "Descendants from non-western countries": "ikke_vestlig"}


class Recorder:
    def __init__(self) -> None:
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        self.bodies.append(body)
        if request.url.path.endswith("/tableinfo") and body.get("table") == "FOLK1E":
            return httpx.Response(200, content=(RECORDED / "tableinfo_FOLK1E_en.json").read_bytes(),
                                  headers={"content-type": "application/json"})
        if request.url.path.endswith("/data") and body.get("table") == "FOLK1E":
            return httpx.Response(200, content=DATA.read_bytes(), headers={"content-type": "text/csv"})
        return httpx.Response(404, text="not found")


def _independent() -> tuple[dict, dict]:
    """Residents 16–66 and those 50–66 per (kommunekode, year, group), by the csv module."""
    tot, old = defaultdict(float), defaultdict(float)
    with DATA.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            if r["OMRÅDE"] not in CODES or r["HERKOMST"] == "Total":
                continue
            k = (CODES[r["OMRÅDE"]], r["TID"][:4], GROUP[r["HERKOMST"]])
            tot[k] += float(r["INDHOLD"])
            if int(r["ALDER"].split()[0]) >= 50:
                old[k] += float(r["INDHOLD"])
    return tot, old


def test_fetch_resolves_the_selection_and_the_tables_equal_an_independent_count(tmp_path):
    rec = Recorder()
    cache = Cache(tmp_path / "c")
    with StatbankClient(transport=httpx.MockTransport(rec)) as c:
        c.fetch_extract(ORIGIN_EXTRACT, cache)
    sel = {v["code"]: v["values"] for v in rec.bodies[-1]["variables"]}
    assert sel["ALDER"] == [str(a) for a in range(16, 67)] and sel["KØN"] == ["TOT"]
    assert sel["HERKOMST"] == ["*"] and sel["Tid"] == ["2023K1", "2024K1"]
    t = cached_origin_tables(cache)
    tot, old = _independent()
    pop = t["population_origin"]
    assert len(pop) == len(tot) == 4 * 2 * 3
    for r in pop.itertuples():
        assert r.persons == tot[(r.kommunekode, r.period, r.origin_group)]  # integer counts: exact
    fw = t["framework_origin"]
    o = fw[fw["variable"] == "andel_50_66"]
    for r in o.itertuples():
        k = (r.kommunekode, r.period, r.origin_group)
        assert r.value == pytest.approx(100 * old[k] / tot[k], rel=1e-12)
    # contract tables, not simulated
    ds = Dataset.from_tables(t)
    assert not ds.is_simulated("population_origin") and ds.has("framework_origin")


def test_empty_cache_gives_no_tables(tmp_path):
    assert cached_origin_tables(Cache(tmp_path / "empty")) == {}


def _edit(old: str, new: str) -> bytes:
    text = DATA.read_text(encoding="utf-8-sig")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


@pytest.mark.parametrize(("old", "new", "column", "value"), [
    ("Nyborg;Total;16 years;Immigrants from western countries", "Nyborg;Total;16 years;Immigrants from Mars",
     "HERKOMST", "Immigrants from Mars"),
    ("Nyborg;Total;16 years;Total;2023Q1", "Nyborg;Total;67 years;Total;2023Q1", "ALDER", "67 years"),
    ("Nyborg;Total;16 years;Total;2023Q1", "Nyborg;Total;16 years;Total;2023Q2", "TID", "2023Q2"),
])
def test_bad_values_are_refused_naming_line_column_and_value(old, new, column, value):
    content = _edit(old, new)
    line = next(i for i, s in enumerate(content.decode("utf-8-sig").splitlines(), start=1) if s.startswith(new))
    with pytest.raises(DataError) as e:
        origin_tables(content)
    assert e.value.row == line and e.value.column == column and value in str(e.value.en)


def test_groups_that_do_not_add_up_are_refused():
    text = DATA.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    i = next(j for j, r in enumerate(rows) if r[0] == "Aarhus" and r[3] == "Persons of Danish origin")
    rows[i][5] = str(int(rows[i][5]) + 7)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    with pytest.raises(DataError) as e:
        origin_tables(out.getvalue())
    assert "751" in str(e.value.en) and "Total" in str(e.value.en)


def test_fetch_knows_the_extract():
    from benchlearn.cli.commands.fetch import _statbank_extracts

    assert _statbank_extracts()[ORIGIN_EXTRACT.name] is ORIGIN_EXTRACT
