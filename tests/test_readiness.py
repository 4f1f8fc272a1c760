"""The ready-to-sign gate: every item behind schedule must carry the leader's explanation, the figures
must add up, and any later change to the day takes the "ready" mark away again.

The four kinds of item: a plan task behind schedule, a late dossier (or group), a required photo
category with no photo, and a response team still not set up after the city's deadline. Each test
starts from a clean day (figures that add up, no late dossier, no photo required) and adds what
it is about.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from PIL import Image

from wardapp.audit.models import AuditEvent
from wardapp.delays.models import Explanation, LateDossier
from wardapp.evidence.models import Photo, PhotoCategory
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.tasks.models import Task, TaskProgress
from wardapp.team.models import ResponseTeam

from . import factories
from .helpers import TODAY, Page, signed_in

DAY = TODAY.isoformat()
READY = f"/reports/{DAY}/ready"
EXPLAIN = f"/reports/{DAY}/explain"

# A day whose figures add up and that has no late dossier: 40 to handle, 28 resolved, 12 pending.
CLEAN = {
    "resolved_late": 0,
    "pending_overdue": 0,
    "resolved_on_time": 20,
    "pending_within": 12,
    "apology_letters": 0,
    "response_team_cases": 0,
}


@pytest.fixture
def no_photo_required(commune):
    """The commune's photo checklist asks for nothing (other tests here are not about photos)."""
    for category in db.session.scalars(db.select(PhotoCategory).filter_by(commune_id=commune.id)):
        category.ask_on_every_day(False)
    db.session.commit()


@pytest.fixture
def clean_day(commune, users, no_photo_required) -> DailyReport:
    return factories.make_report(commune, TODAY, users["staff"], **CLEAN)


def explanation(item: str, **overrides) -> dict[str, str]:
    return {
        "item": item,
        "cause": "Thiếu kinh phí mua máy quét",
        "remedy": "Mượn máy quét của Văn phòng UBND",
        "new_date": (TODAY + dt.timedelta(days=7)).isoformat(),
        "responsible": "Phó Chủ tịch Lê Thị Hằng",
    } | overrides


def ready_mark() -> tuple:
    db.session.expire_all()
    report = db.session.scalar(db.select(DailyReport).filter_by(date=TODAY))
    return None if report is None else (report.ready_at is not None, report.ready_by_id)


def blockers(page: Page) -> list[str]:
    if not page.has_id("blockers"):
        return []
    box = page.by_id("blockers")
    start = page.elements.index(box)
    return [e.text for e in page.elements[start + 1 :] if e.tag == "li" and e.raw_text in box.raw_text]


def item_section(page: Page, key: str):
    """The card of a task, a photo or the team; the group card of a late dossier."""
    (section,) = [
        s for s in page.find("section") if key in (s.attrs.get("data-items") or s.attrs.get("data-item") or "").split()
    ]
    return section


# --- The four kinds of item ---------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    key: str  # the item's key; "{id}" stands for the row created
    label: str


def behind_task(commune, users, report) -> int:
    task = Task(
        commune_id=commune.id,
        code="KH02-05",
        title="Số hóa sổ hộ tịch",
        start_date=TODAY - dt.timedelta(days=10),
        deadline=TODAY + dt.timedelta(days=10),
    )
    db.session.add(task)
    db.session.add(TaskProgress(task=task, date=TODAY, percent=5))
    db.session.commit()
    return task.id


def late_group(commune, users, report) -> int:
    report.resolved_late, report.resolved_on_time = 2, 18
    dossier = LateDossier(
        report_id=report.id,
        kind="resolved_late",
        count=2,
        procedure="Đăng ký thường trú",
        officer="Trần Thị Mai",
        unit="Công an phường",
        cause="Chờ xác minh",
    )
    db.session.add(dossier)
    db.session.commit()
    return dossier.id


def missing_photo(commune, users, report) -> int:
    category = db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune.id, key="exterior"))
    category.ask_on_every_day(True)
    db.session.commit()
    return category.id


def team_overdue(commune, users, report) -> int:
    commune.team_deadline = TODAY - dt.timedelta(days=1)
    db.session.commit()
    return 0


