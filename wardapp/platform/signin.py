"""Sign-in attempts as both apps keep them: each app has its own table with the same columns
(``at``, ``username``, ``ip``, ``outcome``), read here for the limits of ``core/throttle.py``.
Each app makes one ``AttemptLog`` over its own session and model."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from wardapp.core import throttle


@functools.cache
def dummy_hash() -> str:
    """A hash to check when there is no account, so every refusal costs one hash check and the
    answer's time tells nobody which usernames exist."""
    return generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Lock:
    """An account locked right now, with the addresses its failures came from."""

    username: str
    failures: int
    addresses: list[str]
    last_at: dt.datetime


class AttemptLog:
    """One app's attempts table (``model``) through its session."""

    def __init__(self, session: Any, model: Any):
        self.session, self.model = session, model

    def account_history(self, username: str, now: dt.datetime, rules: throttle.Limits) -> list[throttle.Attempt]:
        """The account's attempts, from every address, within ``rules.trusted_for``."""
        m = self.model
        rows = self.session.execute(
            select(m.at, m.ip, m.outcome).filter(m.username == username, m.at >= now - rules.trusted_for)
        ).all()
        return [throttle.Attempt(at, ip, outcome) for at, ip, outcome in rows]

    def address_failures(self, ip: str | None, now: dt.datetime, rules: throttle.Limits) -> int:
        """Failures from ``ip`` within ``rules.window``, any username."""
        if ip is None:
            return 0
        m = self.model
        return int(
            self.session.scalar(
                select(func.count(m.id)).filter(m.ip == ip, m.outcome == throttle.FAILED, m.at >= now - rules.window)
            )
        )

    def decide(self, username: str, ip: str | None, now: dt.datetime, rules: throttle.Limits) -> throttle.Decision:
        history = self.account_history(username, now, rules)
        return throttle.decide(history, self.address_failures(ip, now, rules), ip, now, rules)

    def note(self, username: str, ip: str | None, outcome: str, now: dt.datetime) -> None:
        """One attempt, in the caller's transaction."""
        self.session.add(self.model(at=now, username=username, ip=ip, outcome=outcome))

    def lock_of(self, username: str, now: dt.datetime, rules: throttle.Limits) -> Lock | None:
        """The account's lock if it is locked right now (for anyone outside its usual places)."""
        history = self.account_history(username, now, rules)
        if not throttle.is_locked(history, now, rules):
            return None
        failures = [a for a in history if a.outcome == throttle.FAILED and a.at >= now - rules.window]
        return Lock(
            username,
            throttle.recent_failures(history, now, rules),
            sorted({a.ip or "?" for a in failures}),
            max(a.at for a in failures),
        )
