"""Demo signatures: a week of signed past days (two signed late, one corrected) whose outbox
entries wait for the city; yesterday is left for the leader to finish and sign."""

from __future__ import annotations

import datetime as dt

from wardapp.commune.models import Commune
from wardapp.core.clock import TZ
from wardapp.delays.operations import explain
from wardapp.delays.readiness import readiness
from wardapp.demo.content import content
from wardapp.demo.evidence import demo_photo
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.signing.operations import open_correction, sign_report

TEXT = content("signed")  # the leader's explanations and reasons, the captions, the correction
LATE_DAYS = (3, 6)  # days ago signed the next morning
CORRECTED_DAY = 5


def seed_signatures(commune: Commune, users: dict, today: dt.date) -> None:
    staff, leader = users["staff"], users["leader"]
    categories = db.session.scalars(
        db.select(PhotoCategory).filter_by(commune_id=commune.id).order_by(PhotoCategory.position)
    ).all()
    for days_ago in range(8, 1, -1):
        day = today - dt.timedelta(days=days_ago)
        report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=day))
        for i, category in enumerate(categories):
            taken = dt.datetime.combine(day, dt.time(8 + i, 10))
            add_photo(
                report,
                demo_photo(category.label, taken, seed=days_ago * 10 + i, gps=(16.0678, 108.2208), size=(1024, 768)),
                f"IMG_{day:%Y%m%d}_{i}.jpg",
                category,
                TEXT["photo_caption"].format(label=category.label, day=day),
                staff,
            )
        _explain_all(commune, report, leader, day)
        if days_ago in LATE_DAYS:
            at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8, 15), tzinfo=TZ)
            sign_report(commune, report, leader, TEXT["late_signature_reason"], signed_at=at)
        else:
            sign_report(commune, report, leader, signed_at=dt.datetime.combine(day, dt.time(16, 30), tzinfo=TZ))
        if days_ago == CORRECTED_DAY:
            open_correction(report, leader, TEXT["correction_reason"])
            report.highlights += TEXT["correction_highlight"]
            db.session.commit()
            at = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(9, 0), tzinfo=TZ)
            sign_report(commune, report, leader, TEXT["corrected_signature_reason"], signed_at=at)


def _explain_all(commune: Commune, report: DailyReport, leader, day: dt.date) -> None:
    for item in readiness(commune, report, day).unexplained:
        answer = {"new_date": day + dt.timedelta(days=7), "responsible": leader.full_name}
        explain(report, item, TEXT["explanations"][item.kind] | answer, leader)
    db.session.commit()
