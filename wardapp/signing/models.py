from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.core.clock import utcnow
from wardapp.extensions import Model


class SigningKey(Model):
    """A public signing key of this commune. The private half lives only in ``instance/keys``."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def active(self) -> bool:
        return self.retired_at is None


class ReportRevision(Model):
    """One signed revision of a day's report: the exact signed bytes, never changed afterwards."""

    __tablename__ = "report_revisions"
    __table_args__ = (
        UniqueConstraint("report_id", "revision", name="uq_report_revisions_report_revision"),
        # The document register: one number per calendar year, never given twice.
        UniqueConstraint("register_year", "register_number", name="uq_report_revisions_register"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_reports.id"), index=True)
    revision: Mapped[int] = mapped_column()
    report_key: Mapped[str] = mapped_column(String(40), unique=True)  # "20242:2026-11-21:r1"
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # the exact UTF-8 JSON that was signed
    payload_sha256: Mapped[str] = mapped_column(String(64))
    jws: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column()
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(default=False)
    late_reason: Mapped[str] = mapped_column(Text, default="")
    supersedes: Mapped[str | None] = mapped_column(String(40))
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    # The register entry given at signing (None for revisions signed before the register existed).
    register_year: Mapped[int | None] = mapped_column()
    register_number: Mapped[int | None] = mapped_column()
    document_number: Mapped[str | None] = mapped_column(String(40))  # "05/BC-UBND", as printed
    # What the city last said about it (status polling): received or returned, with a comment.
    city_state: Mapped[str | None] = mapped_column(String(16))
    city_comment: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[dt.datetime | None] = mapped_column()
    returned_by: Mapped[str] = mapped_column(String(120), default="")

    report = relationship("DailyReport")
    signed_by = relationship("User")
    outbox = relationship("OutboxEntry", uselist=False, back_populates="revision")

    @property
    def document(self) -> dict:
        return json.loads(self.payload)
