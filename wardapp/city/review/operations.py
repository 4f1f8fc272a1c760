"""A reviewer's decision on a received day: new, accepted or returned (PROTOCOL section 4).

Only the commune-day's current revision is decided on. A correction of an accepted day arrives as
a new revision: it is new again ("sửa sau khi đã duyệt") and needs accepting again, while the
accepted revision it replaces keeps its acceptance on record. Every decision is a line in the
city's audit (``city_audit``: who, when, which report), and moves the desk's revision, since the
II.06a table can be limited to accepted days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wardapp.city.accounts import signin
from wardapp.city.desk import operations as desk
from wardapp.city.extensions import city_db as db
from wardapp.city.intake.operations import log_request
from wardapp.city.models import CityUser, ReceivedFigures, ReceivedReport
from wardapp.core.clock import utcnow
from wardapp.core.i18n import lazy_gettext as _l

NEW, ACCEPTED, RETURNED = "new", "accepted", "returned"
STATE_LABELS = {NEW: _l("Mới"), ACCEPTED: _l("Đã duyệt"), RETURNED: _l("Đã trả lại")}
CORRECTED_AFTER_ACCEPTANCE = _l("sửa sau khi đã duyệt")
MAX_RANGE_DAYS = 62


def review_state(stored_state: str) -> str:
    """The reviewer's word for a stored state (``received`` is a day nobody decided on yet)."""
    return {"accepted": ACCEPTED, "returned": RETURNED}.get(stored_state, NEW)


@dataclass(frozen=True)
class ReviewRow:
    commune_code: str
    date: dt.date
    report_id: str
    revision: int
    late: bool
    state: str  # new | accepted | returned
    corrected_after_acceptance: bool
    accepted_by: str
    accepted_at: dt.datetime | None
    comment: str


def rows(
    provinces: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    commune: str | None = None,
    state: str | None = None,
) -> list[ReviewRow]:
    """The current revision of every received commune-day in the range, with its review state."""
    F, R = ReceivedFigures, ReceivedReport
    query = (
        db.select(
            F.commune_code, F.date, F.report_id, F.revision, F.late, R.state, R.accepted_by, R.accepted_at, R.comment
        )
        .join(R, R.id == F.report_pk)
        .filter(F.current.is_(True), F.province_code.in_(provinces), F.date.between(start, end))
        .order_by(F.date.desc(), F.commune_code)
    )
    if commune:
        query = query.filter(F.commune_code == commune)
    again = desk.accepted_before(provinces, start, end, commune)
    out = []
    for code, day, report_id, revision, late, stored, by, at, comment in db.session.execute(query):
        decided = review_state(stored)
        if state and decided != state:
            continue
        out.append(
            ReviewRow(
                code, day, report_id, revision, late, decided, (code, day) in again and decided == NEW, by, at, comment
            )
        )
    return out


def acceptable(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None = None
) -> list[ReceivedReport]:
    """The new (undecided) current revisions a bulk acceptance takes: a commune's month, a day
    across the province."""
    F, R = ReceivedFigures, ReceivedReport
    query = (
        db.select(R)
        .join(F, F.report_pk == R.id)
        .filter(
            F.current.is_(True),
            F.province_code.in_(provinces),
            F.date.between(start, end),
            R.state == "received",
        )
        .order_by(R.commune_code, R.date)
    )
    if commune:
        query = query.filter(F.commune_code == commune)
    return list(db.session.scalars(query))


def may_accept(report: ReceivedReport) -> bool:
    """A current revision nobody decided on yet (a returned one waits for its correction)."""
    return report.state == "received" and report.facts is not None and report.facts.current


def accept(reports: list[ReceivedReport], user: CityUser) -> int:
    """Accept each report that may be, audited and committed; how many were accepted."""
    now = utcnow()
    done = 0
    for report in reports:
        if not may_accept(report):
            continue
        report.state = "accepted"
        report.accepted_at = now
        report.accepted_by = user.full_name
        report.facts.accepted = True
        signin.record("review.accepted", report.report_id, f"r{report.revision}", actor=user.username)
        done += 1
    if done:
        desk.changed()
        db.session.commit()
    return done


def return_report(report: ReceivedReport, user: CityUser, typed_comment: str, request) -> bool:
    """Return a report to its commune with the reviewer's comment (PROTOCOL section 4's
    "returned"): an accepted day returned is no longer counted as accepted; the desk's copy of the
    state and its revision move; audited, written to the intake log, committed. False when the
    comment is empty (nothing changes)."""
    comment = " ".join(typed_comment.split())[:2000]
    if not comment:
        return False
    report.state = "returned"
    if report.facts is not None:  # the desk's copy of the state
        report.facts.returned = True
        report.facts.accepted = False
    report.accepted_at = None
    report.accepted_by = ""
    signin.record("review.returned", report.report_id, comment, actor=user.username)
    report.comment = comment
    report.returned_at = utcnow()
    report.returned_by = user.full_name
    desk.changed()
    log_request(request, 200, "returned", comment, report_id=report.report_id, commune=report.commune_code)
    db.session.commit()
    return True
