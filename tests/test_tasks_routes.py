"""The task pages: adding and editing a plan task, updating its progress, and the list that shows
which tasks are behind schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.extensions import db
from wardapp.tasks.models import Task, TaskProgress

from .helpers import TODAY, Page


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def task_form(**overrides) -> dict[str, str]:
    return {
        "code": "KH02-01",
        "title": "Số hóa hồ sơ hộ tịch",
        "goal": "Toàn bộ sổ hộ tịch từ 1945",
        "expected_output": "Dữ liệu trên hệ thống",
        "start_date": days(-5).isoformat(),
        "deadline": days(25).isoformat(),
        "responsible": "Nguyễn Văn An",
        "source_document": "Kế hoạch 02-KH/BCĐTW",
    } | overrides


def make_task(
    commune,
    code: str = "KH02-01",
    start: int = -10,
    deadline: int = 10,
    percent: int | None = None,
    title: str | None = None,
) -> Task:
    task = Task(
        commune_id=commune.id,
        code=code,
        title=title or f"Nhiệm vụ {code}",
        start_date=days(start),
        deadline=days(deadline),
    )
    db.session.add(task)
    if percent is not None:
        db.session.add(TaskProgress(task=task, date=TODAY, percent=percent))
    db.session.commit()
    return task


def cells(page: Page, row) -> list[str]:
    """The texts of a table row's cells, as a person reads them across."""
    found = []
    for element in page.elements[page.elements.index(row) + 1 :]:
        if element.tag == "tr":
            break
        if element.tag == "td":
            found.append(element.text)
    return found


def body_rows(page: Page) -> list[list[str]]:
    return [cells(page, tr) for tr in page.find("tr") if cells(page, tr)]


def stored_tasks() -> list[dict]:
    db.session.expire_all()
    return [t.snapshot() for t in db.session.scalars(db.select(Task).order_by(Task.code))]


def audit_lines(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


# --- Adding and editing --------------------------------------------------------------------------


def test_it_creates_a_task_and_shows_it(client, auth, users):
    auth.login("staff")

    response = client.post("/tasks/new", data=task_form())
    page = Page.of(client.get(response.headers["Location"]))

    assert response.status_code == 303
    assert "Đã tạo nhiệm vụ KH02-01." in page.flashes
    assert "KH02-01 · Số hóa hồ sơ hộ tịch" in page.find("h1")[0].text
    assert "Kế hoạch 02-KH/BCĐTW" in page.html
    (line,) = audit_lines("task.created")
    assert line.actor_username == "staff"
    assert line.after["deadline"] == days(25).isoformat()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"code": "  "}, "code", "Bắt buộc.", id="no code"),
        pytest.param({"title": ""}, "title", "Bắt buộc.", id="no title"),
        pytest.param({"title": "x" * 301}, "title", "Tối đa 300 ký tự.", id="title too long"),
        pytest.param({"code": "K" * 41}, "code", "Tối đa 40 ký tự.", id="code too long"),
        pytest.param({"start_date": ""}, "start_date", "Chọn ngày.", id="no start date"),
        pytest.param({"deadline": "2025-02-30"}, "deadline", "Chọn ngày.", id="no such day"),
        pytest.param(
            {"deadline": days(-6).isoformat()}, "deadline", "Hạn phải sau ngày bắt đầu.", id="deadline before start"
        ),
    ],
)
def test_it_refuses_a_bad_task_next_to_the_field_and_keeps_what_was_typed(client, auth, users, changes, field, message):
    auth.login("leader")

    response = client.post("/tasks/new", data=task_form(**changes))
    page = Page.of(response)

    assert response.status_code == 422
    assert page.text(f"err-{field}") == message
    assert page.value("goal") == "Toàn bộ sổ hộ tịch từ 1945"
    assert page.value("responsible") == "Nguyễn Văn An"
    assert stored_tasks() == []
    assert audit_lines("task.created") == []


def test_it_accepts_a_task_that_starts_and_ends_on_the_same_day(client, auth, users):
    auth.login("staff")
    response = client.post("/tasks/new", data=task_form(start_date=days(3).isoformat(), deadline=days(3).isoformat()))
    assert response.status_code == 303
    assert stored_tasks()[0]["deadline"] == days(3).isoformat()


def test_it_accepts_dates_typed_day_first(client, auth, users):
    auth.login("staff")
    client.post("/tasks/new", data=task_form(start_date="01/07/2025", deadline="31/12/2099"))
    assert (stored_tasks()[0]["start_date"], stored_tasks()[0]["deadline"]) == ("2025-07-01", "2099-12-31")


