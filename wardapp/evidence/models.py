from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.audit.snapshots import Audited
from wardapp.commune.models import CommuneOwned
from wardapp.core.clock import utcnow
from wardapp.extensions import Model


class PhotoCategory(CommuneOwned, Audited, Model):
    """A kind of photo the city asks for; ``required`` ones form the day's checklist.

    Which days it is asked for is its ``periods``: the admin's changes open and close them, they
    never rewrite one that is over, so a past day keeps the checklist it had (``in_force_on``).
    """

    AUDITED = ("key", "label", "required", "active", "valid_from", "retired_from")

    __tablename__ = "photo_categories"
    __table_args__ = (UniqueConstraint("commune_id", "key", name="uq_photo_categories_commune_key"),)

    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    periods: Mapped[list[PhotoCategoryPeriod]] = relationship(
        back_populates="category",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="PhotoCategoryPeriod.id",
    )

    @property
    def asked_for(self) -> bool:
        """The admin's current setting: in use and required."""
        return self.active and self.required

    def in_force_on(self, day: dt.date) -> bool:
        """The category belongs to ``day``'s checklist: one of its periods covers the day."""
        return any(period.covers(day) for period in self.periods)

    @property
    def open_period(self) -> PhotoCategoryPeriod | None:
        return next((p for p in self.periods if p.retired_from is None), None)

    @property
    def valid_from(self) -> dt.date | None:
        """The first day of the period in force now (None: from the start, or not in force)."""
        period = self.open_period
        return period.valid_from if period else None

    @property
    def retired_from(self) -> dt.date | None:
        """The first day it is no longer asked for, while it is not (None: it is, or never was)."""
        if self.open_period is not None or not self.periods:
            return None
        return max(p.retired_from for p in self.periods if p.retired_from is not None)

    def follow_settings(self, today: dt.date) -> None:
        """After the admin saved ``active`` and ``required``: ask for it from today, or stop from
        today. Never before today: past days keep the checklist they had."""
        if self.asked_for:
            self.ask_from(today)
        else:
            self.retire_from(today)

    def ask_from(self, today: dt.date) -> None:
        """Ask for this category from ``today`` on (made required, or turned back on).

        Re-activation rule: turned back on the same day it was turned off (an undo), the period
        that ended today goes on as if it had never ended. Turned back on a later day, a new
        period starts today: the days in between stay without it, the days before the turn-off
        keep it. No day before ``today`` changes its checklist either way.
        """
        if self.open_period is not None:
            return
        ended_today = next((p for p in self.periods if p.retired_from == today), None)
        if ended_today is not None:
            ended_today.retired_from = None
        else:
            self.periods.append(PhotoCategoryPeriod(valid_from=today))

    def retire_from(self, today: dt.date) -> None:
        """Stop asking for this category from ``today`` on (turned off, or made optional): days
        before ``today`` still need it. A period that started today ends without a day: dropped."""
        period = self.open_period
        if period is None:
            return
        if period.valid_from == today:
            self.periods.remove(period)
        else:
            period.retired_from = today

    def ask_on_every_day(self, asked: bool) -> None:
        """Required on every day, or on none: for set-up, demo data and tests, which describe a
        checklist as it always was. The admin's screen goes through ``ask_from``/``retire_from``."""
        self.required = asked
        self.periods[:] = [PhotoCategoryPeriod(valid_from=None)] if asked and self.active else []


class PhotoCategoryPeriod(Model):
    """Days a photo category is asked for: from ``valid_from`` (None: from the start) up to the
    day before ``retired_from`` (None: still asked for). Closed periods are history: kept as they are."""

    __tablename__ = "photo_category_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("photo_categories.id"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column()
    retired_from: Mapped[dt.date | None] = mapped_column()

    category: Mapped[PhotoCategory] = relationship(back_populates="periods")

    def covers(self, day: dt.date) -> bool:
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.retired_from is None or day < self.retired_from)


class PixelState(StrEnum):
    """Whether a photo's pixels were decoded (its thumbnail made). A JPEG is accepted on its header
    and structure and decoded right after the uploader's answer (``evidence.operations.settle``)."""

    PENDING = "pending"  # accepted, not decoded yet
    READABLE = "readable"  # decoded completely: its thumbnail was made
    UNREADABLE = "unreadable"  # corrupt inside: shown with a message, never counted, never signed


class Photo(Model):
    """A photo of the center attached to a day's report. The file is named by its SHA-256."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_reports.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("photo_categories.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    # Shown to people only; never used as a path.
    original_name: Mapped[str] = mapped_column(String(200), default="")
    caption: Mapped[str] = mapped_column(String(300), default="")
    taken_at: Mapped[dt.datetime | None] = mapped_column()  # EXIF capture time, as the camera said
    camera: Mapped[str] = mapped_column(String(120), default="")
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column()
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pixels: Mapped[str] = mapped_column(String(12), default=PixelState.READABLE, server_default="readable")
    # When the retention command deleted its bytes (the row stays: its hash is in the signed payload).
    purged_at: Mapped[dt.datetime | None] = mapped_column()

    category = relationship("PhotoCategory", lazy="joined")
    report = relationship("DailyReport")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])

    @property
    def verifiable(self) -> bool:
        """Taken on the report's day, by the camera's own clock."""
        return self.taken_at is not None and self.taken_at.date() == self.report.date

    @property
    def unreadable(self) -> bool:
        return self.pixels == PixelState.UNREADABLE

    @property
    def pending(self) -> bool:
        return self.pixels == PixelState.PENDING

    def snapshot(self) -> dict:
        return {
            "sha256": self.sha256,
            "category": self.category.key if self.category else None,
            "caption": self.caption,
            "original_name": self.original_name,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
        }
