"""The comparator of the municipality page (issue 18, build 2): the country, the region or the
peers, chosen with ``?sammenlign=``, on every chart of the page where a comparison makes
sense — checked against means computed here with pandas from test_web's fabricated tables,
not from the code under test. Also: the English labels, links that keep the choice, and the
definitions that are one click away and the same text as docs/DEFINITIONS.md.

Tolerances: the page's figures carry the mean as a float64 computed over the same stored
numbers, only summed in another order, so they agree to ``rel 1e-12`` (about 10⁴ ulps of a
mean of ≤ 98 values of order 1, far below any difference a person could read); the caption
prints the mean with two decimals, so it agrees within half of its last digit (0.005).
"""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.core.i18n import set_lang
from benchlearn.report import definitions as defs
from benchlearn.report import text as tx
from test_web import AREAS, NYBORG, PERIODS, _truth, fake_ws  # noqa: F401 — fixture

REL = 1e-12
_FIG = re.compile(r'<script type="application/json" id="([^"]*)-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def client(fake_ws):
    from fastapi.testclient import TestClient

    from benchlearn.web import create_app

    return TestClient(create_app(fake_ws[0], warm=False))


def figs(page: str) -> dict[str, dict]:
    return {m.group(1): json.loads(m.group(2).replace("<\\/", "</")) for m in _FIG.finditer(page)}


def comparator_trace(fig: dict) -> dict:
    (tr,) = [t for t in fig["data"] if t.get("meta") == "comparator"]
    return tr


def members(tables, which: str, period: str) -> set[int]:
    """The comparator's municipalities, from the reference list and the stored peers table."""
    muni = reference.municipalities().set_index("kommunekode")["region"]
    if which == "land":
        return set(_truth(tables, "benchmark", period=period, area="total")["kommunekode"].astype(int))
    if which == "region":
        return {int(k) for k, r in muni.items() if r == muni[NYBORG]}
    peers = _truth(tables, "peers", kommunekode=NYBORG, period=period)["peer_kommunekode"].astype(int)
    return set(peers) - {NYBORG}


def expected_mean(tables, which: str, period: str, area: str) -> tuple[float, int]:
    b = _truth(tables, "benchmark", period=period, area=area)
    v = b[b["kommunekode"].astype(int).isin(members(tables, which, PERIODS[-1]))]["diff_pp"].dropna()
    return float(v.mean()), len(v)


@pytest.mark.parametrize("which", ["land", "region", "peers"])
def test_every_chart_compares_with_the_chosen_comparator(client, fake_ws, which):
    _, tables = fake_ws
    p = PERIODS[-1]
    page = client.get("/kommune/450", params={"sammenlign": which, "lang": "da"}).text
    f = figs(page)
    want, n = expected_mean(tables, which, p, "total")
    assert n == len(members(tables, which, p)) and n > 1
    # the caption says which comparator, how many municipalities, and the mean it prints
    cap = re.search(r'<div class="caption" id="comparator-caption" data-comparator="(\w+)" data-n="(\d+)">(.*?)<details',
                    page, re.S)
    assert cap and cap.group(1) == which and int(cap.group(2)) == n
    text = htmllib.unescape(cap.group(3))
    assert tx.say(f"comparator.{which}") in text and f"{n} kommuners" in text
    printed = float(re.search(r":\s*([−\-]?\d+,\d+) pp", text).group(1).replace("−", "-").replace(",", "."))
    assert printed == pytest.approx(want, abs=0.005)
    # trend: the comparator's mean of the same members in every period
    tr = comparator_trace(f["fig-trend"])
    for period, y in zip(tr["x"], tr["y"], strict=True):
        assert y == pytest.approx(expected_mean(tables, which, period, "total")[0], rel=REL)
    assert tr["name"] == tx.say("comparator.legend", name=tx.say(f"comparator.{which}"), n=n)
    # spine and areas: one mark per area
    spine = comparator_trace(f["spine"])
    areas = comparator_trace(f["fig-areas"])
    by_area = _truth(tables, "benchmark", kommunekode=NYBORG, period=p)
    by_area = by_area[by_area["area"].isin(set(reference.area_codes()))]
    for a, x in zip(by_area["area"], areas["x"], strict=True):
        assert x == pytest.approx(expected_mean(tables, which, p, a)[0], rel=REL)
    assert len(spine["customdata"]) == len(AREAS)
    assert sorted(spine["customdata"]) == pytest.approx(sorted(expected_mean(tables, which, p, a)[0] for a in AREAS),
                                                        rel=REL)
    # the municipality among its peers: the comparator as a line at its mean
    line = comparator_trace(f["peers-chart"])
    assert line["x"] == pytest.approx([want] * len(line["x"]), rel=REL)
    assert len(line["y"]) == len(f["peers-chart"]["data"][0]["y"])
    # surveys: the members' mean score per dimension, suppressed cells (no score) not counted
    sv = tables["surveys"]
    sv = sv[~sv["suppressed"].astype(bool)]
    own = sv[sv["kommunekode"] == NYBORG]
    others = sv[sv["kommunekode"].isin(members(tables, which, p))]
    got = comparator_trace(f["fig-surveys"])["x"]
    assert got == pytest.approx([others.loc[others["dimension"] == d, "score"].mean() for d in own["dimension"]], rel=REL)
    # the choice is the page's state: the period links and the peer links keep it, the default does not spell it
    peer_links = re.findall(r'<a href="(/kommune/\d+[^"]*)"', page.split('id="peer-table"')[1].split("</table>")[0])
    assert peer_links
    for link in peer_links:
        assert (f"sammenlign={which}" in link) == (which != "land"), link
    assert re.search(r'<a href="[^"]*" data-comparator="%s" aria-current="true">' % which, page)


def test_spine_table_has_the_three_comparators(client, fake_ws):
    _, tables = fake_ws
    page = client.get("/kommune/450", params={"lang": "da"}).text
    body = page.split('id="spine-table"')[1].split("</table>")[0]
    head = body.split("</thead>")[0]
    assert tx.say("comparator.national_mean") in head and tx.say("spine.region_mean") in head
    set_lang("da")
    try:
        total = htmllib.escape(tx.area_label("total"), quote=False)
    finally:
        set_lang(None)
    row = body.split(f'<th scope="row">{total}</th>')[1].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    # columns: diff, interval, tier, rank, national, region, peers, trend
    nat, reg, peer = (float(c.replace("−", "-").replace(",", ".")) for c in cells[4:7])
    for got, which in ((nat, "land"), (reg, "region"), (peer, "peers")):
        assert got == pytest.approx(expected_mean(tables, which, PERIODS[-1], "total")[0], abs=0.005)


def test_english_page_uses_the_english_labels(client):
    page = client.get("/kommune/450", params={"sammenlign": "region", "lang": "en"}).text
    set_lang("en")
    try:
        for key in ("comparator.choose", "comparator.land", "comparator.region", "comparator.peers", "definition.label"):
            assert htmllib.escape(tx.say(key), quote=False) in page or tx.say(key) in htmllib.unescape(page), key
        assert "Comparison: The region (Region Syddanmark)" in htmllib.unescape(page)
        assert htmllib.unescape(defs.definition("diff_pp")) in htmllib.unescape(page)
    finally:
        set_lang(None)
    assert "Sammenlign med" not in page and "Landsgennemsnit" not in page
    assert re.search(r'href="[^"]*lang=en[^"]*" data-comparator="peers"', page)  # the choice links stay English


def test_unknown_choice_is_the_default_and_peers_fall_back_when_none_are_stored(client, fake_ws, monkeypatch):
    from benchlearn.report.comparator import comparator
    from benchlearn.report.site_data import read_workspace

    page = client.get("/kommune/450", params={"sammenlign": "nonsense", "lang": "da"}).text
    assert 'data-comparator="land" data-n="98"' in page
    data = read_workspace(fake_ws[0])
    assert comparator(data, NYBORG, PERIODS[-1], "peers").key == "peers"
    monkeypatch.setattr(data, "for_kommune", lambda name, k: None)  # a workspace without stored peers
    assert comparator(data, NYBORG, PERIODS[-1], "peers").key == "land"


def test_every_definition_shown_is_the_docs_text_and_on_the_pages(client):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "DEFINITIONS.md").read_text(encoding="utf-8")
    for lang_, tag in (("en", "- en: "), ("da", "- da: ")):
        set_lang(lang_)
        try:
            for m in defs.DEFINITIONS:
                assert f"## `{m}`" in doc and f"{tag}{defs.definition(m)}\n" in doc, (lang_, m)
        finally:
            set_lang(None)
    assert doc.count("## `") == len(defs.DEFINITIONS)
    kommune = htmllib.unescape(client.get("/kommune/450", params={"lang": "da"}).text)
    bench = htmllib.unescape(client.get("/benchmark", params={"lang": "da"}).text)
    metode = htmllib.unescape(client.get("/metode", params={"lang": "da"}).text)
    for m in ("diff_pp", "interval", "tier", "rank", "comparator", "distance", "learning_partner", "full_time_persons"):
        assert defs.definition(m) in kommune, m
    for m in ("diff_pp", "interval", "rank", "funnel", "tier", "full_time_persons"):
        assert defs.definition(m) in bench, m
    for m in defs.DEFINITIONS:  # the disclosure's link goes to an anchor that exists
        assert f'id="def-{m}"' in metode and defs.definition(m) in metode
