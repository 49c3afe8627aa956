"""Peers on a dataset and in a workspace: the glue around :mod:`benchlearn.benchlearning.peers`.

Where the benchmark records for the peer analysis come from (the workspace's latest
benchmark run, a published ``benchmark`` table, or a fit), one peer run on a dataset,
and the demo's stored runs (peers, costs, DEA). The statistics live in
:mod:`~benchlearn.benchlearning.peers`, :mod:`~benchlearn.benchlearning.costs` and
:mod:`~benchlearn.benchlearning.dea`; this module only wires tables to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchlearn.benchlearning.costs import CostConfig, compute_costs, unit_costs
from benchlearn.benchlearning.jobcentre_dea import JobcentreDEAConfig, dea_from_dataset
from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.model import fit
from benchlearn.core.errors import ModelError
from benchlearn.benchlearning.peers import PeerConfig, PeerResult, compute_peers, importance_from_coefficients
from benchlearn.benchmark.published import with_denominator


@dataclass(frozen=True)
class BenchmarkInputs:
    """Benchmark records of one period, importance weights and where they came from."""

    records: pd.DataFrame
    weights: dict[str, float] | None
    source: str


def records_from_table(ds, period: str, area: str = "total") -> pd.DataFrame | None:
    """Records from a precomputed ``benchmark`` table (e.g. Jobindsats y30r21), if any.

    Notes
    -----
    N = the table's ``persons`` or else ``population.persons``;
    diff_pp = 100·(O − E)/N; se_pp = 100·sqrt(ŝ(1 − ŝ)/N) with ŝ = E/N — the
    sampling part only, because a published list carries no model uncertainty, so
    this is a lower bound and the z test finds partners more easily (documented).
    """
    if not ds.has("benchmark"):
        return None
    b = ds.table("benchmark")
    b = b[(b["period"].astype(str) == str(period)) & (b["area"].astype(str) == area)]
    if b.empty:
        return None
    # without a denominator diff_pp is unknown (null) but DEA still has O and E
    b = with_denominator(b, ds)
    b["persons"] = b["persons"].where(b["persons"] > 0)
    s_hat = b["expected"] / b["persons"]
    b["actual_share"] = b["actual"] / b["persons"]
    b["expected_share"] = s_hat
    b["diff_pp"] = 100.0 * (b["actual"] - b["expected"]) / b["persons"]
    b["se_pp"] = 100.0 * np.sqrt(s_hat * (1 - s_hat) / b["persons"])
    b["ci_low_pp"] = b["diff_pp"] - 1.959963984540054 * b["se_pp"]
    b["ci_high_pp"] = b["diff_pp"] + 1.959963984540054 * b["se_pp"]
    return b.reset_index(drop=True)


def benchmark_inputs(ds, period: str, *, ws=None, area: str = "total", need_weights: bool = True) -> BenchmarkInputs:
    """Benchmark records (and |β|·sd weights) for ``period``.

    Order: the workspace's latest benchmark run for the period and area; else a
    precomputed ``benchmark`` table in the dataset (weights then from a fit when
    ``need_weights`` and the fit is possible); else a fit with
    :func:`benchlearn.benchmark.model.fit` on the dataset.
    """
    if ws is not None:
        for filters in ({"period": str(period), "area": area}, {"area": area}, {}):
            rec = ws.latest_run("benchmark", **filters)
            if rec is None:
                continue
            names = ws.result_names(rec.run_id)
            if "records" not in names:
                continue
            r = ws.results(rec.run_id, "records")
            if "period" in r.columns:
                r = r[r["period"].astype(str) == str(period)]
            if "area" in r.columns and (r["area"] == area).any():
                r = r[r["area"] == area]
            if len(r):
                coef = ws.results(rec.run_id, "coefficients") if "coefficients" in names else None
                return BenchmarkInputs(r.reset_index(drop=True), importance_from_coefficients(coef), f"workspace:{rec.run_id}")
    table = records_from_table(ds, period, area)
    if table is not None and not need_weights:
        return BenchmarkInputs(table, None, "table")
    if table is not None:
        weights = None
        if all(ds.has(t) for t in ("support", "population", "framework")):
            try:
                weights = importance_from_coefficients(fit(ds, BenchmarkConfig(area=area)).coefficients)
            except Exception:  # noqa: BLE001 - weights are optional; equal weights then
                weights = None
        return BenchmarkInputs(table, weights, "table")
    res = fit(ds, BenchmarkConfig(area=area))
    r = res.for_period(str(period)) if hasattr(res, "for_period") else res.to_frame()
    if not len(r):
        raise ModelError(
            f"Benchmarkmodellen gav ingen resultater for perioden {period}.",
            f"The benchmark model gave no results for period {period}.",
        )
    return BenchmarkInputs(r, importance_from_coefficients(getattr(res, "coefficients", None)), "fit")


def _simulated(ds, tables: Sequence[str]) -> bool:
    try:
        return any(ds.has(t) and ds.is_simulated(t) for t in tables)
    except Exception:  # noqa: BLE001 - provenance is optional
        return False


def run_peers(ds, config: PeerConfig, *, ws=None, weights=None, kommuner=None, extra_groups=None,
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


def store_default_runs(ws, ds, *, bootstrap: int = 100) -> list[str]:
    """Compute and store the demo runs: peers, costs and DEA (CRS and VRS).

    Returns the run ids. Uses the workspace's latest benchmark run when there is
    one, otherwise fits the benchmark. Steps whose tables are missing are skipped.
    """
    ids: list[str] = []
    periods = ds.periods("support") if ds.has("support") else []
    if not periods:
        return ids
    period = periods[-1]
    sim_peers = _simulated(ds, ("framework", "support", "population", "benchmark", "activity", "costs"))
    bench = None
    if ds.has("framework"):
        cfg = PeerConfig(period=period)
        res, bench = run_peers(ds, cfg, ws=ws)
        results = {"peers": res.peers, "clusters": res.clusters, "differences": res.differences}
        for df in results.values():
            df["simulated"] = sim_peers
        ids.append(ws.record_run(
            "peers", {"period": period, "k": cfg.k, "rule": cfg.rule, "alpha": cfg.alpha,
                      "n_clusters": cfg.n_clusters, "area": "total"},
            results, input_hash=ds.content_hash,
            meta={"weights": dict(res.weights), "benchmark_source": bench.source,
                  "dropped_variables": list(res.dropped_variables)},
        ))
    if ds.has("costs"):
        cperiods = sorted(set(ds.periods("costs")) & set(periods))
        if len(cperiods) >= 2:
            cc = CostConfig(period_from=cperiods[0], period_to=cperiods[-1])
            cr = compute_costs(ds.table("costs"), ds.table("support"), cc,
                               ds.table("activity") if ds.has("activity") else None)
            sim = _simulated(ds, ("costs", "support"))
            results = {"split": cr.split, "split_groups": cr.split_groups, "unit_costs": cr.unit_costs, "trend": cr.trend}
            for df in results.values():
                df["simulated"] = sim
            ids.append(ws.record_run("costs", {**cc.to_dict(), "period": cperiods[-1]}, results,
                                     input_hash=ds.content_hash,
                                     meta={"allocation": cr.allocation, "split_status": cr.status.get(0),
                                           "ledige_source": cr.ledige_source}))
        if period in set(ds.periods("costs")):
            if bench is None:
                bench = benchmark_inputs(ds, period, ws=ws)
            sim = _simulated(ds, ("costs", "support", "population", "framework", "benchmark"))
            from benchlearn.core import reference

            names = reference.municipalities().set_index("kommunekode")["navn"].to_dict()
            for rts in ("crs", "vrs"):  # vrs last: the default shown by the web layer
                dc = JobcentreDEAConfig(period=period, rts=rts, bootstrap=bootstrap)
                out = dea_from_dataset(ds.table("costs"), bench.records, dc, names=names)
                results = {"records": out.records.assign(simulated=sim), "summary": out.summary.assign(simulated=sim)}
                ids.append(ws.record_run("dea", {**dc.to_dict(), "area": "total"}, results,
                                         input_hash=ds.content_hash,
                                         meta={"benchmark_source": bench.source,
                                               "warnings_da": [w[0] for w in out.warnings],
                                               "warnings_en": [w[1] for w in out.warnings]}))
    return ids
