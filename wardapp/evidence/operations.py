"""Adding and removing the photos of a day, and the checklist of what is still missing."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from wardapp.audit import log as audit
from wardapp.core import images
from wardapp.core.clock import utcnow
from wardapp.evidence import storage
from wardapp.evidence.defaults import DEFAULT_CATEGORIES
from wardapp.evidence.models import Photo, PhotoCategory, PhotoCategoryPeriod
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

log = logging.getLogger(__name__)


def create_default_categories(commune_id: int) -> None:
    """The city's usual checklist, asked for from the start (a period with no first day)."""
    for position, (key, label) in enumerate(DEFAULT_CATEGORIES):
        category = PhotoCategory(commune_id=commune_id, key=key, label=label, required=True, position=position)
        category.periods.append(PhotoCategoryPeriod(valid_from=None))
        db.session.add(category)


def categories(commune_id: int, active_only: bool = True) -> list[PhotoCategory]:
    query = db.select(PhotoCategory).filter_by(commune_id=commune_id)
    if active_only:
        query = query.filter_by(active=True)
    return list(db.session.scalars(query.order_by(PhotoCategory.position, PhotoCategory.id)))


def categories_in_force(commune_id: int, day: dt.date) -> list[PhotoCategory]:
    """The checklist's rule, in one place: the categories asked for on ``day``, by the periods the
    admin's changes left (a category added later does not reach back, one turned off later still
    applies). The photos page, the readiness panel, "ready to sign", the dashboard and the sign
    gate all read the checklist through here."""
    return [c for c in categories(commune_id, active_only=False) if c.in_force_on(day)]


def upload_choices(commune_id: int, day: dt.date) -> list[PhotoCategory]:
    """What a photo of ``day`` may be filed under: the categories in use now, and any the day still
    needs although it has since been turned off (so a past day's missing photo can be added)."""
    needed = {c.id for c in categories_in_force(commune_id, day)}
    return [c for c in categories(commune_id, active_only=False) if c.active or c.id in needed]


def photos_of(report: DailyReport | None) -> list[Photo]:
    if report is None:
        return []
    return list(db.session.scalars(db.select(Photo).filter_by(report_id=report.id, removed_at=None).order_by(Photo.id)))


@dataclass(frozen=True)
class ChecklistItem:
    category: PhotoCategory
    count: int  # verifiable photos: taken that day by the camera's clock
    unverified: int = 0  # photos that cannot prove the day: shown, never counted


def checklist(commune_id: int, photos: list[Photo], day: dt.date) -> list[ChecklistItem]:
    """The required categories in force on ``day``, each with its verifiable photos. A photo that
    cannot be shown to be of that day does not tick its category."""
    counts: dict[int, int] = {}
    unverified: dict[int, int] = {}
    for photo in photos:
        bucket = counts if photo.verifiable else unverified
        bucket[photo.category_id] = bucket.get(photo.category_id, 0) + 1
    return [
        ChecklistItem(c, counts.get(c.id, 0), unverified.get(c.id, 0)) for c in categories_in_force(commune_id, day)
    ]


def missing_categories(commune_id: int, report: DailyReport | None, day: dt.date) -> list[PhotoCategory]:
    return [item.category for item in checklist(commune_id, photos_of(report), day) if item.count == 0]


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
    try:
        created = storage.store(facts.sha256, data, checked.thumbnail)
    except OSError as error:  # a read-only or full disk: say what failed, keep what was typed
        log.error("could not store photo %s: %s", facts.sha256[:12], error)
        raise images.PhotoRejected(
            _(
                "Máy chủ không lưu được ảnh (thư mục ảnh không ghi được hoặc ổ đĩa đầy). "
                "Nội dung bạn nhập vẫn còn; hãy báo quản trị hệ thống rồi thử lại."
            )
        ) from error
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


SWEEP_AFTER_SECONDS = 600  # no upload takes ten minutes between its file and its commit


def sweep_orphans() -> list[Path]:
    """Remove photo files no row names (an upload killed before its commit), and temp files."""
    known = set(db.session.scalars(db.select(Photo.sha256).distinct()))
    removed = storage.sweep(known, SWEEP_AFTER_SECONDS)
    for path in removed:
        log.warning("removed a photo file left by an interrupted upload: %s", path.name)
    return removed


def sweep_at_start(app) -> None:
    """At start-up (each worker): sweep, unless the database is not migrated yet or in tests."""
    if app.testing:
        return
    with app.app_context():
        try:
            sweep_orphans()
        except SQLAlchemyError as error:  # e.g. before the first `flask db upgrade`
            log.warning("photo sweep skipped: %s", type(error).__name__)
        finally:
            db.session.remove()
