"""A published table's uncertainty includes the rounding of its counts to 10 (issue #12.2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.published import from_benchmark_table, rounding_unit, rounding_var
from benchlearn.data.dataset import Dataset
from benchlearn.sources.jobindsats import read_y30r21

Y30R21 = Path("jobindsats") / "Randers-Kommune-Digitalisering_jobcenterindblik_jobindsats.dk" / "Y30R21-api.csv"


def test_rounding_variance_against_simulation() -> None:
    # Known truth: continuous counts (fractional parts spread evenly), rounded to 10 as
    # Jobindsats does. The closed form 2·(10²/12)/N² of the result's rounding variance must
    # match the simulated variance; 400,000 draws give a relative Monte Carlo sd of
    # sqrt((E[e⁴]/E[e²]² − 1)/n) ≈ sqrt(1.4/4e5) ≈ 0.19 %, so 1 % is > 5 sd.
    rng = np.random.default_rng(12)
    n = 400_000
    N = 2_000.0  # Fanø-sized
    a = rng.uniform(50, 400, n)
    e = rng.uniform(50, 400, n)
    err = ((np.round(a / 10) * 10 - np.round(e / 10) * 10) - (a - e)) / N
    assert err.var() == pytest.approx(rounding_var(np.array([N]), 10.0)[0], rel=0.01)
    assert abs(err.mean()) < 5 * err.std() / np.sqrt(n)


def test_rounding_unit() -> None:
    assert rounding_unit(pd.DataFrame({"actual": [1850.0, 120], "expected": [2010.0, 100]})) == 10.0
    assert rounding_unit(pd.DataFrame({"actual": [1851.0, 120], "expected": [2010.0, 100]})) == 0.0


@pytest.fixture(scope="module")
def real(raw_data_dir: Path) -> tuple[pd.DataFrame, list[dict]]:
    p = raw_data_dir / Y30R21
    if not p.is_file():
        pytest.skip(f"{p} not found")
    bm = read_y30r21(p)
    ds = Dataset.from_tables({"benchmark": bm[bm["period"] == "2020QMAT02"]}, source="y30r21")
    res = from_benchmark_table(ds, BenchmarkConfig(area="total", rank_draws=500))
    lines = [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    return res.to_frame(), lines


def test_rounding_is_in_the_published_interval(real: tuple[pd.DataFrame, list[dict]]) -> None:
    r, lines = real
    # one place: se² is the sum of its parts, the rounding part exactly the closed form
    parts = r["var_sampling"] + r["var_rounding"] + r["var_pred"] + r["var_unmeasured"]
    assert np.allclose(r["se_pp"] ** 2, 1e4 * parts, rtol=1e-12)
    assert np.allclose(r["var_rounding"], 2 * (100 / 12) / r["persons"] ** 2, rtol=1e-12)
    fano = r[r["navn"] == "Fanø"].iloc[0]
    # small municipality: rounding is a visible part of the variance (measured 11 % in 2020QMAT02)
    assert fano["var_rounding"] / (fano["se_pp"] ** 2 / 1e4) > 0.05
    kbh = r[r["navn"] == "København"].iloc[0]
    assert kbh["var_rounding"] / (kbh["se_pp"] ** 2 / 1e4) < 1e-3


def test_published_rank_beside_ours(real: tuple[pd.DataFrame, list[dict]]) -> None:
    r, lines = real
    pub = {ln["Area"]: ln["Placering på benchmarkranglisten"] for ln in lines
           if ln["Periode"] == "2020QMAT02" and ln["Ydelsesgrupper"] == "Ydelsesgrupper i alt"}
    assert dict(zip(r["navn"], r["published_rank"].astype(int))) == pub
    ny = r[r["navn"] == "Nyborg"].iloc[0]
    assert ny["rank_ci_low"] <= ny["published_rank"] <= ny["rank_ci_high"]
    assert ny["ci_low_pp"] < ny["diff_pp"] < ny["ci_high_pp"] < 0
    # our ranks from rounded counts against the published ranks from unrounded ones (measured 0.998)
    assert spearmanr(r["rank"], r["published_rank"])[0] > 0.99
