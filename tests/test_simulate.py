"""The simulator is checked against its own specification (docs/SIMULATOR.md).

Statistical checks use tolerances from the sampling distribution of the statistic
(chi-square intervals for variances, Fisher's z for correlations, cluster-robust
standard errors for regression coefficients), at about 4 standard errors or the
99.9 % quantiles, so a correct DGP fails them with probability well below 1 in 1,000
for any seed — and the tests run on fixed seeds, so they are deterministic.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit, logit

from benchlearn.core import reference
from benchlearn.data.dataset import load_dataset
from benchlearn.core.errors import ConfigError
from benchlearn.simulator import FRAMEWORK_CATALOG, YDELSE_PARAMS, SimConfig, Simulation, simulate, simulate_persons_for

CONTRACT_TABLES = {
    "municipalities", "population", "support", "framework", "focus", "activity", "costs",
    "citizen_survey", "business_survey", "invitations", "caseworker_assessments", "provenance",
    "population_origin", "support_origin", "framework_origin",
    "efforts", "self_assessment", "learning_cycles", "learning_actions",
}


def _wide_support(sim: Simulation) -> pd.DataFrame:
    """Fuldtidspersoner (kommunekode, period) x ydelse joined with the population."""
    sup = sim.tables["support"].pivot_table(index=["kommunekode", "period"], columns="ydelse", values="fuldtidspersoner")
    pop = sim.tables["population"].set_index(["kommunekode", "period"])["persons"]
    return sup.join(pop)


def _area_share(sim: Simulation, area: str) -> pd.Series:
    w = _wide_support(sim)
    return w[list(reference.area_ydelser(area))].sum(axis=1) / w["persons"]


def _chi2_sd_interval(n: int, sd: float, q: float = 0.001) -> tuple[float, float]:
    """Interval holding the sample sd of n iid N(0, sd²) draws with probability 1 - q."""
    lo, hi = stats.chi2.ppf([q / 2, 1 - q / 2], n - 1)
    return sd * np.sqrt(lo / (n - 1)), sd * np.sqrt(hi / (n - 1))


def _fisher_ok(r: float, rho: float, n: int, k: float = 4.0) -> bool:
    """|atanh r − atanh ρ| within k standard errors 1/sqrt(n − 3)."""
    return abs(np.arctanh(r) - np.arctanh(rho)) <= k / np.sqrt(n - 3)


# --- structure ------------------------------------------------------------------------


def test_tables_cover_every_municipality_period_and_ydelse(sim: Simulation) -> None:
    assert set(sim.tables) == CONTRACT_TABLES
    codes = reference.kommunekoder()
    sup = sim.tables["support"]
    assert set(sup["kommunekode"]) == codes
    assert len(sup) == 98 * 4 * 14
    assert not sup.duplicated(["kommunekode", "period", "ydelse"]).any()
    assert set(sup["ydelse"]) == set(reference.ydelse_codes())
    for name in ("population", "focus"):
        assert len(sim.tables[name]) == 98 * 4
    assert set(sim.truth["area"]) == {"total", "a_dagpenge", "sygedagpenge", "kontanthjaelp", "total_incl_pension",
                                      "integration"}
    assert len(sim.truth) == 98 * 4 * 6
    prov = sim.tables["provenance"].set_index("table")
    assert prov.loc["support", "source"] == "benchlearn simulator seed 1"
    assert bool(prov.loc["support", "simulated"]) and not bool(prov.loc["municipalities", "simulated"])


def test_canonical_dtypes(sim: Simulation) -> None:
    for name, df in sim.tables.items():
        if "kommunekode" in df.columns:
            assert df["kommunekode"].dtype == np.int64, name
        if "period" in df.columns:
            assert pd.api.types.is_string_dtype(df["period"]), name
    assert sim.tables["support"]["fuldtidspersoner"].dtype == np.float64


def test_dataset_validates_and_marks_simulated_tables(sim: Simulation) -> None:
    ds = sim.dataset
    assert ds.is_simulated("support") and ds.is_simulated("framework")
    assert not ds.is_simulated("municipalities")
    assert ds.periods("support") == ["2021", "2022", "2023", "2024"]


# --- population and shares --------------------------------------------------------------


def test_population_sizes_are_realistic(sim: Simulation) -> None:
    pop = sim.tables["population"]
    p23 = pop[pop["period"] == "2023"].set_index("kommunekode")["persons"]
    # DST: about 3.7 million residents aged 16–66
    assert 3.3e6 < p23.sum() < 4.1e6
    assert 700 < p23[825] < 1_600  # Læsø
    assert 330_000 < p23[101] < 520_000  # København
    assert p23.idxmin() == 825 and p23.idxmax() == 101


def test_builtin_population_without_raw_data(sim_factory, tmp_path: Path) -> None:
    s = sim_factory(1, config=SimConfig(population_source="builtin"))
    pop = s.tables["population"]
    p = pop[pop["period"] == "2022"].set_index("kommunekode")["persons"]
    # growth sd 0.004/yr: over half a year the pinned anchors move < 1 %
    assert p[825] == pytest.approx(1_100, rel=0.02)
    assert p[101] == pytest.approx(430_000, rel=0.02)
    assert 2.5e6 < p.sum() < 5e6
    with pytest.raises(ConfigError):
        simulate(1, config=SimConfig(population_source="dst", raw_data_dir=str(tmp_path)))


def test_shares_are_plausible(sim: Simulation) -> None:
    w = _wide_support(sim)
    nat = w.groupby(level="period").sum()
    for y, p in YDELSE_PARAMS.items():
        share = nat[y] / nat["persons"]
        # base_share is the share at x = 0; framework means, period effects (sd 0.06) and
        # Jensen's inequality move it by well under a factor 2
        assert ((share > p.base_share / 2) & (share < p.base_share * 2)).all(), y
    total = _area_share(sim, "total")
    assert total.between(0.03, 0.25).all()
    incl = _area_share(sim, "total_incl_pension")
    nat_incl = (incl * w["persons"]).groupby(level="period").sum() / w["persons"].groupby(level="period").sum()
    assert nat_incl.between(0.12, 0.25).all()  # DK: about 16–17 % of 16–66 on public support


def test_support_is_binomial_around_the_true_share(sim: Simulation) -> None:
    """(O − N·s)/sqrt(N·s·(1−s)) is standard normal for a one-ydelse area (a_dagpenge)."""
    tr = sim.truth[sim.truth["area"] == "a_dagpenge"].set_index(["kommunekode", "period"])
    w = _wide_support(sim).join(tr[["true_share"]])
    z = (w["a_dagpenge"] - w["persons"] * w["true_share"]) / np.sqrt(w["persons"] * w["true_share"] * (1 - w["true_share"]))
    n = len(z)
    assert abs(z.mean()) < 4 / np.sqrt(n)
    lo, hi = _chi2_sd_interval(n, 1.0)
    assert lo < z.std() < hi


# --- framework variables and coefficients ---------------------------------------------


def test_framework_variables_in_range_and_correlated(sim: Simulation) -> None:
    fw = sim.tables["framework"].pivot_table(index=["kommunekode", "period"], columns="variable", values="value")
    assert list(fw.columns.sort_values()) == sorted(v.name for v in FRAMEWORK_CATALOG)
    for v in FRAMEWORK_CATALOG:
        assert fw[v.name].between(v.lo, v.hi).all(), v.name
    cat = {v.name: v for v in FRAMEWORK_CATALOG}

    def z(name: str) -> pd.Series:
        v = cat[name]
        g = np.log(fw[name]) if v.transform == "log" else fw[name]
        return ((g - v.center) / v.scale).xs("2023", level="period")

    def loading_corr(a: str, b: str) -> float:
        # closed form from the factor model z = a·urban + b·dep + c·e with unit-variance factors
        va, vb = cat[a], cat[b]
        ca2 = max(1 - va.urban**2 - va.deprivation**2, 0.1)
        cb2 = max(1 - vb.urban**2 - vb.deprivation**2, 0.1)
        cov = va.urban * vb.urban + va.deprivation * vb.deprivation
        return cov / np.sqrt((va.urban**2 + va.deprivation**2 + ca2) * (vb.urban**2 + vb.deprivation**2 + cb2))

    for a, b in [("befolkningstaethed", "andel_ikke_vestlige"), ("indkomst", "andel_uden_uddannelse"), ("andel_enlige", "andel_50_66")]:
        r = np.corrcoef(z(a), z(b))[0, 1]
        assert _fisher_ok(r, loading_corr(a, b), 98), (a, b, r, loading_corr(a, b))
    # density follows size: urban = 0.8·std(log N) + 0.6·e, so corr(z_density, log N) = 0.8·a / sd(z)
    pop = sim.tables["population"].set_index(["kommunekode", "period"])["persons"].xs("2023", level="period")
    d = cat["befolkningstaethed"]
    expected = 0.8 * d.urban / np.sqrt(d.urban**2 + d.deprivation**2 + max(1 - d.urban**2 - d.deprivation**2, 0.1))
    r = np.corrcoef(z("befolkningstaethed"), np.log(pop.loc[z("befolkningstaethed").index]))[0, 1]
    assert _fisher_ok(r, expected, 98), (r, expected)


@pytest.mark.parametrize("ydelse", ["kontanthjaelp", "a_dagpenge", "foertidspension"])
def test_regression_recovers_configured_coefficients(sim: Simulation, ydelse: str) -> None:
    """OLS of logit(O/N) on the standardised framework variables + period dummies.

    The residual (jobcentre effect, unmeasured conditions, binomial noise) is independent
    of the framework variables, so OLS is unbiased; it is correlated within a
    municipality over periods, hence cluster-robust standard errors (98 clusters).
    """
    fw = sim.tables["framework"].pivot_table(index=["kommunekode", "period"], columns="variable", values="value")
    X = pd.DataFrame(index=fw.index)
    for v in FRAMEWORK_CATALOG:
        g = np.log(fw[v.name]) if v.transform == "log" else fw[v.name]
        X[v.name] = (g - v.center) / v.scale
    w = _wide_support(sim).loc[X.index]
    y = logit(w[ydelse] / w["persons"])
    periods = pd.get_dummies(X.index.get_level_values("period"), prefix="p", drop_first=True, dtype=float)
    design = sm.add_constant(pd.concat([X.reset_index(drop=True), periods], axis=1))
    groups = pd.factorize(X.index.get_level_values("kommunekode"))[0]
    fit = sm.OLS(y.to_numpy(), design).fit(cov_type="cluster", cov_kwds={"groups": groups})
    for j, v in enumerate(FRAMEWORK_CATALOG):
        true = YDELSE_PARAMS[ydelse].coef[j]
        est, se = fit.params[v.name], fit.bse[v.name]
        assert se < 0.06, (v.name, se)  # the check has power to see a wrong coefficient
        assert abs(est - true) < 4 * se, (ydelse, v.name, est, true, se)


# --- planted effects and truth ----------------------------------------------------------


def test_planted_effect_has_configured_sd_and_persistence(sim: Simulation) -> None:
    cfg = sim.config
    th = sim.truth[sim.truth["area"] == "total"].pivot(index="kommunekode", columns="period", values="jobcentre_effect_logit")
    lo, hi = _chi2_sd_interval(98, cfg.effect_sd)
    for p in th.columns:
        # mean-zero draws: the sd about 0 follows the chi-square interval
        assert lo < np.sqrt((th[p] ** 2).mean()) * np.sqrt(98 / 97) < hi, p
    for a, b in zip(th.columns[:-1], th.columns[1:], strict=True):
        r = np.corrcoef(th[a], th[b])[0, 1]
        assert _fisher_ok(r, cfg.effect_persistence, 98), (a, b, r)


def test_effect_sd_knob(sim_factory) -> None:
    s = sim_factory(2, config=SimConfig(effect_sd=0.2))
    th = s.truth.loc[s.truth["area"] == "total", "jobcentre_effect_logit"].to_numpy().reshape(98, 4)
    lo, hi = _chi2_sd_interval(98, 0.2)
    assert all(lo < np.sqrt((th[:, t] ** 2).mean() * 98 / 97) < hi for t in range(4))
    zero = sim_factory(2, config=SimConfig(effect_sd=0.0, origin_effect_sd=0.0))
    assert (zero.truth["true_diff_pp"].abs() < 1e-12).all()
    # without the common effect the integration truth is the origin-specific effect alone
    only = sim_factory(2, config=SimConfig(effect_sd=0.0))
    i = only.truth[only.truth["area"] == "integration"]
    np.testing.assert_allclose(i["true_diff_pp"], i["true_diff_origin_pp"], atol=1e-12)
    assert i["true_diff_pp"].abs().max() > 1


def test_truth_is_consistent_with_its_definition(sim: Simulation) -> None:
    tr = sim.truth
    loadings = dict(sim.config.effect_loadings)
    one = tr[tr["area"] == "a_dagpenge"]
    # a one-ydelse area: logit(s1) − logit(s0) is exactly the loading times theta
    np.testing.assert_allclose(one["true_effect_logit"], loadings["a_dagpenge"] * one["jobcentre_effect_logit"], atol=1e-9)
    # diff_pp from the shares, by the closed form 100·(expit(η) − expit(η − λθ)) for one ydelse
    eta = logit(one["true_share"])
    np.testing.assert_allclose(one["true_diff_pp"], 100 * (expit(eta) - expit(eta - loadings["a_dagpenge"] * one["jobcentre_effect_logit"])), atol=1e-9)
    # total = sum of its three areas, in percentage points
    parts = tr[tr["area"].isin(["a_dagpenge", "sygedagpenge", "kontanthjaelp"])].groupby(["kommunekode", "period"])["true_diff_pp"].sum()
    tot = tr[tr["area"] == "total"].set_index(["kommunekode", "period"])["true_diff_pp"]
    np.testing.assert_allclose(tot.loc[parts.index], parts, atol=1e-9)
    for (_, _), g in tr.groupby(["period", "area"]):
        assert sorted(g["true_rank"]) == list(range(1, 99))
        assert g.loc[g["true_rank"] == 1, "true_diff_pp"].iloc[0] == g["true_diff_pp"].min()


def test_true_effects_dominate_noise_for_mid_size_and_large(sim: Simulation) -> None:
    """Where N ≥ 20,000 the observed difference tracks the planted one.

    corr = σ_signal / sqrt(σ_signal² + σ_noise²); > 0.9 ⇔ noise sd < 0.48 × signal sd.
    Oracle: observed share minus the true share without the effect (noise = binomial and
    transitory shocks only). Model: residuals of a plain fractional-logit GLM on the
    published framework variables, which adds estimation error, unmeasured conditions
    and the misfit of one logit for a sum of ten ydelser, hence the looser 0.7.
    """
    fw = sim.tables["framework"].pivot_table(index=["kommunekode", "period"], columns="variable", values="value")
    X = np.column_stack([np.log(fw[v.name]) if v.transform == "log" else fw[v.name] for v in FRAMEWORK_CATALOG])
    per = pd.get_dummies(fw.index.get_level_values("period"), drop_first=True, dtype=float).to_numpy()
    w = _wide_support(sim).loc[fw.index]
    s = (w[list(reference.area_ydelser("total"))].sum(axis=1) / w["persons"]).to_numpy()
    tr = sim.truth[sim.truth["area"] == "total"].set_index(["kommunekode", "period"]).loc[fw.index]
    truth = tr["true_diff_pp"].to_numpy()
    big = w["persons"].to_numpy() >= 20_000
    assert big.sum() > 150
    oracle = 100 * (s - tr["true_share_without_effect"].to_numpy())
    assert np.corrcoef(oracle[big], truth[big])[0, 1] > 0.9
    glm = sm.GLM(s, sm.add_constant(np.column_stack([X, per])), family=sm.families.Binomial()).fit()
    resid_pp = 100 * (s - glm.fittedvalues)
    assert np.corrcoef(resid_pp[big], truth[big])[0, 1] > 0.7
    binom_sd_pp = 100 * np.sqrt(s * (1 - s) / w["persons"].to_numpy())
    assert truth[big].std() > 2 * np.median(binom_sd_pp[big])


# --- focus, activity, costs ---------------------------------------------------------------------


def test_focus_counts_and_weak_process_result_link(sim: Simulation) -> None:
    f = sim.tables["focus"].set_index(["kommunekode", "period"])
    assert (f["without_offer"] <= f["persons_12m"]).all() and (f["without_talks"] <= f["persons_12m"]).all()
    total = _wide_support(sim)[list(reference.area_ydelser("total"))].sum(axis=1)
    assert (f["persons_12m"] <= total.loc[f.index].round()).all()
    share_offer = f["without_offer"] / f["persons_12m"]
    # E[share] = E[expit(logit(base) + π)], π ~ N(0, process_sd²), by quadrature (independent of the code)
    cfg = sim.config
    expected = stats.norm.expect(lambda x: expit(logit(cfg.base_without_offer) + x), scale=cfg.process_sd)
    per_muni = share_offer.groupby(level="kommunekode").mean()  # π persists over periods: 98 independent units
    assert abs(per_muni.mean() - expected) < 4 * per_muni.std() / np.sqrt(98), (per_muni.mean(), expected)
    tr = sim.truth[sim.truth["area"] == "total"].set_index(["kommunekode", "period"]).loc[f.index]
    # planted process quality: corr(pi, theta) = process_result_corr (0.2) in each period
    for p in sim.periods:
        t = tr.xs(p, level="period")
        r = np.corrcoef(t["process_effect_logit"], t["jobcentre_effect_logit"])[0, 1]
        assert _fisher_ok(r, sim.config.process_result_corr, 98), (p, r)
    # Nyborg-like paradox: some top-10 result municipality misses a 30 % focus goal
    top10 = tr["true_rank"] <= 10
    share_talks = f["without_talks"] / f["persons_12m"]
    assert ((share_offer[top10] >= 0.30) | (share_talks[top10] >= 0.30)).any()


def test_activity_measures_in_range(sim: Simulation) -> None:
    a = sim.tables["activity"]
    assert set(a["maalgruppe"]) == set(reference.maalgruppe_codes())
    assert set(a["measure"]) == {"samtaler_pr_person", "andel_i_tilbud", "virksomhedsrettede_tilbud"}
    shares = a[a["measure"] != "samtaler_pr_person"]["value"]
    assert shares.between(0, 1).all()
    assert a[a["measure"] == "samtaler_pr_person"]["value"].between(1, 20).all()
    assert len(a) == 98 * 4 * 5 * 3


def test_unit_costs_are_realistic(sim: Simulation) -> None:
    c = sim.tables["costs"]
    assert set(c["category"]) == {"administration", "aktive_tilbud", "other"}
    assert (c["dkk"] > 0).all()
    five = [y for g in reference.maalgruppe_codes() for y in reference.maalgruppe_ydelser(g)]
    o5 = _wide_support(sim)[five].sum(axis=1).groupby(level="period").sum()
    unit = c.groupby("period")["dkk"].sum() / o5
    # seed 002: 85,000 kr (2011) to 101,000 kr (2016) per unemployed
    assert unit.between(85_000, 105_000).all(), unit
    share_admin = c[c["category"] == "administration"]["dkk"].sum() / c["dkk"].sum()
    # Dirichlet(200·0.45, ...) shares have sd ≈ 0.035 per municipality; the pooled share is far tighter
    assert share_admin == pytest.approx(sim.config.cost_shares[0], abs=0.02)


# --- surveys ----------------------------------------------------------------------------------


def test_citizen_survey(sim: Simulation) -> None:
    cs = sim.tables["citizen_survey"]
    items = ["udbytte", "mening", "sammenhaeng", "involvering", "fremdrift"]
    vals = cs[items].to_numpy()
    answered = vals[~np.isnan(vals)]
    assert set(np.unique(answered)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert cs["respondent_id"].is_unique
    blank = np.isnan(vals).mean()
    n = vals.size
    p = sim.config.item_blank_prob
    assert abs(blank - p) < 4 * np.sqrt(p * (1 - p) / n)
    counts = cs.groupby(["kommunekode", "period"]).size().reindex(
        pd.MultiIndex.from_product([sorted(reference.kommunekoder()), sim.periods], names=["kommunekode", "period"]), fill_value=0)
    tiny = (counts < 5).groupby(level="period").sum()
    assert (tiny >= 1).all() and (tiny <= 10).all(), tiny  # a few tiny municipalities
    inv = sim.tables["invitations"]
    ci = inv[inv["survey"] == "citizen"].set_index(["kommunekode", "period"])["invited"]
    assert (counts <= ci.loc[counts.index]).all()
    # municipal response rates are logit-normal around 0.40 (sd 0.3 on the logit ≈ 0.07);
    # the invitation-weighted mean over 98 municipalities has an SE ≈ 0.01
    rr = counts.sum() / ci.sum()
    assert rr == pytest.approx(sim.config.citizen_response_rate, abs=0.04)
    assert set(cs["maalgruppe"]) <= set(reference.maalgruppe_codes())


def test_business_and_caseworker(sim: Simulation) -> None:
    b = sim.tables["business_survey"]
    assert set(b["satisfaction"].dropna().unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert b["firm_id"].is_unique
    cw = sim.tables["caseworker_assessments"]
    assert set(cw["progression"].unique()) <= {-2.0, -1.0, 0.0, 1.0, 2.0}
    assert cw["case_id"].is_unique
    # worse jobcentres (theta > 0) give less progression: the planted slope is negative
    tr = sim.truth[sim.truth["area"] == "total"][["kommunekode", "period", "jobcentre_effect_logit"]]
    m = cw.merge(tr, on=["kommunekode", "period"])
    slope = np.polyfit(m["jobcentre_effect_logit"], m["progression"], 1)[0]
    assert slope < 0


# --- determinism, options, errors ------------------------------------------------------------


def test_same_seed_same_data_other_seed_other_data(sim: Simulation) -> None:
    again = simulate(seed=1)
    for name, df in sim.tables.items():
        pd.testing.assert_frame_equal(df, again.tables[name], obj=name)
    pd.testing.assert_frame_equal(sim.truth, again.truth)
    other = simulate(seed=2)
    assert not np.allclose(sim.tables["support"]["fuldtidspersoner"], other.tables["support"]["fuldtidspersoner"])
    assert not np.allclose(sim.truth["true_diff_pp"], other.truth["true_diff_pp"])


def test_table_streams_are_independent(sim: Simulation, sim_factory) -> None:
    s = sim_factory(1, config=SimConfig(citizen_invite_rate=0.05, unit_cost_dkk=90_000.0))
    pd.testing.assert_frame_equal(sim.tables["support"], s.tables["support"])
    pd.testing.assert_frame_equal(sim.truth, s.truth)
    assert len(s.tables["citizen_survey"]) > len(sim.tables["citizen_survey"])


def test_framework_knobs(sim_factory) -> None:
    s = sim_factory(3, config=SimConfig(framework_variables=("indkomst", "andel_enlige"), n_irrelevant_variables=2))
    assert set(s.tables["framework"]["variable"]) == {"indkomst", "andel_enlige", "stoej_1", "stoej_2"}
    coefs = s.params["coefficients"]
    assert set(coefs.loc[coefs["published"], "variable"]) == {"indkomst", "andel_enlige"}
    with pytest.raises(ConfigError):
        SimConfig(framework_variables=("no_such_variable",))
    with pytest.raises(ConfigError):
        SimConfig(effect_persistence=1.0)


def test_periods_of_other_kinds_and_bad_periods(sim_factory) -> None:
    q = sim_factory(1, periods=("2023Q1", "2023Q2", "2023Q3"))
    assert q.dataset.periods("support") == ["2023Q1", "2023Q2", "2023Q3"]
    with pytest.raises(ConfigError):
        simulate(periods=("2023", "2023Q1"))
    with pytest.raises(ConfigError):
        simulate(periods=("23",))
    with pytest.raises(ConfigError):
        simulate(periods=())


def test_round_trip_through_csv(sim: Simulation, sim_dir: Path) -> None:
    ds = load_dataset(sim_dir)
    for name in CONTRACT_TABLES:
        got = ds.table(name)
        want = sim.dataset.table(name)
        pd.testing.assert_frame_equal(got[want.columns].reset_index(drop=True), want.reset_index(drop=True), obj=name, check_exact=False, rtol=1e-12)
    truth = pd.read_csv(sim_dir / "truth.csv", dtype={"period": str})
    np.testing.assert_allclose(truth["true_diff_pp"], sim.truth["true_diff_pp"], rtol=1e-12)
    assert ds.is_simulated("support")


def test_persons_called_with_population_weights(sim: Simulation, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict = {}
    fake = types.ModuleType("benchlearn.persons.simulate")

    def simulate_persons(n_persons, out_dir, seed, year=2023, kommune_weights=None, **kw):
        seen.update(n=n_persons, out=out_dir, seed=seed, year=year, w=kommune_weights)
        return "ok"

    fake.simulate_persons = simulate_persons  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchlearn.persons.simulate", fake)
    assert simulate_persons_for(sim, 500, tmp_path) == "ok"
    assert seen["n"] == 500 and seen["seed"] == 1 and seen["year"] == 2024
    pop = sim.tables["population"]
    assert seen["w"][101] == pop[(pop["kommunekode"] == 101) & (pop["period"] == "2024")]["persons"].iloc[0]


# --- command line ------------------------------------------------------------------------------


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from benchlearn.cli.main import run

    try:
        run(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_folder_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sim"
    code, stdout, _ = _run(["simulate", str(out), "--seed", "4", "--periods", "2022,2023", "--json"], capsys)
    assert code == 0
    info = json.loads(stdout)[0]
    assert info["periods"] == ["2022", "2023"] and info["seed"] == 4
    assert {p.stem for p in out.glob("*.csv")} == CONTRACT_TABLES | {"truth"}
    ds = load_dataset(out)
    assert ds.periods("support") == ["2022", "2023"]
    want = simulate(seed=4, periods=("2022", "2023"))
    np.testing.assert_allclose(ds.table("support")["fuldtidspersoner"], want.dataset.table("support")["fuldtidspersoner"])
    # a non-empty folder is refused without --force, with a clean message and no traceback
    code, stdout, err = _run(["--lang", "en", "simulate", str(out)], capsys)
    assert code != 0 and "--force" in err and "Traceback" not in err and stdout == ""
    code, _, _ = _run(["simulate", str(out), "--force", "--periods", "2024"], capsys)
    assert code == 0
    assert (out / "truth.csv").is_file()
    assert set(pd.read_csv(out / "support.csv")["period"].astype(str)) == {"2024"}


def test_cli_bad_periods_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["--lang", "en", "simulate", str(tmp_path / "x"), "--periods", "2023,20x4"], capsys)
    assert code == 2 and "20x4" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
