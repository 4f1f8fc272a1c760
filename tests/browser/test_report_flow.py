"""The day's report as staff live it, in real Chromium against the app served on 127.0.0.1."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories

from .conftest import log_in, shoot

pytestmark = pytest.mark.browser

RED = "rgb(163, 17, 28)"  # --bad, the error red (AA contrast on white)


def field_of(page, name: str):
    """The form row of one figure: its label, input and messages."""
    return page.locator(".field", has=page.locator(f"#f-{name}"))


def test_staff_fixes_an_inconsistency_while_typing_saves_and_sees_the_dashboard(live_server, open_page):
    page, watch = open_page(viewport={"width": 1280, "height": 900})
    day = live_server.today
    log_in(page, "staff")

    page.goto(f"/reports/{day.isoformat()}")
    expect(page.locator("h1")).to_contain_text(day.strftime("%d/%m/%Y"))
    online_rate = page.locator("[data-rate=online_rate] td")
    expect(online_rate).to_have_text("—")  # zeros: no dossiers, no rate
    # Yesterday's 10 pending dossiers are today's opening stock, not typed.
    carried = page.locator("#f-carried_over")
    expect(carried).to_have_value("10")
    expect(carried).to_have_attribute("readonly", "")

    # A typo: 10 online dossiers instead of 12. Everything else is the ordinary day of the factories;
    # what the app fills in itself (read-only) is left alone, as a person would.
    for name, value in factories.figures(received_online=10).items():
        field = page.locator(f"#f-{name}")
        if field.get_attribute("readonly") is None:
            field.fill(str(value))

    online = page.locator("#err-online_partial")
    balance = page.locator("#err-pending_overdue")
    expect(online).to_have_text("Toàn trình (7) + một phần (5) phải bằng số hồ sơ tiếp nhận trực tuyến (10).")
    expect(balance).to_have_text(
        "Chưa khớp: đã giải quyết (28) + đang giải quyết (12) = 40, nhưng tiếp nhận + tồn kỳ trước = 38."
    )
    # Next to the field it is about, and the field shows red.
    expect(field_of(page, "online_partial").locator(".field-error")).to_have_id("err-online_partial")
    expect(page.locator("#f-online_partial")).to_have_css("border-top-color", RED)
    expect(page.locator("#problem-count")).to_have_text("Còn 2 chỗ cần sửa: bấm để đến chỗ tiếp theo.")
    # While the figures disagree no rate is shown (10 / 28 = 35,7% would be a guess), and it says why.
    expect(online_rate).to_have_text("—")
    expect(page.locator("#rates-reason")).to_contain_text("số liệu chưa khớp")
    # The counter takes the user to each problem in turn.
    page.locator("#problem-count a").click()
    expect(page.locator("#f-pending_overdue")).to_be_focused()
    page.locator("#problem-count a").click()
    expect(page.locator("#f-online_partial")).to_be_focused()
    page.locator("#problem-count a").click()
    expect(page.locator("#f-pending_overdue")).to_be_focused()  # and round again
    shoot(page, "desktop-form-error")
    watch.assert_clean()

    page.fill("#f-received_online", "12")
    expect(online).to_be_empty()
    expect(balance).to_be_empty()
    expect(online_rate).to_have_text("40,0%")  # 12 / 30
    expect(page.locator("[data-total=received]")).to_have_text("30")
    expect(page.locator("#problem-count")).to_have_text("Số liệu khớp.")
    expect(page.locator("#f-online_partial")).not_to_have_css("border-top-color", RED)
    shoot(page, "desktop-form-fixed")

    page.click("#save")
    expect(page.locator(".flash-success")).to_have_text(f"Đã lưu báo cáo ngày {day.strftime('%d/%m/%Y')}.")
    expect(page.locator("#day-status")).to_have_text("Đủ số liệu")
    expect(page.locator("#f-received_online")).to_have_value("12")
    watch.assert_clean()

    page.get_by_role("link", name="Tổng quan").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("#today-status")).to_have_text("Đủ số liệu")
    expect(page.locator(f'#calendar td[data-date="{day.isoformat()}"]')).to_have_attribute("data-state", "complete")
    shoot(page, "desktop-dashboard")
    watch.assert_clean()


def _assert_no_horizontal_scroll(page, what: str) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{what} scrolls sideways on a phone: {width[0]}px wide in a {width[1]}px window"


def test_the_form_and_the_dashboard_fit_a_phone(history, open_page):
    page, watch = open_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    day = history.today
    log_in(page, "staff")

    page.goto(f"/reports/{day.isoformat()}")
    expect(page.locator("#live")).to_be_visible()
    _assert_no_horizontal_scroll(page, "the empty report form")
    shoot(page, "phone-form")

    # The longest message, with the widest numbers, must wrap rather than push the page wider.
    page.fill("#f-received_in_person", "99999")
    expect(page.locator("#err-pending_overdue")).to_contain_text("Chưa khớp")
    _assert_no_horizontal_scroll(page, "the report form with a message")
    shoot(page, "phone-form-error")
    watch.assert_clean()

    page.goto("/")
    expect(page.locator("#calendar")).to_be_visible()
    expect(page.locator("#trends svg.chart")).to_have_count(3)
    _assert_no_horizontal_scroll(page, "the dashboard")
    shoot(page, "phone-dashboard")

    # The month arrows swap the calendar in place (htmx), and it still fits.
    page.locator(".cal-head a").first.click()
    expect(page.locator("#calendar h2")).not_to_contain_text(day.strftime("%m/%Y"))
    _assert_no_horizontal_scroll(page, "the dashboard after changing month")
    watch.assert_clean()


def test_the_watch_would_see_a_csp_violation(live_server, open_page):
    """Guards the guard: an inline style is refused by the CSP, and the watch reports it."""
    page, watch = open_page()
    page.goto("/login")
    watch.assert_clean()
    page.evaluate("""() => { const s = document.createElement('style');
                             s.textContent = 'body { color: red }'; document.head.append(s); }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    with pytest.raises(AssertionError, match="style-src"):
        watch.assert_clean()
