"""The city intake's factory: its own settings, database (SQLite in ``instance/city`` by default)
and pages, standing on the kernel alone. ``make city`` or ``flask --app wardapp.city.app run``."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import IO

import click
from flask import Flask, g, has_request_context, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as babel_gettext
from PIL import Image
from sqlalchemy import event

from wardapp import ROOT
from wardapp.city import blobs, cli, consolidated_models, models
from wardapp.city.api import bp as api_bp
from wardapp.city.archive.routes import bp as archive_bp
from wardapp.city.checking import bp as verify_bp
from wardapp.city.consolidated_pages import bp as consolidated_bp
from wardapp.city.extensions import city_csrf, city_db, city_login, city_migrate
from wardapp.city.monitor import bp as desk_bp
from wardapp.city.pages import bp as pages_bp
from wardapp.city.pages import init_app as init_pages
from wardapp.city.pdfs import bp as pdfs_bp
from wardapp.city.public_check import bp as public_check_bp
from wardapp.city.review import bp as review_bp
from wardapp.core import i18n as core_i18n
from wardapp.core import schema, settings, units
from wardapp.platform import forms, requestlog
from wardapp.platform.app import load_settings, new_app

assert models and consolidated_models  # every model is imported, so Alembic sees the whole schema


class CityDefaults:
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled with the instance SQLite file
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    # The one catalog both apps share; Flask-Babel would look beside this module (wardapp/city).
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "wardapp" / "translations")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "wardapp_city_session"
    SESSION_COOKIE_SECURE = False  # WARDAPP_CITY_SESSION_COOKIE_SECURE=true behind HTTPS
    WTF_CSRF_TIME_LIMIT = None
    CITY_PROVINCE_CODE = "48"  # the province whose communes this intake expects (Đà Nẵng)
    # Several provinces, "48,46", or "all" for the country; when empty CITY_PROVINCE_CODE is used.
    CITY_PROVINCE_CODES = ""
    # The department that signs the consolidated report, and how the report names it.
    CITY_DEPARTMENT_NAME = "Sở Khoa học và Công nghệ"
    CITY_PARENT_AUTHORITY = ""  # "UBND THÀNH PHỐ ĐÀ NẴNG"; by default UBND and the province's name
    CITY_PLACE_NAME = ""  # the place in the date line; by default the province's name
    CITY_DOCUMENT_SYMBOL = "SKHCN"
    CITY_SIGNER_POSITION = "Giám đốc"
    CITY_SIGNER_NAME = ""
    CITY_SEAL_SIZE_MM = 35.0  # the department's seal, drawn at its real size over the signature
    # Reminders by e-mail: empty host, no e-mail (the reminder is copied by hand).
    CITY_SMTP_HOST = ""
    CITY_SMTP_PORT = 25
    CITY_SMTP_STARTTLS = False
    CITY_SMTP_USERNAME = ""
    CITY_SMTP_PASSWORD = ""
    CITY_SMTP_FROM = "giamsat@localhost"
    CITY_SMTP_SENDER_NAME = "Hệ thống giám sát báo cáo ngày"
    CITY_PUBLIC_URL = ""  # the URL communes push to; the status JWT's "aud" must equal it
    MAX_CONTENT_LENGTH = 200 * 1000 * 1000  # a report with many camera photos and its PDF
    # Applied while the request streams in (werkzeug), each refused with JSON by the API:
    MAX_FORM_MEMORY_SIZE = 2 * 1000 * 1000  # one non-file field: the JWS of the largest report fits
    MAX_FORM_PARTS = 600  # the report, its PDF and up to 500 photos (the schema's limit)
    GRID_DAYS = 14
    # Figures out of line with a commune's own history (wardapp/core/outliers.py): the modified
    # z-score above which a figure is flagged, the weeks of the same weekday compared, and the
    # fewest comparable days that allow a judgement at all.
    CITY_OUTLIER_THRESHOLD = 3.5
    CITY_OUTLIER_WEEKS = 12
    CITY_OUTLIER_MIN_HISTORY = 8
    # National roots for the communes' PDF signatures (*.pem, the same files on every server); empty:
    # instance/pdf-trust. A commune's own CA, enrolled with its key, is kept in the database.
    CITY_PDF_TRUST_DIR = ""
    # The department's signing key is kept in the database, encrypted with this passphrase (the same
    # on every server; empty: derived from SECRET_KEY). Or a PKCS#11 token: CITY_SIGNING_FOLDER, a
    # folder with its pkcs11.json on every server. See wardapp/city/signing.py.
    CITY_SIGNING_KEY_PASSPHRASE = ""
    CITY_SIGNING_FOLDER = ""
    # Photos and PDFs (core/storage.py): empty = this instance folder; or file:///folder, or
    # s3://bucket/prefix with the endpoint of any S3-compatible server (empty = AWS S3).
    STORE_URL = ""
    STORE_ENDPOINT = ""
    STORE_REGION = ""
    STORE_ACCESS_KEY_ID = ""  # empty: boto3's usual places (AWS_ACCESS_KEY_ID, ~/.aws, a role)
    STORE_SECRET_ACCESS_KEY = ""
    LOGIN_MAX_ATTEMPTS = 5  # failures per account in the window before it locks
    LOGIN_LOCK_MINUTES = 15  # the window failures are counted in
    LOGIN_MAX_PER_ADDRESS = 20  # failures from one client address (any username) per window
    LOGIN_TRUSTED_DAYS = 30  # an address with a success this recent is the owner's usual place


# A file part up to this size stays in memory while the request is read (a photo of a push is read
# whole anyway, to hash and store it); a larger one is spooled to a temporary file.
PART_IN_MEMORY = 16 * 1000 * 1000


class CityRequest(forms.FastFormRequest):
    """Werkzeug writes every file part of a request over 500 KB to a temporary file on disk; a push
    (three 300 KB photos) then costs three files created, written, read back and deleted before
    anything is checked. Here a part stays in memory up to ``PART_IN_MEMORY``."""

    def _get_file_stream(
        self, total_content_length: int | None, content_type: str | None, filename=None, content_length=None
    ) -> IO[bytes]:
        return SpooledTemporaryFile(max_size=PART_IN_MEMORY, mode="rb+")  # the request closes it


def create_app(overrides: dict | None = None) -> Flask:
    app = new_app(
        __name__, overrides, instance_variable="WARDAPP_CITY_INSTANCE_PATH", default_instance=ROOT / "instance" / "city"
    )
    app.request_class = CityRequest
    instance_dir = load_settings(
        app,
        CityDefaults,
        "WARDAPP_CITY",
        overrides,
        database_variable="CITY_DATABASE_URL",
        database_file="city.sqlite3",
    )
    app.config["SECRET_KEY"] = _secret_key(app.config, instance_dir)
    _require_public_url(app)

    city_db.init_app(app)
    blobs.init_app(app)
    _sqlite_wal(app)
    city_migrate.init_app(app, city_db, directory=str(ROOT / "migrations" / "city"), render_as_batch=True)
    city_login.init_app(app)
    city_csrf.init_app(app)
    Babel(app, locale_selector=_select_locale)
    core_i18n.install(babel_gettext, _current_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters.update(core_i18n.FILTERS)
    requestlog.init_app(app, "wardapp.city.request")  # first before_request: every later line has the request id
    init_pages(app)
    for blueprint in (api_bp, desk_bp, pages_bp, pdfs_bp, verify_bp, consolidated_bp, public_check_bp, review_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(archive_bp)
    city_csrf.exempt(api_bp)  # the API authenticates by signature, not by session
    cli.register(app)
    if _serving(app):
        _warm_up(app)
    return app


def _serving(app: Flask) -> bool:
    """A server process (gunicorn's worker), not a test app or a ``flask`` command."""
    return not (app.testing or app.debug) and click.get_current_context(silent=True) is None


def _warm_up(app: Flask) -> None:
    """Load, as the worker boots, what the first push would otherwise load while a commune waits:
    the official list of units, the compiled JSON Schema, Pillow's image formats and the store's
    client (boto3's import and its client take about 0.5 s of CPU; measured, docs/PERFORMANCE-LOG.md)."""
    units.all_units()
    schema.validator()
    Image.init()
    with app.app_context():
        blobs.store().warm_up()


def _secret_key(config: dict, instance_dir: Path) -> str:
    """The key that signs reviewers' sessions and CSRF tokens.

    Every server of one intake must use the same key, or a reviewer signed in on one is a stranger
    to the next. With SQLite the intake is one machine: the key is generated once into the
    instance folder. Any other database can be shared by several servers, so the key must then be
    given (``WARDAPP_CITY_SECRET_KEY``, the same on every server): a key generated per machine
    would break sessions silently, so the intake refuses to start without one.
    """
    if config.get("SECRET_KEY"):
        return config["SECRET_KEY"]
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        raise settings.SettingError(
            "WARDAPP_CITY_SECRET_KEY is required with a shared database: set the same long random "
            "value on every intake server (e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return settings.secret_key(instance_dir)


class NotConfigured(RuntimeError):
    pass


def _require_public_url(app: Flask) -> None:
    """The status tokens' audience is the public URL; taken from the Host header, a token made
    for another city would pass. A server (gunicorn) refuses to start without it; the command
    line (migrations, enrolment, backups) and tests do not need it."""
    if app.config["CITY_PUBLIC_URL"].strip() or app.testing or app.debug:
        return
    if click.get_current_context(silent=True) is not None:  # a `flask --app ...` command
        return
    raise NotConfigured(
        "Set WARDAPP_CITY_CITY_PUBLIC_URL (or CITY_PUBLIC_URL in instance/city/config.py) to the URL "
        "communes push to, e.g. https://giamsat.danang.gov.vn: status tokens are checked against it."
    )


def _select_locale() -> str:
    default = "vi"
    if not has_request_context():
        return default
    chosen = session.get("locale")
    return chosen if chosen in ("vi", "en") else default


def _current_locale() -> str:
    """The request's locale, looked up once per request: the kernel's formatters ask for every
    number they write, and a province's table writes thousands (Flask-Babel's lookup each time
    was a tenth of the II.06a page, measured)."""
    if has_request_context() and "city_locale" in g:
        return g.city_locale
    try:
        chosen = str(get_locale() or core_i18n.DEFAULT_LOCALE)
    except RuntimeError:
        return core_i18n.DEFAULT_LOCALE
    if has_request_context():
        g.city_locale = chosen
    return chosen


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
