"""Schemes side by side: who moves, rank reversals, Kendall's τ, threshold sensitivity.

The Nyborg paradox (seeds 000/001): under STAR's Jobcenterindblik the municipality with
the best result landed in the second-lowest category because it missed the focus goals.
This module names every such case: a municipality better than expected
(``diff_pp <= 0``) placed strictly below at least one municipality worse than expected
(``diff_pp > 0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from benchlearn.core.seams import RunStore, Tables
from benchlearn.schemes.classify import (
    SHIPPED,
    Classification,
    ClassifyConfig,
    classify,
    classify_frame,
    load_scheme,
)
from benchlearn.core.errors import BenchlearnError
from benchlearn.core.i18n import t
from benchlearn.core.results import Run

DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(round(0.25 + 0.01 * i, 2) for i in range(11))


@dataclass(frozen=True)
class CompareConfig:
    """A comparison of schemes for one period; ``vary`` and ``thresholds`` drive the sensitivity table."""

    period: str
    schemes: tuple[str, ...] = ("star-2020", "kl-results-first")
    area: str | None = None
    source: Literal["auto", "table", "workspace", "model"] = "auto"
    vary: Literal["tilbud", "samtaler"] = "tilbud"
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS


def reversal_pairs(diff_pp: np.ndarray, position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) where i has the better result but is placed strictly lower.

    Notes
    -----
    A reversal is ``diff_pp[i] < diff_pp[j]`` and ``position[i] > position[j]``
    (position 1 = top). Missing values take part in no pair. O(n²) on 98 units.
    """
    d = np.asarray(diff_pp, dtype="float64")
    p = np.asarray(position, dtype="float64")
    ok = ~(np.isnan(d) | np.isnan(p))
    better = d[:, None] < d[None, :]
    lower = p[:, None] > p[None, :]
    m = better & lower & ok[:, None] & ok[None, :]
    return np.nonzero(m)


