"""End to end, real view (the default of `make demo`): the ministry's y30r21 at the centre.

Expected values are read from the shared file itself, not copied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from benchlearn.core.errors import DataError
from benchlearn.demo import build_demo_workspace
from benchlearn.store import Workspace
from benchlearn.web.app import create_app

Y30R21 = Path("jobindsats") / "Randers-Kommune-Digitalisering_jobcenterindblik_jobindsats.dk" / "Y30R21-api.csv"


@pytest.fixture(scope="module")
def lines(raw_data_dir: Path) -> list[dict]:
    p = raw_data_dir / Y30R21
    if not p.is_file():
        pytest.skip(f"{p} not found")
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def real_ws(tmp_path_factory, raw_data_dir, lines):
    path = tmp_path_factory.mktemp("demo_real") / "demo.duckdb"
    counts = build_demo_workspace(path, seed=11)
    return path, counts


@pytest.fixture(scope="module")
def client(real_ws):
    return TestClient(create_app(real_ws[0], warm=False))


def _pub(lines: list[dict], area: str, period: str, group: str = "Ydelsesgrupper i alt") -> dict:
    (ln,) = [x for x in lines if (x["Area"], x["Periode"], x["Ydelsesgrupper"]) == (area, period, group)]
    return {"actual": next(v for k, v in ln.items() if k.endswith(": Faktisk antal")),
            "expected": next(v for k, v in ln.items() if k.endswith(": Forventet antal")),
            "rank": ln["Placering på benchmarkranglisten"]}


def test_benchmark_runs_are_the_published_numbers(real_ws, lines):
    path, counts = real_ws
    # every analysis stored something, except the integration benchmark: the real view holds no
    # by-origin tables (support_origin/population_origin), and /integration says so instead
    assert all(n > 0 for k, n in counts.items() if k != "integration"), counts
    assert counts.get("integration", 0) == 0
    periods = sorted({x["Periode"] for x in lines})
    with Workspace.open(path, read_only=True) as ws:
        assert ws.dataset().has("benchmark") and not ws.dataset().has("population")  # no refit over the ministry
        for area, group in (("total", "Ydelsesgrupper i alt"), ("kontanthjaelp", "Kontanthjælp mv.")):
            for p in periods:
                recs = ws.latest_results("benchmark", "records", period=p, area=area)
                assert len(recs) == 98 and not recs["simulated"].any()
                for navn in ("Nyborg", "København", "Fanø"):
                    r = recs[recs["navn"] == navn].iloc[0]
                    want = _pub(lines, navn, p, group)
                    assert (r["actual"], r["expected"], r["published_rank"]) == (want["actual"], want["expected"], want["rank"])
                    assert r["ci_low_pp"] < r["diff_pp"] < r["ci_high_pp"]
        hist = [ws.latest_results("benchmark", "records", period=p, area="total").set_index("navn").loc["Nyborg", "published_rank"]
                for p in periods]
        assert hist == [_pub(lines, "Nyborg", p)["rank"] for p in periods]  # 3, 4, 4, 6, 12, 17


def test_classifications_say_which_inputs_were_simulated(real_ws):
    path, _ = real_ws
    seen: dict[str, set] = {}
    with Workspace.open(path, read_only=True) as ws:
        runs = ws.runs()
        for rid in runs.loc[runs["kind"] == "classification", "run_id"]:
            rec = ws.results(rid, "records")
            what = set(rec["simulated_inputs"].fillna(""))
            assert len(what) == 1 and bool(rec["simulated"].all()) == (what != {""}), rid
            seen.setdefault(str(rec["scheme"].iloc[0]), set()).update(what)
    assert seen["results-only"] == {""}  # resultatmål only: the real y30r21, nothing simulated
    assert "fokusmål (focus)" in seen["star-2020"]  # fokusmål stay simulated until real ones are given


def test_real_benchmark_page_has_no_simulated_banner(client, lines):
    r = client.get("/benchmark?period=2020QMAT02&area=total")
    assert r.status_code == 200
    assert 'id="simulated-banner"' not in r.text
    want = _pub(lines, "Nyborg", "2020QMAT02")
    row = re.search(r'<tr>.*?>Nyborg</a>.*?</tr>', r.text, re.S).group(0)
    assert f'data-v="{want["actual"]:.1f}"' in row or f'data-v="{want["actual"]}' in row
    assert f'data-v="{want["expected"]:.1f}"' in row or f'data-v="{want["expected"]}' in row


def test_simulated_survey_page_has_a_banner_naming_what(client):
    r = client.get("/undersoegelser")
    assert r.status_code == 200 and 'id="simulated-banner"' in r.text
    assert "simuleret her: Undersøgelser" in r.text


def test_profile_names_its_simulated_parts_and_shows_the_published_rank(client, lines):
    html = client.get("/kommune/450?period=2020QMAT02").text
    assert 'id="simulated-banner"' in html and "simuleret her:" in html
    banner = html.split('id="simulated-banner"', 1)[1].split("</div>", 1)[0]
    assert "Benchmark" not in banner  # the benchmark is real; only the simulated parts are named
    j = client.get("/api/kommune/450?period=2020QMAT02").json()
    assert j["headline"]["published_rank"] == _pub(lines, "Nyborg", "2020QMAT02")["rank"]
    # rank history: our rank (with interval) and the published one, 3 -> 17 for Nyborg
    fig = json.loads(re.search(r'<script type="application/json" id="fig-rank-history-data">(.*?)</script>', html, re.S)
                     .group(1).replace("<\\/", "</"))
    periods = sorted({x["Periode"] for x in lines})
    assert fig["data"][1]["y"] == [_pub(lines, "Nyborg", p)["rank"] for p in periods]
    # monitoring on the profile: the real monthly series with the data break marked
    assert "fig-monitor-1" in html and "2025M07" in html


def test_monitoring_page(client):
    r = client.get("/overvaagning")
    assert r.status_code == 200 and 'id="simulated-banner"' not in r.text
    assert "Nyborg" in r.text and "2025M07" in r.text


def test_a_bad_y30r21_stops_the_build_before_anything_is_written(tmp_path, raw_data_dir, lines):
    raw = tmp_path / "raw"
    for d in ("dst", "boundaries"):
        (raw / d).parent.mkdir(parents=True, exist_ok=True)
        (raw / d).symlink_to(raw_data_dir / d)
    bad = [*lines[:99], {**lines[99], "Area": "Gotham"}, *lines[100:]]
    (raw / Y30R21).parent.mkdir(parents=True)
    (raw / Y30R21).write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in bad), encoding="utf-8")
    path = tmp_path / "ws.duckdb"
    with pytest.raises(DataError) as ei:
        build_demo_workspace(path, seed=11, raw_dir=raw)
    assert (ei.value.row, ei.value.column, ei.value.value) == (100, "Area", "Gotham")
    assert not path.exists()
