"""The sign gate decodes every photo of the day first: a day is never signed with a photo whose
pixels were not decoded (its upload's step after the answer never ran), nor with one found
corrupt, and the signed PDF shows exactly the photos the signature carries."""

from __future__ import annotations

import pytest

from wardapp.evidence import storage
from wardapp.evidence.models import Photo, PhotoCategory, PixelState
from wardapp.evidence.operations import add_photo
from wardapp.extensions import db
from wardapp.signing import documents
from wardapp.signing.operations import CannotSign

from ..helpers import TODAY, signed_in
from ..test_photo_decode_later import camera_jpeg, corrupt_jpeg
from .conftest import day_ready, image_count, name_leader, sign, text_of

DAMAGED_CAPTION = "Khu vực chờ lúc đông người"


def photos() -> list[Photo]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Photo).order_by(Photo.id)))


def category_of(commune_id: int, key: str) -> PhotoCategory:
    return db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune_id, key=key))


def add_undecoded(report, data: bytes, key: str, caption: str, users) -> Photo:
    """A photo as the upload leaves it when the step after the answer never ran (the worker was
    killed once it had answered): stored, recorded, not decoded."""
    photo = add_photo(report, data, "IMG_0930.jpg", category_of(report.commune_id, key), caption, users["staff"])
    assert photo.pixels == PixelState.PENDING and not storage.has_thumbnail(photo.sha256)
    return photo


def test_signing_decodes_the_photos_nobody_decoded_and_prints_them(app, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=2)  # added as the upload adds them: not decoded
    assert {p.pixels for p in photos()} == {PixelState.PENDING}
    for photo in photos():
        assert not storage.has_thumbnail(photo.sha256)

    revision = sign(commune, report, users)

    assert {p.pixels for p in photos()} == {PixelState.READABLE}
    assert all(storage.has_thumbnail(p.sha256) for p in photos())
    assert len(revision.document["photos"]) == 2
    assert image_count(documents.revision_pdf(revision)) == 2


def test_a_photo_found_corrupt_at_signing_is_neither_signed_nor_printed(app, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=1)
    damaged = add_undecoded(report, corrupt_jpeg(), "counters", DAMAGED_CAPTION, users)

    revision = sign(commune, report, users)

    assert [p.pixels for p in photos()] == [PixelState.READABLE, PixelState.UNREADABLE]
    signed = [p["sha256"] for p in revision.document["photos"]]
    assert len(signed) == 1 and damaged.sha256 not in signed
    pdf = documents.revision_pdf(revision)
    assert image_count(pdf) == 1
    assert "III. HÌNH ẢNH TRUNG TÂM (1 ảnh)" in text_of(pdf)
    assert DAMAGED_CAPTION not in text_of(pdf)


def test_a_required_photo_found_corrupt_at_signing_stops_the_signature(app, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=1)
    exterior = category_of(commune.id, "exterior")
    exterior.ask_on_every_day(True)
    db.session.commit()
    add_undecoded(report, corrupt_jpeg(), "exterior", DAMAGED_CAPTION, users)

    with pytest.raises(CannotSign) as refused:
        sign(commune, report, users)

    assert refused.value.problems == [f"Thiếu ảnh: {exterior.label} (chưa giải trình)"]
    assert [p.pixels for p in photos()] == [PixelState.READABLE, PixelState.UNREADABLE]
    assert not report.frozen


def test_a_photo_whose_file_cannot_be_read_stops_the_signature(app, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=0)
    photo = add_undecoded(report, camera_jpeg(), "counters", "Quầy số 1", users)
    storage.original_path(photo.sha256).unlink()  # e.g. a database restored without its photos

    with pytest.raises(CannotSign) as refused:
        sign(commune, report, users)

    assert refused.value.problems == ["Không đọc được tệp ảnh IMG_0930.jpg để kiểm tra; báo cáo chưa được ký."]
    assert not report.frozen


def test_a_signed_photos_lost_thumbnail_is_made_again_when_the_pdf_is_rebuilt(app, commune, users):
    name_leader(users)
    revision = sign(commune, day_ready(commune, users, TODAY, photos=2), users)
    documents.pdf_path(revision).unlink()  # the PDF lost too: ``flask pdf repair`` builds it again
    for photo in photos():
        storage.thumbnail_path(photo.sha256).unlink()

    pdf = documents.signed_pdf_file(revision).read_bytes()

    assert image_count(pdf) == 2
    assert all(storage.has_thumbnail(p.sha256) for p in photos())


def test_the_signing_preview_shows_what_will_be_signed_without_a_damaged_photo(app, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=1)
    add_undecoded(report, corrupt_jpeg(), "counters", DAMAGED_CAPTION, users)

    page = signed_in(app, "leader").get(f"/reports/{TODAY.isoformat()}/sign")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Quầy số 1: người dân chờ tiếp nhận hồ sơ" in text
    assert DAMAGED_CAPTION not in text
    assert [p.pixels for p in photos()] == [PixelState.READABLE, PixelState.UNREADABLE]
