"""A city's return reaches the leader within a minute: recent days are asked about often, and a
leader opening the day asks at once; the dashboard and every page of the day carry the banner."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.core.clock import utcnow
from wardapp.delivery.sender import poll_statuses, send_due
from wardapp.extensions import db
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

DAY = TODAY.isoformat()
COMMENT = "Số hồ sơ trực tuyến không khớp với Cổng dịch vụ công, đề nghị kiểm tra lại."


@pytest.fixture
def sent(app, wired, commune, users):
    report = support.ready_day(commune, users, TODAY, photos=1)
    rev = sign_report(commune, report, users["leader"], "Chờ số liệu")
    assert send_due() == {"accepted": 1}
    return rev.report_key


def _return(wired, report_id: str) -> None:
    wired.make_user(full_name="Trần Văn Thẩm")
    assert wired.signed_in().post(f"/reports/{report_id}/return", data={"comment": COMMENT}).status_code == 303


def _polled(seconds_ago: float, created_days_ago: float = 0) -> None:
    entry = support.outbox_entry()
    entry.last_polled_at = utcnow() - dt.timedelta(seconds=seconds_ago)
    entry.created_at = utcnow() - dt.timedelta(days=created_days_ago)
    db.session.commit()


def test_a_recent_day_is_asked_about_again_within_a_minute(app, wired, sent):
    _return(wired, sent)
    recent = app.config["OUTBOX_POLL_RECENT_SECONDS"]
    assert recent < 60

    _polled(seconds_ago=recent - 5)
    assert poll_statuses() == 0  # asked a moment ago: not yet

    _polled(seconds_ago=recent + 1)
    assert poll_statuses() == 1
    assert support.revision().city_state == "returned"


def test_an_older_day_is_asked_about_at_the_slow_pace(app, wired, sent):
    _return(wired, sent)
    old = app.config["OUTBOX_POLL_RECENT_DAYS"] + 1

    _polled(seconds_ago=app.config["OUTBOX_POLL_RECENT_SECONDS"] + 1, created_days_ago=old)
    assert poll_statuses() == 0

    _polled(seconds_ago=app.config["OUTBOX_POLL_SECONDS"] + 1, created_days_ago=old)
    assert poll_statuses() == 1


def test_the_leader_opening_the_day_learns_of_the_return_at_once(app, wired, sent, leader):
    _return(wired, sent)
    _polled(seconds_ago=30)  # the worker asked half a minute ago: it would not ask again yet

    page = leader.get(f"/reports/{DAY}").get_data(as_text=True)

    assert support.revision().city_state == "returned"
    assert 'class="return-banner"' in page and COMMENT in page and "Trần Văn Thẩm" in page
    assert f'href="/reports/{DAY}/revisions#correct-form"' in page
    assert 'data-status="returned"' in page
    dashboard = leader.get("/").get_data(as_text=True)
    assert COMMENT in dashboard and 'id="today-status"' in dashboard
    assert 'data-status="returned" id="today-status"' in dashboard


def test_staff_opening_the_day_do_not_make_the_app_call_the_city(app, wired, sent, users):
    _return(wired, sent)
    _polled(seconds_ago=30)
    staff = support.signed_in(app, "staff")

    staff.get(f"/reports/{DAY}")

    assert support.revision().city_state != "returned"