def test_it_refuses_a_code_another_task_has(client, auth, users, commune):
    make_task(commune, "KH02-01", title="Nhiệm vụ cũ")
    auth.login("staff")

    response = client.post("/tasks/new", data=task_form())

    assert response.status_code == 422
    assert Page.of(response).text("err-code") == "Mã này đã có nhiệm vụ khác."
    assert [t["title"] for t in stored_tasks()] == ["Nhiệm vụ cũ"]


def test_it_saves_an_edit_and_logs_what_changed(client, auth, users, commune):
    task = make_task(commune, "KH02-01", start=-5, deadline=25, title="Số hóa hồ sơ")
    auth.login("leader")

    form = Page.of(client.get(f"/tasks/{task.id}/edit"))
    response = client.post(
        f"/tasks/{task.id}/edit", data=task_form(deadline=days(40).isoformat(), title="Số hóa hồ sơ")
    )

    assert form.value("code") == "KH02-01"
    assert form.value("deadline") == days(25).isoformat()
    assert response.status_code == 303
    assert stored_tasks()[0]["deadline"] == days(40).isoformat()
    (line,) = audit_lines("task.updated")
    assert line.before["deadline"] == days(25).isoformat()
    assert line.after["deadline"] == days(40).isoformat()
    assert "title" not in line.after


def test_it_refuses_to_give_a_task_the_code_of_another(client, auth, users, commune):
    make_task(commune, "KH02-01")
    second = make_task(commune, "KH02-02")
    auth.login("staff")

    response = client.post(f"/tasks/{second.id}/edit", data=task_form(code="KH02-01"))

    assert response.status_code == 422
    assert Page.of(response).text("err-code") == "Mã này đã có nhiệm vụ khác."
    assert [t["code"] for t in stored_tasks()] == ["KH02-01", "KH02-02"]


def test_it_answers_404_for_a_task_that_does_not_exist(client, auth, users):
    auth.login("staff")
    assert client.get("/tasks/999").status_code == 404
    assert client.post("/tasks/999/progress", data={"percent": "10"}).status_code == 404


# --- Progress ------------------------------------------------------------------------------------


@pytest.mark.parametrize("percent", ["0", "55", "100"])
def test_it_records_progress_from_0_to_100(client, auth, users, commune, percent):
    task = make_task(commune)
    auth.login("staff")

    response = client.post(f"/tasks/{task.id}/progress", data={"percent": percent, "note": "Đã họp triển khai"})
    page = Page.of(client.get(f"/tasks/{task.id}"))

    assert response.status_code == 303
    assert f"<strong>{percent}%</strong>" in page.html
    assert body_rows(page) == [[TODAY.strftime("%d/%m/%Y"), f"{percent}%", "Đã họp triển khai", "Người dùng staff"]]
    (line,) = audit_lines("task.progress")
    assert line.after == {"date": TODAY.isoformat(), "percent": int(percent), "note": "Đã họp triển khai"}


@pytest.mark.parametrize(
    ("percent", "note", "field", "message"),
    [
        pytest.param("101", "", "percent", "Nhập tiến độ là số nguyên từ 0 đến 100.", id="over 100"),
        pytest.param("-5", "", "percent", "Nhập tiến độ là số nguyên từ 0 đến 100.", id="negative"),
        pytest.param("45,5", "", "percent", "Nhập tiến độ là số nguyên từ 0 đến 100.", id="decimal"),
        pytest.param("50%", "", "percent", "Nhập tiến độ là số nguyên từ 0 đến 100.", id="percent sign"),
        pytest.param("", "", "percent", "Nhập tiến độ là số nguyên từ 0 đến 100.", id="empty"),
        pytest.param("50", "x" * 2001, "note", "Ghi chú tối đa 2000 ký tự.", id="note too long"),
    ],
)
def test_it_refuses_bad_progress_and_keeps_the_note(client, auth, users, commune, percent, note, field, message):
    task = make_task(commune)
    auth.login("staff")

    response = client.post(f"/tasks/{task.id}/progress", data={"percent": percent, "note": note or "Chờ kinh phí"})
    page = Page.of(response)

    assert response.status_code == 422
    assert page.text(f"err-{field}") == message
    assert page.value("note") == (note or "Chờ kinh phí")
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(TaskProgress)) == 0
    assert audit_lines("task.progress") == []


