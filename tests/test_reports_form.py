"""The day's report form: bad input, drafts, carried-over dossiers, two people saving, live check."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import current_app
from sqlalchemy import update

from wardapp.audit.models import AuditEvent
from wardapp.core.figures import FIGURE_NAMES, NARRATIVE_NAMES
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories
from .helpers import TODAY, Page, signed_in

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

NARRATIVE = {
    "highlights": "Người dân hài lòng với thái độ phục vụ; Tổ phản ứng nhanh hỗ trợ 2 cụ già.",
    "difficulties": "Đường truyền chập chờn buổi sáng <15 phút> & máy in hỏng.",
    "proposals": "Đề nghị nâng cấp đường truyền.",
}


def form_data(version: int = 0, **overrides) -> dict[str, str]:
    """What the browser posts. The response team's cases are counted by the app from the team's
    support log (empty here), so the form posts the 0 the page shows."""
    return factories.form_data(version, **{"response_team_cases": 0, **overrides})


def url(day: dt.date = TODAY) -> str:
    return f"/reports/{day.isoformat()}"


def stored(day: dt.date = TODAY) -> dict | None:
    """The day's report as the database has it now (None when there is none)."""
    db.session.expire_all()
    report = db.session.scalar(db.select(DailyReport).filter_by(date=day))
    return (
        None if report is None else report.snapshot() | {"version": report.version, "updated_by": report.updated_by_id}
    )


def typeable(page: Page) -> list[str]:
    """The figures and texts a person can type in (not those the app fills in, read-only)."""
    names = [n for n in (*FIGURE_NAMES, *NARRATIVE_NAMES) if "readonly" not in page.field(n).attrs]
    assert len(names) >= len(FIGURE_NAMES) - 3, "almost every figure is typed by a person"
    return names


def after_field(page: Page, name: str, cls: str) -> list[str]:
    """Texts of the elements with class ``cls`` between field ``name`` and the next field."""
    start = page.elements.index(page.field(name))
    found = []
    for element in page.elements[start + 1 :]:
        if element.tag in ("input", "textarea", "select") and element.attrs.get("type") != "hidden":
            break
        if cls in element.classes:
            found.append(element.text)
    return found


# --- Input that cannot be stored ----------------------------------------------------------------

TOO_LONG = object()  # stands for NARRATIVE_MAX_CHARS + 1 characters of Vietnamese text

BAD_INPUT = [
    pytest.param("received_online", "mười hai", "Chỉ nhập chữ số", id="text in a number field"),
    pytest.param("resolved_late", "-2", "Không được là số âm", id="negative number"),
    pytest.param("digitized", "12,5", "Chỉ nhập số nguyên", id="decimal number"),
    # A blank figure is no longer bad input: it counts as 0 (tests/test_blank_figures.py).
    pytest.param("received_in_person", "100001", "Số quá lớn", id="number too large"),
    pytest.param("highlights", TOO_LONG, "Quá dài", id="narrative too long"),
]


def typed_form(version: int, field: str, typed) -> dict[str, str]:
    if typed is TOO_LONG:
        limit = current_app.config["NARRATIVE_MAX_CHARS"]
        typed = ("Hồ sơ đất đai tồn đọng, cần giải trình. " * limit)[:limit] + "!"
    # Different from what is stored, so "kept" cannot mean "read back from the database".
    data = form_data(version, received_in_person=17, resolved_on_time=19, **NARRATIVE)
    return data | {field: typed}


@pytest.mark.parametrize(("field", "typed", "message"), BAD_INPUT)
def test_it_refuses_bad_input_next_to_the_field_and_keeps_everything_typed(
    client, auth, users, commune, field, typed, message
):
    factories.make_report(commune, TODAY, users["staff"])
    before = stored()
    auth.login("staff")
    data = typed_form(1, field, typed)

    response = client.post(url(), data=data)

    page = Page.of(response)
    assert response.status_code == 422
    assert message in page.text(f"err-{field}")
    assert page.field(field).attrs["aria-describedby"] == f"err-{field}"
    for name in typeable(page):
        assert page.value(name) == data[name], name
    assert stored() == before


@pytest.mark.parametrize(("field", "typed", "message"), BAD_INPUT)
def test_it_creates_no_report_from_bad_input(client, auth, users, field, typed, message):
    auth.login("leader")
    response = client.post(url(), data=typed_form(0, field, typed))
    assert response.status_code == 422
    assert message in Page.of(response).text(f"err-{field}")
    assert stored() is None
    assert db.session.scalar(db.select(AuditEvent).filter(AuditEvent.action.startswith("report."))) is None


