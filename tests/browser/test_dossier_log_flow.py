"""Staff import the day's dossier log, see the figures fill in and override one with a reason; the
leader signs; the city's reviewer sees which figures came from the log and why one was changed.
In real Chromium against both apps served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.dossier_files import excel_xlsx, row
from wardapp.extensions import db

from .conftest import DESKTOP, log_in, shoot

pytestmark = pytest.mark.browser

REASON = "Một hồ sơ số hóa bị lỗi tệp, phải quét lại"


def _log(today: dt.date) -> bytes:
    def at(offset: int, hh: int = 9, mm: int = 0) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(hh, mm))

    return excel_xlsx(
        [
            row("H-01", at(-3), at(-1, 17), at(0, 9, 30), officer="Lê Văn Tâm", unit="Tư pháp"),
            row("H-02", at(-1), at(2, 17), at(0, 10)),
            row("H-03", at(0, 8), at(0, 23, 59), at(0, 11), "Trực tuyến", full="Toàn trình"),
            row("H-04", at(0, 8, 30), at(3, 17), None, "Trực tuyến", full="Một phần"),
            row("H-05", at(0, 9), at(2, 17), None, "Bưu chính công ích"),
            row("H-06", at(0, 9, 15), at(2, 17), None),
        ]
    )


def _explain_and_get_ready(live_server) -> None:
    """The leader's explanations of the late dossier the log listed (the explain page has its own test)."""
    from wardapp.commune.models import Commune
    from wardapp.delays.operations import explain, mark_ready
    from wardapp.delays.readiness import readiness
    from wardapp.evidence.models import PhotoCategory
    from wardapp.reports.operations import get_report

    with live_server.app.app_context():
        commune = Commune.current()
        for category in db.session.scalars(db.select(PhotoCategory).filter_by(commune_id=commune.id)):
            category.ask_on_every_day(False)
        commune.deadline = dt.time(0, 0)  # signing is late whatever the hour the test runs
        from wardapp.auth.models import User

        leader = db.session.scalar(db.select(User).filter_by(username="leader"))
        report = get_report(commune.id, live_server.today)
        for item in readiness(commune, report, report.date).items:
            values = {"cause": "Chờ hồ sơ gốc", "remedy": "Đã đôn đốc", "responsible": "Phó Chủ tịch"}
            explain(report, item, values | {"new_date": live_server.today}, leader)
        mark_ready(commune, report, leader)
        db.session.commit()
        db.session.remove()


def test_staff_import_the_log_override_a_figure_and_the_city_sees_the_source(live_server, live_city, open_page):
    from wardapp.delivery.sender import send_due

    day = live_server.today.isoformat()
    page, watch = open_page(viewport=DESKTOP)
    log_in(page, "staff")

    page.goto("/dossiers/")
    expect(page.locator("#personal-data-note")).to_contain_text("không bao giờ được lưu")
    page.set_input_files(
        "#f-file",
        {
            "name": "so-theo-doi.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": _log(live_server.today),
        },
    )
    page.click("#import")
    expect(page.locator(".flash-success")).to_contain_text("Đã nhập 6 hồ sơ (6 mới, 0 cập nhật).")
    expect(page.locator("#imports tbody tr")).to_have_count(1)
    shoot(page, "desktop-dossiers-imported")
    watch.assert_clean()

    page.goto(f"/reports/{day}")
    expect(page.locator("#f-received_online")).to_have_value("2")
    expect(page.locator("#f-received_online")).to_have_attribute("readonly", "")
    expect(page.locator("#f-resolved_late")).to_have_value("1")
    expect(page.locator("#f-carried_over")).to_have_value("2")
    expect(page.locator("#src-received_online")).to_contain_text("Từ sổ theo dõi hồ sơ, nhập lúc")
    expect(page.locator("#src-received_online")).to_contain_text("6 hồ sơ")
    watch.assert_clean()

    # Override one figure: without a reason it is refused, with one it shows as overridden.
    page.locator("#group-digitization a", has_text="Sửa số này").first.click()
    page.fill("#f-value", "2")
    watch.provoked(422, f"/dossiers/day/{day}/override/digitized")
    page.click("#save-override")
    expect(page.locator("#err-reason")).to_have_text("Nêu lý do sửa số liệu lấy từ sổ theo dõi hồ sơ.")
    page.fill("#f-reason", REASON)
    page.click("#save-override")
    page.wait_for_url(f"**/reports/{day}")
    expect(page.locator("#f-digitized")).to_have_value("2")
    expect(page.locator("#src-digitized")).to_have_text(f"Sửa tay (sổ ghi 4). Lý do: {REASON}")

    # What the log cannot give is typed as before; then save.
    for name, value in {"counters_open": "3", "staff_on_duty": "4", "rating_satisfied": "5"}.items():
        page.fill(f"#f-{name}", value)
    page.click("#save")
    expect(page.locator(".flash-success")).to_contain_text("Đã lưu báo cáo ngày")
    page.goto(f"/reports/{day}/late")
    expect(page.locator("table.list tbody")).to_contain_text("H-01")
    expect(page.locator("table.list tbody")).to_contain_text("Lê Văn Tâm")
    # The log does not know why it was late: staff say so, with the apology and a new appointment.
    details = page.locator("form.late-details").first
    details.locator("textarea[name=cause]").fill("Chờ xác minh hồ sơ gốc")
    details.locator("input[name=apology_issued]").check()
    details.get_by_role("button", name="Ghi").click()
    expect(page.locator("table.list tbody")).to_contain_text("Chờ xác minh hồ sơ gốc")
    expect(page.locator("form.late-details")).to_have_count(0)
    shoot(page, "desktop-late-from-log")
    watch.assert_clean()

    _explain_and_get_ready(live_server)
    leader_page, leader_watch = open_page(viewport=DESKTOP)
    log_in(leader_page, "leader")
    leader_page.goto(f"/reports/{day}/sign")
    sources = leader_page.locator("#figure-sources")
    expect(sources).to_contain_text("Hồ sơ được số hóa thành phần")
    expect(sources).to_contain_text(REASON)
    leader_page.fill("#f-late_reason", "Chờ nhập sổ theo dõi hồ sơ cuối ngày")
    leader_page.get_by_role("button", name="Ký và gửi").click()
    leader_page.wait_for_url(f"**/reports/{day}/revisions", timeout=30_000)
    leader_watch.assert_clean()
    with live_server.app.app_context():
        assert send_due() == {"accepted": 1}
        db.session.remove()

    city_page, city_watch = open_page(viewport=DESKTOP, base_url=live_city.url)
    log_in(city_page, live_city.reviewer)
    city_page.goto(f"/reports/20242:{day}:r1")
    city_sources = city_page.locator("#figure-sources")
    expect(city_sources).to_contain_text("Tính từ sổ theo dõi hồ sơ (14 chỉ tiêu)")
    expect(city_sources.locator(".overrides li")).to_have_text(
        f"Sửa tay Hồ sơ được số hóa thành phần: 2 (sổ ghi 4). Lý do: {REASON}"
    )
    row_digitized = city_page.locator(".doc-figures tr", has_text="Hồ sơ được số hóa thành phần")
    expect(row_digitized.locator(".badge")).to_have_text("sửa tay")
    shoot(city_page, "desktop-city-sources")
    city_watch.assert_clean()
