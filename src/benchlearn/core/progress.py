"""Progress bars for long work, always on stderr so that ``--json`` output stays clean."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from benchlearn.core.i18n import t

stderr = Console(stderr=True)


def _enabled() -> bool:
    return os.environ.get("BENCHLEARN_PROGRESS", "1") != "0"


@contextmanager
def progress_bar(total: float | None, description: str, description_en: str | None = None) -> Iterator[Callable[[float], None]]:
    """A Rich progress bar on stderr; yields ``advance(n)``.

    ``description`` is Danish; pass ``description_en`` for English (else the Danish is shown).
    """
    text = t(description, description_en or description)
    if not _enabled():
        yield lambda n=1: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=not stderr.is_terminal,
    ) as prog:
        task = prog.add_task(text, total=total)
        yield lambda n=1: prog.advance(task, n)
