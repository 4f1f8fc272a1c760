"""Nothing typed is lost: the session ends in another tab while staff type the day's figures; the
live check says so instead of judging them, Save leads to signing in, and signing in leads back
to the form with what was typed. Another user of the same browser never sees it. Real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from wardapp.extensions import db

from .conftest import DESKTOP, log_in

pytestmark = pytest.mark.browser

TYPED = {"received_in_person": "17", "received_online": "12", "resolved_on_time": "9"}
NOTE = "Trung tâm đông vì đợt cấp sổ đỏ"


def _second_staff(live_server) -> None:
    from wardapp.commune.models import Commune

    with live_server.app.app_context():
        factories.make_user(db.session.get(Commune, live_server.commune_id), "staff", "staff2")
        db.session.remove()


def _sign_in_here(page, username: str) -> None:
    """Sign in on the login page the browser is on (it goes back where it was sent from)."""
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button.primary")


def _kept_keys(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('wardapp:kept:'))")


def test_typing_survives_a_sign_out_in_another_tab_and_only_for_its_author(live_server, open_page):
    _second_staff(live_server)
    day = live_server.today.isoformat()
    page, watch = open_page(viewport=DESKTOP)
    log_in(page, "staff")
    page.goto(f"/reports/{day}")
    for name, value in TYPED.items():
        page.fill(f"#f-{name}", value)
    page.fill("#f-highlights", NOTE)
    expect(page.locator("#problem-count")).to_contain_text("chỗ cần sửa")  # 9 settled of 40: not yet

    # Another tab of the same browser signs out (a live check still on its way may meet it).
    watch.provoked(401, f"/reports/{day}/check")
    other = page.context.new_page()
    other.goto("/")
    other.locator("nav.menu").get_by_role("button", name="Đăng xuất").click()
    other.wait_for_url("**/login")
    other.close()

    # The live check can no longer judge the figures: it says the session ended.
    page.fill("#f-resolved_early", "2")
    expect(page.locator("#problem-count")).to_contain_text("Phiên làm việc đã kết thúc")
    expect(page.locator("#session-ended")).to_be_visible()
    expect(page.locator("#mobile-bar")).not_to_contain_text("Số liệu khớp.")

    # Save: the server can only ask to sign in; then signing in leads back with the values.
    page.locator("#save").click()
    page.wait_for_url("**/login**")
    _sign_in_here(page, "staff")
    page.wait_for_url(f"**/reports/{day}")
    for name, value in TYPED.items():
        expect(page.locator(f"#f-{name}")).to_have_value(value)
    expect(page.locator("#f-resolved_early")).to_have_value("2")
    expect(page.locator("#f-highlights")).to_have_value(NOTE)
    expect(page.locator(".kept-notice")).to_contain_text("Đã điền lại những gì bạn đã gõ mà chưa lưu.")
    watch.assert_clean()

    # A colleague signs in on the same browser: the form shows what is saved, not the other's typing.
    page.locator("nav.menu").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")
    log_in(page, "staff2")
    page.goto(f"/reports/{day}")
    expect(page.locator("#f-received_in_person")).not_to_have_value("17")
    expect(page.locator("#f-highlights")).to_have_value("")
    expect(page.locator(".kept-notice")).to_have_count(0)
    expect(page.locator(".kept-elsewhere")).to_have_count(0)
    page.locator("nav.menu").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")

    # Back as its author, saved: the copy kept in the browser is forgotten.
    log_in(page, "staff")
    expect(page.locator(".kept-elsewhere")).to_contain_text("Bạn còn nội dung đã gõ mà chưa lưu:")
    page.locator(".kept-elsewhere a").click()
    page.wait_for_url(f"**/reports/{day}")
    expect(page.locator("#f-highlights")).to_have_value(NOTE)
    assert len(_kept_keys(page)) == 1
    page.locator("#save").click()
    expect(page.locator(".flash-warning[role=status], .flash-success[role=status]").first).to_be_visible()
    expect(page.locator(".kept-notice")).to_have_count(0)
    assert _kept_keys(page) == []
    expect(page.locator("#f-highlights")).to_have_value(NOTE)
    watch.assert_clean()
