"""Storing classifications, scheme comparisons and skærpet tilsyn in a workspace (the demo's runs)."""

from __future__ import annotations

from benchlearn.core.errors import ConfigError, MissingTableError
from benchlearn.core.seams import RunStore, Tables
from benchlearn.schemes.classify import SHIPPED, ClassifyConfig, classify
from benchlearn.schemes.compare import CompareConfig, SchemeComparison
from benchlearn.schemes.focus import result_periods
from benchlearn.schemes.tilsyn import TilsynConfig, tilsyn


def store_default_runs(ws: RunStore, ds: Tables) -> list[str]:
    """Classify every period under every shipped scheme, compare them, and run skærpet tilsyn (for the demo).

    Run kinds: ``classification`` (one per period and scheme), ``scheme_comparison`` (one
    per period, all schemes that could classify) and ``tilsyn`` (all years, star-2021).
    Combinations whose inputs are missing (e.g. no ``focus`` table for the STAR
    schemes) are skipped; the runs that could be made are returned as run ids.
    """
    ids: list[str] = []
    for period in result_periods(ds, ws):
        done = []
        for s in SHIPPED:
            try:
                c = classify(ds, ClassifyConfig(period=period, scheme=s), workspace=ws)
            except MissingTableError:
                continue
            if c.records["category"].isna().all():
                continue  # e.g. tiers from a table without intervals: nothing to store
            ids.append(ws.record(c.to_run(), input_hash=ds.content_hash))
            done.append(c)
        if len(done) >= 2:
            comp = SchemeComparison(CompareConfig(period=period, schemes=tuple(c.scheme.id for c in done)), tuple(done))
            ids.append(ws.record(comp.to_run(), input_hash=ds.content_hash))
    try:
        res = tilsyn(ds, TilsynConfig(), workspace=ws)
    except (MissingTableError, ConfigError):
        return ids
    ids.append(ws.record(res.to_run(), input_hash=ds.content_hash))
    return ids
