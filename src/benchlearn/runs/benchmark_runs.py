"""Storing the default benchmark runs of a workspace (the demo's), through the resolver.

Every benchmark is answered by :func:`benchlearn.benchmark.resolver.resolve`, which reads a
stored run or computes and stores one; this module only asks it for every target.
"""

from __future__ import annotations

from benchlearn.benchmark.resolver import resolve, targets
from benchlearn.core.errors import ModelError
from benchlearn.core.progress import progress_bar
from benchlearn.core.progress import stderr as err_console
from benchlearn.data.dataset import Dataset
from benchlearn.store import Workspace


def store_default_runs(ws: Workspace, ds: Dataset) -> list[str]:
    """Resolve every area and every målgruppe with the default config (stored once per target and period).

    One pooled fit per target over all periods (the resolver's period rule); one run per
    (target, period), so ``ws.latest_results("benchmark", "records", period=..., area=...)`` finds it.
    """
    cfgs = targets()
    ids: list[str] = []
    with progress_bar(len(cfgs), "Benchmark for alle områder", "Benchmark for all areas") as advance:
        for cfg in cfgs:
            try:
                res = resolve(ws, cfg, dataset=ds)
            except ModelError as exc:  # e.g. no support rows for a målgruppe's ydelser
                err_console.print(f"{cfg.target}: {exc}", highlight=False)
                advance(1)
                continue
            ids.extend(res.run_ids)
            advance(1)
    return ids
