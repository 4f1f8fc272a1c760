"""Adding and removing the photos of a day, and the checklist of what is still missing."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CursorResult
from sqlalchemy.exc import SQLAlchemyError

from wardapp.audit import log as audit
from wardapp.core import clock, images
from wardapp.core.clock import utcnow
from wardapp.core.day import same_named
from wardapp.evidence import storage
from wardapp.evidence.defaults import DEFAULT_CATEGORIES
from wardapp.evidence.models import Photo, PhotoCategory, PhotoCategoryPeriod, PixelState
from wardapp.extensions import db
from wardapp.platform import lanes
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


def readable_photos_of(report: DailyReport | None) -> list[Photo]:
    """The photos a signature may carry: all but those found corrupt (``settle_photos`` first, so
    that none is still waiting for its decode)."""
    return [p for p in photos_of(report) if not p.unreadable]


@dataclass(frozen=True)
class ChecklistItem:
    category: PhotoCategory
    count: int  # verifiable photos: taken that day by the camera's clock
    unverified: int = 0  # photos that cannot prove the day: shown, never counted
    unreadable: int = 0  # photos found corrupt after their upload: shown, never counted


def checklist(commune_id: int, photos: list[Photo], day: dt.date) -> list[ChecklistItem]:
    """The required categories in force on ``day``, each with its verifiable photos. A photo that
    cannot be shown to be of that day, or whose pixels turned out corrupt, does not tick its
    category. One still waiting for its decode (a moment after its upload) counts: the sign gate
    decodes it before anything is signed (``settle_photos``)."""
    counts: dict[int, int] = {}
    unverified: dict[int, int] = {}
    unreadable: dict[int, int] = {}
    for photo in photos:
        bucket = unreadable if photo.unreadable else counts if photo.verifiable else unverified
        bucket[photo.category_id] = bucket.get(photo.category_id, 0) + 1
    return [
        ChecklistItem(c, counts.get(c.id, 0), unverified.get(c.id, 0), unreadable.get(c.id, 0))
        for c in categories_in_force(commune_id, day)
    ]


def missing_categories(commune_id: int, report: DailyReport | None, day: dt.date) -> list[PhotoCategory]:
    return [item.category for item in checklist(commune_id, photos_of(report), day) if item.count == 0]


def next_category(commune_id: int, report: DailyReport, chosen: PhotoCategory) -> PhotoCategory:
    """The category the next photo most likely belongs to: the chosen one while it still lacks a
    photo, else the first one still missing (the same one once none is)."""
    missing = [item.category for item in checklist(commune_id, photos_of(report), report.date) if item.count == 0]
    if chosen in missing or not missing:
        return chosen
    return missing[0]


def add_photo(
    report: DailyReport, data: bytes, filename: str | None, category: PhotoCategory, caption: str, user
) -> Photo:
    """Inspect, store and record a photo; refusals (PhotoRejected) leave nothing behind.

    What the answer must know is checked here (``images.check_header``: limits, format, EXIF, and
    a JPEG's structure, so a truncated one is refused at once). A JPEG's pixels are decoded after
    the answer (``settle``: the route schedules it, and whoever needs them first does it); other
    formats are decoded here, as no cheap structural check covers them.
    """
    config = current_app.config
    facts = images.check_header(data, max_bytes=config["PHOTO_MAX_BYTES"], max_pixels=config["PHOTO_MAX_PIXELS"])
    later = facts.content_type in images.DECODED_LATER
    thumb = None if later else images.thumbnail_now(data)
    duplicate = db.session.scalar(
        db.select(Photo.id).filter_by(report_id=report.id, sha256=facts.sha256, removed_at=None)
    )
    if duplicate:
        raise images.PhotoRejected(_("Ảnh này đã có trong báo cáo của ngày."))
    try:
        created = storage.store(facts.sha256, data, thumb)
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
            original_name=images.display_name(filename),
            caption=caption,
            **same_named(facts, "sha256", "content_type", "bytes", "width", "height", "taken_at", "camera"),
            gps_lat=facts.gps[0] if facts.gps else None,
            gps_lon=facts.gps[1] if facts.gps else None,
            uploaded_by_id=user.id,
            pixels=PixelState.PENDING if later else PixelState.READABLE,
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


def settle(photo: Photo) -> str:
    """Make sure a photo's pixels were decoded and its thumbnail exists; returns its PixelState.

    Idempotent, and safe when two workers do it at once: the thumbnail is written once,
    atomically, and the state changes by a conditional UPDATE, so a photo found corrupt is marked
    and audited exactly once. A corrupt one is marked unreadable (it then ticks nothing and is
    never signed). A missing original (OSError) is raised and changes nothing.
    """
    if photo.unreadable:
        return photo.pixels
    try:
        storage.ensure_thumbnail(photo.sha256)
    except images.PhotoUnreadable as error:
        _mark(photo, PixelState.UNREADABLE, str(error))
    else:
        if photo.pending:
            _mark(photo, PixelState.READABLE)
    return photo.pixels


def _mark(photo: Photo, state: PixelState, error: str = "") -> None:
    result = db.session.execute(
        db.update(Photo)
        .where(Photo.id == photo.id, Photo.pixels != PixelState.UNREADABLE, Photo.pixels != state)
        .values(pixels=state)
        .execution_options(synchronize_session=False)
    )
    changed = cast(CursorResult, result).rowcount  # an UPDATE's result: how many rows it changed
    if changed and state == PixelState.UNREADABLE:
        log.warning("photo %s (%s) does not decode: %s", photo.id, photo.sha256[:12], error)
        audit.record(
            "photo.unreadable",
            target_type="report",
            target_id=photo.report.date.isoformat(),
            after=photo.snapshot() | {"error": error[:200]},
            summary=f"{photo.category.label}: {photo.caption}"[:300],
            actor=photo.uploaded_by,  # the outcome of their upload, wherever it was found
        )
    db.session.commit()
    db.session.refresh(photo)


def settle_after_answer(app, photo_id: int) -> None:
    """The upload's second half, run by the worker once the uploader has the answer (the route
    hands it to ``response.call_on_close``). Nothing depends on it having run: whoever needs the
    pixels first settles the photo, and start-up settles any still pending (a kill -9 here)."""
    with app.app_context():
        try:
            with lanes.of(app).hold():
                photo = db.session.get(Photo, photo_id)
                if photo is not None:
                    settle(photo)
        except Exception:  # never into the server: the photo stays pending for the next one
            log.exception("could not decode photo %s after its upload", photo_id)
            db.session.rollback()


class PhotosNotChecked(Exception):
    """Photos of a day whose pixels could not be decoded yet (their original cannot be read)."""

    def __init__(self, photos: list[Photo]):
        super().__init__(", ".join(p.sha256[:12] for p in photos))
        self.photos = photos


def settle_photos(report: DailyReport | None) -> None:
    """The sign gate's first step: every photo of the day decoded, so none is signed undecoded and
    a corrupt one is marked (and no longer counted) before the checklist is read. Raises
    PhotosNotChecked if some photo's pixels cannot be read at all."""
    stuck = []
    for photo in photos_of(report):
        try:
            settle(photo)  # nothing to do for a photo decoded already, or found corrupt
        except OSError as error:
            log.error("could not read photo %s to decode it: %s", photo.sha256[:12], error)
            if photo.pending:
                stuck.append(photo)
    if stuck:
        raise PhotosNotChecked(stuck)


