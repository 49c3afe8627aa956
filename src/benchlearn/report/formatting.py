"""Numbers as a person reads them: Danish decimal comma and dot thousands (English on request), "–" for none."""

from __future__ import annotations

from typing import Any

import pandas as pd
from jinja2 import Undefined

from benchlearn.core.i18n import lang
from benchlearn.report import text as tx


def fmt_num(v: Any, digits: int = 2) -> str:
    """A number in the language's convention (Danish: decimal comma, dot thousands)."""
    if isinstance(v, Undefined):  # a column this result does not have
        return "–"
    try:
        if v is None or pd.isna(v):
            return "–"
    except (TypeError, ValueError):
        pass
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    s = f"{f:,.{digits}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:  # −0,004 prints as 0,00, not −0,00
        s = s[1:]
    if lang() == "da":
        s = s.replace(",", "\u00a0").replace(".", ",").replace("\u00a0", ".")
    return s.replace("-", "−")


def fmt_pct(v: Any, digits: int = 1) -> str:
    if isinstance(v, Undefined):
        return "–"
    try:
        if v is None or pd.isna(v):
            return "–"
        return fmt_num(float(v) * 100, digits) + " %"
    except (TypeError, ValueError):
        return str(v)


def fmt_bool(v: Any) -> str:
    if isinstance(v, Undefined) or v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return "–"
    return tx.say("common.yes") if bool(v) else tx.say("common.no")
