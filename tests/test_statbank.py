"""Statbank client (recorded answers via httpx.MockTransport), StatBank CSV parser on the
real extracts, the cache, and ``benchlearn fetch`` offline."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.sources.cache import Cache, SourceUnreachable
from benchlearn.sources.statbank import (
    STATBANK_EXTRACTS,
    StatbankClient,
    classify_area,
    parse_statbank_csv,
    read_statbank_csv,
    to_contract,
    to_kommune,
)

RECORDED = Path(__file__).resolve().parent / "recorded" / "statbank"
RAW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
SOCIO = RAW / "dst" / "DennisHedegreen_danish-politics-data" / "socioeconomic_raw"
needs_raw = pytest.mark.skipif(not SOCIO.is_dir(), reason="real extracts in ../shared/data/raw absent")

AGGREGATE_LABELS = {"All Denmark", "Christiansø", "Abroad", "Outside Denmark", "Not stated", "Not stated municipality"}


def _independent_read(path: Path) -> list[dict[str, str]]:
    """Read a StatBank extract with the csv module only (independent of the parser)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


# ------------------------------------------------------------------ parser, real data


@needs_raw
@pytest.mark.parametrize("path", sorted(SOCIO.glob("*.csv")) if SOCIO.is_dir() else [], ids=lambda p: p.name)
def test_every_real_extract_parses_to_exactly_the_98(path: Path) -> None:
    tidy = to_kommune(read_statbank_csv(path))
    assert set(tidy["kommunekode"]) == set(reference.kommunekoder())
    assert len(reference.kommunekoder()) == 98
    rows = _independent_read(path)
    area_col = next(c for c in rows[0] if c in ("OMRÅDE", "BOPOMR", "BOPKOM"))
    labels = {r[area_col] for r in rows}
    # every row of a municipality survives, every aggregate row is gone
    n_muni_rows = sum(1 for r in rows if not (r[area_col] in AGGREGATE_LABELS or r[area_col].startswith(("Region ", "Province "))))
    assert len(tidy) == n_muni_rows
    assert "Copenhagen" in labels and 101 in set(tidy["kommunekode"])
    assert 411 not in set(tidy["kommunekode"])


@needs_raw
def test_copenhagen_value_is_copied_exactly() -> None:
    path = SOCIO / "auk01_social_assistance.csv"
    rows = _independent_read(path)
    want = {r["TID"]: float(r["INDHOLD"]) for r in rows if r["OMRÅDE"] == "Copenhagen"}
    tidy = to_kommune(read_statbank_csv(path))
    got = tidy[tidy["kommunekode"] == 101].set_index("TID")["value"]
    assert len(want) == 76  # 2007Q1-2025Q4
    assert got.to_dict() == want  # integers in the file: exact equality


@needs_raw
def test_to_contract_support_from_real_auk01() -> None:
    tidy = to_kommune(read_statbank_csv(SOCIO / "auk01_social_assistance.csv"))
    sup = to_contract(tidy, "support", ydelse="kontanthjaelp", source_table="AUK01")
    assert list(sup.columns) == ["kommunekode", "period", "ydelse", "fuldtidspersoner"]
    assert sup.groupby("period")["kommunekode"].nunique().eq(98).all()
    nyborg = {r["TID"]: float(r["INDHOLD"]) for r in _independent_read(SOCIO / "auk01_social_assistance.csv") if r["OMRÅDE"] == "Nyborg"}
    s = sup[sup["kommunekode"] == 450].set_index("period")["fuldtidspersoner"]
    assert s["2019Q3"] == nyborg["2019Q3"]


def test_danish_labels_codes_and_aggregates() -> None:
    assert classify_area("København") == 101
    assert classify_area("Copenhagen") == 101
    assert classify_area("Nyborg Kommune") == 450
    assert classify_area("450") == 450
    for agg in ("Hele landet", "All Denmark", "Region Syddanmark", "Landsdel Fyn", "Province Fyn", "Abroad",
                "Udlandet", "Outside Denmark", "Not stated", "Not stated municipality", "Uoplyst kommune", "Christiansø", "000", "084", "411", "07"):
        assert classify_area(agg) == "aggregate", agg
    assert classify_area("Nyborgg") is None
    assert classify_area("999999") is None


def test_unknown_label_is_a_data_error_naming_row_and_value() -> None:
    text = "OMRÅDE;TID;INDHOLD\nHele landet;2023;10\nNyborg;2023;5\nAtlantis;2023;7\n"
    with pytest.raises(DataError) as ei:
        to_kommune(parse_statbank_csv(text, table="TEST"))
    e = ei.value
    assert (e.table, e.row, e.column, e.value) == ("TEST", 4, "OMRÅDE", "Atlantis")
    assert "Atlantis" in e.da and "række 4" in e.da and "row 4" in e.en


