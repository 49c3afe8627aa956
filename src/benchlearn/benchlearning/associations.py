"""Across the 98: which methods and enablers go with better benchmark results.

Associations, never effects: municipalities choose their methods, and a method that goes
with a lower benchmark difference may do so because better-run jobcentres choose it. Each
estimate carries a 95 % interval from heteroskedasticity-robust standard errors (HC3,
MacKinnon & White 1985, written out in :func:`_fit` and checked against R's
``sandwich::vcovHC(type = "HC3")`` in the tests).

Methods: one least-squares regression of the municipalities' benchmark difference
``diff_pp`` (actual − expected, percentage points; negative = fewer on support than expected
= better) on the 0/1 use of every method with enough variation, so each coefficient is the
difference in results between users and non-users *given the other methods*. Methods used by
fewer than ``min_users`` or by all but fewer than ``min_users`` municipalities are left out
(said in ``status``). Enablers: one regression per enabler of ``diff_pp`` on the self score
(per point on the 1–5 scale), because the scores of one jobcentre go together.

With M methods without any association, each interval excludes 0 with probability about
5 % (the nominal level); a Holm-adjusted p-value is reported next to the plain one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from benchlearn.core.errors import ModelError

COLUMNS = ["kind", "code", "estimate_pp", "se_pp", "ci_low_pp", "ci_high_pp", "p_value", "p_holm", "n", "n_users",
           "better", "worse", "status"]


@dataclass(frozen=True)
class AssociationConfig:
    level: float = 0.95
    min_users: int = 5
    cov_type: str = "HC3"


@dataclass(frozen=True)
class _Fit:
    params: pd.Series
    bse: pd.Series
    df_resid: int


def _fit(y: np.ndarray, X: pd.DataFrame, cfg: AssociationConfig) -> _Fit:
    """Least squares with an intercept and HC3 standard errors (closed form).

    ``V = (X'X)⁻¹ X' diag(e_i² / (1 − h_i)²) X (X'X)⁻¹`` with ``h_i`` the leverages; written out
    rather than through ``statsmodels`` (200 fits a second instead of a few), and checked against
    R's ``sandwich::vcovHC(type = "HC3")`` in the tests.
    """
    A = np.column_stack([np.ones(len(y)), X.to_numpy(float)])
    q, r = np.linalg.qr(A)
    b = np.linalg.solve(r, q.T @ y)
    e = y - A @ b
    h = np.sum(q**2, axis=1)
    rinv = np.linalg.inv(r)
    bread = rinv @ rinv.T  # (X'X)⁻¹
    w = e**2 / (1 - h) ** 2 if cfg.cov_type == "HC3" else e**2
    meat = (A * w[:, None]).T @ A
    v = bread @ meat @ bread
    names = ["const", *X.columns]
    return _Fit(pd.Series(b, index=names), pd.Series(np.sqrt(np.diag(v)), index=names), len(y) - A.shape[1])


def _rows(kind: str, res, names, n: int, users: dict[str, int], cfg: AssociationConfig) -> list[dict]:  # type: ignore[no-untyped-def]
    q = student_t.ppf(0.5 + cfg.level / 2, df=res.df_resid)
    out = []
    for c in names:
        b, se = float(res.params[c]), float(res.bse[c])
        lo, hi = b - q * se, b + q * se
        p = float(2 * student_t.sf(abs(b / se), df=res.df_resid)) if se > 0 else np.nan
        out.append({"kind": kind, "code": c, "estimate_pp": b, "se_pp": se, "ci_low_pp": lo, "ci_high_pp": hi,
                    "p_value": p, "n": n, "n_users": users.get(c, n), "better": bool(hi < 0), "worse": bool(lo > 0),
                    "status": "estimated"})
    return out


def method_associations(records: pd.DataFrame, use: pd.DataFrame, cfg: AssociationConfig | None = None) -> pd.DataFrame:
    """Association of each method's use with ``diff_pp`` across municipalities (see module notes).

    Parameters
    ----------
    records : DataFrame
        Benchmark records with ``kommunekode, diff_pp`` for one period.
    use : DataFrame
        0/1 use, rows kommunekode, columns method codes (:func:`.efforts.use_matrix`).
    """
    cfg = cfg or AssociationConfig()
    r = records.drop_duplicates("kommunekode").set_index("kommunekode")["diff_pp"].astype(float)
    data = use.join(r.rename("_y"), how="inner").dropna(subset=["_y"])
    users = {c: int(data[c].sum()) for c in use.columns}
    n = len(data)
    keep = [c for c in use.columns if cfg.min_users <= users[c] <= n - cfg.min_users]
    skipped = [{"kind": "method", "code": c, "n": n, "n_users": users[c], "status": "too_few_users"}
               for c in use.columns if c not in keep]
    if n < len(keep) + 10:
        raise ModelError(f"For få kommuner ({n}) med resultater og indsatser til {len(keep)} metoder.",
                         f"Too few municipalities ({n}) with results and efforts for {len(keep)} methods.")
    rows: list[dict] = []
    if keep:
        res = _fit(data["_y"].to_numpy(float), data[keep], cfg)
        rows = _rows("method", res, keep, n, users, cfg)
    out = pd.DataFrame([*rows, *skipped], columns=COLUMNS)
    return _holm(out)


def enabler_associations(records: pd.DataFrame, scores: pd.DataFrame, cfg: AssociationConfig | None = None) -> pd.DataFrame:
    """Association of each enabler's self score (per point) with ``diff_pp``, one regression per enabler."""
    cfg = cfg or AssociationConfig()
    r = records.drop_duplicates("kommunekode").set_index("kommunekode")["diff_pp"].astype(float)
    rows: list[dict] = []
    for e in scores.columns:
        d = scores[[e]].join(r.rename("_y"), how="inner").dropna()
        if len(d) < 10 or d[e].nunique() < 2:
            rows.append({"kind": "enabler", "code": e, "n": len(d), "n_users": len(d), "status": "too_few_scores"})
            continue
        res = _fit(d["_y"].to_numpy(float), d[[e]], cfg)
        rows += _rows("enabler", res, [e], len(d), {e: len(d)}, cfg)
    return _holm(pd.DataFrame(rows, columns=COLUMNS))


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values: sorted ascending, ``max_{j≤i} (m − j + 1) p_(j)``, capped at 1
    (statsmodels' ``multipletests(method="holm")`` gives the same; it runs a garbage collection per call)."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def _holm(df: pd.DataFrame) -> pd.DataFrame:
    ok = df["p_value"].notna()
    df["p_holm"] = np.nan
    if ok.any():
        df.loc[ok, "p_holm"] = holm(df.loc[ok, "p_value"].to_numpy(float))
    for c in ("better", "worse"):
        df[c] = df[c].fillna(False).astype(bool)
    return df.reset_index(drop=True)
