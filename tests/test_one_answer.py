"""One benchmark answer everywhere (#13 part 1): one workspace, identical numbers in every channel.

The workspace is built once (simulated data with every contract table): the ``total``
benchmark through the resolver, then the demo's classification, scheme comparison, tilsyn,
peers, costs and DEA runs. For the same municipality, period and area, diff, interval,
tier and rank must be *identical* — no tolerance, the same floats — in ``benchmark --json``,
``classify --json``, ``compare-schemes --json``, ``peers --json`` (a peer's diff and
interval), ``/api/benchmark`` and ``/api/kommune``; the kommune page and the PDF print the
same numbers in the pages' format (``fmt_num``), so their text is compared with the JSON
value formatted the same way. A published table (no model inputs) gives tiers under
``kl-2024-tiers`` because the resolver gives it its uncertainty.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.resolver import resolve
from benchlearn.store import Workspace

PERIOD = "2024"
K = 450  # Nyborg
FIELDS = ("diff_pp", "ci_low_pp", "ci_high_pp", "tier", "rank", "rank_ci_low", "rank_ci_high")


def bl(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    return subprocess.run([sys.executable, "-m", "benchlearn", *args], check=False, capture_output=True, text=True,
                          env=env, timeout=600)


def pick(rows: list[dict], k: int = K) -> dict:
    got = [r for r in rows if r.get("kommunekode") == k]
    assert len(got) == 1, (k, len(got))
    return got[0]


@pytest.fixture(scope="module")
def ws_path(sim, tmp_path_factory):
    from benchlearn.runs.peer_runs import store_default_runs as store_peers
    from benchlearn.runs.scheme_runs import store_default_runs as store_schemes

    ds = sim.dataset
    path = tmp_path_factory.mktemp("one") / "ws.duckdb"
    with Workspace.open(path) as ws:
        ws.ingest(ds)
        res = resolve(ws, BenchmarkConfig(), dataset=ds)
        assert res.run_ids and set(res.periods) == set(ds.periods("support"))
        # asked again, the answer is read, not refitted: the same runs
        again = resolve(ws, BenchmarkConfig(), dataset=ds)
        assert again.run_ids == res.run_ids and again.origin == res.origin
        store_schemes(ws, ds)
        store_peers(ws, ds, bootstrap=20)
    return path


@pytest.fixture(scope="module")
def answer(ws_path) -> dict:
    """The benchmark's own record for K: read from the workspace's stored run."""
    with Workspace.open(ws_path, read_only=True) as ws:
        recs = ws.latest_results("benchmark", "records", period=PERIOD, area="total")
    rec = recs[recs["kommunekode"] == K].iloc[0]
    return {f: (rec[f].item() if hasattr(rec[f], "item") else rec[f]) for f in FIELDS}


def same(got: dict, want: dict, fields=FIELDS, decimals: int | None = None) -> None:
    """Identical values; ``decimals``: the channel writes floats with that many decimal places
    (the API: pandas ``double_precision=15``), so a float may differ by half a unit of the last one."""
    for f in fields:
        if decimals is not None and isinstance(want[f], float):
            assert abs(got[f] - want[f]) <= 0.5 * 10.0 ** -decimals + 1e-17, (f, got[f], want[f])
        else:
            assert got[f] == want[f], (f, got[f], want[f])


def test_benchmark_cli_reads_the_stored_answer(ws_path, answer):
    r = bl("benchmark", str(ws_path), "--period", PERIOD, "--json")
    assert r.returncode == 0, r.stderr
    same(pick(json.loads(r.stdout)), answer)


def test_classify_and_compare_schemes(ws_path, answer):
    r = bl("classify", str(ws_path), "--period", PERIOD, "--scheme", "kl-2024-tiers", "--json")
    assert r.returncode == 0, r.stderr
    c = pick(json.loads(r.stdout))
    same(c, answer)
    assert c["result_source"] == "workspace" and c["category"] == answer["tier"]  # kl-2024-tiers: category = tier
    r = bl("compare-schemes", str(ws_path), "--period", PERIOD, "--section", "municipalities", "--json")
    assert r.returncode == 0, r.stderr
    same(pick(json.loads(r.stdout)), answer)


def test_stored_classifications_and_tilsyn_rest_on_the_answer(ws_path, answer):
    with Workspace.open(ws_path, read_only=True) as ws:
        for run in ws.find_runs("classification", period=PERIOD):
            rec = ws.results(run.run_id, "records").set_index("kommunekode").loc[K]
            for f in ("diff_pp", "ci_low_pp", "ci_high_pp", "rank", "rank_ci_low", "rank_ci_high"):
                assert rec[f] == answer[f], (run.config["scheme"], f)
        path = ws.latest_results("tilsyn", "path")
    assert path is not None and len(path)


def test_peers_show_the_answer_of_a_peer(ws_path, answer):
    r = bl("peers", str(ws_path), "--period", PERIOD, "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    as_peer = [x for x in rows if x["peer_kommunekode"] == K]
    own = [x for x in rows if x["kommunekode"] == K]
    assert as_peer and own
    for x in as_peer:
        assert (x["peer_diff_pp"], x["peer_ci_low_pp"], x["peer_ci_high_pp"]) == (answer["diff_pp"], answer["ci_low_pp"], answer["ci_high_pp"])
    assert all(x["own_diff_pp"] == answer["diff_pp"] for x in own)
    # the stored peers and DEA runs say they read the stored benchmark run
    with Workspace.open(ws_path, read_only=True) as ws:
        for kind in ("peers", "dea"):
            assert str(ws.latest_run(kind).meta["benchmark_source"]).startswith("workspace:benchmark_"), kind
        dea = ws.latest_results("dea", "records", period=PERIOD)
        bench = ws.latest_results("benchmark", "records", period=PERIOD, area="total").set_index("kommunekode")
    d = dea.set_index("kommunekode")
    assert (d["expected"] == bench.loc[d.index, "expected"]).all()  # DEA's output is the answer's E


def test_api_page_and_pdf(ws_path, answer):
    from fastapi.testclient import TestClient
    from pypdf import PdfReader

    from benchlearn.report.formatting import fmt_num
    from benchlearn.web.app import create_app

    client = TestClient(create_app(ws_path, warm=False))
    api = client.get(f"/api/benchmark?period={PERIOD}&area=total").json()
    same(pick(api["records"]), answer, decimals=15)
    head = client.get(f"/api/kommune/{K}?period={PERIOD}").json()["headline"]
    assert head["period"] == PERIOD and head["area"] == "total"
    same(head, answer, decimals=15)
    shown = [fmt_num(answer["diff_pp"]), fmt_num(answer["ci_low_pp"]), fmt_num(answer["ci_high_pp"]),
             f"{fmt_num(answer['rank'], 0)} ({fmt_num(answer['rank_ci_low'], 0)}–{fmt_num(answer['rank_ci_high'], 0)})"]
    page = client.get(f"/kommune/{K}?period={PERIOD}")
    assert page.status_code == 200
    # the headline's key figures: from the first to the end of their list (each carries a definition)
    start = page.text.index('id="kpi-diff"')
    kpi = page.text[start:page.text.index("</dl>", start)]
    for s in shown:
        assert s in kpi, s
    assert f"tier-{answer['tier']}" in kpi
    pdf = client.get(f"/kommune/{K}.pdf?period={PERIOD}")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for s in shown:
        assert s.replace("−", "-") in text.replace("−", "-"), s


def test_kl_2024_tiers_on_a_published_table(sim, tmp_path):
    """Only a published ``benchmark`` table (no model inputs): every municipality gets a tier,
    and it is the benchmark's own tier of that table."""
    ds = sim.dataset
    sup = ds.table("support")
    pop = ds.table("population")
    o = sup[sup["period"] == PERIOD].groupby("kommunekode")["fuldtidspersoner"].sum()
    n = pop[pop["period"] == PERIOD].set_index("kommunekode")["persons"].reindex(o.index)
    rng = np.random.default_rng(3)
    e = o * np.exp(rng.normal(0, 0.08, len(o)))  # a published model's expected value
    table = pd.DataFrame({"kommunekode": o.index, "period": PERIOD, "area": "total", "actual": o.to_numpy(),
                          "expected": e.to_numpy(), "persons": n.to_numpy()})
    d = tmp_path / "published"
    d.mkdir()
    table.to_csv(d / "benchmark.csv", index=False)
    r = bl("classify", str(d), "--period", PERIOD, "--scheme", "kl-2024-tiers", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 98 and all(x["category"] in ("better", "as_expected", "worse") for x in rows)
    b = bl("benchmark", str(d), "--period", PERIOD, "--json")
    assert b.returncode == 0, b.stderr
    tiers = {x["kommunekode"]: x["tier"] for x in json.loads(b.stdout)}
    assert {x["kommunekode"]: x["category"] for x in rows} == tiers
    assert len(set(tiers.values())) >= 2  # an 8 % spread of E/O is wider than the sampling noise: not all alike