def test_missing_marks_bom_and_decimal_comma() -> None:
    raw = "\ufeffOMRÅDE;TID;INDHOLD\r\nNyborg;2023;..\r\nOdense;2023;1,5\r\nAarhus;2023;2.25\r\n".encode("utf-8")
    tidy = to_kommune(parse_statbank_csv(raw))
    v = tidy.set_index("kommunekode")["value"]
    assert np.isnan(v[450])
    assert v[461] == 1.5 and v[751] == 2.25
    assert str(tidy["value"].dtype) == "float64"


def test_text_in_value_column_is_a_data_error() -> None:
    with pytest.raises(DataError) as ei:
        parse_statbank_csv("OMRÅDE;TID;INDHOLD\nNyborg;2023;12\nOdense;2023;abc\n", table="X")
    assert (ei.value.row, ei.value.column, ei.value.value) == (3, "INDHOLD", "abc")


def test_cp1252_file_is_read() -> None:
    raw = "OMRÅDE;TID;INDHOLD\nKøge;2023;3\nHelsingør;2023;4\n".encode("cp1252")
    tidy = to_kommune(parse_statbank_csv(raw))
    assert set(tidy["kommunekode"]) == {259, 217}


def test_to_contract_rejects_two_slices_and_missing_municipalities() -> None:
    text = "OMRÅDE;KØN;TID;INDHOLD\nNyborg;Men;2023;1\nNyborg;Women;2023;2\n"
    with pytest.raises(DataError) as ei:
        to_contract(to_kommune(parse_statbank_csv(text)), "population", require_all=False)
    assert ei.value.column == "KØN" and ei.value.row == 3
    with pytest.raises(DataError) as ei2:
        to_contract(to_kommune(parse_statbank_csv("OMRÅDE;TID;INDHOLD\nNyborg;2023;1\n")), "population")
    assert "98" in ei2.value.en


# ------------------------------------------------------------------ client, recorded answers


class Recorder:
    """MockTransport handler serving the recorded answers and remembering each request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(request.content) if request.content else {}
        path = request.url.path
        if path.endswith("/tableinfo"):
            if body.get("table", "").upper() != "AUK01":
                return httpx.Response(400, content=(RECORDED / "error_table_not_found.json").read_bytes(),
                                      headers={"content-type": "application/json"})
            return httpx.Response(200, content=(RECORDED / "tableinfo_AUK01_en.json").read_bytes(),
                                  headers={"content-type": "application/json; charset=utf-8"})
        if path.endswith("/data"):
            codes = {v["code"]: v["values"] for v in body.get("variables", [])}
            if "XXX" in codes.get("OMRÅDE", []):
                return httpx.Response(400, content=(RECORDED / "error_bad_value.json").read_bytes(),
                                      headers={"content-type": "application/json"})
            return httpx.Response(200, content=(RECORDED / "data_AUK01_bulk_en.csv").read_bytes(),
                                  headers={"content-type": "text/csv; charset=utf-8"})
        return httpx.Response(404, text="not found")


@pytest.fixture()
def rec() -> Recorder:
    return Recorder()


def test_tableinfo_request_shape_and_answer(rec: Recorder) -> None:
    with StatbankClient(transport=httpx.MockTransport(rec)) as c:
        info = c.tableinfo("AUK01")
    assert info["id"] == "AUK01"
    req = rec.requests[0]
    assert req.method == "POST" and str(req.url) == "https://api.statbank.dk/v1/tableinfo"
    assert json.loads(req.content) == {"table": "AUK01", "format": "JSON", "lang": "en"}


def test_data_resolves_texts_to_ids_and_parses(rec: Recorder) -> None:
    ex = STATBANK_EXTRACTS["auk01"]
    with StatbankClient(transport=httpx.MockTransport(rec)) as c:
        frame = c.frame(ex.table, ex.selection)
    sent = json.loads(rec.requests[-1].content)
    assert sent["format"] == "BULK" and sent["lang"] == "en" and sent["table"] == "AUK01"
    sel = {v["code"]: v["values"] for v in sent["variables"]}
    assert sel == {"OMRÅDE": ["*"], "YDELSESTYPE": ["KT"], "KØN": ["TOT"], "ALDER": ["TOT"], "Tid": ["*"]}
    tidy = to_kommune(frame, table="AUK01")
    assert set(tidy["kommunekode"]) == {101, 450}
    want = {(r["OMRÅDE"], r["TID"]): float(r["INDHOLD"]) for r in _rows(RECORDED / "data_AUK01_bulk_en.csv")}
    got = tidy[tidy["kommunekode"] == 450].set_index("TID")["value"]
    assert got["2024Q2"] == want[("Nyborg", "2024Q2")]


def _rows(p: Path) -> list[dict[str, str]]:
    with open(p, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_pattern_selection_matches_texts(rec: Recorder) -> None:
    with StatbankClient(transport=httpx.MockTransport(rec)) as c:
        out = c.resolve("AUK01", {"Tid": ["*Q1"], "KØN": ["Men", "K"]})
    sel = {v["code"]: v["values"] for v in out}
    assert sel["Tid"] == ["2023K1", "2024K1"]
    assert sel["KØN"] == ["M", "K"]


def test_error_answers_become_source_errors(rec: Recorder) -> None:
    with StatbankClient(transport=httpx.MockTransport(rec)) as c:
        with pytest.raises(SourceError) as ei:
            c.tableinfo("AUKXX")
        assert "HTTP 400" in ei.value.en and "was not found" in ei.value.en
        with pytest.raises(SourceError) as ei2:
            c.data("AUK01", [{"code": "OMRÅDE", "values": ["XXX"]}])
        assert "XXX" in ei2.value.da
        with pytest.raises(SourceError) as ei3:
            c.resolve("AUK01", {"KØN": ["Alien"]})
        assert "Alien" in ei3.value.en


def test_network_failure_is_a_clear_unreachable_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    with StatbankClient(transport=httpx.MockTransport(down)) as c:
        with pytest.raises(SourceUnreachable) as ei:
            c.tableinfo("AUK01")
    assert "kan ikke nå api.statbank.dk" in ei.value.da.lower()
    assert "ingen netværksforbindelse" in ei.value.da
    assert "no network connection" in ei.value.en


def test_fetch_extract_writes_cache_with_manifest(rec: Recorder, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    with StatbankClient(transport=httpx.MockTransport(rec)) as c:
        entry = c.fetch_extract(STATBANK_EXTRACTS["auk01"], cache)
    content = (RECORDED / "data_AUK01_bulk_en.csv").read_bytes()
    assert entry.path.read_bytes() == content
    man = json.loads((tmp_path / "c" / "statbank" / "auk01.csv.manifest.json").read_text(encoding="utf-8"))
    assert man["sha256"] == hashlib.sha256(content).hexdigest()
    assert man["url"] == "https://api.statbank.dk/v1/data"
    assert man["fetched"][:2] == "20" and man["request"]["table"] == "AUK01"
    # a changed file no longer matches its manifest and is not used
    entry.path.write_bytes(content + b"tampered")
    assert cache.entry("statbank", "auk01.csv") is None


def test_cache_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BENCHLEARN_CACHE", str(tmp_path / "envcache"))
    assert Cache().root == tmp_path / "envcache"
    monkeypatch.delenv("BENCHLEARN_CACHE")
    assert Cache().root == Path.home() / ".cache" / "benchlearn"


# ------------------------------------------------------------------ benchlearn fetch, offline


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every real HTTP connection fails at once, as on a machine without network."""

    def refuse(self, request):  # type: ignore[no-untyped-def]
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    monkeypatch.delenv("JOBINDSATS_TOKEN", raising=False)


