"""Model families of the benchmark, fitted side by side (issue #13.2).

- ``area``: one random-effects fractional logit (or elogit/WLS) of the area share;
- ``ydelse``: one such model per ydelse of the area, expected shares summed
  (ydelse-specific determinants);
- ``multinomial``: the multivariate fractional logit of the ydelse shares and "not on
  support" (Mullahy 2015, :mod:`benchlearn.benchmark.multinomial`), ydelse-specific slopes;
- ``multinomial_shared``: the same with one slope per framework variable for all ydelser
  (the ydelser move in proportion with the area share);
- ``area_step``: ``area`` plus at most one step, hinge or curvature term per framework variable,
  thresholds searched in the rows being fitted (:mod:`benchlearn.benchmark.steps`).

Each family gives, for the rows of one fit, the expected area share ``mu``, its Jacobian
``J`` and covariance ``V`` of the parameters, the between-municipality variance of the
area share (per row, share scale) and the coefficient tables for the model card.
:func:`predict` fits on a training set and predicts a test set (cross-validation and
cross-fitting, :mod:`benchlearn.benchmark.crossfit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from benchlearn.benchmark.estimation import Estimate, combine, design, estimate, expit, sampling_var
from benchlearn.benchmark import steps
from benchlearn.benchmark.multinomial import fit_multinomial, predict_multinomial
from benchlearn.benchmark.uncertainty import paule_mandel_tau2
from benchlearn.core.errors import ConfigError

FAMILIES: tuple[str, ...] = ("area", "ydelse", "multinomial", "multinomial_shared", "area_step")


@dataclass(frozen=True)
class FamilyFit:
    family: str
    fits: list  # (label, Estimate) for the card's fit statistics
    mu: np.ndarray  # expected area share
    v: np.ndarray  # sampling variance of the area share (multinomial: S(1-S)/N)
    J: np.ndarray  # d mu / d parameters
    V: np.ndarray  # covariance of the parameters
    tau2_k: np.ndarray  # between-municipality variance of the area share, per row
    coefficients: pd.DataFrame
    n_params: int
    X: np.ndarray | None = None  # the design of a one-logit family, for its Jacobian at other shares
    terms: tuple = ()  # area_step: the selected (variable index, kind, threshold)
    votes: tuple = ()  # area_step: (term name, share of the folds' searches, kept) of every term found
    level: np.ndarray | None = None  # d mu / d(common shift of every linear predictor): the level direction

    @property
    def step_beta(self) -> np.ndarray:
        """area_step: the coefficients of the selected terms (the last columns of its design)."""
        return self.fits[0][1].beta[len(self.fits[0][1].beta) - len(self.terms):] if self.terms else np.zeros(0)

    def jacobian(self, mu: np.ndarray) -> np.ndarray | None:
        """dμ/dβ at the shares ``mu`` (cross-fitting a family whose folds select their own terms)."""
        return None if self.X is None else (mu * (1 - mu))[:, None] * self.X


@lru_cache(maxsize=64)
def _ydelser(config) -> frozenset[str]:
    return frozenset(config.ydelser)  # the config is frozen and hashable; the reference lookup is slow


def parts(g: pd.DataFrame, config) -> list[tuple[str, np.ndarray]]:
    """(ydelse, counts) of the area's ydelser that someone receives."""
    yd = _ydelser(config)
    cols = [c for c in g.columns if c.startswith("O:") and c[2:] in yd]
    return [(c[2:], g[c].to_numpy(dtype="float64")) for c in cols if g[c].sum() > 0]


def candidates(g: pd.DataFrame, config) -> tuple[str, ...]:
    """The families that differ for this area: one ydelse leaves only ``area``;
    the multinomial families and ``area_step`` are fractional logits (``model='fraclogit'`` only)."""
    if len(parts(g, config)) <= 1:
        return ("area",)
    out = tuple(f for f in config.candidates if config.model == "fraclogit" or f in ("area", "ydelse"))
    return out or ("area",)


def resolve(family: str, g: pd.DataFrame, config) -> str:
    if family not in ("area", "ydelse") and config.model != "fraclogit":
        raise ConfigError(
            f"Modelfamilien '{family}' er en fraktionel logit; brug model='fraclogit'.",
            f"Model family '{family}' is a fractional logit; use model='fraclogit'.",
        )
    return "area" if len(parts(g, config)) <= 1 else family


def _n_fixed(periods) -> int:
    return len(periods)  # intercept + (periods - 1) dummies


