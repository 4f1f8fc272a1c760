"""Reading numbers, dates, months and page numbers typed into forms, URLs and query strings.

Every reader answers None (or a default) for anything it does not accept, never an exception, and
accepts only what the app can work with: ASCII digits (``"²".isdigit()`` is True and ``int("²")``
raises), dates inside :data:`FIRST_DAY`..:data:`LAST_DAY` (arithmetic near year 1 or 9999 and
UTC offsets overflow), page numbers that fit an SQL offset.
"""

from __future__ import annotations

import datetime as dt
import re

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
MAX_PAGE = 1_000_000
SQL_INT_MAX = 2**63 - 1  # ids beyond this cannot be in the database (and overflow the driver)

_DIGITS = re.compile(r"[0-9]{1,18}", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}", re.ASCII)


def parse_int(text: str | None, minimum: int = 0, maximum: int = SQL_INT_MAX) -> int | None:
    """A whole number of ASCII digits within [minimum, maximum], else None."""
    raw = (text or "").strip()
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def in_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def parse_date(text: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` (ASCII digits) of a real day inside the supported years, else None."""
    raw = (text or "").strip()
    if not _DATE.fullmatch(raw):
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if in_range(day) else None


def parse_month(text: str | None) -> dt.date | None:
    """``YYYY-MM`` as the first day of that month, inside the supported years, else None."""
    raw = (text or "").strip()
    if not _MONTH.fullmatch(raw):
        return None
    return parse_date(raw + "-01")


def parse_page(text: str | None) -> int:
    """A 1-based page number; anything else (or too large) is page 1 or the last allowed page."""
    value = parse_int(text, 1)
    if value is None:
        return MAX_PAGE if _DIGITS.fullmatch((text or "").strip()) else 1
    return min(value, MAX_PAGE)


def bounded_range(start: dt.date, end: dt.date, max_days: int) -> tuple[dt.date, dt.date, bool]:
    """(start, end, clipped): at most ``max_days`` days ending at ``end``, start never after end."""
    start = min(start, end)
    if (end - start).days >= max_days:
        return end - dt.timedelta(days=max_days - 1), end, True
    return start, end, False
