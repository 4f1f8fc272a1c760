"""The day's facts decide readiness and the signed document without a database: the same snapshot
gives the same blockers (in the words the leader reads) and the same document, numbered only when
signed."""

from __future__ import annotations

import datetime as dt

from wardapp.core import payload, readiness
from wardapp.core.clock import TZ
from wardapp.core.day import CommuneFacts, DayFacts, ExplanationFact, LateFact, ReportFacts, TaskFact
from wardapp.core.schedule import schedule

from . import factories

DAY = dt.date(2026, 11, 21)
COMMUNE = CommuneFacts("20242", "Phường Hải Châu", "48", dt.time(17, 0), team_deadline=dt.date(2026, 11, 1))
LATE = LateFact(1, "resolved_late", 2, "Đăng ký khai sinh", "H-01", "Nguyễn Thị Lan", "Tư pháp", "", False, None)
TASK = TaskFact(7, "NV-07", "Số hóa hồ sơ", DAY, "Văn phòng", "", 40, "", schedule(DAY, DAY, 40, DAY, 20))
SIGNING = payload.Signing(
    {"username": "leader", "full_name": "Lê Thị Hằng", "position": "Chủ tịch UBND"},
    dt.datetime.combine(DAY, dt.time(16, 0), TZ),
)


def facts(**changes) -> DayFacts:
    values = {
        "commune": COMMUNE,
        "day": DAY,
        "report": ReportFacts(factories.figures(pending_overdue=0, pending_within=12), {"highlights": "Ổn định"}),
        "late_dossiers": (LATE,),
        "tasks": (TASK,),
        "team_overdue": True,
    }
    return DayFacts(**(values | changes))


def explained(key: str) -> ExplanationFact:
    return ExplanationFact(key, "", "Chờ hồ sơ", "Đã đôn đốc", DAY, "Phó Chủ tịch", "Lê Thị Hằng")


def test_each_item_behind_blocks_the_day_in_its_own_words_until_explained():
    state = readiness.check(facts())

    assert [i.key for i in state.items] == ["task:7", "late:1", "team"]
    assert state.blockers == [
        "NV-07 · Số hóa hồ sơ (chưa giải trình)",
        "Giải quyết quá hạn: Đăng ký khai sinh · H-01 (chưa giải trình)",
        "Chưa thành lập Tổ phản ứng nhanh (chưa giải trình)",
    ]
    done = readiness.check(facts(explanations={k: explained(k) for k in ("task:7", "late:1", "team")}))
    assert done.ready


def test_late_dossiers_that_do_not_add_up_to_the_figures_block_the_day():
    state = readiness.check(facts(late_dossiers=(), tasks=(), team_overdue=False))

    assert state.blockers == ["Giải quyết quá hạn: số liệu ngày là 2 hồ sơ nhưng đã ghi 0."]


def test_a_day_without_figures_is_not_ready():
    assert readiness.check(facts(report=None)).blockers[0] == "Chưa nhập số liệu của ngày."


def test_the_document_is_numbered_only_when_signed_and_signs_only_current_explanations():
    day = facts(explanations={"late:1": explained("late:1"), "task:99": explained("task:99")})

    preview = payload.build(day, SIGNING)
    signed = payload.build(day, payload.Signing(**(vars(SIGNING) | {"document_number": "07/BC-UBND"})))

    assert "document_number" not in preview and signed["document_number"] == "07/BC-UBND"
    assert [e["item"] for e in signed["explanations"]] == ["late:1"]  # a task no longer behind is left out
    assert signed["explanations"][0]["item_label"] == "Giải quyết quá hạn: Đăng ký khai sinh · H-01"
    assert signed["late_dossiers"] == [LATE.snapshot() | {"item": "late:1"}]
    assert "trend" not in signed  # gathered for documents only
    assert payload.encode(payload.build(day, SIGNING)) == payload.encode(preview)