def fit_family(family: str, g: pd.DataFrame, variables, logged, config, fold_selected=()) -> FamilyFit:
    """Fit one family on the rows ``g`` (one period or pooled periods).

    ``fold_selected``: for ``area_step``, the variables (indices) each cross-validation
    fold's own search selected; with ``config.step_stability`` > 0 a term of the full fit
    is kept only if its variable is among them in at least that share of the searches
    (:func:`stable_terms`).
    """
    family = resolve(family, g, config)
    X, names, center, scale = design(g, variables)
    N = g["persons"].to_numpy()
    clusters = g["kommunekode"].to_numpy()
    clustered = config.pooled and g["period"].nunique() > 1
    periods = sorted(g["period"].unique())
    s_area = g["actual"].to_numpy(dtype="float64") / N
    info = dict(names=names, center=center, scale=scale, variables=variables, logged=logged, g=g)
    if family.startswith("multinomial"):
        pr = parts(g, config)
        S = np.column_stack([O / N for _, O in pr])
        est, mu_y, idx, _rho = fit_multinomial(S, N, X, clusters, n_fixed=_n_fixed(periods), shared=family.endswith("shared"),
                                         sampling=config.sampling, cluster=clustered, vcov=config.vcov,
                                         max_iter=config.max_iter)
        coefs = _multinomial_coefs(est, mu_y, idx, [y for y, _ in pr], info)
        # shifting every ydelse's logit against "not on support" moves the area share by S(1-S)
        return FamilyFit(family, [(f"{config.target} ({family})", est)], est.mu, est.v, est.J, est.V,
                         np.full(len(g), est.tau2), coefs, est.p, level=est.mu * (1 - est.mu))
    if family == "area_step":
        def fit_one(Xd):
            return estimate(s_area, N, Xd, clusters, model=config.model, sampling=config.sampling,
                            cluster=clustered, vcov=config.vcov, max_iter=config.max_iter)

        k = len(variables)
        terms, e = steps.select(s_area, N, X, clusters, k, fit_one, step_kinds(config))

        def on_scale(ts) -> tuple:
            # thresholds on the variable's own (model) scale, so another standardization can use them
            return tuple((j, kind, float(center[-k:][j] + c * scale[-k:][j])) for j, kind, c in ts)

        kept = stable_terms(terms, fold_selected, config.step_stability)
        votes = tuple((nm, vote_share(t, fold_selected), t in kept)
                      for nm, t in zip(steps.names(variables, on_scale(terms)), terms)) if list(fold_selected) else ()
        Xa = np.column_stack([X, steps.columns(X[:, X.shape[1] - k:], kept)])
        if kept != terms:
            terms, e = kept, fit_one(Xa)
        nan = np.full(len(terms), np.nan)
        raw_terms = on_scale(terms)
        info |= dict(names=names + steps.names(variables, raw_terms), center=np.concatenate([center, nan]),
                     scale=np.concatenate([scale, nan]))
        frames = [_coef_frame(e, config.target, info), _ame_frame([e], e.V, info)]
        return FamilyFit(family, [(f"{config.target} ({family})", e)], e.mu, sampling_var(e.mu, N, config.sampling),
                         e.J, e.V, e.tau2_share, pd.concat(frames, ignore_index=True), e.p, Xa, raw_terms, votes,
                         level=e.dmu_deta)
    pr = [(config.target, g["actual"].to_numpy(dtype="float64"))] if family == "area" else parts(g, config)
    ests, frames = [], []
    for label, O in pr:
        e = estimate(O / N, N, X, clusters, model=config.model, sampling=config.sampling, cluster=clustered,
                     vcov=config.vcov, max_iter=config.max_iter)
        ests.append(e)
        frames.append(_coef_frame(e, label, info))
    mu = np.sum([e.mu for e in ests], axis=0)
    J, V = (ests[0].J, ests[0].V) if len(ests) == 1 else combine(ests, clusters, config.vcov)
    # Multinomial sampling variance of the area share (the ydelser are mutually exclusive):
    # S(1-S)/N, not the sum of per-ydelse binomial variances (docs/METHOD.md §3).
    v = sampling_var(mu, N, config.sampling)
    if len(ests) == 1:
        tau2_k = ests[0].tau2_share
    else:
        # τ² of the area's residual (the ydelser's τ² do not add up: one jobcentre effect
        # moves them together)
        tau2_k = np.full(len(g), paule_mandel_tau2(s_area - mu, v, len(g) - max(e.p for e in ests)))
    frames.append(_ame_frame(ests, V, info))
    return FamilyFit(family, [(lab, e) for (lab, _), e in zip(pr, ests)], mu, v, J, V, tau2_k,
                     pd.concat(frames, ignore_index=True), sum(e.p for e in ests),
                     level=np.sum([e.dmu_deta for e in ests], axis=0))