KINDS = {
    "task": (Kind("task", "task:{id}", "KH02-05 · Số hóa sổ hộ tịch"), behind_task),
    "late": (Kind("late", "late:{id}", "Giải quyết quá hạn: Đăng ký thường trú"), late_group),
    "photo": (Kind("photo", "photo:exterior", "Thiếu ảnh: Mặt tiền, biển hiệu Trung tâm"), missing_photo),
    "team": (Kind("team", "team", "Chưa thành lập Tổ phản ứng nhanh"), team_overdue),
}


@pytest.fixture(params=list(KINDS))
def item(request, commune, users, clean_day) -> Kind:
    """The day with one item of one kind to explain, and nothing else in the way."""
    kind, create = KINDS[request.param]
    made = create(commune, users, clean_day)
    return Kind(kind.name, kind.key.format(id=made), kind.label)


def test_it_refuses_to_mark_a_day_ready_while_an_item_is_unexplained(app, users, item):
    leader = signed_in(app, "leader")

    refused = leader.post(READY)
    page = Page.of(refused)

    assert refused.status_code == 409
    assert "Chưa thể đánh dấu sẵn sàng ký: xem những việc còn thiếu bên dưới." in page.flashes
    assert blockers(page) == [f"{item.label} (chưa giải trình)"]
    assert "Chưa giải trình" in item_section(page, item.key).text
    assert "disabled" in page.by_id("mark-ready").attrs
    assert ready_mark() == (False, None)


def test_it_marks_the_day_ready_once_the_item_is_explained(app, users, item):
    leader = signed_in(app, "leader")

    explained = leader.post(EXPLAIN, data=explanation(item.key))
    accepted = leader.post(READY)
    page = Page.of(leader.get(EXPLAIN))
    dashboard = Page.of(signed_in(app, "reviewer").get("/"))

    assert explained.status_code == 303
    assert accepted.status_code == 303
    assert page.text("ready-badge") == "Sẵn sàng ký"
    assert "Đã giải trình" in item_section(page, item.key).text
    assert "Mượn máy quét của Văn phòng UBND" in item_section(page, item.key).text
    assert "Sẵn sàng ký" in [b.text for b in dashboard.find("span", cls="badge")]
    assert ready_mark() == (True, users["leader"].id)
    actions = list(
        db.session.scalars(
            db.select(AuditEvent.action)
            .order_by(AuditEvent.id)
            .filter(AuditEvent.action.in_(["explanation.added", "report.ready"]))
        )
    )
    assert actions == ["explanation.added", "report.ready"]


def test_it_lists_every_unexplained_item_and_waits_for_the_last_one(app, users, commune, clean_day):
    made = {name: create(commune, users, clean_day) for name, (_kind, create) in KINDS.items()}
    keys = {name: kind.key.format(id=made[name]) for name, (kind, _create) in KINDS.items()}
    leader = signed_in(app, "leader")

    page = Page.of(leader.get(EXPLAIN))
    assert sorted(blockers(page)) == sorted(f"{kind.label} (chưa giải trình)" for kind, _create in KINDS.values())
    assert "Cần giải trình (4)" in page.html

    for name in ("task", "late", "photo"):
        leader.post(EXPLAIN, data=explanation(keys[name]))
    still_refused = leader.post(READY)
    leader.post(EXPLAIN, data=explanation(keys["team"]))
    accepted = leader.post(READY)

    assert still_refused.status_code == 409
    assert blockers(Page.of(still_refused)) == ["Chưa thành lập Tổ phản ứng nhanh (chưa giải trình)"]
    assert accepted.status_code == 303


def test_it_lets_a_day_with_nothing_behind_be_marked_ready_straight_away(app, users, clean_day):
    leader = signed_in(app, "leader")
    page = Page.of(leader.get(EXPLAIN))

    assert "Không có việc nào chậm tiến độ cần giải trình." in page.html
    assert "disabled" not in page.by_id("mark-ready").attrs
    assert leader.post(READY).status_code == 303


# --- Items that go away when the work is done ----------------------------------------------------


