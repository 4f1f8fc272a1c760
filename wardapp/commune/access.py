"""The commune this installation serves, for views and templates."""

from __future__ import annotations

from flask import g

from wardapp.commune.models import Commune


def current_commune() -> Commune | None:
    """Loaded at most once per request (``g`` is per request: every test client is isolated)."""
    if "commune" not in g:
        g.commune = Commune.current()
    return g.commune
