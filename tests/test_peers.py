"""Peers, clusters and learning partners.

Distances are recomputed independently (scikit-learn's scaler and neighbour
search); the invariance checks compare floating-point distances of standardized
data and use 1e-9 relative tolerance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from benchlearn.core.errors import ConfigError, DataError
from benchlearn.benchlearning.peers import (
    PeerConfig,
    compute_peers,
    coordinates,
    framework_matrix,
    importance_from_coefficients,
    mark_partners,
    read_group_file,
)
from benchlearn.core.results import Run


@pytest.fixture(scope="module")
def fw(sim):
    return sim.tables["framework"].copy()


@pytest.fixture(scope="module")
def period(fw):
    return max(fw["period"].astype(str).unique())


@pytest.fixture(scope="module")
def records(fw):
    codes = sorted(fw["kommunekode"].unique())
    rng = np.random.default_rng(4)
    return pd.DataFrame({"kommunekode": codes, "diff_pp": rng.normal(0, 1.5, len(codes)), "se_pp": rng.uniform(0.2, 0.6, len(codes))})


def _weights(fw):
    vs = sorted(fw["variable"].unique())
    return {v: 0.2 + i / len(vs) for i, v in enumerate(vs)}


def test_never_own_peer_and_k_each(fw, records, period):
    res = compute_peers(fw, records, PeerConfig(period=period, k=10), _weights(fw))
    p = res.peers
    assert (p["kommunekode"] != p["peer_kommunekode"]).all()
    assert p.groupby("kommunekode").size().eq(10).all()
    assert p["kommunekode"].nunique() == fw["kommunekode"].nunique()
    assert p.groupby("kommunekode")["peer_kommunekode"].nunique().eq(10).all()
    # ordered by distance
    assert (p.groupby("kommunekode")["distance"].diff().dropna() >= 0).all()


def test_distances_match_independent_neighbour_search(fw, records, period):
    w = _weights(fw)
    res = compute_peers(fw, records, PeerConfig(period=period, k=10), w)
    wide = fw[fw["period"] == period].pivot(index="kommunekode", columns="variable", values="value").sort_index()
    wide = wide.loc[:, wide.std() > 0].dropna(axis=1)
    n = len(wide)
    # StandardScaler divides by the population sd (ddof=0): every axis grows by
    # the same factor sqrt(n/(n-1)), so neighbours are the same and distances scale.
    z = StandardScaler().fit_transform(wide.to_numpy()) * np.array([w[c] for c in wide.columns])
    nn = NearestNeighbors(n_neighbors=11).fit(z)
    dist, idx = nn.kneighbors(z)
    codes = wide.index.to_numpy()
    for i, k in enumerate(codes):
        mine = res.peers[res.peers["kommunekode"] == k]
        others = [j for j in idx[i] if codes[j] != k][:10]
        assert mine["peer_kommunekode"].tolist() == codes[others].tolist()
        d_ref = np.array([d for d, j in zip(dist[i], idx[i]) if codes[j] != k][:10]) / np.sqrt(n / (n - 1))
        np.testing.assert_allclose(mine["distance"].to_numpy(), d_ref, rtol=1e-9)


def test_invariant_to_rescaling_a_variable(fw, records, period):
    w = _weights(fw)
    base = compute_peers(fw, records, PeerConfig(period=period), w).peers
    var = min(fw["variable"].unique())
    for a, b in ((1000.0, 0.0), (0.001, 5.0), (-3.0, 1.0)):
        f2 = fw.copy()
        m = f2["variable"] == var
        f2.loc[m, "value"] = a * f2.loc[m, "value"] + b
        other = compute_peers(f2, records, PeerConfig(period=period), w).peers
        assert other["peer_kommunekode"].tolist() == base["peer_kommunekode"].tolist()
        np.testing.assert_allclose(other["distance"], base["distance"], rtol=1e-9)


def test_zero_weight_variable_does_not_matter(fw, records, period):
    vs = sorted(fw["variable"].unique())
    w = {v: 1.0 for v in vs[1:]}  # vs[0] is not in the benchmark model
    base = compute_peers(fw, records, PeerConfig(period=period), w).peers
    f2 = fw.copy()
    m = f2["variable"] == vs[0]
    f2.loc[m, "value"] = np.random.default_rng(1).permutation(f2.loc[m, "value"].to_numpy())
    other = compute_peers(f2, records, PeerConfig(period=period), w).peers
    assert other["peer_kommunekode"].tolist() == base["peer_kommunekode"].tolist()
    # equal weights when None
    eq = compute_peers(fw, records, PeerConfig(period=period), None)
    assert dict(eq.weights) == {v: 1.0 for v in eq.variables}


def test_ward_clusters_match_scikit_learn(fw, records, period):
    w = _weights(fw)
    res = compute_peers(fw, records, PeerConfig(period=period, n_clusters=6), w)
    u = coordinates(framework_matrix(fw, period), w)
    ref = AgglomerativeClustering(n_clusters=6, linkage="ward").fit_predict(u.to_numpy())
    got = res.clusters.set_index("kommunekode").loc[u.index, "cluster"].to_numpy()
    assert adjusted_rand_score(ref, got) == pytest.approx(1.0)
    assert res.clusters["cluster"].nunique() == 6


def test_learning_partner_rules_by_hand():
    rec = pd.DataFrame({"kommunekode": [1, 2, 3], "diff_pp": [1.0, -0.5, 0.5], "se_pp": [0.3, 0.4, 0.4]})
    pairs = pd.DataFrame({"kommunekode": [1, 1], "peer_kommunekode": [2, 3], "distance": [0.1, 0.2]})
    z = mark_partners(pairs, rec, "z_test", 0.05)
    # peer 2: z = (1 - (-0.5)) / sqrt(0.09 + 0.16) = 3, p = 0.00135 -> partner
    # peer 3: z = 0.5 / 0.5 = 1, p = 0.1587 -> not
    np.testing.assert_allclose(z["z"], [3.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(z["p_value"], [0.0013498980316301, 0.15865525393145707], rtol=1e-9)
    assert z["learning_partner"].tolist() == [True, False]
    # ci rule: peer upper limit -0.5 + 1.96·0.4 = 0.284 < 1 -> partner; 0.5 + 0.784 > 1 -> not
    c = mark_partners(pairs, rec, "ci")
    assert c["learning_partner"].tolist() == [True, False]
    np.testing.assert_allclose(c["peer_ci_high_pp"], [-0.5 + 1.959963984540054 * 0.4, 0.5 + 1.959963984540054 * 0.4])


def test_partner_differences(sim, fw, records, period):
    from benchlearn.benchlearning.costs import unit_costs

    sup = sim.tables["support"].copy()
    uc = unit_costs(sim.tables["costs"].copy(), sup)
    res = compute_peers(fw, records, PeerConfig(period=period), _weights(fw),
                        activity=sim.tables["activity"].copy(), unit_costs=uc, support=sup)
    d = res.differences
    assert set(d["kind"]) == {"activity", "cost", "maalgruppe_mix"}
    lp = res.learning_partners
    assert set(zip(d["kommunekode"], d["peer_kommunekode"])) <= set(zip(lp["kommunekode"], lp["peer_kommunekode"]))
    # cost difference = peer unit cost − own (independent lookup)
    u = uc[uc["period"] == period].set_index("kommunekode")["unit_cost"]
    c = d[d["kind"] == "cost"]
    np.testing.assert_allclose(c["difference"], u.loc[c["peer_kommunekode"]].to_numpy() - u.loc[c["kommunekode"]].to_numpy(), rtol=1e-12)
    # målgruppe shares: binomial standard error of a difference in proportions
    m = d[d["kind"] == "maalgruppe_mix"].iloc[0]
    from benchlearn.core import reference

    ys = reference.maalgruppe_ydelser(m["maalgruppe"])
    s = sup[sup["period"] == period]
    five = s[s["ydelse"].isin(reference.maalgrupper()["ydelse"])]
    n1 = five[five["kommunekode"] == m["kommunekode"]]["fuldtidspersoner"].sum()
    n2 = five[five["kommunekode"] == m["peer_kommunekode"]]["fuldtidspersoner"].sum()
    p1 = s[(s["kommunekode"] == m["kommunekode"]) & s["ydelse"].isin(ys)]["fuldtidspersoner"].sum() / n1
    p2 = s[(s["kommunekode"] == m["peer_kommunekode"]) & s["ydelse"].isin(ys)]["fuldtidspersoner"].sum() / n2
    assert m["difference"] == pytest.approx(p2 - p1, rel=1e-9)
    assert m["se"] == pytest.approx(np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2), rel=1e-9)
    # activity: a rate per person gets a Poisson se with n = persons in the målgruppe
    a = d[(d["kind"] == "activity") & d["measure"].str.contains("_pr_person")].iloc[0]
    g = reference.maalgruppe_ydelser(a["maalgruppe"])
    na = s[(s["kommunekode"] == a["kommunekode"]) & s["ydelse"].isin(g)]["fuldtidspersoner"].sum()
    nb = s[(s["kommunekode"] == a["peer_kommunekode"]) & s["ydelse"].isin(g)]["fuldtidspersoner"].sum()
    assert a["se"] == pytest.approx(np.sqrt(a["own_value"] / na + a["peer_value"] / nb), rel=1e-9)


def test_importance_from_coefficients():
    coef = pd.DataFrame({"term": ["const", "a", "b", "period[2024]"], "estimate": [0.1, -0.5, 0.2, 0.3], "se": 0.1})
    assert importance_from_coefficients(coef, ["a", "b"]) == {"a": 0.5, "b": 0.2}
    coef2 = pd.DataFrame({"variable": ["a"], "coef": [-2.0], "sd": [0.25]})
    assert importance_from_coefficients(coef2) == {"a": 0.5}
    assert importance_from_coefficients(pd.DataFrame({"x": [1]})) is None


def test_bad_input(fw, records, period, tmp_path):
    with pytest.raises(ConfigError):
        PeerConfig(period=period, k=0)
    with pytest.raises(ConfigError):
        PeerConfig(period=period, rule="best")  # type: ignore[arg-type]
    with pytest.raises(DataError):
        compute_peers(fw, records, PeerConfig(period="1999"))
    with pytest.raises(DataError):
        compute_peers(fw, records.drop(columns="se_pp"), PeerConfig(period=period))
    g = tmp_path / "g.csv"
    g.write_text("group,kommunekode\nfyn,450\nfyn,9999\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_group_file(g)
    assert "9999" in str(e.value) and "3" in str(e.value)


def test_cli_peers_json(tmp_path, sim, records, period):
    from benchlearn.store import Workspace

    ds = sim.dataset
    recs = records.assign(period=period, area="total")
    vs = sorted(sim.tables["framework"]["variable"].unique())
    coef = pd.DataFrame({"term": ["const", *vs], "estimate": [0.0, *np.linspace(0.1, 0.5, len(vs))]})
    wsp = tmp_path / "ws.duckdb"
    with Workspace.open(wsp) as ws:
        ws.ingest(ds)
        ws.record(Run("benchmark", {"period": period, "area": "total"}, {"records": recs, "coefficients": coef}), input_hash=ds.content_hash)
    g = tmp_path / "groups.csv"
    g.write_text("group,kommunekode\nfyn,450\nfyn,461\nfyn,479\n", encoding="utf-8")
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    p = subprocess.run([sys.executable, "-m", "benchlearn", "peers", str(wsp), "--period", period, "--kommune", "450",
                        "--group-file", str(g), "--json"], check=False, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert len(out) == 10
    for r in out:
        assert {"kommunekode", "peer_kommunekode", "distance", "peer_diff_pp", "learning_partner", "peer_navn",
                "diff_vs_peer_pp", "se", "cluster"} <= set(r)
        assert r["kommunekode"] == 450 and r["peer_kommunekode"] != 450
        assert isinstance(r["learning_partner"], bool)
    bad = subprocess.run([sys.executable, "-m", "benchlearn", "peers", str(wsp), "--period", period, "--k", "0"],
                         check=False, capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_store_default_runs(tmp_path, sim, records, period):
    from benchlearn.runs.peer_runs import store_default_runs
    from benchlearn.store import Workspace

    ds = sim.dataset
    sup = ds.table("support")
    O = sup[sup["period"] == period].groupby("kommunekode")["fuldtidspersoner"].sum()
    recs = records.assign(period=period, area="total")
    recs["actual"] = O.reindex(recs["kommunekode"]).to_numpy()
    recs["expected"] = recs["actual"] * (1 - recs["diff_pp"] / 100)
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        ws.ingest(ds)
        ws.record(Run("benchmark", {"period": period, "area": "total"}, {"records": recs}), input_hash=ds.content_hash)
        ids = store_default_runs(ws, ds, bootstrap=20)
        kinds = [ws.run(i).kind for i in ids]
        assert kinds == ["peers", "costs", "dea", "dea"]
        peers = ws.latest_results("peers", "peers", period=period)
        assert len(peers) == 10 * len(O) and (peers["kommunekode"] != peers["peer_kommunekode"]).all()
        assert peers["simulated"].all()
        dea = ws.latest_results("dea", "records", period=period)
        assert ws.latest_run("dea", period=period).config["rts"] == "vrs"
        assert dea["ci_low"].notna().all() and (dea["efficiency"] <= 1 + 1e-9).all()
        crs = ws.latest_results("dea", "records", period=period, rts="crs").set_index("kommunekode")
        vrs = dea.set_index("kommunekode")
        assert (crs["efficiency"] <= vrs.loc[crs.index, "efficiency"] + 1e-9).all()
        split = ws.latest_results("costs", "split", period=period)
        # simulated costs carry no målgruppe: the split is not identified (parts null), the change is there
        assert (split["split_status"] == "not_identified").all() and split["composition"].isna().all()
        assert (abs(split["unit_cost_to"] - split["unit_cost_from"] - split["change"]) <= 1e-9 * split["unit_cost_from"]).all()
