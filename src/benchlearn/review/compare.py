"""Comparing benchmark specifications: ranges, pair summaries, tier dependence, attribution.

Input is one period's records per specification (the benchmark's own records, as the one
benchmark API returns them). Everything here is arithmetic on those records — no model is
fitted in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["SpecResult", "municipality_table", "ranges", "pairs", "moves", "attribution"]

RECORD_COLUMNS = ("kommunekode", "navn", "actual", "expected", "diff_persons", "diff_pp", "ci_low_pp", "ci_high_pp",
                  "rank", "rank_ci_low", "rank_ci_high", "tier")


@dataclass(frozen=True)
class SpecResult:
    """One fitted specification, reduced to what the comparison needs.

    Attributes
    ----------
    name, label_da, label_en : str
    target : str
        Area or målgruppe code.
    variables : tuple of str
        Framework variables the fit used (after its own checks).
    settings : dict
        What else defines the fit (model, κ, weighting, …) — compared key by key.
    records : DataFrame
        The benchmark records of the review period (:data:`RECORD_COLUMNS` at least).
    """

    name: str
    label_da: str
    label_en: str
    target: str
    variables: tuple[str, ...]
    settings: dict
    records: pd.DataFrame


def municipality_table(results: list[SpecResult]) -> pd.DataFrame:
    """Long table: one row per specification and municipality."""
    rows = []
    for r in results:
        d = r.records[list(RECORD_COLUMNS)].copy()
        d.insert(0, "spec", r.name)
        d.insert(1, "target", r.target)
        rows.append(d)
    return pd.concat(rows, ignore_index=True)


def ranges(results: list[SpecResult], baseline: str) -> pd.DataFrame:
    r"""Per municipality: the baseline's statistical interval beside the specification range.

    Notes
    -----
    ``spec_low_pp, spec_high_pp`` = min and max of :math:`\mathrm{diff\_pp}` over the
    specifications with the baseline's target (the same scale); ``rank_min, rank_max`` over
    all specifications (ranks are comparable across targets). ``tier_depends`` is true when
    the municipality's tier is not the same under every specification; ``tiers`` lists
    them in file order. ``tier_depends_same_area`` counts only the specifications with the
    baseline's target: the model's sensitivity alone, without a change of outcome (a
    målgruppe is another question, not another model of the same one).
    """
    base = next(r for r in results if r.name == baseline)
    same = [r for r in results if r.target == base.target]
    long = municipality_table(results)
    d = long.pivot(index="kommunekode", columns="spec", values="diff_pp")[[r.name for r in same]]
    rk = long.pivot(index="kommunekode", columns="spec", values="rank")
    tiers = long.pivot(index="kommunekode", columns="spec", values="tier")[[r.name for r in results]]
    b = base.records.set_index("kommunekode")
    out = pd.DataFrame({
        "kommunekode": b.index, "navn": b["navn"].to_numpy(),
        "diff_pp": b["diff_pp"].to_numpy(), "ci_low_pp": b["ci_low_pp"].to_numpy(), "ci_high_pp": b["ci_high_pp"].to_numpy(),
        "rank": b["rank"].to_numpy(), "rank_ci_low": b["rank_ci_low"].to_numpy(), "rank_ci_high": b["rank_ci_high"].to_numpy(),
        "tier": b["tier"].to_numpy(),
    })
    idx = out["kommunekode"]
    out["spec_low_pp"] = d.min(axis=1).reindex(idx).to_numpy()
    out["spec_high_pp"] = d.max(axis=1).reindex(idx).to_numpy()
    out["spec_n"] = d.notna().sum(axis=1).reindex(idx).to_numpy()
    out["rank_min"] = rk.min(axis=1).reindex(idx).to_numpy()
    out["rank_max"] = rk.max(axis=1).reindex(idx).to_numpy()
    t = tiers.reindex(idx)
    out["n_tiers"] = t.nunique(axis=1).to_numpy()
    out["tier_depends"] = out["n_tiers"] > 1
    out["tier_depends_same_area"] = (t[[r.name for r in same]].nunique(axis=1) > 1).to_numpy()
    out["tiers"] = [", ".join(f"{c}={v}" for c, v in row.items() if isinstance(v, str)) for _, row in t.iterrows()]
    out["spec_width_pp"] = out["spec_high_pp"] - out["spec_low_pp"]
    out["ci_width_pp"] = out["ci_high_pp"] - out["ci_low_pp"]
    return out.sort_values("rank").reset_index(drop=True)


def _differs(a: SpecResult, b: SpecResult) -> list[str]:
    keys = []
    if a.target != b.target:
        keys.append("target")
    if set(a.variables) != set(b.variables):
        keys.append("variables")
    for k in sorted(set(a.settings) | set(b.settings)):
        if a.settings.get(k) != b.settings.get(k):
            keys.append(k)
    return keys


def _joined(a: SpecResult, b: SpecResult) -> pd.DataFrame:
    return a.records[list(RECORD_COLUMNS)].merge(b.records[list(RECORD_COLUMNS)], on=["kommunekode", "navn"], suffixes=("_a", "_b"))


def pairs(results: list[SpecResult], frames: dict[str, pd.DataFrame], top: int = 10) -> pd.DataFrame:
    r"""Summary per pair of specifications.

    Notes
    -----
    Over the municipalities present under both: Spearman correlation of the ranks;
    Pearson correlation of ``diff_pp`` (only when both have the same target); mean and
    largest absolute rank move :math:`|r_b - r_a|`; the number of tier changes; the
    largest movers; and the variable the moves are attributed to (:func:`attribution`).
    """
    rows = []
    for a, b in combinations(results, 2):
        j = _joined(a, b)
        move = (j["rank_b"] - j["rank_a"]).abs()
        att = attribution(a, b, frames)
        top_att = att.iloc[0] if len(att) else None
        order = j.assign(move=move).sort_values("move", ascending=False).head(top)
        rows.append({
            "spec_a": a.name, "spec_b": b.name, "differs": ", ".join(_differs(a, b)), "n": len(j),
            "rank_spearman": float(stats.spearmanr(j["rank_a"], j["rank_b"])[0]) if len(j) > 2 else np.nan,
            "diff_pearson": float(np.corrcoef(j["diff_pp_a"], j["diff_pp_b"])[0, 1]) if a.target == b.target and len(j) > 2 else np.nan,
            "mean_rank_move": float(move.mean()), "max_rank_move": int(move.max()) if len(j) else 0,
            "tier_changes": int((j["tier_a"] != j["tier_b"]).sum()),
            "largest_moves": "; ".join(f"{r.navn} {int(r.rank_a)}→{int(r.rank_b)}" for r in order.itertuples()),
            "attributed_to": None if top_att is None else str(top_att["variable"]),
            "attribution_r2": np.nan if top_att is None else float(top_att["r2"]),
            "attribution_basis": None if top_att is None else str(top_att["basis"]),
        })
    return pd.DataFrame(rows)


def moves(results: list[SpecResult], baseline: str, top: int = 10) -> pd.DataFrame:
    """The largest rank moves of every specification against the baseline."""
    base = next(r for r in results if r.name == baseline)
    out = []
    for r in results:
        if r.name == baseline:
            continue
        j = _joined(base, r)
        j = j.assign(move=j["rank_b"] - j["rank_a"], abs_move=(j["rank_b"] - j["rank_a"]).abs())
        j = j.sort_values(["abs_move", "kommunekode"], ascending=[False, True]).head(top)
        out.append(pd.DataFrame({"spec": r.name, "kommunekode": j["kommunekode"], "navn": j["navn"],
                                 "rank_baseline": j["rank_a"], "rank_spec": j["rank_b"], "move": j["move"],
                                 "diff_pp_baseline": j["diff_pp_a"], "diff_pp_spec": j["diff_pp_b"],
                                 "tier_baseline": j["tier_a"], "tier_spec": j["tier_b"]}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def attribution(a: SpecResult, b: SpecResult, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    r"""Which variable explains the moves between two specifications.

    Parameters
    ----------
    a, b : SpecResult
    frames : dict
        Specification name → its framework table of the review period in wide form
        (``kommunekode`` index, one column per variable, as the fit saw them before its
        own standardization).

    Returns
    -------
    DataFrame
        ``variable, r2, slope_sign, basis`` for every variable used by one specification and
        not the other, best first; empty when the variable sets are equal.

    Notes
    -----
    With the same target the moves are measured as :math:`\Delta_k = \mathrm{diff\_pp}_{bk} -
    \mathrm{diff\_pp}_{ak}`; with different targets, as the rank move :math:`r_{bk} - r_{ak}`.
    By the Frisch–Waugh–Lovell theorem, when *b* adds variable *v* to *a*'s variables *X*,
    the fitted values change by :math:`\hat\beta_v \tilde x_v` with
    :math:`\tilde x_v = M_X x_v` the part of *v* that *X* does not explain (exactly for a
    linear model, to first order for the logit). So each differing variable is
    residualized on the variables both specifications share (least squares with an
    intercept) and ``r2`` is the squared correlation of :math:`\Delta` with
    :math:`\tilde x_v`; near 1 when *v* alone drives the change. Whether the change
    matters is the size of the moves (``mean_rank_move`` in :func:`pairs`), not ``r2``.
    """
    diff = sorted(set(a.variables) ^ set(b.variables))
    if not diff:
        return pd.DataFrame(columns=["variable", "r2", "slope_sign", "basis"])
    j = _joined(a, b).set_index("kommunekode")
    if a.target == b.target:
        delta, basis = j["diff_pp_b"] - j["diff_pp_a"], "diff_pp"
    else:
        delta, basis = (j["rank_b"] - j["rank_a"]).astype(float), "rank"
    common = [v for v in a.variables if v in set(b.variables) and v in frames[a.name]]
    base = frames[a.name][common].reindex(j.index) if common else pd.DataFrame(index=j.index)
    rows = []
    for v in diff:
        owner = b.name if v in b.variables else a.name
        if v not in frames[owner]:
            continue
        x = frames[owner][v].reindex(j.index)
        ok = x.notna() & delta.notna() & base.notna().all(axis=1)
        if ok.sum() < len(common) + 3 or not x[ok].std() > 0 or not delta[ok].std() > 0:
            continue
        X = np.column_stack([np.ones(int(ok.sum())), base[ok].to_numpy(dtype=float)])
        xv = x[ok].to_numpy(dtype=float)
        resid = xv - X @ np.linalg.lstsq(X, xv, rcond=None)[0]
        if not resid.std() > 1e-12 * max(1.0, float(np.abs(xv).max())):
            continue  # v is a combination of the shared variables: nothing of its own to attribute
        r = float(np.corrcoef(resid, delta[ok])[0, 1])
        rows.append({"variable": v, "r2": r * r, "slope_sign": int(np.sign(r)), "basis": basis})
    out = pd.DataFrame(rows, columns=["variable", "r2", "slope_sign", "basis"])
    return out.sort_values("r2", ascending=False).reset_index(drop=True)
