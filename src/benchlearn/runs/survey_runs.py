"""Storing survey results in a workspace (kind ``surveys``; the demo's runs)."""

from __future__ import annotations

from benchlearn.core.seams import RunStore, Tables
from benchlearn.surveys.scoring import SurveyConfig, compute, survey_periods


def store_default_runs(ws: RunStore, ds: Tables) -> list[str]:
    """Compute and store the survey results for every period with answers (for the demo).

    Returns the run ids (empty when the dataset has no survey tables).
    """
    return [ws.record(compute(ds, SurveyConfig(period=period)).to_run(ds), input_hash=ds.content_hash)
            for period in survey_periods(ds)]