def test_it_drops_a_task_once_it_is_back_on_schedule(app, users, commune, clean_day):
    task_id = behind_task(commune, users, clean_day)
    staff = signed_in(app, "staff")
    staff.post(f"/tasks/{task_id}/progress", data={"percent": "40", "note": "Đã tăng cường nhân lực"})

    assert signed_in(app, "leader").post(READY).status_code == 303


def test_it_drops_a_photo_category_once_a_photo_of_it_is_attached(app, users, commune, clean_day):
    category_id = missing_photo(commune, users, clean_day)
    db.session.add(
        Photo(
            report_id=clean_day.id,
            category_id=category_id,
            sha256="a" * 64,
            content_type="image/jpeg",
            bytes=1000,
            width=10,
            height=10,
            taken_at=dt.datetime.combine(clean_day.date, dt.time(9, 0)),  # verifiable: taken that day
        )
    )
    db.session.commit()

    assert signed_in(app, "leader").post(READY).status_code == 303


def test_it_does_not_count_a_removed_photo(app, users, commune, clean_day):
    category_id = missing_photo(commune, users, clean_day)
    db.session.add(
        Photo(
            report_id=clean_day.id,
            category_id=category_id,
            sha256="a" * 64,
            content_type="image/jpeg",
            bytes=1000,
            width=10,
            height=10,
            removed_at=dt.datetime(2025, 7, 1),
        )
    )
    db.session.commit()

    refused = signed_in(app, "leader").post(READY)

    assert refused.status_code == 409
    assert blockers(Page.of(refused)) == ["Thiếu ảnh: Mặt tiền, biển hiệu Trung tâm (chưa giải trình)"]


@pytest.mark.parametrize(
    ("decided", "blocks"),
    [
        pytest.param(None, True, id="no decision"),
        pytest.param(-1, False, id="decided on the deadline day"),
        pytest.param(0, False, id="decided today, late"),
    ],
)
def test_it_asks_for_an_explanation_of_the_team_only_while_there_is_none(
    app, users, commune, clean_day, decided, blocks
):
    team_overdue(commune, users, clean_day)
    if decided is not None:
        db.session.add(
            ResponseTeam(
                commune_id=commune.id, decision_number="125/QĐ-UBND", decision_date=TODAY + dt.timedelta(days=decided)
            )
        )
        db.session.commit()

    response = signed_in(app, "leader").post(READY)

    assert response.status_code == (409 if blocks else 303)


def test_it_gives_the_team_until_the_end_of_its_deadline_day(app, users, commune, clean_day):
    commune.team_deadline = TODAY
    db.session.commit()
    assert signed_in(app, "leader").post(READY).status_code == 303


# --- Writing an explanation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"cause": " "}, "cause", "Nêu nguyên nhân.", id="no cause"),
        pytest.param({"remedy": ""}, "remedy", "Nêu biện pháp khắc phục.", id="no remedy"),
        pytest.param({"responsible": ""}, "responsible", "Nêu người chịu trách nhiệm.", id="no one responsible"),
        pytest.param({"new_date": ""}, "new_date", "Chọn thời hạn hoàn thành mới.", id="no new date"),
        pytest.param({"new_date": "31/12/2099"}, "new_date", "Ngày không hợp lệ.", id="date not understood"),
        pytest.param(
            {"new_date": (TODAY - dt.timedelta(days=1)).isoformat()},
            "new_date",
            "Thời hạn mới không thể ở quá khứ.",
            id="new date yesterday",
        ),
    ],
)
def test_it_refuses_an_incomplete_explanation_and_keeps_what_was_typed(
    app, users, commune, clean_day, changes, field, message
):
    team_overdue(commune, users, clean_day)
    leader = signed_in(app, "leader")

    response = leader.post(EXPLAIN, data=explanation("team", **changes))
    page = Page.of(response)

    assert response.status_code == 422
    # Each item's form has its own message ids (item "team" → anchor "team").
    assert page.text(f"err-{field}-team") == message
    kept = {"cause": "Thiếu kinh phí mua máy quét", "responsible": "Phó Chủ tịch Lê Thị Hằng"}
    for name, value in kept.items():
        if name not in changes:
            assert page.value(name) == value
    db.session.expire_all()
    assert db.session.scalars(db.select(Explanation)).all() == []
    assert leader.post(READY).status_code == 409


