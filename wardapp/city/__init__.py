"""The city intake: receives and verifies the communes' signed daily reports (PROTOCOL.md).

Its own app factory and its own database (SQLite in ``instance/city`` by default). Start it with
``make city`` or ``flask --app wardapp.city run``.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .. import ROOT


class CityDefaults:
    BABEL_DEFAULT_LOCALE = "vi"
    LANGUAGES = ("vi", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "wardapp_city_session"
    WTF_CSRF_TIME_LIMIT = None
    CITY_PROVINCE_CODE = "48"  # the province whose communes this intake expects (Đà Nẵng)
    CITY_PUBLIC_URL = ""  # the URL communes push to; the status JWT's "aud" must equal it
    MAX_CONTENT_LENGTH = 200 * 1000 * 1000  # a report with many camera photos and its PDF
    GRID_DAYS = 14


def create_app(config: dict | None = None) -> Flask:
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("WARDAPP_CITY_INSTANCE_PATH") \
        or ROOT / "instance" / "city"
    app = Flask(__name__, instance_path=str(Path(instance).resolve()), instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.from_object(CityDefaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("WARDAPP_CITY")
    if os.environ.get("CITY_DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["CITY_DATABASE_URL"]
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'city.sqlite3'}")
    if not app.config.get("SECRET_KEY"):
        from ..config import _secret_key

        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))

    from flask_babel import Babel

    from .. import i18n
    from . import api, cli, models, pages, pdfs  # noqa: F401
    from .extensions import city_csrf, city_db, city_login, city_migrate

    city_db.init_app(app)
    _sqlite_wal(app)
    city_migrate.init_app(app, city_db, directory=str(ROOT / "migrations" / "city"), render_as_batch=True)
    city_login.init_app(app)
    city_csrf.init_app(app)
    Babel(app, locale_selector=lambda: "vi")
    i18n.init_app(app)
    pages.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pdfs.bp)
    city_csrf.exempt(api.bp)  # the API authenticates by signature, not by session
    cli.register(app)
    return app


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
    from sqlalchemy import event

    from .extensions import city_db

    with app.app_context():
        engine = city_db.engine

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record):
        import sqlite3

        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:  # another process holds the file right now: keep its mode
            pass
