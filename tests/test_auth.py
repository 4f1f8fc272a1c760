"""Signing in and out: wrong passwords, lock-out, deactivated accounts, redirects, language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from wardapp import ROOT
from wardapp.audit.models import AuditEvent
from wardapp.auth.models import User
from wardapp.core import clock
from wardapp.extensions import babel, db

from . import conftest, factories
from .helpers import (
    Page,
    isolated_client,
    login_redirect_target,
)

PO_FILE = ROOT / "wardapp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def sign_in(client, username: str = "staff", password: str = factories.PASSWORD, next: str | None = None):
    return client.post(
        "/login", query_string={"next": next} if next else None, data={"username": username, "password": password}
    )


def login_error(response) -> str:
    return Page.of(response).text("login-error")


def user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(db.select(User).filter_by(username=username))


def actions() -> list[tuple[str, str | None]]:
    return db.session.execute(db.select(AuditEvent.action, AuditEvent.actor_username).order_by(AuditEvent.id)).all()


# --- Wrong passwords and lock-out --------------------------------------------------------------


REFUSED = (
    "Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa. "
    "Nếu cần, hãy nhờ quản trị hệ thống của xã/phường mở khóa."
)
OFFICE, HOME, ATTACKER = "203.0.113.10", "198.51.100.7", "192.0.2.66"


def sign_in_from(client, address: str, username: str = "staff", password: str = factories.PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_it_refuses_a_wrong_password_and_keeps_the_username(client, users):
    response = sign_in(client, password="wrong-password")

    assert response.status_code == 401
    assert login_error(response) == REFUSED
    assert Page.of(response).value("username") == "staff"
    assert client.get("/").status_code == 302


def test_it_locks_the_account_after_too_many_wrong_passwords(client, users, app):
    assert app.config["LOGIN_MAX_ATTEMPTS"] == 5
    for _ in range(5):
        sign_in_from(client, ATTACKER, password="wrong-password")

    right = sign_in_from(client, HOME)

    assert right.status_code == 401
    assert login_error(right) == REFUSED
    assert client.get("/").status_code == 302
    assert [a for a, _ in actions()][-2:] == ["login.failed", "login.refused_locked"]


def test_it_unlocks_the_account_when_the_lock_expires(client, users, frozen_clock):
    for _ in range(5):
        sign_in(client, password="wrong-password")

    frozen_clock.shift(dt.timedelta(minutes=14))
    assert sign_in(client).status_code == 401
    frozen_clock.shift(dt.timedelta(minutes=16))
    response = sign_in(client)

    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_it_starts_counting_again_after_a_successful_sign_in(client, users):
    for _ in range(4):
        sign_in(client, password="wrong-password")
    assert sign_in(client).status_code == 303
    client.post("/logout")

    for _ in range(4):
        sign_in(client, password="wrong-password")

    assert sign_in(client).status_code == 303


def test_it_keeps_other_accounts_open_while_one_is_locked(client, users):
    for _ in range(5):
        sign_in(client, password="wrong-password")
    assert sign_in(client, "leader").status_code == 303


# --- Attack 2: the answer and its cost tell nobody which usernames exist ------------------------


class HashCounter:
    """Counts password hash checks (the costly part of a sign-in)."""

    def __init__(self, monkeypatch):
        from wardapp.platform import signin

        self.count = 0
        real = signin.check_password_hash

        def counted(pwhash, password):
            self.count += 1
            return real(pwhash, password)

        monkeypatch.setattr(signin, "check_password_hash", counted)


def test_every_refusal_reads_and_costs_the_same(client, users, monkeypatch):
    """Unknown, wrong password, deactivated (right password) and locked (right password): one
    hash check each and the same page, so neither text nor timing tells them apart."""
    users["reviewer"].active = False
    db.session.commit()
    for _ in range(5):
        sign_in_from(client, ATTACKER, "leader", "wrong-password")
    hashes = HashCounter(monkeypatch)
    answers = []
    for username, password in [
        ("khong-ton-tai", factories.PASSWORD),
        ("staff", "wrong-password"),
        ("reviewer", factories.PASSWORD),
        ("leader", factories.PASSWORD),
    ]:
        before = hashes.count
        response = sign_in_from(client, HOME, username, password)
        answers.append((response.status_code, login_error(response), hashes.count - before))

    assert answers == [(401, REFUSED, 1)] * 4


# --- Attack 3: limits per address and per account, shared, the owner still gets in --------------


def test_it_throttles_an_address_that_tries_many_accounts(client, users, app):
    limit = app.config["LOGIN_MAX_PER_ADDRESS"]
    for i in range(limit):
        sign_in_from(client, ATTACKER, f"guess-{i}", "wrong-password")

    right = sign_in_from(client, ATTACKER, "admin")

    assert right.status_code == 429
    assert "Quá nhiều lần đăng nhập sai từ địa chỉ này" in login_error(right)
    assert sign_in_from(client, OFFICE, "admin").status_code == 303


def test_the_owner_still_gets_in_from_the_usual_place_while_attacked(client, users):
    assert sign_in_from(client, OFFICE, "leader").status_code == 303
    client.post("/logout")
    for _ in range(8):
        sign_in_from(client, ATTACKER, "leader", "wrong-password")

    assert sign_in_from(client, ATTACKER, "leader").status_code == 401
    assert sign_in_from(client, HOME, "leader").status_code == 401
    assert sign_in_from(client, OFFICE, "leader").status_code == 303


def test_the_admin_sees_the_lock_and_its_source_and_unlocks_it(app, users):
    attacker, admin = isolated_client(app), isolated_client(app)
    for _ in range(5):
        sign_in_from(attacker, ATTACKER, "staff", "wrong-password")
    sign_in(admin, "admin")

    page = admin.get("/admin/users")
    assert ATTACKER in Page.of(page).text("lock-staff")
    assert "5 lần sai" in Page.of(page).text("lock-staff")

    admin.post(f"/admin/users/{users['staff'].id}/unlock")

    assert "lock-staff" not in admin.get("/admin/users").get_data(as_text=True)
    assert sign_in_from(isolated_client(app), HOME, "staff").status_code == 303
    assert ("user.unlocked", "admin") in actions()


def test_a_stored_limit_holds_across_workers(users, app):
    """Two app objects on the same database (two gunicorn workers): failures on one count on the other."""
    worker_b = isolated_client(_second_worker(app))
    for _ in range(5):
        sign_in_from(isolated_client(app), ATTACKER, "staff", "wrong-password")

    assert sign_in_from(worker_b, HOME, "staff").status_code == 401


def _second_worker(app):
    from wardapp.app import create_app

    return create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret",
        }
    )


# --- Deactivated accounts ----------------------------------------------------------------------


def test_it_refuses_a_deactivated_account_like_any_other_refusal(client, users):
    users["staff"].active = False
    db.session.commit()

    response = sign_in(client)

    assert response.status_code == 401
    assert login_error(response) == REFUSED
    assert client.get("/").status_code == 302


def test_it_signs_out_someone_whose_account_is_deactivated(app, users):
    staff, admin = isolated_client(app), isolated_client(app)
    sign_in(staff)
    sign_in(admin, "admin")
    assert staff.get("/").status_code == 200

    admin.post(
        f"/admin/users/{users['staff'].id}",
        data={"full_name": "Người dùng staff", "position": "Chuyên viên", "role": "staff", "password": ""},
    )

    assert user("staff").active is False
    response = staff.get("/reports/")
    assert login_redirect_target(response) == "/reports/"
    assert staff.post(f"/reports/{clock.today().isoformat()}", data=factories.form_data()).status_code == 302


# --- Where signing in leads --------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "https://evil.example/login",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    ],
)
def test_it_never_sends_people_to_another_site_after_signing_in(client, users, target):
    response = sign_in(client, next=target)
    assert response.status_code == 303
    landing = urlsplit(urljoin("http://localhost/login", response.headers["Location"]))
    assert (landing.scheme, landing.netloc) == ("http", "localhost")


def test_it_never_sends_people_to_another_site_after_switching_language(client, users):
    response = client.post("/language", data={"locale": "vi", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_it_returns_to_the_page_asked_for(client, users):
    response = sign_in(client, next="/reports/?month=2025-01")
    assert response.headers["Location"] == "/reports/?month=2025-01"


def test_it_sends_signed_in_people_from_the_sign_in_page_to_the_dashboard(client, users):
    sign_in(client)
    assert client.get("/login").headers["Location"] == "/"


# --- Signing out -------------------------------------------------------------------------------


def test_it_signs_out_only_by_post(client, users):
    sign_in(client)

    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/logout")

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert actions()[-1] == ("logout", "staff")


# --- Own password ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"current_password": "wrong-one", "new_password": "mat-khau-moi-1", "confirm_password": "mat-khau-moi-1"},
            "current_password",
            "Mật khẩu hiện tại không đúng.",
        ),
        (
            {"current_password": factories.PASSWORD, "new_password": "ngan", "confirm_password": "ngan"},
            "new_password",
            "Mật khẩu cần ít nhất 8 ký tự.",
        ),
        (
            {
                "current_password": factories.PASSWORD,
                "new_password": "mat-khau-moi-1",
                "confirm_password": "mat-khau-moi-2",
            },
            "confirm_password",
            "Hai lần nhập mật khẩu mới không giống nhau.",
        ),
    ],
)
def test_it_explains_why_the_password_was_not_changed(client, users, form, field, message):
    sign_in(client)
    response = client.post("/account", data=form)
    assert response.status_code == 422
    assert Page.of(response).text(f"err-{field}") == message
    assert user("staff").check_password(factories.PASSWORD)


def test_it_changes_the_own_password(client, users, app):
    sign_in(client)
    response = client.post(
        "/account",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "mat-khau-moi-1",
            "confirm_password": "mat-khau-moi-1",
        },
    )
    assert response.status_code == 303
    assert sign_in(isolated_client(app), password=factories.PASSWORD).status_code == 401
    assert sign_in(isolated_client(app), password="mat-khau-moi-1").status_code == 303
    assert ("user.password_changed", "staff") in actions()


# --- Language ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def english_catalog(tmp_path_factory) -> tuple[Path, object]:
    """The English catalog as it is being written, compiled into a scratch folder.

    Compiled here rather than into ``wardapp/translations`` so the tests never overwrite the
    translator's own build; fuzzy entries are left out, as ``make translations`` does.
    """
    assert PO_FILE.exists(), "English must be available: wardapp/translations/en/LC_MESSAGES/messages.po"
    folder = tmp_path_factory.mktemp("translations")
    with PO_FILE.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    (folder / "en" / "LC_MESSAGES").mkdir(parents=True)
    with (folder / "en" / "LC_MESSAGES" / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    return folder, catalog


@pytest.fixture
def english_app(tmp_path, migrated_db, english_catalog):
    app = conftest.make_app(tmp_path, migrated_db, BABEL_TRANSLATION_DIRECTORIES=str(english_catalog[0]))
    with app.app_context():
        # Flask-Babel caches loaded catalogs process-wide: forget any loaded from elsewhere.
        babel.domain_instance.cache.clear()
        yield app
        babel.domain_instance.cache.clear()
        db.session.remove()
        db.engine.dispose()


def english(catalog, vietnamese: str) -> str:
    message = catalog.get(vietnamese)
    assert message is not None and message.string, f"{vietnamese!r} has no English translation"
    return message.string


def test_it_switches_to_english_and_remembers_it_on_the_account(client, users, app):
    sign_in(client)
    assert Page.of(client.get("/")).lang == "vi"

    response = client.post("/language", data={"locale": "en", "next": "/reports/"})

    assert response.headers["Location"] == "/reports/"
    assert Page.of(client.get("/reports/")).lang == "en"
    assert user("staff").locale == "en"
    elsewhere = isolated_client(app)
    sign_in(elsewhere)
    assert Page.of(elsewhere.get("/")).lang == "en"


def test_it_switches_back_to_vietnamese(client, users):
    users["staff"].locale = "en"
    db.session.commit()
    sign_in(client)

    client.post("/language", data={"locale": "vi"})

    assert Page.of(client.get("/")).lang == "vi"
    assert user("staff").locale == "vi"


def test_it_keeps_the_language_chosen_before_signing_in_for_the_visit(client, users):
    client.post("/language", data={"locale": "en"})
    assert Page.of(client.get("/login")).lang == "en"
    assert user("staff").locale == "vi"


@pytest.mark.parametrize("choice", ["fr", "", "../../etc"])
def test_it_falls_back_to_vietnamese_for_an_unknown_language(client, users, choice):
    sign_in(client)
    client.post("/language", data={"locale": choice})
    assert Page.of(client.get("/")).lang == "vi"
    assert user("staff").locale == "vi"


def test_it_ignores_the_browser_language(client, users):
    sign_in(client)
    page = Page.of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert page.lang == "vi"
    assert "Tổng quan" in page.html


def test_it_shows_english_text_after_switching(english_app, users, english_catalog):
    catalog = english_catalog[1]
    client = isolated_client(english_app)
    sign_in(client)
    client.post("/language", data={"locale": "en"})

    page = Page.of(client.get("/"))

    assert page.lang == "en"
    assert english(catalog, "Tổng quan") in [a.text for a in page.find("a")]
    assert english(catalog, "Đăng xuất") in [b.text for b in page.find("button")]


def test_it_shows_english_messages_on_the_sign_in_page(english_app, users, english_catalog):
    client = isolated_client(english_app)
    client.post("/language", data={"locale": "en"})

    response = sign_in(client, username="khong-ton-tai")

    assert login_error(response) == english(english_catalog[1], REFUSED)


# --- Attack 4: sessions end on the server -------------------------------------------------------


def copy_of_cookies(source, app):
    """A second browser holding a copy of ``source``'s cookies (a captured session)."""
    thief = isolated_client(app)
    for cookie in source._cookies.values():
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def test_a_cookie_captured_before_logout_does_not_work_after_it(app, users):
    browser = isolated_client(app)
    sign_in(browser)
    thief = copy_of_cookies(browser, app)
    assert thief.get("/").status_code == 200

    browser.post("/logout")

    assert thief.get("/").status_code == 302
    assert thief.post(f"/reports/{clock.today().isoformat()}", data=factories.form_data()).status_code == 302


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, users):
    laptop, phone = isolated_client(app), isolated_client(app)
    sign_in(laptop)
    sign_in(phone)

    changed = laptop.post(
        "/account",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "mat-khau-moi-1",
            "confirm_password": "mat-khau-moi-1",
        },
    )

    assert changed.status_code == 303
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302


def test_sign_out_everywhere_ends_every_session(app, users):
    laptop, phone = isolated_client(app), isolated_client(app)
    sign_in(laptop)
    sign_in(phone)

    laptop.post("/account/sign-out-everywhere")

    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert ("user.sessions_ended", "staff") in actions()
    assert sign_in(phone).status_code == 303  # signing in again works


def test_an_admin_password_reset_ends_the_users_sessions(app, users):
    staff, admin = isolated_client(app), isolated_client(app)
    sign_in(staff)
    sign_in(admin, "admin")

    admin.post(
        f"/admin/users/{users['staff'].id}",
        data={
            "full_name": "Người dùng staff",
            "position": "Chuyên viên",
            "role": "staff",
            "active": "1",
            "password": "dat-lai-mat-khau",
        },
    )

    assert staff.get("/").status_code == 302
