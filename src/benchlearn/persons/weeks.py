"""ISO weeks and the contract's period labels.

A person-week row carries an ISO week label (``2023-W07``). An ISO week belongs to a
period when its **Thursday** falls inside the period's calendar dates; this is the ISO
8601 rule that assigns weeks to years, extended to halves, quarters, months and the
rolling 12-month ``QMAT`` periods, so every week belongs to exactly one period of each
kind.
"""

from __future__ import annotations

import datetime as dt
import re

from benchlearn.core.errors import ConfigError
from benchlearn.core.periods import EXPECTED_DA, EXPECTED_EN, period_kind

WEEK_RE = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")

#: Length of the fokusmål look-back window ("the last 12 months") in weeks.
WINDOW_WEEKS = 52


def week_label(d: dt.date) -> str:
    """ISO week label (``2023-W07``) of a date."""
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def iso_weeks_of_year(year: int) -> list[str]:
    """All ISO weeks of ISO year ``year`` (52 or 53 labels, in order)."""
    n = dt.date(year, 12, 28).isocalendar()[1]  # 28 December is always in the last week
    return [f"{year}-W{w:02d}" for w in range(1, n + 1)]


def _date_range(period: str) -> tuple[dt.date, dt.date]:
    kind = period_kind(period)
    if kind is None:
        raise ConfigError(
            f"Ugyldig periode {period!r}: forventede {EXPECTED_DA}.",
            f"Invalid period {period!r}: expected {EXPECTED_EN}.",
        )
    y = int(period[:4])

    def month_end(yy: int, mm: int) -> dt.date:
        nxt = dt.date(yy + (mm == 12), mm % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    if kind == "year":
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if kind == "half":
        h = int(period[5])
        return dt.date(y, 6 * h - 5, 1), month_end(y, 6 * h)
    if kind == "quarter":
        q = int(period[5])
        return dt.date(y, 3 * q - 2, 1), month_end(y, 3 * q)
    if kind == "month":
        m = int(period[5:7])
        return dt.date(y, m, 1), month_end(y, m)
    q = int(period[-1])  # qmat: the 12 months ending with quarter q
    end = month_end(y, 3 * q)
    start_month = 3 * q + 1
    start = dt.date(y - 1, start_month, 1) if start_month <= 12 else dt.date(y, 1, 1)
    return start, end


def period_weeks(period: str) -> list[str]:
    """ISO weeks whose Thursday lies in ``period``, in order.

    Notes
    -----
    Week ``w`` belongs to period ``[a, b]`` iff ``a <= thursday(w) <= b``.
    """
    a, b = _date_range(period)
    # first Thursday on or after a
    d = a + dt.timedelta(days=(3 - a.weekday()) % 7)
    out = []
    while d <= b:
        out.append(week_label(d))
        d += dt.timedelta(days=7)
    return out


def window_weeks(period: str, length: int = WINDOW_WEEKS) -> list[str]:
    """The ``length`` ISO weeks ending with the last week of ``period`` ("last 12 months")."""
    last = period_weeks(period)[-1]
    y, w = int(last[:4]), int(last[6:])
    thursday = dt.date.fromisocalendar(y, w, 4)
    return [week_label(thursday - dt.timedelta(weeks=k)) for k in range(length - 1, -1, -1)]


def week_runs(weeks: list[str]) -> list[tuple[str, str]]:
    """Split ISO week labels into runs of consecutive weeks within one ISO year.

    Returns ``(first, last)`` label pairs. Within a run every label has the same
    ``YYYY-W`` prefix and a two-digit week number, so "a label of the run" is exactly
    "a string of length 8, ending in a digit, between ``first`` and ``last``" (the
    argument is in :func:`benchlearn.persons.pipeline.week_in`).
    """
    runs: list[tuple[str, str]] = []
    for w in sorted(set(weeks)):
        if not WEEK_RE.match(w):
            raise ValueError(f"not an ISO week label: {w!r}")
        if runs and runs[-1][1][:6] == w[:6] and int(runs[-1][1][6:]) + 1 == int(w[6:]):
            runs[-1] = (runs[-1][0], w)
        else:
            runs.append((w, w))
    return runs
