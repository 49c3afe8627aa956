"""Extended public framework variables (issue #14.3): values against independent computations on the
raw extracts, interpolation to period midpoints, the fetched yearly ages, and fetch offline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.sources.cache import Cache
from benchlearn.sources.public_framework import DEFAULT_PUBLIC, build_public_framework, period_midpoint

QMAT = ["2021QMAT04", "2022QMAT02", "2022QMAT04"]


@pytest.fixture(scope="module")
def public(raw_data_dir) -> pd.DataFrame:
    pytest.importorskip("benchlearn.sources.folk1a_ages")
    fw, _note = build_public_framework(QMAT, raw_dir=raw_data_dir, cache=None)
    return fw


def test_every_default_variable_for_all_98_and_every_period(public):
    got = public.groupby("variable")["kommunekode"].nunique()
    assert set(DEFAULT_PUBLIC) <= set(got.index)
    assert (got[list(DEFAULT_PUBLIC)] == 98).all()
    assert set(public["period"]) == set(QMAT)
    assert public["value"].notna().all()


def test_period_midpoints():
    assert period_midpoint("2022QMAT04") == 2022.5  # 2022Q1–Q4
    assert period_midpoint("2022QMAT02") == 2022.0  # 2021Q3–2022Q2
    assert period_midpoint("2023") == 2023.5 and period_midpoint("2023Q1") == 2023.125
    assert period_midpoint("2023H2") == 2023.75 and period_midpoint("2023M12") == pytest.approx(2023 + 11.5 / 12)


def test_education_levels_equal_the_raw_extract(public, raw_data_dir):
    soc = raw_data_dir / "dst" / "DennisHedegreen_danish-politics-data" / "socioeconomic_raw"
    tot = pd.read_csv(soc / "hfudd11_tot.csv", sep=";", encoding="utf-8-sig").set_index(["BOPOMR", "TID"])["INDHOLD"]
    h70 = pd.read_csv(soc / "hfudd11_h70.csv", sep=";", encoding="utf-8-sig").set_index(["BOPOMR", "TID"])["INDHOLD"]
    got = public[(public["variable"] == "edu_master_pct") & (public["period"] == "2022QMAT04")].set_index("kommunekode")["value"]
    m = reference.municipalities().set_index("kommunekode")["navn_dst_en"]
    # 2022QMAT04's midpoint is mid-2022, where the yearly series is observed: no interpolation
    for k in (101, 450, 825, 751):
        assert got[k] == pytest.approx(100 * h70[(m[k], 2022)] / tot[(m[k], 2022)], rel=1e-12)


def test_interpolation_between_years(public, raw_data_dir):
    """2022QMAT02's midpoint (1 January 2022) lies halfway between the 2021 and 2022 values."""
    f = raw_data_dir / "dst" / "DennisHedegreen_danish-politics-data" / "factors" / "owner_occupied_dwelling_share_pct.csv"
    raw = pd.read_csv(f)
    raw = raw[raw["municipality"] == "Nyborg"].set_index("year")["value"]
    got = public[(public["variable"] == "owner_occupied_pct") & (public["kommunekode"] == 450)].set_index("period")["value"]
    # BOL101 has no 2021 and 2022 (closed at DST): the series is carried from 2020 (within 3 years)
    # or interpolated 2020→2023, whichever the observed years give
    years = raw.index.to_numpy(dtype=float) + 0.5
    for p in QMAT:
        assert got[p] == pytest.approx(float(np.interp(period_midpoint(p), years, raw.to_numpy())), rel=1e-12)


def test_distances_agree_with_scikit_learn(public, raw_data_dir):
    from sklearn.metrics.pairwise import haversine_distances

    feats = json.loads((raw_data_dir / "boundaries" / "TheSpeky_DanishElectionVisualization" / "kommuner_geojson.json")
                       .read_text(encoding="utf-8"))["features"]
    c = {int(f["properties"]["kode"]): (f["properties"]["visueltcenter_y"], f["properties"]["visueltcenter_x"]) for f in feats}
    got = public[(public["variable"] == "km_to_copenhagen") & (public["period"] == QMAT[0])].set_index("kommunekode")["value"]
    for k in (751, 400, 860):
        ref = 6371.0 * haversine_distances(np.radians([c[k]]), np.radians([c[101]]))[0, 0]
        assert got[k] == pytest.approx(ref, rel=1e-9)
    assert 140 < got[751] < 170  # Aarhus–København, straight line


def test_fetched_ages_replace_the_2014_structure(tmp_path, raw_data_dir):
    """A constructed FOLK1A answer in the cache (invented counts, the StatBank CSV shape) gives
    every year's age structure instead of 2014's."""
    rng = np.random.default_rng(5)
    m = reference.municipalities()
    rows, counts = [], {}
    for name, k in zip(m["navn_dst_en"], m["kommunekode"], strict=True):
        for year in (2021, 2022):
            for age in range(0, 90):
                n = int(rng.integers(50, 900))
                counts[(k, year, age)] = n
                rows.append(f"{name};Total;{age} years;Total;{year}Q1;{n}")
    body = "\ufeffOMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD\n" + "\n".join(rows) + "\n"
    cache = Cache(tmp_path / "cache")
    cache.put("statbank", "folk1a_ages.csv", body.encode("utf-8"), url="constructed", request={"table": "FOLK1A"})
    fw, (note_da, _note_en) = build_public_framework(["2022QMAT04"], raw_dir=raw_data_dir, cache=cache)
    have = set(fw["variable"])
    assert {"age_16_24_pct", "children_0_15_pct"} <= have and not any(v.endswith("_2014") for v in have)
    got = fw[fw["variable"] == "age_16_24_pct"].set_index("kommunekode")["value"]
    for k in (101, 450):
        ref = 100 * sum(counts[(k, 2022, a)] for a in range(16, 25)) / sum(counts[(k, 2022, a)] for a in range(16, 67))
        assert got[k] == pytest.approx(ref, rel=1e-12)
    assert "FOLK1A 2014" not in note_da
