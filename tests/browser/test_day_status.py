"""Every screen agrees on where the day stands: the leader signs, the city receives it (dashboard,
calendar and list all say so), then the city returns it and the leader sees the banner with the
city's comment and the way to the correction; on a phone, in real Chromium against both apps."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.sending import support
from wardapp.extensions import db

from .conftest import PHONE, assert_fits, log_in, shoot

pytestmark = pytest.mark.browser

COMMENT = "Số hồ sơ trực tuyến không khớp với Cổng dịch vụ công, đề nghị kiểm tra lại."


def _ready_today(live_server) -> None:
    from wardapp.auth.models import User
    from wardapp.commune.models import Commune
    from wardapp.delays.operations import mark_ready

    with live_server.app.app_context():
        commune = Commune.current()
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        report = support.ready_day(commune, users, live_server.today, photos=1)
        mark_ready(commune, report, users["leader"])
        db.session.commit()
        db.session.remove()


def _sender_pass(live_server) -> None:
    """What the worker beside the web server does every few seconds."""
    from wardapp.delivery.sender import send_due

    with live_server.app.app_context():
        assert send_due() == {"accepted": 1}
        db.session.remove()


def test_signed_received_then_returned_every_screen_agrees(live_server, live_city, open_page):
    day = live_server.today.isoformat()
    dmy = live_server.today.strftime("%d/%m/%Y")
    _ready_today(live_server)
    live_server.app.config["OUTBOX_POLL_ON_OPEN_SECONDS"] = 0  # every opening asks the city
    page, watch = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, "leader")

    # Ready: the leader's list of days awaiting them has today to sign; the main action is the
    # oldest day awaiting them (yesterday's complete figures, still to be explained and signed).
    yesterday = live_server.today - dt.timedelta(days=1)
    expect(page.locator("#today-status")).to_have_text("Sẵn sàng ký")
    expect(page.locator("#today-action")).to_have_text(f"Giải trình báo cáo ngày {yesterday:%d/%m/%Y}")
    page.locator("#awaiting-leader").get_by_role("link", name=f"{dmy}: chờ ký").click()
    page.wait_for_url(f"**/reports/{day}/sign")
    if page.locator("#f-late_reason").count():  # the test ran after the commune's deadline
        page.fill("#f-late_reason", "Chờ số liệu của bộ phận Tư pháp")
    page.locator("#sign-button").click()
    page.wait_for_url(f"**/reports/{day}/revisions", timeout=30_000)
    expect(page.locator("#day-status")).to_have_text("Đã ký")

    _sender_pass(live_server)

    page.goto("/")
    expect(page.locator("#today-status")).to_have_text("Thành phố đã nhận")
    expect(page.locator("#today-action")).to_have_text(f"Giải trình báo cáo ngày {yesterday:%d/%m/%Y}")
    expect(page.locator("#today-missing")).to_have_count(0)
    cell = page.locator(f'table.cal td[data-date="{day}"]')
    expect(cell).to_have_attribute("data-state", "received")
    expect(page.locator(".legend")).to_contain_text("Thành phố đã nhận")
    page.goto("/reports/")
    expect(page.locator(f'#report-list tr[data-date="{day}"] .badge')).to_have_text("Thành phố đã nhận")
    assert_fits(page, "the report list")
    page.goto(f"/reports/{day}")
    expect(page.locator("#day-status")).to_have_text("Thành phố đã nhận")
    expect(page.locator(".return-banner")).to_have_count(0)
    watch.assert_clean()

    # The city's reviewer returns it, with a comment.
    city, city_watch = open_page(viewport=PHONE, base_url=live_city.url)
    log_in(city, live_city.reviewer)
    city.goto(f"/reports/20242:{day}:r1")
    city.fill("#f-comment", COMMENT)
    city.once("dialog", lambda dialog: dialog.accept())  # "Trả lại báo cáo này…?" asks first
    city.locator("#return-form button").click()
    expect(city.locator("#return-form")).to_have_count(0)
    city_watch.assert_clean()

    # The leader opens the day: the app asks the city there and then.
    page.goto(f"/reports/{day}")
    banner = page.locator(".return-banner")
    expect(banner).to_contain_text(f"Thành phố trả lại báo cáo ngày {dmy} (phiên bản 1)")
    expect(banner.locator(".city-comment")).to_have_text(COMMENT)
    expect(banner).to_contain_text("Trả lại bởi Trần Văn Thẩm lúc")
    expect(page.locator("#day-status")).to_have_text("Thành phố trả lại")
    shoot(page, "phone-returned-day")
    assert_fits(page, "the returned day")

    # The dashboard carries the same banner, and its calendar and the list say "returned".
    page.goto("/")
    expect(page.locator(".return-banner .city-comment")).to_have_text(COMMENT)
    expect(page.locator("#today-status")).to_have_text("Thành phố trả lại")
    expect(page.locator(f'table.cal td[data-date="{day}"]')).to_have_attribute("data-state", "returned")
    shoot(page, "phone-returned-dashboard")
    page.goto("/reports/")
    expect(page.locator(f'#report-list tr[data-date="{day}"] .badge')).to_have_text("Thành phố trả lại")

    # The banner's button opens the correction.
    page.goto("/")
    page.locator(".return-banner").get_by_role("link", name="Mở bản sửa đổi").click()
    page.wait_for_url(f"**/reports/{day}/revisions#correct-form")
    page.fill("#f-reason", "Sửa số hồ sơ trực tuyến theo ý kiến của thành phố")
    page.locator("#correct-form button").click()
    page.wait_for_url(f"**/reports/{day}")
    expect(page.locator("#day-status")).to_have_text("Đủ số liệu")
    expect(page.locator(".return-banner")).to_have_count(0)
    # The city's comment stays beside the figures, and on every page of the correction until it is signed.
    for path in (f"/reports/{day}", f"/reports/{day}/photos", f"/reports/{day}/explain"):
        if path != f"/reports/{day}":
            page.goto(path)
        expect(page.locator(".correction-banner .city-comment")).to_have_text(COMMENT)
    watch.assert_clean()


def test_the_month_arrows_move_the_whole_month_and_the_url(history, open_page):
    page, watch = open_page(viewport=PHONE)
    log_in(page, "staff")
    today = history.today
    previous = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    this_month = page.locator("#missing-days").inner_text()

    page.get_by_role("link", name="Tháng trước").click()
    expect(page.locator("#cal-title")).to_have_text(f"Tháng {previous:%m/%Y}")
    expect(page).to_have_url(f"{history.url}/?month={previous:%Y-%m}")
    expect(page.locator("#missing-days")).to_contain_text(f"Tháng {previous:%m/%Y}")
    expect(page.locator("#estimate-766 h2")).to_contain_text(f"tháng {previous:%m/%Y}")
    # Days of the neighbouring months are neutral, never "missing".
    other = page.locator("table.cal td.other").first
    expect(other).to_have_attribute("data-state", "neutral")

    page.go_back()
    expect(page.locator("#cal-title")).to_have_text(f"Tháng {today:%m/%Y}")
    expect(page.locator("#missing-days")).to_have_text(this_month)
    watch.assert_clean()
