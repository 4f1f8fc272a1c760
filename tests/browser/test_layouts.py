"""Layouts that fit: the city's navigation in one row on an office PC (1366 px), the late-dossier
list's controls within a phone's width, long identifiers wrapping. Real Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from wardapp.extensions import db

from .conftest import assert_fits, log_in

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 768}


def _one_row(page, selector: str) -> bool:
    """Whether the visible items of ``selector`` sit side by side: one line crosses them all."""
    return page.evaluate(
        """sel => {
            const boxes = Array.from(document.querySelectorAll(sel))
                .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect());
            return Math.max(...boxes.map(b => b.top)) < Math.min(...boxes.map(b => b.bottom));
        }""",
        selector,
    )


@pytest.mark.parametrize("persona", ["sokhcn"])
def test_the_city_navigation_takes_one_row_on_an_office_pc(live_city, open_page, persona):
    page, watch = open_page(viewport=OFFICE_PC, base_url=live_city.url)
    log_in(page, persona)
    for path in ("/", "/ii06a", "/communes"):
        page.goto(path)
        items = (
            "header.topbar .brand, header.topbar nav.menu > a, header.topbar nav.menu > details, header.topbar .lang"
        )
        assert _one_row(page, items), path
        height = page.locator("header.topbar").evaluate("e => e.getBoundingClientRect().height")
        assert height < 80, f"{path}: the bar is {height}px tall"
    # The account's actions are one tap away.
    page.locator(".account-menu > summary").click()
    expect(page.locator("#sign-out-everywhere")).to_be_visible()
    watch.assert_clean()


def test_the_late_list_controls_fit_a_phone(live_server, open_page):
    from tests import factories
    from wardapp.commune.models import Commune
    from wardapp.delays.models import LateDossier
    from wardapp.reports.models import DailyReport

    day = live_server.today
    with live_server.app.app_context():
        commune = db.session.get(Commune, live_server.commune_id)
        report = factories.make_report(commune, day, None, resolved_late=2, pending_overdue=1)
        for n in range(2):
            db.session.add(
                LateDossier(
                    report_id=report.id,
                    kind="resolved_late",
                    procedure="Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở lần đầu",
                    dossier_code=f"H48.20242-{day:%y%m%d}-000{n}-AAAAAAAAAAAAAAAAAAAAAAAAAA",
                    officer="Nguyễn Thị Thanh Hương",
                    unit="Văn phòng đăng ký đất đai chi nhánh Hải Châu",
                    cause="",
                )
            )
        db.session.commit()
        assert db.session.get(DailyReport, report.id)
        db.session.remove()
    for width in (360, 390):
        page, watch = open_page(viewport={"width": width, "height": 800}, is_mobile=True, has_touch=True)
        log_in(page, "staff")
        page.goto(f"/reports/{day.isoformat()}/late")
        form = page.locator("form.late-details").first
        expect(form).to_be_visible()
        for control in ("textarea[name=cause]", "input[name=apology_issued]", "input[name=new_appointment]", "button"):
            box = form.locator(control).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, control, box)
        assert_fits(page, f"the late list at {width}px")
        watch.assert_clean()
        page.context.close()
        assert dt
