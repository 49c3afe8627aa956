"""The cell GLM equals the person-level logit, and E adds up per municipality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy.special import gammaln

from benchlearn.core.errors import DataError, ModelError
from benchlearn.benchmark.cellglm import fit_cells
from benchlearn.persons.pipeline import PersonsConfig, run
from benchlearn.persons.pseudonymise import PseudonymKey
from benchlearn.persons.simulate import simulate_persons

FORMULA = "C(age_group) + C(sex) + C(education) + C(origin)"


@pytest.fixture(scope="module")
def persons(tmp_path_factory):
    d = tmp_path_factory.mktemp("cellglm")
    simulate_persons(2500, d, seed=11, show_progress=False)
    res = run(d, PersonsConfig(period="2023", min_persons=1), PseudonymKey(b"k" * 16), show_progress=False)
    return d, res


def _person_weeks(d) -> pd.DataFrame:
    """The expanded person-level data, built straight from the Parquet (not via the pipeline)."""
    from benchlearn.core import reference
    from benchlearn.persons.pipeline import age_group_labels

    p = pd.read_parquet(d / "persons.parquet")
    w = pd.read_parquet(d / "person_weeks.parquet").merge(p, on="person_id")
    w["age"] = 2023 - w["birth_year"]
    w = w[w["age"].between(16, 66)].copy()
    w["age_group"] = ""
    for lo, hi, label in age_group_labels(PersonsConfig(period="2023")):
        w.loc[w["age"].between(lo, hi), "age_group"] = label
    w["y"] = w["ydelse"].isin(reference.area_ydelser("total")).astype(int)
    return w


def test_cell_glm_equals_person_level_logit(persons):
    d, res = persons
    cells = res.tables["cells"]
    cells = cells[cells["area"] == "total"]
    cell_fit = fit_cells(cells, FORMULA)
    w = _person_weeks(d)
    assert len(w) == cells["exposure_weeks"].sum()  # the cells hold every person-week exactly once
    logit = smf.logit(f"y ~ {FORMULA}", data=w).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    # same likelihood up to a constant, both solved to convergence: agree to 1e-6 (acceptance)
    diff = cell_fit.params.reindex(logit.params.index) - logit.params
    assert np.max(np.abs(diff)) < 1e-6
    np.testing.assert_allclose(cell_fit.bse.reindex(logit.bse.index), logit.bse, rtol=1e-6)
    # the binomial log-likelihood exceeds the Bernoulli one by sum log C(n, y) exactly
    n, y = cells["exposure_weeks"].to_numpy(float), cells["outcome_weeks"].to_numpy(float)
    log_binom = float(np.sum(gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)))
    assert abs(cell_fit.llf - log_binom - logit.llf) < 1e-6 * abs(logit.llf)


def test_expected_by_municipality_adds_up(persons):
    _, res = persons
    cells = res.tables["cells"]
    cells = cells[cells["area"] == "total"]
    fit = fit_cells(cells, ["age_group", "sex", "education", "origin"])
    e = fit.expected_by_municipality()
    assert len(e) == cells["kommunekode"].nunique()
    # with an intercept, logit score equations force sum(s_hat * n) = sum(y) over all cells
    assert abs(e["expected"].sum() - e["actual"].sum()) < 1e-8 * e["actual"].sum()
    # actual per municipality equals the support table's total-area fuldtidspersoner
    from benchlearn.core import reference

    sup = res.tables["support"]
    o = sup[sup["ydelse"].isin(reference.area_ydelser("total"))].groupby("kommunekode")["fuldtidspersoner"].sum()
    m = e.set_index("kommunekode")["actual"].reindex(o.index)
    np.testing.assert_allclose(m, o, rtol=0, atol=1e-9)
    assert (e["se_expected"] > 0).all()


def test_known_truth_is_recovered():
    # one binary covariate, huge cells: the MLE is the log-odds of the cell shares exactly
    cells = pd.DataFrame({"kommunekode": [101, 147], "g": ["a", "b"],
                          "outcome_weeks": [200, 600], "exposure_weeks": [1000, 1000]})
    fit = fit_cells(cells, "C(g)")
    assert abs(fit.params.iloc[0] - np.log(0.2 / 0.8)) < 1e-10
    assert abs(fit.params.iloc[1] - (np.log(0.6 / 0.4) - np.log(0.2 / 0.8))) < 1e-10
    # closed-form variance of a log-odds: 1/(n p (1-p))
    assert abs(fit.bse.iloc[0] - np.sqrt(1 / (1000 * 0.2 * 0.8))) < 1e-10


def test_bad_cells():
    with pytest.raises(DataError):
        fit_cells(pd.DataFrame({"g": ["a"], "outcome_weeks": [5], "exposure_weeks": [3]}), "C(g)")
    with pytest.raises(DataError):
        fit_cells(pd.DataFrame({"g": ["a"], "exposure_weeks": [3]}), "C(g)")
    with pytest.raises(ModelError):
        fit_cells(pd.DataFrame({"x": [1.0, 1.0], "outcome_weeks": [1, 2], "exposure_weeks": [3, 4]}), "x")
