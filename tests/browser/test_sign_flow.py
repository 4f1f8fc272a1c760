"""The leader's end of the day: explain what is behind schedule, mark the day ready, sign it late
with a reason, and see the city accept it; in real Chromium against both apps served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import factories
from wardapp.core import clock
from wardapp.extensions import db

from .conftest import DESKTOP, PHONE, assert_fits, log_in, shoot

pytestmark = pytest.mark.browser

# Figures that add up with nothing late (no late dossier to record): 30 received + 10 carried over
# from yesterday = 28 resolved + 12 pending.
CLEAN = {
    "resolved_late": 0,
    "pending_overdue": 0,
    "resolved_on_time": 20,
    "pending_within": 12,
    "apology_letters": 0,
    "response_team_cases": 0,
}
TASK_TITLE = "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"


def _commune():
    from wardapp.commune.models import Commune

    return Commune.current()


def _users():
    from wardapp.auth.models import User

    return {u.username: u for u in db.session.scalars(db.select(User))}


def _no_photo_required(commune) -> None:
    from wardapp.evidence.models import PhotoCategory

    for category in db.session.scalars(db.select(PhotoCategory).filter_by(commune_id=commune.id)):
        category.ask_on_every_day(False)


def _task_behind(commune, day: dt.date, staff):
    """Three quarters of the time gone, a fifth of the work done: behind schedule, not yet overdue."""
    from wardapp.tasks.models import Task, TaskProgress

    task = Task(
        commune_id=commune.id,
        code="KH02-07",
        title=TASK_TITLE,
        start_date=day - dt.timedelta(days=30),
        deadline=day + dt.timedelta(days=10),
        responsible="Văn phòng HĐND-UBND",
    )
    db.session.add(task)
    db.session.flush()
    db.session.add(
        TaskProgress(
            task=task, date=day - dt.timedelta(days=1), percent=20, note="Đã số hóa 200/1000 hồ sơ", by_id=staff.id
        )
    )
    return task


def _counter_photo(day: dt.date) -> bytes:
    image = Image.new("RGB", (640, 480), (40, 110, 170))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = dt.datetime.combine(day, dt.time(8, 30)).strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_the_leader_explains_a_task_behind_schedule_and_marks_the_day_ready(live_server, open_page):
    day = live_server.today
    with live_server.app.app_context():
        commune, users = _commune(), _users()
        _no_photo_required(commune)
        task_id = _task_behind(commune, day, users["staff"]).id
        factories.make_report(commune, day, users["staff"], **CLEAN)  # commits
        db.session.remove()
    page, watch = open_page(viewport=DESKTOP)
    log_in(page, "leader")

    page.goto(f"/reports/{day.isoformat()}/explain")
    expect(page.locator(".tabs [aria-current=page]")).to_have_text("Giải trình, sẵn sàng ký")
    item = page.locator(f'section.explain-item[data-item="task:{task_id}"]')
    expect(item).to_have_class(re.compile(r"\bunexplained\b"))
    expect(item.locator("h3")).to_contain_text(f"KH02-07 · {TASK_TITLE}")
    expect(item.locator("h3 .badge")).to_have_text("Chưa giải trình")
    expect(item.locator("p.muted")).to_have_text("Đạt 20% trong khi đã qua 75% thời gian.")
    expect(page.locator("#blockers li")).to_have_text([f"KH02-07 · {TASK_TITLE} (chưa giải trình)"])
    expect(page.locator("#mark-ready")).to_be_disabled()
    expect(page.locator("#go-sign")).to_have_count(0)
    shoot(page, "desktop-explain-unexplained")
    watch.assert_clean()

    anchor = f"task-{task_id}"
    new_date = day + dt.timedelta(days=7)
    page.fill(f"#cause-{anchor}", "Thiếu máy quét, cán bộ số hóa nghỉ phép")
    page.fill(f"#remedy-{anchor}", "Mượn máy quét của Bộ phận một cửa, bố trí thêm người")
    page.fill(f"#new_date-{anchor}", new_date.isoformat())
    # Who answers for it is forgotten at first: said next to that field, what was typed is kept.
    watch.provoked(422, f"/reports/{day.isoformat()}/explain")
    item.get_by_role("button", name="Lưu giải trình").click()
    responsible = item.locator(".field", has=page.locator(f"#responsible-{anchor}"))
    expect(responsible.locator(".field-error")).to_have_text("Nêu người chịu trách nhiệm.")
    expect(responsible.locator(".field-error")).to_have_id(f"err-responsible-{anchor}")
    expect(page.locator(f"#responsible-{anchor}")).to_have_attribute("aria-describedby", f"err-responsible-{anchor}")
    expect(page.locator(f"#cause-{anchor}")).to_have_value("Thiếu máy quét, cán bộ số hóa nghỉ phép")
    expect(page.locator(f"#new_date-{anchor}")).to_have_value(new_date.isoformat())
    expect(page.locator("#mark-ready")).to_be_disabled()
    watch.assert_clean()

    page.fill(f"#responsible-{anchor}", "Phó Chủ tịch UBND Lê Thị Hằng")
    item.get_by_role("button", name="Lưu giải trình").click()
    expect(page.locator(".flash-success[role=status]")).to_have_text("Đã lưu giải trình.")
    expect(item).to_have_class(re.compile(r"\bexplained\b"))
    expect(item.locator("h3 .badge")).to_have_text("Đã giải trình")
    facts = item.locator("dl.facts dd")
    expect(facts).to_have_text(
        [
            "Thiếu máy quét, cán bộ số hóa nghỉ phép",
            "Mượn máy quét của Bộ phận một cửa, bố trí thêm người",
            new_date.strftime("%d/%m/%Y"),
            "Phó Chủ tịch UBND Lê Thị Hằng",
        ]
    )
    expect(page.locator("#blockers")).to_have_count(0)
    expect(page.locator("#readiness")).to_contain_text("Mọi việc đã đủ: có thể đánh dấu sẵn sàng ký.")
    expect(page.locator("#mark-ready")).to_be_enabled()
    shoot(page, "desktop-explain-explained")
    watch.assert_clean()

    page.get_by_role("button", name="Đánh dấu sẵn sàng ký").click()
    expect(page.locator(".flash-success[role=status]")).to_have_text("Báo cáo đã sẵn sàng để ký.")
    expect(page.locator("#ready-badge")).to_have_text("Sẵn sàng ký")
    expect(page.locator("#readiness")).to_contain_text("bởi Người dùng leader")
    expect(page.locator("#mark-ready")).to_have_count(0)
    expect(page.locator("#go-sign")).to_have_text("Xem lại và ký báo cáo")
    shoot(page, "desktop-explain-ready")
    watch.assert_clean()

    page.wait_for_load_state("load")  # a reload before its scripts arrive would abort them
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#ready-badge")).to_be_visible()
    shoot(page, "phone-explain-ready")
    assert_fits(page, "the explanations panel")
    watch.assert_clean()


def _ready_day_signed_late(live_server) -> None:
    """Today with figures that add up, a counter photo, a task behind schedule explained by the
    leader, marked ready to sign; and a deadline of 00:00, so that signing now is late."""
    from wardapp.delays.operations import explain, mark_ready
    from wardapp.delays.readiness import readiness
    from wardapp.evidence.models import PhotoCategory
    from wardapp.evidence.operations import add_photo

    day = live_server.today
    with live_server.app.app_context():
        commune, users = _commune(), _users()
        _no_photo_required(commune)
        commune.deadline = dt.time(0, 0)
        _task_behind(commune, day, users["staff"])
        report = factories.make_report(commune, day, users["staff"], **CLEAN)
        report.highlights = "Trung tâm tiếp nhận 30 hồ sơ, không có phản ánh."
        counters = db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune.id, key="counters"))
        add_photo(report, _counter_photo(day), "quay-1.jpg", counters, "Quầy số 1 buổi sáng", users["staff"])
        for item in readiness(commune, report, day).items:
            explain(
                report,
                item,
                {
                    "cause": "Thiếu máy quét",
                    "remedy": "Mượn máy quét của Bộ phận một cửa",
                    "responsible": "Phó Chủ tịch UBND Lê Thị Hằng",
                    "new_date": day + dt.timedelta(days=7),
                },
                users["leader"],
            )
        mark_ready(commune, report, users["leader"])
        db.session.commit()
        db.session.remove()


def test_the_leader_signs_the_day_late_with_a_reason_and_the_city_accepts_it(live_server, live_city, open_page):
    from wardapp.delivery.sender import send_due
    from wardapp.outbox.models import OutboxEntry

    day = live_server.today
    dmy = day.strftime("%d/%m/%Y")
    _ready_day_signed_late(live_server)
    page, watch = open_page(viewport=DESKTOP)
    log_in(page, "leader")

    page.goto(f"/reports/{day.isoformat()}/explain")
    expect(page.locator("#ready-badge")).to_have_text("Sẵn sàng ký")
    page.get_by_role("link", name="Xem lại và ký báo cáo").click()
    page.wait_for_url(f"**/reports/{day.isoformat()}/sign")

    # Exactly what will be signed, in Vietnamese, with Vietnamese numbers.
    expect(page.locator("h1")).to_have_text(f"Ký báo cáo ngày {dmy}")
    expect(page.locator(".page-head .muted")).to_have_text("Bản ký lần đầu")
    figures = page.locator(".doc-figures")
    expect(figures.locator("caption").first).to_have_text("Tiếp nhận hồ sơ")
    expect(figures.locator("tr", has_text="Tiếp nhận trực tiếp").locator("td")).to_have_text("16")
    expect(figures.locator("tr", has_text="Tồn kỳ trước chuyển sang").locator("td")).to_have_text("10")
    expect(figures.locator("tr", has_text="Giải quyết đúng hạn").locator("td")).to_have_text("20")
    rates = page.locator(".document section", has=page.locator("h2", has_text="Tỷ lệ"))
    expect(rates.locator("tr", has_text="Tỷ lệ hồ sơ trực tuyến").locator("td")).to_have_text("40,0%")
    expect(page.locator(".doc-photos")).to_contain_text(
        f"Quầy tiếp nhận và trả kết quả: Quầy số 1 buổi sáng — chụp lúc 08:30 {dmy}"
    )
    expect(page.locator(".document")).to_contain_text("Thiếu máy quét → Mượn máy quét của Bộ phận một cửa")
    expect(page.locator(".document")).to_contain_text("Trung tâm tiếp nhận 30 hồ sơ, không có phản ánh.")
    late_label = page.locator("label[for=f-late_reason]")
    expect(late_label).to_have_text("Ký sau hạn 00:00: lý do ký muộn")
    expect(page.locator("#sign-form")).to_contain_text("Người ký: Người dùng leader, Chuyên viên")
    shoot(page, "desktop-sign-confirm")
    page.set_viewport_size(PHONE)
    shoot(page, "phone-sign-confirm")
    assert_fits(page, "the signing page")
    page.set_viewport_size(DESKTOP)
    watch.assert_clean()

    # Signing late without a reason: refused, said next to the reason field.
    watch.provoked(422, f"/reports/{day.isoformat()}/sign")
    page.get_by_role("button", name="Ký và gửi").click()
    late_field = page.locator("#sign-form .field", has=page.locator("#f-late_reason"))
    expect(late_field).to_have_class(re.compile(r"\binvalid\b"))
    expect(late_field.locator(".field-error")).to_have_text("Hãy nêu lý do.")
    # Each thing said once: the summary reads the field's label, then the message.
    expect(page.locator(".error-summary li")).to_have_text(["Ký sau hạn 00:00: lý do ký muộn: Hãy nêu lý do."])
    expect(page.locator("#sign-errors")).to_have_count(0)
    expect(page.locator("#f-late_reason")).to_have_attribute("aria-describedby", "err-late_reason")
    shoot(page, "desktop-sign-refused")
    watch.assert_clean()
    with live_server.app.app_context():
        assert db.session.scalar(db.select(db.func.count(OutboxEntry.id))) == 0  # nothing signed
        db.session.remove()

    page.fill("#f-late_reason", "Mất điện tại Trung tâm từ 16:00, hệ thống hoạt động lại lúc 19:30")
    page.get_by_role("button", name="Ký và gửi").click()
    page.wait_for_url(f"**/reports/{day.isoformat()}/revisions", timeout=30_000)  # the PDF is signed too
    expect(page.locator(".flash-success[role=status]")).to_have_text(
        re.compile(rf"^Đã ký báo cáo ngày {dmy} \(số \d+/BC-UBND\)\. Báo cáo đang được gửi lên thành phố\.$")
    )
    revision = page.locator("#rev-1")
    expect(revision.locator("h2 .badge")).to_have_text("Ký muộn")
    expect(revision.locator("dl.facts")).to_contain_text(
        "Mất điện tại Trung tâm từ 16:00, hệ thống hoạt động lại lúc 19:30"
    )
    delivery = revision.locator(".delivery")
    expect(delivery).to_have_attribute("data-state", "signed")
    expect(delivery).to_contain_text("Đang chờ gửi lên thành phố")
    watch.assert_clean()

    # The sender's pass (the worker beside the web server does this every few seconds); the page,
    # left as it is, shows the city's receipt by itself (htmx asks while the delivery is pending).
    with live_server.app.app_context():
        assert send_due() == {"accepted": 1}
        entry = db.session.scalar(db.select(OutboxEntry))
        receipt, received = entry.receipt_id, clock.to_local(dt.datetime.fromisoformat(entry.received_at))
        db.session.remove()
    assert receipt and received

    expect(delivery).to_have_attribute("data-state", "received", timeout=15_000)
    expect(delivery.locator(".badge")).to_have_text("Thành phố đã nhận")
    expect(page.locator("#day-status")).to_have_text("Thành phố đã nhận", timeout=15_000)
    # The city's receipt time, in Vietnam time as every moment in the app; nothing polls any more.
    expect(delivery).to_contain_text(f"biên nhận {receipt} lúc {received:%H:%M %d/%m/%Y}")
    expect(page.locator("[hx-trigger]")).to_have_count(0)
    page.reload()
    expect(revision).to_have_attribute("data-state", "accepted")
    revision.get_by_text("Các lần gửi (1)").click()
    expect(revision.locator(".attempts li")).to_have_text(re.compile(r"· Thành phố đã nhận · HTTP 201$"))
    expect(revision.get_by_role("button", name="Gửi lại ngay")).to_have_count(0)
    shoot(page, "desktop-revisions-accepted")
    watch.assert_clean()

    page.set_viewport_size(PHONE)
    page.reload()
    shoot(page, "phone-revisions-accepted")
    assert_fits(page, "the signed revisions")
    watch.assert_clean()

    # The city's reviewer, in another browser, sees the day late ("M") for the commune.
    city_page, city_watch = open_page(viewport=DESKTOP, base_url=live_city.url)
    log_in(city_page, live_city.reviewer)
    expect(city_page.locator("h1")).to_contain_text("Tổng quan ngày")  # the overview comes first
    city_page.get_by_role("link", name="Tình hình báo cáo").click()
    expect(city_page.locator("h1")).to_contain_text("Tình hình báo cáo ngày")
    cell = city_page.locator(f'#completeness tr[data-commune="20242"] td[data-date="{day.isoformat()}"]')
    expect(cell).to_have_attribute("data-state", "late")
    expect(cell).to_have_attribute("title", "Muộn")
    expect(cell.get_by_role("link")).to_have_text("M")
    shoot(city_page, "desktop-city-grid")
    city_watch.assert_clean()
    cell.get_by_role("link").click()
    city_page.wait_for_url(f"**/reports/20242:{day.isoformat()}:r1")
    expect(city_page.locator("h1")).to_have_text(f"Phường Hải Châu · Báo cáo ngày {dmy}")
    expect(city_page.locator("dl.facts")).to_contain_text(receipt)
    # The photo came with the report, its bytes intact enough to decode.
    city_photo = city_page.locator(".photo-grid figure.photo")
    expect(city_photo).to_contain_text(f"Chụp lúc 08:30 {dmy}")
    city_photo.locator("img").scroll_into_view_if_needed()
    city_page.wait_for_function(
        "img => img.complete && img.naturalWidth === 640", arg=city_photo.locator("img").element_handle()
    )
    shoot(city_page, "desktop-city-report")
    city_watch.assert_clean()