def settle_pending() -> int:
    """Decode the photos an interrupted worker left pending (killed between its answer and the
    decode); returns how many were settled."""
    pending = db.session.scalars(db.select(Photo).filter_by(pixels=PixelState.PENDING).order_by(Photo.id))
    settled = 0
    for photo in list(pending):
        try:
            settle(photo)
            settled += 1
        except OSError as error:
            log.error("could not read pending photo %s: %s", photo.sha256[:12], error)
    return settled


@dataclass(frozen=True)
class CategoryEdit:
    """What the admin set for one kind of photo on the checklist page."""

    category: PhotoCategory
    label: str
    required: bool
    active: bool


@dataclass(frozen=True)
class NewCategory:
    label: str
    required: bool


def save_categories(
    commune_id: int, existing: list[PhotoCategory], edits: list[CategoryEdit], added: NewCategory | None
) -> None:
    """The admin's checklist: each changed kind audited, a new kind added (required from today:
    earlier days are not asked for it), all committed together."""
    today = clock.today()
    for edit in edits:
        category = edit.category
        before = category.snapshot()
        category.label, category.required, category.active = edit.label, edit.required, edit.active
        category.follow_settings(today)
        old, new = audit.changes(before, category.snapshot())
        if new:
            audit.record(
                "photo_category.changed",
                target_type="photo_category",
                target_id=category.key,
                before=old,
                after=new,
            )
    if added is not None:
        key = f"custom-{len(existing) + 1}"
        category = PhotoCategory(
            commune_id=commune_id,
            key=key,
            label=added.label,
            required=added.required,
            active=True,
            position=len(existing),
        )
        category.follow_settings(today)
        db.session.add(category)
        audit.record(
            "photo_category.added",
            target_type="photo_category",
            target_id=key,
            after={
                "label": category.label,
                "required": category.required,
                "valid_from": category.valid_from.isoformat() if category.valid_from else None,
            },
        )
    db.session.commit()


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
    """At start-up (each worker): sweep, then decode the photos left pending, unless the database
    is not migrated yet or in tests."""
    if app.testing:
        return
    with app.app_context():
        try:
            sweep_orphans()
            settle_pending()
        except SQLAlchemyError as error:  # e.g. before the first `flask db upgrade`
            log.warning("photo sweep skipped: %s", type(error).__name__)
        finally:
            db.session.remove()
