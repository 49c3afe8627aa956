"""How far the open model reproduces a published benchmark (the ministry's y30r21).

Both sides come from the one benchmark API: the published table read as benchmark records
(``view="published"``: the publisher's actual, expected and result; benchlearn's interval
around it) and the open model fitted on the same actual numbers with public framework
variables (``view="model"``). This module only compares records.

Since both use the same actual numbers, the disagreement of the results is exactly the
disagreement of the expected values: :math:`\\mathrm{diff}_o - \\mathrm{diff}_m =
100(\\hat s_m - \\hat s_o)`. So everything the open model cannot reproduce of the ministry's
expected share enters its result as noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["agreement", "agreement_points", "disagreements", "cohen_kappa", "reproducibility", "VARIABLE_GROUPS", "group_of"]

#: Variable groups for contributions (group, regex on the variable name), first match wins; labels in
#: :mod:`benchlearn.review.labels`.
VARIABLE_GROUPS: tuple[tuple[str, str], ...] = (
    ("pendlingsomr", r"^pendlingsomr_|pendlingsomraade"),
    ("commuting", r"commut|pendl"),
    ("age", r"^age_|age65|mean_age|alder|50_66"),
    ("education", r"^edu|education|uddannelse"),
    ("origin", r"immigra|ikke_vest|herkomst"),
    ("family", r"one_person|enlige|children|husstand"),
    ("housing", r"detached|owner|cars|bolig"),
    ("income", r"income|indkomst"),
    ("place", r"density|taethed|^km_"),
    ("social", r"crime|turnout"),
    ("labour", r"unemploy|ledig|employment"),
)


def group_of(variable: str) -> str:
    """The contribution group of a framework variable (its own name when no rule matches)."""
    import re

    return next((g for g, pat in VARIABLE_GROUPS if re.search(pat, variable, re.IGNORECASE)), variable)


def cohen_kappa(a: pd.Series, b: pd.Series) -> float:
    r"""Cohen's κ of two categorical ratings: :math:`(p_o - p_e)/(1 - p_e)`, NaN when :math:`p_e = 1`."""
    cats = sorted(set(a) | set(b))
    po = float((a.to_numpy() == b.to_numpy()).mean())
    pe = float(sum((a == c).mean() * (b == c).mean() for c in cats))
    return (po - pe) / (1 - pe) if pe < 1 else float("nan")


def _published_rank(pub: pd.DataFrame) -> pd.Series:
    return pub["published_rank"] if "published_rank" in pub.columns and pub["published_rank"].notna().all() else pub["rank"]


def _join(open_: pd.DataFrame, pub: pd.DataFrame) -> pd.DataFrame:
    p = pub.assign(prank=_published_rank(pub))
    if "published_diff_pp" in p.columns and p["published_diff_pp"].notna().all():
        # the publisher's own result (y30r21: from unrounded counts), not the one derived from counts rounded to 10
        p = p.assign(diff_pp=p["published_diff_pp"].astype(float))
    cols = ["kommunekode", "period", "area", "expected", "expected_share", "diff_pp", "tier"]
    return open_[cols + ["rank", "navn", "actual"]].merge(p[cols + ["prank"]], on=["kommunekode", "period", "area"],
                                                          suffixes=("_open", "_pub"))


