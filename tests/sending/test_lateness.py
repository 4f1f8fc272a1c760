"""One lateness rule, decided by the server's clock (Asia/Ho_Chi_Minh): a report is late when signed
after its day's deadline. Late signing needs a reason, and the city sees the flag."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from wardapp.core.clock import TZ
from wardapp.core.deadline import deadline_moment, is_late
from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.signing.models import ReportRevision

from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = dt.date(2026, 11, 21)
FIVE_PM = dt.time(17, 0)


def vn(day: dt.date, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=TZ)


@pytest.mark.parametrize(
    "signed_at, late",
    [
        (vn(DAY, 8, 0), False),
        (vn(DAY, 16, 59, 59), False),
        (vn(DAY, 17, 0, 0), False),  # exactly at the deadline is on time
        (vn(DAY, 17, 0, 0, 1), True),
        (vn(DAY, 17, 0, 1), True),
        (vn(DAY, 23, 59, 59), True),
        (vn(DAY + dt.timedelta(days=1), 0, 0), True),  # any time on a later day
        (vn(DAY + dt.timedelta(days=1), 8, 0), True),
        (vn(DAY - dt.timedelta(days=1), 20, 0), False),  # signed ahead (a test, a clock set wrong): not late
    ],
)
def test_it_calls_a_report_late_only_after_its_days_deadline(signed_at, late):
    assert is_late(DAY, FIVE_PM, signed_at) is late


def test_it_compares_moments_not_wall_clocks_in_other_zones():
    ten_utc = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)  # 17:00 in Đà Nẵng

    assert is_late(DAY, FIVE_PM, ten_utc) is False
    assert is_late(DAY, FIVE_PM, ten_utc + dt.timedelta(seconds=1)) is True
    assert deadline_moment(DAY, FIVE_PM) == ten_utc


@pytest.mark.parametrize(
    "deadline, signed_at, late",
    [
        (dt.time(0, 0), vn(DAY, 0, 0), False),
        (dt.time(0, 0), vn(DAY, 0, 0, 1), True),
        (dt.time(23, 59), vn(DAY, 23, 59), False),
        (dt.time(23, 59), vn(DAY, 23, 59, 1), True),
    ],
)
def test_it_handles_deadlines_at_both_ends_of_the_day(deadline, signed_at, late):
    assert is_late(DAY, deadline, signed_at) is late


# --- Signing through the page -----------------------------------------------------------------


@pytest.fixture
def day(app, commune, users, noon):
    support.ready_day(commune, users, noon.date(), photos=1)
    return noon.date().isoformat()


def set_deadline(commune, deadline: dt.time) -> None:
    commune.deadline = deadline
    db.session.commit()


def revisions() -> list[ReportRevision]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(ReportRevision)))


def test_it_asks_for_a_reason_when_signing_after_the_deadline(app, commune, day, leader):
    set_deadline(commune, dt.time(0, 0))

    response = leader.post(f"/reports/{day}/sign", data={"late_reason": "  "})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="err-late_reason">(.*?)</p>', html, re.S).group(1)
    assert error.strip() == "Hãy nêu lý do."
    assert 'id="sign-errors"' not in html  # said once, at the field (whose label names the deadline)
    assert re.search(r'<div class="field invalid">\s*<label for="f-late_reason">', html)
    assert revisions() == []
    assert not support.revision() and support.outbox_entry() is None


def test_it_shows_the_late_reason_field_only_when_signing_would_be_late(app, commune, day, leader):
    set_deadline(commune, dt.time(0, 0))
    assert 'name="late_reason"' in leader.get(f"/reports/{day}/sign").get_data(as_text=True)

    set_deadline(commune, dt.time(23, 59))
    assert 'name="late_reason"' not in leader.get(f"/reports/{day}/sign").get_data(as_text=True)


def test_it_marks_a_late_signature_late_in_the_payload_and_at_the_city(app, wired, commune, day, leader):
    set_deadline(commune, dt.time(0, 0))
    reason = "Mất điện cả buổi sáng, ký khi có điện lại"

    assert leader.post(f"/reports/{day}/sign", data={"late_reason": reason}).status_code == 303
    assert send_due() == {"accepted": 1}

    [rev] = revisions()
    assert rev.late is True and rev.late_reason == reason
    assert (rev.document["late"], rev.document["late_reason"]) == (True, reason)
    [stored] = wired.received()
    assert stored["late"] is True
    assert json.loads(stored["payload"])["late_reason"] == reason
    wired.make_user()
    city_reviewer = wired.signed_in()
    page = city_reviewer.get(f"/reports/{stored['report_id']}").get_data(as_text=True)
    assert "Ký muộn" in page and reason in page
    grid = city_reviewer.get("/grid").get_data(as_text=True)
    row = re.search(r'<tr data-commune="20242"[^>]*>(.*?)</tr>', grid, re.S).group(1)
    assert f'data-date="{day}" data-state="late"' in row
    assert "Ký muộn" in leader.get(f"/reports/{day}/revisions").get_data(as_text=True)


def test_it_marks_a_signature_before_the_deadline_on_time(app, wired, commune, day, leader):
    set_deadline(commune, dt.time(23, 59))

    assert leader.post(f"/reports/{day}/sign", data={"late_reason": "không cần"}).status_code == 303
    assert send_due() == {"accepted": 1}

    [rev] = revisions()
    assert rev.late is False
    assert (rev.document["late"], rev.document["late_reason"]) == (False, None)
    assert rev.document["signed_at"] == f"{day}T12:00:00+07:00"  # the server's clock, Vietnam time
    [stored] = wired.received()
    assert stored["late"] is False


def test_it_takes_the_lateness_from_the_server_clock_not_from_the_form(app, commune, day, leader):
    set_deadline(commune, dt.time(23, 59))

    leader.post(f"/reports/{day}/sign", data={"late_reason": "x", "late": "1", "signed_at": f"{day}T23:59:59+07:00"})

    [rev] = revisions()
    assert rev.late is False and rev.document["signed_at"] == f"{day}T12:00:00+07:00"
