from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.core.clock import utcnow
from wardapp.core.figures import FIGURE_NAMES, NARRATIVE_NAMES
from wardapp.core.labels import Labelled
from wardapp.extensions import Model


class ReportStatus(Labelled):
    DRAFT = "draft", _l("Nháp, chưa khớp số liệu")  # saved, but some figures do not add up yet
    COMPLETE = "complete", _l("Đã nhập đủ số liệu")  # every figure entered and consistent
    SIGNED = "signed", _l("Đã ký")  # the latest revision is signed: frozen until a correction opens


class FrozenReport(Exception):
    """A change was attempted on a signed revision (answered 409 with a clear message)."""

    def __init__(self, report: DailyReport):
        super().__init__(report.date.isoformat())
        self.report = report


def ensure_editable(report: DailyReport | None) -> None:
    """The one check of "signed is frozen": a day not created yet is editable."""
    if report is not None:
        report.ensure_editable()


class DailyReport(Model):
    """One commune's report for one calendar day (Asia/Ho_Chi_Minh): raw counts and narrative."""

    __tablename__ = "daily_reports"
    __table_args__ = (UniqueConstraint("commune_id", "date", name="uq_daily_reports_commune_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.DRAFT)
    # Optimistic lock: SQLAlchemy adds "AND version = :seen" to every UPDATE, so two people
    # saving the same day cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(default=1)

    received_in_person: Mapped[int] = mapped_column(default=0)
    received_online: Mapped[int] = mapped_column(default=0)
    received_postal: Mapped[int] = mapped_column(default=0)
    carried_over: Mapped[int] = mapped_column(default=0)
    resolved_early: Mapped[int] = mapped_column(default=0)
    resolved_on_time: Mapped[int] = mapped_column(default=0)
    resolved_late: Mapped[int] = mapped_column(default=0)
    pending_within: Mapped[int] = mapped_column(default=0)
    pending_overdue: Mapped[int] = mapped_column(default=0)
    apology_letters: Mapped[int] = mapped_column(default=0)
    online_full_process: Mapped[int] = mapped_column(default=0)
    online_partial: Mapped[int] = mapped_column(default=0)
    fee_bearing: Mapped[int] = mapped_column(default=0)
    paid_online: Mapped[int] = mapped_column(default=0)
    digitized: Mapped[int] = mapped_column(default=0)
    e_results: Mapped[int] = mapped_column(default=0)
    feedback_received: Mapped[int] = mapped_column(default=0)
    feedback_on_time: Mapped[int] = mapped_column(default=0)
    feedback_late: Mapped[int] = mapped_column(default=0)
    feedback_unsatisfied: Mapped[int] = mapped_column(default=0)
    rating_very_satisfied: Mapped[int] = mapped_column(default=0)
    rating_satisfied: Mapped[int] = mapped_column(default=0)
    rating_unsatisfied: Mapped[int] = mapped_column(default=0)
    counters_open: Mapped[int] = mapped_column(default=0)
    staff_on_duty: Mapped[int] = mapped_column(default=0)
    avg_wait_minutes: Mapped[int] = mapped_column(default=0)
    outages_system: Mapped[int] = mapped_column(default=0)
    outages_network: Mapped[int] = mapped_column(default=0)
    response_team_cases: Mapped[int] = mapped_column(default=0)

    highlights: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")

    # Signed revisions so far; a correction opened on a signed day (its reason) makes it editable.
    signed_revisions: Mapped[int] = mapped_column(default=0)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    # Marked by the leader once every item is explained; cleared by any later change.
    ready_at: Mapped[dt.datetime | None] = mapped_column()
    ready_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by = relationship("User", foreign_keys=[updated_by_id], lazy="joined")
    ready_by = relationship("User", foreign_keys=[ready_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def frozen(self) -> bool:
        """A signed revision cannot change through any route; a correction reopens the day."""
        return self.status == ReportStatus.SIGNED

    def ensure_editable(self) -> None:
        if self.frozen:
            raise FrozenReport(self)

    @property
    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURE_NAMES}

    @property
    def narrative(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in NARRATIVE_NAMES}

    def snapshot(self) -> dict:
        """Everything a person enters, as the audit log keeps it."""
        return {**self.figures, **self.narrative, "status": self.status}

    def apply(self, figures: dict[str, int], narrative: dict[str, str], consistent: bool, user) -> None:
        for name, value in figures.items():
            setattr(self, name, value)
        for name, text in narrative.items():
            setattr(self, name, text)
        self.status = ReportStatus.COMPLETE if consistent else ReportStatus.DRAFT
        self.touch(user)

    def touch(self, user) -> None:
        """Any change to the day's content: record who and when, and withdraw "ready to sign"."""
        self.ensure_editable()
        self.updated_at = utcnow()
        self.updated_by_id = user.id
        self.ready_at = None
        self.ready_by_id = None

    @property
    def status_label(self) -> str:
        return ReportStatus(self.status).label
