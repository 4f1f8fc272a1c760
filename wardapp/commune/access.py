"""The commune this installation serves, for views and templates."""

from __future__ import annotations

from typing import Protocol, TypeVar

from flask import abort, g

from wardapp.commune.models import Commune
from wardapp.extensions import db


class CommuneRow(Protocol):
    @property
    def commune_id(self) -> int: ...


Row = TypeVar("Row", bound=CommuneRow)


def installed_commune() -> Commune | None:
    """None until set-up; loaded at most once per request (``g`` is per request)."""
    if "commune" not in g:
        g.commune = Commune.current()
    commune: Commune | None = g.commune
    return commune


def current_commune() -> Commune:
    """The commune, for every view after set-up (until then every page but set-up redirects there)."""
    commune = installed_commune()
    if commune is None:
        abort(404)
    return commune


def of_this_commune(model: type[Row], ident: int) -> Row:
    """The row of ``model`` (a table with a ``commune_id``) with this id, or 404: never another
    commune's, even by a guessed id."""
    row = db.session.get(model, ident)
    if row is None or row.commune_id != current_commune().id:
        abort(404)
    return row
