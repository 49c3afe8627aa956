"""The integration page, downloads, API and PDF (#16.4): stored runs shown in Danish, the
same numbers as the stored tables and an independent count on the inputs."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from benchlearn.core import reference
from benchlearn.report.formatting import fmt_num
from benchlearn.runs.integration_runs import by_origin_table, store_default_runs
from benchlearn.simulator import simulate
from benchlearn.store import Workspace
from benchlearn.web.app import create_app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    sim = simulate(seed=11)
    ws_path = tmp_path_factory.mktemp("integ_ws") / "ws.duckdb"
    with Workspace.open(str(ws_path)) as ws:
        ws.ingest(sim.dataset)
        ids = store_default_runs(ws, sim.dataset)
    assert any(i.startswith("integration_peers") for i in ids) and any(i.startswith("by_origin") for i in ids)
    return sim, ws_path, TestClient(create_app(str(ws_path), warm=False))


def _visible(html: str) -> str:
    body = html.split("<main", 1)[-1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_by_origin_table_is_an_independent_count(site):
    sim, _, _ = site
    t = by_origin_table(sim.dataset)
    so, po = sim.tables["support_origin"], sim.tables["population_origin"]
    ys = set(reference.integration_ydelser("integration"))
    for (k, p, g), grp in so[so["ydelse"].isin(ys)].groupby(["kommunekode", "period", "origin_group"]):
        row = t[(t["kommunekode"] == k) & (t["period"] == p) & (t["origin_group"] == g)].iloc[0]
        n = po[(po["kommunekode"] == k) & (po["period"] == p) & (po["origin_group"] == g)]["persons"].iloc[0]
        assert row["fuldtidspersoner_integration"] == grp["fuldtidspersoner"].sum()  # integer counts: exact
        assert row["share_integration_pct"] == pytest.approx(100 * grp["fuldtidspersoner"].sum() / n, rel=1e-12)


def test_page_in_danish_with_the_stored_numbers(site):
    sim, _, c = site
    r = c.get("/integration")
    assert r.status_code == 200
    text = _visible(r.text)
    assert "Integration: ikke-vestlige indvandrere og efterkommere" in text
    assert "ikke_vestlig" not in text and "origin_group" not in text  # no raw codes
    # the national row of non-Western residents: the sums of the inputs, formatted as on every page
    last = sim.periods[-1]
    so, po = sim.tables["support_origin"], sim.tables["population_origin"]
    ys = set(reference.integration_ydelser("integration"))
    n = po[(po["period"] == last) & (po["origin_group"] == "ikke_vestlig")]["persons"].sum()
    o = so[(so["period"] == last) & (so["origin_group"] == "ikke_vestlig") & so["ydelse"].isin(ys)]["fuldtidspersoner"].sum()
    assert f"Ikke-vestlige indvandrere og efterkommere {fmt_num(n, 0)} {fmt_num(o, 0)} {fmt_num(100 * o / n, 1)}" in text
    # the integration benchmark: 98 rows, the best first
    rows = re.findall(r'<table id="integration-benchmark".*?</table>', r.text, flags=re.S)[0]
    assert rows.count("data-kommune=") == 98
    # learning partners: as many rows as the stored run flags
    peers = c.get("/download/integration_peers.csv")
    assert peers.status_code == 200
    dl = pd.read_csv(io.BytesIO(peers.content), sep=";", decimal=",", encoding="utf-8-sig")
    lp_col = next(col for col in dl.columns if "learning_partner" in col or "læringspartner" in col.lower())
    n_lp = int(dl[lp_col].astype(str).str.lower().isin({"true", "ja", "1"}).sum())
    part = re.findall(r'<table id="integration-partners".*?</table>', r.text, flags=re.S)
    assert (part[0].count("<tr>") - 1 if part else 0) == n_lp
    en = _visible(c.get("/integration?lang=en").text)
    assert "Integration: non-Western immigrants and descendants" in en


def test_benchmark_page_api_and_pdf_carry_the_integration_target(site):
    _, _, c = site
    b = c.get("/benchmark?area=integration&lang=da")
    assert b.status_code == 200 and "ikke-vestlige indvandrere" in _visible(b.text)
    api = c.get("/api/benchmark?area=integration").json()
    recs = api.get("records", api) if isinstance(api, dict) else api
    assert len(recs) == 98
    pdf = c.get("/kommune/450.pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    d = c.get("/download/by_origin.csv")
    assert d.status_code == 200 and len(d.content.splitlines()) == 1 + 98 * 4 * 3


def test_integration_projects_are_the_efforts_rows(site):
    sim, _, c = site
    from benchlearn.benchlearning.catalogue import integration_methods

    e = sim.tables["efforts"]
    codes = {m.code for m in integration_methods()}
    want = e[(e["target_group"] == "integration") | e["method"].isin(codes)]
    html = c.get("/integration?lang=da").text
    table = re.findall(r'<table id="integration-projects".*?</table>', html, flags=re.S)
    assert len(want) > 0 and table and table[0].count("<tr>") - 1 == len(want)
    assert "igu" not in _visible(table[0])  # method names, not codes
    assert html.count("<li><strong>") >= len(codes)  # the catalogue's integration methods are listed
