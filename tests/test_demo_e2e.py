"""End to end, open-model view: the demo's real analyses -> workspace -> web pages and API (`benchlearn demo --view model`).

The web tests (test_web.py) use fabricated result tables; this one checks the wiring of
the real modules: every analysis stores runs the web layer can read, for all 98.
"""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from benchlearn.demo import build_demo_workspace
from benchlearn.store import Workspace
from benchlearn.web.app import create_app

PERIODS = ("2023", "2024")


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory, raw_data_dir):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    counts = build_demo_workspace(path, seed=11, periods=PERIODS, view="model")
    return path, counts


@pytest.fixture(scope="module")
def client(demo_ws):
    return TestClient(create_app(demo_ws[0], warm=False))


def test_every_analysis_stored_runs(demo_ws):
    path, counts = demo_ws
    assert all(n > 0 for n in counts.values()), counts
    with Workspace.open(path, read_only=True) as ws:
        kinds = set(ws.runs()["kind"])
        assert {"benchmark", "classification", "scheme_comparison", "peers", "dea", "costs", "surveys"} <= kinds
        recs = ws.latest_results("benchmark", "records", period="2024", area="total")
        assert len(recs) == 98 and recs["kommunekode"].is_unique
        assert recs["simulated"].all()  # total mixes simulated ydelser with the real kontanthjælp
        assert (recs["ci_low_pp"] <= recs["diff_pp"]).all() and (recs["diff_pp"] <= recs["ci_high_pp"]).all()


def test_pages_render_with_banner_and_no_missing_values(client):
    for path in ("/", "/benchmark", "/kommune/450", "/ordninger", "/metode", "/undersoegelser", "/data", "/kommune/450?lang=en"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert ("Simulerede tal" in r.text) or ("Simulated" in r.text), path
        assert ">nan<" not in r.text.lower() and "NaN %" not in r.text, path


def test_nyborg_profile_has_result_interval_schemes_and_partners(client):
    j = client.get("/api/kommune/450").json()
    head = j["headline"]
    assert head["kommunekode"] == 450 and head["period"] == "2024"
    assert head["ci_low_pp"] <= head["diff_pp"] <= head["ci_high_pp"]
    assert math.isclose(head["diff_pp"], 100 * (head["actual_share"] - head["expected_share"]), rel_tol=1e-9, abs_tol=1e-12)
    schemes = {c["scheme"] for c in j["classification"]}
    assert {"star-2020", "star-2021", "kl-results-first", "results-only", "kl-2024-tiers"} <= schemes
    assert all(c["reason"] for c in j["classification"])
    assert len(j["peers"]) == 10 and 450 not in {p["peer_kommunekode"] for p in j["peers"]}
    assert all(p["learning_partner"] for p in j["learning_partners"])
    html = client.get("/kommune/450?lang=da").text  # an earlier ?lang=en set the language cookie
    assert "Nyborg" in html and "læringspartnere" in html.lower()


def test_pdf_report_for_nyborg(client):
    r = client.get("/kommune/450.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
