"""Recording the day's late dossiers, one by one or as a group, and the warning when what was
recorded does not add up to the day's late figures."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.delays.models import LateDossier
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories
from .helpers import TODAY, Page

DAY = TODAY - dt.timedelta(days=1)
URL = f"/reports/{DAY.isoformat()}/late"


@pytest.fixture
def report(commune, users):
    """Yesterday: 2 dossiers resolved late and 1 still pending past its deadline."""
    return factories.make_report(commune, DAY, users["staff"], resolved_late=2, pending_overdue=1)


def late(**overrides) -> dict[str, str]:
    return {
        "kind": "resolved_late",
        "count": "1",
        "procedure": "Đăng ký thường trú",
        "dossier_code": "H48.20242-250715-0012",
        "officer": "Trần Thị Mai",
        "unit": "Công an phường",
        "cause": "Chờ xác minh nơi ở cũ",
        "apology_issued": "1",
        "new_appointment": TODAY.isoformat(),
    } | overrides


def cells(page: Page, row) -> list[str]:
    found = []
    for element in page.elements[page.elements.index(row) + 1 :]:
        if element.tag == "tr":
            break
        if element.tag == "td":
            found.append(element.text)
    return found


def recorded(page: Page) -> list[list[str]]:
    """The table of recorded dossiers: kind, count, procedure, officer, cause, apology, new date."""
    rows = [cells(page, tr) for tr in page.find("tr")]
    return [r[:7] for r in rows if len(r) == 8]


def stored() -> list[dict]:
    db.session.expire_all()
    return [d.snapshot() for d in db.session.scalars(db.select(LateDossier).order_by(LateDossier.id))]


def mismatch(page: Page) -> list[str]:
    if not page.has_id("late-mismatch"):
        return []
    (box,) = [e for e in page.elements if e.attrs.get("id") == "late-mismatch"]
    start = page.elements.index(box)
    return [e.text for e in page.elements[start:] if e.tag == "li" and e.raw_text in box.raw_text]


# --- Recording ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff", "leader"])
def test_it_records_one_late_dossier_and_lists_it(client, auth, users, report, persona):
    auth.login(persona)

    response = client.post(URL, data=late())
    page = Page.of(client.get(URL))

    assert response.status_code == 303
    assert "Đã ghi hồ sơ trễ hạn." in page.flashes
    assert recorded(page) == [
        [
            # the code and the unit sit on a line of their own (after a <br>)
            "Giải quyết quá hạn",
            "1",
            "Đăng ký thường trúH48.20242-250715-0012",
            "Trần Thị MaiCông an phường",
            "Chờ xác minh nơi ở cũ",
            "Có",
            TODAY.strftime("%d/%m/%Y"),
        ]
    ]
    (line,) = db.session.scalars(db.select(AuditEvent).filter_by(action="late_dossier.added")).all()
    assert line.after["procedure"] == "Đăng ký thường trú"


def test_it_records_a_group_of_dossiers_with_the_same_cause(client, auth, users, report):
    auth.login("staff")

    client.post(
        URL,
        data=late(
            kind="pending_overdue",
            count="12",
            dossier_code="",
            apology_issued="",
            new_appointment="",
            procedure="Cấp giấy chứng nhận quyền sử dụng đất",
            cause="Phần mềm địa chính lỗi từ 14/7",
        ),
    )

    (row,) = recorded(Page.of(client.get(URL)))
    assert row[:3] == ["Đang giải quyết quá hạn", "12", "Cấp giấy chứng nhận quyền sử dụng đất"]
    assert row[5:] == ["Chưa", ""]
    assert stored()[0]["count"] == 12


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"procedure": " "}, "procedure", "Nhập tên thủ tục.", id="no procedure"),
        pytest.param({"officer": ""}, "officer", "Nhập cán bộ chịu trách nhiệm.", id="no officer"),
        pytest.param({"cause": ""}, "cause", "Nêu nguyên nhân trễ hạn.", id="no cause"),
        pytest.param({"kind": "late"}, "kind", "Chọn loại trễ hạn.", id="unknown kind"),
        pytest.param({"count": "0"}, "count", "Số hồ sơ là số nguyên từ 1.", id="no dossier"),
        pytest.param({"count": "-2"}, "count", "Số hồ sơ là số nguyên từ 1.", id="negative count"),
        pytest.param({"count": "ba"}, "count", "Số hồ sơ là số nguyên từ 1.", id="count in words"),
        pytest.param({"count": "10001"}, "count", "Số hồ sơ là số nguyên từ 1.", id="count too large"),
        pytest.param({"new_appointment": "2025-02-30"}, "new_appointment", "Ngày không hợp lệ.", id="no such day"),
    ],
)
def test_it_refuses_a_late_dossier_it_cannot_record_and_keeps_what_was_typed(
    client, auth, users, report, changes, field, message
):
    auth.login("staff")
    version = report.version

    response = client.post(URL, data=late(**changes))
    page = Page.of(response)

    assert response.status_code == 422
    assert page.text(f"err-{field}") == message
    assert page.value("dossier_code") == "H48.20242-250715-0012"
    assert page.value("unit") == "Công an phường"
    assert stored() == []
    assert db.session.get(DailyReport, report.id).version == version


def test_it_records_a_late_dossier_on_a_day_without_figures_yet(client, auth, users):
    auth.login("staff")

    response = client.post(URL, data=late())

    assert response.status_code == 303
    db.session.expire_all()
    day_report = db.session.scalar(db.select(DailyReport).filter_by(date=DAY))
    assert day_report is not None and day_report.status == "draft"
    assert len(stored()) == 1


def test_it_refuses_a_late_dossier_for_a_day_still_to_come(client, auth, users):
    auth.login("staff")
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert client.post(f"/reports/{tomorrow}/late", data=late()).status_code == 404
    assert stored() == []


@pytest.mark.parametrize("persona", ["reviewer", "admin"])
def test_it_shows_other_people_the_list_without_a_way_to_change_it(client, auth, users, report, persona):
    auth.login("staff")
    client.post(URL, data=late())
    dossier_id = db.session.scalar(db.select(LateDossier.id))
    auth.logout()
    auth.login(persona)

    page = Page.of(client.get(URL))
    added = client.post(URL, data=late(procedure="Thủ tục khác"))
    removed = client.post(f"{URL}/{dossier_id}/remove")

    assert len(recorded(page)) == 1
    assert not page.find("input", name="procedure")
    assert (added.status_code, removed.status_code) == (403, 403)
    assert [d["procedure"] for d in stored()] == ["Đăng ký thường trú"]


# --- Do the records add up? ---------------------------------------------------------------------


def test_it_warns_while_the_records_do_not_add_up_to_the_days_figures(client, auth, users, report):
    auth.login("staff")

    nothing_recorded = mismatch(Page.of(client.get(URL)))
    client.post(URL, data=late(count="2"))
    half_recorded = mismatch(Page.of(client.get(URL)))
    client.post(URL, data=late(kind="pending_overdue", count="1"))
    all_recorded = Page.of(client.get(URL))

    assert nothing_recorded == [
        "Giải quyết quá hạn: số liệu ngày là 2 hồ sơ nhưng đã ghi 0.",
        "Đang giải quyết quá hạn: số liệu ngày là 1 hồ sơ nhưng đã ghi 0.",
    ]
    assert half_recorded == ["Đang giải quyết quá hạn: số liệu ngày là 1 hồ sơ nhưng đã ghi 0."]
    assert not all_recorded.has_id("late-mismatch")
    assert "Số liệu ngày: 2 hồ sơ giải quyết quá hạn, 1 hồ sơ đang quá hạn." in all_recorded.html


def test_it_warns_when_more_dossiers_are_recorded_than_the_figures_say(client, auth, users, report):
    auth.login("staff")
    client.post(URL, data=late(count="3"))
    client.post(URL, data=late(kind="pending_overdue"))

    assert mismatch(Page.of(client.get(URL))) == ["Giải quyết quá hạn: số liệu ngày là 2 hồ sơ nhưng đã ghi 3."]


def test_it_shows_no_warning_for_a_day_without_late_dossiers(client, auth, users, commune):
    factories.make_report(
        commune,
        DAY,
        users["staff"],
        resolved_late=0,
        pending_overdue=0,
        resolved_on_time=20,
        pending_within=12,
        apology_letters=0,
    )
    auth.login("staff")
    page = Page.of(client.get(URL))
    assert not page.has_id("late-mismatch")
    assert "Chưa ghi hồ sơ trễ hạn nào." in page.html


def test_it_follows_the_figures_when_they_are_corrected(client, auth, users, report):
    auth.login("staff")
    client.post(URL, data=late(count="2"))
    client.post(URL, data=late(kind="pending_overdue", count="1"))
    db.session.expire_all()
    version = db.session.get(DailyReport, report.id).version

    client.post(
        f"/reports/{DAY.isoformat()}", data=factories.form_data(version=version, resolved_late=3, resolved_on_time=17)
    )

    assert mismatch(Page.of(client.get(URL))) == ["Giải quyết quá hạn: số liệu ngày là 3 hồ sơ nhưng đã ghi 2."]


# --- Removing ------------------------------------------------------------------------------------


def test_it_removes_a_late_dossier_and_logs_what_it_was(client, auth, users, report):
    auth.login("staff")
    client.post(URL, data=late(count="2"))
    client.post(URL, data=late(kind="pending_overdue", count="1"))
    group = db.session.scalar(db.select(LateDossier).filter_by(kind="resolved_late"))

    response = client.post(f"{URL}/{group.id}/remove")
    page = Page.of(client.get(URL))

    assert response.status_code == 303
    assert [row[0] for row in recorded(page)] == ["Đang giải quyết quá hạn"]
    assert mismatch(page) == ["Giải quyết quá hạn: số liệu ngày là 2 hồ sơ nhưng đã ghi 0."]
    (line,) = db.session.scalars(db.select(AuditEvent).filter_by(action="late_dossier.removed")).all()
    assert line.before["count"] == 2
    assert line.actor_username == "staff"


def test_it_removes_a_dossier_only_from_its_own_day(client, auth, users, report, commune):
    other_day = DAY - dt.timedelta(days=1)
    factories.make_report(commune, other_day, users["staff"])
    auth.login("staff")
    client.post(URL, data=late())
    dossier = db.session.scalar(db.select(LateDossier))

    response = client.post(f"/reports/{other_day.isoformat()}/late/{dossier.id}/remove")

    assert response.status_code == 404
    assert len(stored()) == 1
