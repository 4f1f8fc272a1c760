"""Who may open and who may change every page, persona by persona, and the first-run set-up.

The table below lists every (route, method) of the app; ``test_it_has_a_rule_for_every_route``
fails when a route is added without saying who may use it.

This module also holds the small helpers the other test modules share (``IsolatedClient``,
``Page``), since ``conftest.py`` is kept as it is.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import functools
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from wardapp import clock
from wardapp.audit.models import AuditEvent
from wardapp.auth.models import User
from wardapp.commune.models import Commune
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories


# --- Helpers shared by the test modules -------------------------------------------------------


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The ``app`` fixture keeps an app context open for the whole test; a request made inside it
    reuses that context, so ``g`` (the signed-in user, the commune, the CSRF token) and the
    database session would carry over from one request, and one client, to the next.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def isolated_client(app) -> IsolatedClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


def use_quick_password_hashing(monkeypatch) -> None:
    """One PBKDF2 round instead of scrypt's 0.1 s a hash: no test here is about the hash's strength,
    and every test creates four users and signs one in."""
    quick = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr("wardapp.auth.models.generate_password_hash", quick)


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parts: list[str] = field(default_factory=list)

    @property
    def raw_text(self) -> str:
        return "".join(self.parts)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed: what a person reads."""
        return " ".join(self.raw_text.split())

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