def test_it_accepts_today_as_the_new_date(app, users, commune, clean_day):
    team_overdue(commune, users, clean_day)
    leader = signed_in(app, "leader")
    assert leader.post(EXPLAIN, data=explanation("team", new_date=DAY)).status_code == 303


def test_it_refuses_to_explain_an_item_that_is_not_on_the_list(app, users, clean_day):
    leader = signed_in(app, "leader")
    assert leader.post(EXPLAIN, data=explanation("task:999")).status_code == 404
    db.session.expire_all()
    assert db.session.scalars(db.select(Explanation)).all() == []


def test_it_shows_the_latest_explanation_and_keeps_the_earlier_ones_as_history(app, users, commune, clean_day):
    team_overdue(commune, users, clean_day)
    leader = signed_in(app, "leader")

    leader.post(EXPLAIN, data=explanation("team", cause="Chưa có nhân sự công nghệ thông tin"))
    leader.post(
        EXPLAIN, data=explanation("team", cause="Đang chờ Đảng ủy cho ý kiến về nhân sự", remedy="Họp Đảng ủy ngày 20")
    )
    section = item_section(Page.of(leader.get(EXPLAIN)), "team")

    current, _, history = section.text.partition("Lịch sử giải trình (2)")
    assert "Đang chờ Đảng ủy cho ý kiến về nhân sự" in current
    assert "Họp Đảng ủy ngày 20" in current
    assert "Chưa có nhân sự công nghệ thông tin" not in current
    assert "Chưa có nhân sự công nghệ thông tin" in history
    assert "Người dùng leader" in history
    db.session.expire_all()
    assert len(db.session.scalars(db.select(Explanation)).all()) == 2


@pytest.mark.parametrize("persona", ["staff", "reviewer", "admin"])
def test_it_lets_only_the_leader_explain_and_mark_ready(app, users, commune, clean_day, persona):
    team_overdue(commune, users, clean_day)
    someone = signed_in(app, persona)

    page = Page.of(someone.get(EXPLAIN))
    explained = someone.post(EXPLAIN, data=explanation("team"))
    marked = someone.post(READY)

    assert not page.find("form", cls="explain-form")
    assert not page.has_id("mark-ready")
    assert (explained.status_code, marked.status_code) == (403, 403)
    db.session.expire_all()
    assert db.session.scalars(db.select(Explanation)).all() == []
    assert ready_mark() == (False, None)


# --- What else blocks -----------------------------------------------------------------------------


def test_it_refuses_figures_that_do_not_add_up_even_with_nothing_to_explain(app, users, commune, no_photo_required):
    factories.make_report(commune, TODAY, users["staff"], **(CLEAN | {"received_online": 13}))

    refused = signed_in(app, "leader").post(READY)

    assert refused.status_code == 409
    assert blockers(Page.of(refused)) == ["Số liệu còn 2 chỗ chưa khớp."]
    assert ready_mark() == (False, None)


def test_it_refuses_late_dossiers_that_do_not_add_up_even_when_explained(app, users, commune, clean_day):
    dossier_id = late_group(commune, users, clean_day)
    dossier = db.session.get(LateDossier, dossier_id)
    dossier.count = 1
    db.session.commit()
    leader = signed_in(app, "leader")
    leader.post(EXPLAIN, data=explanation(f"late:{dossier_id}"))

    refused = leader.post(READY)

    assert refused.status_code == 409
    assert blockers(Page.of(refused)) == ["Giải quyết quá hạn: số liệu ngày là 2 hồ sơ nhưng đã ghi 1."]


def test_it_refuses_a_day_whose_figures_nobody_has_entered(app, users, commune, no_photo_required):
    """Explaining an item creates the day's record; that is not the same as entering its figures."""
    team_overdue(commune, users, None)
    leader = signed_in(app, "leader")
    leader.post(EXPLAIN, data=explanation("team"))

    refused = leader.post(READY)

    assert refused.status_code == 409
    assert blockers(Page.of(refused)) == ["Chưa nhập số liệu của ngày."]
    assert ready_mark() == (False, None)


