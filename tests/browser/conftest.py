"""Fixtures for the browser tests: Debian's Chromium driving the app served for real on 127.0.0.1.

Policy: a missing Chromium fails the run, so CI can never pass by silently skipping these tests.
Only ``WARDAPP_BROWSER=optional`` (``make test BROWSER=optional``) turns it into a skip.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests import factories
from tests.conftest import make_app
from wardapp.core import clock
from wardapp.demo.seed import seed_history
from wardapp.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOST = "127.0.0.1"
# Set WARDAPP_SHOTS=/tmp/shots to keep screenshots of each step (off by default).
SHOTS = os.environ.get("WARDAPP_SHOTS")


def _unavailable(reason: str):
    if os.environ.get("WARDAPP_BROWSER") == "optional":
        pytest.skip(f"{reason} (WARDAPP_BROWSER=optional)")
    pytest.fail(
        f"{reason}. Install Debian's chromium (make chromium), or run `make test BROWSER=optional` "
        "to skip the browser tests on this machine.",
        pytrace=False,
    )


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for the browser tests. Package scope, not session: Playwright's sync
    API keeps an asyncio loop running in the main thread while it lives, which would break later
    tests that use asyncio.run() (pyHanko)."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium missing at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright missing (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # errors are still logged, the access log is not
        pass


@dataclass
class LiveServer:
    url: str
    app: object
    commune_id: int
    today: dt.date = field(default_factory=clock.today)


def _serve(app) -> tuple[object, threading.Thread]:
    server = make_server(LOCAL_HOST, 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="wardapp-live-server", daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def live_server(tmp_path, migrated_db):
    """The app on a random free port, CSRF on (a real browser sends the token).

    Data: the demo commune, one user per role, and yesterday's complete report, whose 10 pending
    dossiers become today's carried-over figure.
    """
    app = make_app(tmp_path, migrated_db, WTF_CSRF_ENABLED=True)
    with app.app_context():
        commune = factories.make_commune()
        users = {role: factories.make_user(commune, role) for role in ("staff", "leader")}
        yesterday = clock.today() - dt.timedelta(days=1)
        factories.make_report(
            commune, yesterday, users["staff"], resolved_on_time=20, pending_within=9, pending_overdue=1
        )
        commune_id = commune.id
        db.session.remove()
    server, thread = _serve(app)
    try:
        yield LiveServer(f"http://{LOCAL_HOST}:{server.server_port}", app, commune_id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def history(live_server):
    """Six weeks of plausible demo history before yesterday, so the dashboard has something to show."""
    with live_server.app.app_context():
        from wardapp.auth.models import User
        from wardapp.commune.models import Commune

        commune = db.session.get(Commune, live_server.commune_id)
        author = db.session.scalar(db.select(User).filter_by(username="staff"))
        seed_history(commune, author, live_server.today - dt.timedelta(days=2), 42)
        db.session.commit()
        db.session.remove()
    return live_server


@dataclass
class LiveCity:
    url: str
    app: object
    reviewer: str = "sokhcn"


@pytest.fixture
def live_city(tmp_path_factory, migrated_city, live_server):
    """The city intake served for real on 127.0.0.1 (its own database, CSRF on), with a reviewer
    (password ``factories.PASSWORD``) and the commune's active public key enrolled; the commune
    app's CITY_URL points at it."""
    from cryptography.hazmat.primitives import serialization

    from wardapp.city.app import create_app as create_city_app
    from wardapp.city.enrolment.operations import enrol, enrol_ca
    from wardapp.city.extensions import city_db
    from wardapp.city.models import CityUser
    from wardapp.commune.models import Commune
    from wardapp.signing import documents, keys

    with live_server.app.app_context():  # what `flask keys export` and `flask pdf-cert export-roots` print
        commune = db.session.get(Commune, live_server.commune_id)
        code = commune.code
        jwk = dict(keys.ensure_key().public_jwk)
        documents.ensure_certificate(commune)
        ca_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in documents.trust_roots())
        db.session.commit()
        db.session.remove()
    instance = tmp_path_factory.mktemp("city")
    shutil.copy(migrated_city, instance / "city.sqlite3")
    app = create_city_app({"INSTANCE_PATH": instance, "TESTING": True, "SECRET_KEY": "city-test-secret"})
    with app.app_context():
        reviewer = CityUser(username="sokhcn", full_name="Trần Văn Thẩm", role="reviewer")
        reviewer.set_password(factories.PASSWORD)
        city_db.session.add(reviewer)
        enrol(code, jwk)
        enrol_ca(code, ca_pem)
        city_db.session.commit()
        city_db.session.remove()
    server, thread = _serve(app)
    city = LiveCity(f"http://{LOCAL_HOST}:{server.server_port}", app)
    app.config["CITY_PUBLIC_URL"] = city.url  # the status tokens' audience, as in production
    live_server.app.config["CITY_URL"] = city.url
    try:
        yield city
    finally:
        live_server.app.config["CITY_URL"] = ""
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            city_db.session.remove()
            city_db.engine.dispose()


# Installed before any page script: records CSP violations even if Chromium stopped logging them.
_CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


class Watch:
    """Console errors, uncaught exceptions, failed requests and CSP violations of one page."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self._provoked: list[tuple[str, str]] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("requestfailed", self._failed)

    def provoked(self, status: int, path: str) -> None:
        """An error answer the test causes on purpose, e.g. a 422 carrying a form's messages that
        htmx swaps in: Chromium logs it as a failed resource, but it is the expected answer."""
        self._provoked.append((f"the server responded with a status of {status} ", path))

    def _console(self, message):
        url = (message.location or {}).get("url", "")
        if any(text in message.text and urlsplit(url).path == path for text, path in self._provoked):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console.{message.type}: {message.text}")

    def _failed(self, request):
        # htmx aborts a superseded live check (hx-sync replace): that is by design, not a failure.
        if request.failure and "ERR_ABORTED" in request.failure and "/check" in request.url:
            return
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def csp_violations(self) -> list[str]:
        try:
            return self.page.evaluate("window.__cspViolations || []")
        except Exception:  # page closed or navigating
            return []

    def assert_clean(self):
        found = self.problems + [f"CSP: {v}" for v in self.csp_violations()]
        assert not found, "the page reported problems:\n" + "\n".join(found)


@pytest.fixture
def open_page(chromium, live_server):
    """``open_page(**context_options)`` → (page, watch); contexts are closed after the test."""
    contexts = []
    outside: list[str] = []

    def keep_local(route):
        """No request may leave 127.0.0.1."""
        if urlsplit(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def open_(**options):
        """Options override the defaults, e.g. ``base_url=live_city.url`` for the city intake."""
        defaults = {"base_url": live_server.url, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}
        context = chromium.new_context(**(defaults | options))
        context.set_default_timeout(10_000)
        context.add_init_script(_CSP_PROBE)
        context.route("**/*", keep_local)
        contexts.append(context)
        page = context.new_page()
        return page, Watch(page)

    yield open_
    for context in contexts:
        context.close()
    assert not outside, f"the browser tried to reach beyond {LOCAL_HOST}: {outside}"


def shoot(page, name: str, full_page: bool = True) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret leaves style="" on the inputs, which htmx then copies
        # onto the swapped-in ones (attributesToSettle), a CSP violation of the screenshot's making.
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=full_page, caret="initial")


def log_in(page, username: str, password: str = factories.PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button.primary")
    page.wait_for_url("**/")


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def assert_fits(page, what: str) -> None:
    """Nothing makes the page scroll sideways (the phone check)."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{what} scrolls sideways: {width[0]}px wide in a {width[1]}px window"
