"""The province overview: today's communes by state with their names, the week, the rates and the
communes that need attention; reminders with a per-province deadline."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.factories import figures

from . import support
from .conftest import TODAY

ON_TIME, LATE, SILENT, QUIET = (support.Commune(c) for c in ("20242", "20194", "20197", "20200"))


@pytest.fixture
def reviewer(city):
    support.enrol_all(city, [ON_TIME, LATE, SILENT, QUIET])
    client = city.test_client()
    support.push(client, support.signed(ON_TIME, TODAY))
    support.push(client, support.signed(LATE, TODAY, late=True))
    for n in range(1, 15):  # two weeks: ON_TIME every day, SILENT never, QUIET until 3 days ago
        day = TODAY - dt.timedelta(days=n)
        support.push(client, support.signed(ON_TIME, day))
        if n >= 3:
            support.push(client, support.signed(QUIET, day))
        if n == 1:  # LATE's on-time rate falls: yesterday every dossier resolved was late
            support.push(
                client,
                support.signed(
                    LATE,
                    day,
                    figures_=figures(
                        resolved_early=0, resolved_on_time=0, resolved_late=28, pending_overdue=12, pending_within=0
                    ),
                    explanations=[{"item": "late", "cause": "Thiếu người", "remedy": "Tăng ca", "responsible": "PCT"}],
                ),
            )
        else:
            support.push(client, support.signed(LATE, day))
    support.make_user(city, "sokhcn")
    return support.signed_in(city, "sokhcn")


def names_in(html: str, state: str) -> set[str]:
    block = re.search(rf'<details class="state state-{state}"[^>]*>(.*?)</details>', html, re.S).group(1)
    return set(re.findall(r'<li data-commune="(\d{5})"', block))


def test_today_sorts_every_commune_of_the_province_before_the_deadline(reviewer):
    html = reviewer.get("/").get_data(as_text=True)

    assert names_in(html, "on_time") == {ON_TIME.code}
    assert names_in(html, "late") == {LATE.code}
    assert names_in(html, "not_yet") == {SILENT.code, QUIET.code}  # 12:00, the deadline is 17:00
    assert names_in(html, "missing") == set()
    assert len(names_in(html, "not_connected")) == 94 - 4  # Đà Nẵng's other communes
    assert 'id="state-on_time" data-count="1"' in html


def test_after_the_deadline_not_yet_becomes_missing(reviewer, frozen_clock):
    from wardapp.core import clock

    frozen_clock.move_to(dt.datetime.combine(TODAY, dt.time(17, 0, 1), tzinfo=clock.TZ))
    html = reviewer.get("/").get_data(as_text=True)
    assert names_in(html, "missing") == {SILENT.code, QUIET.code}
    assert names_in(html, "not_yet") == set()


def test_attention_names_who_stopped_reporting_and_whose_rate_fell(reviewer):
    html = reviewer.get("/").get_data(as_text=True)
    section = re.search(r'<section class="card" id="attention">(.*?)</section>', html, re.S).group(1)
    rows = dict(re.findall(r'<tr data-commune="(\d{5})">(.*?)</tr>', section, re.S))

    assert 'data-reason="missing"' in rows[SILENT.code] and "(≥ 14 ngày)" in rows[SILENT.code]
    assert 'data-reason="missing"' in rows[QUIET.code] and "(2 ngày)" in rows[QUIET.code]
    assert 'data-reason="rate_drop"' in rows[LATE.code]
    assert 'data-reason="overdue"' in rows[LATE.code]
    assert 'data-reason="explanations"' in rows[LATE.code]
    assert ON_TIME.code not in rows


def test_the_week_counts_reports_and_missing_ones(reviewer):
    html = reviewer.get("/").get_data(as_text=True)
    week = re.search(r'<section class="card" id="week">(.*?)</section>', html, re.S).group(1)
    yesterday = (TODAY - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    row = re.search(rf"{yesterday}</a></th>(.*?)</tr>", week, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2", "0", "2"]  # ON_TIME and LATE; SILENT and QUIET missing


def test_an_admin_sets_the_deadline_and_the_reminder_lists_who_has_not_reported(city, reviewer):
    support.make_user(city, "admin", role="admin")
    admin = support.signed_in(city, "admin")

    bad = admin.post("/reminders", data={"province": "48", "deadline": "25:99"})
    assert bad.status_code == 422 and "Giờ không hợp lệ" in bad.get_data(as_text=True)
    assert admin.post("/reminders", data={"province": "48", "deadline": "11:30"}).status_code == 303
    assert reviewer.post("/reminders", data={"province": "48", "deadline": "20:00"}).status_code == 403

    html = reviewer.get("/reminders").get_data(as_text=True)
    text = re.search(r'<textarea id="reminder-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert SILENT.unit.name in text and QUIET.unit.name in text and ON_TIME.unit.name not in text
    assert "hạn 11:30" in text
    overview = reviewer.get("/").get_data(as_text=True)  # 12:00 is now past the 11:30 deadline
    assert names_in(overview, "missing") == {SILENT.code, QUIET.code}
