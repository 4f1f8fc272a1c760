from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from wardapp.core.clock import utcnow
from wardapp.extensions import Model


class AuditEvent(Model):
    """One append-only line of the audit log: who, when, what, before and after."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The name is copied: the log must still read right after a user is renamed.
    actor_username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    # The migration also installs database triggers; this catches it earlier, in Python.
    raise AppendOnlyError("the audit log is append-only")


class AccessRecord(Model):
    """One opening of personal data or a signed document: a photo, a thumbnail, a PDF, a package.
    Not part of the append-only audit log: it is purged after the log retention period."""

    __tablename__ = "access_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))  # copied, as in the audit log
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # photo | thumbnail | pdf | package
    target: Mapped[str] = mapped_column(String(120))  # a photo's hash, a report id, a year
    ip: Mapped[str | None] = mapped_column(String(45))
