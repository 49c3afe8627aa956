"""Classification under a scheme: municipalities into categories, with the reason.

The schemes themselves (TOML files, strict validation) are in
:mod:`benchlearn.schemes.rules`; their names are re-exported here, so
``benchlearn.schemes.classify`` is the one import for loading and classifying.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from benchlearn.core.seams import RunStore, Tables
from benchlearn.schemes.rules import (
    FOCUS_GOALS,
    SCHEME_DIR,
    SHIPPED,
    TIERS,
    VARIABLES,
    Category,
    FocusException,
    ResultDefinition,
    Scheme,
    load_scheme,
    parse_scheme,
    shipped_path,
)
from benchlearn.core.i18n import t
from benchlearn.core.literals import ResultSource
from benchlearn.core.results import Run

__all__ = [
    "FOCUS_GOALS", "SCHEME_DIR", "SHIPPED", "TIERS", "VARIABLES", "Category", "Classification", "ClassifyConfig",
    "FocusException", "Scheme", "build_inputs", "classify", "classify_frame", "load_scheme", "parse_scheme",
    "shipped_path",
]


INPUT_COLUMNS = ("kommunekode", "diff_pp", "ci_low_pp", "ci_high_pp", "share_without_offer", "share_without_talks")


def _bool_or_none(x: Any) -> bool | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else bool(x)


def _pct(x: float, da: bool = False) -> str:
    s = f"{100 * x:.1f} %"
    return s.replace(".", ",") if da else s


def _pp(x: float, da: bool = False) -> str:
    """Signed percentage points with a real minus (U+2212); Danish text uses decimal comma."""
    s = f"{x:+.2f}".replace("-", "\u2212")
    return s.replace(".", ",") if da else s


def classify_frame(inputs: pd.DataFrame, scheme: Scheme, period: str) -> pd.DataFrame:
    """Classify one period under a scheme.

    Parameters
    ----------
    inputs : DataFrame
        One row per municipality with ``kommunekode, diff_pp, ci_low_pp, ci_high_pp,
        share_without_offer, share_without_talks`` (NaN where unknown).
    scheme : Scheme
    period : str
        Its calendar year decides which fokusmål count (``fokusmaal.exceptions``).

    Returns
    -------
    DataFrame
        ``kommunekode, period, scheme, category, category_label, category_order, position,
        resultatmaal, fokusmaal_tilbud, fokusmaal_samtaler, fokusmaal_alle, tier, diff_pp,
        ci_low_pp, ci_high_pp, share_without_offer, share_without_talks, tilsyn_selected,
        reason_da, reason_en, reason``.

    Notes
    -----
    resultatmål met ⇔ ``diff_pp <= 0`` (definition ``point``) or ``ci_low_pp <= 0``
    (``not_significantly_worse``). Fokusmål g met ⇔ share without g ``< threshold_g``.
    ``fokusmaal_alle`` ⇔ every counted fokusmål met. Tier: ``better`` if
    ``ci_high_pp < 0``, ``worse`` if ``ci_low_pp > 0``, else ``as_expected``.
    Position: sort by (category order, diff_pp ascending, kommunekode) and number 1..n;
    in a ``tiers`` scheme the position is the category order, shared within a tier.
    Municipalities whose category cannot be decided (missing inputs) get a null
    category and position and are listed last.
    """
    missing = [c for c in INPUT_COLUMNS if c not in inputs.columns]
    if missing:
        raise ValueError(f"classify_frame: missing columns {missing}")
    counted = scheme.focus_counted(period)
    exception = scheme.exception_for(period)
    rows = []
    for rec in inputs.to_dict("records"):
        rows.append(_classify_one(rec, scheme, counted, exception))
    out = pd.DataFrame(rows, columns=list(_OUT_COLS))
    out.insert(1, "period", str(period))
    out.insert(2, "scheme", scheme.id)
    # position: categories in order, then best diff_pp first; unknown last and unnumbered
    key = out.assign(_d=out["diff_pp"].astype("float64").fillna(np.inf), _o=out["category_order"].astype("float64").fillna(np.inf))
    order_idx = key.sort_values(["_o", "_d", "kommunekode"], kind="mergesort").index
    out = out.loc[order_idx].reset_index(drop=True)
    known = out["category"].notna()
    if scheme.kind == "tiers":
        pos = out["category_order"].where(known)
    else:
        pos = pd.Series(np.where(known, np.cumsum(known), np.nan), index=out.index)
    out["position"] = pos.astype("Int64")
    out["reason"] = out["reason_en"] if t("da", "en") == "en" else out["reason_da"]
    for c in ("resultatmaal", "fokusmaal_tilbud", "fokusmaal_samtaler", "fokusmaal_alle", "tilsyn_selected"):
        out[c] = out[c].astype("boolean")
    out["category_order"] = out["category_order"].astype("Int64")
    return out


_OUT_COLS = (
    "kommunekode", "category", "category_label_da", "category_label_en", "category_order", "resultatmaal",
    "fokusmaal_tilbud", "fokusmaal_samtaler", "fokusmaal_alle", "tier", "diff_pp", "ci_low_pp", "ci_high_pp",
    "share_without_offer", "share_without_talks", "tilsyn_selected", "reason_da", "reason_en",
)


def _num(x: Any) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return f


def _classify_one(rec: dict[str, Any], scheme: Scheme, counted: tuple[str, ...], exception: FocusException | None) -> dict[str, Any]:
    d, lo, hi = _num(rec.get("diff_pp")), _num(rec.get("ci_low_pp")), _num(rec.get("ci_high_pp"))
    shares = {"tilbud": _num(rec.get("share_without_offer")), "samtaler": _num(rec.get("share_without_talks"))}
    thr = {"tilbud": scheme.tilbud_threshold, "samtaler": scheme.samtaler_threshold}
    da: list[str] = []
    en: list[str] = []

    res: bool | None = None
    if scheme.uses_resultatmaal:
        if scheme.resultatmaal == "point":
            res = None if np.isnan(d) else bool(d <= 0)
            if res is None:
                da.append("resultat mangler")
                en.append("result missing")
            else:
                da.append(f"resultatmål {'opfyldt' if res else 'ikke opfyldt'} (forskel {_pp(d, True)} pp {'≤' if res else '>'} 0)")
                en.append(f"result goal {'met' if res else 'not met'} (difference {_pp(d)} pp {'≤' if res else '>'} 0)")
        else:
            res = None if np.isnan(lo) else bool(lo <= 0)
            if res is None:
                da.append("konfidensinterval mangler, så 'ikke signifikant dårligere' kan ikke afgøres")
                en.append("confidence interval missing, so 'not significantly worse' cannot be decided")
            else:
                da.append(f"resultatmål {'opfyldt' if res else 'ikke opfyldt'}: {'ikke ' if res else ''}signifikant dårligere end forventet (nedre grænse {_pp(lo, True)} {'≤' if res else '>'} 0)")
                en.append(f"result goal {'met' if res else 'not met'}: {'not ' if res else ''}significantly worse than expected (lower bound {_pp(lo)} {'≤' if res else '>'} 0)")

    goal_met: dict[str, bool | None] = {}
    names = {"tilbud": ("uden tilbud", "without offer"), "samtaler": ("uden samtaler", "without meetings")}
    for g in FOCUS_GOALS:
        if g not in counted:
            goal_met[g] = None
            continue
        s = shares[g]
        goal_met[g] = None if np.isnan(s) else bool(s < thr[g])
        if goal_met[g] is None:
            da.append(f"fokusmål {g}: andel {names[g][0]} mangler")
            en.append(f"focus goal {g}: share {names[g][1]} missing")
        else:
            ok = goal_met[g]
            da.append(f"fokusmål {g} {'opfyldt' if ok else 'ikke opfyldt'} (andel {names[g][0]} {_pct(s, True)} {'<' if ok else '≥'} {_pct(thr[g], True)})")
            en.append(f"focus goal {g} {'met' if ok else 'not met'} (share {names[g][1]} {_pct(s)} {'<' if ok else '≥'} {_pct(thr[g])})")
    if exception is not None and set(scheme.focus_use) - set(counted):
        da.append(exception.note_da or f"tæller ikke i dette år: {', '.join(sorted(set(scheme.focus_use) - set(counted)))}")
        en.append(exception.note_en or f"not counted this year: {', '.join(sorted(set(scheme.focus_use) - set(counted)))}")
    known_goals = [goal_met[g] for g in counted]
    if any(x is False for x in known_goals):
        alle: bool | None = False
    elif all(x is True for x in known_goals):
        alle = True
    else:
        alle = None

    tier: str | None = None
    if not (np.isnan(lo) or np.isnan(hi)):
        tier = "better" if hi < 0 else ("worse" if lo > 0 else "as_expected")
    if scheme.uses_tier:
        if tier is None:
            da.append("konfidensinterval mangler, så niveauet kan ikke afgøres")
            en.append("confidence interval missing, so the tier cannot be decided")
        else:
            da.append(f"95 %-interval [{_pp(lo, True)}; {_pp(hi, True)}] " + {"better": "helt under 0", "worse": "helt over 0", "as_expected": "indeholder 0"}[tier])
            en.append(f"95 % interval [{_pp(lo)}; {_pp(hi)}] " + {"better": "wholly below 0", "worse": "wholly above 0", "as_expected": "contains 0"}[tier])

    values = {"resultatmaal": res, "fokusmaal_alle": alle, "fokusmaal_tilbud": goal_met["tilbud"],
              "fokusmaal_samtaler": goal_met["samtaler"], "tier": tier}
    cat: Category | None = None
    for c in scheme.categories:
        if all(values[k] is not None for k, _ in c.when) and c.matches(values):
            cat = c
            break
    if cat is None:
        da.append("kategori kan ikke afgøres")
        en.append("category cannot be decided")
    else:
        da.append(f"→ {cat.label_da}")
        en.append(f"→ {cat.label_en}")
    return {
        "kommunekode": int(rec["kommunekode"]),
        "category": cat.id if cat else None,
        "category_label_da": cat.label_da if cat else None,
        "category_label_en": cat.label_en if cat else None,
        "category_order": cat.order if cat else None,
        "resultatmaal": res,
        "fokusmaal_tilbud": goal_met["tilbud"],
        "fokusmaal_samtaler": goal_met["samtaler"],
        "fokusmaal_alle": alle if counted else None,
        "tier": tier,
        "diff_pp": d,
        "ci_low_pp": lo,
        "ci_high_pp": hi,
        "share_without_offer": shares["tilbud"],
        "share_without_talks": shares["samtaler"],
        "tilsyn_selected": (cat.tilsyn if cat else None),
        # a scheme note is a sentence of its own (".") and the parts are joined with "; "
        "reason_da": "; ".join(x.rstrip(".") for x in da),
        "reason_en": "; ".join(x.rstrip(".") for x in en),
    }


# --------------------------------------------------------------------------- dataset level


@dataclass(frozen=True)
class ClassifyConfig:
    """One classification run: period, scheme (id or path) and optional parameter changes."""

    period: str
    scheme: str = "star-2020"
    area: str | None = None
    source: ResultSource = "auto"
    resultatmaal: ResultDefinition | None = None
    tilbud_threshold: float | None = None
    samtaler_threshold: float | None = None


@dataclass(frozen=True)
class Classification:
    """The result of :func:`classify`; ``to_frame()`` gives the ``classify --json`` records."""

    config: ClassifyConfig
    scheme: Scheme
    records: pd.DataFrame
    result_source: str
    area: str
    simulated: bool

    def to_frame(self) -> pd.DataFrame:
        df = self.records.copy()
        names = _names(df["kommunekode"])
        df.insert(1, "navn", names)
        lbl = df["category_label_en"] if t("da", "en") == "en" else df["category_label_da"]
        df.insert(df.columns.get_loc("category") + 1, "category_label", lbl)
        df["scheme_hash"] = self.scheme.sha256
        df["area"] = self.area
        df["result_source"] = self.result_source
        df["simulated"] = self.simulated
        return df

    def to_run(self) -> Run:
        """The stored form (kind ``classification``, declared in core/results.py)."""
        return Run("classification", self.run_config(), {"records": self.to_frame()},
                   {"scheme_label_da": self.scheme.label_da, "scheme_label_en": self.scheme.label_en, "scheme_path": self.scheme.path})

    def run_config(self) -> dict[str, Any]:
        """Workspace run config: everything that identifies the run."""
        return {"period": self.config.period, "area": self.area, **self.scheme.config(),
                "resultatmaal_definition": self.scheme.resultatmaal, "result_source": self.result_source}


def _names(codes: pd.Series) -> list[str | None]:
    from benchlearn.core import reference

    ref = reference.names()  # the one code-to-name map
    return [ref.get(int(k)) for k in codes]


def build_inputs(ds: Tables, period: str, scheme: Scheme, area: str | None = None, source: str = "auto", workspace: RunStore | None = None):
    """Benchmark results joined with the fokusmål shares for one period."""
    from benchlearn.schemes.focus import benchmark_results, focus_measures

    res = benchmark_results(ds, period, area=area, source=source, workspace=workspace)  # type: ignore[arg-type]
    if scheme.focus_counted(period) and not ds.has("focus"):
        ds.require("focus", f"fokusmålene i skemaet '{scheme.id}'", f"the focus goals of scheme '{scheme.id}'")
    foc = focus_measures(ds, period)[["kommunekode", "share_without_offer", "share_without_talks"]]
    inputs = res.frame.merge(foc, on="kommunekode", how="left")
    # only inputs the scheme uses count: a results-only scheme on a real benchmark is real
    sim = res.simulated or bool(scheme.focus_counted(period) and ds.has("focus") and ds.is_simulated("focus"))
    return inputs, res, bool(sim)


def simulated_inputs(ds: Tables, period: str, scheme: Scheme, result_simulated: bool) -> str:
    """Which inputs of a classification were simulated, e.g. ``"fokusmål (focus)"`` ('' = none)."""
    parts = []
    if result_simulated:
        parts.append("resultatmål (benchmark)")
    if scheme.focus_counted(period) and ds.has("focus") and ds.is_simulated("focus"):
        parts.append("fokusmål (focus)")
    return ", ".join(parts)


#: the benchmark's rank columns carried into a classification (from the resolver)
RANK_COLUMNS = ("rank", "rank_ci_low", "rank_ci_high")


def classify(ds: Tables, config: ClassifyConfig, workspace: RunStore | None = None) -> Classification:
    """Classify every municipality of one period under a scheme (see :func:`classify_frame`)."""
    scheme = load_scheme(config.scheme).with_params(
        resultatmaal=config.resultatmaal, tilbud_threshold=config.tilbud_threshold, samtaler_threshold=config.samtaler_threshold
    )
    inputs, res, sim = build_inputs(ds, config.period, scheme, config.area, config.source, workspace)
    records = classify_frame(inputs, scheme, config.period)
    # the benchmark's own rank and rank interval, as every other command shows them
    ranks = inputs[["kommunekode", *RANK_COLUMNS]].drop_duplicates("kommunekode")
    at = records.columns.get_loc("ci_high_pp") + 1
    records = records.merge(ranks, on="kommunekode", how="left", sort=False)
    records = records[[*records.columns[:at], *RANK_COLUMNS, *[c for c in records.columns[at:] if c not in RANK_COLUMNS]]]
    records["simulated_inputs"] = simulated_inputs(ds, config.period, scheme, bool(res.simulated))
    return Classification(config, scheme, records, res.source, res.area, sim)
