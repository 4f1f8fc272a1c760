"""Adding and removing the photos of a day, and the checklist of what is still missing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from wardapp.audit import log as audit
from wardapp.core import images
from wardapp.core.clock import utcnow
from wardapp.evidence import storage
from wardapp.evidence.defaults import DEFAULT_CATEGORIES
from wardapp.evidence.models import Photo, PhotoCategory
from wardapp.extensions import db
from wardapp.reports.models import DailyReport


def create_default_categories(commune_id: int) -> None:
    for position, (key, label) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(PhotoCategory(commune_id=commune_id, key=key, label=label, required=True, position=position))


def categories(commune_id: int, active_only: bool = True) -> list[PhotoCategory]:
    query = db.select(PhotoCategory).filter_by(commune_id=commune_id)
    if active_only:
        query = query.filter_by(active=True)
    return list(db.session.scalars(query.order_by(PhotoCategory.position, PhotoCategory.id)))


def photos_of(report: DailyReport | None) -> list[Photo]:
    if report is None:
        return []
    return list(db.session.scalars(db.select(Photo).filter_by(report_id=report.id, removed_at=None).order_by(Photo.id)))


@dataclass(frozen=True)
class ChecklistItem:
    category: PhotoCategory
    count: int


def checklist(commune_id: int, photos: list[Photo]) -> list[ChecklistItem]:
    counts: dict[int, int] = {}
    for photo in photos:
        counts[photo.category_id] = counts.get(photo.category_id, 0) + 1
    return [ChecklistItem(c, counts.get(c.id, 0)) for c in categories(commune_id) if c.required]


def missing_categories(commune_id: int, report: DailyReport | None) -> list[PhotoCategory]:
    return [item.category for item in checklist(commune_id, photos_of(report)) if item.count == 0]


def add_photo(
    report: DailyReport, data: bytes, filename: str | None, category: PhotoCategory, caption: str, user
) -> Photo:
    """Inspect, store and record a photo; refusals (PhotoRejected) leave nothing behind."""
    config = current_app.config
    checked = images.check(data, max_bytes=config["PHOTO_MAX_BYTES"], max_pixels=config["PHOTO_MAX_PIXELS"])
    facts = checked.facts
    duplicate = db.session.scalar(
        db.select(Photo.id).filter_by(report_id=report.id, sha256=facts.sha256, removed_at=None)
    )
    if duplicate:
        raise images.PhotoRejected(_("Ảnh này đã có trong báo cáo của ngày."))
    created = storage.store(facts.sha256, data, checked.thumbnail)
    try:
        photo = Photo(
            report_id=report.id,
            category_id=category.id,
            sha256=facts.sha256,
            content_type=facts.content_type,
            bytes=facts.bytes,
            width=facts.width,
            height=facts.height,
            original_name=images.display_name(filename),
            caption=caption,
            taken_at=facts.taken_at,
            camera=facts.camera,
            gps_lat=facts.gps[0] if facts.gps else None,
            gps_lon=facts.gps[1] if facts.gps else None,
            uploaded_by_id=user.id,
        )
        db.session.add(photo)
        report.touch(user)
        db.session.flush()
        audit.record(
            "photo.added",
            target_type="report",
            target_id=report.date.isoformat(),
            after=photo.snapshot(),
            summary=f"{category.label}: {caption}"[:300],
            actor=user,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage.undo(created)  # only files this upload created; a same-content photo elsewhere stays
        raise
    return photo


def remove_photo(photo: Photo, user) -> None:
    """Take a photo off the day's report; the record and the file stay for the audit trail."""
    photo.removed_at = utcnow()
    photo.removed_by_id = user.id
    photo.report.touch(user)
    audit.record(
        "photo.removed",
        target_type="report",
        target_id=photo.report.date.isoformat(),
        before=photo.snapshot(),
        summary=photo.caption[:300],
        actor=user,
    )
    db.session.commit()
