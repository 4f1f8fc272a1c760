"""The dashboard tells the truth about the month: a past day without a signed report is missing
(after its deadline), counted and listed; today is "not yet" until its deadline; days before the
commune's first report are not its to miss. And the main action follows the role."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories
from wardapp.core import clock
from wardapp.extensions import db
from wardapp.reports.models import ReportStatus

from .helpers import TEST_NOW, TODAY

pytestmark = pytest.mark.engines

FIRST = TODAY.replace(day=3)  # the commune's first report
UNSIGNED = [TODAY.replace(day=5), TODAY.replace(day=12), TODAY - dt.timedelta(days=1)]
NO_REPORT = TODAY.replace(day=10)


@pytest.fixture
def month(app, commune, users):
    """Every day from the 3rd to yesterday reported; all signed but three; one day never reported."""
    day = FIRST
    while day < TODAY:
        if day != NO_REPORT:
            report = factories.make_report(commune, day, users["staff"])
            if day not in UNSIGNED:
                report.status = ReportStatus.SIGNED
        day += dt.timedelta(days=1)
    factories.make_report(commune, TODAY, users["staff"])
    db.session.commit()


def _missing(html: str) -> tuple[str, list[str]]:
    block = re.search(r'id="missing-days">(.*?)</(?:div|p)>\s*(?:<p class="missing-list">(.*?)</p>)?', html, re.S)
    assert block is not None
    listed = re.findall(r">(\d\d/\d\d)</a>", block.group(2) or "")
    return re.sub(r"<[^>]+>|\s+", " ", block.group(1)).strip(), listed


def test_unsigned_past_days_are_missing_and_today_is_not_yet_before_its_deadline(month, auth, client):
    assert TEST_NOW.time() < dt.time(17, 0), "the test's moment is before the 17:00 deadline"
    auth.login("staff")
    html = client.get("/").get_data(as_text=True)
    text, listed = _missing(html)
    expected = sorted([*UNSIGNED, NO_REPORT])
    assert f"có {len(expected)} ngày quá hạn chưa có báo cáo đã ký" in text
    assert listed == [d.strftime("%d/%m") for d in expected]
    assert "Chưa đến hạn 17:00" in html
    assert 'id="today-action"' in html and "Nhập số liệu hôm nay" in html  # the staff's task


def test_today_is_missing_once_its_deadline_has_passed(month, auth, client, frozen_clock):
    frozen_clock.move_to(dt.datetime.combine(TODAY, dt.time(17, 30), tzinfo=clock.TZ))
    auth.login("staff")
    html = client.get("/").get_data(as_text=True)
    text, listed = _missing(html)
    assert "có 5 ngày quá hạn" in text and listed[-1] == TODAY.strftime("%d/%m")
    assert "Đã quá hạn 17:00, chưa ký" in html


def test_a_month_before_the_first_report_has_nothing_missing(month, auth, client):
    auth.login("staff")
    previous = (TODAY.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    text, listed = _missing(client.get(f"/?month={previous}").get_data(as_text=True))
    assert "không có ngày nào quá hạn" in text and listed == []


def test_the_leaders_main_action_is_the_oldest_day_awaiting_them(month, auth, client):
    auth.login("leader")
    html = client.get("/").get_data(as_text=True)
    action = re.search(r'<a class="button[^"]*" id="today-action" href="([^"]+)">([^<]+)</a>', html)
    assert action is not None
    oldest = UNSIGNED[0]
    assert action.group(1) == f"/reports/{oldest.isoformat()}/explain"
    assert action.group(2) == f"Giải trình báo cáo ngày {oldest:%d/%m/%Y}"
    assert "Nhập số liệu hôm nay" not in html
    assert 'id="awaiting-leader"' in html and f"{UNSIGNED[1]:%d/%m/%Y}: chờ giải trình" in html
