"""Signing in, as both apps do it: each app keeps its attempts in its own table with the same
columns (``at``, ``username``, ``ip``, ``outcome``), read here for the limits of
``core/throttle.py`` (set in each app's settings, ``LOGIN_*``). Each app makes one ``AttemptLog``
over its own session and model, and one ``SignInFlow`` over its users, that log and its audit."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from wardapp.core import throttle
from wardapp.core.clock import utcnow
from wardapp.core.i18n import gettext as _


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


def limits() -> throttle.Limits:
    """The lockout limits of the running app's settings."""
    return throttle.Limits.from_settings(current_app.config)


@dataclass
class SignInResult:
    """The signed-in user, or why not (``throttled``: the address has failed too often)."""

    user: Any | None
    error: str | None
    throttled: bool = False


# What an app writes to its own audit for a sign-in: the action ("login", "login.failed",
# "login.refused_locked", "login.refused_inactive", "login.throttled"), the username as typed
# (normalised), the account if there is one, and the address.
SignInAudit = Callable[[str, str, Any | None, str | None], None]


class SignInFlow:
    """One app's sign-in: its user model (``username``, ``password_hash``, ``active``), its attempts
    log, its audit and its words for a refusal. ``signed_in`` runs on the user before the commit."""

    def __init__(
        self,
        session: Any,
        user_model: Any,
        attempts: AttemptLog,
        audit: SignInAudit,
        refused: Callable[[], str],
        signed_in: Callable[[Any, dt.datetime], None] = lambda user, now: None,
    ):
        self.session, self.user_model, self.attempts = session, user_model, attempts
        self.audit, self.refused, self.signed_in = audit, refused, signed_in

    def authenticate(self, username: str, password: str, ip: str | None) -> SignInResult:
        """Check a sign-in under the per-address and per-account limits. Commits its bookkeeping.

        Unknown, locked, deactivated and wrong-password sign-ins get the same answer after the
        same work (one password hash checked), so the page tells nobody which usernames exist."""
        now, rules = utcnow(), limits()
        name = throttle.normalise_username(username)
        decision = self.attempts.decide(name, ip, now, rules)
        user = self.session.scalar(select(self.user_model).filter_by(username=name)) if name else None
        password_ok = check_password_hash(user.password_hash if user else dummy_hash(), password)
        if decision is throttle.Decision.ADDRESS_THROTTLED:
            return self._refuse("login.throttled", name, None, ip, now, throttled_message(), throttled=True)
        if user is None or not password_ok or not user.active or decision is throttle.Decision.ACCOUNT_LOCKED:
            action = "login.failed"
            if user is not None and password_ok:
                action = "login.refused_locked" if user.active else "login.refused_inactive"
            return self._refuse(action, name, user, ip, now, self.refused())
        self.attempts.note(name, ip, throttle.SUCCEEDED, now)
        self.signed_in(user, now)
        self.audit("login", name, user, ip)
        self.session.commit()
        return SignInResult(user, None)

    def _refuse(
        self, action: str, name: str, user: Any | None, ip: str | None, now: dt.datetime, error: str, throttled=False
    ) -> SignInResult:
        self.attempts.note(name, ip, throttle.FAILED, now)
        self.audit(action, name, user, ip)
        self.session.commit()
        return SignInResult(None, error, throttled=throttled)

    def confirm_password(self, user: Any, password: str, ip: str | None) -> bool:
        """A second step for a sensitive change: the signed-in user types their password again.
        A wrong one counts as a failed sign-in (so it cannot be guessed at leisure)."""
        now = utcnow()
        allowed = self.attempts.decide(user.username, ip, now, limits()) is throttle.Decision.ALLOW
        ok = check_password_hash(user.password_hash, password) and allowed
        if not ok:
            self.attempts.note(user.username, ip, throttle.FAILED, now)
        return ok

    def unlock(self, username: str) -> None:
        """An admin lets the account in again (failures before now stop counting)."""
        self.attempts.note(username, None, throttle.UNLOCKED, utcnow())

    def locks(self, usernames: list[str]) -> list[Lock]:
        """The accounts among ``usernames`` locked right now, with the addresses the failures came from."""
        now, rules = utcnow(), limits()
        return [lock for name in usernames if (lock := self.attempts.lock_of(name, now, rules)) is not None]


def throttled_message() -> str:
    return _(
        "Quá nhiều lần đăng nhập sai từ địa chỉ này. Thử lại sau %(minutes)s phút.",
        minutes=current_app.config["LOGIN_LOCK_MINUTES"],
    )
