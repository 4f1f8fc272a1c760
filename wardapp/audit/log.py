"""Recording an audit line: every change commits with its own line in the append-only log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from flask import has_request_context, request
from flask_login import current_user

from wardapp.audit.models import AuditEvent
from wardapp.extensions import db


@dataclass(frozen=True)
class CommandLineActor:
    """Who changes things from the server's command line (``flask --app wsgi ...``): no user row,
    so ``id`` is None, but the audit log names the command line rather than leaving the actor empty."""

    id: None = None
    username: str = "cli"


COMMAND_LINE = CommandLineActor()


def record(
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
) -> AuditEvent:
    """Add an audit line to the current transaction (it commits with the change it records)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_username=getattr(actor, "username", None),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        summary=summary[:300],
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


class Snapshotted(Protocol):
    """A row the audit log keeps a snapshot of (``audit.snapshots.Audited``)."""

    @property
    def id(self) -> object: ...

    def snapshot(self) -> dict: ...


class Changeable(Protocol):
    """A row whose ``change`` sets values and says what of its snapshot changed (``Audited``)."""

    def change(self, values: Mapping[str, object]) -> tuple[dict, dict]: ...


def record_added(
    action: str, row: Snapshotted, *, target_type: str, target_id: object = None, summary: str = "", actor=None
) -> None:
    """``row`` added to the session and flushed (so it has its id) with the audit line of its
    creation, after its snapshot; the target is the row's own id unless ``target_id`` is given."""
    db.session.add(row)
    db.session.flush()
    target = row.id if target_id is None else target_id
    record(action, target_type=target_type, target_id=target, after=row.snapshot(), summary=summary, actor=actor)


def record_change(
    action: str, row: Changeable, values: Mapping[str, object], *, target_type: str, target_id: object, actor=None
) -> None:
    """``values`` set on ``row``, with the audit line of what they changed (none when nothing did).
    The caller commits."""
    old, new = row.change(values)
    if new:
        record(action, target_type=target_type, target_id=target_id, before=old, after=new, actor=actor)
