"""Storing a review as one workspace run (kind ``review``)."""

from __future__ import annotations

from benchlearn.core.seams import RunStore, Tables
from benchlearn.review.run import REVIEW_TABLES, Review

__all__ = ["REVIEW_TABLES", "record_review"]


def record_review(ws: RunStore, ds: Tables, rv: Review) -> str:
    """Store ``rv`` in an open workspace (its :meth:`Review.to_run`); returns the run id."""
    return ws.record(rv.to_run(), input_hash=ds.content_hash)
