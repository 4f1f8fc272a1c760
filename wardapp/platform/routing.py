"""The URL converters both apps install before their first route."""

from __future__ import annotations

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
