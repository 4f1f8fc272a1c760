"""Loading a day's report for a view, with the role and commune checks in one place."""

from __future__ import annotations

import datetime as dt

from flask import abort
from flask_login import current_user

from wardapp.commune.access import current_commune
from wardapp.core import clock
from wardapp.permissions import Action
from wardapp.reports.models import DailyReport, ReportStatus, ensure_editable
from wardapp.reports.operations import carried_over_for, get_or_create_report, get_report


def parse_day(value: str) -> dt.date:
    """A report day from the URL: a real date, not in the future (404 otherwise)."""
    day = clock.parse_iso_date(value)
    if day is None or day > clock.today():
        abort(404)
    return day


def report_for_reading(value: str) -> tuple[dt.date, DailyReport | None]:
    day = parse_day(value)
    return day, get_report(current_commune().id, day)


def report_for_writing(value: str, action: Action = "edit_day") -> DailyReport:
    """The day's report for a change by someone who may do ``action``, created as a draft if needed.

    A signed report is frozen: every write route comes through here and is refused.
    """
    if not current_user.may(action):
        abort(403)
    day = parse_day(value)
    commune = current_commune()
    report = get_report(commune.id, day)
    ensure_editable(report)
    if report is None:
        carried = carried_over_for(commune.id, day)
        report, _created = get_or_create_report(
            commune.id,
            day,
            status=ReportStatus.DRAFT,
            carried_over=carried.value if carried else 0,
            created_by_id=current_user.id,
            updated_by_id=current_user.id,
        )
        ensure_editable(report)  # created by someone else meanwhile, and maybe signed since
    return report
