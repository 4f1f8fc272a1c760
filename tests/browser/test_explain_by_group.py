"""A heavy day explained on a phone: 27 overdue dossiers with three causes and three other items,
explained by the leader in at most 20 taps and fields, every item covered, and the signed payload
listing each dossier's explanation; real Chromium at 390×844 with touch."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from tests import factories
from wardapp.extensions import db

from .conftest import PHONE, assert_fits, log_in, shoot

pytestmark = pytest.mark.browser

BUDGET = 20  # taps and fields, from the explanation page to the day ready to sign

# (cause, officer, how many, apology letters sent, new appointment in days or None)
CAUSES = (
    ("Chờ kết quả đo đạc địa chính", "Ngô Thị Mai", 12, True, 5),
    ("Thiếu chữ ký của lãnh đạo phòng", "Trần Văn Nam", 9, False, 3),
    ("Hệ thống một cửa điện tử bị lỗi", "Lê Thị Lan", 6, False, None),
)


class Hand:
    """Counts what the leader does: each tap and each field typed in."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def tap(self, locator) -> None:
        self.count += 1
        locator.tap()

    def type(self, locator, text: str) -> None:
        self.count += 1
        locator.fill(text)


def _heavy_day(live_server) -> dict[str, list[int]]:
    """Today: 27 overdue dossiers as the staff recorded them on the late-dossier page, a plan task
    behind schedule, a required photo missing and the response team past its deadline."""
    from wardapp.commune.models import Commune
    from wardapp.delays.models import LateDossier
    from wardapp.evidence.models import PhotoCategory
    from wardapp.tasks.models import Task, TaskProgress

    day = live_server.today
    ids: dict[str, list[int]] = {}
    with live_server.app.app_context():
        commune = db.session.get(Commune, live_server.commune_id)
        commune.team_deadline = day - dt.timedelta(days=3)
        for category in db.session.scalars(db.select(PhotoCategory).filter_by(commune_id=commune.id)):
            category.ask_on_every_day(category.key == "exterior")
        staff = factories.make_user(commune, "staff", "staff2")
        task = Task(
            commune_id=commune.id,
            code="KH02-07",
            title="Số hóa hồ sơ",
            start_date=day - dt.timedelta(days=30),
            deadline=day + dt.timedelta(days=10),
            responsible="Văn phòng",
        )
        db.session.add(task)
        db.session.flush()
        db.session.add(TaskProgress(task=task, date=day - dt.timedelta(days=1), percent=5, note="", by_id=staff.id))
        # 30 received + 10 carried over = 40 to handle: 13 resolved on time, 27 pending overdue.
        report = factories.make_report(
            commune,
            day,
            staff,
            resolved_early=0,
            resolved_on_time=13,
            resolved_late=0,
            pending_within=0,
            pending_overdue=27,
            apology_letters=12,
            response_team_cases=0,
            e_results=10,
        )
        number = 0
        for cause, officer, count, apology, days in CAUSES:
            rows = []
            for _n in range(count):
                number += 1
                rows.append(
                    LateDossier(
                        report_id=report.id,
                        kind="pending_overdue",
                        count=1,
                        procedure="Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
                        dossier_code=f"H48.20242-{day:%y%m%d}-{number:04}",
                        officer=officer,
                        cause=cause,
                        apology_issued=apology,
                        new_appointment=day + dt.timedelta(days=days) if days else None,
                    )
                )
            db.session.add_all(rows)
            db.session.flush()
            ids[cause] = [r.id for r in rows]
        db.session.commit()
        db.session.remove()
    return ids


