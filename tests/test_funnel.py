"""Funnel limits, DerSimonian–Laird τ² and multiplicative φ against hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from benchlearn.core.errors import ModelError
from benchlearn.benchmark.uncertainty import (
    dersimonian_laird,
    estimate_overdispersion,
    funnel_flag,
    funnel_limits,
    paule_mandel_tau2,
    winsorize,
)

Z95 = 1.959963984540054
Z998 = 3.090232306167813

# Small case worked by hand (no winsorizing):
#   theta = (2, -1, 3, 0.5), se = (1, 1, 2, 0.5), target 0
#   z = (2, -1, 1.5, 1);  Q = 4 + 1 + 2.25 + 1 = 8.25;  phi = Q/4 = 2.0625
#   w = 1/se² = (1, 1, 0.25, 4);  Σw = 6.25;  Σw² = 18.0625;  Σw - Σw²/Σw = 3.36
#   tau² = (8.25 - 3) / 3.36 = 1.5625
THETA = np.array([2.0, -1.0, 3.0, 0.5])
SE = np.array([1.0, 1.0, 2.0, 0.5])


def test_overdispersion_hand_case():
    od = estimate_overdispersion(THETA, SE, target=0.0, winsor=0.0)
    assert od.q == pytest.approx(8.25, abs=1e-12)
    assert od.phi == pytest.approx(2.0625, abs=1e-12)
    assert od.tau2 == pytest.approx(1.5625, abs=1e-12)


def test_unadjusted_limits_closed_form():
    lim = funnel_limits(SE)
    np.testing.assert_allclose(lim["hi95"], Z95 * SE, rtol=1e-12)
    np.testing.assert_allclose(lim["lo95"], -Z95 * SE, rtol=1e-12)
    np.testing.assert_allclose(lim["hi998"], Z998 * SE, rtol=1e-12)


def test_additive_limits_closed_form():
    lim = funnel_limits(SE, tau2=1.5625, method="additive")
    # se = 1: 1.959964 * sqrt(1 + 1.5625) = 1.959964 * 1.600781...
    assert lim["hi95"][0] == pytest.approx(Z95 * np.sqrt(2.5625), rel=1e-12)
    np.testing.assert_allclose(lim["hi998"], Z998 * np.sqrt(SE**2 + 1.5625), rtol=1e-12)


def test_multiplicative_limits_closed_form():
    lim = funnel_limits(SE, phi=2.0625, method="multiplicative")
    np.testing.assert_allclose(lim["hi95"], Z95 * np.sqrt(2.0625) * SE, rtol=1e-12)
    # phi < 1 never narrows the funnel
    lim1 = funnel_limits(SE, phi=0.5, method="multiplicative")
    np.testing.assert_allclose(lim1["hi95"], Z95 * SE, rtol=1e-12)


def test_limits_around_target_for_ratio():
    lim = funnel_limits(SE, target=1.0)
    np.testing.assert_allclose(lim["lo95"] + lim["hi95"], 2.0, rtol=1e-12)


def test_winsorize_hand_case():
    z = np.arange(11, dtype=float)  # 0..10; 10% / 90% quantiles are 1 and 9
    np.testing.assert_array_equal(winsorize(z, 0.1), np.r_[1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9].astype(float))
    np.testing.assert_array_equal(winsorize(z, 0.0), z)


def test_dl_meta_regression_intercept_matches_classic_formula():
    y = np.array([0.1, 0.5, -0.2, 0.9, 0.3])
    v = np.array([0.04, 0.09, 0.01, 0.16, 0.05])
    w = 1 / v
    mu = np.sum(w * y) / w.sum()
    q = np.sum(w * (y - mu) ** 2)
    classic = max(0.0, (q - 4) / (w.sum() - (w**2).sum() / w.sum()))
    assert dersimonian_laird(y, v) == pytest.approx(classic, rel=1e-10)


def test_dl_matches_statsmodels():
    """Independent implementation: statsmodels' combine_effects (method_re='dl')."""
    from statsmodels.stats.meta_analysis import combine_effects

    rng = np.random.default_rng(5)
    v = rng.uniform(0.01, 0.2, 30)
    y = rng.normal(0, np.sqrt(v + 0.05))
    res = combine_effects(y, v, method_re="dl")
    assert dersimonian_laird(y, v) == pytest.approx(res.tau2, rel=1e-8)


def test_paule_mandel_solves_its_equation():
    rng = np.random.default_rng(1)
    v = rng.uniform(0.5, 2, 50)
    r = rng.normal(0, np.sqrt(v + 3.0))
    t2 = paule_mandel_tau2(r, v, 48)
    assert np.sum(r**2 / (t2 + v)) == pytest.approx(48, rel=1e-8)
    assert paule_mandel_tau2(np.zeros(5), np.ones(5), 4) == 0.0


def test_funnel_calibrated_without_overdispersion():
    """With no over-dispersion, about 5% fall outside the 95% limits and tau² is small."""
    rng = np.random.default_rng(11)
    se = rng.uniform(0.1, 1.0, 20_000)
    theta = rng.normal(0, se)
    lim = funnel_limits(se)
    outside = np.mean((theta < lim["lo95"]) | (theta > lim["hi95"]))
    assert outside == pytest.approx(0.05, abs=0.006)  # binomial sd 0.0015; 4 sd
    od = estimate_overdispersion(theta, se, winsor=0.0)
    assert od.phi == pytest.approx(1.0, abs=0.03)
    # Under over-dispersion with known tau² = 0.25, DL recovers it
    theta2 = rng.normal(0, np.sqrt(se**2 + 0.25))
    assert estimate_overdispersion(theta2, se, winsor=0.0).tau2 == pytest.approx(0.25, rel=0.1)


def test_flags():
    lim = funnel_limits(np.ones(5))
    flags = funnel_flag([0, 2.5, -2.5, 4, -4], lim["lo95"], lim["hi95"], lim["lo998"], lim["hi998"])
    assert list(flags) == ["within", "above_95", "below_95", "above_998", "below_998"]


def test_bad_input_raises():
    with pytest.raises(ModelError):
        estimate_overdispersion([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ModelError):
        estimate_overdispersion([1.0], [1.0])


def test_z_constants():
    assert stats.norm.ppf(0.975) == pytest.approx(Z95)
    assert stats.norm.ppf(0.999) == pytest.approx(Z998)