def agreement(open_: pd.DataFrame, pub: pd.DataFrame) -> pd.DataFrame:
    r"""Agreement of the open model with the published benchmark, per area and period.

    Parameters
    ----------
    open_, pub : DataFrame
        Benchmark records (``kommunekode, period, area, expected, expected_share, diff_pp,
        rank, tier``; the published side may carry ``published_rank`` and ``published_diff_pp``,
        which then stand for its rank and result — the publisher's own, as published).

    Returns
    -------
    DataFrame
        ``area, period, n, r_diff`` (Pearson of diff_pp), ``rho_rank`` (Spearman of the open
        rank and the published rank), ``r_expected`` (Pearson of the expected counts — size
        alone makes it high), ``r_expected_share``, ``tier_agreement`` (share with the same
        tier), ``tier_kappa`` (Cohen's κ), ``ba_bias_pp`` and ``ba_sd_pp`` (Bland–Altman: mean
        and sd of :math:`d_o - d_m`), ``ba_loa_low_pp, ba_loa_high_pp`` (bias ∓ 1.96 sd), and
        ``sd_diff_pub_pp`` (the spread of the published result, for scale).
    """
    j = _join(open_, pub)
    rows = []
    for (area, period), g in j.groupby(["area", "period"], sort=True):
        d = g["diff_pp_open"] - g["diff_pp_pub"]
        rows.append({
            "area": area, "period": period, "n": len(g),
            "r_diff": float(np.corrcoef(g["diff_pp_open"], g["diff_pp_pub"])[0, 1]),
            "rho_rank": float(stats.spearmanr(g["rank"], g["prank"])[0]),
            "r_expected": float(np.corrcoef(g["expected_open"], g["expected_pub"])[0, 1]),
            "r_expected_share": float(np.corrcoef(g["expected_share_open"], g["expected_share_pub"])[0, 1]),
            "tier_agreement": float((g["tier_open"] == g["tier_pub"]).mean()),
            "tier_kappa": cohen_kappa(g["tier_open"], g["tier_pub"]),
            "ba_bias_pp": float(d.mean()), "ba_sd_pp": float(d.std(ddof=1)),
            "ba_loa_low_pp": float(d.mean() - 1.96 * d.std(ddof=1)), "ba_loa_high_pp": float(d.mean() + 1.96 * d.std(ddof=1)),
            "sd_diff_pub_pp": float(g["diff_pp_pub"].std(ddof=1)),
        })
    return pd.DataFrame(rows)


def agreement_points(open_: pd.DataFrame, pub: pd.DataFrame) -> pd.DataFrame:
    """One row per municipality, area and period: both results, their mean and difference (Bland–Altman)."""
    j = _join(open_, pub)
    return pd.DataFrame({
        "kommunekode": j["kommunekode"], "navn": j["navn"], "period": j["period"], "area": j["area"],
        "diff_pp_open": j["diff_pp_open"], "diff_pp_pub": j["diff_pp_pub"],
        "ba_mean_pp": (j["diff_pp_open"] + j["diff_pp_pub"]) / 2, "ba_diff_pp": j["diff_pp_open"] - j["diff_pp_pub"],
        "rank_open": j["rank"], "rank_pub": j["prank"], "tier_open": j["tier_open"], "tier_pub": j["tier_pub"],
        "expected_open": j["expected_open"], "expected_pub": j["expected_pub"],
    })