def test_the_leader_explains_a_heavy_day_on_a_phone_in_twenty_taps_and_fields(live_server, open_page):
    from wardapp.signing.models import ReportRevision

    day = live_server.today
    ids = _heavy_day(live_server)
    page, watch = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, "leader")
    hand = Hand(page)
    page.goto(f"/reports/{day.isoformat()}/explain")
    expect(page.locator("h2", has_text="Cần giải trình")).to_have_text("Cần giải trình (30)")
    expect(page.locator("#blockers li", has_text="chưa giải trình")).to_have_text(
        "Còn 30 việc chưa giải trình (danh sách bên dưới)."
    )
    shoot(page, "phone-explain-heavy-day")
    assert_fits(page, "the explanations of a heavy day")
    watch.assert_clean()

    def group(cause: str):
        return page.locator(f"#group-late-{ids[cause][0]}")

    # The land survey: cause, apology letters and new date carried over; one tap.
    survey = group(CAUSES[0][0])
    expect(survey.locator(".dossier-code")).to_have_count(12)
    expect(survey.locator('[name="cause"]')).to_have_value(CAUSES[0][0])
    expect(survey.locator('[name="remedy"]')).to_contain_text("Đã gửi thư xin lỗi người nộp hồ sơ.")
    expect(survey.locator('[name="new_date"]')).to_have_value((day + dt.timedelta(days=5)).isoformat())
    expect(survey.locator('[name="responsible"]')).to_have_value("Ngô Thị Mai")
    hand.tap(survey.get_by_role("button", name="Lưu giải trình"))
    expect(page.locator(".flash-success[role=status]")).to_have_text("Đã lưu giải trình cho 12 việc.")
    # Done, it folds away: its dossiers are out of sight.
    expect(group(CAUSES[0][0]).locator(".dossier-code").first).to_be_hidden()

    # The missing signatures: a new date recorded, the remedy said in a few words.
    signatures = group(CAUSES[1][0])
    hand.type(signatures.locator('[name="remedy"]'), "Trình lãnh đạo phòng ký trong ngày")
    hand.tap(signatures.get_by_role("button", name="Lưu giải trình"))
    expect(page.locator(".flash-success[role=status]")).to_have_text("Đã lưu giải trình cho 9 việc.")

    # The system outage: nothing recorded but the cause.
    outage = group(CAUSES[2][0])
    hand.type(outage.locator('[name="remedy"]'), "Báo Sở KH&CN khắc phục, tiếp nhận bản giấy")
    hand.type(outage.locator('[name="new_date"]'), (day + dt.timedelta(days=2)).isoformat())
    hand.tap(outage.get_by_role("button", name="Lưu giải trình"))
    expect(page.locator(".flash-success[role=status]")).to_have_text("Đã lưu giải trình cho 6 việc.")

    # The task, the photo and the team together in one form.
    others = page.locator("#explain-others")
    expect(others.locator('input[name="item"]:checked')).to_have_count(3)
    hand.type(others.locator('[name="cause"]'), "Thiếu người do tập trung giải quyết hồ sơ tồn")
    hand.type(others.locator('[name="remedy"]'), "Bố trí thêm cán bộ từ Văn phòng")
    hand.type(others.locator('[name="new_date"]'), (day + dt.timedelta(days=7)).isoformat())
    hand.type(others.locator('[name="responsible"]'), "Phó Chủ tịch UBND")
    hand.tap(others.get_by_role("button", name="Lưu giải trình"))
    expect(page.locator(".flash-success[role=status]")).to_have_text("Đã lưu giải trình cho 3 việc.")

    expect(page.locator("#blockers")).to_have_count(0)
    hand.tap(page.locator("#mark-ready"))
    expect(page.locator("#ready-badge")).to_have_text("Sẵn sàng ký")
    assert hand.count <= BUDGET, f"{hand.count} taps and fields to explain the day"
    assert_fits(page, "the explained heavy day")
    shoot(page, "phone-explain-heavy-day-ready")
    watch.assert_clean()

    page.locator("#go-sign").tap()
    page.wait_for_url(f"**/reports/{day.isoformat()}/sign")
    if page.locator("#f-late_reason").count():  # the suite run at a moment after the deadline
        page.fill("#f-late_reason", "Giải trình nhiều hồ sơ tồn")
    page.get_by_role("button", name="Ký và gửi").tap()
    page.wait_for_url(f"**/reports/{day.isoformat()}/revisions", timeout=30_000)
    watch.assert_clean()

    with live_server.app.app_context():
        signed = json.loads(db.session.scalar(db.select(ReportRevision.payload)))
        db.session.remove()
    listed = {e["item"]: e for e in signed["explanations"]}
    dossiers = {d["item"]: d for d in signed["late_dossiers"]}
    # Every item covered: one explanation per dossier, as before, plus the three others.
    assert len(listed) == 30 and set(dossiers) <= set(listed)
    assert {k for k in listed if not k.startswith("late:")} == {
        k for k in listed if k.startswith(("task:", "photo:", "team"))
    }
    for cause, _officer, _count, _apology, _days in CAUSES:
        for dossier_id in ids[cause]:
            line = listed[f"late:{dossier_id}"]
            assert line["cause"] == cause
            assert line["item_label"].endswith(dossiers[f"late:{dossier_id}"]["dossier_code"])
    assert listed[f"late:{ids[CAUSES[1][0]][0]}"]["remedy"] == "Trình lãnh đạo phòng ký trong ngày"
    assert listed["team"]["responsible"] == "Phó Chủ tịch UBND"
