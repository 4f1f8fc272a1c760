"""Uploading photos of the center: what is accepted, what is refused with which message, and that a
refused upload leaves nothing behind (no row, no audit line, no file under ``instance/photos``).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image

from wardapp.core import clock
from wardapp.evidence.models import PhotoCategory
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories
from .helpers import Page, signed_in
from .photos import (
    DAY,
    assert_nothing_stored,
    at,
    audit_actions,
    camera_exif,
    category_ids,
    encode,
    figures_on,
    jpeg,
    photo_files,
    photos_page,
    picture,
    png,
    png_claiming,
    sha256,
    small_limits_app,
    stored_photos,
    upload,
    webp,
)

# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def small_app(tmp_path, migrated_db):
    """PHOTO_MAX_BYTES 200 kB (so MAX_CONTENT_LENGTH is 1.2 MB) and PHOTO_MAX_PIXELS one megapixel."""
    app, context = small_limits_app(tmp_path, migrated_db, PHOTO_MAX_BYTES=200_000, PHOTO_MAX_PIXELS=1_000_000)
    yield app
    db.session.remove()
    db.engine.dispose()
    context.pop()


# --- Accepted ------------------------------------------------------------------------------------


def test_it_adds_a_jpeg_and_sends_the_browser_back_to_the_photos_page(app, staff, tmp_path):
    data = jpeg(camera_exif(at(9, 30)))

    response = upload(staff, data, "IMG_20250314_093000.jpg", caption="Mặt tiền sáng nay")

    assert response.status_code == 303
    # Back to the photos, the next category still missing chosen (the exterior has its photo).
    assert response.headers["Location"] == f"/reports/{DAY.isoformat()}/photos?category={category_ids()['counters']}"
    page = photos_page(staff)
    assert page.flashes == ["Đã thêm ảnh."]
    [figure] = figures_on(page)
    assert "Mặt tiền, biển hiệu Trung tâm" in figure.text
    assert "Mặt tiền sáng nay" in figure.text
    [photo] = stored_photos()
    assert (photo.content_type, photo.bytes, photo.width, photo.height) == ("image/jpeg", len(data), 64, 48)
    assert audit_actions().count("photo.added") == 1


def test_it_answers_htmx_with_the_photos_section_only(app, staff):
    response = upload(staff, jpeg(), htmx=True, caption="Quầy số 3")

    assert response.status_code == 200
    page = Page.of(response)
    assert not page.find("html"), "htmx swaps the section: a whole page would nest inside it"
    assert page.find("section")[0].attrs["id"] == "photos-section"
    assert page.text("err-photo") == ""
    [figure] = figures_on(page)
    assert "Quầy số 3" in figure.text
    assert page.value("category") == str(category_ids()["exterior"]), "the next photo keeps the category"


def test_it_stores_the_original_bytes_unchanged_under_their_sha256(app, staff, tmp_path):
    data = jpeg(camera_exif(at(10)))
    digest = sha256(data)

    upload(staff, data, "mat-tien.jpg")

    assert (tmp_path / "photos" / digest[:2] / digest).read_bytes() == data
    assert photo_files(tmp_path) == [Path(digest[:2]) / digest, Path("thumbs") / f"{digest}.jpg"]
    with Image.open(tmp_path / "photos" / "thumbs" / f"{digest}.jpg") as thumb:
        assert thumb.format == "JPEG"
    [photo] = stored_photos()
    assert photo.sha256 == digest


def test_it_makes_a_small_jpeg_thumbnail_of_a_big_photo(app, staff, tmp_path):
    data = png(size=(1600, 1200))

    upload(staff, data, "khu-cho.png")

    with Image.open(tmp_path / "photos" / "thumbs" / f"{sha256(data)}.jpg") as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (480, 360))


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        pytest.param(jpeg, "image/jpeg", id="jpeg"),
        pytest.param(png, "image/png", id="png"),
        pytest.param(webp, "image/webp", id="webp"),
    ],
)
def test_it_accepts_jpeg_png_and_webp_by_their_content(app, staff, tmp_path, make, content_type):
    data = make()

    response = upload(staff, data, "anh-khong-dung-duoi.gif")  # the name says GIF; the content decides

    assert response.status_code == 303
    [photo] = stored_photos()
    assert photo.content_type == content_type
    assert (tmp_path / "photos" / photo.sha256[:2] / photo.sha256).read_bytes() == data


def heic() -> bytes:
    # pillow-heif is a pinned requirement (its wheel carries libheif with an encoder), so an
    # iPhone-style HEIC can always be made here.
    import pillow_heif

    heif = pillow_heif.from_pillow(picture((64, 48)))
    out = io.BytesIO()
    heif.save(out, format="HEIF", quality=80)
    return out.getvalue()


def test_it_accepts_an_iphone_heic_photo(app, staff, tmp_path):
    data = heic()

    response = upload(staff, data, "IMG_0042.HEIC")

    assert response.status_code == 303
    [photo] = stored_photos()
    assert photo.content_type == "image/heic"
    assert (tmp_path / "photos" / photo.sha256[:2] / photo.sha256).read_bytes() == data
    with Image.open(tmp_path / "photos" / "thumbs" / f"{photo.sha256}.jpg") as thumb:
        assert thumb.format == "JPEG"


@pytest.mark.parametrize(
    "filename",
    [
        pytest.param("../../../etc/ảnh mặt tiền Trung tâm.jpg", id="unix folders"),
        # Backslashes escaped as in a quoted header field (unescaped, the parser would drop them).
        pytest.param(r"C:\\Users\\..\\..\\ảnh mặt tiền Trung tâm.jpg", id="windows folders"),
        pytest.param("/photos/../ảnh mặt tiền Trung tâm.jpg", id="absolute"),
    ],
)
def test_it_stores_a_file_by_its_sha256_whatever_its_name_says(app, staff, tmp_path, filename):
    before = {p for p in tmp_path.parent.rglob("*") if p.is_file()}
    data = jpeg()
    digest = sha256(data)

    response = upload(staff, data, filename)

    assert response.status_code == 303
    [photo] = stored_photos()
    assert photo.original_name == "ảnh mặt tiền Trung tâm.jpg"
    created = {p for p in tmp_path.parent.rglob("*") if p.is_file()} - before
    assert created == {tmp_path / "photos" / digest[:2] / digest, tmp_path / "photos" / "thumbs" / f"{digest}.jpg"}


def test_it_accepts_a_photo_of_exactly_the_maximum_size(small_app, tmp_path):
    client = signed_in(small_app, "staff")
    data = jpeg()
    data += b"\0" * (200_000 - len(data))  # a JPEG decoder stops at the end-of-image marker

    response = upload(client, data)

    assert response.status_code == 303
    assert [p.bytes for p in stored_photos()] == [200_000]


def test_it_accepts_a_photo_of_exactly_the_maximum_pixels(small_app):
    client = signed_in(small_app, "staff")

    response = upload(client, png(size=(1000, 1000)))

    assert response.status_code == 303
    assert [(p.width, p.height) for p in stored_photos()] == [(1000, 1000)]


def test_it_takes_the_same_photo_again_on_another_day_and_keeps_one_file(app, staff, tmp_path):
    data = jpeg()

    first = upload(staff, data, day=DAY)
    second = upload(staff, data, day=DAY - dt.timedelta(days=1))

    assert (first.status_code, second.status_code) == (303, 303)
    assert len(stored_photos()) == 2
    assert len(photo_files(tmp_path)) == 2  # one original and one thumbnail, shared


# --- Refused: the file -----------------------------------------------------------------------------

NOT_READABLE = "Tệp này không phải ảnh JPEG, PNG, WebP hoặc HEIC đọc được."

REFUSED_FILES = [
    pytest.param(
        lambda: "Biên bản họp giao ban ngày 14/3.\n".encode(), "bien-ban.jpg", NOT_READABLE, id="text file named .jpg"
    ),
    pytest.param(
        lambda: (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>fetch('/admin/users')</script><rect width='10' height='10'/></svg>"
        ),
        "logo.svg",
        NOT_READABLE,
        id="svg with a script",
    ),
    pytest.param(lambda: jpeg(size=(400, 300))[:600], "cat-do.jpg", NOT_READABLE, id="truncated jpeg"),
    pytest.param(lambda: encode(picture(), "GIF"), "anh.gif", "Chỉ nhận ảnh JPEG, PNG, WebP hoặc HEIC.", id="gif"),
    pytest.param(
        lambda: png_claiming(20_000, 20_000),
        "bom.png",
        "Ảnh có số điểm ảnh bất thường, bị từ chối để bảo vệ máy chủ.",
        id="decompression bomb",
    ),
    pytest.param(lambda: b"", "rong.jpg", "Tệp rỗng: không có ảnh nào được gửi lên.", id="empty file"),
    pytest.param(lambda: b"", "", "Chọn hoặc chụp một ảnh.", id="no file chosen"),
]


@pytest.mark.parametrize(("make", "filename", "message"), REFUSED_FILES)
def test_it_refuses_a_file_that_is_not_an_acceptable_photo(app, staff, tmp_path, make, filename, message):
    response = upload(staff, make(), filename, caption="Ghi chú")

    assert response.status_code == 422
    page = Page.of(response)
    assert page.find("html"), "a plain form post gets the whole page back"
    assert page.text("err-photo") == message
    assert page.value("caption") == "Ghi chú", "what was typed is kept"
    assert page.value("category") == str(category_ids()["exterior"])
    assert_nothing_stored(tmp_path)


@pytest.mark.parametrize(("make", "filename", "message"), REFUSED_FILES)
def test_it_tells_htmx_why_a_file_was_refused_in_the_section(app, staff, tmp_path, make, filename, message):
    response = upload(staff, make(), filename, htmx=True)

    assert response.status_code == 422
    page = Page.of(response)
    assert not page.find("html")
    assert page.find("section")[0].attrs["id"] == "photos-section"
    assert page.text("err-photo") == message
    assert_nothing_stored(tmp_path)


def test_it_refuses_a_photo_with_more_pixels_than_configured(small_app, tmp_path):
    client = signed_in(small_app, "staff")

    response = upload(client, png(size=(1200, 1000)))

    assert response.status_code == 422
    assert Page.of(response).text("err-photo") == "Ảnh 1.200 × 1.000 điểm ảnh quá lớn, bị từ chối để bảo vệ máy chủ."
    assert_nothing_stored(tmp_path)


def test_it_refuses_a_photo_just_over_the_maximum_size(small_app, tmp_path):
    client = signed_in(small_app, "staff")
    data = jpeg()
    data += b"\0" * (200_001 - len(data))

    plain = upload(client, data)
    htmx = upload(client, data, htmx=True)

    assert (plain.status_code, htmx.status_code) == (422, 422)
    for response in (plain, htmx):
        assert Page.of(response).text("err-photo") == "Ảnh quá lớn: 0,3 MB, tối đa 0,2 MB."
    assert_nothing_stored(tmp_path)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_it_says_next_to_the_field_when_the_request_is_over_the_server_limit(small_app, tmp_path, htmx):
    client = signed_in(small_app, "staff")
    data = jpeg()
    data += b"\0" * (1_300_000 - len(data))  # MAX_CONTENT_LENGTH is 1.2 MB here

    response = upload(client, data, htmx=htmx)

    assert response.status_code == 422
    page = Page.of(response)
    assert bool(page.find("html")) is not htmx
    assert page.text("err-photo") == "Tệp quá lớn: tối đa 0,2 MB."
    assert_nothing_stored(tmp_path)


def hint(page: Page) -> str:
    return page.find("small", cls="hint")[0].text


def test_it_tells_the_size_limit_next_to_the_file_field(app, staff):
    assert hint(photos_page(staff)).startswith("JPEG, PNG, WebP hoặc HEIC, tối đa 15 MB.")


def test_it_tells_a_limit_under_one_megabyte_as_it_is(small_app):
    assert hint(photos_page(signed_in(small_app, "staff"))).startswith("JPEG, PNG, WebP hoặc HEIC, tối đa 0,2 MB.")


def test_it_refuses_the_same_photo_twice_on_the_same_day(app, staff, tmp_path):
    data = jpeg()
    upload(staff, data, category="exterior")

    again = upload(staff, data, "ban-sao.jpg", category="counters")

    assert again.status_code == 422
    assert Page.of(again).text("err-photo") == "Ảnh này đã có trong báo cáo của ngày."
    assert [p.category.key for p in stored_photos()] == ["exterior"]
    assert audit_actions().count("photo.added") == 1
    assert len(photo_files(tmp_path)) == 2
    assert len(figures_on(Page.of(again))) == 1


# --- Refused: the other fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "category",
    [
        pytest.param(None, id="none chosen"),
        pytest.param(999_999, id="unknown id"),
        pytest.param("not-a-number", id="not a number"),
    ],
)
def test_it_requires_a_category(app, staff, tmp_path, category):
    response = upload(staff, jpeg(), category=category, caption="Quầy tiếp nhận")

    assert response.status_code == 422
    page = Page.of(response)
    assert page.text("err-category") == "Chọn loại ảnh."
    assert page.value("caption") == "Quầy tiếp nhận"
    assert_nothing_stored(tmp_path)


def test_it_refuses_a_category_that_is_no_longer_in_use(app, staff, tmp_path):
    """Turned off on the report's day: that day no longer needs it, so it is not offered either."""
    retired = db.session.scalar(db.select(PhotoCategory).filter_by(key="online_corner"))
    retired.active = False
    retired.retire_from(DAY)
    db.session.commit()

    response = upload(staff, jpeg(), category=retired.id)

    assert response.status_code == 422
    assert Page.of(response).text("err-category") == "Chọn loại ảnh."
    assert_nothing_stored(tmp_path)


