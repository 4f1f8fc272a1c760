"""With CSRF protection on (as in production), a form posted without its token changes nothing."""

from __future__ import annotations

import json

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.auth.models import User
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import conftest, factories, helpers
from .helpers import Page, isolated_client

TODAY = helpers.TODAY.isoformat()
EXPIRED = "Phiên làm việc đã hết hạn"


@pytest.fixture
def app(tmp_path, migrated_db):
    app = conftest.make_app(tmp_path, migrated_db, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def token_from(client, path: str) -> str:
    """The hidden token of the page's last form (the header's sign-out and language forms come first)."""
    return Page.of(client.get(path)).find("input", name="csrf_token")[-1].attrs["value"]


def sign_in(client, username: str):
    token = token_from(client, "/login")
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 303


def changes_recorded() -> tuple[int, int, int]:
    return (
        db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)),
        db.session.scalar(db.select(db.func.count()).select_from(DailyReport)),
        db.session.scalar(db.select(db.func.count()).select_from(User)),
    )


FORMS = [
    pytest.param("staff", f"/reports/{TODAY}", factories.form_data(highlights="Không được lưu"), id="report"),
    pytest.param(
        "admin",
        "/admin/users/new",
        {"username": "lan.ngo", "full_name": "Ngô Thị Lan", "role": "staff", "password": "mat-khau-du-dai"},
        id="new user",
    ),
    pytest.param("admin", "/settings", {"deadline": "16:00"}, id="settings"),
    pytest.param(
        "staff",
        "/account",
        {
            "current_password": factories.PASSWORD,
            "new_password": "mat-khau-moi-1",
            "confirm_password": "mat-khau-moi-1",
        },
        id="password",
    ),
]


@pytest.mark.parametrize(("username", "path", "data"), FORMS)
def test_it_refuses_a_form_without_its_token_and_saves_nothing(client, users, username, path, data):
    sign_in(client, username)
    before = changes_recorded()

    response = client.post(path, data=data)

    assert response.status_code == 400
    assert Page.of(response).find("h1")[0].text == EXPIRED
    assert "tải lại trang và gửi lại" in response.text
    assert changes_recorded() == before


@pytest.mark.parametrize(("username", "path", "data"), FORMS)
def test_it_accepts_the_form_with_the_token_from_the_page(client, users, username, path, data):
    sign_in(client, username)
    before = changes_recorded()

    response = client.post(path, data=data | {"csrf_token": token_from(client, path)})

    assert response.status_code == 303
    assert changes_recorded() != before


def test_it_refuses_a_token_from_another_session(app, users):
    mallory, victim = isolated_client(app), isolated_client(app)
    sign_in(mallory, "staff")
    sign_in(victim, "staff")
    foreign = token_from(mallory, f"/reports/{TODAY}")

    response = victim.post(f"/reports/{TODAY}", data=factories.form_data() | {"csrf_token": foreign})

    assert response.status_code == 400
    assert db.session.scalar(db.select(DailyReport)) is None


def test_it_accepts_the_token_htmx_sends_as_a_header(client, users):
    """htmx posts with the X-CSRFToken header that base.html puts on <body>."""
    sign_in(client, "staff")
    page = Page.of(client.get(f"/reports/{TODAY}"))
    header_token = json.loads(page.find("body")[0].attrs["hx-headers"])["X-CSRFToken"]

    response = client.post(f"/reports/{TODAY}", data=factories.form_data(), headers={"X-CSRFToken": header_token})

    assert response.status_code == 303
    assert db.session.scalar(db.select(DailyReport)).status == "complete"


def test_it_does_not_sign_in_without_the_token(client, users):
    response = client.post("/login", data={"username": "staff", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert client.get("/").status_code == 302  # still signed out
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="login")) is None


def test_it_does_not_sign_out_without_the_token(client, users):
    """A page elsewhere must not be able to sign people out (or switch their language)."""
    sign_in(client, "staff")
    assert client.post("/logout").status_code == 400
    assert client.post("/language", data={"locale": "en"}).status_code == 400
    assert client.get("/").status_code == 200
    assert db.session.get(User, users["staff"].id).locale == "vi"


# --- An expired page keeps what was typed ------------------------------------------------------

SAME_SITE = {"Origin": "http://localhost"}


def test_an_expired_token_keeps_the_typed_figures_and_sends_them_again(client, users):
    sign_in(client, "staff")
    typed = factories.form_data(highlights="30 số liệu gõ tay không được mất")

    refused = client.post(f"/reports/{TODAY}", data=typed | {"csrf_token": "expired"}, headers=SAME_SITE)

    assert refused.status_code == 400
    page = Page.of(refused)
    assert page.find("h1")[0].text == EXPIRED
    kept = {i.attrs["name"]: i.attrs["value"] for i in page.find("input") if i.attrs.get("name") in typed}
    assert kept == {k: str(v) for k, v in typed.items()}
    assert db.session.scalar(db.select(DailyReport)) is None
    fresh = [i.attrs["value"] for i in page.find("input", name="csrf_token")][-1]

    resent = client.post(f"/reports/{TODAY}", data=kept | {"csrf_token": fresh}, headers=SAME_SITE)

    assert resent.status_code == 303
    assert db.session.scalar(db.select(DailyReport)).highlights == "30 số liệu gõ tay không được mất"


def test_a_refused_post_from_another_site_is_not_offered_back(client, users):
    sign_in(client, "staff")

    refused = client.post(
        f"/reports/{TODAY}", data=factories.form_data(highlights="giả mạo"), headers={"Origin": "http://evil.example"}
    )

    assert refused.status_code == 400
    assert "giả mạo" not in refused.text
    assert not Page.of(refused).has_id("resubmit")


def test_a_password_is_never_written_back_into_a_page(client, users):
    sign_in(client, "staff")
    data = {"current_password": factories.PASSWORD, "new_password": "mat-khau-moi-1", "confirm_password": "x"}

    refused = client.post("/account", data=data, headers=SAME_SITE)

    assert refused.status_code == 400
    assert factories.PASSWORD not in refused.text and "mat-khau-moi-1" not in refused.text
    assert "tải lại trang và gửi lại" in refused.text
