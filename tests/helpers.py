"""Helpers the test modules share: the moment tests run at, isolated and signed-in clients, reading
pages."""

from __future__ import annotations

import contextvars
import datetime as dt
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from wardapp.core.clock import TZ

from . import factories

# The server clock every test runs at (Asia/Ho_Chi_Minh), set per test by conftest's
# ``frozen_clock``. ``WARDAPP_TEST_NOW`` runs the suite at another moment, e.g. just before and
# just after the 17:00 deadline or just before midnight (docs/ARCHITECTURE.md, "Tests").
TEST_NOW = dt.datetime.fromisoformat(os.environ.get("WARDAPP_TEST_NOW") or "2026-11-20T10:00:00+07:00").astimezone(TZ)
TODAY = TEST_NOW.date()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The ``app`` fixture keeps an app context open for the whole test; a request made inside it
    reuses that context, so ``g`` (the signed-in user, the commune, the CSRF token) and the
    database session would carry over from one request, and one client, to the next.
    """

    def open(self, *args, **kwargs):
        # A streamed body (the ZIP of days) is read inside the request's own context, as a server
        # reads it in the request's thread, not later from the test's.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def isolated_client(app) -> IsolatedClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


def signed_in(app, username: str, password: str = factories.PASSWORD) -> IsolatedClient:
    """A browser of ``app`` (the commune app or the city intake: both sign in at ``/login``) signed
    in as ``username``; every persona of both apps has the password ``factories.PASSWORD``."""
    client = isolated_client(app)
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303, f"could not sign in as {username}"
    return client


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
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == element_id]
        assert found, f"no element with id={element_id!r} in the page"
        assert len(found) == 1, f"{len(found)} elements share id={element_id!r}"
        return found[0]

    def next_after(self, element: Element, tag: str) -> Element:
        """The first ``tag`` element after ``element`` in the page (inside it, or after it)."""
        start = next(i for i, e in enumerate(self.elements) if e is element)
        return next(e for e in self.elements[start + 1 :] if e.tag == tag)

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
    if response.status_code != 302:  # Flask-Login's redirect of a page that needs a signed-in user
        return None
    location = urlsplit(response.headers["Location"])
    if location.path != "/login":
        return None
    return parse_qs(location.query).get("next", [None])[0]


def post_closing_body(client, url: str, **kwargs):
    """``client.post``, closing the body afterwards: Werkzeug's test client spools a body over
    500 KB to a temporary file and leaves it to the garbage collector, whose ResourceWarning then
    fails whichever later test it happens to land in."""
    response = client.post(url, **kwargs)
    body = response.request.environ.get("wsgi.input")
    if body is not None:
        body.close()
    return response
