"""Words and numbers in the reader's language, without Flask.

The kernel marks its texts with ``gettext`` / ``lazy_gettext`` (extracted by pybabel like any other)
and formats numbers, dates and percentages here. Each app plugs in its translator and current
locale with ``install`` (Flask-Babel's, per request); until then texts stay Vietnamese, the
language of the sources and of every official document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from babel.numbers import format_decimal, format_percent

from wardapp.core import clock

PERCENT_PATTERN = "#,##0.0%"
DEFAULT_LOCALE = "vi"

_translate: Callable[[str], str] = str
_current_locale: Callable[[], str] = lambda: DEFAULT_LOCALE  # noqa: E731


def install(translate: Callable[[str], str], current_locale: Callable[[], str]) -> None:
    """Route the kernel's texts through the app's translator and locale."""
    global _translate, _current_locale
    _translate, _current_locale = translate, current_locale


def locale() -> str:
    return _current_locale()


def gettext(msgid: str, **variables: Any) -> str:
    text = _translate(msgid)
    return text % variables if variables else text


class LazyText:
    """A text translated each time it is shown (labels declared at import, read per request)."""

    __slots__ = ("msgid",)

    def __init__(self, msgid: str):
        self.msgid = msgid

    def __str__(self) -> str:
        return _translate(self.msgid)

    def __repr__(self) -> str:
        return f"LazyText({self.msgid!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other) if isinstance(other, str | LazyText) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __mod__(self, other: Any) -> str:
        return str(self).__mod__(other)

    def __len__(self) -> int:
        return len(str(self))

    def __getattr__(self, name: str) -> Any:  # str methods: .lower(), .split() ...
        return getattr(str(self), name)


def lazy_gettext(msgid: str) -> LazyText:
    return LazyText(msgid)


# --- formatting: dd/mm/yyyy, 42,5%, 1.234 ----------------------------------------------------------


def _in_local_time(value: dt.date | dt.time | None, pattern: str) -> str:
    """A moment in Vietnam time (a day or a time of day as it is), in ``pattern``; None as nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return clock.as_local(value).strftime(pattern)
    return value.strftime(pattern)


def fmt_date(value: dt.date | dt.datetime | None) -> str:
    return _in_local_time(value, "%d/%m/%Y")


def fmt_datetime(value: dt.datetime | str | None) -> str:
    """HH:MM dd/mm/yyyy in Vietnam time. A string is an ISO 8601 moment as signed documents and
    the city's receipts write it (shown as it is when it is not one)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    return clock.as_local(moment).strftime("%H:%M %d/%m/%Y")


def fmt_time(value: dt.datetime | dt.time | None) -> str:
    return _in_local_time(value, "%H:%M")


def fmt_percent(value: float | None, empty: str = "—", *, locale_name: str | None = None) -> str:
    if value is None:
        return empty
    # Shown to one decimal, so 1/100,000 is far below what changes the text.
    return _percent(round(value, 5), locale_name or locale())


@lru_cache(maxsize=4096)
def _percent(value: float, locale_name: str) -> str:
    # Babel re-reads the pattern at every call; the dashboard formats about a hundred rates
    # (its charts' points and labels), which was a quarter of its time (measured).
    return str(format_percent(value, PERCENT_PATTERN, locale=locale_name))


def fmt_number(value: float | int | None, digits: int = 0, empty: str = "—", *, locale_name: str | None = None) -> str:
    if value is None:
        return empty
    return _decimal(value, digits, locale_name or locale())


@lru_cache(maxsize=8192)
def _decimal(value: float | int, digits: int, locale_name: str) -> str:
    # Cached like _percent: a table of a province's communes formats thousands of counts.
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, pattern, locale=locale_name))


FILTERS = {"date": fmt_date, "datetime": fmt_datetime, "time": fmt_time, "percent": fmt_percent, "number": fmt_number}