class Page(HTMLParser):
    """Just enough of an HTML page to read it the way a person (or htmx) would."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    @classmethod
    def of(cls, response) -> Page:
        return cls(response.get_data(as_text=True))

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [
            e for e in self.elements
            if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == element_id]
        assert found, f"no element with id={element_id!r} in the page"
        assert len(found) == 1, f"{len(found)} elements share id={element_id!r}"
        return found[0]

    def has_id(self, element_id: str) -> bool:
        return any(e.attrs.get("id") == element_id for e in self.elements)

    def text(self, element_id: str) -> str:
        return self.by_id(element_id).text

    def field(self, name: str) -> Element:
        found = [e for e in self.elements if e.tag in ("input", "textarea", "select") and e.attrs.get("name") == name]
        assert len(found) == 1, f"{len(found)} form fields named {name!r}"
        return found[0]

    def value(self, name: str) -> str:
        """What the field named ``name`` shows: an input's value, a textarea's text."""
        element = self.field(name)
        if element.tag == "textarea":
            return element.raw_text
        if element.tag == "select":
            index = self.elements.index(element)
            options = [e for e in self.elements[index:] if e.tag == "option"]
            chosen = [o for o in options if "selected" in o.attrs]
            return (chosen or options)[0].attrs.get("value") or ""
        return element.attrs.get("value") or ""

    @property
    def lang(self) -> str | None:
        return self.find("html")[0].attrs.get("lang")

    @property
    def flashes(self) -> list[str]:
        return [e.text for e in self.find("p", cls="flash")]


def login_redirect_target(response) -> str | None:
    """The ``next`` page of a redirect to the sign-in page, or None when it is not one."""
    if response.status_code not in (302, 303):
        return None
    location = urlsplit(response.headers["Location"])
    if location.path != "/login":
        return None
    return parse_qs(location.query).get("next", [None])[0]


# --- Personas and the access table ------------------------------------------------------------

ROLES = ("staff", "leader", "reviewer", "admin")
ANONYMOUS = "anonymous"
PERSONAS = (*ROLES, ANONYMOUS)
EDITORS = ("staff", "leader")
ADMIN = ("admin",)

# What a persona gets back.
OK = 200
DONE = 303  # a change accepted: redirect after POST
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
LOGIN = "sent to the sign-in page"
HOME = "sent to the dashboard"  # signed-in people opening the sign-in page


def only(roles: tuple[str, ...], outcome, *, anonymous=LOGIN) -> dict[str, object]:
    """``roles`` get ``outcome``, other signed-in people 403, anonymous visitors ``anonymous``."""
    return {role: outcome if role in roles else FORBIDDEN for role in ROLES} | {ANONYMOUS: anonymous}


def everyone(outcome) -> dict[str, object]:
    return dict.fromkeys(PERSONAS, outcome)


def signed_in(outcome, *, anonymous) -> dict[str, object]:
    return dict.fromkeys(ROLES, outcome) | {ANONYMOUS: anonymous}


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    path: str  # formatted with today, yesterday and staff_id
    expect: dict[str, object]
    data: str | None = None  # a key of POST_DATA
    changes_data: bool = False  # an accepted POST must leave a trace in the database


TODAY = "{today}"
CASES = (
    # Pages everyone signed in reads.
    Case("dashboard.index", "GET", "/", only(ROLES, OK)),
    Case("dashboard.index", "POST", "/", everyone(NOT_ALLOWED)),
    Case("reports.index", "GET", "/reports/", only(ROLES, OK)),
    Case("reports.index", "POST", "/reports/", everyone(NOT_ALLOWED)),
    Case("reports.edit", "GET", f"/reports/{TODAY}", only(ROLES, OK)),
    Case("reports.check", "GET", f"/reports/{TODAY}/check", only(ROLES, OK)),
    Case("reports.check", "POST", f"/reports/{TODAY}/check", everyone(NOT_ALLOWED)),
    Case("auth.account", "GET", "/account", only(ROLES, OK)),
    Case("auth.account", "POST", "/account", only(ROLES, DONE), "password", changes_data=True),
    # Changing the day's figures: staff and leaders only; reviewers read but cannot save.
    Case("reports.edit", "POST", f"/reports/{TODAY}", only(EDITORS, DONE), "report", changes_data=True),
    Case("reports.new", "GET", "/reports/new", only(EDITORS, OK)),
    Case("reports.new", "POST", "/reports/new", only(EDITORS, DONE), "other_day"),
    # The admin's pages.
    Case("admin.users", "GET", "/admin/users", only(ADMIN, OK)),
    Case("admin.users", "POST", "/admin/users", everyone(NOT_ALLOWED)),
    Case("admin.new_user", "GET", "/admin/users/new", only(ADMIN, OK)),
    Case("admin.new_user", "POST", "/admin/users/new", only(ADMIN, DONE), "new_user", changes_data=True),
    Case("admin.edit_user", "GET", "/admin/users/{staff_id}", only(ADMIN, OK)),
    Case("admin.edit_user", "POST", "/admin/users/{staff_id}", only(ADMIN, DONE), "edit_user", changes_data=True),
    Case("commune.settings", "GET", "/settings", only(ADMIN, OK)),
    Case("commune.settings", "POST", "/settings", only(ADMIN, DONE), "settings", changes_data=True),
    Case("audit.index", "GET", "/admin/audit/", only(ADMIN, OK)),
    Case("audit.index", "POST", "/admin/audit/", everyone(NOT_ALLOWED)),
    # Signing in and out, and the language, work for everyone.
    Case("auth.login", "GET", "/login", signed_in(HOME, anonymous=OK)),
    Case("auth.login", "POST", "/login", signed_in(HOME, anonymous=DONE), "credentials"),
    Case("auth.logout", "GET", "/logout", everyone(NOT_ALLOWED)),
    Case("auth.logout", "POST", "/logout", everyone(DONE)),
    Case("auth.language", "GET", "/language", everyone(NOT_ALLOWED)),
    Case("auth.language", "POST", "/language", everyone(DONE), "language"),
    # The first-run set-up is gone once the commune exists.
    Case("commune.setup", "GET", "/setup", everyone(NOT_FOUND)),
    Case("commune.setup", "POST", "/setup", everyone(NOT_FOUND), "setup"),
    Case("commune.search", "GET", "/setup/communes?q=hai+chau", everyone(NOT_FOUND)),
    Case("commune.search", "POST", "/setup/communes", everyone(NOT_ALLOWED)),
    # Public.
    Case("healthz", "GET", "/healthz", everyone(OK)),
    Case("healthz", "POST", "/healthz", everyone(NOT_ALLOWED)),
    Case("static", "GET", "/static/css/app.css", everyone(OK)),
    Case("static", "POST", "/static/css/app.css", everyone(NOT_ALLOWED)),
)

POST_DATA = {
    "password": lambda: {"current_password": factories.PASSWORD, "new_password": "a-new-password-7",
                         "confirm_password": "a-new-password-7"},
    "report": lambda: factories.form_data(highlights="Người dân đến đông vào buổi sáng."),
    "other_day": lambda: {"date": (clock.today() - dt.timedelta(days=1)).isoformat()},
    "new_user": lambda: {"username": "lan.ngo", "full_name": "Ngô Thị Lan", "position": "Văn thư",
                         "role": "staff", "password": "mat-khau-du-dai"},
    "edit_user": lambda: {"full_name": "Người dùng staff", "position": "Tổ trưởng Tổ một cửa",
                          "role": "staff", "active": "1", "password": ""},
    "settings": lambda: {"deadline": "16:30"},
    "credentials": lambda: {"username": "staff", "password": factories.PASSWORD},
    "language": lambda: {"locale": "vi", "next": "/"},
    "setup": lambda: {"code": "20242", "deadline": "17:00", "username": "newadmin", "full_name": "Quản Trị",
                      "password": "mat-khau-du-dai"},
}


def case_id(case: Case) -> str:
    return f"{case.method} {case.endpoint}"


def persona_cases():
    for case in CASES:
        for persona in PERSONAS:
            yield pytest.param(case, persona, id=f"{case_id(case)} as {persona}")


def url_of(case: Case, users) -> str:
    today = clock.today()
    return case.path.format(today=today.isoformat(), yesterday=(today - dt.timedelta(days=1)).isoformat(),
                            staff_id=users["staff"].id if users else 1)


def request(client, case: Case, url: str):
    data = POST_DATA[case.data]() if case.data else {}
    response = client.open(url, method=case.method, data=data if case.method == "POST" else None)
    response.close()  # static files are streamed from disk
    return response


def database_state() -> tuple:
    """Everything a refused request must leave untouched."""
    db.session.expire_all()
    return (
        db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)),
        db.session.execute(db.select(DailyReport.date, DailyReport.version).order_by(DailyReport.date)).all(),
        [(u.username, u.password_hash, u.snapshot()) for u in db.session.scalars(db.select(User).order_by(User.id))],
        [c.settings_snapshot() for c in db.session.scalars(db.select(Commune))],
    )


def assert_outcome(response, expected, url: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert login_redirect_target(response) == url
    elif expected == HOME:
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
    else:
        assert response.status_code == expected, (response.status_code, response.headers.get("Location"))
        if expected == FORBIDDEN:
            assert "Không có quyền" in response.text
        elif expected == NOT_FOUND:
            assert "Không tìm thấy" in response.text


@pytest.fixture
def client(app):
    return isolated_client(app)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    use_quick_password_hashing(monkeypatch)


# --- The tests ---------------------------------------------------------------------------------


def test_it_has_a_rule_for_every_route(app):
    """A new route fails here until the table says who may GET and POST it."""
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in ("GET", "POST")}
    table = {(case.endpoint, case.method) for case in CASES}
    assert routes - table == set(), "routes missing from the access table"
    assert table - routes == set(), "the access table lists routes the app no longer has"
    assert len(table) == len(CASES), "a route is listed twice"


@pytest.mark.parametrize(("case", "persona"), list(persona_cases()))
def test_it_lets_in_only_the_right_personas(client, auth, users, case, persona):
    if persona != ANONYMOUS:
        auth.login(persona)
    url = url_of(case, users)
    before = database_state()

    response = request(client, case, url)

    expected = case.expect[persona]
    assert_outcome(response, expected, url)
    if expected != DONE and case.method == "POST":
        assert database_state() == before, "a refused request changed something"
    if expected == DONE and case.changes_data:
        assert database_state() != before, "an accepted change was not saved"


@pytest.mark.parametrize("case", [c for c in CASES if c.expect[ANONYMOUS] == LOGIN], ids=case_id)
def test_it_brings_anonymous_visitors_back_after_signing_in(client, auth, users, case):
    url = url_of(case, users)
    response = request(client, case, url)
    target = login_redirect_target(response)
    assert target == url

    allowed = next(role for role in ROLES if case.expect[role] in (OK, DONE))
    signed_in = client.post("/login", query_string={"next": target},
                            data={"username": allowed, "password": factories.PASSWORD})

    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == url


def test_it_shows_reviewers_the_report_without_a_way_to_change_it(client, auth, users, commune):
    day = clock.today() - dt.timedelta(days=2)
    factories.make_report(commune, day, users["staff"], received_online=12)
    auth.login("reviewer")

    page = Page.of(client.get(f"/reports/{day.isoformat()}"))
    refused = client.post(f"/reports/{day.isoformat()}", data=factories.form_data(version=1, received_online=99))

    assert page.value("received_online") == "12"
    assert "disabled" in page.field("received_online").attrs
    assert not page.has_id("save")
    assert refused.status_code == 403
    db.session.expire_all()
    report = db.session.scalar(db.select(DailyReport).filter_by(date=day))
    assert (report.received_online, report.version) == (12, 1)


def test_it_tells_reviewers_when_a_day_has_no_report(client, auth, users):
    auth.login("reviewer")
    page = Page.of(client.get(f"/reports/{clock.today().isoformat()}"))
    assert "Ngày này chưa có báo cáo." in page.html
    assert not page.find("form", id="report-form")


@pytest.mark.parametrize(("persona", "sees_admin_menu"), [("staff", False), ("reviewer", False), ("admin", True)])
def test_it_shows_the_admin_menu_to_admins_only(client, auth, users, persona, sees_admin_menu):
    auth.login(persona)
    links = {a.attrs.get("href") for a in Page.of(client.get("/")).find("a")}
    assert ({"/admin/users", "/settings", "/admin/audit/"} <= links) is sees_admin_menu


@pytest.mark.parametrize("path", ["/", "/login", "/reports/", "/admin/users"])
def test_it_sends_security_headers_with_every_page(client, auth, users, path):
    auth.login("admin")
    response = client.get(path)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- Before the commune is set up ---------------------------------------------------------------

BEFORE_SETUP = {  # everything else sends the visitor to /setup
    ("commune.setup", "GET"): OK,
    ("commune.search", "GET"): OK,
    ("healthz", "GET"): OK,
    ("static", "GET"): OK,
    ("auth.language", "POST"): DONE,
    ("commune.setup", "POST"): DONE,  # what it does is tested below
}


@pytest.mark.parametrize("case", [c for c in CASES if c.expect[ANONYMOUS] != NOT_ALLOWED], ids=case_id)
def test_it_sends_everyone_to_setup_before_the_commune_exists(client, app, case):
    url = url_of(case, None)
    response = request(client, case, url)

    expected = BEFORE_SETUP.get((case.endpoint, case.method))
    if expected is None:
        assert response.status_code == 302
        assert response.headers["Location"] == "/setup"
        assert db.session.scalar(db.select(Commune)) is None
    else:
        assert response.status_code == expected


def test_it_sets_up_the_commune_and_its_first_admin_then_closes_setup(client, app):
    found = client.get("/setup/communes", query_string={"q": "hai chau"})
    response = client.post("/setup", data=POST_DATA["setup"]())

    assert "20242" in found.text
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"
    assert client.get("/admin/users").status_code == 200  # signed in as the new admin
    commune = db.session.scalar(db.select(Commune))
    assert (commune.code, commune.name) == ("20242", "Phường Hải Châu")
    assert client.get("/setup").status_code == 404
    assert isolated_client(app).get("/setup").status_code == 404


def test_it_keeps_what_was_typed_when_setup_is_incomplete(client, app):
    data = POST_DATA["setup"]() | {"code": "", "full_name": "Trần Thị Bích"}
    response = client.post("/setup", data=data)

    page = Page.of(response)
    assert response.status_code == 422
    assert "Chọn xã/phường" in page.text("err-code")
    assert page.value("full_name") == "Trần Thị Bích"
    assert client.get("/").headers["Location"] == "/setup"

