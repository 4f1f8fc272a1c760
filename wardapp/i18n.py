"""The commune app's language: Vietnamese by default, English when the user or session asks.

Formatting lives in the kernel (``wardapp.core.i18n``); this module picks the locale per request
and plugs Flask-Babel in as the kernel's translator.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import get_locale
from flask_babel import gettext as babel_gettext
from flask_login import current_user

from wardapp.core import i18n as core_i18n
from wardapp.core.labels import revision_label


def select_locale() -> str:
    if not has_request_context():  # CLI and seeding: no user, no session; default to Vietnamese
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get("locale")
    return str(chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"])


def current_locale() -> str:
    try:
        return str(get_locale() or core_i18n.DEFAULT_LOCALE)
    except RuntimeError:  # outside a request: documents default to Vietnamese
        return core_i18n.DEFAULT_LOCALE


def init_app(app: Flask) -> None:
    """Both apps: the kernel speaks through Flask-Babel; templates get the formatting filters."""
    core_i18n.install(babel_gettext, current_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters.update(core_i18n.FILTERS)
    app.jinja_env.filters["revision"] = revision_label  # "bản sửa đổi lần 2", not "…:r3"
