"""One benchmark answer per question: the resolver every consumer reads.

A *question* is (data, target, configuration): a dataset or a workspace, an area or a
målgruppe (:attr:`BenchmarkConfig.target`), and the run's options. :func:`resolve` answers
it once — from a run stored in the workspace for the same data and configuration, or by
computing it and storing it there — so ``benchmark``, ``classify``, ``compare-schemes``,
``tilsyn``, ``peers``, ``dea``, the costs/DEA runs of the demo and, through the stored runs,
the web pages, the API, the static site and the PDF all show the same diff, interval,
tier and rank for a municipality, period and area.

The period rule
---------------
A benchmark run uses **every period the data hold for its source**, never a window around
the period asked for: the model is fitted once, pooled over all periods of ``support`` /
``population`` / ``framework`` with period effects and standard errors clustered by
municipality (``BenchmarkConfig.periods = None``); a published ``benchmark`` table or the
``cells`` of the person pipeline give every period they have. The answer for period *P* is
the *P* rows of that one run. A configuration with ``periods`` set is answered with the
rule (the field is cleared), so no consumer can ask a different question by accident.

The source rule
---------------
DATA.md: an already computed benchmark is used instead of estimating. ``auto`` therefore
takes, per target, a published ``benchmark`` table with rows for the target; else the
model on ``support``/``population``/``framework``; else the cell model on ``cells``. An
integration målgruppe (#16) is always the model, on the by-origin view of the dataset
(:func:`~benchlearn.benchmark.integration.integration_view`).
A published table gets its uncertainty here too (:func:`~benchlearn.benchmark.published.from_benchmark_table`:
sampling variance, τ² by DerSimonian–Laird and an approximate prediction variance), so
its intervals, tiers and rank intervals are those of any other run.

Stored form
-----------
One ``benchmark`` run per (target, period), as the web layer reads them: config
``period, area, maalgruppe, model, variables``; results ``records`` (the period's rows),
``coefficients``, ``excluded``, ``model_card``; ``meta["model_card"]`` holds the card,
whose ``config_hash`` and ``dataset_hash`` say which question the run answers. A stored
run is reused only when its input hash is the workspace's current data and its card's
configuration hash and source are the question's.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import get_args

import pandas as pd

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.integration import integration_view, is_integration
from benchlearn.benchmark.model import fit
from benchlearn.benchmark.modelcard import ModelCard
from benchlearn.benchmark.published import from_benchmark_table, from_cells
from benchlearn.benchmark.results import BenchmarkResults
from benchlearn.core.errors import ConfigError, MissingTableError, ModelError
from benchlearn.core.literals import BenchmarkSource
from benchlearn.core.results import Run
from benchlearn.data.dataset import Dataset
from benchlearn.store import Workspace

MODEL_TABLES: tuple[str, ...] = ("support", "population", "framework")

#: card ``source`` of each way of computing a benchmark
CARD_SOURCE: Mapping[str, str] = {"table": "benchmark_table", "model": "model", "cells": "cells"}


@dataclass(frozen=True)
class Resolved:
    """The answer to one benchmark question, every period of it.

    ``origin`` is ``workspace:<run id>`` when read from a stored run (the newest one) and
    ``computed`` when computed in this call; ``run_ids`` the runs holding it (new ones when
    it was stored now); ``results`` the full fit (with covariances) when computed here.
    """

    config: BenchmarkConfig
    records: pd.DataFrame
    coefficients: pd.DataFrame
    excluded: pd.DataFrame
    card: ModelCard | None
    origin: str
    run_ids: tuple[str, ...] = ()
    results: BenchmarkResults | None = field(default=None, repr=False)

    @property
    def source(self) -> str:
        """``model``, ``benchmark_table`` or ``cells`` (the model card's source); ``stored``
        for results stored without a card."""
        return self.card.source if self.card is not None else "stored"

    @property
    def kind(self) -> str:
        """``model``, ``table``, ``cells`` or ``stored``."""
        return next((k for k, v in CARD_SOURCE.items() if v == self.source), "stored")

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(sorted(self.records["period"].astype(str).unique()))

    @property
    def simulated(self) -> bool:
        r = self.records
        return bool(r["simulated"].fillna(False).astype(bool).any()) if "simulated" in r.columns and len(r) else False

    def for_period(self, period: str) -> pd.DataFrame:
        r = self.records
        return r[r["period"].astype(str) == str(period)].reset_index(drop=True)

    def excluded_for(self, period: str) -> pd.DataFrame:
        ex = self.excluded
        return ex[ex["period"].astype(str) == str(period)].reset_index(drop=True) if len(ex) else ex


def question(config: BenchmarkConfig | None = None, *, area: str | None = None, maalgruppe: str | None = None) -> BenchmarkConfig:
    """The configuration under the period rule (``periods`` cleared)."""
    if config is None:
        config = BenchmarkConfig(maalgruppe=maalgruppe) if maalgruppe else BenchmarkConfig(area=area or "total")
    return dataclasses.replace(config, periods=None) if config.periods is not None else config


def check_source(prefer: str) -> BenchmarkSource:
    allowed = get_args(BenchmarkSource)
    if prefer not in allowed:
        raise ConfigError(f"Ukendt benchmarkkilde '{prefer}'; mulige: {', '.join(allowed)}.",
                          f"Unknown benchmark source '{prefer}'; choose from {', '.join(allowed)}.")
    return prefer  # type: ignore[return-value]


def _table_has_target(ds: Dataset, config: BenchmarkConfig) -> bool:
    if not ds.has("benchmark"):
        return False
    b = ds.table("benchmark")
    return bool((b["area"].astype(str) == config.target).any()) if "area" in b.columns else True


def choose_source(ds: Dataset, config: BenchmarkConfig, prefer: BenchmarkSource = "auto") -> BenchmarkSource:
    """How the question is computed (the source rule in the module notes)."""
    prefer = check_source(prefer)
    if prefer == "table":
        ds.require("benchmark", "at læse et færdigt benchmark", "reading a published benchmark")
        return "table"
    if prefer == "cells":
        ds.require("cells", "cellemodellen", "the cell model")
        return "cells"
    if prefer == "model":
        for n in MODEL_TABLES:
            ds.require(n, "benchmarkmodellen", "the benchmark model")
        return "model"
    if is_integration(config):
        return "model"  # fitted on the by-origin view (benchmark/integration.py)
    if _table_has_target(ds, config):
        return "table"
    if all(ds.has(n) for n in MODEL_TABLES):
        return "model"
    if ds.has("cells"):
        return "cells"
    if ds.has("benchmark"):
        return "table"  # without rows for the target: from_benchmark_table names area and periods
    missing = next(n for n in MODEL_TABLES if not ds.has(n))
    raise MissingTableError(missing, "benchmarkmodellen (eller giv tabellen 'benchmark')", "the benchmark model (or give table 'benchmark')")


def compute(ds: Dataset, config: BenchmarkConfig, prefer: BenchmarkSource = "auto") -> BenchmarkResults:
    """Compute the benchmark (no store, no memo): the source rule, then the period rule."""
    config = question(config)
    if is_integration(config):  # a population group (#16): the model on the by-origin view
        return fit(integration_view(ds, config), config)
    kind = choose_source(ds, config, prefer)
    if kind == "table":
        return from_benchmark_table(ds, config)
    if kind == "cells":
        return from_cells(ds, config)
    return fit(ds, config)


#: answers computed in this process, keyed on (data hash, config hash, source)
_MEMO: OrderedDict[tuple[str, str, str], BenchmarkResults] = OrderedDict()
_MEMO_SIZE = 24


def _computed(ds: Dataset, config: BenchmarkConfig, kind: BenchmarkSource) -> BenchmarkResults:
    key = (ds.content_hash, config.hash, kind)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    res = compute(ds, config, kind)
    _MEMO[key] = res
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return res


def _from_results(res: BenchmarkResults, origin: str, run_ids: tuple[str, ...] = ()) -> Resolved:
    return Resolved(res.config, res.to_frame(), res.coefficients, res.excluded, res.card, origin, run_ids, res)


def card_from_dict(d: Mapping) -> ModelCard:
    """A :class:`ModelCard` from its :meth:`~ModelCard.to_dict` form (as stored in a run's meta)."""
    frames = {"coefficients", "excluded"}
    tuples = {"ydelser", "variables", "periods", "notes", "fit_statistics"}
    kw = {}
    for f in dataclasses.fields(ModelCard):
        v = d.get(f.name)
        if f.name in frames:
            v = pd.DataFrame(v or [])
        elif f.name == "dropped_variables":
            v = tuple((x.get("variable"), x.get("reason")) for x in (v or []))
        elif f.name in tuples:
            v = tuple(v or ())
        kw[f.name] = v
    return ModelCard(**kw)


def _collect(ws: Workspace, runs, target: str) -> tuple[pd.DataFrame, object, tuple[str, ...]] | None:
    """Records per period from ``runs`` (newest first; per period the newest counts)."""
    per_period: dict[str, pd.DataFrame] = {}
    newest = None
    ids: list[str] = []
    for run in runs:
        if "records" not in ws.result_names(run.run_id):
            continue
        recs = ws.results(run.run_id, "records")
        if "area" in recs.columns:
            recs = recs[recs["area"].astype(str) == target]
        if "period" not in recs.columns or "diff_pp" not in recs.columns:
            continue
        fresh = [p for p in sorted(recs["period"].astype(str).unique()) if p not in per_period]
        if not fresh:
            continue
        for p in fresh:
            per_period[p] = recs[recs["period"].astype(str) == p]
        ids.append(run.run_id)
        newest = newest or run
    if newest is None:
        return None
    return pd.concat([per_period[p] for p in sorted(per_period)], ignore_index=True), newest, tuple(reversed(ids))


def _stored_tables(ws: Workspace, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = ws.result_names(run_id)
    coef = ws.results(run_id, "coefficients") if "coefficients" in names else pd.DataFrame()
    excl = ws.results(run_id, "excluded") if "excluded" in names else pd.DataFrame()
    return coef.drop(columns=[c for c in ("simulated",) if c in coef.columns]), excl.drop(columns=[c for c in ("simulated",) if c in excl.columns])


def stored(ws: Workspace, config: BenchmarkConfig, kind: BenchmarkSource) -> Resolved | None:
    """The stored answer for the workspace's current data, or ``None``.

    Runs of kind ``benchmark`` count when their input hash is the workspace's data and their
    model card's config hash and source are the question's; per period the newest counts.
    """
    config = question(config)
    data_hash = ws.content_hash()
    want = CARD_SOURCE[kind]

    def same(run) -> bool:  # noqa: ANN001
        card = run.meta.get("model_card") or {}
        return run.input_hash == data_hash and card.get("config_hash") == config.hash and card.get("source") == want

    got = _collect(ws, (r for r in ws.find_runs("benchmark") if same(r)), config.target)
    if got is None:
        return None
    records, newest, ids = got
    coef, excl = _stored_tables(ws, newest.run_id)
    card = card_from_dict(dict(newest.meta["model_card"]))
    return Resolved(config, records, coef, excl, card, f"workspace:{newest.run_id}", ids)


def stored_only_results(ws: Workspace, config: BenchmarkConfig) -> Resolved | None:
    """A workspace that holds benchmark results but not the data to compute them (results
    imported or made elsewhere): the newest runs for the target, whatever their configuration."""
    config = question(config)

    def same(run) -> bool:  # noqa: ANN001
        cfg = dict(run.config)
        mg = cfg.get("maalgruppe")
        if (mg in (None, "", "alle")) != (config.maalgruppe is None) or (config.maalgruppe and mg != config.maalgruppe):
            return False
        return cfg.get("area", config.target) == config.target

    got = _collect(ws, (r for r in ws.find_runs("benchmark") if same(r)), config.target)
    if got is None:
        return None
    records, newest, ids = got
    coef, excl = _stored_tables(ws, newest.run_id)
    card = card_from_dict(dict(newest.meta["model_card"])) if newest.meta.get("model_card") else None
    return Resolved(config, records, coef, excl, card, f"workspace:{newest.run_id}", ids)


def record(ws: Workspace, ds: Dataset, res: Resolved | BenchmarkResults, period: str | None = None) -> str:
    """Store one period (or every period in one run) of an answer; returns the run id."""
    cfg = res.config
    recs = res.records if isinstance(res, Resolved) else res.to_frame()
    if period is not None:
        recs = recs[recs["period"].astype(str) == str(period)]
    sim = bool(recs["simulated"].any()) if len(recs) else False
    periods = tuple(sorted(recs["period"].astype(str).unique())) if period is None else (period,)
    config = {
        "period": period if period is not None else ",".join(periods),
        "area": cfg.target,
        "maalgruppe": cfg.maalgruppe,
        "model": cfg.model if res.card.source == "model" else "published",
        "variables": list(cfg.variables) if cfg.variables else None,
    }
    results = {
        "records": recs.reset_index(drop=True),
        "coefficients": res.coefficients.assign(simulated=sim),
        "excluded": res.excluded.assign(simulated=sim),
        "model_card": res.card.to_frame().assign(simulated=sim),
    }
    # the workspace's own data hash (a dataset read back from it may hash differently)
    return ws.record(Run("benchmark", config, results, {"model_card": res.card.to_dict()}),
                     input_hash=ws.content_hash() or ds.content_hash)


def resolve(
    source: Dataset | Workspace,
    config: BenchmarkConfig | None = None,
    *,
    prefer: BenchmarkSource = "auto",
    dataset: Dataset | None = None,
    store: bool = True,
    stored_only: bool = False,
) -> Resolved:
    """The benchmark for ``config``'s target, every period (see the module notes).

    Parameters
    ----------
    source : Dataset or Workspace
        A workspace is read first; a writable one stores what had to be computed.
    config : BenchmarkConfig, optional
        Default: ``BenchmarkConfig()`` (area ``total``); ``periods`` is cleared (period rule).
    prefer : {"auto", "table", "model", "cells"}
        The source rule's choice, or one source forced.
    dataset : Dataset, optional
        The workspace's data when the caller has already read them.
    store : bool
        Store a computed answer in a writable workspace.
    stored_only : bool
        Only a stored answer; ``ModelError`` when the workspace has none.
    """
    config = question(config)
    prefer = check_source(prefer)
    if isinstance(source, Workspace):
        ws = source
        ds = dataset if dataset is not None else ws.dataset()
        try:
            kind = choose_source(ds, config, prefer)
        except MissingTableError:
            hit = stored_only_results(ws, config) if prefer == "auto" else None
            if hit is None:
                raise
            return hit
        hit = stored(ws, config, kind)
        if hit is not None:
            return hit
        if stored_only:
            hit = stored_only_results(ws, config)
            if hit is not None:
                return hit
            raise ModelError(
                f"Arbejdsfilen har ingen benchmark-kørsel for {config.target} på de nuværende data (kør 'benchlearn benchmark ... --workspace').",
                f"The workspace has no benchmark run for {config.target} on its current data (run 'benchlearn benchmark ... --workspace').",
            )
        res = _computed(ds, config, kind)
        if store and not ws.read_only:
            ids = tuple(record(ws, ds, res, p) for p in res.periods)
            return _from_results(res, f"workspace:{ids[-1]}" if ids else "computed", ids)
        return _from_results(res, "computed")
    if stored_only:
        raise ConfigError("Kun gemte resultater kræver en arbejdsfil (.duckdb).", "Stored results only need a workspace file (.duckdb).")
    return _from_results(_computed(source, config, choose_source(source, config, prefer)), "computed")


def targets() -> list[BenchmarkConfig]:
    """Every area and every målgruppe with the default configuration."""
    from benchlearn.core import reference

    return [BenchmarkConfig(area=a) for a in reference.area_codes()] + [BenchmarkConfig(maalgruppe=m) for m in reference.maalgruppe_codes()]

