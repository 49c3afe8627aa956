"""Cross-validation by municipality, the choice of model family, cross-fitting, leverage.

One set of folds serves three purposes (issue #13.2–3):

1. **Choice of family.** Municipalities (with all their periods) are split at random
   (seeded) into ``cv_folds`` folds; each candidate family is fitted on the other folds
   and predicts the held-out fold's area share. The candidate with the smallest
   out-of-fold RMSE (pp) is the run's model; the card lists every candidate's score.
2. **Cross-fitting.** The chosen family's out-of-fold prediction *is* the municipality's
   expected share, so an extreme municipality neither fits itself nor is pulled by its
   own residual.
3. **Leverage.** ``h_k = x̄_k'(X̄'X̄)^{-1}x̄_k`` of the municipality's framework variables
   (z-scored, averaged over the periods, with an intercept): the hat value of an
   unweighted regression on them, mean ``p/n``. A municipality with ``h_k`` above
   ``extrapolation_leverage · p/n`` lies outside the support of the others
   (``extrapolated``): its interval gets the families' disagreement as extra model
   variance and its rank interval is the simultaneous one (docs/METHOD.md §3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchlearn.benchmark import steps
from benchlearn.benchmark.estimation import expit
from benchlearn.benchmark.families import predict, predict_step, resolve


def fold_ids(data: pd.DataFrame, config) -> np.ndarray | None:
    """Fold of each row (by municipality), or ``None`` when cross-validation is off."""
    k = int(config.cv_folds)
    codes = np.array(sorted(data["kommunekode"].unique()))
    if k < 2 or len(codes) < 2 * k:
        return None
    rng = np.random.default_rng(config.seed)
    fold_of = dict(zip(rng.permutation(codes), np.arange(len(codes)) % k))
    return data["kommunekode"].map(fold_of).to_numpy()


def out_of_fold(data: pd.DataFrame, variables, config, families, fold: np.ndarray) -> dict:
    """Out-of-fold area shares and Jacobians of each family, plus the period-means null model.

    Returns ``{"pred": {family: array}, "J": {family: array | None}, "null": array,
    "selected": {periods: [(fold, terms), ...]}}`` in the row order of ``data``; ``selected``
    holds, per fitted group of periods, the terms (variable index, kind, threshold on the
    variable's scale) each fold's own ``area_step`` search chose: the votes of the stability
    filter (:func:`benchlearn.benchmark.families.stable_terms`) and the alternative
    thresholds of :func:`threshold_variance`. With
    ``pooled=False`` each period is cross-validated alone.
    """
    k = int(fold.max()) + 1
    s_all = (data["actual"] / data["persons"]).to_numpy()
    pred = {f: np.full(len(data), np.nan) for f in families}
    jac: dict = {f: None for f in families}
    null = np.full(len(data), np.nan)
    bad: set[str] = set()
    selected: dict[tuple, list[tuple[int, list]]] = {}
    pos = np.arange(len(data))
    groups = [pos] if config.pooled else [pos[(data["period"] == p).to_numpy()] for p in sorted(data["period"].unique())]
    for rows in groups:
        periods = sorted(data["period"].iloc[rows].unique())
        for f in range(k):
            tr, te = rows[fold[rows] != f], rows[fold[rows] == f]
            if len(te) == 0:
                continue
            train, test = data.iloc[tr], data.iloc[te]
            for fam in families:
                if resolve(fam, train, config) == "area_step":
                    mu, terms = predict_step(train, test, variables, periods, config)
                    selected.setdefault(tuple(periods), []).append((f, terms))
                    J = None
                else:
                    mu, J = predict(fam, train, test, variables, periods, config)
                pred[fam][te] = mu
                if J is None:  # no common parameter layout over folds (area_step)
                    bad.add(fam)
                    continue
                if jac[fam] is None:
                    jac[fam] = np.full((len(data), J.shape[1]), np.nan)
                if jac[fam].shape[1] == J.shape[1]:
                    jac[fam][te] = J
                else:  # a ydelse nobody in the training folds receives: no common layout
                    bad.add(fam)
            pm = pd.Series(s_all[tr]).groupby(data["period"].iloc[tr].to_numpy()).mean()
            null[te] = data["period"].iloc[te].map(pm).to_numpy()
    for fam in bad:
        jac[fam] = None
    return {"pred": pred, "J": jac, "null": null, "selected": selected}


def refit_fixed(data: pd.DataFrame, rows: np.ndarray, variables, config, fold: np.ndarray, terms) -> np.ndarray:
    """Out-of-fold area shares of ``area_step`` with the terms of the fit on all rows."""
    out = np.full(len(rows), np.nan)
    periods = sorted(data["period"].iloc[rows].unique())
    for f in range(int(fold.max()) + 1):
        te = fold[rows] == f
        if te.any():
            out[te], _ = predict("area_step", data.iloc[rows[~te]], data.iloc[rows[te]], variables, periods, config,
                                 terms=terms)
    return out


def scores(data: pd.DataFrame, oof: dict) -> list[dict]:
    """Out-of-sample RMSE, MAE (pp) and R² of each family against the period-means model."""
    s = (data["actual"] / data["persons"]).to_numpy()
    rmse0 = float(100 * np.sqrt(np.nanmean((s - oof["null"]) ** 2)))
    out = []
    for fam, p in oof["pred"].items():
        ok = np.isfinite(p)
        rmse = float(100 * np.sqrt(np.mean((s[ok] - p[ok]) ** 2)))
        out.append({"family": fam, "rmse_pp": rmse, "mae_pp": float(100 * np.mean(np.abs(s[ok] - p[ok]))),
                    "r2_oos": 1 - (rmse / rmse0) ** 2 if rmse0 > 0 else float("nan"), "null_rmse_pp": rmse0})
    return out


def choose(score_rows: list[dict]) -> tuple[str, str]:
    """(family, transform) with the smallest out-of-fold RMSE (first listed wins a tie)."""
    best = min(range(len(score_rows)), key=lambda i: (round(score_rows[i]["rmse_pp"], 12), i))
    r = score_rows[best]
    return r["family"], r.get("transform", "none")


def leverage(g: pd.DataFrame, variables) -> np.ndarray:
    """Hat value of each row's municipality (framework variables averaged over periods)."""
    m = g.groupby("kommunekode")[list(variables)].mean()
    Z = m.to_numpy(dtype="float64")
    sd = Z.std(axis=0)
    Z = (Z - Z.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    X = np.column_stack([np.ones(len(Z)), Z])
    h = np.einsum("ij,jk,ik->i", X, np.linalg.pinv(X.T @ X), X)
    return g["kommunekode"].map(dict(zip(m.index, h))).to_numpy(dtype="float64")


def threshold_variance(g: pd.DataFrame, variables, terms, beta_terms, fold_terms, mu: np.ndarray) -> np.ndarray:
    r"""Variance of each row's expected share from where the step thresholds lie.

    The cross-fitted share treats the full fit's thresholds as known; a municipality just
    beyond a threshold (or just short of it) is then given the whole step (or none of it)
    with the confidence of a known threshold. The folds' own searches are draws of where
    else the data put it: for a term :math:`(j, c)` with coefficient :math:`b` and the
    thresholds :math:`c_f` the folds found for the same variable and shape,

    .. math:: v_k = \frac{1}{F_j}\sum_f \left[\operatorname{expit}\big(\eta_k + b\,(z_{kj}(c_f)
              - z_{kj}(c))\big) - \mu_k\right]^2,

    summed over the step terms, with :math:`z(c) = 1[x > c]` and
    :math:`\eta_k = \operatorname{logit}\mu_k`. Zero away from every threshold. Hinges are
    left out: moving a hinge with its coefficient held shifts every municipality beyond it,
    which the refitted linear term would absorb — in design (e) (a quadratic the hinges
    approximate) counting them widened the intervals from 1.65 to 3.6 sd of the true effects.

    Notes
    -----
    Measured on design (c) of docs/METHOD.md §6 (seeds 1–100): a municipality 0.01 above the
    fitted threshold and 0.02 below the true one was given the step (+10 pp expected, rank
    interval 1–1 for a true rank of 26); with this variance (hinges then counted too)
    coverage +0.004 ± 0.001 and the rank intervals shorter than 5 places missing the truth
    3 → 2. Written here because no
    library gives a threshold's location uncertainty for a fractional logit.
    """
    X = g[list(variables)].to_numpy(dtype="float64")
    eta = np.log(mu / (1 - mu))
    out = np.zeros(len(g))
    for (j, kind, c), b in zip(terms, beta_terms):
        alts = [t for ts in fold_terms for t in ts if t[0] == j and t[1] == kind]
        if kind != "step" or not alts:
            continue
        base = steps.columns(X, [(j, kind, c)])[:, 0]
        d2 = sum((expit(eta + b * (steps.columns(X, [a])[:, 0] - base)) - mu) ** 2 for a in alts)
        out += d2 / len(alts)
    return out


def candidate_weights(score_rows: list[dict], n_municipalities: int) -> np.ndarray:
    r"""Pseudo-BMA weight of each (family, transform) candidate from its out-of-fold error.

    Notes
    -----
    With a Gaussian predictive of each candidate's own out-of-fold mean squared error
    :math:`m_c`, the log predictive density of G municipalities is :math:`-\tfrac G2\log m_c`
    up to a constant, so :math:`w_c \propto m_c^{-G/2}` (Yao, Vehtari, Simpson & Gelman 2018,
    pseudo-BMA; G the municipalities, not the rows, because a municipality's periods share
    its jobcentre effect). With G = 98 a candidate whose mean squared error is 2 % above the
    best's gets ≈ 0.38 of its weight, 5 % above ≈ 0.09: the weights are spread exactly when the cross-validation cannot tell
    the candidates apart.
    """
    m = np.array([r["rmse_pp"] ** 2 for r in score_rows], dtype="float64")
    ok = np.isfinite(m) & (m > 0)
    if not ok.any():
        return np.zeros(len(m))
    lw = np.where(ok, -n_municipalities / 2 * (np.log(np.where(ok, m, 1.0)) - np.log(m[ok].min())), -np.inf)
    w = np.exp(lw)
    return w / w.sum()


def disagreement(preds: dict, score_rows: list[dict], weights: np.ndarray, rows: np.ndarray, mu: np.ndarray,
                 chosen: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    r"""Weighted squared disagreement of the candidates' out-of-fold shares with ``mu``.

    :math:`\sum_c w_c(\hat s_{c,k} - \hat s_k)^2` over the (family, transform) candidates of
    ``score_rows`` (``preds[transform]["pred"][family]``, rows ``rows``): the between-model
    part of a model-averaged variance (Buckland, Burnham & Augustin 1997) with the chosen
    model's share as the centre. Returned twice: over every candidate, and without
    ``chosen`` (whose own out-of-fold share is no other model).
    """
    total = np.zeros(len(rows))
    own = np.zeros(len(rows))
    for w, r in zip(weights, score_rows):
        if w == 0:
            continue
        key = (r["family"], r.get("transform", "none"))
        p = preds[key[1]]["pred"][key[0]][rows]
        term = w * np.where(np.isfinite(p), (p - mu) ** 2, 0.0)
        total += term
        if key == chosen:
            own = term
    return total, total - own
