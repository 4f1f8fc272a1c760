from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.core.clock import utcnow
from wardapp.core.labels import Labelled
from wardapp.extensions import Model


class OutboxState(Labelled):
    WAITING = "waiting", _l("Đang chờ gửi")  # not tried yet (or no city URL configured)
    SENDING = "sending", _l("Đang gửi")  # claimed by a sender until lease_until
    RETRYING = "retrying", _l("Sẽ gửi lại")  # failed for a passing reason; next try at next_attempt_at
    ACCEPTED = "accepted", _l("Thành phố đã nhận")  # the city gave a receipt
    REJECTED = "rejected", _l("Thành phố từ chối")  # the city refused for good (4xx); a human must act


class OutboxEntry(Model):
    """A signed revision on its way to the city. Written in the same transaction as the signature."""

    __tablename__ = "outbox_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("report_revisions.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.WAITING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    receipt_id: Mapped[str | None] = mapped_column(String(80))
    received_at: Mapped[str | None] = mapped_column(String(40))  # as the city wrote it
    last_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_polled_at: Mapped[dt.datetime | None] = mapped_column()
    # The city's last refusal as PROTOCOL codes it ("bad_pdf/untrusted_ca": code/reason), and the
    # first refusal of this run: a refusal whose cause is at the city is retried for some days.
    refusal: Mapped[str | None] = mapped_column(String(64))
    refused_since: Mapped[dt.datetime | None] = mapped_column()

    revision = relationship("ReportRevision", back_populates="outbox")
    attempts_log = relationship("SendAttempt", order_by="SendAttempt.id.desc()", back_populates="entry")

    @property
    def state_label(self) -> str:
        return OutboxState(self.state).label


# What each try came to, in the words of the entry's states.
OUTCOME_STATES = {"accepted": OutboxState.ACCEPTED, "retry": OutboxState.RETRYING, "rejected": OutboxState.REJECTED}


class SendAttempt(Model):
    """Every try, kept: when, what the city answered, or what went wrong."""

    __tablename__ = "send_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("outbox_entries.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    http_status: Mapped[int | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text, default="")

    entry = relationship("OutboxEntry", back_populates="attempts_log")

    @property
    def outcome_label(self) -> str:
        state = OUTCOME_STATES.get(self.outcome)
        return state.label if state else self.outcome
