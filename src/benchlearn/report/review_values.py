"""The model review's stored values as a reader reads them in a CSV/XLSX download (#18).

The review stores codes a program reads — specification names (``standard``,
``uden_pendling``), framework variables (``commute_km``), ``spec=tier`` lists
(``standard=better, …``), what differs between two specifications (``variables``), the
settings of a specification (``level=multinomial_shared``) — and the page shows them by
their labels (``web/review_page.py``). The downloads show what the page shows: every such
code becomes the same label here, the specification by its own description from the stored
``review_specs`` table.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from benchlearn.report import text as tx
from benchlearn.report.wording import stored_text

__all__ = ["review_values", "spec_labels", "setting_text"]

#: the settings a specification may change (fields of the benchmark configuration) and their values
SETTING_KEYS: dict[str, tuple[str, str]] = {
    "level": ("Modelfamilie", "Model family"), "family": ("Modelfamilie", "Model family"),
    "model": ("Model", "Model"), "unmeasured_share": ("κ (andel af variationen fra uobserverede forhold)",
                                                      "κ (share of the variation from unobserved conditions)"),
    "sampling": ("Stikprøvevarians", "Sampling variance"), "log_transform": ("Logaritme af skæve rammevilkår",
                                                                           "Logarithm of skewed variables"),
    "pooled": ("Én model over alle perioder", "One model over all periods"),
    "cross_fit": ("Krydstilpasset", "Cross-fitted"),
}
SETTING_VALUES: dict[str, tuple[str, str]] = {
    "area": ("én model af områdets andel", "one model of the area share"),
    "ydelse": ("én model pr. ydelse", "one model per benefit"),
    "multinomial": ("multinomial fraktionel logit", "multinomial fractional logit"),
    "multinomial_shared": ("multinomial fraktionel logit, fælles hældninger",
                           "multinomial fractional logit, shared slopes"),
    "area_step": ("områdets andel med højst ét trin eller knæk pr. rammevilkår",
                  "area share with at most one step or hinge per framework variable"),
    "auto": ("automatisk (krydsvalidering)", "automatic (cross-validation)"),
    "cv": ("logaritme eller ej efter krydsvalidering", "log or not by cross-validation"),
    "fraclogit": ("fraktionel logit", "fractional logit"), "elogit": ("empirisk logit", "empirical logit"),
    "wls": ("lineær (WLS)", "linear (WLS)"), "binomial": ("binomial", "binomial"), "none": ("ingen", "none"),
    "True": ("ja", "yes"), "False": ("nej", "no"), "true": ("ja", "yes"), "false": ("nej", "no"),
}
#: values whose words depend on the setting ("auto" of the transform is not a cross-validation)
SETTING_VALUES_BY_KEY: dict[tuple[str, str], tuple[str, str]] = {
    ("log_transform", "auto"): ("log af skæve rammevilkår (altid)", "log of skewed framework variables (always)"),
    ("log_transform", "none"): ("ingen log", "no log"),
}
#: what an attribution was computed on (``attribution_basis``)
BASES: dict[str, tuple[str, str]] = {"diff_pp": ("forskel (pct.-point)", "difference (pp)"),
                                     "rank": ("placering", "rank")}


def spec_labels(specs: pd.DataFrame | None) -> dict[str, str]:
    """Specification code → its description in the language in force (the page's labels)."""
    if specs is None or "spec" not in specs.columns:
        return {}
    return {str(r["spec"]): tx.localized(r, "label", str(r["spec"])) for r in specs.to_dict("records")}


def _number(v: str, key: str = "") -> str:
    from benchlearn.report.formatting import fmt_num

    try:
        return fmt_num(float(v), 2)
    except ValueError:
        return tx.pick(SETTING_VALUES_BY_KEY.get((key, v)) or SETTING_VALUES.get(v), v)


def setting_text(s: object, labels: dict[str, str]) -> str:
    """``"unmeasured_share=0.0, level=multinomial_shared (standard)"`` →
    "κ (…): 0,00; Modelfamilie: multinomial fraktionel logit, fælles hældninger (som «Standard …»)"."""
    out = []
    for part in [p.strip() for p in str(s).split(", ") if p.strip()]:
        key, sep, val = part.partition("=")
        if not sep:
            out.append(part)
            continue
        m = re.fullmatch(r"(.*?) \((.+)\)", val)
        val, of = (m.group(1), m.group(2)) if m else (val, None)
        text = f"{tx.pick(SETTING_KEYS.get(key), key)}: {_number(val, key)}"
        if of is not None:
            text += f" ({tx.say('review.setting_as_in', spec=labels.get(of, of))})"
        out.append(text)
    return "; ".join(out)


def _variables(v: object) -> str:
    from benchlearn.review.labels import variable_label

    # "; " between them: a variable's label has commas of its own ("andel 65 år og derover, %")
    return "; ".join(variable_label(x.strip()) for x in str(v).split(",") if x.strip())


def _tiers(v: object, labels: dict[str, str]) -> str:
    """``"standard=better, uden_pendling=as_expected"`` → "Standard …: Bedre end forventet; …"."""
    parts = [p.partition("=") for p in str(v).split(", ") if "=" in p]
    return "; ".join(f"{labels.get(s, s)}: {tx.label(tx.TIERS, t)}" for s, _, t in parts)


def review_values(labels: dict[str, str]) -> dict[str, Callable[[object], object]]:
    """Column → how a stored review value reads (applied by ``downloads.readable`` to review tables)."""
    from benchlearn.review.labels import differs_label, group_label, variable_label

    def spec(v: object) -> str:
        return labels.get(str(v), str(v))

    def tier(v: object) -> str:
        return tx.label(tx.TIERS, v)

    return {
        "spec": spec, "spec_a": spec, "spec_b": spec, "target": lambda v: tx.area_label(str(v)),
        "variables": _variables, "variable": lambda v: variable_label(str(v)),
        "attributed_to": lambda v: variable_label(str(v)), "moved_most_by": lambda v: group_label(str(v)).capitalize(),
        "group": lambda v: group_label(str(v)).capitalize(), "differs": lambda v: differs_label(str(v)).capitalize(),
        "attribution_basis": lambda v: tx.label(BASES, v).capitalize(), "basis": lambda v: tx.label(BASES, v).capitalize(),
        "tier_open": tier, "tier_pub": tier, "tier_baseline": tier, "tier_spec": tier,
        "tiers": lambda v: _tiers(v, labels), "settings": lambda v: setting_text(v, labels),
        "reason": stored_text, "status": lambda v: tx.say("review.status_ok") if v == "ok" else tx.say("review.status_skipped"),
    }