def _run_cli(args: list[str]) -> int:
    from benchlearn.cli.main import run

    with pytest.raises(SystemExit) as ei:
        run(args)
    return int(ei.value.code or 0)


@needs_raw
def test_fetch_offline_with_bundled_data_exits_0(offline: None, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCHLEARN_RAW_DATA", str(RAW))
    code = _run_cli(["--lang", "en", "fetch", "--cache", str(tmp_path / "c"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    recs = json.loads(out)
    by = {(r["source"], r["item"]): r["status"] for r in recs}
    assert by[("dawa", "kommuner")] == "bundled"
    assert all(by[("statbank", n)] == "bundled" for n in STATBANK_EXTRACTS)
    # the municipal accounts (REGK31/BUDK32) have no bundled copy: costs stay simulated, not an error
    assert by[("statbank", "regk31_beskaeftigelse")] == "fallback" == by[("statbank", "budk32_beskaeftigelse")]
    assert by[("jobindsats", "y30r21")] == "skipped"
    assert "Cannot reach api.statbank.dk" in err and "JOBINDSATS_TOKEN" in err


def test_fetch_offline_without_fallback_exits_1(offline: None, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCHLEARN_RAW_DATA", str(tmp_path / "nothing"))
    code = _run_cli(["fetch", "--what", "dawa", "--cache", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 1
    assert "Kan ikke nå api.dataforsyningen.dk" in err and "Traceback" not in err


def test_fetch_unknown_source_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run_cli(["fetch", "--what", "statbank,nope", "--cache", str(tmp_path / "c")])
    assert code == 2
    assert "nope" in capsys.readouterr().err


def test_fetch_real_process_does_not_hang(tmp_path: Path) -> None:
    """The installed command, with whatever network this machine has, ends within a minute."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchlearn", "fetch", "--cache", str(tmp_path / "c"), "--timeout", "2", "--what", "dawa"],
        capture_output=True, text=True, timeout=120, env={**_env(), "BENCHLEARN_RAW_DATA": str(RAW)},
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "JOBINDSATS_TOKEN"}
