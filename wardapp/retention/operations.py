"""Deleting what has been kept long enough (issue 26; the periods and their floors are in
``core/retention.py``, their values the commune's settings).

- A photo's bytes (the original and its thumbnail) once ``photo_retention_years`` have passed
  since its day was last signed (a day never signed: since the day itself). Its row stays, marked
  ``purged_at``, with its hash, category and capture time: the signed payload lists that hash, so
  the signed revision, its JWS and its stored PDF (whose thumbnails are part of the signed
  document) verify as before. A file another photo still within its period shares is kept.
- Sign-in attempts and the access record older than ``log_retention_months``.

Never touched: signed revisions, month documents, PDFs, keys, certificates and the audit log.
Each purge that removed something is one line in the audit log. The rows are committed first and
the files deleted after: a file left by a crash in between is deleted by the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func

from wardapp.audit import log as audit
from wardapp.audit.models import AccessRecord
from wardapp.auth.models import LoginAttempt
from wardapp.commune.models import Commune
from wardapp.core import clock, retention
from wardapp.evidence import storage
from wardapp.evidence.models import Photo
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.signing.models import ReportRevision


@dataclass
class Purged:
    photos: int = 0
    photo_bytes: int = 0
    login_attempts: int = 0
    access_records: int = 0


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def expired_photos(commune: Commune, now: dt.datetime) -> list[Photo]:
    """Photos whose bytes are past the commune's retention period and not deleted yet."""
    cutoff = retention.years_before(now, commune.photo_retention_years)
    last_signed = (
        db.select(ReportRevision.report_id, func.max(ReportRevision.signed_at).label("signed_at"))
        .group_by(ReportRevision.report_id)
        .subquery()
    )
    query = (
        db.select(Photo)
        .join(DailyReport, Photo.report_id == DailyReport.id)
        .outerjoin(last_signed, last_signed.c.report_id == DailyReport.id)
        .filter(DailyReport.commune_id == commune.id, Photo.purged_at.is_(None))
        .filter(
            db.or_(
                last_signed.c.signed_at < _naive_utc(cutoff),
                db.and_(last_signed.c.signed_at.is_(None), DailyReport.date < cutoff.astimezone(clock.TZ).date()),
            )
        )
    )
    return list(db.session.scalars(query))


def purge_photos(commune: Commune, now: dt.datetime, result: Purged) -> None:
    expired = expired_photos(commune, now)
    if expired:
        stamp = _naive_utc(now)
        for photo in expired:
            photo.purged_at = stamp
        result.photos = len(expired)
        result.photo_bytes = sum(photo.bytes for photo in expired)
        audit.record(
            "retention.photos_purged",
            target_type="photos",
            target_id=f"{len(expired)}",
            summary=f"{len(expired)} ảnh chụp trước hạn lưu giữ {commune.photo_retention_years} năm",
            after={
                "photos": len(expired),
                "bytes": result.photo_bytes,
                "retention_years": commune.photo_retention_years,
                "sha256": sorted({photo.sha256 for photo in expired})[:200],
            },
        )
        db.session.commit()
    _delete_purged_files()


def _delete_purged_files() -> None:
    """Delete the files of purged photos, unless a photo still kept has the same bytes."""
    purged = set(db.session.scalars(db.select(Photo.sha256).filter(Photo.purged_at.is_not(None))))
    kept = set(db.session.scalars(db.select(Photo.sha256).filter(Photo.purged_at.is_(None), Photo.sha256.in_(purged))))
    for sha in sorted(purged - kept):
        storage.original_path(sha).unlink(missing_ok=True)
        storage.thumbnail_path(sha).unlink(missing_ok=True)


def purge_logs(commune: Commune, now: dt.datetime, result: Purged) -> None:
    cutoff = _naive_utc(retention.months_before(now, commune.log_retention_months))
    result.login_attempts = _deleted(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    result.access_records = _deleted(delete(AccessRecord).where(AccessRecord.at < cutoff))
    if result.login_attempts or result.access_records:
        audit.record(
            "retention.logs_purged",
            target_type="logs",
            target_id=cutoff.date().isoformat(),
            summary=(
                f"{result.login_attempts} lần đăng nhập, {result.access_records} lần truy cập "
                f"trước {cutoff:%d/%m/%Y} (lưu {commune.log_retention_months} tháng)"
            ),
            after={
                "login_attempts": result.login_attempts,
                "access_records": result.access_records,
                "before": cutoff.isoformat(),
                "retention_months": commune.log_retention_months,
            },
        )
    db.session.commit()


def _deleted(statement) -> int:
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount or 0


def run(now: dt.datetime | None = None) -> Purged:
    """One pass of every kind; what a scheduled ``flask --app wsgi retention run`` does."""
    commune = Commune.installed()
    moment = now or clock.now()
    result = Purged()
    purge_photos(commune, moment, result)
    purge_logs(commune, moment, result)
    return result
