"""Demo evidence: photos with EXIF capture times, a response team set up late, plan tasks,
support cases matching the daily figures, late dossiers and some of the leader's explanations."""

from __future__ import annotations

import datetime as dt
import io
import random

from PIL import Image, ImageDraw, ImageFont

from wardapp.commune.models import Commune
from wardapp.core.pdf.fonts import font_path
from wardapp.delays.models import Explanation, LateDossier, LateKind
from wardapp.demo.content import content
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.support.models import SupportCase
from wardapp.tasks.models import Task, TaskProgress
from wardapp.team.models import Field, ResponseTeam, TeamMember

TEXT = content("evidence")  # the team, procedures, officers, tasks and every text written here


def demo_photo(
    label: str, taken_at: dt.datetime, seed: int, gps: tuple[float, float] | None, size: tuple[int, int] = (1600, 1200)
) -> bytes:
    """A camera-like JPEG: a coloured scene with its label and EXIF capture time and camera."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 1500), rng.randint(0, 1100)
        draw.rectangle(
            (x, y, x + rng.randint(80, 400), y + rng.randint(60, 300)),
            fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)),
        )
    draw.rectangle((0, 1080, 1600, 1200), fill=(255, 255, 255))
    font = ImageFont.truetype(str(font_path("Regular")), 44)  # a font with Vietnamese letters
    draw.text((30, 1110), f"{label} - {taken_at:%d/%m/%Y %H:%M}", fill=(0, 0, 0), font=font)
    exif = Image.Exif()
    exif[0x010F] = "Samsung"
    exif[0x0110] = "Galaxy A55"
    exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if gps:

        def dms(value: float):
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            return (degrees, minutes, round(((value - degrees) * 60 - minutes) * 60, 2))

        exif.get_ifd(0x8825).update({1: "N", 2: dms(gps[0]), 3: "E", 4: dms(gps[1])})
    if size != image.size:
        image = image.resize(size)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def seed_evidence(commune: Commune, users: dict, today: dt.date, days: int) -> None:
    staff, leader = users["staff"], users["leader"]
    first_day = today - dt.timedelta(days=days)
    _team(commune, first_day)
    _support_cases(commune, staff)
    _tasks(commune, staff, today, first_day)
    _late_dossiers(commune, staff, leader)
    _photos(commune, staff, today - dt.timedelta(days=1))
    db.session.flush()


def _team(commune: Commune, first_day: dt.date) -> None:
    commune.team_deadline = first_day + dt.timedelta(days=10)
    text = TEXT["team"]
    team = ResponseTeam(
        commune_id=commune.id,
        decision_number=text["decision_number"],
        decision_date=commune.team_deadline + dt.timedelta(days=4),
        decision_signer=text["decision_signer"],
        duties=text["duties"],
    )
    db.session.add(team)
    db.session.flush()
    for member in text["members"]:
        db.session.add(
            TeamMember(
                team_id=team.id,
                name=member["name"],
                position=member["position"],
                unit=member["unit"],
                phone="0905" + str(abs(hash(member["name"])) % 1_000_000).zfill(6),
                field=Field(member["field"]),
                is_leader=member["is_leader"],
            )
        )


def _support_cases(commune: Commune, staff) -> None:
    """One logged case per counted case, so the figure and the log agree."""
    team = db.session.scalar(db.select(ResponseTeam).filter_by(commune_id=commune.id))
    members = list(db.session.scalars(db.select(TeamMember).filter_by(team_id=team.id)))
    rows = db.session.execute(
        db.select(DailyReport.date, DailyReport.response_team_cases).filter_by(commune_id=commune.id)
    ).all()
    for day, count in rows:
        rng = random.Random(day.toordinal())
        for n in range(count):
            db.session.add(
                SupportCase(
                    commune_id=commune.id,
                    date=day,
                    time=dt.time(8 + 2 * n, rng.randint(0, 59)),
                    procedure=rng.choice(TEXT["procedures"]),
                    **TEXT["support_case"],
                    member_id=rng.choice(members).id,
                    recorded_by_id=staff.id,
                )
            )


def _tasks(commune: Commune, staff, today: dt.date, first_day: dt.date) -> None:
    text, members = TEXT["task"], TEXT["team"]["members"]
    for i, planned in enumerate(TEXT["tasks"]):
        percent = planned["percent"]
        start = first_day + dt.timedelta(days=i * 3)
        deadline = today + dt.timedelta(days=20 + i * 5) if percent < 100 else today - dt.timedelta(days=5)
        task = Task(
            commune_id=commune.id,
            code=planned["code"],
            title=planned["title"],
            goal=text["goal"],
            expected_output=text["expected_output"],
            start_date=start,
            deadline=deadline,
            responsible=members[i % len(members)]["name"],
            source_document=text["source_document"],
        )
        db.session.add(task)
        db.session.flush()
        for step in range(1, 4):
            day = today - dt.timedelta(days=30 * (3 - step) + 1)
            if day >= start:
                db.session.add(
                    TaskProgress(
                        task_id=task.id,
                        date=day,
                        percent=percent * step // 3,
                        note=text["progress_note"],
                        by_id=staff.id,
                    )
                )


def _late_dossiers(commune: Commune, staff, leader) -> None:
    """Late dossiers matching every day's late figures; the older days' are explained."""
    reports = db.session.scalars(
        db.select(DailyReport)
        .filter_by(commune_id=commune.id)
        .filter((DailyReport.resolved_late > 0) | (DailyReport.pending_overdue > 0))
        .order_by(DailyReport.date)
    ).all()
    for index, report in enumerate(reports):
        rng = random.Random(report.date.toordinal())
        # The dossier log already listed the day's late dossiers one by one; otherwise, a group.
        dossiers = list(db.session.scalars(db.select(LateDossier).filter_by(report_id=report.id)))
        for kind in LateKind if not dossiers else ():
            count = getattr(report, kind.value)
            if not count:
                continue
            officer = rng.choice(TEXT["officers"])
            dossier = LateDossier(
                report_id=report.id,
                kind=kind,
                count=count,
                procedure=rng.choice(TEXT["procedures"]),
                officer=officer["name"],
                unit=officer["unit"],
                cause=TEXT["late_dossier_cause"],
                apology_issued=kind == LateKind.RESOLVED_LATE,
                created_by_id=staff.id,
                new_appointment=report.date + dt.timedelta(days=3),
            )
            db.session.add(dossier)
            dossiers.append(dossier)
        db.session.flush()
        if index < len(reports) - 1:  # the latest late day is left for the leader to explain
            for dossier in dossiers:
                label = f"{dossier.kind_label}: {dossier.procedure}"
                explanation = TEXT["late_explanation"] | {"new_date": report.date + dt.timedelta(days=3)}
                _explain(report, f"late:{dossier.id}", label, explanation, dossier.officer, leader)


def _photos(commune: Commune, staff, day: dt.date) -> None:
    """Yesterday's photos: all but one required category, one photo taken on another day."""
    report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=day))
    categories = db.session.scalars(
        db.select(PhotoCategory).filter_by(commune_id=commune.id).order_by(PhotoCategory.position)
    ).all()
    for i, category in enumerate(categories[:-1]):
        taken = dt.datetime.combine(day, dt.time(7 + i, 30))
        caption = TEXT["photo_caption"].format(label=category.label, day=day)
        if i == 2:
            taken -= dt.timedelta(days=3)  # from the gallery: not verifiable
            caption = TEXT["old_photo_caption"].format(label=category.label, day=day)
        data = demo_photo(category.label, taken, seed=i, gps=(16.0678, 108.2208) if i != 1 else None)
        add_photo(report, data, f"IMG_{day:%Y%m%d}_{i:02d}.jpg", category, caption, staff)


def explain_behind_task(commune: Commune, leader, day: dt.date) -> None:
    """Explain the task of ``behind_task`` (KH02-03) on ``day``'s report (KH02-07 stays unexplained)."""
    behind = TEXT["behind_task"]
    report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=day))
    task = db.session.scalar(db.select(Task).filter_by(commune_id=commune.id, code=behind["code"]))
    explanation = {"cause": behind["cause"], "remedy": behind["remedy"], "new_date": day + dt.timedelta(days=30)}
    _explain(report, f"task:{task.id}", f"{task.code} · {task.title}", explanation, behind["responsible"], leader)


def _explain(report: DailyReport, key: str, label: str, explanation: dict, responsible: str, leader) -> None:
    """The leader's explanation (cause, remedy, new date) of one item of ``report``."""
    db.session.add(
        Explanation(
            report_id=report.id,
            item_key=key,
            item_label=label,
            responsible=responsible,
            author_id=leader.id,
            **explanation,
        )
    )
