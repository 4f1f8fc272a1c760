from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Time
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Commune(db.Model):
    """The commune this installation serves (one per installation), with its settings."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2))
    province_name: Mapped[str] = mapped_column(String(120))
    # The daily deadline, Vietnam time; signing after it marks the report late.
    deadline: Mapped[dt.time] = mapped_column(Time, default=dt.time(17, 0))

    def settings_snapshot(self) -> dict:
        return {"deadline": self.deadline.strftime("%H:%M")}

    @classmethod
    def current(cls) -> Commune | None:
        return db.session.scalar(db.select(cls).order_by(cls.id).limit(1))
