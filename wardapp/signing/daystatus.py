"""The facts of the commune's days, read in one query, turned into the kernel's one day status.

Every screen that says where a day stands (dashboard, calendar, report list, report header, PDF
list) reads it from here, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_

from wardapp.core.status import DayFacts, DayStatus, day_status
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry, OutboxState
from wardapp.outbox.refusals import Explanation, explain
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.signing.models import ReportRevision


@dataclass(frozen=True)
class Return:
    """The city's return of the latest signed revision, as the commune learned it."""

    day: dt.date
    comment: str
    by: str
    at: dt.datetime | None
    revision: int


def _rows(commune_id: int, start: dt.date, end: dt.date):
    latest = and_(ReportRevision.report_id == DailyReport.id, ReportRevision.revision == DailyReport.signed_revisions)
    return db.session.execute(
        db.select(
            DailyReport.date,
            DailyReport.status,
            DailyReport.ready_at,
            OutboxEntry.state,
            ReportRevision.city_state,
        )
        .outerjoin(ReportRevision, latest)
        .outerjoin(OutboxEntry, OutboxEntry.revision_id == ReportRevision.id)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date.between(start, end))
    ).all()


def _facts(status: str, ready_at, outbox: str | None, city_state: str | None) -> DayFacts:
    signed = status == ReportStatus.SIGNED
    return DayFacts(
        has_figures=True,
        complete=status in (ReportStatus.COMPLETE, ReportStatus.SIGNED),
        ready=ready_at is not None,
        signed=signed,
        outbox=outbox if signed else None,
        city_returned=signed and city_state == "returned",
        city_accepted=signed and city_state == "accepted",
    )


def statuses_between(commune_id: int, start: dt.date, end: dt.date) -> dict[dt.date, DayStatus]:
    """Each day that has a report → its status (days without one are ``NO_FIGURES``)."""
    return {row[0]: day_status(_facts(*row[1:])) for row in _rows(commune_id, start, end)}


def status_of(commune_id: int, day: dt.date) -> DayStatus:
    return statuses_between(commune_id, day, day).get(day, DayStatus.NO_FIGURES)


def pending_return(report: DailyReport | None) -> Return | None:
    """The city's return of this day, while the day still stands on the returned revision."""
    if report is None or report.status != ReportStatus.SIGNED:
        return None
    return _return_of_latest(report)


def _return_of_latest(report: DailyReport) -> Return | None:
    """The city's return of the day's latest signed revision, if it was returned."""
    revision = db.session.scalar(
        db.select(ReportRevision).filter_by(report_id=report.id, revision=report.signed_revisions)
    )
    if revision is None or revision.city_state != "returned":
        return None
    return Return(report.date, revision.city_comment, revision.returned_by, revision.returned_at, revision.revision)


def returns_between(commune_id: int, start: dt.date, end: dt.date) -> list[Return]:
    """Returned days not yet corrected, newest first (the dashboard's banner)."""
    latest = and_(ReportRevision.report_id == DailyReport.id, ReportRevision.revision == DailyReport.signed_revisions)
    rows = db.session.execute(
        db.select(DailyReport.date, ReportRevision)
        .join(ReportRevision, latest)
        .filter(
            DailyReport.commune_id == commune_id,
            DailyReport.date.between(start, end),
            DailyReport.status == ReportStatus.SIGNED,
            ReportRevision.city_state == "returned",
        )
        .order_by(DailyReport.date.desc())
    ).all()
    return [Return(day, r.city_comment, r.returned_by, r.returned_at, r.revision) for day, r in rows]


def revision_status(revision: ReportRevision) -> DayStatus:
    """The one delivery state of a signed revision (never "received" beside "returned")."""
    entry = revision.outbox
    facts = DayFacts(
        signed=True,
        outbox=entry.state if entry else None,
        city_returned=revision.city_state == "returned",
        city_accepted=revision.city_state == "accepted",
    )
    return day_status(facts)


def delivery_pending(revision: ReportRevision, city_configured: bool) -> bool:
    """Something will still happen to this revision's delivery by itself (worth watching)."""
    entry = revision.outbox
    if entry is None or not city_configured:
        return False
    return entry.state in (OutboxState.WAITING, OutboxState.SENDING, OutboxState.RETRYING)


@dataclass(frozen=True)
class Refusal:
    """The city's refusal of a day's latest signed revision, explained."""

    day: dt.date
    revision: int
    explanation: Explanation
    detail: str  # the city's own words, for IT
    status: int | None
    retry_at: dt.datetime | None  # the next automatic try, when the cause is at the city


def refusal_of(revision: ReportRevision | None) -> Refusal | None:
    entry = revision.outbox if revision is not None else None
    if revision is None or entry is None or entry.state != OutboxState.REJECTED:
        return None
    explanation = explain(entry.refusal)
    retry_at = entry.next_attempt_at if explanation.at_city else None
    return Refusal(revision.report.date, revision.revision, explanation, entry.last_error, entry.last_status, retry_at)


def refusals_between(commune_id: int, start: dt.date, end: dt.date) -> list[Refusal]:
    """Days whose latest signed revision the city refused, newest first (the dashboard's banner)."""
    latest = and_(ReportRevision.report_id == DailyReport.id, ReportRevision.revision == DailyReport.signed_revisions)
    revisions = db.session.scalars(
        db.select(ReportRevision)
        .join(DailyReport, latest)
        .join(OutboxEntry, OutboxEntry.revision_id == ReportRevision.id)
        .filter(
            DailyReport.commune_id == commune_id,
            DailyReport.date.between(start, end),
            DailyReport.status == ReportStatus.SIGNED,
            OutboxEntry.state == OutboxState.REJECTED,
        )
        .order_by(DailyReport.date.desc())
    ).all()
    return [r for r in map(refusal_of, revisions) if r is not None]


def correcting_return(report: DailyReport | None) -> Return | None:
    """The city's return a correction in progress answers: shown on every page of the correction
    until it is signed."""
    if report is None or report.status == ReportStatus.SIGNED or not report.signed_revisions:
        return None
    return _return_of_latest(report)