def stable_terms(terms: list, fold_selected, share: float) -> list:
    """The terms whose variable the folds' own searches also select in at least ``share`` of them.

    Notes
    -----
    Stability selection (Meinshausen & Bühlmann 2010) on the searches the cross-validation
    makes anyway: a term found on all municipalities that most subsamples of them do not
    find rests on a few municipalities' noise. In design (c) of docs/METHOD.md §6 such a
    spurious term cut the coverage of the seeds that carried one from 0.95 to 0.82; with
    ``share`` = 0.7 (10 searches: 5 folds × 2 transforms) every design gained coverage on
    seeds 1–100 ((c) 0.903 → 0.918, session 13) and no interval widened; 0.9 dropped true steps too.
    ``share`` = 0 or no searches keeps every term.
    """
    if share <= 0 or not list(fold_selected):
        return list(terms)
    return [t for t in terms if vote_share(t, fold_selected) >= share]


def vote_share(term, fold_selected) -> float:
    """Share of the folds' own searches that selected the variable of ``term``."""
    return float(np.mean([term[0] in sel for sel in fold_selected]))


def _fold_designs(train: pd.DataFrame, test: pd.DataFrame, variables, periods):
    """Designs of a training fold and its test fold (standardized with the training rows'
    constants), those constants, the training persons and municipalities."""
    Xtr, _, c_tr, sc = design(train, variables, periods)
    k = len(variables)
    sc_tr = np.where(sc[-k:] > 0, sc[-k:], 1.0)
    Xte, *_ = design(test, variables, periods, c_tr[-k:], sc_tr)
    return Xtr, Xte, c_tr, sc_tr, train["persons"].to_numpy(), train["kommunekode"].to_numpy()


def predict(family: str, train: pd.DataFrame, test: pd.DataFrame, variables, periods, config,
            terms=None) -> tuple[np.ndarray, np.ndarray | None]:
    """Fit ``family`` on ``train``; the area share of ``test`` and its Jacobian there.

    ``test`` is standardized with the training rows' constants. The Jacobian has the
    parameter layout of :func:`fit_family` (ydelse blocks in the order of :func:`parts`).
    """
    family = resolve(family, train, config)
    if family == "area_step":
        # the fold selects its own terms; the Jacobian's layout differs between folds (None)
        return predict_step(train, test, variables, periods, config, terms)[0], None
    Xtr, Xte, _c, _sc, N, clusters = _fold_designs(train, test, variables, periods)
    if family.startswith("multinomial"):
        pr = parts(train, config)
        S = np.column_stack([O / N for _, O in pr])
        est, _mu, idx, _rho = fit_multinomial(S, N, Xtr, clusters, n_fixed=_n_fixed(periods),
                                        shared=family.endswith("shared"), sampling=config.sampling,
                                        max_iter=config.max_iter)
        mu_te, J_te = predict_multinomial(Xte, est.beta, idx)
        return mu_te, J_te
    pr = [(config.target, train["actual"].to_numpy(dtype="float64"))] if family == "area" else parts(train, config)
    pred = np.zeros(len(test))
    Js = []
    for _label, O in pr:
        e = estimate(O / N, N, Xtr, clusters, model=config.model, sampling=config.sampling, max_iter=config.max_iter)
        eta = Xte @ e.beta
        if config.model == "wls":
            pred += eta
            Js.append(Xte)
        else:
            m = expit(eta)
            pred += m
            Js.append((m * (1 - m))[:, None] * Xte)
    return pred, np.hstack(Js)


def step_kinds(config) -> tuple[str, ...]:
    """The term shapes ``area_step`` searches (``step_square``: the curvature too)."""
    return steps.KINDS if config.step_square else steps.THRESHOLD_KINDS


