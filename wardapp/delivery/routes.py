"""No page of its own: when a leader opens one of a day's pages, ask the city about that day there
and then, so a return reaches the leader at once rather than at the worker's next poll."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from htmx_flask import request

from wardapp.commune.access import installed_commune
from wardapp.core import clock
from wardapp.delivery.sender import poll_entry_now
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry
from wardapp.reports.models import DailyReport
from wardapp.signing.models import ReportRevision

bp = Blueprint("delivery", __name__)


@bp.before_app_request
def ask_city_when_the_leader_opens_a_day() -> None:
    day = (request.view_args or {}).get("day")
    if request.method != "GET" or not isinstance(day, str) or request.htmx:
        return
    if not current_user.is_authenticated or not current_user.may("sign"):
        return
    date = clock.parse_iso_date(day.removesuffix(".pdf"))
    commune = installed_commune() if date is not None else None
    if commune is None or date is None:
        return
    entry = db.session.scalar(
        db.select(OutboxEntry)
        .join(ReportRevision, OutboxEntry.revision_id == ReportRevision.id)
        .join(DailyReport, ReportRevision.report_id == DailyReport.id)
        .filter(DailyReport.commune_id == commune.id, DailyReport.date == date)
        .filter(ReportRevision.revision == DailyReport.signed_revisions)
    )
    poll_entry_now(entry)
