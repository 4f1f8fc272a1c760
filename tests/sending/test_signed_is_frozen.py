"""A signed revision cannot change through any route; a correction is a new revision with a reason,
and the city sees both."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from wardapp.delays.models import LateDossier
from wardapp.delivery.sender import send_due
from wardapp.evidence.models import Photo, PhotoCategory
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.support.models import SupportCase

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = TODAY.isoformat()
FROZEN_MESSAGE = "đã được ký nên không thể thay đổi"


@pytest.fixture
def signed_day(app, commune, users, leader):
    """Today signed by the leader through the page, with a photo, a late dossier and a support case."""
    commune.deadline = dt.time(23, 59)
    db.session.add(
        SupportCase(
            commune_id=commune.id,
            date=TODAY,
            time=dt.time(9, 15),
            procedure="Chứng thực bản sao",
            problem="Người dân không biết nộp trực tuyến",
            recorded_by_id=users["staff"].id,
        )
    )
    db.session.commit()
    report = support.ready_day(commune, users, TODAY, photos=1, late_dossier=True, response_team_cases=1)
    response = leader.post(f"/reports/{DAY}/sign", data={"late_reason": "Chờ số liệu của bộ phận một cửa"})
    assert response.status_code == 303
    db.session.expire_all()
    assert report.frozen
    return report


def database_state() -> dict:
    """Every row of every table: what a refused request must leave exactly as it was."""
    db.session.expire_all()
    with db.engine.connect() as connection:
        return {
            table.name: connection.execute(table.select().order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def _photo_id():
    return db.session.scalar(db.select(Photo.id))


def _dossier_id():
    return db.session.scalar(db.select(LateDossier.id))


def _case_id():
    return db.session.scalar(db.select(SupportCase.id))


def _category_id():
    return db.session.scalar(db.select(PhotoCategory.id).filter_by(key="exterior"))


def _version():
    return db.session.scalar(db.select(DailyReport.version).filter_by(date=TODAY))


WRITES = {
    "figures save": lambda: (f"/reports/{DAY}", support.factories.form_data(_version(), **support.CLEAN)),
    "photo upload": lambda: (
        f"/reports/{DAY}/photos",
        {"category": str(_category_id()), "caption": "Mặt tiền", "photo": (io.BytesIO(support.jpeg()), "mat-tien.jpg")},
    ),
    "photo remove": lambda: (f"/reports/{DAY}/photos/{_photo_id()}/remove", {}),
    "late dossier add": lambda: (
        f"/reports/{DAY}/late",
        {
            "kind": "pending_overdue",
            "count": "1",
            "procedure": "Cấp bản sao trích lục",
            "officer": "Lê Văn Hùng",
            "cause": "Thiếu chữ ký",
        },
    ),
    "late dossier remove": lambda: (f"/reports/{DAY}/late/{_dossier_id()}/remove", {}),
    "explanation": lambda: (
        f"/reports/{DAY}/explain",
        {
            "item": f"late:{_dossier_id()}",
            "cause": "Khác",
            "remedy": "Khác",
            "responsible": "Chủ tịch",
            "new_date": (TODAY + dt.timedelta(days=2)).isoformat(),
        },
    ),
    "ready": lambda: (f"/reports/{DAY}/ready", {}),
    "support case add": lambda: (
        f"/team/cases?date={DAY}",
        {"time": "10:30", "procedure": "Đăng ký thường trú", "problem": "Không có tài khoản VNeID", "member": ""},
    ),
    "support case remove": lambda: (f"/team/cases/{_case_id()}/remove", {}),
    "sign again": lambda: (f"/reports/{DAY}/sign", {"late_reason": "Ký lại"}),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_it_refuses_every_change_to_a_signed_day_with_409_and_changes_nothing(app, signed_day, leader, write):
    url, form = WRITES[write]()
    before, files_before = database_state(), files_under(Path(app.instance_path) / "photos")

    response = leader.post(url, data=form)

    assert response.status_code == 409
    assert FROZEN_MESSAGE in response.get_data(as_text=True)
    assert database_state() == before
    assert files_under(Path(app.instance_path) / "photos") == files_before


def test_it_still_lets_the_staff_read_a_signed_day(app, signed_day):
    staff = support.signed_in(app, "staff")

    for url in (
        f"/reports/{DAY}",
        f"/reports/{DAY}/photos",
        f"/reports/{DAY}/late",
        f"/reports/{DAY}/explain",
        f"/reports/{DAY}/revisions",
    ):
        assert staff.get(url).status_code == 200, url


def test_it_opens_a_correction_only_with_a_reason(app, signed_day, leader):
    response = leader.post(f"/reports/{DAY}/correct", data={"reason": "   "}, follow_redirects=True)

    assert "Nêu lý do sửa đổi." in response.get_data(as_text=True)
    db.session.expire_all()
    assert signed_day.frozen
    assert leader.post(f"/reports/{DAY}/late/{_dossier_id()}/remove").status_code == 409


def test_it_lets_only_the_leader_open_a_correction(app, signed_day):
    staff = support.signed_in(app, "staff")

    assert staff.post(f"/reports/{DAY}/correct", data={"reason": "Sai số liệu"}).status_code == 403
    db.session.expire_all()
    assert signed_day.frozen


def cell_state(html: str, code: str, day: str) -> str | None:
    row = re.search(rf'<tr data-commune="{code}"[^>]*>(.*?)</tr>', html, re.S)
    cell = row and re.search(rf'data-date="{day}" data-state="(\w+)"', row.group(1))
    return cell.group(1) if cell else None


def test_it_sends_a_correction_to_the_city_as_revision_2_superseding_revision_1(app, wired, signed_day, leader):
    assert send_due() == {"accepted": 1}
    reason = "Nhập nhầm số hồ sơ trực tuyến"

    opened = leader.post(f"/reports/{DAY}/correct", data={"reason": reason})
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/reports/{DAY}")
    saved = leader.post(
        f"/reports/{DAY}",
        data=support.factories.form_data(
            _version(),
            **(
                support.ONE_LATE
                | {
                    "received_in_person": 15,
                    "received_online": 13,
                    "online_partial": 6,
                    "response_team_cases": 1,
                    "highlights": "Đã sửa số hồ sơ trực tuyến.",
                }
            ),
        ),
    )
    assert saved.status_code == 303
    signed = leader.post(f"/reports/{DAY}/sign", data={"late_reason": "Sửa số liệu"})
    assert signed.status_code == 303, re.search(r'id="sign-errors">(.*?)</div>', signed.get_data(as_text=True), re.S)
    assert send_due() == {"accepted": 1}

    history = leader.get(f"/reports/{DAY}/revisions").get_data(as_text=True)
    assert "Phiên bản 2" in history and "Phiên bản 1" in history
    assert f"20242:{DAY}:r1" in history and reason in history
    changes = re.search(r"Thay đổi so với phiên bản trước.*?</table>", history, re.S).group(0)
    assert re.search(r"<td>received_online</td><td>12</td><td>13</td>", changes)
    assert re.search(r"<td>received_in_person</td><td>16</td><td>15</td>", changes)
    assert "Đã sửa số hồ sơ trực tuyến." in changes

    first, second = wired.received()
    assert (first["revision"], second["revision"]) == (1, 2)
    assert second["report_id"] == f"20242:{DAY}:r2" and second["supersedes"] == first["report_id"]
    document = json.loads(second["payload"])
    assert document["correction_reason"] == reason and document["figures"]["received_online"] == 13

    wired.make_user()
    reviewer = wired.signed_in()
    page = reviewer.get(f"/reports/20242:{DAY}:r2").get_data(as_text=True)
    assert "Thay thế" in page and first["report_id"] in page and reason in page
    assert f'/reports/20242:{DAY}:r1"' in page  # the older revision is listed and linked
    grid = reviewer.get("/grid").get_data(as_text=True)
    assert cell_state(grid, "20242", DAY) == "corrected"
