from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.commune.models import CommuneOwned
from wardapp.core.clock import utcnow
from wardapp.extensions import Model
from wardapp.platform.models import SignedEdition


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


class RegisterEntry(Model):
    """The "BC" document register: one row per number given in a calendar year, whichever document
    took it (a daily report's revision, a month summary, a late-dossier list). The primary key is
    what makes "a number is never given twice in a year" hold across all of them, even when two
    signatures race."""

    __tablename__ = "register_entries"

    register_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    register_number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))  # daily | month_summary | late_list
    document_id: Mapped[str] = mapped_column(String(60))  # report_key or the month document's id
    document_number: Mapped[str] = mapped_column(String(40))  # "07/BC-UBND", as printed
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MonthDocument(CommuneOwned, SignedEdition, Model):
    """One signed edition of a month document (the summary or the late-dossier list): the JSON it
    embeds (which signed revisions it summarises), its register number and the stored PDF's hash.
    A later edition (a day corrected after signing) supersedes it; both are kept."""

    __tablename__ = "month_documents"
    __table_args__ = (
        UniqueConstraint("commune_id", "month", "kind", "edition", name="uq_month_documents_edition"),
        UniqueConstraint("register_year", "register_number", name="uq_month_documents_register"),
    )

    month: Mapped[dt.date] = mapped_column()  # the first day of the month
    kind: Mapped[str] = mapped_column(String(20))  # core.months.SUMMARY | LATE_LIST
    document_id: Mapped[str] = mapped_column(String(60), unique=True)  # "20242:2026-10:tong-hop:b1"
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    superseded_by: Mapped[str | None] = mapped_column(String(60))  # the newer edition's document_id

    signed_by = relationship("User")