def test_it_refuses_a_day_without_any_record(app, users, no_photo_required):
    refused = signed_in(app, "leader").post(READY)

    assert refused.status_code == 409
    assert blockers(Page.of(refused)) == ["Chưa nhập số liệu của ngày."]


# --- Any later change withdraws the mark -----------------------------------------------------------


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def save_figures(app, report):
    return signed_in(app, "staff").post(
        f"/reports/{DAY}",
        data=factories.form_data(version=report.version, highlights="Bổ sung: đông người vào buổi chiều.", **CLEAN),
    )


def add_photo(app, report):
    category = db.session.scalar(db.select(PhotoCategory).filter_by(key="counters"))
    return signed_in(app, "staff").post(
        f"/reports/{DAY}/photos",
        data={
            "category": str(category.id),
            "caption": "Quầy số 2",
            "photo": (io.BytesIO(jpeg()), "quay.jpg"),
        },
        content_type="multipart/form-data",
    )


def remove_photo(app, report):
    category = db.session.scalar(db.select(PhotoCategory).filter_by(key="counters"))
    photo = db.session.scalar(db.select(Photo).filter_by(report_id=report.id, category_id=category.id))
    return signed_in(app, "staff").post(f"/reports/{DAY}/photos/{photo.id}/remove")


def add_late_dossier(app, report):
    return signed_in(app, "staff").post(
        f"/reports/{DAY}/late",
        data={
            "kind": "pending_overdue",
            "count": "1",
            "procedure": "Chứng thực bản sao",
            "officer": "Trần Thị Mai",
            "cause": "Mất điện",
        },
    )


def remove_late_dossier(app, report):
    dossier = db.session.scalar(db.select(LateDossier).filter_by(report_id=report.id))
    return signed_in(app, "leader").post(f"/reports/{DAY}/late/{dossier.id}/remove")


def log_support_case(app, report):
    return signed_in(app, "staff").post(
        "/team/cases", data={"time": "10:00", "procedure": "Nộp hồ sơ trực tuyến", "problem": "Quên mật khẩu VNeID"}
    )


def explain_again(app, report):
    return signed_in(app, "leader").post(EXPLAIN, data=explanation("team", remedy="Họp lại"))


CHANGES = {
    "the figures are saved again": (save_figures, None),
    "a photo is added": (add_photo, None),
    "a photo is removed": (remove_photo, "photo"),
    "a late dossier is added": (add_late_dossier, None),
    "a late dossier is removed": (remove_late_dossier, "late"),
    "a support case is logged": (log_support_case, None),
    "an explanation is rewritten": (explain_again, None),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_it_withdraws_the_ready_mark_on_any_later_change(app, users, commune, clean_day, change):
    do, needs = CHANGES[change]
    team_overdue(commune, users, clean_day)
    if needs == "photo":
        assert add_photo(app, clean_day).status_code == 303
    if needs == "late":
        clean_day.pending_overdue, clean_day.pending_within = 1, 11
        db.session.add(
            LateDossier(
                report_id=clean_day.id,
                kind="pending_overdue",
                count=1,
                procedure="Chứng thực bản sao",
                officer="Trần Thị Mai",
                cause="Mất điện",
            )
        )
        db.session.commit()
    leader = signed_in(app, "leader")
    for key in [
        e.attrs["data-item"]
        for e in Page.of(leader.get(EXPLAIN)).find(None, cls="unexplained")
        if "data-item" in e.attrs
    ]:
        assert leader.post(EXPLAIN, data=explanation(key)).status_code == 303
    assert leader.post(READY).status_code == 303
    db.session.expire_all()
    report = db.session.get(DailyReport, clean_day.id)

    response = do(app, report)

    assert response.status_code == 303
    assert ready_mark() == (False, None)
    page = Page.of(leader.get(EXPLAIN))
    assert not page.has_id("ready-badge")
    assert Page.of(leader.get("/")).text("today-status") != "Sẵn sàng ký"
