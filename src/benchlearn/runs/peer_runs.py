"""Peers on a dataset and in a workspace: the glue around :mod:`benchlearn.benchlearning.peers`.

The benchmark records for the peer analysis, DEA and costs come from the one resolver
(:func:`benchlearn.benchmark.resolver.resolve`), one peer run on a dataset,
and the demo's stored runs (peers, costs, DEA). The statistics live in
:mod:`~benchlearn.benchlearning.peers`, :mod:`~benchlearn.benchlearning.costs` and
:mod:`~benchlearn.benchlearning.dea`; this module only wires tables to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchlearn.benchlearning.costs import CostConfig, compute_costs, unit_costs
from benchlearn.benchlearning.jobcentre_dea import JobcentreDEAConfig, dea_from_dataset
from benchlearn.benchlearning.peers import PeerConfig, PeerResult, compute_peers, importance_from_coefficients
from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.resolver import MODEL_TABLES, resolve
from benchlearn.core import reference
from benchlearn.core.errors import ModelError
from benchlearn.core.seams import RunStore, Tables
from benchlearn.data.dataset import Dataset
from benchlearn.store import Workspace


@dataclass(frozen=True)
class BenchmarkInputs:
    """Benchmark records of one period, importance weights and where they came from."""

    records: pd.DataFrame
    weights: dict[str, float] | None
    source: str


#: the label a peers/DEA run stores as ``benchmark_source`` for an answer computed now
_COMPUTED = {"model": "fit", "table": "table", "cells": "cells", "stored": "workspace"}


def benchmark_inputs(ds: Dataset, period: str, *, ws: Workspace | None = None, area: str = "total",
                     need_weights: bool = True) -> BenchmarkInputs:
    """Benchmark records of ``period`` (and |β|·sd weights): the resolver's answer.

    :func:`benchlearn.benchmark.resolver.resolve` on the workspace when given (a stored run
    is read, else the answer is computed and, in a writable workspace, stored), else on the
    dataset. A published table has no coefficients: when ``need_weights`` and the model can
    be fitted, the weights come from the model's answer (resolved the same way).
    """
    src: Dataset | Workspace = ws if ws is not None else ds
    try:
        res = resolve(src, BenchmarkConfig(area=area), dataset=ds)
    except ModelError:
        oe = None if need_weights else observed_expected(ds, period, area)
        if oe is None:
            raise
        return BenchmarkInputs(oe, None, "table")
    r = res.for_period(str(period))
    if not len(r):
        raise ModelError(
            f"Benchmarkmodellen gav ingen resultater for perioden {period}.",
            f"The benchmark model gave no results for period {period}.",
        )
    source = res.origin if res.origin.startswith("workspace:") else _COMPUTED[res.kind]
    coef = res.coefficients if res.kind == "model" else None
    if coef is None and need_weights and all(ds.has(t) for t in MODEL_TABLES):
        coef = resolve(src, BenchmarkConfig(area=area), prefer="model", dataset=ds).coefficients
    return BenchmarkInputs(r, importance_from_coefficients(coef) if coef is not None and len(coef) else None, source)


def observed_expected(ds: Dataset, period: str, area: str = "total") -> pd.DataFrame | None:
    """A published ``benchmark`` table's actual and expected for DEA, when the table has no
    denominator and so no benchmark answer (DEA needs O and E only; diff_pp stays unknown)."""
    if not ds.has("benchmark"):
        return None
    b = ds.table("benchmark")
    b = b[(b["period"].astype(str) == str(period)) & (b["area"].astype(str) == area)]
    if b.empty:
        return None
    return b.assign(diff_pp=np.nan, se_pp=np.nan).reset_index(drop=True)


def run_peers(ds: Tables, config: PeerConfig, *, ws: RunStore | None = None, weights: Mapping[str, float] | None = None,
              kommuner: Sequence[int] | None = None, extra_groups: pd.DataFrame | None = None,
              bench: BenchmarkInputs | None = None) -> tuple[PeerResult, BenchmarkInputs]:
    """Peers for a dataset: framework, benchmark records, activity, costs, mix."""
    fw = ds.require("framework", why_da="at finde sammenlignelige kommuner", why_en="finding comparable municipalities")
    bench = bench or benchmark_inputs(ds, config.period, ws=ws)
    w = weights if weights is not None else bench.weights
    uc = None
    if ds.has("costs") and ds.has("support"):
        uc = unit_costs(ds.table("costs"), ds.table("support"))
    res = compute_peers(
        fw, bench.records, config, w,
        activity=ds.table("activity") if ds.has("activity") else None,
        unit_costs=uc, support=ds.table("support") if ds.has("support") else None,
        extra_groups=extra_groups, kommuner=kommuner,
    )
    return res, bench


def store_default_runs(ws: RunStore, ds: Tables, *, bootstrap: int = 100) -> list[str]:
    """Compute and store the demo runs: peers, costs and DEA (CRS and VRS).

    Returns the run ids. Uses the workspace's latest benchmark run when there is
    one, otherwise fits the benchmark. Steps whose tables are missing are skipped.
    """
    ids: list[str] = []
    periods = ds.periods("support") if ds.has("support") else []
    if not periods:
        return ids
    period = periods[-1]
    bench = None
    if ds.has("framework"):
        res, bench = run_peers(ds, PeerConfig(period=period), ws=ws)
        ids.append(ws.record(res.to_run(ds, bench.source), input_hash=ds.content_hash))
    if ds.has("costs"):
        cperiods = sorted(set(ds.periods("costs")) & set(periods))
        if len(cperiods) >= 2:
            cc = CostConfig(period_from=cperiods[0], period_to=cperiods[-1])
            cr = compute_costs(ds.table("costs"), ds.table("support"), cc,
                               ds.table("activity") if ds.has("activity") else None)
            ids.append(ws.record(cr.to_run(ds), input_hash=ds.content_hash))
        if period in set(ds.periods("costs")):
            if bench is None:
                bench = benchmark_inputs(ds, period, ws=ws)
            names = reference.names()
            for rts in ("crs", "vrs"):  # vrs last: the default shown by the web layer
                dc = JobcentreDEAConfig(period=period, rts=rts, bootstrap=bootstrap)
                out = dea_from_dataset(ds.table("costs"), bench.records, dc, names=names)
                ids.append(ws.record(out.to_run(dc, ds, bench.source), input_hash=ds.content_hash))
    return ids
