"""The audit log: what is recorded, how the admin filters it, and that nobody can rewrite it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from wardapp.audit.models import AppendOnlyError, AuditEvent
from wardapp.extensions import db

from . import factories
from .helpers import TODAY, Page, signed_in

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


def lines(action: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.filter_by(action=action)
    return db.session.scalars(query).all()


def log_rows() -> list[tuple]:
    return db.session.execute(
        db.select(AuditEvent.id, AuditEvent.action, AuditEvent.summary, AuditEvent.before, AuditEvent.after).order_by(
            AuditEvent.id
        )
    ).all()


# --- What is recorded --------------------------------------------------------------------------


def test_it_records_sign_ins_and_failed_sign_ins(app, client, users):
    signed_in(app, "staff")
    client.post("/login", data={"username": "leader", "password": "wrong-password"})
    client.post("/login", data={"username": "ghost", "password": "wrong-password"})

    login, failed, unknown = lines()[-3:]

    assert (login.action, login.actor_username, login.target_id) == ("login", "staff", str(users["staff"].id))
    assert (failed.action, failed.actor_username) == ("login.failed", "leader")
    assert (unknown.action, unknown.actor_username, unknown.summary) == (
        "login.failed",
        None,
        "unknown username 'ghost'",
    )
    assert login.ip == "127.0.0.1"


def test_it_records_a_changed_deadline(app, users, commune):
    admin = signed_in(app, "admin")

    response = admin.post("/settings", data={"deadline": "16:30"})

    assert response.status_code == 303
    [line] = lines("settings.changed")
    assert (line.actor_username, line.before, line.after) == ("admin", {"deadline": "17:00"}, {"deadline": "16:30"})
    db.session.expire_all()
    assert commune.deadline == dt.time(16, 30)


def test_it_records_nothing_for_a_deadline_that_is_not_a_time(app, users):
    admin = signed_in(app, "admin")
    response = admin.post("/settings", data={"deadline": "25:00"})
    assert response.status_code == 422
    assert "HH:MM" in Page.of(response).text("err-deadline")
    assert Page.of(response).value("deadline") == "25:00"
    assert lines("settings.changed") == []


def test_it_records_a_new_report_and_then_only_the_fields_that_changed(app, users):
    staff, leader = signed_in(app, "staff"), signed_in(app, "leader")
    day = TODAY.isoformat()
    staff.post(f"/reports/{day}", data=factories.form_data())

    leader.post(f"/reports/{day}", data=factories.form_data(1, highlights="Đã tiếp 40 lượt công dân."))

    created, updated = lines("report.created") + lines("report.updated")
    assert (created.actor_username, created.target_id, created.before) == ("staff", day, None)
    assert created.after == factories.figures(response_team_cases=0) | {
        "highlights": "",
        "difficulties": "",
        "proposals": "",
        "status": "complete",
    }
    assert (updated.actor_username, updated.target_id, updated.summary) == ("leader", day, f"{TODAY:%d/%m/%Y}")
    assert (updated.before, updated.after) == ({"highlights": ""}, {"highlights": "Đã tiếp 40 lượt công dân."})


def test_it_records_a_draft_becoming_complete(app, users, commune):
    factories.make_report(commune, TODAY, users["staff"], pending_within=50, response_team_cases=0)
    staff = signed_in(app, "staff")

    staff.post(f"/reports/{TODAY.isoformat()}", data=factories.form_data(1, response_team_cases=0))

    [line] = lines("report.updated")
    assert (line.before, line.after) == (
        {"pending_within": 50, "status": "draft"},
        {"pending_within": 11, "status": "complete"},
    )


def test_it_shows_every_kind_of_change_to_the_admin(app, client, users):
    admin = signed_in(app, "admin")
    client.post("/login", data={"username": "staff", "password": "wrong-password"})
    signed_in(app, "staff").post(f"/reports/{TODAY.isoformat()}", data=factories.form_data())
    admin.post(
        f"/admin/users/{users['leader'].id}",
        data={"full_name": "Người dùng leader", "position": "Chuyên viên", "role": "reviewer", "active": "1"},
    )
    admin.post("/settings", data={"deadline": "16:00"})

    page = Page.of(admin.get("/admin/audit/"))

    # In words, never the stored keys or JSON.
    shown = [strong.text for strong in page.find("strong", cls="audit-action")]
    assert shown[:5] == ["Thay đổi cài đặt", "Đổi vai trò", "Tạo báo cáo ngày", "Đăng nhập", "Đăng nhập sai"]
    assert "<dt>Vai trò</dt><dd><del>Lãnh đạo UBND</del> → <ins>Cán bộ thẩm định (thành phố)</ins></dd>" in page.html
    assert "<dt>Hạn</dt><dd><del>17:00</del> → <ins>16:00</ins></dd>" in page.html
    visible = page.text("audit-rows") + " ".join(option.text for option in page.find("option"))
    for key in ("settings.changed", "user.role_changed", "login.failed", '"role"', "received_online", "\\u", "{"):
        assert key not in visible


# --- Filtering the log -------------------------------------------------------------------------


def utc(text_: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text_)


# Moments in UTC; Vietnam is 7 hours ahead, so B falls on 02/03 there.
SEEDED = {
    "A": ("login", "staff", utc("2025-03-01T02:00")),  # 09:00 01/03 in Vietnam
    "B": ("login.failed", "leader", utc("2025-03-01T18:00")),  # 01:00 02/03 in Vietnam
    "C": ("report.updated", "staff", utc("2025-03-03T03:00")),
    "D": ("user.role_changed", "admin", utc("2025-03-05T03:00")),
}


@pytest.fixture
def seeded_log(users):
    for marker, (action, username, at) in SEEDED.items():
        db.session.add(
            AuditEvent(
                action=action, actor_username=username, actor_id=users[username].id, at=at, summary=f"mốc-{marker}"
            )
        )
    db.session.commit()


def markers(page: Page) -> list[str]:
    return [m for m in SEEDED if f"mốc-{m}" in page.html]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["A", "B", "C", "D"]),
        ({"action": "login"}, ["A", "B"]),
        ({"action": "login.failed"}, ["B"]),
        ({"user": "staff"}, ["A", "C"]),
        ({"from": "2025-03-02", "to": "2025-03-02"}, ["B"]),
        ({"from": "2025-03-01", "to": "2025-03-01"}, ["A"]),
        ({"from": "2025-03-03"}, ["C", "D"]),
        ({"to": "2025-03-03"}, ["A", "B", "C"]),
        ({"action": "report", "user": "staff", "from": "2025-03-01"}, ["C"]),
        ({"user": "nobody"}, []),
        ({"from": "not-a-date"}, ["A", "B", "C", "D"]),
    ],
    ids=lambda v: str(v),
)
def test_it_filters_by_action_user_and_vietnam_days(app, users, seeded_log, filters, expected):
    admin = signed_in(app, "admin")

    page = Page.of(admin.get("/admin/audit/", query_string=filters))

    assert sorted(markers(page)) == expected
    for name, value in filters.items():
        if name != "action":
            assert page.value(name) == value  # the filter stays filled in
    if not expected and "user" in filters:
        assert "Không có dòng nào." in page.text("audit-rows")


def test_it_answers_htmx_with_the_rows_only(app, users, seeded_log):
    admin = signed_in(app, "admin")
    response = admin.get("/admin/audit/", query_string={"user": "leader"}, headers={"HX-Request": "true"})
    page = Page.of(response)
    assert "<html" not in page.html
    assert page.by_id("audit-rows").tag == "div"
    assert markers(page) == ["B"]
    assert "HX-Request" in response.headers["Vary"]


def test_it_pages_through_the_log_newest_first(app, users, seeded_log):
    app.config["AUDIT_PAGE_SIZE"] = 2
    admin = signed_in(app, "admin")

    first = Page.of(admin.get("/admin/audit/", query_string={"from": "2025-01-01", "to": "2025-12-31"}))
    older = [a.attrs["href"] for a in first.find("a") if "Cũ hơn" in a.text]
    second = Page.of(admin.get(older[0]))

    assert markers(first) == ["C", "D"]
    assert markers(second) == ["A", "B"]
    assert "from=2025-01-01" in older[0]


# --- Nobody rewrites the log -------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'nothing.happened'",
        "UPDATE audit_events SET summary = '' WHERE action = 'login'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE action = 'login'",
    ],
)
def test_it_refuses_to_rewrite_the_log_in_the_database(app, users, statement):
    signed_in(app, "staff")
    before = log_rows()

    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
        db.session.commit()
    db.session.rollback()

    assert log_rows() == before


@pytest.mark.parametrize(
    "statement",
    [
        lambda: db.update(AuditEvent).values(action="nothing.happened"),
        lambda: db.delete(AuditEvent),
    ],
    ids=["bulk update", "bulk delete"],
)
def test_it_refuses_bulk_rewrites_through_the_orm(app, users, statement):
    before = log_rows()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(statement())
        db.session.commit()
    db.session.rollback()
    assert log_rows() == before


def test_it_refuses_to_change_a_line_through_the_orm(app, users):
    signed_in(app, "staff")
    before = log_rows()
    line = lines("login")[0]

    line.actor_username = "someone.else"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()

    assert log_rows() == before


def test_it_refuses_to_delete_a_line_through_the_orm(app, users):
    signed_in(app, "staff")
    before = log_rows()

    db.session.delete(lines("login")[0])
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()

    assert log_rows() == before


def test_it_still_adds_lines(app, users):
    count = len(lines())
    db.session.add(AuditEvent(action="test.appended", summary="thêm được"))
    db.session.commit()
    assert len(lines()) == count + 1
