"""The month's list of late dossiers, by officer and unit, with the leader's explanation of each
(or "Chưa giải trình"): the list the commune publishes."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.delays.models import LateDossier
from wardapp.extensions import db

from . import factories
from .helpers import TODAY, Page, signed_in

THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
EARLY = LAST_MONTH + dt.timedelta(days=2)  # the 3rd of last month
LATER = LAST_MONTH + dt.timedelta(days=9)  # the 10th of last month
NEW_DATE = (TODAY + dt.timedelta(days=5)).isoformat()


def record(
    report,
    officer: str,
    unit: str,
    procedure: str,
    count: int = 1,
    kind: str = "resolved_late",
    cause: str = "Chờ xác minh",
) -> LateDossier:
    dossier = LateDossier(
        report_id=report.id, kind=kind, count=count, procedure=procedure, officer=officer, unit=unit, cause=cause
    )
    db.session.add(dossier)
    db.session.commit()
    return dossier


def explain(leader, day: dt.date, dossier: LateDossier, remedy: str, responsible: str = "Phó Chủ tịch Lê Thị Hằng"):
    response = leader.post(
        f"/reports/{day.isoformat()}/explain",
        data={
            "item": f"late:{dossier.id}",
            "cause": "Thiếu người",
            "remedy": remedy,
            "new_date": NEW_DATE,
            "responsible": responsible,
        },
    )
    assert response.status_code == 303
    return response


def month_url(first: dt.date) -> str:
    return f"/delays?month={first.strftime('%Y-%m')}"


def cells(page: Page, row) -> list[str]:
    found = []
    for element in page.elements[page.elements.index(row) + 1 :]:
        if element.tag == "tr":
            break
        if element.tag == "td":
            found.append(element.text)
    return found


def groups(page: Page) -> dict[str, list[list[str]]]:
    """{the officer's heading: the rows of their table}, in the page's order."""
    found: dict[str, list[list[str]]] = {}
    heading = None
    for element in page.elements:
        if element.tag == "section" and "officer" in element.classes:
            heading = None
        elif element.tag == "h2" and heading is None:
            heading = element.text
            found[heading] = []
        elif element.tag == "tr" and heading is not None:
            row = cells(page, element)
            if row:
                found[heading].append(row)
    return {h: rows for h, rows in found.items() if rows}


@pytest.fixture
def last_month(commune, users):
    """Two days of last month with late dossiers of three officers (one name in two units)."""
    early = factories.make_report(commune, EARLY, users["staff"])
    later = factories.make_report(commune, LATER, users["staff"])
    return {
        "an": record(early, "Nguyễn Văn An", "Tư pháp - Hộ tịch", "Đăng ký khai sinh", cause="Mất điện"),
        "mai_early": record(early, "Trần Thị Mai", "Công an phường", "Đăng ký thường trú", count=1),
        "mai_later": record(
            later, "Trần Thị Mai", "Công an phường", "Đăng ký tạm trú", count=2, kind="pending_overdue"
        ),
        "mai_land": record(later, "Trần Thị Mai", "Địa chính", "Cấp giấy chứng nhận quyền sử dụng đất"),
    }


def test_it_lists_the_months_late_dossiers_by_officer_and_unit(app, users, last_month):
    page = Page.of(signed_in(app, "reviewer").get(month_url(LAST_MONTH)))

    listed = groups(page)

    assert f"Danh sách hồ sơ trễ hạn và giải trình tháng {LAST_MONTH.strftime('%m/%Y')}" in page.find("h1")[0].text
    assert list(listed) == [
        "Nguyễn Văn An · Tư pháp - Hộ tịch (1 hồ sơ)",
        "Trần Thị Mai · Công an phường (3 hồ sơ)",
        "Trần Thị Mai · Địa chính (1 hồ sơ)",
    ]
    assert listed["Trần Thị Mai · Công an phường (3 hồ sơ)"] == [
        [  # the leader's explanation first: on a phone it is what is looked for
            "Chưa giải trình",
            EARLY.strftime("%d/%m/%Y"),
            "Giải quyết quá hạn",
            "1",
            "Đăng ký thường trú",
            "Chờ xác minh",
        ],
        [
            "Chưa giải trình",
            LATER.strftime("%d/%m/%Y"),
            "Đang giải quyết quá hạn",
            "2",
            "Đăng ký tạm trú",
            "Chờ xác minh",
        ],
    ]


def test_it_shows_the_leaders_explanation_next_to_the_dossier(app, users, last_month):
    leader = signed_in(app, "leader")
    explain(leader, EARLY, last_month["mai_early"], "Bố trí thêm cán bộ xác minh")

    listed = groups(Page.of(leader.get(month_url(LAST_MONTH))))

    mai = listed["Trần Thị Mai · Công an phường (3 hồ sơ)"]
    new_date = dt.date.fromisoformat(NEW_DATE).strftime("%d/%m/%Y")
    assert mai[0][0] == f"Bố trí thêm cán bộ xác minh (Phó Chủ tịch Lê Thị Hằng, {new_date})"
    assert mai[1][0] == "Chưa giải trình"
    assert listed["Nguyễn Văn An · Tư pháp - Hộ tịch (1 hồ sơ)"][0][0] == "Chưa giải trình"


def test_it_shows_the_latest_explanation_when_the_leader_rewrote_it(app, users, last_month):
    leader = signed_in(app, "leader")
    explain(leader, EARLY, last_month["an"], "Mua máy phát điện")
    explain(leader, EARLY, last_month["an"], "Dùng máy phát điện của UBND", responsible="Chủ tịch Phạm Văn Dũng")

    (row,) = groups(Page.of(leader.get(month_url(LAST_MONTH))))["Nguyễn Văn An · Tư pháp - Hộ tịch (1 hồ sơ)"]

    assert row[0].startswith("Dùng máy phát điện của UBND (Chủ tịch Phạm Văn Dũng,")
    assert "Mua máy phát điện" not in row[0]


def test_it_lists_only_the_dossiers_of_the_month_asked_for(app, users, commune, last_month):
    today = factories.make_report(commune, TODAY, users["staff"])
    record(today, "Lê Văn Tùng", "Văn hóa - Xã hội", "Xác nhận hộ nghèo")
    staff = signed_in(app, "staff")

    last = groups(Page.of(staff.get(month_url(LAST_MONTH))))
    this = groups(Page.of(staff.get(month_url(THIS_MONTH))))

    assert not any("Lê Văn Tùng" in heading for heading in last)
    assert list(this) == ["Lê Văn Tùng · Văn hóa - Xã hội (1 hồ sơ)"]


def test_it_says_when_a_month_had_no_late_dossier(app, users, last_month):
    before = (LAST_MONTH - dt.timedelta(days=1)).replace(day=1)
    page = Page.of(signed_in(app, "staff").get(month_url(before)))
    assert "Tháng này không có hồ sơ trễ hạn." in page.html
    assert groups(page) == {}


@pytest.mark.parametrize("month", ["", "2025-13", "tháng 7", "2025-7-1"])
def test_it_opens_the_current_month_when_the_month_is_not_understood(app, users, month):
    page = Page.of(signed_in(app, "staff").get(f"/delays?month={month}"))
    assert f"tháng {THIS_MONTH.strftime('%m/%Y')}" in page.find("h1")[0].text


def test_it_links_to_the_next_month_only_when_it_has_begun(app, users):
    staff = signed_in(app, "staff")

    last = {a.attrs.get("href") for a in Page.of(staff.get(month_url(LAST_MONTH))).find("a")}
    this = {a.attrs.get("href") for a in Page.of(staff.get(month_url(THIS_MONTH))).find("a")}
    next_month = (THIS_MONTH + dt.timedelta(days=32)).replace(day=1)

    assert month_url(THIS_MONTH) in last
    assert month_url(next_month) not in this
    assert month_url(LAST_MONTH) in this


def test_it_does_not_list_explanations_of_other_items_as_dossier_explanations(app, users, commune, last_month):
    """A late dossier of one day is not explained by the explanation of another item that day."""
    commune.team_deadline = EARLY - dt.timedelta(days=1)
    db.session.commit()
    leader = signed_in(app, "leader")
    explained = leader.post(
        f"/reports/{EARLY.isoformat()}/explain",
        data={
            "item": "team",
            "cause": "Chưa có nhân sự",
            "remedy": "Trình quyết định thành lập",
            "new_date": NEW_DATE,
            "responsible": "Chủ tịch",
        },
    )
    assert explained.status_code == 303

    listed = groups(Page.of(leader.get(month_url(LAST_MONTH))))

    assert all(row[0] == "Chưa giải trình" for rows in listed.values() for row in rows)
