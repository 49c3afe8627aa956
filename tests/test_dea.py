"""DEA: published examples, an independent LP formulation, invariances, bootstrap.

Tolerances: scores are LP optima computed by HiGHS to about 1e-9 on data rescaled
to mean 1, so comparisons with closed forms or another LP use 1e-6 (the
acceptance criterion); invariance checks compare two HiGHS runs on the same
rescaled data and use 1e-7.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from benchlearn.core.errors import ConfigError, ModelError
from benchlearn.benchlearning.dea import DEAConfig, dea
from benchlearn.benchlearning.dea_lp import efficiency_scores
from benchlearn.benchlearning.jobcentre_dea import JobcentreDEAConfig, dea_from_dataset
from benchlearn.core.results import Run

# Coelli, T. J. (1996), "A Guide to DEAP Version 2.1: A Data Envelopment Analysis
# (Computer) Program", CEPA Working Paper 96/08, University of New England —
# example EG1 (5 firms, 1 output, 2 inputs; input-oriented CRS). The published
# output (eg1-out.txt) lists TE 0.500, 1.000, 0.833, 0.714, 1.000, peers
# 1:{2}, 2:{2}, 3:{5,2}, 4:{5,2}, 5:{5}, peer weights 3: 0.500 1.000,
# 4: 0.286 0.214, and an input-2 slack of 0.500 for firm 1. Its input targets
# (4: 2.143, 1.429 = 5/7·(3, 2)) pin the exact values 5/6 and 5/7.
EG1_X = np.array([[2, 5], [2, 4], [6, 6], [3, 2], [6, 2]], dtype=float)
EG1_Y = np.array([1, 2, 3, 1, 2], dtype=float)
EG1_TE = np.array([0.5, 1.0, 5 / 6, 5 / 7, 1.0])
EG1_PUBLISHED = [0.500, 1.000, 0.833, 0.714, 1.000]

# Bogetoft & Otto (2011), "Benchmarking with DEA, SFA, and R", §4.6.1 numerical
# example: one input, one output, six firms.
BO_X = np.array([20, 40, 40, 60, 70, 50], dtype=float)
BO_Y = np.array([20, 30, 50, 40, 60, 20], dtype=float)


def test_deap_eg1_crs_scores_peers_weights_slacks():
    r = dea(EG1_X, EG1_Y, config=DEAConfig(rts="crs"))
    np.testing.assert_allclose(r.efficiency, EG1_TE, atol=1e-6)
    assert np.round(r.efficiency, 3).tolist() == EG1_PUBLISHED
    assert [sorted(r.peers(o)) for o in range(5)] == [[1], [1], [1, 4], [1, 4], [4]]
    lam = r.lambdas
    np.testing.assert_allclose([lam[2, 4], lam[2, 1]], [0.5, 1.0], atol=1e-6)
    np.testing.assert_allclose([lam[3, 4], lam[3, 1]], [2 / 7, 3 / 14], atol=1e-6)
    np.testing.assert_allclose(lam[0, 1], 0.5, atol=1e-6)
    np.testing.assert_allclose(r.input_slacks[0], [0.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(r.input_slacks[1:], 0.0, atol=1e-6)
    np.testing.assert_allclose(r.output_slacks, 0.0, atol=1e-6)


def test_super_efficiency_by_hand():
    # Without firm 5 (6,2; y=2) the cheapest CRS mix of firms 2 and 4 needs
    # θ = max((2a+3b)/6, (4a+2b)/2) with 2a+b = 2, whose minimum is 2; the same
    # bound (firm 3 scaled by 2/3) holds for firm 2. Inefficient units keep θ.
    r = dea(EG1_X, EG1_Y, config=DEAConfig(rts="crs"))
    np.testing.assert_allclose(r.super_efficiency, [0.5, 2.0, 5 / 6, 5 / 7, 2.0], atol=1e-6)
    # Under VRS the largest-output firm has no feasible super-efficiency LP.
    v = dea(BO_X, BO_Y, config=DEAConfig(rts="vrs"))
    assert np.isnan(v.super_efficiency[4])


def test_single_input_output_closed_form():
    # CRS: θ = (y/x) / max(y/x) — the best ratio is 50/40 = 1.25.
    crs = dea(BO_X, BO_Y, config=DEAConfig(rts="crs")).efficiency
    np.testing.assert_allclose(crs, (BO_Y / BO_X) / 1.25, atol=1e-6)
    # VRS: frontier through (20,20), (40,50), (70,60); input needed for output y on
    # the segment (20,20)-(40,50) is 20 + (y-20)·20/30.
    need = np.where(BO_Y <= 50, 20 + np.clip(BO_Y - 20, 0, None) * 20 / 30, 40 + (BO_Y - 50) * 30 / 10)
    vrs = dea(BO_X, BO_Y, config=DEAConfig(rts="vrs")).efficiency
    np.testing.assert_allclose(vrs, need / BO_X, atol=1e-6)
    np.testing.assert_allclose(vrs, [1, 2 / 3, 1, 5 / 9, 1, 0.4], atol=1e-6)


def _multiplier(X: np.ndarray, Y: np.ndarray, rts: str) -> np.ndarray:
    """Independent formulation: the multiplier (dual) LP, solved per unit.

    max u'y_o (+ u0 under VRS) s.t. v'x_o = 1, u'y_j (+ u0) − v'x_j ≤ 0, u, v ≥ 0.
    """
    n, m = X.shape
    s = Y.shape[1]
    out = []
    for o in range(n):
        extra = 1 if rts == "vrs" else 0
        c = -np.concatenate([Y[o], np.zeros(m), [1.0] * extra])
        A_ub = np.hstack([Y, -X, np.ones((n, extra))])
        A_eq = np.concatenate([np.zeros(s), X[o], np.zeros(extra)])[None, :]
        bounds = [(0, None)] * (s + m) + [(None, None)] * extra
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
        assert res.status == 0
        out.append(-res.fun)
    return np.array(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_envelopment_equals_multiplier_form(seed, rts):
    rng = np.random.default_rng(seed)
    X = rng.lognormal(3, 0.5, size=(30, 2))
    Y = rng.lognormal(2, 0.5, size=(30, 2))
    got = dea(X, Y, config=DEAConfig(rts=rts)).efficiency
    np.testing.assert_allclose(got, _multiplier(X, Y, rts), atol=1e-6)
    # the batched LP used by the bootstrap gives the same scores
    np.testing.assert_allclose(efficiency_scores(X.T, Y.T, rts), got, atol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_crs_below_vrs_and_efficient_units_are_own_peers(seed):
    rng = np.random.default_rng(100 + seed)
    X = rng.lognormal(3, 0.6, size=(40, 1))
    Y = rng.lognormal(2, 0.6, size=(40, 2))
    crs = dea(X, Y, config=DEAConfig(rts="crs"))
    vrs = dea(X, Y, config=DEAConfig(rts="vrs"))
    assert np.all(crs.efficiency <= vrs.efficiency + 1e-9)
    for r in (crs, vrs):
        assert r.efficient.any()
        for o in np.flatnonzero(r.efficient):
            assert r.units[o] in r.peers(o)
        # peers of every unit are efficient units
        for o in range(40):
            for p in r.peers(o):
                assert r.efficient[r.units.index(p)]


def test_invariant_to_rescaling_inputs_and_outputs():
    rng = np.random.default_rng(7)
    X = rng.lognormal(15, 0.5, size=(25, 1))
    Y = rng.lognormal(5, 0.5, size=(25, 2))
    cfg = DEAConfig(rts="vrs", bootstrap=30, seed=3)
    a = dea(X, Y, config=cfg)
    b = dea(X / 1000.0, Y * np.array([100.0, 0.01]), config=cfg)
    c = dea(X, Y, config=DEAConfig(rts="vrs", rescale=False))
    for other in (b, c):
        np.testing.assert_allclose(other.efficiency, a.efficiency, atol=1e-7)
        assert [other.peers(o) for o in range(25)] == [a.peers(o) for o in range(25)]
    np.testing.assert_allclose(b.ci_low, a.ci_low, atol=1e-7)
    np.testing.assert_allclose(b.ci_high, a.ci_high, atol=1e-7)
    np.testing.assert_allclose(b.input_slacks, a.input_slacks / 1000.0, rtol=1e-6, atol=1e-9)


# The 8-unit case of issue #17: one input, one output, efficiencies from 0.2 to 1.
# The old bootstrap (reflection of θ around 1, draws clipped at 0) gave an efficient
# unit under VRS a bias-corrected score far below 0 and intervals below 0.
EIGHT_X = np.array([10, 12, 20, 25, 40, 55, 80, 100.0])
EIGHT_Y = np.array([10, 4, 18, 5, 30, 12, 70, 20.0])

# Coelli, Rao, O'Donnell & Battese (2005), An Introduction to Efficiency and
# Productivity Analysis, 2nd ed., ch. 8: the one-input one-output VRS example
# (also DEAP 2.1's EG2): firms (x, y) = (2,1), (4,2), (3,3), (5,4), (6,5). CRS TE
# 0.5, 0.5, 1, 0.8, 0.833; VRS TE 1, 0.625, 1, 0.9, 1. By hand: CRS θ = (y/x)/max(y/x)
# with max 3/3; the VRS frontier runs (2,1)-(3,3)-(6,5), so firm 2 needs 2 + 1/2 = 2.5
# of its 4 and firm 4 needs 3 + 1·3/2 = 4.5 of its 5.
CROB_X = np.array([2, 4, 3, 5, 6], dtype=float)
CROB_Y = np.array([1, 2, 3, 4, 5], dtype=float)
CROB_CRS = np.array([0.5, 0.5, 1.0, 0.8, 5 / 6])
CROB_VRS = np.array([1.0, 0.625, 1.0, 0.9, 1.0])


def _envelopment(X: np.ndarray, Y: np.ndarray, rts: str, radial=None, ref=None) -> np.ndarray:
    """Independent envelopment LP per unit (dense, no rescaling, no pruning):
    min θ s.t. Σλx_i ≤ θx_io (radial i), Σλx_i ≤ x_io (other i), Σλy ≥ y_o, λ ≥ 0 [, Σλ = 1];
    the reference set is ``ref`` (a boolean mask) plus the unit itself."""
    n, m = X.shape
    rad = np.ones(m, bool) if radial is None else np.asarray(radial, bool)
    out = []
    for o in range(n):
        cols = np.flatnonzero((np.ones(n, bool) if ref is None else ref) | (np.arange(n) == o))
        k = len(cols)
        c = np.r_[1.0, np.zeros(k)]
        A = np.vstack([np.c_[np.where(rad, -X[o], 0.0), X[cols].T], np.c_[np.zeros(Y.shape[1]), -Y[cols].T]])
        b = np.r_[np.where(rad, 0.0, X[o]), -Y[o]]
        eq = dict(A_eq=np.r_[0.0, np.ones(k)][None, :], b_eq=[1.0]) if rts == "vrs" else {}
        res = linprog(c, A_ub=A, b_ub=b, bounds=[(None, None)] + [(0, None)] * k, method="highs", **eq)
        assert res.status == 0
        out.append(res.x[0])
    return np.array(out)


def _assert_unit_interval(r) -> None:
    """Issue #17's acceptance: efficiency, bias-corrected score and both interval ends
    in (0, 1], the bias-corrected score inside its interval (1e-12: the three numbers
    come from one array of replicates, so only floating-point rounding separates them)."""
    for a in (r.efficiency, r.bias_corrected, r.ci_low, r.ci_high):
        assert np.all(np.isfinite(a)) and np.all(a > 0) and np.all(a <= 1.0), a
    assert np.all(r.ci_low <= r.bias_corrected + 1e-12)
    assert np.all(r.bias_corrected <= r.ci_high + 1e-12)
    assert np.all(r.ci_low <= r.ci_high)


def test_crob_vrs_example_published_scores():
    crs = dea(CROB_X, CROB_Y, config=DEAConfig(rts="crs"))
    vrs = dea(CROB_X, CROB_Y, config=DEAConfig(rts="vrs"))
    np.testing.assert_allclose(crs.efficiency, CROB_CRS, atol=1e-6)
    np.testing.assert_allclose(vrs.efficiency, CROB_VRS, atol=1e-6)
    assert np.round(vrs.efficiency, 3).tolist() == [1.0, 0.625, 1.0, 0.9, 1.0]
    for rts, r in (("crs", crs), ("vrs", vrs)):
        np.testing.assert_allclose(r.efficiency, _envelopment(CROB_X[:, None], CROB_Y[:, None], rts), atol=1e-6)
        np.testing.assert_allclose(r.efficiency, _multiplier(CROB_X[:, None], CROB_Y[:, None], rts), atol=1e-6)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("case", ["eight", "eg1", "crob", "random40"])
def test_bootstrap_scores_in_unit_interval(case, rts):
    rng = np.random.default_rng(11)
    X, Y = {
        "eight": (EIGHT_X, EIGHT_Y), "eg1": (EG1_X, EG1_Y), "crob": (CROB_X, CROB_Y),
        "random40": (rng.lognormal(3, 0.8, (40, 2)), rng.lognormal(2, 0.5, (40, 2))),
    }[case]
    r = dea(X, Y, config=DEAConfig(rts=rts, bootstrap=200, seed=5))
    if r.efficient.all():  # EG1 under VRS: nothing to bootstrap (Benchmarking::dea.boot stops here)
        assert case == "eg1" and rts == "vrs" and np.isnan(r.ci_low).all()
        return
    _assert_unit_interval(r)
    # the point estimates equal the independent LP
    np.testing.assert_allclose(r.efficiency, _envelopment(np.c_[X].reshape(len(r.units), -1),
                                                          np.c_[Y].reshape(len(r.units), -1), rts), atol=1e-6)
    # DEA is biased towards efficiency (the estimated frontier lies inside the true
    # one), so the correction and the interval lie at or below the estimate
    assert np.all(r.bias_corrected <= r.efficiency + 1e-12)
    assert np.all(r.ci_high <= r.efficiency + 1e-12)
    assert np.all(r.boot >= r.efficiency[None, :] - 1e-7)  # θ*_b ≥ θ (module docstring)
    if case == "eight" and rts == "vrs":
        # the units the old code broke: efficient units keep a positive, sensible score
        assert np.all(r.bias_corrected[r.efficient] > 0.5)


def test_bootstrap_arithmetic_as_benchmarking_dea_boot_and_seeded():
    """bc and interval recomputed from the bootstrap scores with the formulas of R's
    Benchmarking::dea.boot (on 1/θ: eff.bc = eff − (rowMeans(boot) − eff); ci = eff +
    quantile(eff − boot, type 9), then inverted and swapped), written out here."""
    cfg = DEAConfig(rts="vrs", bootstrap=100, seed=5)
    r = dea(EIGHT_X, EIGHT_Y, config=cfg)
    delta, dboot = 1 / r.efficiency, 1 / r.boot
    bc = 1 / (delta - (dboot.mean(axis=0) - delta))
    np.testing.assert_allclose(r.bias_corrected, bc, rtol=1e-9)
    lo_d = delta + np.quantile(delta - dboot, 0.025, axis=0, method="normal_unbiased")
    hi_d = delta + np.quantile(delta - dboot, 0.975, axis=0, method="normal_unbiased")
    # 1e-6: d below 1e-7 counts as LP round-off (set to 0) in the module
    np.testing.assert_allclose(r.ci_low, 1 / hi_d, rtol=1e-6)
    np.testing.assert_allclose(r.ci_high, 1 / lo_d, rtol=1e-6)
    np.testing.assert_allclose(r.bias, r.efficiency - r.bias_corrected, rtol=1e-12)
    r2 = dea(EIGHT_X, EIGHT_Y, config=cfg)
    np.testing.assert_array_equal(r.ci_low, r2.ci_low)


def test_bandwidth_daraio_simar():
    """h on the Shephard scale: Silverman on the reflected inefficient δ, rescaled
    (Daraio & Simar 2007, eqs. 3.23-3.26), recomputed here by hand."""
    r = dea(EIGHT_X, EIGHT_Y, config=DEAConfig(rts="vrs", bootstrap=20, seed=1))
    d = 1 / r.efficiency
    z = d[d > 1 + 1e-6]
    refl = np.r_[z, 2 - z]
    iqr = (np.percentile(refl, 75) - np.percentile(refl, 25)) / 1.349
    sd = refl.std(ddof=1)
    h = 0.9 * (iqr if iqr < sd else sd) * len(refl) ** -0.2 * (len(refl) / len(d)) ** 0.2 * d.std(ddof=1) / sd
    assert r.bandwidth == pytest.approx(h, rel=1e-12)


def test_all_efficient_gives_no_interval():
    r = dea([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], config=DEAConfig(rts="crs", bootstrap=20))
    assert r.efficient.all() and np.isnan(r.ci_low).all() and np.isnan(r.bias_corrected).all()


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_non_radial_input_equals_independent_lp(rts):
    rng = np.random.default_rng(4)
    X = rng.lognormal(3, 0.5, size=(25, 2))
    Y = rng.lognormal(2, 0.5, size=(25, 1))
    r = dea(X, Y, config=DEAConfig(rts=rts, radial=(True, False), bootstrap=50, seed=2))
    np.testing.assert_allclose(r.efficiency, _envelopment(X, Y, rts, radial=(True, False)), atol=1e-6)
    # every (θ, λ) feasible when both inputs shrink is feasible when only the first
    # does (θx₂ ≤ x₂), so the sub-vector score is never higher
    both = dea(X, Y, config=DEAConfig(rts=rts)).efficiency
    assert np.all(r.efficiency <= both + 1e-9)
    _assert_unit_interval(r)
    # the non-radial input is not scaled: its slack is what the reference leaves over
    assert np.all(r.input_slacks >= -1e-9)


def test_screening_removes_a_planted_super_efficient_unit():
    rng = np.random.default_rng(8)
    x = rng.uniform(50, 100, 30)
    y = x * rng.uniform(0.5, 0.9, 30)
    y[7] = x[7] * 1.5  # far ahead of everyone: super-efficiency 1.5/0.9 ≥ 1.67
    plain = dea(x, y, config=DEAConfig(rts="crs"))
    assert plain.reference_count[7] == 29  # the planted unit is everyone's only peer
    r = dea(x, y, config=DEAConfig(rts="crs", screen=1.2, bootstrap=50, seed=3))
    assert r.screened.tolist() == [i == 7 for i in range(30)]
    assert r.efficiency[7] == 1.0 and r.reference_count[7] == 0
    ref = np.arange(30) != 7
    np.testing.assert_allclose(r.efficiency, _envelopment(x[:, None], y[:, None], "crs", ref=ref), atol=1e-6)
    _assert_unit_interval(r)
    # CRS one input one output: against the screened frontier θ = ratio / best other ratio
    ratio = y / x
    np.testing.assert_allclose(r.efficiency[ref], ratio[ref] / ratio[ref].max(), atol=1e-6)


def test_reference_counts_match_peers():
    r = dea(EG1_X, EG1_Y, config=DEAConfig(rts="crs"))
    # peers 1:{2}, 3:{2,5}, 4:{2,5} (firm numbers): firm 2 for three others, firm 5 for two
    assert r.reference_count.tolist() == [0, 3, 0, 0, 2]
    np.testing.assert_allclose(r.reference_share, np.array([0, 3, 0, 0, 2]) / 4)


def test_bootstrap_covers_true_efficiency_in_simulation():
    # Known truth: y = x^0.7 frontier (VRS), θ_true = (y^(1/0.7)) / x.
    rng = np.random.default_rng(21)
    n, hits, total, err_raw, err_bc = 60, 0, 0, 0.0, 0.0
    for rep in range(3):
        x = rng.uniform(10, 100, n)
        theta = np.exp(-np.abs(rng.normal(0, 0.25, n)))
        y = (theta * x) ** 0.7
        r = dea(x, y, config=DEAConfig(rts="vrs", bootstrap=100, seed=rep))
        hits += np.sum((r.ci_low <= theta) & (theta <= r.ci_high))
        total += n
        err_raw += np.abs(r.efficiency - theta).sum()
        err_bc += np.abs(r.bias_corrected - theta).sum()
    # bias correction moves the estimates towards the truth (here 0.032 -> 0.026)
    assert err_bc < err_raw
    # nominal 95 %; SW (1998) intervals are known to undercover in small samples,
    # so require only a clear majority rather than 95 % (documented limitation).
    assert hits / total > 0.6


def test_bad_input_raises():
    with pytest.raises(ModelError):
        dea([1.0, -2.0, 3.0], [1.0, 1.0, 1.0])
    with pytest.raises(ModelError):
        dea([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ConfigError):
        DEAConfig(rts="drs")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        DEAConfig(bootstrap=5)


def _jobcentre_data(seed: int = 3):
    rng = np.random.default_rng(seed)
    codes = [101, 147, 151, 153, 155, 157, 159, 161, 163, 165, 167, 169]
    O = rng.uniform(500, 5000, len(codes))
    E = O * rng.uniform(0.85, 1.15, len(codes))
    records = pd.DataFrame({"kommunekode": codes, "actual": O, "expected": E})
    costs = []
    for k, o in zip(codes, O):
        for cat, share in (("administration", 0.6), ("aktive_tilbud", 0.4)):
            costs.append((k, "2023", cat, o * 80_000 * share * rng.uniform(0.8, 1.2)))
    return pd.DataFrame(costs, columns=["kommunekode", "period", "category", "dkk"]), records


def test_jobcentre_dea_potential_and_units():
    costs, records = _jobcentre_data()
    cfg = JobcentreDEAConfig(period="2023", rts="vrs", bootstrap=50, seed=2)
    out = dea_from_dataset(costs, records, cfg)
    fr = out.records
    x = costs.groupby("kommunekode")["dkk"].sum().loc[fr["kommunekode"]].to_numpy()
    rec = records.set_index("kommunekode").loc[fr["kommunekode"]]
    O, E = rec["actual"].to_numpy(), rec["expected"].to_numpy()
    np.testing.assert_allclose(fr["input_dkk"], x, rtol=1e-12)
    # inputs (x held, O contracted), output E: the independent LP written in this file
    np.testing.assert_allclose(fr["efficiency"], _envelopment(np.c_[x, O], E[:, None], "vrs", radial=(False, True)), atol=1e-6)
    np.testing.assert_allclose(fr["potential_persons"], (1 - fr["efficiency"]) * O, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fr["potential_persons_bc"], (1 - fr["bias_corrected"]) * O, rtol=1e-9)
    np.testing.assert_allclose(fr["potential_dkk"], fr["potential_persons"] * 74_000.0, rtol=1e-12)
    assert (fr["potential_persons_low"] <= fr["potential_persons_bc"] + 1e-9).all()
    assert (fr["potential_persons_bc"] <= fr["potential_persons_high"] + 1e-9).all()
    s = out.summary.iloc[0]
    assert s["potential_persons"] == pytest.approx(fr["potential_persons"].sum(), rel=1e-12)
    assert s["potential_persons_low"] <= s["potential_persons_bc"] <= s["potential_persons_high"]
    # The same data in thousand kroner: same scores and peers, same persons.
    k = costs.assign(dkk=costs["dkk"] / 1000.0)
    fk = dea_from_dataset(k, records, cfg).records
    np.testing.assert_allclose(fk["efficiency"], fr["efficiency"], atol=1e-7)
    assert fk["peers"].tolist() == fr["peers"].tolist()
    # CRS ≤ VRS, and the expenditure target contracts x with O held
    fc = dea_from_dataset(costs, records, JobcentreDEAConfig(period="2023", rts="crs")).records
    assert np.all(fc["efficiency"].to_numpy() <= fr["efficiency"].to_numpy() + 1e-9)
    fe = dea_from_dataset(costs, records, JobcentreDEAConfig(period="2023", rts="crs", target="expenditure")).records
    np.testing.assert_allclose(fe["efficiency"], _envelopment(np.c_[x, O], E[:, None], "crs", radial=(True, False)), atol=1e-6)
    np.testing.assert_allclose(fe["potential_dkk"], (1 - fe["efficiency"]) * x, rtol=1e-9, atol=1e-6)
    assert fe["potential_persons"].isna().all()


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_jobcentre_dea_on_simulated_98(sim, rts):
    """The simulated 98 municipalities with the benchmark fitted on them: scores equal
    the independent LP, everything in (0, 1], the bias-corrected score inside its
    interval, and a warning for every municipality that is the reference of > 25 %."""
    from benchlearn.runs.peer_runs import benchmark_inputs

    ds = sim.dataset
    period = ds.periods("costs")[-1]
    records = benchmark_inputs(ds, period, need_weights=False).records
    out = dea_from_dataset(ds.table("costs"), records, JobcentreDEAConfig(period=period, rts=rts, bootstrap=30, seed=4))
    fr = out.records
    assert len(fr) == 98
    x, O, E = fr["input_dkk"].to_numpy(), fr["actual"].to_numpy(), fr["expected"].to_numpy()
    ref = ~fr["screened"].to_numpy()
    np.testing.assert_allclose(fr["efficiency"], _envelopment(np.c_[x, O], E[:, None], rts, radial=(False, True), ref=ref),
                               atol=1e-6)
    for c in ("efficiency", "bias_corrected", "ci_low", "ci_high"):
        assert ((fr[c] > 0) & (fr[c] <= 1)).all(), c
    assert ((fr["ci_low"] <= fr["bias_corrected"] + 1e-12) & (fr["bias_corrected"] <= fr["ci_high"] + 1e-12)).all()
    heavy = fr["reference_share"] > 0.25
    assert len(out.warnings) == int(heavy.sum())
    for (da, en), k in zip(out.warnings, fr.loc[heavy, "kommunekode"]):
        assert rts.upper() in da and rts.upper() in en and str(k) in en  # no names given: the code stands in
    s = out.summary.iloc[0]
    assert s["potential_persons_low"] <= s["potential_persons_bc"] <= s["potential_persons_high"]
    assert s["potential_persons"] <= s["potential_persons_bc"]  # DEA's bias is towards efficiency


def test_cli_dea_json_from_workspace(tmp_path, sim):
    from benchlearn.store import Workspace

    ds = sim.dataset
    period = ds.periods("costs")[-1]
    sup = ds.table("support")
    O = sup[sup["period"] == period].groupby("kommunekode")["fuldtidspersoner"].sum()
    rng = np.random.default_rng(0)
    recs = pd.DataFrame({"kommunekode": O.index.astype("int64"), "period": period, "area": "total",
                         "actual": O.to_numpy(), "expected": O.to_numpy() * rng.uniform(0.9, 1.1, len(O)),
                         "diff_pp": rng.normal(0, 1, len(O)), "se_pp": 0.3})
    wsp = tmp_path / "ws.duckdb"
    with Workspace.open(wsp) as ws:
        ws.ingest(ds)
        ws.record(Run("benchmark", {"period": period, "area": "total"}, {"records": recs}), input_hash=ds.content_hash)
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    p = subprocess.run([sys.executable, "-m", "benchlearn", "dea", str(wsp), "--period", period, "--rts", "crs",
                        "--bootstrap", "0", "--json"], check=False, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert len(out) == len(O)
    for r in out:
        assert {"kommunekode", "efficiency", "ci_low", "ci_high", "peers", "lambdas", "super_efficiency",
                "potential_dkk", "potential_persons", "rts", "target", "reference_share"} <= set(r)
        assert r["rts"] == "crs"
        assert 0 < r["efficiency"] <= 1 + 1e-9
        if r["efficiency"] >= 1 - 1e-7:
            assert r["kommunekode"] in r["peers"]
    bad = subprocess.run([sys.executable, "-m", "benchlearn", "dea", str(wsp), "--rts", "xyz"],
                         check=False, capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_cli_dea_on_precomputed_benchmark_table(tmp_path):
    """A folder with only ``costs`` and a precomputed ``benchmark`` table (DATA.md):
    the CLI scores equal the independent envelopment LP on inputs (Σ dkk, O), output E."""
    costs, records = _jobcentre_data(9)
    d = tmp_path / "ds"
    d.mkdir()
    costs.to_csv(d / "costs.csv", index=False)
    records.assign(period="2023", area="total").to_csv(d / "benchmark.csv", index=False)
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    for rts in ("crs", "vrs"):
        p = subprocess.run([sys.executable, "-m", "benchlearn", "dea", str(d), "--period", "2023", "--rts", rts,
                            "--bootstrap", "0", "--json"], check=False, capture_output=True, text=True, env=env, timeout=300)
        assert p.returncode == 0, p.stderr
        out = pd.DataFrame(json.loads(p.stdout)).set_index("kommunekode")
        rec = records.set_index("kommunekode").loc[out.index]
        x = costs.groupby("kommunekode")["dkk"].sum().loc[out.index].to_numpy()
        ref = ~out["screened"].to_numpy(bool)
        want = _envelopment(np.c_[x, rec["actual"]], rec[["expected"]].to_numpy(), rts, radial=(False, True), ref=ref)
        np.testing.assert_allclose(out["efficiency"].to_numpy(), want, atol=1e-6)
        text = subprocess.run([sys.executable, "-m", "benchlearn", "dea", str(d), "--period", "2023", "--rts", rts,
                               "--bootstrap", "40"], check=False, capture_output=True, text=True, env=env, timeout=300)
        assert text.returncode == 0, text.stderr
        assert rts.upper() in text.stdout and "Hele landet" in text.stdout  # Danish by default, CRS/VRS named
        assert "fuldtidspersoner" in text.stdout
