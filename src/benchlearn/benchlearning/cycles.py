"""Learning cycles followed up on results (contract tables ``learning_cycles``, ``learning_actions``).

A cycle is a group of municipalities (one or more ``learner`` s and their ``partner`` s), a visit
and an action plan whose items name a method or an enabler. It is followed up twice:

Results — difference in differences against the learner's peers. With ``d`` the benchmark
difference (pp) and ``Δ_j = d_j(after) − d_j(before)`` for the learner's comparable
municipalities ``j`` (its peers, without the cycle's own members),

    DiD = Δ_learner − mean_j Δ_j,      se = sd_j(Δ_j) · sqrt(1 + 1/n),

a 95 % t interval with n − 1 degrees of freedom: the interval a new municipality's change would
fall in if it changed like its peers (a placebo/prediction interval). A negative DiD is an
improvement (fewer on support than expected, relative to the peers). Under "the learner
changed like its peers" (iid normal changes) the interval excludes 0 with probability 5 %.
It says nothing about *why* a learner improved.

Plan — whether each planned method appears in the learner's ``efforts`` in the follow-up period,
and whether it started after the visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from benchlearn.benchlearning.efforts import active, period_bounds
from benchlearn.core import reference

FOLLOWUP_COLUMNS = ["cycle_id", "kommunekode", "navn", "before_period", "after_period", "own_before_pp", "own_after_pp",
                    "own_change_pp", "peers_change_pp", "did_pp", "se_pp", "ci_low_pp", "ci_high_pp", "n_peers",
                    "improved", "worsened", "status"]


def did(own_before: float, own_after: float, peer_before: np.ndarray, peer_after: np.ndarray, level: float = 0.95) -> dict:
    """Difference in differences of one learner against its peers (module notes)."""
    dp = np.asarray(peer_after, float) - np.asarray(peer_before, float)
    dp = dp[np.isfinite(dp)]
    own = float(own_after) - float(own_before)
    n = len(dp)
    if n < 3 or not np.isfinite(own):
        return {"own_change_pp": own, "peers_change_pp": float(dp.mean()) if n else np.nan, "did_pp": np.nan,
                "se_pp": np.nan, "ci_low_pp": np.nan, "ci_high_pp": np.nan, "n_peers": n,
                "improved": False, "worsened": False, "status": "too_few_peers"}
    est = own - float(dp.mean())
    se = float(dp.std(ddof=1) * np.sqrt(1 + 1 / n))
    q = student_t.ppf(0.5 + level / 2, df=n - 1)
    lo, hi = est - q * se, est + q * se
    return {"own_change_pp": own, "peers_change_pp": float(dp.mean()), "did_pp": est, "se_pp": se,
            "ci_low_pp": lo, "ci_high_pp": hi, "n_peers": n, "improved": bool(hi < 0), "worsened": bool(lo > 0),
            "status": "estimated"}


def follow_up(cycles: pd.DataFrame, results: pd.DataFrame, peers: pd.DataFrame) -> pd.DataFrame:
    """Result follow-up of every learner of every cycle.

    Parameters
    ----------
    cycles : DataFrame
        Contract table ``learning_cycles``.
    results : DataFrame
        Benchmark records of several periods: ``kommunekode, period, diff_pp``.
    peers : DataFrame
        Peer pairs (``kommunekode, peer_kommunekode``) of the peers run.
    """
    d = results.drop_duplicates(["kommunekode", "period"]).set_index(["kommunekode", "period"])["diff_pp"].astype(float)
    names = reference.names()
    rows = []
    for cid, g in cycles.groupby("cycle_id", sort=True):
        members = set(g["kommunekode"].astype(int))
        for _, r in g[g["role"] == "learner"].sort_values("kommunekode").iterrows():
            k, b, a = int(r["kommunekode"]), str(r["before_period"]), str(r["after_period"])
            comp = [j for j in peers.loc[peers["kommunekode"] == k, "peer_kommunekode"].astype(int) if j not in members]
            base = {"cycle_id": cid, "kommunekode": k, "navn": names.get(k, str(k)), "before_period": b, "after_period": a,
                    "own_before_pp": d.get((k, b), np.nan), "own_after_pp": d.get((k, a), np.nan)}
            if (k, b) not in d.index or (k, a) not in d.index:
                rows.append({**base, **{c: np.nan for c in FOLLOWUP_COLUMNS if c not in base},
                             "improved": False, "worsened": False, "n_peers": 0, "status": "no_results"})
                continue
            pb = np.array([d.get((j, b), np.nan) for j in comp])
            pa = np.array([d.get((j, a), np.nan) for j in comp])
            rows.append({**base, **did(d[(k, b)], d[(k, a)], pb, pa)})
    return pd.DataFrame(rows, columns=FOLLOWUP_COLUMNS)


def plan_followup(cycles: pd.DataFrame, actions: pd.DataFrame | None, efforts: pd.DataFrame | None) -> pd.DataFrame:
    """Each action item with whether its method appears in the learner's efforts in the follow-up period.

    ``appears``: an effort with the item's method is active in ``after_period``; ``started_after_visit``:
    such an effort starts on or after the visit's first day. Items without a method have both null.
    """
    cols = ["cycle_id", "kommunekode", "item_id", "method", "enabler", "description", "after_period",
            "appears", "started_after_visit"]
    if actions is None or not len(actions):
        return pd.DataFrame(columns=cols)
    info = cycles.drop_duplicates(["cycle_id", "kommunekode"]).set_index(["cycle_id", "kommunekode"])
    rows = []
    for _, r in actions.sort_values(["cycle_id", "kommunekode", "item_id"]).iterrows():
        key = (r["cycle_id"], int(r["kommunekode"]))
        after = str(info.loc[key, "after_period"]) if key in info.index else None
        visit = str(info.loc[key, "visit_start"]) if key in info.index else None
        m = r.get("method")
        appears = started = None
        if isinstance(m, str) and m and after is not None:
            e = efforts[(efforts["kommunekode"] == key[1]) & (efforts["method"] == m)] if efforts is not None and len(efforts) else pd.DataFrame()
            act = active(e, after) if len(e) else e
            appears = bool(len(act))
            started = bool(len(act) and (act["start_date"].astype(str) >= visit).any())
        rows.append({"cycle_id": r["cycle_id"], "kommunekode": key[1], "item_id": r["item_id"], "method": m if isinstance(m, str) else None,
                     "enabler": r.get("enabler") if isinstance(r.get("enabler"), str) else None,
                     "description": r["description"], "after_period": after, "appears": appears, "started_after_visit": started})
    return pd.DataFrame(rows, columns=cols)


def check_periods(cycles: pd.DataFrame, periods: list[str]) -> list[str]:
    """Cycle periods missing from the benchmark results (said to the user; those cycles get ``no_results``)."""
    want = set(cycles["before_period"].astype(str)) | set(cycles["after_period"].astype(str))
    for p in want:
        period_bounds(p)  # validated by the contract already; raises on nonsense
    return sorted(want - set(periods))
