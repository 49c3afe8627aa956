"""The embedded default: real numbers where they exist, simulated for the rest, and labelled so."""

from __future__ import annotations

import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.data.dataset import Dataset
import benchlearn.demo as demo_module
from benchlearn.demo import Analysis, build_demo_tables, build_demo_workspace
from benchlearn.store import Workspace
from benchlearn.core.results import Run

PERIODS = ("2022", "2023")


@pytest.fixture(scope="module")
def demo_tables(raw_data_dir):
    return build_demo_tables(seed=7, periods=PERIODS, raw_dir=raw_data_dir)


def test_demo_dataset_validates_for_all_98(demo_tables):
    ds = Dataset.from_tables(demo_tables)
    for name in ("support", "population", "framework", "focus", "costs"):
        assert set(ds.table(name)["kommunekode"]) == set(reference.kommunekoder()), name
    assert ds.periods("support") == list(PERIODS)


def test_real_kontanthjaelp_and_population_are_the_real_numbers(demo_tables, raw_data_dir):
    from benchlearn.sources.realdata import build_real_tables

    real = build_real_tables(raw_data_dir, period_kind="year")
    sup = demo_tables["support"]
    got = sup[sup["ydelse"] == "kontanthjaelp"].set_index(["kommunekode", "period"])["fuldtidspersoner"].sort_index()
    want = real["support"][real["support"]["period"].isin(PERIODS)].set_index(["kommunekode", "period"])["fuldtidspersoner"].sort_index()
    pd.testing.assert_series_equal(got, want, check_names=False)
    pop = demo_tables["population"].set_index(["kommunekode", "period"])["persons"].sort_index()
    rpop = real["population"][real["population"]["period"].isin(PERIODS)].set_index(["kommunekode", "period"])["persons"].sort_index()
    pd.testing.assert_series_equal(pop, rpop, check_names=False)


def test_simulated_ydelser_keep_their_simulated_shares(demo_tables, sim_factory):
    from benchlearn.simulator import simulate

    sim = simulate(seed=7, periods=PERIODS)
    s_sim = sim.tables["support"].merge(sim.tables["population"], on=["kommunekode", "period"])
    s_sim["share"] = s_sim["fuldtidspersoner"] / s_sim["persons"]
    s_demo = demo_tables["support"].merge(demo_tables["population"], on=["kommunekode", "period"])
    s_demo["share"] = s_demo["fuldtidspersoner"] / s_demo["persons"]
    both = s_sim.merge(s_demo, on=["kommunekode", "period", "ydelse"], suffixes=("_sim", "_demo"))
    both = both[both["ydelse"] != "kontanthjaelp"]
    assert len(both) == 98 * len(PERIODS) * 13  # every ydelse but the real kontanthjælp
    assert (both["share_sim"] - both["share_demo"]).abs().max() < 1e-12


def test_provenance_says_which_numbers_are_simulated(demo_tables):
    ds = Dataset.from_tables(demo_tables)
    prov = ds.provenance_of("support").set_index("part")["simulated"]
    assert not prov["ydelse=kontanthjaelp"] and prov["ydelse=a_dagpenge"]
    assert not ds.is_simulated("population")
    for name in ("focus", "costs", "citizen_survey", "activity"):
        assert ds.is_simulated(name), name


def test_workspace_build_is_reused_for_identical_data(tmp_path, raw_data_dir, monkeypatch):
    calls: list[str] = []

    def fake_runner(ws, ds):
        calls.append(ds.content_hash)
        # a declared kind and table: the store refuses anything RESULTS does not declare
        rows = pd.DataFrame({"rows": [len(ds.table("support"))]})
        return [ws.record(Run("benchmark", {"period": "2023", "probe": True}, {"records": rows}), input_hash=ds.content_hash)]

    probe = (Analysis("probe", fake_runner, "prøve", "probe"),)
    path = tmp_path / "demo.duckdb"
    first = build_demo_workspace(path, seed=7, periods=PERIODS, analyses=probe, view="model")
    second = build_demo_workspace(path, seed=7, periods=PERIODS, analyses=probe, view="model")
    assert first == {"probe": 1} and second == {"probe": 0} and len(calls) == 1
    # other code (same version string): the stored analysis is not reused
    monkeypatch.setattr(demo_module, "code_fingerprint", lambda: "another-code")
    third = build_demo_workspace(path, seed=7, periods=PERIODS, analyses=probe, view="model")
    assert third == {"probe": 1} and len(calls) == 2
    with Workspace.open(path, read_only=True) as ws:
        assert ws.dataset().is_simulated("focus")
        assert ws.latest_results("benchmark", "records", period="2023", probe=True)["rows"].iloc[0] == 98 * len(PERIODS) * 14
