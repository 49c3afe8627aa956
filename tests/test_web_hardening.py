"""Server hardening and safe downloads (audit #20.4 and #20.7).

- security headers on every response: pages, API, static files, downloads, 404s, cached answers;
- 0 live formulas in any CSV or XLSX download, negative numbers still numbers;
- the response cache bounded: junk parameters share one entry, distinct values stay inside the
  byte budget;
- a client that never finishes its headers is disconnected; a non-loopback host is warned about.
"""

from __future__ import annotations

import csv
import io
import re
import socket
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchlearn.report import tables as rtables
from benchlearn.web import hardening
from benchlearn.core.results import Run

PAYLOADS = ("=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1:A2)", "\tHYPERLINK(\"x\")", "\r=1")


def _client(path: Path | None):
    from fastapi.testclient import TestClient

    from benchlearn.web import create_app

    return TestClient(create_app(path, warm=False))


@pytest.fixture(scope="module")
def hostile_ws(tmp_path_factory) -> Path:
    """A workspace whose text values are formula payloads (in data and in result tables)."""
    from benchlearn.core import reference
    from benchlearn.data.dataset import Dataset
    from benchlearn.store import Workspace

    path = tmp_path_factory.mktemp("hostile") / "ws.duckdb"
    codes = reference.municipalities()["kommunekode"].to_numpy()[:12]
    act = pd.DataFrame([{"kommunekode": int(k), "period": "2023", "maalgruppe": "alle", "measure": PAYLOADS[i % len(PAYLOADS)],
                         "value": -1.5 * (i + 1)} for i, k in enumerate(codes)])
    bench = pd.DataFrame({"kommunekode": codes, "period": "2023", "area": "total", "navn": [PAYLOADS[i % 6] for i in range(len(codes))],
                          "actual": np.arange(len(codes)) + 100.0, "expected": 101.0, "diff_pp": -0.25, "ci_low_pp": -1.0,
                          "ci_high_pp": 0.5, "persons": 10_000.0})
    with Workspace.open(path) as ws:
        ws.ingest(Dataset.from_tables({"activity": act}))
        ws.record(Run("benchmark", {"period": "2023", "area": "total"}, {"records": bench}), input_hash="x")
    return path


