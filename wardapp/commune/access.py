"""The commune this installation serves, for views and templates."""

from __future__ import annotations

from flask import abort, g

from wardapp.commune.models import Commune


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
