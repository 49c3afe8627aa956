"""Raking (IPF) to register margins: margins met, closed forms where they exist."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchlearn.assess.raking import kish_deff, margins_from_frame, rake
from benchlearn.errors import ConfigError


def _sample(n: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "maalgruppe": rng.choice(["syge", "oevrige_ledige", "unge"], n, p=[0.5, 0.3, 0.2]),
            "sex": rng.choice(["M", "K"], n, p=[0.65, 0.35]),
            "age_group": rng.choice(["16-29", "30-49", "50-66"], n, p=[0.2, 0.3, 0.5]),
        }
    )


MARGINS = {
    "maalgruppe": {"syge": 0.3, "oevrige_ledige": 0.5, "unge": 0.2},
    "sex": {"M": 0.5, "K": 0.5},
    "age_group": {"16-29": 0.3, "30-49": 0.4, "50-66": 0.3},
}


def _shares(sample: pd.DataFrame, w: np.ndarray, var: str) -> dict[str, float]:
    s = pd.Series(w).groupby(sample[var].to_numpy()).sum()
    return (s / s.sum()).to_dict()


def test_three_margins_are_met_within_1e6() -> None:
    sample = _sample()
    res = rake(sample, MARGINS)
    assert res.converged
    for var, target in MARGINS.items():
        got = _shares(sample, res.weights, var)
        for cat, share in target.items():
            assert got[cat] == pytest.approx(share, abs=1e-6)
    # weights are scaled to mean 1 (sum = n), all positive
    assert res.weights.sum() == pytest.approx(len(sample), rel=1e-12)
    assert (res.weights > 0).all()


def test_raked_weights_are_multiplicative_in_the_categories() -> None:
    # IPF's fixed point has w_i = exp(a_{maalgruppe(i)} + b_{sex(i)} + c_{age(i)}) (raking
    # ratio form). Check it independently: log w is exactly fitted by main-effect dummies.
    sample = _sample()
    res = rake(sample, MARGINS)
    X = pd.get_dummies(sample, drop_first=True, dtype=float).assign(const=1.0).to_numpy()
    coef, *_ = np.linalg.lstsq(X, np.log(res.weights), rcond=None)
    assert np.max(np.abs(X @ coef - np.log(res.weights))) < 1e-8


def test_one_variable_equals_post_stratification_closed_form() -> None:
    sample = _sample()
    m = {"maalgruppe": MARGINS["maalgruppe"]}
    res = rake(sample, m)
    n = len(sample)
    n_c = sample["maalgruppe"].value_counts()
    expected = sample["maalgruppe"].map(lambda c: n * m["maalgruppe"][c] / n_c[c]).to_numpy()
    np.testing.assert_allclose(res.weights, expected, rtol=1e-10)


def test_counts_work_as_margins_and_long_form_is_read() -> None:
    sample = _sample()
    long = pd.DataFrame({"variable": ["sex", "sex"], "category": ["M", "K"], "share": [300.0, 700.0]})
    res = rake(sample, margins_from_frame(long))
    assert _shares(sample, res.weights, "sex")["K"] == pytest.approx(0.7, abs=1e-9)


def test_missing_answers_are_held_at_their_sample_share() -> None:
    sample = _sample()
    sample.loc[sample.index[:40], "sex"] = None  # 10% unknown sex
    res = rake(sample, {"sex": {"M": 0.5, "K": 0.5}})
    w = pd.Series(res.weights)
    unknown = w[sample["sex"].isna().to_numpy()].sum() / w.sum()
    assert unknown == pytest.approx(0.1, abs=1e-9)
    known = sample["sex"].notna().to_numpy()
    m_share = w[known & (sample["sex"] == "M").to_numpy()].sum() / w.sum()
    assert m_share == pytest.approx(0.45, abs=1e-9)  # 0.5 of the 90% known


def test_category_without_respondents_is_dropped_and_reported() -> None:
    sample = _sample()
    m = {"maalgruppe": {"syge": 0.3, "oevrige_ledige": 0.5, "unge": 0.1, "fleksjobbere": 0.1}}
    res = rake(sample, m)
    assert res.dropped == (("maalgruppe", "fleksjobbere"),)
    got = _shares(sample, res.weights, "maalgruppe")
    assert got["syge"] == pytest.approx(0.3 / 0.9, abs=1e-9)


def test_kish_design_effect_closed_form() -> None:
    assert kish_deff(np.ones(10)) == pytest.approx(1.0)
    # w = (1, 3): n * sum(w^2) / sum(w)^2 = 2 * 10 / 16
    assert kish_deff(np.array([1.0, 3.0])) == pytest.approx(1.25)


def test_bad_input() -> None:
    sample = _sample(20)
    with pytest.raises(ConfigError):
        rake(sample, {"nope": {"a": 1.0}})
    with pytest.raises(ConfigError):
        rake(sample, {"sex": {"M": 0.5, "K": 0.5}}, base_weights=np.zeros(20))