def _live_formulas_xlsx(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return sum(len(re.findall(rb"<(?:\w+:)?f[ >]", z.read(n))) for n in z.namelist() if n.startswith("xl/worksheets/"))


def _live_formulas_csv(data: bytes) -> int:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    return sum(1 for r in rows for cell in r if cell.startswith(rtables._FORMULA_START) and not rtables._PLAIN_NUMBER.match(cell))


def test_no_live_formula_in_any_download(hostile_ws):
    c = _client(hostile_ws)
    names = c.app.state.data.get().available_tables()
    assert {"activity", "benchmark"} <= set(names)
    for name in names:
        x = c.get(f"/download/{name}.xlsx")
        s = c.get(f"/download/{name}.csv")
        assert x.status_code == 200 and s.status_code == 200
        assert _live_formulas_xlsx(x.content) == 0, name
        assert _live_formulas_csv(s.content) == 0, name
    # the payload is still there, as text, and negative numbers stay numbers
    back = pd.read_excel(io.BytesIO(c.get("/download/activity.xlsx?lang=da").content))  # Danish headings
    assert back["Mål"].str.startswith("'").sum() >= 8  # ingest strips the leading tab/CR of two payloads
    assert not back["Mål"].str.match(r"^[=+\-@\t\r]").any()
    assert pd.api.types.is_float_dtype(back["Værdi"]) and (back["Værdi"] < 0).all()


def test_defuse_keeps_plain_numbers_and_plain_text():
    assert rtables.defuse_text("-12") == "-12" and rtables.defuse_text("-3,5") == "-3,5"
    assert rtables.defuse_text("Nyborg") == "Nyborg" and rtables.defuse_text(-2.0) == -2.0
    assert rtables.defuse_text("-1+cmd") == "'-1+cmd"


def test_xlsx_download_is_the_same_bytes_twice():
    df = pd.DataFrame({"a": ["x", "=1"], "b": [1.5, -2.0]})
    first = rtables.encode(df, "xlsx")
    time.sleep(1.1)  # ZIP times have a resolution of 2 s, document times of 1 s
    assert rtables.encode(df, "xlsx") == first


def test_security_headers_on_every_response(hostile_ws):
    c = _client(hostile_ws)
    urls = ["/", "/?junk=1", "/benchmark", "/kommune/101", "/kommune/9999", "/ordninger", "/metode", "/data",
            "/docs", "/api/meta", "/api/benchmark", "/api/health", "/download/benchmark.csv", "/download/nope.csv",
            "/static/js/app.js", "/static/nope.js", "/no/such/page", "/openapi.json"]
    for u in urls + urls:  # the second round is answered from the cache (FastPath)
        r = c.get(u, follow_redirects=False)
        for name, value in hardening.SECURITY_HEADERS:
            assert r.headers.get(name.decode()) == value.decode(), (u, r.status_code, name)
    assert "frame-ancestors 'none'" in hardening.CSP


def test_junk_parameters_share_one_cache_entry(hostile_ws):
    c = _client(hostile_ws)
    cache = c.app.state.cache
    assert c.get("/benchmark").status_code == 200
    entries, held = len(cache._store), cache.held
    for i in range(1000):
        assert c.get(f"/benchmark?junk{i}={'x' * 50}&utm_source={i}").status_code == 200
    assert len(cache._store) == entries and cache.held == held


def test_cache_busting_values_stay_inside_the_byte_budget(hostile_ws):
    c = _client(hostile_ws)
    cache = c.app.state.cache
    cache.budget = 300_000  # a few pages' worth, so 200 distinct values must evict
    for i in range(200):
        assert c.get(f"/?period=bust{i}").status_code == 200
        assert cache.held <= cache.budget
    assert len(cache._store) < 200
    assert cache.held == sum(cache._size(v) for v in cache._store.values())


def test_normal_query_keeps_known_parameters_sorted():
    known = frozenset({"period", "area"})
    assert hardening.normal_query("area=a&junk=1&period=2023&lang=en", known) == "area=a&period=2023"
    assert hardening.normal_query("", known) == ""


@pytest.mark.parametrize("host,loop", [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("localhost", True),
                                       ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False)])
def test_loopback_detection(host, loop):
    assert hardening.is_loopback(host) is loop


def test_slow_header_client_is_disconnected(monkeypatch):
    import uvicorn

    monkeypatch.setattr(hardening, "HEADER_TIMEOUT", 0.5)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from benchlearn.web import create_app

    config = uvicorn.Config(create_app(None, warm=False), host="127.0.0.1", port=port, log_level="error",
                            http=hardening.http_protocol(), lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
            t0 = time.perf_counter()
            assert slow.recv(100) == b""  # closed by the server
            assert time.perf_counter() - t0 < 3
        with socket.create_connection(("127.0.0.1", port), timeout=5) as ok:  # a whole request is served
            ok.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert ok.recv(100).startswith(b"HTTP/1.1 200")
    finally:
        server.should_exit = True
        thread.join(10)


def test_serve_warns_beyond_loopback(monkeypatch, tmp_path, capsys):
    import uvicorn

    from benchlearn.web import app as webapp

    ws = tmp_path / "ws.duckdb"
    from benchlearn.store import Workspace

    Workspace.open(ws).close()
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    webapp.serve_workspace(ws, host="0.0.0.0", port=8150)
    assert calls and calls[0]["http"] is not None and calls[0]["limit_concurrency"]
    err = capsys.readouterr().err
    assert "Advarsel" in err and "0.0.0.0" in err
    webapp.serve_workspace(ws, host="127.0.0.1", port=8150)
    assert "Advarsel" not in capsys.readouterr().err
