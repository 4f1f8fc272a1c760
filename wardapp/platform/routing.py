"""The URL converters both apps install before their first route, and the 404 of a missing thing."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from werkzeug.routing import IntegerConverter

from wardapp.core.inputs import SQL_INT_MAX


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that only matches ids the database can hold: a 30-digit id is a 404, not an
    overflow inside the database driver (a 500)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", SQL_INT_MAX)
        super().__init__(map, *args, **kwargs)


def install(url_map) -> None:
    """Make ``int`` the bounded converter; call before any route is registered."""
    url_map.converters["int"] = BoundedIntConverter


T = TypeVar("T")


def or_404(value: T | None) -> T:
    """``value``, or the 404 a missing thing answers (never a 500 further down)."""
    if value is None:
        abort(404)
    return value
