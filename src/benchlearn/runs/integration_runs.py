"""The integration runs (#16): results by origin, the integration benchmark and learning
partners on it, stored so that pages, API, downloads and PDF read them (the web layer
never fits).

* ``by_origin`` — per municipality, period and origin group: residents 16–66, full-time
  persons on the integration ydelser and on all ydelser, and the shares (from
  ``support_origin``/``population_origin``, nothing estimated);
* ``benchmark`` runs with ``area = integration`` — the ordinary records of the
  integration målgruppe (:mod:`benchlearn.benchmark.integration`), one run per period;
* ``integration_peers`` — nearest peers on the integration view's framework variables
  (the municipality's and the group's own, weighted by the benchmark's |AME|) and the
  learning partners among them on the integration benchmark (the z test of
  :func:`benchlearn.benchlearning.peers.mark_partners`).
"""

from __future__ import annotations

import pandas as pd

from benchlearn.benchlearning.peers import PeerConfig, compute_peers, importance_from_coefficients
from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.integration import integration_view
from benchlearn.benchmark.resolver import resolve
from benchlearn.core import reference
from benchlearn.core.errors import BenchlearnError
from benchlearn.core.progress import stderr as err_console
from benchlearn.core.results import Run
from benchlearn.core.seams import RunStore, Tables

ORIGIN_ORDER = ("dansk", "vestlig", "ikke_vestlig", "flygtning", "familiesammenfoert")


def by_origin_table(ds: Tables, maalgruppe: str = "integration") -> pd.DataFrame:
    """Residents and full-time persons by origin group: ``kommunekode, period, origin_group,
    persons, fuldtidspersoner_integration, share_integration_pct`` (and ``…_total`` for the
    area ``total``'s ydelser when the mapping names other ydelser)."""
    so, po = ds.table("support_origin"), ds.table("population_origin")
    key = ["kommunekode", "period", "origin_group"]
    out = po[key + ["persons"]].copy()
    targets = [("integration", reference.integration_ydelser(maalgruppe))]
    if set(reference.area_ydelser("total")) != set(targets[0][1]):  # the default mapping is the same set
        targets.append(("total", reference.area_ydelser("total")))
    for name, ydelser in targets:
        s = so[so["ydelse"].isin(ydelser)].groupby(key, as_index=False)["fuldtidspersoner"].sum()
        out = out.merge(s.rename(columns={"fuldtidspersoner": f"fuldtidspersoner_{name}"}), how="left", on=key)
        share = 100 * out[f"fuldtidspersoner_{name}"] / out["persons"].where(out["persons"] > 0)
        out[f"share_{name}_pct"] = share
    out["navn"] = out["kommunekode"].map(reference.names())
    order = {g: i for i, g in enumerate(ORIGIN_ORDER)}
    out = out.sort_values(["period", "kommunekode", "origin_group"], key=lambda c: c.map(order) if c.name == "origin_group" else c)
    return out.reset_index(drop=True)


def store_default_runs(ws: RunStore, ds: Tables) -> list[str]:
    """Store the by-origin table, the integration benchmark (every period) and the
    learning partners on it (latest period). Nothing when the dataset has no by-origin
    tables; a målgruppe that cannot be fitted is named on stderr and skipped."""
    if not (ds.has("support_origin") and ds.has("population_origin")):
        return []
    ids: list[str] = []
    sim = bool(ds.is_simulated("support_origin") or ds.is_simulated("population_origin"))
    bo = by_origin_table(ds).assign(simulated=sim)
    ids.append(ws.record(Run("by_origin", {"area": "integration"}, {"records": bo}), input_hash=ds.content_hash))
    for code in reference.integration_codes():
        cfg = BenchmarkConfig(maalgruppe=code)
        try:  # the one benchmark answer (stored once per period, read back when already there)
            res = resolve(ws, cfg, dataset=ds)
        except BenchlearnError as exc:  # e.g. no framework, too few municipalities: said, skipped
            err_console.print(f"{code}: {exc}", highlight=False)
            continue
        ids.extend(res.run_ids)
        period = res.periods[-1]
        view = integration_view(ds, cfg)
        coef = res.coefficients
        weights = importance_from_coefficients(coef[coef["ydelse"] == "area"]) if "ydelse" in coef.columns else None
        pc = PeerConfig(period=period)
        try:
            pr = compute_peers(view.table("framework"), res.for_period(period), pc, weights)
        except BenchlearnError as exc:
            err_console.print(f"{code} peers: {exc}", highlight=False)
            continue
        sim_p = res.simulated or sim
        results = {"peers": pr.peers.assign(simulated=sim_p, area=code), "clusters": pr.clusters.assign(simulated=sim_p)}
        ids.append(ws.record(Run(
            "integration_peers", {"period": period, "k": pc.k, "rule": pc.rule, "alpha": pc.alpha, "area": code},
            results, {"weights": dict(pr.weights), "dropped_variables": list(pr.dropped_variables)}),
            input_hash=ds.content_hash))
    return ids
