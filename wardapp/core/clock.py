"""The one clock of the app: the server's, in Asia/Ho_Chi_Minh.

Lateness and "today" are always decided here, from server time, never from the browser.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from wardapp.core import inputs

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> dt.datetime:
    """The current moment, timezone-aware, in Vietnam time."""
    return dt.datetime.now(TZ)


def utcnow() -> dt.datetime:
    """Naive UTC, the form in which the database stores moments."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def as_local(moment: dt.datetime) -> dt.datetime:
    """A moment (naive UTC as stored, or aware) as Vietnam time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TZ)


def today() -> dt.date:
    return now().date()


def to_local(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) moment as Vietnam time."""
    return None if moment is None else as_local(moment)


def parse_iso_date(text: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` or None when it is not a real date of the supported years (core/inputs)."""
    return inputs.parse_date(text)
