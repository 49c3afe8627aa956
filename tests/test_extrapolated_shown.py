"""A municipality flagged as extrapolated says so wherever its result is shown (#13.3):
benchmark page, municipality page, API and PDF, in Danish and English — with the reason:
framework conditions outside the others' (leverage) or a result far from all others'
(``outlying``, BenchmarkConfig.outlier_z)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

from benchlearn.core import reference

sys.path.insert(0, str(Path(__file__).parent))
from test_web import _benchmark  # noqa: E402
from benchlearn.core.results import Run

NYBORG = 450
ODENSE = 461  # flagged as outlying (its result, not its conditions)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from benchlearn.store import Workspace
    from benchlearn.web import create_app

    path = tmp_path_factory.mktemp("extrap") / "w.duckdb"
    b = _benchmark(np.random.default_rng(3), reference.municipalities(), "2024", "total")
    b["leverage_ratio"] = np.where(b["kommunekode"] == NYBORG, 4.25, 1.0)
    b["outlying"] = b["kommunekode"] == ODENSE
    b["extrapolated"] = (b["kommunekode"] == NYBORG) | b["outlying"]
    with Workspace.open(path) as ws:
        ws.record(Run("benchmark", {"period": "2024", "area": "total"}, {"records": b}, {"simulated": True}), input_hash="x")
    return TestClient(create_app(path, warm=False))


def test_profile_page_says_extrapolated_in_both_languages(client):
    da = client.get(f"/kommune/{NYBORG}", headers={"Cookie": "lang=da"}).text
    assert 'id="kpi-extrapolated"' in da and "løftestang 4,2 gange gennemsnittet" in da
    en = client.get(f"/kommune/{NYBORG}", headers={"Cookie": "lang=en"}).text
    assert "leverage 4.2 times the average" in en
    other = client.get("/kommune/101", headers={"Cookie": "lang=da"}).text
    assert 'id="kpi-extrapolated"' not in other


def test_benchmark_page_marks_the_row(client):
    html = client.get("/benchmark", headers={"Cookie": "lang=da"}).text
    rows = html.split('id="bench-table"')[1].split("<tbody>")[1].split("</tbody>")[0].split("<tr>")
    row = next(r for r in rows if f'/kommune/{NYBORG}"' in r or f"/kommune/{NYBORG}?" in r)
    assert "Ekstrapoleret</td>" in row
    assert sum("Ekstrapoleret</td>" in r for r in rows) == 2  # Nyborg and Odense


def test_api_carries_the_flag(client):
    recs = client.get("/api/benchmark", params={"period": "2024", "area": "total"}).json()["records"]
    flagged = sorted(r["kommunekode"] for r in recs if r["extrapolated"])
    assert flagged == [NYBORG, ODENSE]
    assert [r["kommunekode"] for r in recs if r.get("outlying")] == [ODENSE]
    assert next(r for r in recs if r["kommunekode"] == NYBORG)["leverage_ratio"] == 4.25


def test_pdf_says_extrapolated(client):
    pypdf = pytest.importorskip("pypdf")
    r = client.get(f"/kommune/{NYBORG}.pdf", headers={"Cookie": "lang=da"})
    assert r.status_code == 200
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages).split())
    assert "Ekstrapoleret" in text and "4,2 gange" in text


def test_an_outlying_result_says_why(client):
    da = client.get(f"/kommune/{ODENSE}", headers={"Cookie": "lang=da"}).text
    assert 'id="kpi-extrapolated"' in da and "fire robuste standardafvigelser" in da and "løftestang" not in \
        da.split('id="kpi-extrapolated"')[1].split("</dd>")[0]
    en = client.get(f"/kommune/{ODENSE}", headers={"Cookie": "lang=en"}).text
    assert "four robust standard deviations" in en
    pypdf = pytest.importorskip("pypdf")
    r = client.get(f"/kommune/{ODENSE}.pdf", headers={"Cookie": "lang=da"})
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages).split())
    assert "Ekstrapoleret" in text and "fire robuste" in text
