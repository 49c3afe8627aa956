"""Thin wrapper over :func:`benchlearn.core.progress.progress_bar` that can be switched off."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from benchlearn.core.progress import progress_bar


@contextmanager
def progress(total: float | None, da: str, en: str, *, enabled: bool = True) -> Iterator[Callable[[float], None]]:
    """Progress bar on stderr (Danish/English label); a no-op when ``enabled`` is false."""
    if not enabled:
        yield lambda n=1: None
        return
    with progress_bar(total, da, en) as advance:
        yield advance