def test_it_refuses_a_caption_over_300_characters(app, staff, tmp_path):
    caption = "Người dân chờ ở khu vực ghế ngồi. " * 9  # 306 characters once spaces are collapsed
    assert len(" ".join(caption.split())) > 300

    response = upload(staff, jpeg(), caption=caption, htmx=True)

    assert response.status_code == 422
    page = Page.of(response)
    assert page.text("err-caption") == "Chú thích tối đa 300 ký tự."
    assert page.text("err-photo") == ""
    assert_nothing_stored(tmp_path)


def test_it_accepts_a_caption_of_exactly_300_characters(app, staff):
    caption = ("Tổ phản ứng nhanh hướng dẫn " * 11)[:300]
    assert len(caption) == 300 and caption == " ".join(caption.split())

    response = upload(staff, jpeg(), caption=caption)

    assert response.status_code == 303
    assert [p.caption for p in stored_photos()] == [caption]


def test_it_lets_only_staff_and_leaders_upload(app, users, tmp_path):
    for role in ("reviewer", "admin"):
        assert upload(signed_in(app, role), jpeg()).status_code == 403
    assert_nothing_stored(tmp_path)
    assert upload(signed_in(app, "leader"), jpeg()).status_code == 303


# --- Removing a photo while the report is a draft ---------------------------------------------------


