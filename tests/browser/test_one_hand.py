"""Working in one hand on a phone: errors come into sight, the menu folds, a token copies in one
tap, destructive actions ask first; real Chromium at 360×640 with touch."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from wardapp.extensions import db

from .conftest import log_in

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 640}


def _phone(open_page):
    return open_page(viewport=SMALL_PHONE, is_mobile=True, has_touch=True)


def _task_behind(live_server) -> None:
    from wardapp.tasks.models import Task, TaskProgress

    with live_server.app.app_context():
        day = live_server.today
        task = Task(
            commune_id=live_server.commune_id,
            code="KH02-07",
            title="Số hóa hồ sơ",
            start_date=day - dt.timedelta(days=30),
            deadline=day + dt.timedelta(days=10),
            responsible="Văn phòng",
        )
        db.session.add(task)
        db.session.flush()
        db.session.add(TaskProgress(task=task, date=day - dt.timedelta(days=1), percent=5, note="", by_id=2))
        db.session.commit()
        db.session.remove()


def test_a_failed_explanation_brings_its_errors_into_sight(live_server, open_page):
    _task_behind(live_server)
    page, watch = _phone(open_page)
    log_in(page, "leader")
    page.goto(f"/reports/{live_server.today.isoformat()}/explain")
    form = page.locator('section[data-item^="task:"] form.explain-form')
    form.locator('[name="responsible"]').fill("Phó Chủ tịch")
    watch.provoked(422, f"/reports/{live_server.today.isoformat()}/explain")
    form.get_by_role("button", name="Lưu giải trình").click()

    # A summary at the top lists each problem; the first field with one has the focus, in view.
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Chưa lưu được. Hãy sửa những chỗ sau:")
    expect(summary.locator("li").first).to_contain_text("Nguyên nhân:")
    cause = page.locator('section[data-item^="task:"] [name="cause"]')
    expect(cause).to_be_focused()
    expect(cause).to_be_in_viewport()
    expect(page.locator('section[data-item^="task:"] [name="responsible"]')).to_have_value("Phó Chủ tịch")
    watch.assert_clean()


def test_the_menu_folds_and_opens_with_one_tap(live_server, open_page):
    page, watch = _phone(open_page)
    log_in(page, "staff")
    reports = page.locator("nav.menu").get_by_role("link", name="Báo cáo", exact=True)
    expect(reports).to_be_hidden()
    summary = page.locator(".menu-fold > summary")
    box = summary.bounding_box()
    assert box["height"] >= 44, box
    summary.tap()
    expect(reports).to_be_visible()
    assert reports.bounding_box()["height"] >= 44
    reports.tap()
    page.wait_for_url("**/reports/")
    watch.assert_clean()


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_content(live_server, open_page):
    page, watch = open_page(viewport={"width": 1280, "height": 900})
    log_in(page, "staff")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    # On a wide screen the menu is open without a tap.
    expect(page.locator("nav.menu").get_by_role("link", name="Báo cáo", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/#content")
    watch.assert_clean()


def test_a_new_token_copies_in_one_tap_and_revoking_asks_first(live_server, open_page):
    from tests import factories
    from wardapp.commune.models import Commune

    with live_server.app.app_context():
        factories.make_user(db.session.get(Commune, live_server.commune_id), "reviewer")
        db.session.remove()
    page, watch = _phone(open_page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, "reviewer")
    page.goto("/account/tokens")
    page.fill("#f-name", "Máy chủ Sở")
    page.get_by_role("button", name="Tạo mã").tap()
    value = page.locator("#new-token-value")
    expect(value).to_have_attribute("readonly", "")
    token = value.input_value()
    assert len(token) > 20
    copy = page.get_by_role("button", name="Chép mã")
    copy.tap()
    expect(page.locator("#new-token button")).to_have_text("Đã chép")
    assert page.evaluate("navigator.clipboard.readText()") == token
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Revoking asks; saying no keeps the token.
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Thu hồi").tap()
    expect(page.get_by_role("button", name="Thu hồi")).to_be_visible()
    assert questions == ["Thu hồi mã truy cập này? Máy đang dùng mã sẽ không tải được nữa."]
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Thu hồi").tap()
    expect(page.locator(".tokens")).to_contain_text("Đã thu hồi")
    watch.assert_clean()
