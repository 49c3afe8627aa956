"""Rank intervals (csranks algorithm) against closed forms, brute force and simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from benchlearn.core.errors import ModelError
from benchlearn.benchmark import ranks as R


def test_well_separated_units_give_singletons():
    x = np.arange(10) * 10.0
    for simul in (True, False):
        ri = R.rank_intervals(x, np.ones(10), simultaneous=simul)
        np.testing.assert_array_equal(ri.lower, np.arange(1, 11))
        np.testing.assert_array_equal(ri.upper, np.arange(1, 11))


def test_identical_units_give_full_intervals():
    for simul in (True, False):
        ri = R.rank_intervals(np.zeros(6), np.ones(6), simultaneous=simul)
        assert (ri.lower == 1).all() and (ri.upper == 6).all()


def test_lowest_is_rank_one():
    ri = R.rank_intervals([5.0, -5.0, 0.0], np.full(3, 1e-4))
    np.testing.assert_array_equal(ri.rank, [3, 1, 2])
    np.testing.assert_array_equal(ri.lower, [3, 1, 2])


def test_two_units_critical_value_is_normal_quantile():
    """p = 2: the max over (1,2) and (2,1) of the t-statistic is |N(0,1)|, so the
    units separate exactly when |x1 - x2| > 1.96 * sd(diff)."""
    sd = np.sqrt(2.0)
    for gap, separated in ((2.1, True), (1.8, False)):
        ri = R.rank_intervals([0.0, gap * sd], np.ones(2), R=40_000, seed=3)
        assert bool(ri.upper[0] == 1) is separated
        assert bool(ri.lower[1] == 2) is separated


def test_marginal_fast_path_equals_generic_stepdown():
    """The vectorised marginal procedure equals the generic csdiffmeans step-down on
    the pair set {(j,k), (k,j)} (brute force, as csranks_marg does it)."""
    rng = np.random.default_rng(7)
    p = 25
    x = rng.normal(0, 1, p)
    S = np.diag(rng.uniform(0.05, 0.4, p))
    y, sd = -x, R._diff_sd(S)
    Z = -R.draw_normal(S, 500, np.random.default_rng(1))
    off = ~np.eye(p, dtype=bool)
    for j in range(p):
        act = np.zeros((p, p), dtype=bool)
        act[j, :] = act[:, j] = True
        L = R._stepdown(y, sd, Z, act & off, 0.95)
        assert R._stepdown_one(j, y, sd, Z, 0.95) == (int((L[:, j] > 0).sum()), int((L[j, :] > 0).sum()))


def test_simultaneous_contains_marginal():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 40)
    S = rng.uniform(0.05, 0.3, 40) ** 2
    m = R.rank_intervals(x, S, simultaneous=False)
    s = R.rank_intervals(x, S, simultaneous=True)
    assert (s.lower <= m.lower).all() and (s.upper >= m.upper).all()
    assert ((m.lower <= m.rank) & (m.rank <= m.upper)).all()


def test_coverage_simulation():
    """Known truth: simultaneous intervals cover all true ranks jointly in >= 95% of
    replications (the procedure is conservative); marginal ones each rank >= 95%."""
    rng = np.random.default_rng(2024)
    p, reps = 20, 150
    theta = np.linspace(-2, 2, p)
    se = np.full(p, 0.5)
    true_rank = stats.rankdata(theta)
    joint, marg = 0, 0.0
    for r in range(reps):
        x = theta + rng.normal(0, se)
        s = R.rank_intervals(x, se**2, simultaneous=True, R=500, seed=r)
        m = R.rank_intervals(x, se**2, simultaneous=False, R=500, seed=r)
        joint += bool(((s.lower <= true_rank) & (true_rank <= s.upper)).all())
        marg += np.mean((m.lower <= true_rank) & (true_rank <= m.upper))
    # nominal 0.95; binomial sd with 150 reps ≈ 0.018, allow 2.5 sd
    assert joint / reps >= 0.95 - 0.045
    assert marg / reps >= 0.95 - 0.02


def test_correlated_covariance_is_used():
    """A strong positive covariance makes the difference precise: units separate."""
    S = np.array([[1.0, 0.99], [0.99, 1.0]])
    ri = R.rank_intervals([0.0, 0.6], S, R=5000)
    # sd(diff) = sqrt(2 - 1.98) = 0.141, gap 0.6 > 1.96 * 0.141
    assert ri.upper[0] == 1 and ri.lower[1] == 2
    ri0 = R.rank_intervals([0.0, 0.6], np.eye(2), R=5000)
    assert ri0.upper[0] == 2


def test_prob_top_two_units_closed_form():
    # P(unit 1 ranks first) = P(x1 + Z1 < x2 + Z2) = Phi(d / sqrt(2))
    p = R.prob_top([0.0, 0.5], np.ones(2), k=1, R=200_000, seed=1)
    assert p[0] == pytest.approx(stats.norm.cdf(0.5 / np.sqrt(2)), abs=0.005)
    assert p.sum() == pytest.approx(1.0)


def test_prob_top_separated_and_sum():
    x = np.arange(30) * 10.0
    p = R.prob_top(x, np.ones(30), k=10)
    np.testing.assert_array_equal(p, np.r_[np.ones(10), np.zeros(20)])
    rng = np.random.default_rng(0)
    p2 = R.prob_top(rng.normal(0, 1, 30), np.ones(30), k=10)
    assert p2.sum() == pytest.approx(10.0)  # exactly 10 units are top 10 in every draw


def test_reproducible_with_seed():
    rng = np.random.default_rng(9)
    x, S = rng.normal(0, 1, 30), np.full(30, 0.1)
    a = R.rank_intervals(x, S, seed=5)
    b = R.rank_intervals(x, S, seed=5)
    np.testing.assert_array_equal(a.lower, b.lower)
    np.testing.assert_array_equal(a.upper, b.upper)


def test_bad_input():
    with pytest.raises(ModelError):
        R.rank_intervals([1.0, 2.0], np.ones((3, 3)))
    with pytest.raises(ModelError):
        R.rank_intervals([1.0, np.nan], np.ones(2))