def disagreements(points: pd.DataFrame, area: str, period: str, top: int = 10,
                  moved: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""The municipalities whose open result is farthest from the published one, and what moves them.

    Parameters
    ----------
    points : DataFrame
        :func:`agreement_points`.
    moved : DataFrame, optional
        Per municipality and variable group, the open result without that group
        (``kommunekode, group, diff_pp``) — from the drop-one contributions; adds the group
        whose removal moves the municipality's open result most and the move in pp
        (positive = towards the published result).

    Notes
    -----
    The gap is :math:`g_k = d_{o,k} - d_{m,k}`; dropping group *G* gives :math:`g_k^{-G}`, and
    ``toward_pp`` :math:`= |g_k| - |g_k^{-G}|`.
    """
    p = points[(points["area"] == area) & (points["period"] == period)].copy()
    p["abs_gap_pp"] = p["ba_diff_pp"].abs()
    p = p.sort_values(["abs_gap_pp", "kommunekode"], ascending=[False, True]).head(top)
    cols = ["kommunekode", "navn", "diff_pp_open", "diff_pp_pub", "ba_diff_pp", "rank_open", "rank_pub", "tier_open", "tier_pub"]
    out = p[cols].reset_index(drop=True)
    if moved is not None and len(moved):
        m = moved.merge(p[["kommunekode", "diff_pp_pub", "ba_diff_pp"]], on="kommunekode")
        m["toward_pp"] = m["ba_diff_pp"].abs() - (m["diff_pp"] - m["diff_pp_pub"]).abs()
        m["abs_move"] = (m["diff_pp"] - (m["ba_diff_pp"] + m["diff_pp_pub"])).abs()
        best = m.sort_values(["abs_move", "group"], ascending=[False, True]).drop_duplicates("kommunekode")
        out = out.merge(best[["kommunekode", "group", "toward_pp"]].rename(columns={"group": "moved_most_by"}),
                        on="kommunekode", how="left")
    return out


def reproducibility(pub: pd.DataFrame, frame_by_period: dict[str, pd.DataFrame], variables: tuple[str, ...]) -> pd.DataFrame:
    r"""How much of the published expected share and result the public variables can span at all.

    A diagnostic of the published numbers, not a benchmark: per area and period, ordinary
    least squares (with an intercept) of the published expected share on the variables
    (standardized, as the fit saw them), and of the published result on them.

    Parameters
    ----------
    pub : DataFrame
        Published records (``kommunekode, period, area, expected_share, diff_pp``).
    frame_by_period : dict
        Period → wide framework table (``kommunekode`` index) with ``variables``.
    variables : tuple of str

    Returns
    -------
    DataFrame
        ``area, period, n, k`` and

        * ``r2_expected`` — :math:`R^2` of :math:`100\hat s_m` on *X*;
        * ``sd_unexplained_expected_pp`` — sd of :math:`M_X\,100\hat s_m`: the part of the
          published expected share no combination of the variables reproduces. It enters any
          open model's result as noise, because :math:`d_o - d_m = 100(\hat s_m - \hat s_o)`;
        * ``r2_result`` and ``r2_result_chance`` :math:`= k/(n-1)` — how much of the published
          *result* lies along the variables (an open model that conditions on them removes that
          part), against what *k* unrelated variables give by chance;
        * ``sd_result_pp`` — sd of the published result, for scale;
        * ``ceiling_r`` :math:`= \sqrt{1 - R^2_{\text{result}}}`, the highest correlation a
          residual orthogonal to *X* can have with the published result.
    """
    rows = []
    for (area, period), g in pub.groupby(["area", "period"], sort=True):
        f = frame_by_period.get(period)
        if f is None:
            continue
        x = f.reindex(g["kommunekode"].to_numpy())[list(variables)]
        ok = x.notna().all(axis=1).to_numpy()
        if ok.sum() < len(variables) + 3:
            continue
        X = x.to_numpy(dtype=float)[ok]
        X = np.column_stack([np.ones(len(X)), (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)])
        e = 100 * g["expected_share"].to_numpy(dtype=float)[ok]
        own = "published_diff_pp" in g.columns and bool(g["published_diff_pp"].notna().all())
        d = g["published_diff_pp" if own else "diff_pp"].to_numpy(dtype=float)[ok]  # the publisher's own result when given

        def resid(y: np.ndarray) -> np.ndarray:
            return y - X @ np.linalg.lstsq(X, y, rcond=None)[0]

        re_, rd = resid(e), resid(d)
        n, k = len(e), len(variables)
        r2d = 1 - rd.var() / d.var()
        rows.append({"area": area, "period": period, "n": n, "k": k, "r2_expected": 1 - re_.var() / e.var(),
                     "sd_unexplained_expected_pp": float(re_.std(ddof=1)), "r2_result": float(r2d),
                     "r2_result_chance": k / (n - 1), "sd_result_pp": float(d.std(ddof=1)),
                     "ceiling_r": float(np.sqrt(max(0.0, 1 - r2d)))})
    return pd.DataFrame(rows)
