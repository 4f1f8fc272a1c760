"""State changes of outbox entries, each a small function (the sender strings them together)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from wardapp.audit import log as audit
from wardapp.core.clock import utcnow
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry, OutboxState, SendAttempt
from wardapp.outbox.refusals import AT_CITY


def backoff(attempts: int, schedule: tuple[int, ...]) -> int:
    """The delay before the next try after ``attempts`` tries: growing, the last one repeating
    (the schedule is the ``OUTBOX_BACKOFF`` setting)."""
    return schedule[min(max(attempts - 1, 0), len(schedule) - 1)]


def refused_retry_delay(refused_for: dt.timedelta, schedule: tuple[int, ...]) -> int:
    """The delay before the next try of a refusal whose cause is at the city: the schedule's n-th
    delay on the n-th day of refusals (the ``OUTBOX_REFUSED_BACKOFF`` setting)."""
    return schedule[min(max(refused_for.days, 0), len(schedule) - 1)]


def _refused_at_city_and_due(now: dt.datetime, days: int) -> sa.ColumnElement[bool]:
    """Refused for a cause at the city, its slow retry come, and refused for less than ``days``."""
    return (
        (OutboxEntry.state == OutboxState.REJECTED)
        & OutboxEntry.refusal.in_(AT_CITY)
        & (OutboxEntry.next_attempt_at <= now)
        & (OutboxEntry.refused_since >= now - dt.timedelta(days=days))
    )


def _due(now: dt.datetime, refused_days: int) -> sa.ColumnElement[bool]:
    """Due entries: waiting/retrying ones whose time has come, refusals at the city whose slow retry
    has come, and "sending" ones whose lease ran out (their sender died between sending and
    recording the answer: the city's idempotent receipt makes the resend safe)."""
    return (
        (OutboxEntry.state.in_([OutboxState.WAITING, OutboxState.RETRYING]) & (OutboxEntry.next_attempt_at <= now))
        | ((OutboxEntry.state == OutboxState.SENDING) & (OutboxEntry.lease_until < now))
        | _refused_at_city_and_due(now, refused_days)
    )


def claim(entry_id: int, now: dt.datetime, lease_seconds: int, refused_days: int) -> bool:
    """Take a due entry for sending, atomically: two senders can never both claim it."""
    result = db.session.execute(
        sa.update(OutboxEntry)
        .where(OutboxEntry.id == entry_id)
        .where(_due(now, refused_days))
        .values(
            state=OutboxState.SENDING,
            lease_until=now + dt.timedelta(seconds=lease_seconds),
            attempts=OutboxEntry.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return cast(CursorResult[Any], result).rowcount == 1


def _waiting_for_a_retry(now: dt.datetime) -> sa.ColumnElement[bool]:
    return OutboxEntry.state.in_([OutboxState.WAITING, OutboxState.RETRYING]) & (OutboxEntry.next_attempt_at > now)


def release_waiting(now: dt.datetime, *, refused_at_city: bool = False) -> int:
    """The city answers again: every entry waiting on a retry is due now, not at its own backoff;
    with ``refused_at_city`` (the city has just accepted a report, so whatever it lacked it now has)
    the refusals whose cause was at the city too.

    Only the time of the next try moves: the state machine and the claim are untouched, so an entry
    being sent (``sending``) or already answered is never touched and exactly-once still holds.
    Returns how many entries were brought forward.
    """
    waiting = _waiting_for_a_retry(now)
    if refused_at_city:
        waiting = waiting | (
            (OutboxEntry.state == OutboxState.REJECTED)
            & OutboxEntry.refusal.in_(AT_CITY)
            & (OutboxEntry.next_attempt_at > now)
        )
    result = db.session.execute(
        sa.update(OutboxEntry)
        .where(waiting)
        .values(next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return cast(CursorResult[Any], result).rowcount


def hold_behind(entry_ids: list[int], until: dt.datetime) -> None:
    """Entries due in a pass the city failed: they wait for the same next try as the one that failed
    (or the city's return, whichever comes first), so the time the leader sees is the real one and
    a city that is down is not sent one push per entry per pass."""
    if not entry_ids:
        return
    db.session.execute(
        sa.update(OutboxEntry)
        .where(OutboxEntry.id.in_(entry_ids))
        .where(OutboxEntry.state.in_([OutboxState.WAITING, OutboxState.RETRYING]))
        .where(OutboxEntry.next_attempt_at < until)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def first_retrying() -> OutboxEntry | None:
    """The oldest entry waiting on a retry: the one whose report the sender asks the city about to
    learn whether the city answers again."""
    return db.session.scalar(
        db.select(OutboxEntry).filter_by(state=OutboxState.RETRYING).order_by(OutboxEntry.id).limit(1)
    )


def due_ids(now: dt.datetime, refused_days: int) -> list[int]:
    return list(db.session.scalars(db.select(OutboxEntry.id).where(_due(now, refused_days)).order_by(OutboxEntry.id)))


def _log(entry: OutboxEntry, outcome: str, status: int | None, error: str) -> None:
    db.session.add(SendAttempt(entry_id=entry.id, http_status=status, outcome=outcome, error=error[:2000]))
    entry.last_status = status
    entry.last_error = error[:2000]
    entry.updated_at = utcnow()
    entry.lease_until = None
    audit.record(
        f"outbox.{outcome}",
        target_type="report",
        target_id=entry.revision.report_key,
        after={"http_status": status, "error": error[:300], "attempt": entry.attempts},
    )


def mark_accepted(entry: OutboxEntry, status: int, receipt_id: str, received_at: str) -> None:
    entry.state = OutboxState.ACCEPTED
    entry.receipt_id = receipt_id
    entry.received_at = received_at
    entry.refusal = entry.refused_since = None
    entry.revision.city_state = entry.revision.city_state or "received"
    _log(entry, "accepted", status, "")


def mark_retry(entry: OutboxEntry, status: int | None, error: str, now: dt.datetime, delay: int) -> None:
    entry.state = OutboxState.RETRYING
    entry.next_attempt_at = now + dt.timedelta(seconds=delay)
    _log(entry, "retry", status, error)


def mark_rejected(
    entry: OutboxEntry, status: int, reason: str, refusal: str, now: dt.datetime, schedule: tuple[int, ...]
) -> None:
    """Refused: a person must act. ``refusal`` is PROTOCOL's code (``code/reason``); when its cause
    is at the city the entry is tried again on the slow ``schedule`` (``refused_retry_delay``)."""
    entry.state = OutboxState.REJECTED
    entry.refusal = refusal[:64]
    entry.refused_since = entry.refused_since or now
    if entry.refusal in AT_CITY:
        entry.next_attempt_at = now + dt.timedelta(seconds=refused_retry_delay(now - entry.refused_since, schedule))
    _log(entry, "rejected", status, reason)


def request_resend(entry: OutboxEntry, user) -> None:
    """A person asks for a new try now (after a rejection fixed at the city, or to skip a wait);
    commits."""
    if entry.state == OutboxState.ACCEPTED:
        return
    _due_now(entry)
    audit.record("outbox.resend_requested", target_type="report", target_id=entry.revision.report_key, actor=user)
    db.session.commit()


def _due_now(entry: OutboxEntry) -> None:
    entry.state = OutboxState.WAITING
    entry.next_attempt_at = utcnow()
    entry.lease_until = None
    entry.refusal = entry.refused_since = None


def resend_refused(user) -> int:
    """Every refused entry due now (the admin's one action once the cause is fixed); returns how
    many. Audited once, with the days; commits."""
    entries = db.session.scalars(
        db.select(OutboxEntry).filter_by(state=OutboxState.REJECTED).order_by(OutboxEntry.id)
    ).all()
    for entry in entries:
        _due_now(entry)
    if entries:
        audit.record(
            "outbox.resend_all_refused",
            target_type="outbox",
            after={"reports": [e.revision.report_key for e in entries]},
            actor=user,
        )
    db.session.commit()
    return len(entries)
