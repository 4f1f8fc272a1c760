"""What the camera wrote in a photo (EXIF): when, with what and where it was taken, as shown on
the photos page, and whether the capture time proves the photo was taken on the report's day."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from .helpers import Page
from .photos import DAY, at, camera_exif, fetch, figures_on, jpeg, photos_page, png, stored_photos, upload

UNVERIFIABLE = "Không xác thực được: không chụp trong ngày báo cáo"
HANOI = ("N", (21, 1, 40.5), "E", (105, 51, 9))


def shown(client) -> str:
    """The text of the only photo on the day's photos page."""
    [figure] = figures_on(photos_page(client))
    return figure.text


def badges(client) -> list[str]:
    return [e.text for e in photos_page(client).find("span", cls="photo-unverified")]


def when(moment: dt.datetime) -> str:
    return f"Chụp lúc {moment:%H:%M %d/%m/%Y}"


def test_it_shows_when_with_what_and_where_a_photo_was_taken(app, staff):
    upload(staff, jpeg(camera_exif(at(9, 5), make="samsung", model="Galaxy A54 5G", gps=HANOI)))

    text = shown(staff)

    assert when(at(9, 5)) in text
    assert "samsung Galaxy A54 5G" in text
    assert "Vị trí: 21.02792, 105.85250" in text
    assert badges(staff) == []
    [photo] = stored_photos()
    assert (photo.taken_at, photo.camera, photo.gps_lat, photo.gps_lon) == (
        at(9, 5),
        "samsung Galaxy A54 5G",
        21.027917,
        105.8525,
    )


def test_it_does_not_repeat_the_make_when_the_model_already_names_it(app, staff):
    upload(staff, jpeg(camera_exif(at(9), make="Canon", model="Canon EOS 80D")))

    assert "Canon EOS 80D" in shown(staff)
    assert "Canon Canon" not in shown(staff)


@pytest.mark.parametrize(
    ("gps", "position"),
    [
        pytest.param(("S", (21, 1, 40.5), "W", (105, 51, 9)), "-21.02792, -105.85250", id="south and west"),
        pytest.param(("N", (10, 46, 30), "W", (0, 7, 30)), "10.77500, -0.12500", id="north and west"),
        pytest.param(("S", (0, 30, 0), "E", (106, 40, 12)), "-0.50000, 106.67000", id="south and east"),
    ],
)
def test_it_reads_south_and_west_as_negative(app, staff, gps, position):
    upload(staff, jpeg(camera_exif(at(9), gps=gps)))

    assert f"Vị trí: {position}" in shown(staff)


def test_it_shows_no_position_when_the_photo_has_none(app, staff):
    upload(staff, jpeg(camera_exif(at(9))))

    assert "Vị trí" not in shown(staff)
    assert [(p.gps_lat, p.gps_lon) for p in stored_photos()] == [(None, None)]


def test_it_flags_a_photo_taken_on_another_day(app, staff):
    day_before = at(16, 45, DAY - dt.timedelta(days=1))
    upload(staff, jpeg(camera_exif(day_before)))

    assert when(day_before) in shown(staff)
    assert badges(staff) == [UNVERIFIABLE]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: png(), id="no exif at all"),
        pytest.param(lambda: jpeg(camera_exif(None)), id="camera but no capture time"),
        pytest.param(lambda: jpeg(_exif_with_raw_time("0000:00:00 00:00:00")), id="zeroed capture time"),
        pytest.param(lambda: jpeg(_exif_with_raw_time("hôm nay")), id="capture time that is not a time"),
    ],
)
def test_it_flags_a_photo_without_a_capture_time(app, staff, make):
    response = upload(staff, make())

    assert response.status_code == 303, "a photo without EXIF is still accepted"
    assert "Không có thời điểm chụp" in shown(staff)
    assert badges(staff) == [UNVERIFIABLE]
    assert [p.taken_at for p in stored_photos()] == [None]


def _exif_with_raw_time(raw: str) -> Image.Exif:
    exif = camera_exif(None)
    exif.get_ifd(0x8769)[0x9003] = raw
    return exif


@pytest.mark.parametrize(
    ("camera_clock", "offset", "vietnam_time", "verifiable"),
    [
        pytest.param(
            at(20, 30),
            "+00:00",
            at(3, 30, DAY + dt.timedelta(days=1)),
            False,
            id="UTC evening is the next morning in Vietnam",
        ),
        pytest.param(at(9, 0), "+09:00", at(7, 0), True, id="a camera on Korean time"),
        pytest.param(
            at(20, 0, DAY - dt.timedelta(days=1)),
            "-05:00",
            at(8, 0),
            True,
            id="the day before in New York is the report's day here",
        ),
        pytest.param(at(23, 59), "+07:00", at(23, 59), True, id="already Vietnam time"),
    ],
)
def test_it_converts_the_capture_time_to_vietnam_time(app, staff, camera_clock, offset, vietnam_time, verifiable):
    upload(staff, jpeg(camera_exif(camera_clock, offset=offset)))

    assert when(vietnam_time) in shown(staff)
    assert badges(staff) == ([] if verifiable else [UNVERIFIABLE])
    assert [p.taken_at for p in stored_photos()] == [vietnam_time]


def test_it_keeps_the_camera_clock_when_the_offset_is_unreadable(app, staff):
    upload(staff, jpeg(camera_exif(at(10, 15), offset="giờ VN")))

    assert when(at(10, 15)) in shown(staff)
    assert badges(staff) == []


def test_it_turns_the_thumbnail_of_a_sideways_photo_upright(app, staff):
    """Phones store portrait photos sideways with an EXIF orientation; the list shows them upright."""
    upload(staff, jpeg(camera_exif(at(9), orientation=6), size=(64, 48)))
    [photo] = stored_photos()

    thumb = fetch(staff, f"/photos/{photo.id}/thumb")
    original = fetch(staff, f"/photos/{photo.id}")

    with Image.open(io.BytesIO(thumb.data)) as image:
        assert image.size == (48, 64)
    with Image.open(io.BytesIO(original.data)) as image:
        assert image.size == (64, 48), "the original is served as it was uploaded"


def test_it_shows_the_capture_time_in_the_htmx_answer_too(app, staff):
    response = upload(staff, jpeg(camera_exif(at(14, 20), gps=HANOI)), htmx=True)

    [figure] = figures_on(Page.of(response))
    assert when(at(14, 20)) in figure.text
    assert "Vị trí: 21.02792, 105.85250" in figure.text