def remove(client, photo_id: int, *, htmx: bool = False, day: dt.date = DAY):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/reports/{day.isoformat()}/photos/{photo_id}/remove", headers=headers)


def test_it_takes_a_removed_photo_off_the_page_but_keeps_its_record(app, users, staff, tmp_path):
    upload(staff, jpeg(), caption="Chụp nhầm góc")
    [photo] = stored_photos()

    response = remove(staff, photo.id)

    assert response.status_code == 303
    assert response.headers["Location"] == f"/reports/{DAY.isoformat()}/photos"
    page = photos_page(staff)
    assert page.flashes[-1] == "Đã gỡ ảnh khỏi báo cáo."
    assert figures_on(page) == []
    assert "Chưa có ảnh nào cho ngày này." in page.text("photo-grid")
    [kept] = stored_photos()
    assert kept.removed_at is not None
    assert kept.removed_by_id == users["staff"].id
    assert audit_actions()[-1] == "photo.removed"
    assert (tmp_path / "photos" / kept.sha256[:2] / kept.sha256).exists()


def test_it_answers_htmx_with_the_section_without_the_removed_photo(app, staff):
    upload(staff, jpeg(), caption="Giữ lại")
    upload(staff, jpeg(), caption="Gỡ đi", category="counters")
    keep, drop = stored_photos()

    response = remove(staff, drop.id, htmx=True)

    assert response.status_code == 200
    page = Page.of(response)
    assert not page.find("html")
    assert [f.attrs["id"] for f in figures_on(page)] == [f"photo-{keep.id}"]
    assert "Gỡ đi" not in page.text("photo-grid")


