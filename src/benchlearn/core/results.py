"""Every result a workspace stores, declared once (as :data:`benchlearn.core.contract.TABLES` for inputs).

A run is a :class:`Run` — ``(kind, config, tables, meta)`` — recorded with
:meth:`benchlearn.store.Workspace.record`, which refuses a kind or a table that is not
declared here. :data:`RESULTS` is read by the writers (through ``record``), by the web layer
(:data:`benchlearn.report.site_data.RESULT_TABLES` is derived from the ``site`` names) and by
``tests/test_results_documented.py``, which checks that every result and table is described in
docs/ARCHITECTURE.md. A new result type: one module with a ``to_run()`` and one entry here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Run:
    """One analysis run before it is stored: what it was, how it was configured, its tables."""

    kind: str
    config: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """A result kind: its tables (name -> what a row is) and the site tables the web reads from it."""

    kind: str
    label_da: str
    label_en: str
    tables: Mapping[str, str]
    site: Mapping[str, str] = field(default_factory=dict)  # site table name -> result table name


def _r(kind: str, da: str, en: str, tables: dict[str, str], site: dict[str, str] | None = None) -> Result:
    return Result(kind, da, en, MappingProxyType(tables), MappingProxyType(site or {}))


_REVIEW = ("specs", "records", "ranges", "pairs", "moves", "attribution", "agreement", "agreement_points",
           "reproducibility", "disagreements", "contributions")

RESULTS: Mapping[str, Result] = MappingProxyType({r.kind: r for r in (
    _r("benchmark", "Rammevilkårsbenchmark", "Framework benchmark", {
        "records": "one municipality in one period: actual, expected, diff_pp, interval, shrinkage, rank interval, tier",
        "coefficients": "one term of the fitted model (estimate, se)",
        "excluded": "one municipality left out, with the reason",
        "model_card": "one key of the model card (value as JSON)",
    }, {"benchmark": "records", "coefficients": "coefficients", "model_card": "model_card"}),
    _r("classification", "Klassifikation", "Classification", {
        "records": "one municipality under one scheme: category, position, goals met, diff, interval, tier, rank",
    }, {"classification": "records"}),
    _r("scheme_comparison", "Sammenligning af skemaer", "Scheme comparison", {
        "records": "one scheme (the summary, read by the web)",
        "summary": "one scheme: n, rank reversals, Nyborg-like cases, Kendall's tau against results",
        "municipalities": "one municipality: diff, interval, tier, rank, category and position under each scheme",
        "changes": "one municipality whose category differs between two schemes",
        "reversals": "one pair ranked the other way round by results and by a scheme",
        "kendall_tau": "one pair of schemes",
        "sensitivity": "one threshold of the varied focus goal",
        "nyborg_like": "one municipality placed above a worse one by a scheme",
    }, {"scheme_comparison": "summary", "nyborg_like": "nyborg_like"}),
    _r("tilsyn", "Skærpet tilsyn", "Stricter supervision", {
        "path": "one municipality in one year: selection and state",
        "selections": "one municipality selected in one year",
    }),
    _r("peers", "Sammenlignelige kommuner", "Peers", {
        "peers": "one municipality and one of its nearest peers: distance, diffs, z test, learning partner",
        "clusters": "one municipality's Ward cluster",
        "differences": "one learning partner and how it differs (activity, costs, mix)",
    }, {"peers": "peers", "peer_differences": "differences"}),
    _r("dea", "Omkostningseffektivitet (DEA)", "Cost efficiency (DEA)", {
        "records": "one jobcentre: efficiency, bias-corrected score and interval, peers, potential",
        "summary": "the run: potential in persons and kroner with intervals",
    }, {"dea": "records"}),
    _r("costs", "Udgifter", "Costs", {
        "split": "one municipality: the change in unit cost split into composition and level",
        "split_groups": "one municipality and målgruppe of the split",
        "unit_costs": "one municipality and period: unit cost per full-time person and per ledig",
        "trend": "one municipality: the trend of the unit cost",
    }, {"costs": "unit_costs", "cost_split": "split"}),
    _r("surveys", "Undersøgelser", "Surveys", {
        "records": "one municipality, survey and dimension: score, interval, respondents (suppressed when few)",
        "by_maalgruppe": "the same per målgruppe",
        "national": "one survey and dimension for the whole country",
        "trends": "one municipality, survey and dimension over periods",
        "weighting": "one weighting cell of the raking",
    }, {"surveys": "records", "surveys_national": "national"}),
    _r("benchlearning", "Benchlearning", "Benchlearning", {
        "method_associations": "one method: association with the result",
        "enabler_associations": "one enabler: association with the result",
        "learn": "one municipality and one thing to learn from its partners",
        "partners": "one municipality and one learning partner",
        "catalogue": "one method of the efforts catalogue",
        "enabler_scores": "one municipality's self-assessment against its peers",
        "enabler_gaps": "one municipality and enabler: the gap to its peers, with se",
        "cycle_followup": "one learning cycle: difference in differences against peers",
        "cycle_plan": "one planned method and whether it is in use after the visit",
    }, {f"benchlearning_{name}": name for name in (
        "learn", "partners", "method_associations", "enabler_associations", "enabler_scores", "enabler_gaps",
        "cycle_followup", "cycle_plan", "catalogue")}),
    _r("by_origin", "Efter herkomst", "By origin", {
        "records": "one municipality, period and origin group: residents, full-time persons on the integration ydelser, share",
    }, {"by_origin": "records"}),
    _r("integration_peers", "Integration: sammenlignelige kommuner", "Integration: peers", {
        "peers": "one municipality and one of its nearest peers on the integration view: distance, diffs, z test, learning partner",
        "clusters": "one municipality's Ward cluster on the integration view",
    }, {"integration_peers": "peers"}),
    _r("review", "Modelgennemgang", "Model review",
       {name: f"the review's {name.replace('_', ' ')} (docs/REVIEW.md)" for name in _REVIEW},
       {f"review_{name}": name for name in _REVIEW}),
    _r("demo", "Demo", "Demo", {}),
)})


def site_tables() -> dict[str, tuple[str, str]]:
    """Site table name -> (result kind, result table), for the web layer."""
    return {site: (r.kind, name) for r in RESULTS.values() for site, name in r.site.items()}


def check_run(run: Run) -> None:
    """Refuse a run whose kind or tables are not declared in :data:`RESULTS`."""
    from benchlearn.core.errors import ConfigError

    spec = RESULTS.get(run.kind)
    if spec is None:
        raise ConfigError(f"Ukendt resultattype '{run.kind}'; erklær den i core/results.py RESULTS.",
                          f"Unknown result kind '{run.kind}'; declare it in core/results.py RESULTS.")
    extra = sorted(set(run.tables) - set(spec.tables))
    if extra:
        raise ConfigError(f"Resultatet '{run.kind}' har ikke-erklærede tabeller {extra}; erklær dem i core/results.py.",
                          f"Result '{run.kind}' has undeclared tables {extra}; declare them in core/results.py.")
