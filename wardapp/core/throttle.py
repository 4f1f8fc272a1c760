"""Sign-in throttling rules shared by the commune app and the city intake (pure: no database).

Each app stores every sign-in attempt (time, typed username, client address, outcome) in its own
database, so every gunicorn worker sees the same history, and asks :func:`decide` before it
checks a password. Two limits apply:

- per client address: too many failures from one address, whatever the usernames, and that
  address is refused for a while (someone trying many accounts or many passwords);
- per account: too many failures for one username since its last success (or an admin's unlock)
  lock it for a while, except from an address its owner signed in from recently, where only that
  address's own failures count. An attacker elsewhere cannot lock the leader out of the office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FAILED = "failed"
SUCCEEDED = "ok"
UNLOCKED = "unlocked"


class Decision(StrEnum):
    ALLOW = "allow"
    ADDRESS_THROTTLED = "address"
    ACCOUNT_LOCKED = "account"


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    trusted_for: dt.timedelta = dt.timedelta(days=30)

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> Limits:
        """From either app's ``LOGIN_*`` settings."""
        return cls(
            per_account=config["LOGIN_MAX_ATTEMPTS"],
            per_address=config["LOGIN_MAX_PER_ADDRESS"],
            window=dt.timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
            trusted_for=dt.timedelta(days=config["LOGIN_TRUSTED_DAYS"]),
        )


@dataclass(frozen=True)
class Attempt:
    at: dt.datetime
    ip: str | None
    outcome: str  # FAILED, SUCCEEDED or UNLOCKED


def normalise_username(typed: str) -> str:
    """What is stored of a typed username: trimmed, lower case, at most 64 characters."""
    return typed.strip().lower()[:64]


def trusted_addresses(history: Iterable[Attempt], now: dt.datetime, limits: Limits) -> set[str]:
    """Addresses the account's owner signed in from recently: their usual places."""
    since = now - limits.trusted_for
    return {a.ip for a in history if a.outcome == SUCCEEDED and a.ip and a.at >= since}


def recent_failures(history: Iterable[Attempt], now: dt.datetime, limits: Limits, ip: str | None = None) -> int:
    """Failures in the window since the last success or unlock (only from ``ip`` when given)."""
    since = now - limits.window
    ordered = sorted(history, key=lambda a: a.at)
    count = 0
    for attempt in ordered:
        if attempt.outcome in (SUCCEEDED, UNLOCKED) and (ip is None or attempt.outcome == UNLOCKED or attempt.ip == ip):
            count = 0
        elif attempt.outcome == FAILED and attempt.at >= since and (ip is None or attempt.ip == ip):
            count += 1
    return count


def decide(
    account_history: Iterable[Attempt], address_failures: int, ip: str | None, now: dt.datetime, limits: Limits
) -> Decision:
    """May this address try a password for this account now?

    ``account_history`` is the account's attempts (from every address) within ``limits.trusted_for``;
    ``address_failures`` counts the failures from ``ip`` within ``limits.window``, any username.
    """
    history = list(account_history)
    if address_failures >= limits.per_address:
        return Decision.ADDRESS_THROTTLED
    if ip is not None and ip in trusted_addresses(history, now, limits):
        failures = recent_failures(history, now, limits, ip=ip)
    else:
        failures = recent_failures(history, now, limits)
    return Decision.ACCOUNT_LOCKED if failures >= limits.per_account else Decision.ALLOW


def is_locked(account_history: Iterable[Attempt], now: dt.datetime, limits: Limits) -> bool:
    """Locked for anyone outside the owner's usual places (what the admin sees)."""
    return recent_failures(account_history, now, limits) >= limits.per_account