def test_it_shows_every_problem_at_once(client, auth, users):
    auth.login("staff")
    data = form_data() | {"received_online": "abc", "resolved_late": "-1", "proposals": "x" * 5000}

    page = Page.of(client.post(url(), data=data))

    assert page.text("err-received_online") and page.text("err-resolved_late") and page.text("err-proposals")
    assert "Còn 3 chỗ cần sửa" in page.text("problem-count")


def test_it_accepts_leading_zeros_and_spaces(client, auth, users):
    auth.login("staff")
    response = client.post(url(), data=form_data() | {"received_postal": " 02 "})
    assert response.status_code == 303
    assert stored()["received_postal"] == 2


# --- Which day ---------------------------------------------------------------------------------


def test_it_refuses_to_open_a_day_in_the_future(client, auth, users):
    auth.login("staff")
    response = client.get(url(TODAY + dt.timedelta(days=1)), follow_redirects=True)
    assert response.request.path == "/"
    assert "Không thể báo cáo cho ngày trong tương lai." in Page.of(response).flashes


def test_it_saves_nothing_for_a_day_in_the_future(client, auth, users):
    tomorrow = TODAY + dt.timedelta(days=1)
    auth.login("staff")
    response = client.post(url(tomorrow), data=form_data())
    assert response.status_code == 303
    assert stored(tomorrow) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ((TODAY + dt.timedelta(days=1)).isoformat(), "Không thể báo cáo cho ngày trong tương lai."),
        ("2025-02-30", "Ngày không hợp lệ."),
        ("31/01/2025", "Ngày không hợp lệ."),
    ],
)
def test_it_explains_why_another_day_cannot_be_opened(client, auth, users, typed, message):
    auth.login("staff")
    response = client.post("/reports/new", data={"date": typed})
    page = Page.of(response)
    assert response.status_code == 422
    assert message in page.text("err-date")
    assert page.value("date") == typed


def test_it_points_to_the_existing_report_of_a_day(client, auth, users, commune):
    day = TODAY - dt.timedelta(days=3)
    factories.make_report(commune, day, users["staff"])
    auth.login("staff")

    response = client.post("/reports/new", data={"date": day.isoformat()})

    page = Page.of(response)
    assert response.status_code == 409
    assert f"Ngày {day:%d/%m/%Y} đã có báo cáo" in page.text("err-date")
    assert page.find("a", href=url(day))
    assert stored(day)["version"] == 1


def test_it_opens_the_form_of_a_day_without_report(client, auth, users):
    day = TODAY - dt.timedelta(days=3)
    auth.login("leader")
    response = client.post("/reports/new", data={"date": day.isoformat()})
    assert response.status_code == 303
    assert response.headers["Location"] == url(day)


def test_it_answers_404_for_something_that_is_not_a_date(client, auth, users):
    auth.login("staff")
    assert client.get("/reports/2025-13-01").status_code == 404


# --- Drafts and complete reports ---------------------------------------------------------------


def test_it_saves_inconsistent_figures_as_a_draft_and_says_how_many_problems(client, auth, users):
    auth.login("staff")
    # 12 pending becomes 99 (the day no longer adds up) and 20 paid online out of 10 with fees.
    response = client.post(url(), data=form_data(pending_within=98, paid_online=20), follow_redirects=True)

    page = Page.of(response)
    assert response.request.path == url()
    assert any("Đã lưu nháp. Còn 2 chỗ chưa khớp" in f for f in page.flashes)
    assert "Chưa khớp" in page.text("err-pending_overdue")
    assert page.text("err-paid_online")
    assert page.value("pending_within") == "98"
    assert (stored()["status"], stored()["pending_within"]) == ("draft", 98)


def test_it_saves_consistent_figures_as_complete(client, auth, users):
    auth.login("staff")
    response = client.post(url(), data=form_data(**NARRATIVE), follow_redirects=True)

    page = Page.of(response)
    assert f"Đã lưu báo cáo ngày {TODAY:%d/%m/%Y}." in page.flashes
    assert 'data-status="complete" id="day-status">Đủ số liệu<' in page.html
    report = stored()
    assert report["status"] == "complete"
    assert {k: report[k] for k in NARRATIVE} == NARRATIVE
    assert {k: report[k] for k in FIGURE_NAMES} == factories.figures(response_team_cases=0)


def test_it_turns_a_draft_into_a_complete_report_once_fixed(client, auth, users, commune):
    factories.make_report(commune, TODAY, users["staff"], pending_within=50)
    assert stored()["status"] == "draft"
    auth.login("staff")
    assert client.post(url(), data=form_data(version=1)).status_code == 303
    assert (stored()["status"], stored()["version"]) == ("complete", 2)


