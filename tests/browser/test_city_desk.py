"""The city reviewer's morning in a real browser: the overview, a missing commune followed to its
days, the month's II.06a workbook and the signed consolidated report downloaded; on a phone the
pages do not scroll sideways (the wide tables scroll inside their own region)."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlsplit

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _CSP_PROBE, DESKTOP, LOCAL_HOST, PHONE, Watch, _serve, assert_fits, shoot
from tests.city import support
from wardapp.core import clock

TODAY = dt.date(2026, 11, 20)
REPORTED, SILENT, QUIET = support.Commune("20242"), support.Commune("20194"), support.Commune("20197")


class DownloadWatch(Watch):
    """A link that downloads a file ends its navigation, which Chromium reports as aborted: by design."""

    def _failed(self, request):
        if request.failure and "ERR_ABORTED" in request.failure and urlsplit(request.url).path in DOWNLOADS:
            return
        super()._failed(request)


DOWNLOADS = ("/ii06a.xlsx", "/consolidated.pdf")


@pytest.fixture
def city(make_city, frozen_clock):
    """The city intake served on 127.0.0.1 with CSRF on, the clock at 18:00 (after the deadline)."""
    frozen_clock.move_to(dt.datetime.combine(TODAY, dt.time(18, 0), tzinfo=clock.TZ))
    app = make_city(WTF_CSRF_ENABLED=True)
    support.enrol_all(app, [REPORTED, SILENT, QUIET])
    client = app.test_client()
    for n in range(10):
        day = TODAY - dt.timedelta(days=n)
        support.push(client, support.signed(REPORTED, day, late=(n == 3)))
        if n >= 1:
            support.push(client, support.signed(QUIET, day))
    support.make_user(app, "sokhcn")
    server, thread = _serve(app)
    yield f"http://{LOCAL_HOST}:{server.server_port}", app
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_the_reviewer_follows_a_missing_commune_and_downloads_the_months_reports(chromium, city, tmp_path):
    from wardapp.core.pdf import signature

    url, app = city
    context = chromium.new_context(
        base_url=url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=DESKTOP, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    context.add_init_script(_CSP_PROBE)
    page = context.new_page()
    watch = DownloadWatch(page)
    try:
        page.goto("/login")
        page.fill("#username", "sokhcn")
        page.fill("#password", support.PASSWORD)
        page.click("form button.primary")
        page.wait_for_url(f"{url}/")

        # The overview: today after the deadline, two communes missing, the rest not connected.
        expect(page.locator("h1")).to_contain_text("Tổng quan ngày 20/11/2026")
        expect(page.locator("#state-on_time summary")).to_contain_text("1")
        missing = page.locator("#state-missing")
        expect(missing.locator("summary")).to_contain_text("2 Chưa báo cáo (quá hạn)")
        attention = page.locator("#attention")
        expect(attention.locator(f'tr[data-commune="{SILENT.code}"]')).to_contain_text("Không báo cáo nhiều ngày")
        shoot(page, "city-overview")
        missing.locator("summary").click()
        missing.get_by_role("link", name=SILENT.unit.name).click()

        # The commune's days: every day missing, said as missing, not as zero.
        page.wait_for_url(f"**/communes/{SILENT.code}/days")
        expect(page.locator("h1")).to_contain_text(SILENT.unit.name)
        today_row = page.locator(f'#commune-days tr[data-date="{TODAY.isoformat()}"]')
        expect(today_row).to_have_attribute("data-state", "missing")
        expect(today_row).to_contain_text("Chưa báo cáo")
        watch.assert_clean()

        # The month's II.06a table and its workbook.
        page.get_by_role("link", name="Bảng II.06a").click()
        page.wait_for_url("**/ii06a")
        expect(page.locator(f'#ii06a tr[data-code="{SILENT.code}"]')).to_contain_text("Chưa báo cáo")
        expect(page.locator(f'#ii06a tr[data-code="{REPORTED.code}"] td[data-col="3"]')).to_have_text("310")
        with page.expect_download() as info:
            page.locator("#export-xlsx").click()
        workbook = tmp_path / info.value.suggested_filename
        info.value.save_as(workbook)
        assert workbook.name == "II06a-48-20261101-20261130.xlsx"
        rows = list(openpyxl.load_workbook(workbook).active.iter_rows(values_only=True))
        by_name = {r[1]: r for r in rows[6:]}
        assert by_name[REPORTED.unit.name][2] == 310  # ten days of 30 received, 10 carried over on the first
        assert by_name[QUIET.unit.name][2] == 280
        assert by_name[SILENT.unit.name][2] is None
        assert by_name["Tổng cộng"][2] == 590

        # The month's consolidated report: a draft until the department's leader signs it (never
        # signed on download).
        with page.expect_download(timeout=60_000) as info:
            page.locator("#export-pdf").click()
        pdf = info.value.path().read_bytes()
        assert pdf.startswith(b"%PDF-")
        from wardapp.city.documents import signing

        with app.app_context():
            certificate = signing.department_certificate()
        assert not signature.verify_pdf(pdf, [certificate])
        from pypdf import PdfReader

        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert SILENT.unit.name in text and "BÁO CÁO" in text and "BẢN NHÁP" in text
        watch.assert_clean()

        # On a phone: nothing scrolls sideways except inside the tables' own regions.
        page.set_viewport_size(PHONE)
        for path in ("/", "/ii06a", f"/communes/{SILENT.code}/days", "/reminders", "/grid"):
            page.goto(path)
            shoot(page, "city-phone-" + path.strip("/").replace("/", "-"))
            assert_fits(page, path)
        watch.assert_clean()
    finally:
        context.close()
