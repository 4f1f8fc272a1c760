"""The support log's rows and the day's count, the one source of the ``response_team_cases`` figure."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.commune.models import CommuneOwned
from wardapp.core.clock import utcnow
from wardapp.extensions import Model, db


class SupportCase(CommuneOwned, Model):
    """One time the team helped someone; the day's count feeds the report's figure."""

    __tablename__ = "support_cases"

    date: Mapped[dt.date] = mapped_column(index=True)
    time: Mapped[dt.time] = mapped_column()
    procedure: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("team_members.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column()

    member = relationship("TeamMember")

    def snapshot(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "time": self.time.strftime("%H:%M"),
            "procedure": self.procedure,
            "problem": self.problem,
            "outcome": self.outcome,
            "member_id": self.member_id,
        }


def cases_count(commune_id: int, day: dt.date) -> int:
    return (
        db.session.scalar(
            db.select(func.count(SupportCase.id)).filter_by(commune_id=commune_id, date=day, removed_at=None)
        )
        or 0
    )


def cases_on(commune_id: int, day: dt.date) -> list[SupportCase]:
    return list(
        db.session.scalars(
            db.select(SupportCase)
            .filter_by(commune_id=commune_id, date=day, removed_at=None)
            .order_by(SupportCase.time)
        )
    )
