"""The server's half of keeping what was typed (the browser keeps the text, static/js/app.js):
it says when a kept form was saved, answers htmx with 401 once the session ended (never the login
page swapped into the form), and a form posted after signing out leads to signing in and back."""

from __future__ import annotations

import pytest

from wardapp.extensions import db

from . import conftest, factories, helpers
from .helpers import Page, isolated_client
from .test_csrf import sign_in, token_from

TODAY = helpers.TODAY.isoformat()
FORM = f"/reports/{TODAY}"


@pytest.fixture
def app(tmp_path, migrated_db):
    app = conftest.make_app(tmp_path, migrated_db, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def kept_saved(page: Page) -> str:
    return page.by_id("content").attrs.get("data-kept-saved", "")


def test_a_saved_kept_form_is_named_once_on_the_next_page(app, users):
    client = isolated_client(app)
    sign_in(client, "staff")
    token = token_from(client, FORM)

    saved = client.post(FORM, data=factories.form_data() | {"csrf_token": token, "_kept": f"{FORM}|figures"})
    first = Page.of(client.get(saved.headers["Location"]))
    second = Page.of(client.get(FORM))

    assert saved.status_code == 303
    assert kept_saved(first) == f"{FORM}|figures"
    assert kept_saved(second) == ""
    assert first.by_id("content").attrs["data-user"] == str(users["staff"].id)


def test_a_refused_kept_form_is_not_named(app, users):
    client = isolated_client(app)
    sign_in(client, "staff")
    token = token_from(client, FORM)

    refused = client.post(
        FORM, data=factories.form_data(received_online="x") | {"csrf_token": token, "_kept": f"{FORM}|figures"}
    )

    assert refused.status_code == 422
    assert kept_saved(Page.of(client.get(FORM))) == ""


def test_the_live_check_after_signing_out_is_a_401_not_the_login_page(app, users):
    client = isolated_client(app)
    sign_in(client, "staff")
    client.post("/logout", data={"csrf_token": token_from(client, FORM)})

    answer = client.get(f"/reports/{TODAY}/check?received_online=3", headers={"HX-Request": "true"})

    assert answer.status_code == 401
    assert "Phiên làm việc đã kết thúc." in answer.get_data(as_text=True)
    assert "password" not in answer.get_data(as_text=True)


def test_a_form_posted_with_a_lost_session_leads_to_signing_in_and_back(app, users):
    """A new browser session (the cookie gone): the token cannot be checked, nobody is signed in."""
    client = isolated_client(app)
    sign_in(client, "staff")
    token = token_from(client, FORM)
    client.delete_cookie("session")

    refused = client.post(FORM, data=factories.form_data() | {"csrf_token": token, "_kept": f"{FORM}|figures"})

    page = Page.of(refused)
    assert refused.status_code == 400
    assert page.text("signed-out").startswith("Phiên làm việc đã kết thúc")
    (link,) = [a for a in page.find("a") if a.text == "Đăng nhập lại"]
    assert link.attrs["href"] == f"/login?next=/reports/{TODAY}"