# --- Carried-over dossiers ---------------------------------------------------------------------


def test_it_carries_over_the_dossiers_pending_at_the_end_of_the_previous_report(client, auth, users, commune):
    yesterday = TODAY - dt.timedelta(days=1)
    factories.make_report(commune, yesterday, users["staff"], pending_within=9, pending_overdue=1)
    auth.login("staff")

    page = Page.of(client.get(url()))

    field = page.field("carried_over")
    assert field.attrs["value"] == "10"
    assert "readonly" in field.attrs
    assert f"cuối ngày {yesterday:%d/%m/%Y}" in page.html


def test_it_ignores_a_typed_carried_over_figure_when_a_previous_report_exists(client, auth, users, commune):
    factories.make_report(commune, TODAY - dt.timedelta(days=1), users["staff"], pending_within=9, pending_overdue=1)
    auth.login("staff")

    response = client.post(url(), data=form_data(carried_over=500))

    assert response.status_code == 303
    assert stored()["carried_over"] == 10
    assert stored()["status"] == "complete"  # 30 received + 10 carried = 28 resolved + 12 pending


@pytest.mark.parametrize(("day_offset", "expected"), [(0, 5), (4, 20), (5, 20)])
def test_it_carries_over_from_the_latest_earlier_report_only(client, auth, users, commune, day_offset, expected):
    factories.make_report(commune, TODAY - dt.timedelta(days=3), users["staff"], pending_within=5, pending_overdue=0)
    factories.make_report(commune, TODAY - dt.timedelta(days=6), users["staff"], pending_within=18, pending_overdue=2)
    auth.login("staff")
    page = Page.of(client.get(url(TODAY - dt.timedelta(days=day_offset))))
    assert page.value("carried_over") == str(expected)


def test_it_lets_the_first_report_type_its_carried_over_figure(client, auth, users):
    auth.login("staff")
    page = Page.of(client.get(url()))
    assert "readonly" not in page.field("carried_over").attrs

    response = client.post(url(), data=form_data(carried_over=7, pending_within=8))

    assert response.status_code == 303
    assert (stored()["carried_over"], stored()["status"]) == (7, "complete")


# --- Two people saving the same day ------------------------------------------------------------


def test_it_keeps_both_versions_when_someone_else_saved_first(app, users, commune):
    factories.make_report(commune, TODAY, users["staff"])
    staff, leader = signed_in(app, "staff"), signed_in(app, "leader")
    loaded = Page.of(staff.get(url()))
    assert loaded.value("version") == "1"
    theirs = form_data(1, received_in_person=15, received_postal=3, highlights="Bản của lãnh đạo")
    mine = form_data(1, received_in_person=17, resolved_on_time=19, highlights="Bản của cán bộ")
    assert leader.post(url(), data=theirs).status_code == 303

    response = staff.post(url(), data=mine)

    page = Page.of(response)
    assert response.status_code == 409
    assert "Người dùng leader đã lưu báo cáo này" in page.text("conflict")
    for name in typeable(page):
        assert page.value(name) == mine[name], name
    assert after_field(page, "received_in_person", "theirs") == ["Giá trị đã lưu bởi Người dùng leader: 15"]
    assert after_field(page, "received_postal", "theirs") == ["Giá trị đã lưu bởi Người dùng leader: 3"]
    assert after_field(page, "highlights", "theirs") == ["Nội dung đã lưu bởi Người dùng leader: Bản của lãnh đạo"]
    assert after_field(page, "received_online", "theirs") == []  # the same on both sides
    report = stored()
    assert (report["highlights"], report["received_in_person"], report["version"]) == ("Bản của lãnh đạo", 15, 2)
    assert report["updated_by"] == users["leader"].id

    again = staff.post(url(), data=mine | {"version": page.value("version")})

    assert again.status_code == 303
    report = stored()
    assert (report["highlights"], report["received_in_person"], report["version"]) == ("Bản của cán bộ", 17, 3)


def test_it_does_not_overwrite_a_report_created_while_the_form_was_open(app, users, commune):
    staff, leader = signed_in(app, "staff"), signed_in(app, "leader")
    assert Page.of(staff.get(url())).value("version") == "0"
    assert leader.post(url(), data=form_data(0, highlights="Lãnh đạo nhập trước")).status_code == 303

    response = staff.post(url(), data=form_data(0, highlights="Cán bộ nhập sau"))

    assert response.status_code == 409
    assert Page.of(response).value("highlights") == "Cán bộ nhập sau"
    assert stored()["highlights"] == "Lãnh đạo nhập trước"


