"""Photos by the batch, as staff add them on a phone: several chosen at once (camera or gallery,
no forced capture), each with its progress, one over the limit refused before it is sent with the
category and caption kept, a confirmation, the new photos first and the category moved on to the
next one still missing. Real Chromium at 390×844."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, assert_fits, log_in, shoot
from .test_evidence_flow import camera_jpeg

pytestmark = pytest.mark.browser


def _oversized(path, megabytes: int = 16):
    path.write_bytes(b"\xff\xd8\xff" + b"\0" * (megabytes * 1_000_000))
    return path


def _posts(page, day: str) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "POST" and r.url.endswith(f"/reports/{day}/photos") else None,
    )
    return sent


def test_staff_add_a_batch_of_photos_and_an_oversized_one_is_refused_before_sending(live_server, open_page, tmp_path):
    day = live_server.today
    iso = day.isoformat()
    morning = camera_jpeg(tmp_path / "quay-1.jpg", dt.datetime.combine(day, dt.time(8, 30)))
    noon = camera_jpeg(tmp_path / "quay-2.jpg", dt.datetime.combine(day, dt.time(12, 5)))
    huge = _oversized(tmp_path / "quay-3-goc.jpg")
    page, watch = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, "staff")
    page.goto(f"/reports/{iso}/photos")
    sent = _posts(page, iso)

    picker = page.locator("#f-photo")
    assert picker.get_attribute("capture") is None  # the phone offers the camera and the gallery
    assert picker.get_attribute("multiple") is not None

    # One photo over the limit alone: refused here, nothing sent, nothing typed lost.
    page.select_option("#f-category", label="Quầy tiếp nhận và trả kết quả")
    page.fill("#f-caption", "Quầy số 1")
    picker.set_input_files(huge)
    page.get_by_role("button", name="Tải ảnh lên").tap()
    expect(page.locator("#err-photo")).to_contain_text("Ảnh quá lớn (16,0 MB): tối đa 15 MB")
    expect(page.locator("#f-category option:checked")).to_have_text("Quầy tiếp nhận và trả kết quả")
    expect(page.locator("#f-caption")).to_have_value("Quầy số 1")
    assert sent == []

    # Three at once: two sent one after the other with their progress, the big one refused.
    picker.set_input_files([morning, noon, huge])
    page.get_by_role("button", name="Tải ảnh lên").tap()
    expect(page.locator("#photos-added")).to_have_text("Đã thêm 2 ảnh.")
    assert len(sent) == 2
    rows = page.locator("#upload-list li")
    expect(rows).to_have_count(3)
    for name in ("quay-1.jpg", "quay-2.jpg"):
        row = rows.filter(has_text=name)
        expect(row.locator(".upload-status")).to_have_text("Đã thêm")
        assert row.locator("progress").evaluate("bar => bar.value") == 100
    expect(rows.filter(has_text="quay-3-goc.jpg")).to_have_class("refused")
    # The new photos first, the latest on top; the counters done, the category moved on.
    cards = page.locator("#photo-grid figure.photo")
    expect(cards).to_have_count(2)
    expect(cards.first.locator(".photo-taken")).to_have_text(f"Chụp lúc 12:05 {day.strftime('%d/%m/%Y')}")
    expect(page.locator('#photo-checklist li[data-category="counters"]')).to_have_class("done")
    expect(page.locator("#f-category option:checked")).to_have_text("Mặt tiền, biển hiệu Trung tâm")
    expect(page.locator("#f-caption")).to_have_value("")
    assert_fits(page, "the photos page after a batch")
    shoot(page, "phone-photos-batch")
    watch.assert_clean()
