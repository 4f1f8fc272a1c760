"""Photos of the center as staff add them, in real Chromium against the app served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.test_photo_decode_later import corrupt_jpeg

from .conftest import DESKTOP, PHONE, assert_fits, log_in, shoot

pytestmark = pytest.mark.browser

EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
MAKE, MODEL = 0x010F, 0x0110


def camera_jpeg(path: Path, taken: dt.datetime, size=(1200, 900)) -> Path:
    """A phone-like photo: a JPEG with the camera's make, model and capture time in its EXIF."""
    image = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
            Image.new("L", size, 150),
        ),
    )
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 3, size[0] * 3 // 4, size[1] * 2 // 3), fill=(30, 90, 160))
    exif = Image.Exif()
    exif[MAKE] = "samsung"
    exif[MODEL] = "Galaxy A54 5G"
    exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    path.write_bytes(out.getvalue())
    return path


def photo_field(page):
    return page.locator("#upload-form .field", has=page.locator("#f-photo"))


def test_staff_upload_a_photo_and_see_its_thumbnail_category_and_capture_time(live_server, open_page, tmp_path):
    day = live_server.today
    taken = dt.datetime.combine(day, dt.time(8, 30))
    photo = camera_jpeg(tmp_path / "quay-tiep-nhan.jpg", taken)
    page, watch = open_page(viewport=DESKTOP)
    log_in(page, "staff")

    page.goto(f"/reports/{day.isoformat()}/photos")
    expect(page.locator("h1")).to_contain_text(day.strftime("%d/%m/%Y"))
    counters = page.locator('#photo-checklist li[data-category="counters"]')
    expect(counters).to_have_class("missing")
    expect(counters).to_contain_text("còn thiếu")
    expect(page.locator("#photo-grid")).to_contain_text("Chưa có ảnh nào cho ngày này.")
    shoot(page, "desktop-photos-empty")

    page.select_option("#f-category", label="Quầy tiếp nhận và trả kết quả")
    page.fill("#f-caption", "Quầy số 1 đón người dân buổi sáng")
    page.set_input_files("#f-photo", photo)
    page.get_by_role("button", name="Tải ảnh lên").click()

    card = page.locator("#photo-grid figure.photo")
    expect(card).to_have_count(1)
    expect(card.locator(".photo-category")).to_have_text("Quầy tiếp nhận và trả kết quả")
    expect(card.locator(".photo-caption")).to_have_text("Quầy số 1 đón người dân buổi sáng")
    expect(card.locator(".photo-taken")).to_have_text(f"Chụp lúc 08:30 {day.strftime('%d/%m/%Y')}")
    expect(card.locator(".photo-unverified")).to_have_count(0)  # taken on the report's day
    expect(card).to_contain_text("Galaxy A54 5G")
    # The thumbnail is served and decodes (lazy: it loads once it is in view, as for a person).
    thumb = card.locator("img")
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_have_attribute("alt", "Quầy số 1 đón người dân buổi sáng")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") == 480  # THUMB_SIZE, the long side
    # The checklist now counts the category as done, the others still missing.
    expect(counters).to_have_class("done")
    expect(counters).to_contain_text("✓")
    expect(counters).to_contain_text("(1)")
    expect(page.locator('#photo-checklist li[data-category="exterior"]')).to_have_class("missing")
    # Said, and the form is ready for the next photo: the first category still missing, no message.
    expect(page.locator("#photos-added")).to_have_text("Đã thêm 1 ảnh.")
    expect(page.locator("#f-category option:checked")).to_have_text("Mặt tiền, biển hiệu Trung tâm")
    expect(page.locator("#f-caption")).to_have_value("")
    expect(page.locator("#err-photo")).to_be_empty()
    shoot(page, "desktop-photos-uploaded")
    watch.assert_clean()

    # A text file dressed up as a photo: refused by its content, next to the file field.
    fake = tmp_path / "photo.jpg"
    fake.write_text("Đây không phải là ảnh.\n", encoding="utf-8")
    page.select_option("#f-category", label="Khu vực chờ của người dân")
    page.fill("#f-caption", "Ghế chờ")
    page.set_input_files("#f-photo", fake)
    watch.provoked(422, f"/reports/{day.isoformat()}/photos")
    page.get_by_role("button", name="Tải ảnh lên").click()
    refusal = photo_field(page).locator(".field-error")
    expect(refusal).to_have_id("err-photo")
    expect(refusal).to_have_text("Tệp này không phải ảnh JPEG, PNG, WebP hoặc HEIC đọc được.")
    expect(page.locator("#f-photo")).to_have_attribute("aria-describedby", "err-photo")
    # Nothing was added, and what was typed is still there to try again.
    expect(card).to_have_count(1)
    expect(page.locator('#photo-checklist li[data-category="waiting_area"]')).to_have_class("missing")
    expect(page.locator("#f-category option:checked")).to_have_text("Khu vực chờ của người dân")
    expect(page.locator("#f-caption")).to_have_value("Ghế chờ")
    shoot(page, "desktop-photos-refused")
    # The refusal is an answer (422, swapped in), not a failure: the page stays clean.
    watch.assert_clean()

    page.set_viewport_size(PHONE)
    page.reload()
    expect(card.locator(".photo-taken")).to_be_visible()
    shoot(page, "phone-photos")
    assert_fits(page, "the photos page")
    watch.assert_clean()


def test_a_photo_damaged_inside_is_accepted_then_shown_as_damaged_and_not_counted(live_server, open_page, tmp_path):
    day = live_server.today
    photo = tmp_path / "mat-tien.jpg"
    photo.write_bytes(corrupt_jpeg())  # header and end marker whole, garbage in the middle of the scan
    page, watch = open_page(viewport=DESKTOP)
    log_in(page, "staff")
    page.goto(f"/reports/{day.isoformat()}/photos")
    exterior = page.locator('#photo-checklist li[data-category="exterior"]')
    expect(exterior).to_have_class("missing")

    page.select_option("#f-category", label="Mặt tiền, biển hiệu Trung tâm")
    page.fill("#f-caption", "Mặt tiền sáng nay")
    page.set_input_files("#f-photo", photo)
    watch.provoked(404, "/photos/1/thumb")  # the thumbnail asked for while the card still waits
    page.get_by_role("button", name="Tải ảnh lên").click()

    # Accepted at once (its header and structure are whole), then the card reads itself again
    # once the decode after the answer has found the damage: no reload needed.
    card = page.locator("#photo-grid figure.photo")
    expect(card).to_have_count(1)
    expect(page.locator("#err-photo")).to_be_empty()
    expect(card.locator(".photo-unreadable")).to_have_text(
        "Ảnh bị hỏng, không đọc được: hãy gỡ ảnh này và tải lại.", timeout=20_000
    )
    expect(card.locator("img")).to_have_count(0)
    expect(exterior).to_have_class("missing")
    expect(exterior).to_contain_text("1 ảnh bị hỏng, không tính")
    shoot(page, "desktop-photo-damaged")
    watch.assert_clean()

    page.reload()  # the same after a reload
    expect(card.locator(".photo-unreadable")).to_be_visible()
    expect(exterior).to_contain_text("còn thiếu")
    watch.assert_clean()
