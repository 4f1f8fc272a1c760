"""Retention by kind (issue 26): a photo's bytes are deleted once its period has passed since the
day was signed, its row (hash, category, capture time) kept, so the signed day still verifies and
its PDF is intact; sign-in attempts and the access record are purged after theirs; each purge is
in the audit log; the admin sets the periods, never below the floors."""

from __future__ import annotations

import datetime as dt
import zipfile

from wardapp.audit.models import AccessRecord, AuditEvent
from wardapp.auth.models import LoginAttempt
from wardapp.backup import operations as backup
from wardapp.commune.models import Commune
from wardapp.core import retention
from wardapp.core.pdf import verification
from wardapp.evidence import storage
from wardapp.evidence.models import Photo
from wardapp.extensions import db
from wardapp.retention import operations
from wardapp.signing import documents

from ..helpers import signed_in
from .conftest import commune_certificate

YEARS_LATER = dt.timedelta(days=5 * 366)


def photos() -> list[Photo]:
    return list(db.session.scalars(db.select(Photo).order_by(Photo.id)))


def actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_nothing_is_deleted_within_the_period(app, signed, noon):
    purged = operations.run(noon + dt.timedelta(days=4 * 365))

    assert purged.photos == 0
    assert all(storage.original_path(p.sha256).is_file() for p in photos())
    assert "retention.photos_purged" not in actions()


def test_expired_photos_lose_their_bytes_only_and_the_signed_day_still_verifies(app, signed, noon):
    pdf_before = documents.pdf_path(signed).read_bytes()
    kept = [(p.sha256, p.category_id, p.taken_at) for p in photos()]

    purged = operations.run(noon + YEARS_LATER)

    assert purged.photos == 2 and purged.photo_bytes > 0
    db.session.expire_all()
    assert [(p.sha256, p.category_id, p.taken_at) for p in photos()] == kept  # the rows stay
    assert all(p.purged_at is not None for p in photos())
    for sha, _category, _taken in kept:
        assert not storage.original_path(sha).exists() and not storage.thumbnail_path(sha).exists()
    check = backup.check_instance()  # every signed revision's JWS and payload
    assert check.revisions == 1 and check.problems == []
    pdf_after = documents.pdf_path(signed).read_bytes()
    assert pdf_after == pdf_before
    assert verification.check_pdf(pdf_after, [commune_certificate()]).valid
    assert [p["sha256"] for p in signed.document["photos"]] == [sha for sha, _c, _t in kept]
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="retention.photos_purged"))
    assert event.after["photos"] == 2 and sorted(event.after["sha256"]) == sorted(sha for sha, _c, _t in kept)


def test_a_purged_photo_is_gone_from_its_urls_and_the_page_says_why(app, signed, noon):
    photo_id = photos()[0].id
    operations.run(noon + YEARS_LATER)
    staff = signed_in(app, "staff")

    assert staff.get(f"/photos/{photo_id}").status_code == 404
    assert staff.get(f"/photos/{photo_id}/thumb").status_code == 404
    page = staff.get(f"/reports/{signed.report.date}/photos").get_data(as_text=True)
    assert "hết thời hạn lưu giữ" in page


def test_a_package_made_after_the_purge_still_verifies_and_counts_the_deleted_photos(app, signed, noon, tmp_path):
    operations.run(noon + YEARS_LATER)
    output = tmp_path / "after.zip"
    runner = app.test_cli_runner()

    made = runner.invoke(args=["archive", "export", str(signed.report.date.year), "-o", str(output)])
    checked = runner.invoke(args=["archive", "verify", str(output)])

    assert made.exit_code == 0 and "1 signed documents, 0 photos" in made.output, made.output
    assert checked.exit_code == 0, checked.output
    with zipfile.ZipFile(output) as archive:
        listing = next(n for n in archive.namelist() if n.endswith("data/ho-so.csv"))
        assert "2 đã xóa theo thời hạn lưu giữ" in archive.read(listing).decode("utf-8-sig")


def test_logs_are_purged_after_their_months_and_the_purge_is_audited(app, commune, users, noon):
    old = (noon - dt.timedelta(days=400)).astimezone(dt.UTC).replace(tzinfo=None)
    recent = (noon - dt.timedelta(days=30)).astimezone(dt.UTC).replace(tzinfo=None)
    for at in (old, recent):
        db.session.add(LoginAttempt(at=at, username="staff", ip="203.0.113.9", outcome="failed"))
        db.session.add(AccessRecord(at=at, username="staff", role="staff", kind="photo", target="x" * 64))
    db.session.commit()

    purged = operations.run(noon)

    assert (purged.login_attempts, purged.access_records) == (1, 1)
    assert db.session.scalars(db.select(LoginAttempt.at)).all() == [recent]
    assert db.session.scalars(db.select(AccessRecord.at)).all() == [recent]
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="retention.logs_purged"))
    assert event.after["login_attempts"] == 1 and event.after["access_records"] == 1


def test_the_command_runs_a_pass(app, signed, frozen_clock, noon):
    frozen_clock.move_to(noon + YEARS_LATER)

    answer = app.test_cli_runner().invoke(args=["retention", "run"])

    assert answer.exit_code == 0, answer.output
    assert "Deleted the bytes of 2 photos" in answer.output


def test_the_admin_sets_the_periods_and_a_shorter_one_takes_effect(app, signed, noon):
    admin = signed_in(app, "admin")
    saved = admin.post(
        "/settings", data={"deadline": "17:00", "photo_retention_years": "1", "log_retention_months": "3"}
    )
    assert saved.status_code == 303
    commune = Commune.installed()
    assert (commune.photo_retention_years, commune.log_retention_months) == (1, 3)
    assert "settings.changed" in actions()

    assert operations.run(noon + dt.timedelta(days=300)).photos == 0
    assert operations.run(noon + dt.timedelta(days=367)).photos == 2


def test_the_periods_cannot_go_below_the_floors(app, signed):
    admin = signed_in(app, "admin")
    answer = admin.post(
        "/settings", data={"deadline": "17:00", "photo_retention_years": "0", "log_retention_months": "2"}
    )
    page = answer.get_data(as_text=True)

    assert answer.status_code == 422
    assert "Nhập số năm từ 1 đến 50." in page
    assert "nhật ký phải được giữ ít nhất 3 tháng" in page
    commune = Commune.installed()
    assert commune.photo_retention_years == retention.PHOTO_YEARS_DEFAULT
    assert commune.log_retention_months == retention.LOG_MONTHS_DEFAULT


def test_a_file_shared_with_a_photo_still_kept_is_not_deleted(app, commune, users, signed, noon):
    from .conftest import day_ready

    first = photos()[0]
    # The same picture attached again to a newer day (same bytes, same file).
    later = day_ready(commune, users, noon.date() + dt.timedelta(days=30), photos=0)
    db.session.add(
        Photo(
            report_id=later.id,
            category_id=first.category_id,
            sha256=first.sha256,
            content_type=first.content_type,
            bytes=first.bytes,
            width=first.width,
            height=first.height,
            uploaded_at=(noon + YEARS_LATER).astimezone(dt.UTC).replace(tzinfo=None),
        )
    )
    db.session.commit()

    # Five years after the signed day; the newer day (never signed) is within its period still.
    purged = operations.run(noon + YEARS_LATER)

    assert purged.photos == 2
    db.session.expire_all()
    assert db.session.get(Photo, first.id).purged_at is not None
    assert storage.original_path(first.sha256).is_file()  # the newer photo still needs the bytes
