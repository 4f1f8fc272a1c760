"""The commune app's settings: defaults here, then ``instance/config.py``, then environment variables.

Environment variables are ``WARDAPP_<NAME>`` (e.g. ``WARDAPP_LOGIN_MAX_ATTEMPTS=5``) plus
``DATABASE_URL`` for any SQLAlchemy URL. The secret key is never in source: when none is
configured it is generated once into ``instance/secret_key``.
"""

from __future__ import annotations

from flask import Flask

from wardapp.core import settings
from wardapp.platform.app import load_settings


class Defaults:
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled with the instance SQLite file
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    SESSION_COOKIE_HTTPONLY = True
    # On behind HTTPS (WARDAPP_SESSION_COOKIE_SECURE=true); off by default: a commune's intranet is
    # often plain HTTP, where a Secure cookie is never sent back and nobody could sign in.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Staff keep the day's form open for hours: a CSRF token that expired after an hour would
    # make the save fail and cost them what they typed. The token stays bound to the session.
    WTF_CSRF_TIME_LIMIT = None
    LOGIN_MAX_ATTEMPTS = 5
    LOGIN_LOCK_MINUTES = 15  # also the window the failures are counted in
    LOGIN_MAX_PER_ADDRESS = 20  # failures from one client address (any username) per window
    LOGIN_TRUSTED_DAYS = 30  # an address with a success this recent is the owner's usual place
    NARRATIVE_MAX_CHARS = 4000
    FIGURE_MAX = 100_000  # a sanity bound for one day's count at one center
    DEFAULT_DEADLINE = "17:00"
    AUDIT_PAGE_SIZE = 50
    PHOTO_MAX_BYTES = 15 * 1000 * 1000
    PHOTO_MAX_PIXELS = 100_000_000  # a 100-megapixel photo; more is a decompression bomb
    # Heavy work (uploads and their decode, a ZIP's PDFs, a dossier import) at most this many at
    # once on the machine; 0: one fewer than the CPUs (wardapp/platform/lanes.py).
    HEAVY_LANES = 0
    CITY_URL = ""  # the city monitoring system, e.g. https://giamsat.danang.gov.vn (WARDAPP_CITY_URL)
    OUTBOX_TIMEOUT = 20  # seconds for one push
    OUTBOX_LEASE_SECONDS = 120  # a claimed entry not answered by then is due again
    OUTBOX_BACKOFF = (15, 60, 300, 900, 1800, 3600)
    # A refusal whose cause is at the city (the commune's key or CA not enrolled yet, a proxy's size
    # limit) heals when the city's IT acts: retried on this slow schedule for OUTBOX_REFUSED_DAYS.
    OUTBOX_REFUSED_BACKOFF = (1800, 3600, 3 * 3600, 6 * 3600)
    OUTBOX_REFUSED_DAYS = 7
    OUTBOX_INTERVAL = 5  # seconds between worker passes
    OUTBOX_PROBE_TIMEOUT = 5  # seconds for the status probe that tells the city is back
    OUTBOX_POLL_SECONDS = 300  # how often to ask the city about a sent report
    OUTBOX_POLL_DAYS = 14  # how far back to keep asking
    # Reports of the last few days are asked about far more often: a return must reach the leader
    # within a minute while the day is still fresh (the worker passes every OUTBOX_INTERVAL).
    OUTBOX_POLL_RECENT_SECONDS = 45
    OUTBOX_POLL_RECENT_DAYS = 3
    OUTBOX_POLL_ON_OPEN_SECONDS = 10  # a leader opening a day asks the city, at most this often
    # PDF signatures: an RFC 3161 time-stamping URL adds a timestamp to each signature, and
    # validation data on embeds the chains' OCSP/CRL answers (PAdES B-LT). Both need the service
    # reachable when the leader signs; empty/off by default (WARDAPP_PDF_TSA_URL, ...).
    PDF_TSA_URL = ""
    PDF_VALIDATION_DATA = False
    SEAL_SIZE_MM = 35.0  # the commune's seal, drawn at its real size over the leader's signature


def load(app: Flask, overrides: dict | None) -> None:
    instance = load_settings(
        app, Defaults, "WARDAPP", overrides, database_variable="DATABASE_URL", database_file="wardapp.sqlite3"
    )
    if not app.config.get("MAX_CONTENT_LENGTH"):
        # Room for one photo at the limit and its form fields; a bigger request is refused early.
        app.config["MAX_CONTENT_LENGTH"] = app.config["PHOTO_MAX_BYTES"] + 1_000_000
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key(instance)