@dataclass(frozen=True)
class SchemeComparison:
    """Result of :func:`compare_schemes`; every table is a DataFrame property."""

    config: CompareConfig
    classifications: tuple[Classification, ...]

    @property
    def scheme_ids(self) -> tuple[str, ...]:
        return tuple(c.scheme.id for c in self.classifications)

    @cached_property
    def municipalities(self) -> pd.DataFrame:
        """Wide table: one row per municipality, category and position under each scheme."""
        # the benchmark's answer (diff, interval, tier, rank) as in every other command
        first = self.classifications[0].to_frame()
        base = first[["kommunekode", "navn", "period", "diff_pp", "ci_low_pp", "ci_high_pp",
                      *[c for c in ("rank", "rank_ci_low", "rank_ci_high") if c in first.columns]]]
        base = base.assign(tier=first["tier"])
        d = base["diff_pp"]
        base = base.assign(results_rank=d.rank(method="min").astype("Int64"))
        for c in self.classifications:
            f = c.to_frame().set_index("kommunekode")
            s = c.scheme.id
            base[f"category_{s}"] = base["kommunekode"].map(f["category"])
            base[f"position_{s}"] = base["kommunekode"].map(f["position"]).astype("Int64")
        cats = base[[f"category_{s}" for s in self.scheme_ids]]
        base["category_changed"] = cats.nunique(axis=1, dropna=False) > 1
        par = self.paradox
        for s in self.scheme_ids:
            base[f"nyborg_like_{s}"] = base["kommunekode"].isin(par.loc[par["scheme"] == s, "kommunekode"])
        base["simulated"] = any(c.simulated for c in self.classifications)
        return base.sort_values("results_rank", kind="mergesort", na_position="last").reset_index(drop=True)

    @cached_property
    def changes(self) -> pd.DataFrame:
        """Municipalities whose category differs between a pair of schemes."""
        rows = []
        ids = self.scheme_ids
        for a_i, a in enumerate(self.classifications):
            fa = a.to_frame().set_index("kommunekode")
            for b in self.classifications[a_i + 1:]:
                fb = b.to_frame().set_index("kommunekode")
                common = fa.index.intersection(fb.index)
                for k in common:
                    ca, cb = fa.at[k, "category"], fb.at[k, "category"]
                    pa, pb = fa.at[k, "position"], fb.at[k, "position"]
                    if ca != cb or (pd.notna(pa) and pd.notna(pb) and pa != pb):
                        rows.append({"kommunekode": int(k), "navn": fa.at[k, "navn"], "scheme_a": a.scheme.id, "scheme_b": b.scheme.id,
                                     "category_a": ca, "category_b": cb, "position_a": pa, "position_b": pb,
                                     "category_changed": ca != cb, "diff_pp": fa.at[k, "diff_pp"]})
        cols = ["kommunekode", "navn", "scheme_a", "scheme_b", "category_a", "category_b", "position_a", "position_b", "category_changed", "diff_pp"]
        del ids
        return pd.DataFrame(rows, columns=cols)

    @cached_property
    def reversals(self) -> pd.DataFrame:
        """Pairs where the better result is placed lower, under each scheme."""
        out = []
        for c in self.classifications:
            f = c.to_frame()
            i, j = reversal_pairs(f["diff_pp"].to_numpy("float64", na_value=np.nan), f["position"].to_numpy("float64", na_value=np.nan))
            out.append(pd.DataFrame({
                "scheme": c.scheme.id,
                "better_kommunekode": f["kommunekode"].to_numpy()[i], "better_navn": f["navn"].to_numpy()[i],
                "better_diff_pp": f["diff_pp"].to_numpy()[i], "better_position": f["position"].to_numpy()[i],
                "better_category": f["category"].to_numpy()[i],
                "worse_kommunekode": f["kommunekode"].to_numpy()[j], "worse_navn": f["navn"].to_numpy()[j],
                "worse_diff_pp": f["diff_pp"].to_numpy()[j], "worse_position": f["position"].to_numpy()[j],
                "worse_category": f["category"].to_numpy()[j],
            }))
        return pd.concat(out, ignore_index=True)

    @cached_property
    def tau(self) -> pd.DataFrame:
        """Kendall's τ-b between the orders of each pair of schemes and the diff_pp order."""
        frames = {c.scheme.id: c.to_frame().set_index("kommunekode")["position"] for c in self.classifications}
        frames["diff_pp"] = self.classifications[0].to_frame().set_index("kommunekode")["diff_pp"]
        names = list(frames)
        rows = []
        for a_i, a in enumerate(names):
            for b in names[a_i + 1:]:
                x = pd.concat([frames[a], frames[b]], axis=1, keys=["a", "b"]).astype("float64").dropna()
                if len(x) >= 2 and x["a"].nunique() > 1 and x["b"].nunique() > 1:
                    r = kendalltau(x["a"], x["b"])  # tau-b: ties (tiers, categories) handled
                    tau, p = float(r.statistic), float(r.pvalue)
                else:
                    tau, p = float("nan"), float("nan")
                rows.append({"scheme_a": a, "scheme_b": b, "kendall_tau": tau, "p_value": p, "n": len(x)})
        return pd.DataFrame(rows)

    @cached_property
    def sensitivity(self) -> pd.DataFrame:
        """Category counts when the threshold of one fokusmål moves (e.g. 25–35 %)."""
        goal = self.config.vary
        rows = []
        for c in self.classifications:
            if goal not in c.scheme.focus_counted(self.config.period):
                continue
            inputs = c.records[["kommunekode", "diff_pp", "ci_low_pp", "ci_high_pp", "share_without_offer", "share_without_talks"]]
            base = c.records.set_index("kommunekode")["category"]
            for thr in self.config.thresholds:
                s = c.scheme.with_params(**{f"{goal}_threshold": float(thr)})
                r = classify_frame(inputs, s, self.config.period).set_index("kommunekode")
                moved = int((r["category"].reindex(base.index) != base).sum())
                counts = r["category"].value_counts()
                for cat in c.scheme.categories:
                    rows.append({"scheme": c.scheme.id, "goal": goal, "threshold": float(thr), "category": cat.id,
                                 "category_order": cat.order, "count": int(counts.get(cat.id, 0)), "moved_vs_scheme": moved})
        return pd.DataFrame(rows, columns=["scheme", "goal", "threshold", "category", "category_order", "count", "moved_vs_scheme"])

    @cached_property
    def paradox(self) -> pd.DataFrame:
        """Nyborg-like cases: better than expected, yet below someone worse than expected."""
        rows = []
        for c in self.classifications:
            f = c.to_frame()
            d = f["diff_pp"].to_numpy("float64", na_value=np.nan)
            p = f["position"].to_numpy("float64", na_value=np.nan)
            rank = pd.Series(d).rank(method="min").to_numpy()
            worse = (d > 0) & ~np.isnan(p)
            for i in np.nonzero((d <= 0) & ~np.isnan(p))[0]:
                n_above = int(np.sum(worse & (p < p[i])))
                if n_above:
                    d_da = f"{d[i]:+.2f}".replace(".", ",")
                    rows.append({
                        "scheme": c.scheme.id, "kommunekode": int(f["kommunekode"].iat[i]), "navn": f["navn"].iat[i],
                        "diff_pp": float(d[i]), "results_rank": int(rank[i]), "category": f["category"].iat[i],
                        "category_label": f["category_label"].iat[i], "position": int(p[i]),
                        "worse_placed_above": n_above,
                        "text_da": (f"{f['navn'].iat[i]}: nr. {int(rank[i])} på resultater (diff_pp {d_da}), men placeret som nr. {int(p[i])} "
                                    f"({f['category_label_da'].iat[i]}) under {n_above} kommune(r) med dårligere resultat end forventet"),
                        "text_en": (f"{f['navn'].iat[i]}: no. {int(rank[i])} on results (diff_pp {d[i]:+.2f}), but placed no. {int(p[i])} "
                                    f"({f['category_label_en'].iat[i]}) below {n_above} municipality(ies) worse than expected"),
                    })
        cols = ["scheme", "kommunekode", "navn", "diff_pp", "results_rank", "category", "category_label", "position", "worse_placed_above", "text_da", "text_en"]
        out = pd.DataFrame(rows, columns=cols)
        if len(out):
            out["text"] = out["text_en"] if t("da", "en") == "en" else out["text_da"]
            out = out.sort_values(["scheme", "results_rank"], kind="mergesort").reset_index(drop=True)
        else:
            out["text"] = pd.Series(dtype="str")
        return out

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per scheme: reversals, Nyborg-like cases, τ with the diff_pp order."""
        tau = self.tau
        rows = []
        for c in self.classifications:
            s = c.scheme.id
            tr = tau.loc[(tau["scheme_a"] == s) & (tau["scheme_b"] == "diff_pp"), "kendall_tau"]
            par = self.paradox.loc[self.paradox["scheme"] == s]
            rows.append({"period": self.config.period, "scheme": s, "scheme_label_da": c.scheme.label_da,
                         "scheme_label_en": c.scheme.label_en, "scheme_hash": c.scheme.sha256, "n": int(c.records["category"].notna().sum()),
                         "rank_reversals": int((self.reversals["scheme"] == s).sum()),
                         "nyborg_like": len(par), "nyborg_like_names": ", ".join(par["navn"].astype(str).tolist()),
                         "kendall_tau_vs_results": float(tr.iloc[0]) if len(tr) else float("nan")})
        return pd.DataFrame(rows)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (workspace result names); ``records`` is the per-scheme summary."""
        return {"summary": self.summary, "municipalities": self.municipalities, "changes": self.changes,
                "reversals": self.reversals, "kendall_tau": self.tau, "sensitivity": self.sensitivity, "nyborg_like": self.paradox}

    def to_run(self) -> Run:
        """The stored form (kind ``scheme_comparison``, declared in core/results.py)."""
        return Run("scheme_comparison", self.run_config(), self.run_results(), {"schemes": list(self.scheme_ids)})

    def run_results(self) -> dict[str, pd.DataFrame]:
        """Tables stored in a workspace run; ``records`` (read by the web layer) is the summary."""
        return {"records": self.summary, **self.tables()}

    def to_records(self) -> list[dict[str, Any]]:
        """All tables in one JSON-able list; every record says its ``section``."""
        out: list[dict[str, Any]] = []
        for name, df in self.tables().items():
            df = df.astype(object).where(df.notna(), None)
            for rec in df.to_dict("records"):
                out.append({"section": name, "period": self.config.period, **rec})
        return out

    def to_frame(self) -> pd.DataFrame:
        return self.municipalities

    def run_config(self) -> dict[str, Any]:
        return {"period": self.config.period, "schemes": list(self.scheme_ids),
                "scheme_hashes": {c.scheme.id: c.scheme.sha256 for c in self.classifications},
                "vary": self.config.vary, "thresholds": list(self.config.thresholds)}


def compare_schemes(ds: Tables, config: CompareConfig, workspace: RunStore | None = None) -> SchemeComparison:
    """Classify under each scheme and compare (see :class:`SchemeComparison`)."""
    if len(config.schemes) < 2:
        raise BenchlearnError("Angiv mindst to skemaer at sammenligne.", "Give at least two schemes to compare.")
    cls = tuple(classify(ds, ClassifyConfig(period=config.period, scheme=s, area=config.area, source=config.source), workspace)
                for s in config.schemes)
    return SchemeComparison(config, cls)


def known_scheme(name: str) -> str:
    """Validate a scheme name early (loads it) and return it unchanged."""
    load_scheme(name)
    return name
