"""Binomial GLM on aggregated cells — the person-level logit at a fraction of the cost.

Person-level registers are reduced by :mod:`benchlearn.persons` to cells (municipality
x age group x sex x education x origin ...) with ``exposure_weeks`` person-weeks and
``outcome_weeks`` of them on support. A binomial GLM (logit link) on the cells with
``outcome_weeks`` successes out of ``exposure_weeks`` trials has the *same* likelihood,
up to a constant, as the logit on the expanded person-week rows, so coefficients and
their covariance are identical when the covariates are constant within cells
(categorical covariates defining the cells); it runs on thousands of rows instead of
hundreds of millions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import patsy
# the modules themselves, not statsmodels.api: the api imports every model (≈1 s of a command's start)
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from benchlearn.core.errors import DataError, ModelError


@dataclass(frozen=True)
class CellGLMResults:
    """Fitted cell GLM.

    Attributes
    ----------
    params : Series
        Coefficients (logit scale), named as in the design matrix.
    cov : DataFrame
        Their covariance matrix.
    cells : DataFrame
        The cells used, with ``s_hat`` (fitted share) added.
    """

    params: pd.Series
    cov: pd.DataFrame
    cells: pd.DataFrame
    formula: str
    design: np.ndarray
    exposure_col: str
    outcome_col: str
    llf: float
    n_trials: float

    @cached_property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table: term, estimate, se, z."""
        return pd.DataFrame({"term": self.params.index, "estimate": self.params.to_numpy(),
                             "se": self.bse.to_numpy(), "z": (self.params / self.bse).to_numpy()})

    def expected_by_municipality(self, by: Sequence[str] = ("kommunekode", "period")) -> pd.DataFrame:
        """Actual and expected outcome per municipality (and period) with the model SE of E.

        Notes
        -----
        ``E_k = sum_c s_hat_c * N_c`` over the cells ``c`` of municipality ``k`` with
        exposure ``N_c`` (``exposure_col``) and ``s_hat_c = logit^-1(x_c' beta)``;
        ``O_k = sum_c y_c`` (``outcome_col`` on the same scale as the exposure).
        ``Var(E_k) = g_k' V g_k`` with ``g_k = sum_c N_c s_hat_c (1 - s_hat_c) x_c``
        (delta method, V the coefficient covariance).
        """
        keys = [k for k in by if k in self.cells.columns]
        if not keys:
            raise ModelError("Cellerne har ingen kommunekode-kolonne.", "The cells have no kommunekode column.")
        c = self.cells
        s = c["s_hat"].to_numpy()
        n = c["_exposure"].to_numpy()
        grad_rows = (n * s * (1.0 - s))[:, None] * self.design
        V = self.cov.to_numpy()
        out = []
        for key, idx in c.groupby(keys, sort=True).indices.items():
            g = grad_rows[idx].sum(axis=0)
            key = key if isinstance(key, tuple) else (key,)
            out.append((*key, float(c["_outcome"].to_numpy()[idx].sum()), float((s[idx] * n[idx]).sum()),
                        float(n[idx].sum()), float(np.sqrt(g @ V @ g))))
        return pd.DataFrame(out, columns=[*keys, "actual", "expected", "exposure", "se_expected"])


def _rhs(formula_or_covariates: str | Sequence[str]) -> str:
    if isinstance(formula_or_covariates, str):
        return formula_or_covariates.split("~", 1)[-1].strip()
    return " + ".join(f"C({c})" for c in formula_or_covariates)


def fit_cells(
    cells: pd.DataFrame,
    formula: str | Sequence[str],
    *,
    outcome: str = "outcome_weeks",
    trials: str = "exposure_weeks",
    exposure: str | None = None,
    expected_outcome: str | None = None,
) -> CellGLMResults:
    """Fit a binomial GLM (logit link) to cells of successes out of trials.

    Parameters
    ----------
    cells : DataFrame
        One row per cell; the covariates, ``outcome`` (successes) and ``trials``.
    formula : str or sequence of str
        Right-hand side (``"age_group + sex + C(origin)"``; a leading ``y ~`` is
        ignored) or a list of column names, each entered as categorical.
    outcome, trials : str
        Columns with successes and trials (default person-weeks).
    exposure, expected_outcome : str, optional
        Columns used by :meth:`CellGLMResults.expected_by_municipality` (default
        ``exposure`` / ``outcome`` if present — full-time persons — else the trials and
        successes).

    Returns
    -------
    CellGLMResults

    Notes
    -----
    Cell ``c`` contributes ``y_c log p_c + (n_c - y_c) log(1 - p_c)`` with
    ``p_c = logit^-1(x_c' beta)``: the sum over its ``n_c`` person-weeks of the Bernoulli
    log-likelihood, so the estimate equals the person-level logit's. Fitted by IRLS
    (statsmodels ``GLM(Binomial)`` with a (successes, failures) response).
    """
    for col in (outcome, trials):
        if col not in cells.columns:
            raise DataError("cells", None, col, None, "en kolonne med tællinger", "a column of counts")
    df = cells.loc[cells[trials].astype("float64") > 0].reset_index(drop=True)
    y = df[outcome].astype("float64").to_numpy()
    n = df[trials].astype("float64").to_numpy()
    if np.any(y < 0) or np.any(y > n) or np.any(~np.isfinite(y)):
        i = int(np.flatnonzero((y < 0) | (y > n) | ~np.isfinite(y))[0])
        raise DataError("cells", i + 1, outcome, y[i], f"0 til {trials}", f"0 to {trials}")
    rhs = _rhs(formula)
    try:
        X = patsy.dmatrix(rhs, df, return_type="dataframe")
    except patsy.PatsyError as exc:
        raise ModelError(f"Ugyldig modelformel {rhs!r}: {exc}", f"Invalid model formula {rhs!r}: {exc}") from None
    if len(df) == 0 or np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise ModelError("For få celler eller ingen variation i en forklarende variabel.",
                         "Too few cells or no variation in a covariate.")
    # plain arrays: statsmodels mislabels a two-column response on pandas input with 2 rows
    model = GLM(np.column_stack([y, n - y]), X.to_numpy(), family=families.Binomial())
    fit = model.fit(tol=1e-12, maxiter=100)
    params = pd.Series(np.asarray(fit.params), index=X.columns)
    cov = pd.DataFrame(np.asarray(fit.cov_params()), index=X.columns, columns=X.columns)
    exp_col = exposure or ("exposure" if "exposure" in df.columns else trials)
    out_col = expected_outcome or ("outcome" if "outcome" in df.columns else outcome)
    used = df.assign(s_hat=np.asarray(fit.fittedvalues), _exposure=df[exp_col].astype("float64"),
                     _outcome=df[out_col].astype("float64"))
    return CellGLMResults(params, cov, used, rhs, X.to_numpy(), exp_col, out_col, float(fit.llf), float(n.sum()))
