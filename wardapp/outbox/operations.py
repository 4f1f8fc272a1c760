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


def backoff(attempts: int, schedule: tuple[int, ...]) -> int:
    """The delay before the next try after ``attempts`` tries: growing, the last one repeating
    (the schedule is the ``OUTBOX_BACKOFF`` setting)."""
    return schedule[min(max(attempts - 1, 0), len(schedule) - 1)]


def claim(entry_id: int, now: dt.datetime, lease_seconds: int) -> bool:
    """Take an entry for sending, atomically: two senders can never both claim it.

    Due entries are waiting/retrying ones whose time has come, and "sending" ones whose lease ran
    out (their sender died between sending and recording the answer: the city's idempotent
    receipt makes the resend safe).
    """
    due = (
        OutboxEntry.state.in_([OutboxState.WAITING, OutboxState.RETRYING]) & (OutboxEntry.next_attempt_at <= now)
    ) | ((OutboxEntry.state == OutboxState.SENDING) & (OutboxEntry.lease_until < now))
    result = db.session.execute(
        sa.update(OutboxEntry)
        .where(OutboxEntry.id == entry_id)
        .where(due)
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


def release_waiting(now: dt.datetime) -> int:
    """The city answers again: every entry waiting on a retry is due now, not at its own backoff.

    Only the time of the next try moves: the state machine and the claim are untouched, so an entry
    being sent (``sending``) or already answered is never touched and exactly-once still holds.
    Returns how many entries were brought forward.
    """
    result = db.session.execute(
        sa.update(OutboxEntry)
        .where(_waiting_for_a_retry(now))
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


def due_ids(now: dt.datetime) -> list[int]:
    table = OutboxEntry.__table__
    return list(
        db.session.scalars(
            db.select(table.c.id)
            .where(
                (table.c.state.in_([OutboxState.WAITING, OutboxState.RETRYING]) & (table.c.next_attempt_at <= now))
                | ((table.c.state == OutboxState.SENDING) & (table.c.lease_until < now))
            )
            .order_by(table.c.id)
        )
    )


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
    entry.revision.city_state = entry.revision.city_state or "received"
    _log(entry, "accepted", status, "")


def mark_retry(entry: OutboxEntry, status: int | None, error: str, now: dt.datetime, delay: int) -> None:
    entry.state = OutboxState.RETRYING
    entry.next_attempt_at = now + dt.timedelta(seconds=delay)
    _log(entry, "retry", status, error)


def mark_rejected(entry: OutboxEntry, status: int, reason: str) -> None:
    entry.state = OutboxState.REJECTED
    _log(entry, "rejected", status, reason)


def request_resend(entry: OutboxEntry, user) -> None:
    """A person asks for a new try now (after a rejection fixed at the city, or to skip a wait)."""
    if entry.state == OutboxState.ACCEPTED:
        return
    entry.state = OutboxState.WAITING
    entry.next_attempt_at = utcnow()
    entry.lease_until = None
    audit.record("outbox.resend_requested", target_type="report", target_id=entry.revision.report_key, actor=user)
