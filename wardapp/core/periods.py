"""Periods of reporting: a month from its ``YYYY-MM`` text, its bounds, ranges of days."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

# Reports exist from the app's first day; a wider calendar only lets a URL ask for centuries.
FIRST_YEAR, LAST_YEAR = 2000, 2999
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str | None) -> dt.date | None:
    """The first day of a ``YYYY-MM`` month, or None when the text is not one we report on."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def month_bounds(first: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month of ``first``."""
    first = first.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """A calendar year's first and last day."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def next_month(first: dt.date) -> dt.date:
    return month_bounds(first)[1] + dt.timedelta(days=1)


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every day from ``start`` to ``end``, both included."""
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)