def test_it_refuses_to_remove_a_photo_twice(app, staff):
    upload(staff, jpeg())
    [photo] = stored_photos()
    remove(staff, photo.id)

    again = remove(staff, photo.id)

    assert again.status_code == 404
    assert audit_actions().count("photo.removed") == 1


def test_it_takes_a_removed_photo_again_on_the_same_day(app, staff):
    data = jpeg()
    upload(staff, data)
    remove(staff, stored_photos()[0].id)

    again = upload(staff, data)

    assert again.status_code == 303
    assert [p.removed_at is None for p in stored_photos()] == [False, True]
    assert len(figures_on(photos_page(staff))) == 1


def mark_ready(commune, users, day: dt.date = DAY) -> DailyReport:
    report = factories.make_report(commune, day, users["staff"])
    report.ready_at = clock.utcnow()
    report.ready_by_id = users["leader"].id
    db.session.commit()
    return report


def is_marked_ready(client, day: dt.date = DAY) -> bool:
    """What the leader sees on the day's explanations page: the "Sẵn sàng ký" badge, or not."""
    page = Page.of(client.get(f"/reports/{day.isoformat()}/explain"))
    return page.has_id("ready-badge")


def test_it_withdraws_the_ready_mark_when_a_photo_is_added(app, commune, users, staff):
    mark_ready(commune, users)
    assert is_marked_ready(staff)

    upload(staff, jpeg())

    assert not is_marked_ready(staff)
    db.session.expire_all()
    report = db.session.scalar(db.select(DailyReport).filter_by(date=DAY))
    assert (report.ready_at, report.ready_by_id, report.updated_by_id) == (None, None, users["staff"].id)


def test_it_withdraws_the_ready_mark_when_a_photo_is_removed(app, commune, users, staff):
    mark_ready(commune, users)
    upload(staff, jpeg())
    report = db.session.scalar(db.select(DailyReport).filter_by(date=DAY))
    report.ready_at, report.ready_by_id = clock.utcnow(), users["leader"].id
    db.session.commit()
    assert is_marked_ready(staff)

    remove(staff, stored_photos()[0].id)

    assert not is_marked_ready(staff)


def test_it_keeps_the_ready_mark_when_an_upload_is_refused(app, commune, users, staff):
    mark_ready(commune, users)

    refused = upload(staff, b"not a photo")

    assert refused.status_code == 422
    assert is_marked_ready(staff)