def predict_step(train: pd.DataFrame, test: pd.DataFrame, variables, periods, config,
                 terms=None) -> tuple[np.ndarray, list]:
    """``area_step`` fitted on ``train``: the area share of ``test`` and the terms used.

    With ``terms=None`` the training rows make their own search; given the full fit's terms
    the fold refits their coefficients. Thresholds, given and returned, are on the
    variable's own (model) scale.
    """
    Xtr, Xte, c_tr, sc_tr, N, clusters = _fold_designs(train, test, variables, periods)
    k = len(variables)
    s_tr = train["actual"].to_numpy(dtype="float64") / N

    def one(Xd):
        return estimate(s_tr, N, Xd, clusters, model=config.model, sampling=config.sampling, max_iter=config.max_iter)

    if terms is None:
        terms, e = steps.select(s_tr, N, Xtr, clusters, k, one, step_kinds(config))
    else:
        terms = [(j, kind, (c - c_tr[-k:][j]) / sc_tr[j]) for j, kind, c in terms]
        e = one(np.column_stack([Xtr, steps.columns(Xtr[:, Xtr.shape[1] - k:], terms)]))
    Xa = np.column_stack([Xte, steps.columns(Xte[:, Xte.shape[1] - k:], terms)])
    return expit(Xa @ e.beta), [(j, kind, float(c_tr[-k:][j] + c * sc_tr[j])) for j, kind, c in terms]


# -- coefficient tables for the model card ------------------------------------------------


def _frame(label, names, beta, se, info, family=None) -> pd.DataFrame:
    se = np.asarray(se, dtype="float64")
    z = beta / se
    coef = pd.DataFrame({
        "ydelse": label, "term": names, "estimate": beta, "se": se, "z": z,
        "p_value": 2 * stats.norm.sf(np.abs(z)),
        "center": info["center"], "scale": info["scale"],
        "transform": ["log" if n in info["logged"] else ("" if n in info["variables"] else "-") for n in names],
        "importance": np.nan,
    })
    coef.insert(0, "fit_periods", ",".join(sorted(info["g"]["period"].unique())))
    return coef


def _coef_frame(est: Estimate, label: str, info) -> pd.DataFrame:
    return _frame(label, info["names"], est.beta, est.se_beta, info)


def _multinomial_coefs(est: Estimate, mu_y: np.ndarray, idx: np.ndarray, ydelser, info) -> pd.DataFrame:
    """Per ydelse: log-odds against "not on support"; plus the AME on the area share."""
    se = est.se_beta
    frames = [_frame(y, info["names"], est.beta[idx[i]], se[idx[i]], info) for i, y in enumerate(ydelser)]
    # AME_v = 100 Σ_y mean_k[μ_ky(1 − S_k)] θ_{y,v} (∂S/∂η_y = μ_y(1 − S)); delta-method se
    Sk = mu_y.sum(axis=1)
    fac = (mu_y * (1 - Sk)[:, None]).mean(axis=0)
    rows = []
    for j, n in enumerate(info["names"]):
        if n not in info["variables"]:
            continue
        grad = np.zeros(len(est.beta))
        np.add.at(grad, idx[:, j], fac)
        rows.append(_ame_row(n, 100 * float(grad @ est.beta), 100 * float(np.sqrt(grad @ est.V @ grad)), info))
    return pd.concat(frames + [_ame_table(rows, info)], ignore_index=True)


def _ame_row(n, ame, se, info) -> dict:
    return {"ydelse": "area", "term": n, "estimate": ame, "se": se, "z": ame / se,
            "p_value": 2 * stats.norm.sf(abs(ame / se)), "transform": "log" if n in info["logged"] else "",
            "importance": abs(ame)}


def _ame_table(rows, info) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    out.insert(0, "fit_periods", ",".join(sorted(info["g"]["period"].unique())))
    return out


def _ame_frame(ests: list[Estimate], V: np.ndarray, info) -> pd.DataFrame:
    r"""Average marginal effect of each variable (per sd) on the area's share, in pp.

    Notes
    -----
    :math:`\mathrm{AME}_v = 100\sum_y \overline{\mu_y(1-\mu_y)}\,\beta_{yv}` (the factor is
    1 for WLS); standard error by the delta method with the joint covariance, holding
    the averages fixed. Stored with ``importance = |AME|`` for the peer weights
    (DOMAIN.md §5), ``ydelse = 'area'``.
    """
    names = info["names"]
    p = len(names)
    betas = np.concatenate([e.beta for e in ests])
    rows = []
    for i, n in enumerate(names):
        if n not in info["variables"]:
            continue
        grad = np.zeros(V.shape[0])
        for m, e in enumerate(ests):
            grad[m * p + i] = float(np.mean(e.mu * (1 - e.mu))) if e.model != "wls" else 1.0
        rows.append(_ame_row(n, 100 * float(grad @ betas), 100 * float(np.sqrt(grad @ V @ grad)), info))
    return _ame_table(rows, info)
