"""Period labels of the data contract.

Kinds: ``2023`` (year), ``2023H1`` (half), ``2023Q4`` (quarter), ``2023M03`` (month),
``2023QMAT04`` (12 months ending the 4th quarter, as Jobindsats). All tables in one
analysis use one kind; within a kind, labels sort as text.
"""

from __future__ import annotations

import re
from typing import Literal

PeriodKind = Literal["year", "half", "quarter", "month", "qmat"]

_PATTERNS: dict[PeriodKind, re.Pattern[str]] = {
    "year": re.compile(r"^(\d{4})$"),
    "half": re.compile(r"^(\d{4})H([12])$"),
    "quarter": re.compile(r"^(\d{4})Q([1-4])$"),
    "month": re.compile(r"^(\d{4})M(0[1-9]|1[0-2])$"),
    "qmat": re.compile(r"^(\d{4})QMAT0([1-4])$"),
}

EXPECTED_DA = "en periode som 2023, 2023H1, 2023Q4, 2023M03 eller 2023QMAT04"
EXPECTED_EN = "a period such as 2023, 2023H1, 2023Q4, 2023M03 or 2023QMAT04"


def period_kind(label: str) -> PeriodKind | None:
    """The kind of a period label, or ``None`` if it is not a valid label."""
    s = str(label).strip()
    for kind, pat in _PATTERNS.items():
        if pat.match(s):
            return kind
    return None


def is_period(label: object) -> bool:
    return isinstance(label, str) and period_kind(label) is not None


def year_of(label: str) -> int:
    return int(str(label)[:4])


def previous(label: str) -> str:
    """The period just before ``label`` of the same kind (``2023Q1`` -> ``2022Q4``)."""
    kind = period_kind(label)
    if kind is None:
        raise ValueError(label)
    m = _PATTERNS[kind].match(label)
    assert m is not None
    y = int(m.group(1))
    if kind == "year":
        return str(y - 1)
    n = int(m.group(2))
    size = {"half": 2, "quarter": 4, "month": 12, "qmat": 4}[kind]
    y, n = (y - 1, size) if n == 1 else (y, n - 1)
    if kind == "half":
        return f"{y}H{n}"
    if kind == "quarter":
        return f"{y}Q{n}"
    if kind == "month":
        return f"{y}M{n:02d}"
    return f"{y}QMAT0{n}"


def shown_periods(periods, head: int = 3, tail: int = 3) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Period labels for a message, shortened when long: ``(danish, english)``.

    The audit saw "period not found" list 4,500 periods; past ``head + tail`` labels the
    first and last few are shown with the count, e.g. ``2010M01, 2010M02, 2010M03 … 2023M12 (168 perioder)``.
    """
    labels = sorted(str(p) for p in periods)
    if not labels:
        return "ingen", "none"
    if len(labels) <= head + tail + 1:
        s = ", ".join(labels)
        return s, s
    s = f"{', '.join(labels[:head])} … {', '.join(labels[-tail:])}"
    return f"{s} ({len(labels)} perioder)", f"{s} ({len(labels)} periods)"
