from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.audit.snapshots import Audited
from wardapp.core.clock import utcnow
from wardapp.core.labels import TEAM_FIELDS, Labelled
from wardapp.extensions import Model


class Field(Labelled):
    TECHNOLOGY = "technology", TEAM_FIELDS["technology"]
    PROFESSIONAL = "professional", TEAM_FIELDS["professional"]
    BOTH = "both", TEAM_FIELDS["both"]


class ResponseTeam(Audited, Model):
    """The commune's Technology and Professional Response Team (one per commune)."""

    AUDITED = ("decision_number", "decision_date", "decision_signer", "duties")

    __tablename__ = "response_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), unique=True)
    decision_number: Mapped[str] = mapped_column(String(60), default="")
    decision_date: Mapped[dt.date | None] = mapped_column()
    decision_signer: Mapped[str] = mapped_column(String(120), default="")
    duties: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members = relationship(
        "TeamMember",
        order_by="TeamMember.id",
        back_populates="team",
        primaryjoin="and_(ResponseTeam.id == TeamMember.team_id, TeamMember.active)",
    )

    @property
    def established(self) -> bool:
        return bool(self.decision_number and self.decision_date)

    @property
    def leader(self):
        return next((m for m in self.members if m.is_leader), None)


class TeamMember(Audited, Model):
    AUDITED = ("name", "position", "unit", "phone", "field", "is_leader")

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("response_teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(120), default="")
    unit: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    field: Mapped[str] = mapped_column(String(16), default=Field.BOTH)
    is_leader: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)  # removed members stay for old cases

    team = relationship("ResponseTeam", back_populates="members")

    @property
    def field_label(self) -> str:
        return Field(self.field).label
