from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from wardapp.extensions import Model, db


class Commune(Model):
    """The commune this installation serves (one per installation), with its settings."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2))
    province_name: Mapped[str] = mapped_column(String(120))
    # The daily deadline, Vietnam time; signing after it marks the report late.
    deadline: Mapped[dt.time] = mapped_column(Time, default=dt.time(17, 0))
    # Set by the city: the day by which the response team must be established.
    team_deadline: Mapped[dt.date | None] = mapped_column()
    # A task is behind schedule when its progress trails the share of time elapsed by more.
    behind_tolerance: Mapped[int] = mapped_column(default=20)
    # The symbol after the register number of the daily report: "05/BC-UBND" (Decree 30, II.3).
    document_symbol: Mapped[str] = mapped_column(String(20), default="BC-UBND", server_default="BC-UBND")
    # Retention (issue 26; the floors are in retention/rules.py): a photo's bytes are kept this many
    # years after its day is signed; sign-in attempts and the access record this many months.
    photo_retention_years: Mapped[int] = mapped_column(default=5, server_default="5")
    log_retention_months: Mapped[int] = mapped_column(default=12, server_default="12")

    def settings_snapshot(self) -> dict:
        return {
            "deadline": self.deadline.strftime("%H:%M"),
            "team_deadline": self.team_deadline.isoformat() if self.team_deadline else None,
            "behind_tolerance": self.behind_tolerance,
            "document_symbol": self.document_symbol,
            "photo_retention_years": self.photo_retention_years,
            "log_retention_months": self.log_retention_months,
        }

    @classmethod
    def current(cls) -> Commune | None:
        return db.session.scalar(db.select(cls).order_by(cls.id).limit(1))

    @classmethod
    def installed(cls) -> Commune:
        """The commune, where it must exist: signed documents, the outbox, the CLI after set-up."""
        commune = cls.current()
        if commune is None:
            raise LookupError("no commune is set up: open /setup or run `flask --app wsgi commune setup CODE`")
        return commune


class CommuneOwned:
    """A row of the commune's own: its id, and the commune it belongs to, indexed (every list of
    these is read for one commune). A model takes it first: ``class Task(CommuneOwned, Model)``.
    The two columns lead the table (``sort_order``), as the migrations made them."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True, sort_order=-1)
