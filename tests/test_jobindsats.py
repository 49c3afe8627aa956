"""Jobindsats API v2 client against recorded answers (httpx.MockTransport)."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import httpx
import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.sources.cache import Cache, SourceUnreachable
from benchlearn.sources.jobindsats import JobindsatsClient, data_frame, to_benchmark

RECORDED = Path(__file__).resolve().parent / "recorded" / "jobindsats"
TOKEN = "test-key-0123456789"
AREA_OF = {"Ydelsesgrupper i alt": "total", "A-dagpenge mv.": "a_dagpenge", "Sygedagpenge mv.": "sygedagpenge",
           "Kontanthjælp mv.": "kontanthjaelp"}


class Recorder:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != self.token:
            return httpx.Response(401, content=(RECORDED / "error_401.json").read_bytes(),
                                  headers={"content-type": "application/json"})
        p = request.url.path.rstrip("/")
        files = {"/v2/tables/json": "tables.json", "/v2/tables/y30r21/json": "table_y30r21.json",
                 "/v2/data/y30r21/json": "data_y30r21.json"}
        if p in files:
            return httpx.Response(200, content=(RECORDED / files[p]).read_bytes(),
                                  headers={"content-type": "application/json; charset=utf-8"})
        return httpx.Response(404, json={"Message": f"No HTTP resource was found that matches {p}"})


def _client(rec: Recorder, token: str = TOKEN) -> JobindsatsClient:
    return JobindsatsClient(token=token, transport=httpx.MockTransport(rec))


def _recorded_rows() -> tuple[list[str], list[list]]:
    body = json.loads((RECORDED / "data_y30r21.json").read_text(encoding="utf-8"))[0]
    return [v["Label"] for v in body["Variables"]], body["Data"]


def test_missing_token_says_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBINDSATS_TOKEN", raising=False)
    with pytest.raises(SourceError) as ei:
        JobindsatsClient()
    assert "JOBINDSATS_TOKEN" in ei.value.da and "export JOBINDSATS_TOKEN" in ei.value.en
    assert "jobindsats@star.dk" in ei.value.en


def test_token_from_env_is_sent_as_authorization(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBINDSATS_TOKEN", f"  {TOKEN}\n")
    rec = Recorder()
    with JobindsatsClient(transport=httpx.MockTransport(rec)) as c:
        tables = c.tables()
    assert rec.requests[0].headers["Authorization"] == TOKEN
    assert str(rec.requests[0].url) == "https://api.jobindsats.dk/v2/tables/json"
    assert [t["TableID"] for t in tables] == ["y30r21", "y01a02"]


def test_bad_key_answer_is_a_source_error_with_its_message() -> None:
    rec = Recorder()
    with _client(rec, token="wrong") as c, pytest.raises(SourceError) as ei:
        c.table("y30r21")
    assert "HTTP 401" in ei.value.en
    assert "Authorization has been denied for this request." in ei.value.en
    assert "JOBINDSATS_TOKEN" in ei.value.da


def test_other_error_answer_names_status() -> None:
    with _client(Recorder()) as c, pytest.raises(SourceError) as ei:
        c.table("nosuchtable")
    assert "HTTP 404" in ei.value.en and "No HTTP resource" in ei.value.en


def test_metadata_and_latest_periods() -> None:
    with _client(Recorder()) as c:
        meta = c.table("Y30R21")
        latest = c.latest_periods("y30r21", 2)
    assert meta["TableID"] == "y30r21"
    assert latest == ["2022QMAT02", "2022QMAT04"]


def test_data_request_body() -> None:
    rec = Recorder()
    with _client(rec) as c:
        df = c.data("y30r21", ["2023QMAT04"], dimensions={"ygrp_y30r21": ["Ydelsesgrupper i alt"]})
    req = rec.requests[-1]
    assert req.method == "POST" and req.url.path == "/v2/data/y30r21/json"
    assert json.loads(req.content) == {"area": "*", "period": ["2023QMAT04"], "_ygrp_y30r21": ["Ydelsesgrupper i alt"]}
    cols, rows = _recorded_rows()
    assert list(df.columns) == cols and len(df) == len(rows)


def test_y30r21_becomes_the_benchmark_table() -> None:
    with _client(Recorder()) as c:
        bm = to_benchmark(c.data("y30r21", ["2022QMAT02", "2022QMAT04"]))
    assert list(bm.columns) == ["kommunekode", "period", "area", "actual", "expected", "persons",
                                "published_rank", "published_diff_pp"]
    assert set(bm["area"]) == {"total", "a_dagpenge", "sygedagpenge", "kontanthjaelp"}
    for _, g in bm.groupby(["period", "area"]):
        assert sorted(g["kommunekode"]) == sorted(reference.kommunekoder())
    # independent read of the recorded JSON (real rows): every value carried over exactly
    cols, rows = _recorded_rows()
    ia, ipe, ig = cols.index("Area"), cols.index("Periode"), cols.index("Ydelsesgrupper")
    ie = next(i for i, c in enumerate(cols) if c.endswith("Forventet antal"))
    ik = next(i for i, c in enumerate(cols) if c.endswith("Faktisk antal"))
    ifp = next(i for i, c in enumerate(cols) if c.endswith("Forventet andel (pct.)"))
    ir = cols.index("Placering på benchmarkranglisten")
    code = dict(zip(reference.municipalities()["navn"], reference.municipalities()["kommunekode"]))
    got = bm.set_index(["kommunekode", "period", "area"])
    tot_n = {(r[ia], r[ipe]): r[ie] / (float(r[ifp].replace(",", ".")) / 100) for r in rows if r[ig] == "Ydelsesgrupper i alt"}
    for r in rows:
        g = got.loc[(code[r[ia]], r[ipe], AREA_OF[r[ig]])]
        assert g["actual"] == r[ik] and g["expected"] == r[ie] and g["published_rank"] == r[ir]
        # residents 16–66 derived from the group "i alt": expected / expected share
        assert g["persons"] == pytest.approx(tot_n[(r[ia], r[ipe])], rel=1e-12)
    assert len(rows) == 2 * 4 * 98 == len(bm)


def test_aggregates_are_dropped() -> None:
    cols, rows = _recorded_rows()
    nyborg = [r for r in rows if r[0] == "Nyborg"]
    frame = pd.DataFrame([*nyborg, *(["Hele landet", *r[1:]] for r in nyborg), *(["RAR Fyn", *r[1:]] for r in nyborg)],
                         columns=cols)
    bm = to_benchmark(frame)
    assert set(bm["kommunekode"]) == {450} and len(bm) == len(nyborg)


def test_danish_number_strings() -> None:
    # Nyborg 2020QMAT02 as in the shared extract, with the counts written as Danish text
    groups = [("Ydelsesgrupper i alt", "2.010", "1.850", "9,39"), ("A-dagpenge mv.", "450", "460", "2,32"),
              ("Sygedagpenge mv.", "560", "510", "2,59"), ("Kontanthjælp mv.", "1.000", "880", "4,47")]
    df = pd.DataFrame([["Nyborg", "2020QMAT02", g, e, a, s] for g, e, a, s in groups],
                      columns=["Area", "Periode", "Ydelsesgrupper", "Forventet antal", "Faktisk antal", "Faktisk andel (pct.)"])
    bm = to_benchmark(df).set_index("area")
    r = bm.loc["total"]
    assert (r["kommunekode"], r["expected"], r["actual"]) == (450, 2010.0, 1850.0)
    # no expected share in this frame: the denominator falls back to actual / actual share of "i alt"
    assert r["persons"] == pytest.approx(1850 / 0.0939, rel=1e-12)
    assert (bm["persons"] == r["persons"]).all()


def test_unknown_area_or_group_is_a_data_error() -> None:
    base = ["2023QMAT04", "Ydelsesgrupper i alt", 10, 9]
    cols = ["Area", "Periode", "Ydelsesgrupper", "Forventet antal", "Faktisk antal"]
    with pytest.raises(DataError) as ei:
        to_benchmark(pd.DataFrame([["Nyborg", *base], ["Gotham", *base]], columns=cols))
    assert (ei.value.row, ei.value.value) == (2, "Gotham")
    bad = pd.DataFrame([["Nyborg", "2023QMAT04", "Pension", 1, 1]], columns=cols)
    with pytest.raises(DataError) as ei2:
        to_benchmark(bad)
    assert ei2.value.column == "Ydelsesgrupper" and ei2.value.value == "Pension"
    with pytest.raises(DataError):
        to_benchmark(pd.DataFrame([["Nyborg", "2023-H2", "Ydelsesgrupper i alt", 1, 1]], columns=cols))


def test_unexpected_shape_is_a_source_error() -> None:
    with pytest.raises(SourceError):
        data_frame(b'{"columns": [], "rows": []}')
    with pytest.raises(SourceError):
        data_frame(b"[]")


def test_fetch_benchmark_into_cache(tmp_path: Path) -> None:
    rec = Recorder()
    cache = Cache(tmp_path)
    with _client(rec) as c:
        entry = c.fetch_benchmark(cache)
    sent = json.loads(rec.requests[-1].content)
    assert sent["period"] == ["2022QMAT02", "2022QMAT04"] and sent["area"] == "*"
    raw = (RECORDED / "data_y30r21.json").read_bytes()
    assert entry.sha256 == hashlib.sha256(raw).hexdigest()
    assert cache.get("jobindsats", "y30r21.json") == raw


def test_unreachable() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with JobindsatsClient(token=TOKEN, transport=httpx.MockTransport(down)) as c, pytest.raises(SourceUnreachable) as ei:
        c.tables()
    assert "api.jobindsats.dk" in ei.value.da and not math.isnan(len(ei.value.en))


def test_fetch_command_fills_cache_when_online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchlearn.cli.commands.fetch import fetch_all

    monkeypatch.setenv("JOBINDSATS_TOKEN", TOKEN)
    rec = Recorder()
    out = fetch_all(["jobindsats"], tmp_path / "c", 2.0, transport=httpx.MockTransport(rec))
    assert [(o.source, o.status) for o in out] == [("jobindsats", "fetched")]
    assert Cache(tmp_path / "c").get("jobindsats", "y30r21.json") == (RECORDED / "data_y30r21.json").read_bytes()


def test_fetch_command_bad_key_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from benchlearn.cli.main import run

    monkeypatch.setenv("JOBINDSATS_TOKEN", "wrong-key")
    rec = Recorder()

    def answer(self, request):  # type: ignore[no-untyped-def]
        return rec(request)  # every real connection is answered from the recordings

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", answer)
    with pytest.raises(SystemExit) as ei:
        run(["--lang", "en", "fetch", "--what", "jobindsats", "--cache", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert ei.value.code == 2
    assert "HTTP 401" in err and "Authorization has been denied" in err and "Traceback" not in err
