"""Signing reads the day once: a rich day (figures from the dossier log with an override, late
dossiers, photos with categories missing, a task behind schedule, the response team, earlier days
for the trend, every item explained) signs to exactly the payload it signed to before the day's
facts were gathered into one snapshot, with fewer SQL statements than before."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import time_machine
from PIL import Image
from sqlalchemy import event

from wardapp.core import clock
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo
from wardapp.extensions import db
from wardapp.reports.operations import get_report
from wardapp.signing.operations import sign_report
from wardapp.tasks.models import Task, TaskProgress
from wardapp.team.models import ResponseTeam, TeamMember

from .. import factories
from . import support
from .test_dossier_sources import REASON, import_log

EXPECTED = Path(__file__).parent / "data" / "signed_day.json"
# The moment the whole test runs at, the clock standing still: every time the payload carries
# (imports, explanations' dates, signed_at) is the same on every run.
MOMENT = dt.datetime(2026, 11, 21, 16, 30, tzinfo=clock.TZ)
# SQL statements sign_report issued for this day when it gathered the day three times (measured).
STATEMENTS_BEFORE = 54


def photo(taken: dt.datetime, shade: int) -> bytes:
    """A small JPEG, the same bytes on every run, with the camera's capture time."""
    image = Image.new("RGB", (64, 48), (shade, 90, 200 - shade))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def seed_rich_day(app, commune, users, today: dt.date):
    staff = support.signed_in(app, "staff")
    imported = import_log(staff, today)
    url = f"/dossiers/day/{today.isoformat()}/override/digitized"
    assert staff.post(url, data={"value": "2", "reason": REASON}).status_code == 303
    typed = {k: v for k, v in factories.form_data().items() if k != "version"}
    typed |= {"apology_letters": "1", "feedback_received": "0", "feedback_on_time": "0", "feedback_late": "0"}
    typed |= {"highlights": "Trung tâm tiếp nhận 8 hồ sơ.", "difficulties": "Mạng chập chờn."}
    assert staff.post(f"/reports/{today.isoformat()}", data=typed | {"version": "0"}).status_code == 303
    for back in (1, 2, 5):  # earlier days: the trend has values and gaps
        factories.make_report(commune, today - dt.timedelta(days=back), users["staff"], received_online=back)
    task = Task(
        commune_id=commune.id,
        code="NV-07",
        title="Số hóa hồ sơ đất đai",
        start_date=today - dt.timedelta(days=20),
        deadline=today + dt.timedelta(days=10),
        responsible="Văn phòng",
        source_document="KH 12/KH-UBND",
    )
    db.session.add(task)
    db.session.flush()
    db.session.add(TaskProgress(task_id=task.id, date=today - dt.timedelta(days=1), percent=10, note="Chậm"))
    team = ResponseTeam(
        commune_id=commune.id,
        decision_number="15/QĐ-UBND",
        decision_date=today - dt.timedelta(days=30),
        decision_signer="Chủ tịch",
        duties="Hỗ trợ người dân",
    )
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, name="Trần Văn Bình", position="Đoàn viên", is_leader=True))
    db.session.commit()
    report = get_report(commune.id, today)
    counters = db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune.id, key="counters"))
    for shade in (10, 20):
        taken = dt.datetime.combine(today, dt.time(8, shade))
        add_photo(report, photo(taken, shade), f"quay-{shade}.jpg", counters, "Quầy tiếp nhận", users["staff"])
    db.session.commit()
    db.session.expire_all()
    leader = support.signed_in(app, "leader")
    page = leader.get(f"/reports/{today.isoformat()}/explain").get_data(as_text=True)
    keys = sorted({part.split('"')[0] for part in page.split('data-item="')[1:]})
    assert len(keys) >= 5, keys  # two late dossiers, the task, missing photo categories
    answer = leader.post(
        f"/reports/{today.isoformat()}/explain",
        data={
            "item": keys,
            "cause": "Chờ hồ sơ gốc",
            "remedy": "Đã đôn đốc",
            "responsible": "Phó Chủ tịch",
            "new_date": today.isoformat(),
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    db.session.expire_all()
    return get_report(commune.id, today), hashlib.sha256(imported).hexdigest()


def count_statements(engine, work):
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = work()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return result, statements


def test_a_rich_day_signs_to_the_same_payload_with_fewer_statements(app, commune, users):
    with time_machine.travel(MOMENT, tick=False):
        report, imported = seed_rich_day(app, commune, users, MOMENT.date())
        db.session.expire_all()
        revision, statements = count_statements(db.engine, lambda: sign_report(commune, report, users["leader"]))

    document = json.loads(revision.payload)
    assert document["explanations"] and document["late_dossiers"] and document["figure_sources"]
    assert document["photos"] and document["tasks"] and document["response_team"] and document["trend"]
    # The workbook's bytes (so its hash) change with each run; everything else is fixed.
    expected = EXPECTED.read_bytes().replace(b"<imported workbook>", imported.encode())
    assert revision.payload == expected
    assert len(statements) <= STATEMENTS_BEFORE * 0.7, len(statements)  # 35 once gathered once
