"""Logs an operator can read: one line per request and per outbox attempt, each with a request
id, never a secret (pure: the apps install it; no Flask here).

A line looks like::

    2026-11-30 12:40:01,123 INFO wardapp.request [3f9c0b1e2a7d4c55] POST /login 401 12ms ip=203.0.113.10 user=-

The id comes from the ``X-Request-ID`` header a proxy set (when it looks like an id) or is made
here; it is sent back in the answer and with every push to the city, so one id follows a report
from the commune's log into the city's.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

_ID = re.compile(r"[A-Za-z0-9._-]{8,64}", re.ASCII)
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def accept_id(incoming: str | None) -> str:
    """The caller's request id when it is a plain id (a header is untrusted text), else a new one."""
    if incoming and _ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex[:16]


def set_id(request_id: str) -> contextvars.Token[str]:
    return _current.set(request_id)


def reset_id(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def current_id() -> str:
    return _current.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record so the format can show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


def install(logger_names: tuple[str, ...] = ("wardapp",), level: int = logging.INFO) -> None:
    """One stderr handler (gunicorn and systemd keep stderr) on the app's loggers, once."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if any(getattr(h, "_wardapp", False) for h in logger.handlers):
            continue
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RequestIdFilter())
        handler._wardapp = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = True  # tests' caplog still sees the lines


def client_text(value: str | None, limit: int = 200) -> str:
    """A value from a request made safe for one log line: no line breaks, bounded."""
    return (value or "").replace("\r", " ").replace("\n", " ")[:limit] or "-"


def request_line(method: str, path: str, status: int, millis: float, ip: str | None, user: str | None) -> str:
    """The one line a request leaves: the path only (a query string may carry what it should not)."""
    return f"{method} {client_text(path)} {status} {millis:.0f}ms ip={client_text(ip, 45)} user={client_text(user, 64)}"
