from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.core.clock import utcnow
from wardapp.extensions import Model


class PhotoCategory(Model):
    """A kind of photo the city asks for; ``required`` ones form the day's checklist."""

    __tablename__ = "photo_categories"
    __table_args__ = (UniqueConstraint("commune_id", "key", name="uq_photo_categories_commune_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # The first day the category is asked for (None: from the start). A category added, or made
    # required, applies from the day of the change: earlier days, signed or not, keep their checklist.
    valid_from: Mapped[dt.date | None] = mapped_column()

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from is None or self.valid_from <= day

    def snapshot(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "required": self.required,
            "active": self.active,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
        }


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

    category = relationship("PhotoCategory", lazy="joined")
    report = relationship("DailyReport")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])

    @property
    def verifiable(self) -> bool:
        """Taken on the report's day, by the camera's own clock."""
        return self.taken_at is not None and self.taken_at.date() == self.report.date

    def snapshot(self) -> dict:
        return {
            "sha256": self.sha256,
            "category": self.category.key if self.category else None,
            "caption": self.caption,
            "original_name": self.original_name,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
        }