@pytest.mark.parametrize("version", ["0", "2", "99", "-1", "abc", ""])
def test_it_never_overwrites_with_a_tampered_version(client, auth, users, commune, version):
    factories.make_report(commune, TODAY, users["staff"])
    before = stored()
    auth.login("leader")

    response = client.post(url(), data=form_data(highlights="Ghi đè") | {"version": version})

    assert response.status_code == 409
    assert Page.of(response).value("highlights") == "Ghi đè"
    assert stored() == before


def test_it_never_overwrites_a_save_that_lands_while_saving(client, auth, users, commune, monkeypatch):
    report_id = factories.make_report(commune, TODAY, users["staff"]).id
    leader_id = users["leader"].id
    apply = DailyReport.apply

    def someone_saves_first(report, *args, **kwargs):
        # Another worker commits between our read of version 1 and our UPDATE.
        with db.engine.begin() as other:
            other.execute(
                update(DailyReport)
                .where(DailyReport.id == report_id)
                .values(highlights="Lưu cùng lúc", version=DailyReport.version + 1, updated_by_id=leader_id)
            )
        apply(report, *args, **kwargs)

    monkeypatch.setattr(DailyReport, "apply", someone_saves_first)
    auth.login("staff")

    response = client.post(url(), data=form_data(1, highlights="Bản của tôi"))

    page = Page.of(response)
    assert response.status_code == 409
    assert "Người dùng leader" in page.text("conflict")
    assert page.value("highlights") == "Bản của tôi"
    assert (stored()["highlights"], stored()["version"]) == ("Lưu cùng lúc", 2)
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="report.updated")) is None


# --- Live check while typing -------------------------------------------------------------------


def figures_typed(**overrides) -> dict[str, str]:
    return {k: str(v) for k, v in factories.figures(**{"response_team_cases": 0, **overrides}).items()}


def test_it_checks_figures_live_and_computes_the_rates(client, auth, users):
    auth.login("staff")
    # 17 of 40 dossiers came online: 42,5%.
    typed = figures_typed(received_in_person=20, received_online=17, received_postal=3)

    response = client.get(f"{url()}/check", query_string=typed, headers={"HX-Request": "true"})

    page = Page.of(response)
    assert response.status_code == 200
    assert "<html" not in page.html
    assert "HX-Request" in response.headers["Vary"]
    assert page.by_id("live").tag == "section"
    # The figures disagree: no rate can be trusted, each shows "—" and the panel says why.
    assert page.next_after(page.find("tr", data_rate="online_rate")[0], "td").text == "—"
    assert "số liệu chưa khớp" in page.text("rates-reason")
    assert page.find("dd", data_total="to_handle")[0].text == "50"
    for name in FIGURE_NAMES:
        assert page.by_id(f"err-{name}").attrs.get("hx-swap-oob") == "true", name
    # 40 received + 10 carried over = 50 to handle, but 28 resolved + 12 pending = 40.
    assert "Chưa khớp" in page.text("err-pending_overdue")
    assert page.text("err-received_online") == ""
    assert stored() is None

    # Boundary: the same figures made to add up (10 more pending, 10 online in part) show the
    # rate, and no reason.
    typed |= {"pending_within": str(int(typed["pending_within"]) + 10), "online_partial": "10"}
    page = Page.of(client.get(f"{url()}/check", query_string=typed, headers={"HX-Request": "true"}))
    assert page.next_after(page.find("tr", data_rate="online_rate")[0], "td").text == "42,5%"
    assert not page.has_id("rates-reason")


def test_it_shows_input_problems_live_and_holds_back_the_rates(client, auth, users):
    auth.login("leader")
    typed = figures_typed() | {"received_online": "mười", "resolved_late": "-1"}

    page = Page.of(client.get(f"{url()}/check", query_string=typed, headers={"HX-Request": "true"}))

    assert "Chỉ nhập chữ số" in page.text("err-received_online")
    assert "Không được là số âm" in page.text("err-resolved_late")
    assert "Nhập đủ các ô bằng số để xem tỷ lệ." in page.text("live")
    assert "Còn 2 chỗ cần sửa" in page.text("problem-count")


def test_it_uses_the_carried_over_figure_of_the_previous_report_live(client, auth, users, commune):
    factories.make_report(commune, TODAY - dt.timedelta(days=1), users["staff"], pending_within=9, pending_overdue=1)
    auth.login("staff")

    page = Page.of(
        client.get(f"{url()}/check", query_string=figures_typed(carried_over=99), headers={"HX-Request": "true"})
    )

    assert page.find("dd", data_total="to_handle")[0].text == "40"
    assert "Số liệu khớp." in page.text("problem-count")
