"""The Technology and Professional Response Team: its founding decision, its members, whether it
was set up by the city's deadline, and its log of support cases, which is the day's figure."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.support.models import SupportCase
from wardapp.team.models import ResponseTeam, TeamMember

from . import factories
from .helpers import TODAY, Page, signed_in


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def decision(**overrides) -> dict[str, str]:
    return {
        "decision_number": "125/QĐ-UBND",
        "decision_date": days(-3).isoformat(),
        "decision_signer": "Phạm Văn Dũng, Chủ tịch UBND",
        "duties": "Hỗ trợ người dân nộp hồ sơ trực tuyến.",
    } | overrides


def member(**overrides) -> dict[str, str]:
    return {
        "name": "Võ Thị Hoa",
        "position": "Công chức Văn phòng",
        "unit": "UBND phường",
        "phone": "0905 123 456",
        "field": "technology",
    } | overrides


def support_case(**overrides) -> dict[str, str]:
    return {
        "time": "09:30",
        "procedure": "Đăng ký khai sinh trực tuyến",
        "problem": "Cụ bà không biết đăng nhập VNeID",
        "outcome": "Đã nộp xong",
    } | overrides


def stored_team() -> ResponseTeam | None:
    db.session.expire_all()
    return db.session.scalar(db.select(ResponseTeam))


def member_items(page: Page) -> list[str]:
    (ul,) = page.find("ul", cls="members")
    start = page.elements.index(ul)
    items = []
    for element in page.elements[start + 1 :]:
        if element.tag == "li" and element.raw_text in ul.raw_text:
            items.append(element.text)
        elif element.tag in ("h3", "section"):
            break
    return items


def figure(day: dt.date = TODAY) -> int | None:
    db.session.expire_all()
    report = db.session.scalar(db.select(DailyReport).filter_by(date=day))
    return None if report is None else report.response_team_cases


# --- The founding decision -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff", "leader", "admin"])
def test_it_saves_the_founding_decision(client, auth, users, persona):
    auth.login(persona)

    response = client.post("/team/", data=decision())
    page = Page.of(client.get("/team/"))

    assert response.status_code == 303
    assert "Đã lưu thông tin Tổ phản ứng nhanh." in page.flashes
    assert page.value("decision_number") == "125/QĐ-UBND"
    assert page.value("decision_date") == days(-3).isoformat()
    assert page.value("decision_signer") == "Phạm Văn Dũng, Chủ tịch UBND"
    assert page.value("duties") == "Hỗ trợ người dân nộp hồ sơ trực tuyến."
    assert page.text("team-state") == "Đã thành lập đúng hạn"
    line = db.session.scalar(db.select(AuditEvent).filter_by(action="team.updated"))
    assert line.after["decision_number"] == "125/QĐ-UBND"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"decision_date": days(1).isoformat()}, "Ngày quyết định không thể ở tương lai.", id="tomorrow"),
        pytest.param({"decision_date": ""}, "Nhập cả số và ngày của quyết định thành lập.", id="number without date"),
        pytest.param({"decision_number": ""}, "Nhập cả số và ngày của quyết định thành lập.", id="date without number"),
        pytest.param({"decision_date": "2025-02-30"}, "Ngày không hợp lệ.", id="no such day"),
    ],
)
def test_it_refuses_a_decision_it_cannot_record_and_keeps_what_was_typed(client, auth, users, changes, message):
    auth.login("leader")

    response = client.post("/team/", data=decision(**changes))
    page = Page.of(response)

    assert response.status_code == 422
    assert page.text("err-decision_date") == message
    assert page.value("decision_signer") == "Phạm Văn Dũng, Chủ tịch UBND"
    assert stored_team() is None


def test_it_accepts_a_decision_dated_today(client, auth, users):
    auth.login("staff")
    assert client.post("/team/", data=decision(decision_date=TODAY.isoformat())).status_code == 303
    assert stored_team().decision_date == TODAY


def test_it_keeps_the_team_unchanged_when_a_reviewer_tries_to_change_it(client, auth, users):
    auth.login("staff")
    client.post("/team/", data=decision())
    auth.logout()
    auth.login("reviewer")

    page = Page.of(client.get("/team/"))
    refused = client.post("/team/", data=decision(decision_number="999/QĐ-UBND"))

    assert "disabled" in page.find("fieldset")[0].attrs
    assert refused.status_code == 403
    assert stored_team().decision_number == "125/QĐ-UBND"


# --- Members ------------------------------------------------------------------------------------


def test_it_adds_members_and_keeps_a_single_leader(client, auth, users):
    auth.login("staff")

    client.post("/team/members", data=member(name="Võ Thị Hoa", is_leader="1"))
    client.post("/team/members", data=member(name="Đặng Minh Khôi", field="professional"))
    client.post("/team/members", data=member(name="Lý Quốc Bảo", is_leader="1"))
    page = Page.of(client.get("/team/"))

    shown = member_items(page)
    assert [item.split(" — ")[0] for item in shown] == ["Võ Thị Hoa", "Đặng Minh Khôi", "Tổ trưởng: Lý Quốc Bảo"]
    assert "Chuyên môn" in shown[1]
    assert stored_team().leader.name == "Lý Quốc Bảo"
    assert len(db.session.scalars(db.select(AuditEvent).filter_by(action="team.member_added")).all()) == 3


def test_it_removes_a_member_from_the_list_but_keeps_their_old_cases(client, auth, users):
    auth.login("staff")
    client.post("/team/members", data=member(name="Võ Thị Hoa", is_leader="1"))
    client.post("/team/members", data=member(name="Đặng Minh Khôi"))
    hoa = db.session.scalar(db.select(TeamMember).filter_by(name="Võ Thị Hoa"))
    client.post("/team/cases", data=support_case(member=str(hoa.id)))

    response = client.post(f"/team/members/{hoa.id}/remove")
    team_page = Page.of(client.get("/team/"))
    cases_page = Page.of(client.get("/team/cases"))

    assert response.status_code == 303
    assert [item.split(" — ")[0] for item in member_items(team_page)] == ["Đặng Minh Khôi"]
    assert stored_team().leader is None
    assert "Võ Thị Hoa" in cases_page.find("ul", cls="cases")[0].text
    assert [o.text for o in cases_page.find("option")] == ["—", "Đặng Minh Khôi"]
    assert db.session.scalar(db.select(AuditEvent.action).filter_by(action="team.member_removed"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"name": " "}, "name", "Nhập họ tên thành viên.", id="no name"),
        pytest.param({"field": "law"}, "field", "Chọn lĩnh vực.", id="unknown field"),
        pytest.param({"phone": "không có"}, "phone", "Số điện thoại chỉ gồm chữ số.", id="letters in the phone"),
    ],
)
def test_it_refuses_a_member_it_cannot_record(client, auth, users, changes, field, message):
    auth.login("staff")

    response = client.post("/team/members", data=member(**changes))

    assert response.status_code == 422
    assert Page.of(response).text(f"err-{field}") == message
    db.session.expire_all()
    assert db.session.scalars(db.select(TeamMember)).all() == []


def test_it_does_not_let_reviewers_change_the_members(client, auth, users):
    auth.login("staff")
    client.post("/team/members", data=member())
    hoa = db.session.scalar(db.select(TeamMember))
    auth.logout()
    auth.login("reviewer")

    assert client.post("/team/members", data=member(name="Người lạ")).status_code == 403
    assert client.post(f"/team/members/{hoa.id}/remove").status_code == 403
    db.session.expire_all()
    assert [(m.name, m.active) for m in db.session.scalars(db.select(TeamMember))] == [("Võ Thị Hoa", True)]


# --- Set up on time, late, or not at all ---------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "shown"),
    [
        pytest.param(None, "Chưa thành lập", id="no decision"),
        pytest.param(-10, "Đã thành lập đúng hạn", id="decided on the deadline day"),
        pytest.param(-12, "Đã thành lập đúng hạn", id="decided before the deadline"),
        pytest.param(-9, "Thành lập muộn", id="decided the day after the deadline"),
    ],
)
def test_it_shows_whether_the_team_was_set_up_by_the_citys_deadline(app, users, decided, shown):
    admin = signed_in(app, "admin")
    settings = admin.post(
        "/settings", data={"deadline": "17:00", "team_deadline": days(-10).isoformat(), "behind_tolerance": "20"}
    )
    assert settings.status_code == 303
    if decided is not None:
        assert (
            signed_in(app, "leader").post("/team/", data=decision(decision_date=days(decided).isoformat())).status_code
            == 303
        )

    reviewer = signed_in(app, "reviewer")
    team_page = Page.of(reviewer.get("/team/"))
    dashboard = Page.of(reviewer.get("/"))

    assert team_page.text("team-state") == shown
    assert dashboard.text("dash-team-state") == shown
    assert f"Hạn thành lập: {days(-10).strftime('%d/%m/%Y')}" in team_page.html


def test_it_counts_a_team_as_on_time_while_the_city_has_set_no_deadline(app, users):
    signed_in(app, "staff").post("/team/", data=decision(decision_date="2025-07-30"))
    page = Page.of(signed_in(app, "reviewer").get("/"))
    assert page.text("dash-team-state") == "Đã thành lập đúng hạn"


def test_it_shows_a_team_without_a_decision_as_not_set_up_on_the_dashboard(app, users):
    page = Page.of(signed_in(app, "staff").get("/"))
    assert page.text("dash-team-state") == "Chưa thành lập"


def test_it_lets_the_admin_clear_the_team_deadline(app, users, commune):
    admin = signed_in(app, "admin")
    admin.post("/settings", data={"deadline": "17:00", "team_deadline": days(-10).isoformat()})
    admin.post("/settings", data={"deadline": "17:00", "team_deadline": ""})
    db.session.expire_all()
    assert commune.team_deadline is None


# --- The support log is the day's figure ---------------------------------------------------------


def test_it_logs_a_support_case_and_updates_the_days_figure(client, auth, users, commune):
    factories.make_report(commune, TODAY, users["staff"], response_team_cases=0)
    auth.login("staff")

    response = client.post(f"/team/cases?date={TODAY.isoformat()}", data=support_case())
    page = Page.of(client.get(response.headers["Location"]))

    assert response.status_code == 303
    assert "Đã ghi nhận lượt hỗ trợ." in page.flashes
    assert "1 lượt hỗ trợ" in page.find("h2")[0].text
    assert "09:30 · Đăng ký khai sinh trực tuyến" in page.find("ul", cls="cases")[0].text
    assert figure() == 1
    assert db.session.scalar(db.select(AuditEvent.action).filter_by(action="team.case_added"))


def test_it_lowers_the_figure_when_a_case_is_removed(client, auth, users, commune):
    factories.make_report(commune, TODAY, users["staff"], response_team_cases=0)
    auth.login("leader")
    client.post("/team/cases", data=support_case(time="08:15"))
    client.post("/team/cases", data=support_case(time="10:40", procedure="Cấp bản sao trích lục"))
    first = db.session.scalar(db.select(SupportCase).filter_by(procedure="Đăng ký khai sinh trực tuyến"))
    counted = figure()

    response = client.post(f"/team/cases/{first.id}/remove")
    page = Page.of(client.get("/team/cases"))

    assert (counted, figure()) == (2, 1)
    assert response.status_code == 303
    assert "Đăng ký khai sinh" not in page.find("ul", cls="cases")[0].text
    assert client.post(f"/team/cases/{first.id}/remove").status_code == 404
    assert figure() == 1


def test_it_counts_a_case_on_the_day_it_happened(client, auth, users, commune):
    yesterday = days(-1)
    factories.make_report(commune, yesterday, users["staff"], response_team_cases=0)
    factories.make_report(commune, TODAY, users["staff"], response_team_cases=0)
    auth.login("staff")

    client.post(f"/team/cases?date={yesterday.isoformat()}", data=support_case())

    assert (figure(yesterday), figure(TODAY)) == (1, 0)
    assert "1 lượt hỗ trợ" in Page.of(client.get(f"/team/cases?date={yesterday.isoformat()}")).html
    assert "0 lượt hỗ trợ" in Page.of(client.get("/team/cases")).html


def test_it_shows_the_figure_read_only_on_the_report_form_and_ignores_a_typed_value(client, auth, users):
    auth.login("staff")
    client.post("/team/cases", data=support_case(time="08:00"))
    client.post("/team/cases", data=support_case(time="14:00"))

    form = Page.of(client.get(f"/reports/{TODAY.isoformat()}"))
    saved = client.post(f"/reports/{TODAY.isoformat()}", data=factories.form_data(response_team_cases=9))

    assert "readonly" in form.field("response_team_cases").attrs
    assert form.value("response_team_cases") == "2"
    assert "Tính từ nhật ký hỗ trợ của Tổ." in form.html
    assert saved.status_code == 303
    assert figure() == 2


def test_it_does_not_create_a_report_just_to_log_a_case(client, auth, users):
    auth.login("staff")
    client.post("/team/cases", data=support_case())
    assert figure() is None
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(SupportCase)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"time": "9 giờ"}, "time", "Nhập giờ theo dạng HH:MM.", id="time in words"),
        pytest.param({"time": ""}, "time", "Nhập giờ theo dạng HH:MM.", id="no time"),
        pytest.param({"procedure": ""}, "procedure", "Nhập thủ tục được hỗ trợ.", id="no procedure"),
        pytest.param({"problem": "  "}, "problem", "Mô tả vướng mắc của người dân.", id="no problem"),
    ],
)
def test_it_refuses_a_case_it_cannot_log_and_keeps_what_was_typed(
    client, auth, users, commune, changes, field, message
):
    factories.make_report(commune, TODAY, users["staff"], response_team_cases=0)
    auth.login("staff")

    response = client.post("/team/cases", data=support_case(**changes))
    page = Page.of(response)

    assert response.status_code == 422
    assert page.text(f"err-{field}") == message
    assert page.value("outcome") == "Đã nộp xong"
    assert figure() == 0
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(SupportCase)) == 0


@pytest.mark.parametrize("persona", ["reviewer", "admin"])
def test_it_lets_only_staff_and_leaders_log_cases(client, auth, users, commune, persona):
    factories.make_report(commune, TODAY, users["staff"], response_team_cases=0)
    auth.login("staff")
    client.post("/team/cases", data=support_case())
    case = db.session.scalar(db.select(SupportCase))
    auth.logout()
    auth.login(persona)

    page = Page.of(client.get("/team/cases"))
    added = client.post("/team/cases", data=support_case(time="15:00"))
    removed = client.post(f"/team/cases/{case.id}/remove")

    assert not page.find("input", name="procedure")
    assert (added.status_code, removed.status_code) == (403, 403)
    assert figure() == 1
