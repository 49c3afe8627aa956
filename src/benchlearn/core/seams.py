"""What the rooms need of a dataset and of a workspace, said as :class:`typing.Protocol` s (#19).

The models and analyses (benchmark, surveys, schemes, benchlearning, review, runs) read
contract tables and stored runs; they never need the whole :class:`~benchlearn.data.dataset.Dataset`
or :class:`~benchlearn.store.Workspace`. Typing their parameters with these protocols instead of
``Any`` makes the seam visible (what a fake must offer in a test; what a new storage would have to
answer) and lets a type checker find a misspelt call — the 23 ``ds: Any``/``ws: Any`` signatures this
replaces could not. The concrete classes satisfy them (``tests/test_layering.py`` checks that, and
that no ``ds: Any``/``ws: Any`` parameter is left).

They live in ``core`` (the bottom layer) so every room may name them without importing a room above
its own; they name only :class:`~benchlearn.core.results.Run` and pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from benchlearn.core.results import Run


@runtime_checkable
class Tables(Protocol):
    """What a model needs of a dataset: contract tables by name, their periods and provenance."""

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical tables (a stored run says which data it rests on)."""
        ...

    @property
    def source(self) -> str: ...

    def has(self, name: str) -> bool: ...

    def table(self, name: str) -> pd.DataFrame: ...

    def get(self, name: str) -> pd.DataFrame | None: ...

    def require(self, name: str, why_da: str, why_en: str) -> pd.DataFrame: ...

    def periods(self, name: str = "support") -> list[str]: ...

    def is_simulated(self, name: str) -> bool: ...

    def provenance_of(self, name: str) -> pd.DataFrame: ...


@runtime_checkable
class StoredRun(Protocol):
    """One stored run as the rooms read it (:class:`benchlearn.store.RunRecord`)."""

    @property
    def run_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def input_hash(self) -> str: ...

    @property
    def config(self) -> Mapping[str, Any]: ...

    @property
    def config_hash(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def meta(self) -> Mapping[str, Any]: ...


@runtime_checkable
class RunStore(Protocol):
    """What a room needs of a workspace: find stored runs, read their tables, record one :class:`Run`."""

    read_only: bool

    def content_hash(self) -> str | None: ...

    def dataset(self) -> Tables: ...

    def find_runs(self, kind: str, **config_filters: Any) -> Sequence[StoredRun]: ...

    def result_names(self, run_id: str) -> list[str]: ...

    def results(self, run_id: str, name: str) -> pd.DataFrame: ...

    def latest_results(self, kind: str, name: str, **config_filters: Any) -> pd.DataFrame | None: ...

    def record(self, run: Run, input_hash: str | None = None) -> str: ...
