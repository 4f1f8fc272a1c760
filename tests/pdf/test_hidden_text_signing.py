"""Issue 21, high 3, at signing: text stored before the forms checked it (or written past them)
is named item by item in Vietnamese, all of it, and the repair migration clears it so the
commune can sign again; text refused at the forms never reaches a signature."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from sqlalchemy import text

from tests import test_hidden_text as forms
from wardapp.delays.readiness import readiness
from wardapp.extensions import db
from wardapp.signing.operations import CannotSign
from wardapp.tasks.models import Task
from wardapp.team.models import ResponseTeam, TeamMember

from ..helpers import TODAY, Page, signed_in
from .conftest import day_ready, name_leader, sign

BIDI = "\u202e"


def stored_past_the_forms(commune) -> None:
    """What an older version let in: a task, the team and a member, a photo caption (raw SQL: the
    app's own write-time check would refuse it now)."""
    task = Task(
        commune_id=commune.id,
        code="NV-13",
        title="Số hóa",
        start_date=TODAY - dt.timedelta(days=3),
        deadline=TODAY + dt.timedelta(days=300),  # on schedule: nothing to explain
    )
    team = ResponseTeam(commune_id=commune.id, duties="Hỗ trợ")
    db.session.add_all([task, team])
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, name="Lê Văn B", field="technology"))
    db.session.commit()
    for statement in (
        "UPDATE tasks SET title = 'x' || :c || 'y'",
        "UPDATE response_teams SET duties = 'Hỗ' || :c || 'trợ'",
        "UPDATE team_members SET name = 'Lê' || :c || ' Văn B'",
        "UPDATE photos SET caption = 'Quầy' || :c",
    ):
        db.session.execute(text(statement), {"c": BIDI})
    db.session.commit()
    db.session.expire_all()


def test_signing_names_every_item_holding_a_hidden_character_in_vietnamese(app, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=2)
    stored_past_the_forms(commune)

    with pytest.raises(CannotSign) as refused:
        sign(commune, report, users)
    db.session.rollback()

    problems = refused.value.problems
    assert len(problems) == 5  # all of them, not the first three
    assert problems[0].startswith("Ảnh 1 (")
    assert any(p.startswith("Nhiệm vụ NV-13 – Tên nhiệm vụ: có ký tự ẩn") and "U+202E" in p for p in problems)
    assert any(p.startswith("Tổ phản ứng nhanh – Nhiệm vụ: ") for p in problems)
    assert any(p.startswith("Tổ phản ứng nhanh, thành viên Lê Văn B – Tên: ") for p in problems)
    assert not any("tasks/" in p or "photos/" in p for p in problems)


def test_the_sign_page_lists_them_before_the_leader_tries(app, commune, users):
    name_leader(users)
    day_ready(commune, users, TODAY, photos=1)
    stored_past_the_forms(commune)

    page = signed_in(app, "leader").get(f"/reports/{TODAY.isoformat()}/sign")

    assert page.status_code == 422
    listed = Page.of(page).text("sign-errors")
    assert "Nhiệm vụ NV-13 – Tên nhiệm vụ" in listed and "Ảnh 1" in listed


def test_the_repair_migration_clears_stored_text_so_the_day_can_be_signed(app, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=1)
    stored_past_the_forms(commune)
    db.session.add(
        Task(commune_id=commune.id, code="NV-14", title="b", start_date=TODAY, deadline=TODAY + dt.timedelta(days=300))
    )
    db.session.execute(text("UPDATE tasks SET code = 'NV-' || :c || '13' WHERE title = 'b'"), {"c": "\u200b"})
    db.session.commit()
    repair = importlib.import_module("migrations.versions.0014_hidden_characters_repair")

    connection = db.session.connection()
    repair._repair_task_codes(connection)
    for table, columns in repair.COLUMNS.items():
        repair._repair(connection, table, tuple(c for c in columns if not (table == "tasks" and c == "code")))
    db.session.commit()
    db.session.expire_all()

    assert forms.stored_with(BIDI) == [] and forms.stored_with("\u200b") == []
    codes = sorted(db.session.scalars(db.select(Task.code)))
    assert codes[0] == "NV-13" and codes[1].startswith("NV-13-")  # unique per commune, kept apart
    assert sign(commune, report, users).revision == 1


def test_a_late_reason_with_a_hidden_character_is_refused_beside_its_field(app, commune, users, monkeypatch):
    name_leader(users)
    yesterday = TODAY - dt.timedelta(days=1)
    report = day_ready(commune, users, yesterday)

    with pytest.raises(CannotSign) as refused:
        sign(commune, report, users, late_reason="Mất" + BIDI + " điện")

    assert refused.value.field == "late_reason" and "U+202E" in refused.value.problems[0]


def test_nothing_typed_into_any_form_can_block_signing(app, commune, users):
    """Every form tried with every character, then the day is signed: nothing got through."""
    name_leader(users)
    values = forms.a_task(commune)  # behind schedule: an item the leader explains
    report = day_ready(commune, users, TODAY, photos=1)
    key = readiness(commune, report, TODAY).items[0].key
    values |= {"item": key, "anchor": key.replace(":", "-")}
    for form in forms.FORMS:
        client = signed_in(app, form.role)
        for char in forms.HIDDEN.values():
            assert forms.post(client, form, values, char).status_code == 422, form.endpoint
    db.session.expire_all()

    assert all(forms.stored_with(char) == [] for char in forms.HIDDEN.values())
    assert sign(commune, report, users).revision == 1
