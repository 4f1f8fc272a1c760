"""The last things that went wrong, for the admin's ``flask --app wsgi failures`` (the request log
has every line; this is the short list to start from)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wardapp.auth.models import LoginAttempt
from wardapp.core import throttle
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry, SendAttempt


@dataclass(frozen=True)
class Failure:
    at: dt.datetime
    kind: str
    detail: str


def last_failures(limit: int = 20) -> list[Failure]:
    """Failed sends to the city and refused sign-ins, newest first."""
    sends = db.session.execute(
        db.select(SendAttempt, OutboxEntry)
        .join(OutboxEntry, SendAttempt.entry_id == OutboxEntry.id)
        .filter(SendAttempt.outcome != "accepted")
        .order_by(SendAttempt.id.desc())
        .limit(limit)
    ).all()
    found = [
        Failure(
            attempt.at,
            "send",
            f"{entry.revision.report_key}: {attempt.outcome} HTTP {attempt.http_status or '-'} {attempt.error[:200]}",
        )
        for attempt, entry in sends
    ]
    logins = db.session.scalars(
        db.select(LoginAttempt)
        .filter(LoginAttempt.outcome == throttle.FAILED)
        .order_by(LoginAttempt.id.desc())
        .limit(limit)
    ).all()
    found += [Failure(a.at, "login", f"{a.username or '-'} from {a.ip or '-'}") for a in logins]
    return sorted(found, key=lambda f: f.at, reverse=True)[:limit]
