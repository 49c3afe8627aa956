"""The one-screen overview (spine chart) and the peers chart of a profile (issue 18, build 1–2),
against numbers computed here from test_web's fabricated tables (numpy quantiles, plain
means, the z of the change between periods)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchlearn.core import reference
from benchlearn.report.site_data import read_workspace
from benchlearn.report.spine import Z95, peers_chart, spine_chart, spine_rows
from test_web import AREAS, NYBORG, PERIODS, _truth, fake_ws  # noqa: F401 — fixture


@pytest.fixture(scope="module")
def data(fake_ws):
    return read_workspace(fake_ws[0])


def test_every_area_with_the_spread_of_the_98_and_the_comparators(data, fake_ws):
    _, tables = fake_ws
    p = PERIODS[-1]
    rows = spine_rows(data, NYBORG, p).set_index("area")
    assert set(rows.index) == set(AREAS)
    region = reference.municipalities().set_index("kommunekode")["region"]
    peers = _truth(tables, "peers", kommunekode=NYBORG, period=p)["peer_kommunekode"].astype(int)
    for a in AREAS:
        b = _truth(tables, "benchmark", period=p, area=a)
        d = b["diff_pp"].to_numpy()
        r = rows.loc[a]
        own = b[b["kommunekode"] == NYBORG].iloc[0]
        assert r["diff_pp"] == own["diff_pp"] and r["tier"] == own["tier"] and r["n"] == 98
        np.testing.assert_allclose([r["min"], r["q25"], r["median"], r["q75"], r["max"]],
                                   [d.min(), *np.quantile(d, [0.25, 0.5, 0.75]), d.max()], rtol=1e-12)
        same = b[b["kommunekode"].map(region) == region[NYBORG]]["diff_pp"]
        assert math.isclose(r["region_mean"], same.mean(), rel_tol=1e-12)
        assert math.isclose(r["peers_mean"], b[b["kommunekode"].isin(peers)]["diff_pp"].mean(), rel_tol=1e-12)
        # the trend: change since the previous period against sqrt(se_t² + se_t-1²)
        prev = _truth(tables, "benchmark", period=PERIODS[-2], area=a)
        old = prev[prev["kommunekode"] == NYBORG].iloc[0]
        z = (own["diff_pp"] - old["diff_pp"]) / math.hypot(own["se_pp"], old["se_pp"])
        assert r["trend"] == ("better" if z < -Z95 else "worse" if z > Z95 else "")


def test_trend_is_marked_only_when_significant(data):
    # across all 98 and every area, marked trends are exactly those with |z| > 1.96
    p, q = PERIODS[-1], PERIODS[-2]
    marked = 0
    for k in sorted(reference.kommunekoder())[:30]:
        for _, r in spine_rows(data, k, p).iterrows():
            b0, b1 = data.benchmark(q, r["area"]), data.benchmark(p, r["area"])
            o0 = b0[b0["kommunekode"].astype(int) == k].iloc[0]
            o1 = b1[b1["kommunekode"].astype(int) == k].iloc[0]
            z = (o1["diff_pp"] - o0["diff_pp"]) / math.hypot(o0["se_pp"], o1["se_pp"])
            assert (r["trend"] != "") == (abs(z) > Z95)
            marked += r["trend"] != ""
    assert marked > 0  # the fabricated periods are independent draws: some changes are significant


def test_spine_chart_draws_each_row_relative_to_its_widest_value(data):
    rows = spine_rows(data, NYBORG, PERIODS[-1])
    fig = spine_chart(rows)
    own = fig["data"][-1]
    wide = rows[["min", "max", "ci_low_pp", "ci_high_pp"]].abs().max(axis=1)
    np.testing.assert_allclose(own["x"], rows["diff_pp"] / wide, rtol=1e-12)
    assert all(-1 <= x <= 1 for x in own["x"]) and own["customdata"] == rows["diff_pp"].tolist()
    rng = fig["data"][0]
    np.testing.assert_allclose(np.add(rng["base"], rng["x"]), rows["max"] / wide, rtol=1e-12)
    assert len(own["y"]) == len(rows) and fig["layout"]["barmode"] == "overlay"


def test_peers_chart_has_the_municipality_and_its_peers(data):
    from benchlearn.report.profile import profile_context

    prof = profile_context(data, NYBORG)
    fig = peers_chart(prof["headline"], prof["navn"], prof["peers"])
    ys = fig["data"][0]["y"]
    assert len(ys) == len(prof["peers"]) + 1 and "<b>Nyborg</b>" in ys
    i = ys.index("<b>Nyborg</b>")
    assert fig["data"][0]["x"][i] == prof["headline"]["diff_pp"]
    assert fig["data"][0]["x"] == sorted(fig["data"][0]["x"])


def test_profile_page_shows_the_overview(fake_ws):
    from fastapi.testclient import TestClient

    from benchlearn.web.app import create_app

    html = TestClient(create_app(fake_ws[0], warm=False)).get("/kommune/450", params={"lang": "da"}).text
    assert 'id="spine"' in html and 'id="spine-table"' in html and 'id="peers-chart"' in html
    body = html.split('id="spine-table"')[1].split("</table>")[0]
    assert body.count("<tr>") == len(AREAS) + 1
