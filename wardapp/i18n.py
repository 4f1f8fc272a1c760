"""Language and formatting: Vietnamese by default, English on request.

Dates are dd/mm/yyyy and percentages ``42,5%`` in Vietnamese whatever the browser says.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel.numbers import format_decimal, format_percent
from flask import current_app, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user

from . import clock

PERCENT_PATTERN = "#,##0.0%"


def select_locale() -> str:
    if not has_request_context():  # CLI and seeding: no user, no session; default to Vietnamese
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _locale() -> str:
    try:
        return str(get_locale() or "vi")
    except RuntimeError:  # outside a request: documents default to Vietnamese
        return "vi"


def fmt_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.to_local(value)
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: dt.datetime | str | None) -> str:
    """HH:MM dd/mm/yyyy in Vietnam time. A string is an ISO 8601 moment as signed documents and
    the city's receipts write it (shown as it is when it is not one)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return clock.to_local(value).strftime("%H:%M %d/%m/%Y")


def fmt_time(value: dt.datetime | dt.time | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.to_local(value)
    return value.strftime("%H:%M")


def fmt_percent(value: float | None, empty: str = "—") -> str:
    if value is None:
        return empty
    # Shown to one decimal, so 1/100,000 is far below what changes the text.
    return _percent(round(value, 5), _locale())


@lru_cache(maxsize=4096)
def _percent(value: float, locale: str) -> str:
    # Babel re-reads the pattern at every call; the dashboard formats about a hundred rates
    # (its charts' points and labels), which was a quarter of its time (measured).
    return format_percent(value, PERCENT_PATTERN, locale=locale)


def fmt_number(value: float | int | None, digits: int = 0, empty: str = "—") -> str:
    if value is None:
        return empty
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=_locale())


def init_app(app) -> None:
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters.update(
        date=fmt_date, datetime=fmt_datetime, time=fmt_time, percent=fmt_percent, number=fmt_number
    )
