"""Loading a day's report for a view, with the role and commune checks in one place."""
from __future__ import annotations

import datetime as dt

from flask import abort
from flask_login import current_user

from .. import clock
from ..auth.models import EDITORS, Role
from ..extensions import db
from ..web import current_commune
from .models import DailyReport, ReportStatus
from .operations import carried_over_for, get_report


def parse_day(value: str) -> dt.date:
    """A report day from the URL: a real date, not in the future (404 otherwise)."""
    day = clock.parse_iso_date(value)
    if day is None or day > clock.today():
        abort(404)
    return day


def report_for_reading(value: str) -> tuple[dt.date, DailyReport | None]:
    day = parse_day(value)
    return day, get_report(current_commune().id, day)


def report_for_writing(value: str, roles: tuple[str, ...] = EDITORS) -> DailyReport:
    """The day's report for a change by one of ``roles``, created as an empty draft if needed."""
    if not current_user.has_role(*roles):
        abort(403)
    day = parse_day(value)
    commune = current_commune()
    report = get_report(commune.id, day)
    if report is None:
        carried = carried_over_for(commune.id, day)
        report = DailyReport(
            commune_id=commune.id, date=day, status=ReportStatus.DRAFT,
            carried_over=carried.value if carried else 0,
            created_by_id=current_user.id, updated_by_id=current_user.id,
        )
        db.session.add(report)
        db.session.flush()
    return report


LEADER_ONLY = (Role.LEADER,)
