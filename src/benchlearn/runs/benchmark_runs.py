"""Running and storing benchmarks: pick the source the dataset allows, record runs.

Used by the ``benchlearn benchmark`` command, the demo and other analyses; kept in the
models layer so that none of them depends on the CLI.
"""

from __future__ import annotations

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.model import fit
from benchlearn.benchmark.published import from_benchmark_table, from_cells
from benchlearn.core import reference
from benchlearn.core.errors import MissingTableError, ModelError
from benchlearn.core.progress import progress_bar
from benchlearn.core.progress import stderr as err_console


def run_benchmark(ds, config):  # type: ignore[no-untyped-def]
    """Fit the model when the dataset allows it; else read a published ``benchmark``
    table (``persons aggregate`` writes one from the cell model fitted before the
    fewer-than-5 rule); else the cell model on the published ``cells``. An integration
    målgruppe (#16) is fitted on the by-origin view of the dataset
    (:func:`benchlearn.benchmark.integration.integration_view`)."""
    from benchlearn.benchmark.integration import integration_view, is_integration

    if is_integration(config):
        return fit(integration_view(ds, config), config)
    if all(ds.has(n) for n in ("support", "population", "framework")):
        return fit(ds, config)
    if ds.has("benchmark"):
        return from_benchmark_table(ds, config)
    if ds.has("cells"):
        return from_cells(ds, config)
    missing = next(n for n in ("support", "population", "framework") if not ds.has(n))
    raise MissingTableError(missing, "benchmarkmodellen (eller giv tabellen 'benchmark')", "the benchmark model (or give table 'benchmark')")


def record(ws, ds, res, period: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Store one benchmark run (records, coefficients, model card) in an open workspace."""
    cfg = res.config
    recs = res.to_frame()
    if period is not None:
        recs = recs[recs["period"] == period]
    sim = bool(recs["simulated"].any()) if len(recs) else False
    config = {
        "period": period if period is not None else ",".join(res.periods),
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
    return ws.record_run(kind="benchmark", config=config, results=results, input_hash=ds.content_hash,
                         meta={"model_card": res.card.to_dict()})


def store_default_runs(ws, ds) -> list[str]:  # type: ignore[no-untyped-def]
    """Fit every area and every målgruppe for every period with the default config and record them.

    One pooled fit per target over all periods; one run per (target, period), so
    ``ws.latest_results("benchmark", "records", period=..., area=...)`` finds it.
    """
    targets = [("area", a) for a in reference.area_codes()] + [("maalgruppe", m) for m in reference.maalgruppe_codes()]
    ids: list[str] = []
    with progress_bar(len(targets), "Benchmark for alle områder", "Benchmark for all areas") as advance:
        for kind, code in targets:
            cfg = BenchmarkConfig(area=code) if kind == "area" else BenchmarkConfig(maalgruppe=code)
            try:
                res = run_benchmark(ds, cfg)
            except ModelError as exc:  # e.g. no support rows for a målgruppe's ydelser
                err_console.print(f"{code}: {exc}", highlight=False)
                advance(1)
                continue
            for p in res.periods:
                ids.append(record(ws, ds, res, p))
            advance(1)
    return ids
