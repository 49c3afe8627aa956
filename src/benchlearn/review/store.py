"""Storing a review as one workspace run (kind ``review``) and reading it back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchlearn.core.results import Run
from benchlearn.core.seams import RunStore, Tables

if TYPE_CHECKING:  # typing only: review.run imports the models, this module stays light
    from benchlearn.review.run import Review

#: The result tables a review run holds (the page and the downloads read these).
REVIEW_TABLES: tuple[str, ...] = ("specs", "records", "ranges", "pairs", "moves", "attribution", "agreement",
                                  "agreement_points", "reproducibility", "disagreements", "contributions")


def record_review(ws: RunStore, ds: Tables, rv: Review) -> str:
    """Store ``rv`` (:class:`benchlearn.review.run.Review`) in an open workspace; returns the run id."""
    import uuid

    config = {"period": rv.period, "fit_periods": list(rv.fit_periods), "baseline": rv.specs.baseline,
              "specs": [s.name for s in rv.specs.specs], "specs_file": rv.specs.source}
    # every table carries the run's key, so a page reading the newest review never mixes two runs
    key = uuid.uuid4().hex[:12]
    results = {k: v.assign(review_key=key) for k, v in rv.tables.items() if k in REVIEW_TABLES and len(v.columns)}
    meta = {"summary": rv.summary(), "notes": [{"da": da, "en": en} for da, en in rv.notes], "specs": rv.specs.to_dict(),
            "timings": rv.timings, "review_key": key}
    return ws.record(Run("review", config, results, meta), input_hash=ds.content_hash)
