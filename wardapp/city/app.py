"""The city intake's factory: its own settings, database (SQLite in ``instance/city`` by default)
and pages, standing on the kernel alone. ``make city`` or ``flask --app wardapp.city.app run``."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from flask import Flask, has_request_context, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as babel_gettext
from sqlalchemy import event

from wardapp import ROOT
from wardapp.city import cli, models
from wardapp.city.api import bp as api_bp
from wardapp.city.checking import bp as verify_bp
from wardapp.city.extensions import city_csrf, city_db, city_login, city_migrate
from wardapp.city.pages import bp as pages_bp
from wardapp.city.pages import init_app as init_pages
from wardapp.city.pdfs import bp as pdfs_bp
from wardapp.core import i18n as core_i18n
from wardapp.core import settings

assert models  # every model is imported, so Alembic sees the whole schema


class CityDefaults:
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled with the instance SQLite file
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "wardapp_city_session"
    WTF_CSRF_TIME_LIMIT = None
    CITY_PROVINCE_CODE = "48"  # the province whose communes this intake expects (Đà Nẵng)
    CITY_PUBLIC_URL = ""  # the URL communes push to; the status JWT's "aud" must equal it
    MAX_CONTENT_LENGTH = 200 * 1000 * 1000  # a report with many camera photos and its PDF
    GRID_DAYS = 14
    CITY_PDF_TRUST_DIR = ""  # roots for the communes' PDF signatures; empty: instance/pdf-trust


def create_app(overrides: dict | None = None) -> Flask:
    instance = (
        (overrides or {}).get("INSTANCE_PATH")
        or os.environ.get("WARDAPP_CITY_INSTANCE_PATH")
        or ROOT / "instance" / "city"
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    instance_dir = Path(app.instance_path)
    instance_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if env.get("CITY_DATABASE_URL"):
        env["WARDAPP_CITY_SQLALCHEMY_DATABASE_URI"] = env["CITY_DATABASE_URL"]
    app.config.update(settings.load(CityDefaults, instance_dir, "WARDAPP_CITY", overrides, env))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_dir / 'city.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key(instance_dir)

    city_db.init_app(app)
    _sqlite_wal(app)
    city_migrate.init_app(app, city_db, directory=str(ROOT / "migrations" / "city"), render_as_batch=True)
    city_login.init_app(app)
    city_csrf.init_app(app)
    Babel(app, locale_selector=_select_locale)
    core_i18n.install(babel_gettext, _current_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters.update(core_i18n.FILTERS)
    init_pages(app)
    for blueprint in (api_bp, pages_bp, pdfs_bp, verify_bp):
        app.register_blueprint(blueprint)
    city_csrf.exempt(api_bp)  # the API authenticates by signature, not by session
    cli.register(app)
    return app


def _select_locale() -> str:
    default = "vi"
    if not has_request_context():
        return default
    chosen = session.get("locale")
    return chosen if chosen in ("vi", "en") else default


def _current_locale() -> str:
    try:
        return str(get_locale() or core_i18n.DEFAULT_LOCALE)
    except RuntimeError:
        return core_i18n.DEFAULT_LOCALE


def _sqlite_wal(app: Flask) -> None:
    """Put the intake's SQLite database in WAL mode (nothing to do for other databases).

    Several gunicorn workers store pushes at the same time. With SQLite's default rollback
    journal every commit syncs a journal and the database file and a writer waits for readers; in
    WAL a commit appends to one log, synced once (synchronous stays FULL: as durable as before),
    and the reviewers' pages keep reading while reports arrive (measured: bench/intake.py,
    docs/PERFORMANCE.md). The mode is stored in the file: on later connections the pragma changes
    nothing. WAL needs the database on a local disk, not a network share.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = city_db.engine

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record):
        # Another process may hold the file right now: then it keeps its mode.
        with contextlib.suppress(sqlite3.OperationalError):
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
