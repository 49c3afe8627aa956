"""Language selection for everything a person reads.

Danish is the default; English on request via ``--lang en`` on the command line,
``?lang=en`` on the web, or the environment variable ``BENCHLEARN_LANG``.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from typing import Literal

Lang = Literal["da", "en"]
LANGS: tuple[Lang, ...] = ("da", "en")

_current: ContextVar[Lang | None] = ContextVar("benchlearn_lang", default=None)


def lang() -> Lang:
    """The language in force: an explicit choice, else ``BENCHLEARN_LANG``, else Danish."""
    chosen = _current.get()
    if chosen is not None:
        return chosen
    env = os.environ.get("BENCHLEARN_LANG", "da").strip().lower()[:2]
    return "en" if env == "en" else "da"


def set_lang(value: str | None) -> None:
    """Choose the language for this context (CLI run or web request)."""
    if value is None:
        _current.set(None)
        return
    v = value.strip().lower()[:2]
    _current.set("en" if v == "en" else "da")


def t(da: str, en: str) -> str:
    """Pick the Danish or English text by the language in force."""
    return en if lang() == "en" else da