def test_it_keeps_the_progress_history_newest_first(client, auth, users, commune):
    task = make_task(commune)
    db.session.add(TaskProgress(task=task, date=days(-3), percent=10, note="Khảo sát"))
    db.session.commit()
    auth.login("staff")

    client.post(f"/tasks/{task.id}/progress", data={"percent": "30", "note": "Bắt đầu nhập liệu"})
    client.post(f"/tasks/{task.id}/progress", data={"percent": "45", "note": "Nhập được gần nửa"})
    page = Page.of(client.get(f"/tasks/{task.id}"))

    history = body_rows(page)
    assert [row[1] for row in history] == ["45%", "30%", "10%"]
    assert [row[2] for row in history] == ["Nhập được gần nửa", "Bắt đầu nhập liệu", "Khảo sát"]
    assert history[-1][0] == days(-3).strftime("%d/%m/%Y")
    assert page.value("percent") == "45"
    assert len(audit_lines("task.progress")) == 2


# --- Reviewers read, never change ----------------------------------------------------------------


def test_it_shows_reviewers_the_tasks_without_a_way_to_change_them(client, auth, users, commune):
    task = make_task(commune, percent=40)
    auth.login("reviewer")

    listing = Page.of(client.get("/tasks/"))
    detail = Page.of(client.get(f"/tasks/{task.id}"))

    assert listing.find("tr", data_task="KH02-01")
    links = {a.attrs.get("href") for a in listing.find("a") + detail.find("a")}
    assert not links & {"/tasks/new", "/tasks/import", f"/tasks/{task.id}/edit"}
    assert not detail.find("input", name="percent")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/tasks/new", task_form(code="KH02-99")),
        ("/tasks/{id}/edit", task_form(title="Đổi tên")),
        ("/tasks/{id}/progress", {"percent": "90", "note": ""}),
    ],
)
def test_it_refuses_every_change_from_a_reviewer(client, auth, users, commune, path, data):
    task = make_task(commune, percent=40)
    before = stored_tasks()
    auth.login("reviewer")

    response = client.post(path.format(id=task.id), data=data)

    assert response.status_code == 403
    assert "Không có quyền" in response.text
    assert stored_tasks() == before
    db.session.expire_all()
    assert [p.percent for p in db.session.scalars(db.select(TaskProgress))] == [40]


# --- The list and its badges ---------------------------------------------------------------------


def badge(page: Page, code: str) -> str:
    (row,) = page.find("tr", data_task=code)
    return cells(page, row)[0]  # the state comes first (on a phone, the card's first line)


@pytest.mark.parametrize(
    ("start", "deadline", "percent", "shown"),
    [
        pytest.param(-10, 10, 0, "Chậm tiến độ", id="half the time gone, nothing done"),
        pytest.param(-10, 10, 30, "Đúng tiến độ", id="half the time gone, 30%: at the tolerance"),
        pytest.param(-10, 10, 29, "Chậm tiến độ", id="half the time gone, 29%"),
        pytest.param(-20, 0, 80, "Đúng tiến độ", id="deadline today, 80%"),
        pytest.param(-20, -1, 99, "Quá hạn", id="deadline yesterday, 99%"),
        pytest.param(-20, -1, 100, "Hoàn thành", id="deadline yesterday, done"),
        pytest.param(3, 30, 0, "Đúng tiến độ", id="not started yet"),
    ],
)
def test_it_marks_the_tasks_behind_schedule_in_the_list(client, auth, users, commune, start, deadline, percent, shown):
    make_task(commune, "KH02-07", start=start, deadline=deadline, percent=percent)
    auth.login("staff")

    page = Page.of(client.get("/tasks/"))

    assert badge(page, "KH02-07") == shown
    assert f"{percent}%" in page.find("tr", data_task="KH02-07")[0].text


def test_it_judges_the_list_with_the_communes_tolerance(client, auth, users, commune):
    make_task(commune, "KH02-08", start=-10, deadline=10, percent=10)
    auth.login("staff")
    strict = badge(Page.of(client.get("/tasks/")), "KH02-08")

    commune.behind_tolerance = 40
    db.session.commit()
    lenient = badge(Page.of(client.get("/tasks/")), "KH02-08")

    assert (strict, lenient) == ("Chậm tiến độ", "Đúng tiến độ")


def test_it_shows_the_badge_on_the_task_page_too(client, auth, users, commune):
    task = make_task(commune, "KH02-09", start=-10, deadline=10, percent=5)
    auth.login("leader")
    page = Page.of(client.get(f"/tasks/{task.id}"))
    assert "Chậm tiến độ" in [e.text for e in page.find("span", cls="badge")]
    assert "Thời gian đã trôi qua: 50%" in page.html
