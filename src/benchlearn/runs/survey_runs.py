"""Storing survey results in a workspace (kind ``surveys``; the demo's runs)."""

from __future__ import annotations

from typing import Any

from benchlearn.core import reference
from benchlearn.surveys.scoring import SURVEY_IDS, SurveyConfig, SurveyResults, compute, load_instrument, survey_periods

KIND = "surveys"


def run_meta(ds: Any, res: SurveyResults) -> dict[str, Any]:
    """What made the run: instrument versions, mapping, notes, which tables were simulated."""
    return {"instruments": {s: load_instrument(s).source_hash for s in SURVEY_IDS},
            "mapping_hash": reference.mapping_hash(), "notes": list(res.notes),
            "simulated": sorted(load_instrument(s).table for s in SURVEY_IDS
                                if hasattr(ds, "is_simulated") and ds.is_simulated(load_instrument(s).table)),
            "never_in_ranking": True}


def store_run(ws: Any, ds: Any, res: SurveyResults) -> str:
    """Record one computed result in a workspace (kind ``surveys``, config with the period)."""
    return ws.record_run(kind=KIND, config=res.config.to_dict(), results=res.result_frames,
                         input_hash=ds.content_hash, meta=run_meta(ds, res))


def store_default_runs(ws: Any, ds: Any) -> list[str]:
    """Compute and store the survey results for every period with answers (for the demo).

    Returns the run ids (empty when the dataset has no survey tables).
    """
    ids = []
    for period in survey_periods(ds):
        ids.append(store_run(ws, ds, compute(ds, SurveyConfig(period=period))))
    return ids
