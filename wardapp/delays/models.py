from __future__ import annotations

import datetime as dt
from dataclasses import fields

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.core.clock import utcnow
from wardapp.core.day import ExplanationFact, LateFact
from wardapp.core.labels import LATE_KINDS, Labelled
from wardapp.extensions import Model


class LateKind(Labelled):
    RESOLVED_LATE = "resolved_late", LATE_KINDS["resolved_late"]  # resolved after its deadline today
    PENDING_OVERDUE = "pending_overdue", LATE_KINDS["pending_overdue"]  # still pending, past its deadline


class LateDossier(Model):
    """One late dossier, or a group of them with the same procedure and cause."""

    __tablename__ = "late_dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(default=1)
    procedure: Mapped[str] = mapped_column(String(200))
    dossier_code: Mapped[str] = mapped_column(String(60), default="")
    officer: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(120), default="")
    cause: Mapped[str] = mapped_column(Text)
    apology_issued: Mapped[bool] = mapped_column(default=False)
    new_appointment: Mapped[dt.date | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    report = relationship("DailyReport")

    @property
    def kind_label(self) -> str:
        return LateKind(self.kind).label

    def fact(self) -> LateFact:
        """The dossier as the day's facts carry it (``core/day``): the columns of the same names."""
        return LateFact(**{f.name: getattr(self, f.name) for f in fields(LateFact)})

    def snapshot(self) -> dict:
        return self.fact().snapshot()


class Explanation(Model):
    """The leader's explanation of one item behind schedule. Never edited: a new row replaces it."""

    __tablename__ = "explanations"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_reports.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(60))
    item_label: Mapped[str] = mapped_column(String(300))  # what the item was, as shown then
    cause: Mapped[str] = mapped_column(Text)
    remedy: Mapped[str] = mapped_column(Text)
    new_date: Mapped[dt.date | None] = mapped_column()
    responsible: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author = relationship("User")

    def fact(self) -> ExplanationFact:
        """The explanation as the day's facts carry it (``core/day``), its author by name."""
        named = {f.name: getattr(self, f.name) for f in fields(ExplanationFact) if f.name != "author"}
        return ExplanationFact(**named, author=self.author.full_name if self.author else None)

    def snapshot(self) -> dict:
        return {
            "item": self.item_key,
            "cause": self.cause,
            "remedy": self.remedy,
            "new_date": self.new_date.isoformat() if self.new_date else None,
            "responsible": self.responsible,
        }
