"""A JPEG is accepted on its header and structure, and its pixels are decoded just after the
uploader's answer (docs/PERFORMANCE.md, uploads).

What a person notices: a truncated upload is still refused at once, next to the file field; a
photo corrupt in the middle is accepted, then shown as damaged with a message, never ticks its
category and is never signed; and nothing depends on the step after the answer having run (the
thumbnail, the sign gate and start-up each do it when it has not).
"""

from __future__ import annotations

import io
import random
import threading
import time
from pathlib import Path

import pytest
import requests
from PIL import Image
from werkzeug.serving import make_server

from wardapp.core import images
from wardapp.evidence import storage
from wardapp.evidence.models import PixelState
from wardapp.evidence.operations import sweep_at_start
from wardapp.extensions import db

from . import factories
from .helpers import Page
from .photos import (
    DAY,
    assert_nothing_stored,
    at,
    audit_actions,
    camera_exif,
    category_ids,
    fetch,
    figures_on,
    photo_files,
    photos_page,
    sha256,
    stored_photos,
    upload,
)

NOT_READABLE = "Tệp này không phải ảnh JPEG, PNG, WebP hoặc HEIC đọc được."
DAMAGED = "Ảnh bị hỏng, không đọc được: hãy gỡ ảnh này và tải lại."


_seed = iter(range(1, 10_000))


def camera_jpeg(seed: int | None = None, **options) -> bytes:
    """A 640×480 JPEG taken on DAY, different on each call (or the one of ``seed``), the same on
    every run, with enough entropy-coded data to damage in the middle."""
    noise = random.Random(next(_seed) if seed is None else seed)
    image = Image.frombytes("RGB", (160, 120), noise.randbytes(160 * 120 * 3)).resize((640, 480))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=camera_exif(at(9, 30)), **options)
    return out.getvalue()


def corrupt_jpeg() -> bytes:
    """A camera JPEG with garbage in the middle of its scan, always the same one (not every
    garbage upsets the decoder: this one does, as the kernel test below shows)."""
    return corrupt_in_the_middle(camera_jpeg(seed=20_000))


def corrupt_in_the_middle(data: bytes) -> bytes:
    """The same file with 2,000 bytes of its scan overwritten by garbage: the header, the markers
    and the end-of-image marker are intact, the entropy-coded data in the middle is not."""
    middle = len(data) // 2
    noise = random.Random(middle)  # seeded: the same damage on every run
    garbage = bytes(noise.randrange(256) for _ in range(2000))
    damaged = data[:middle] + garbage + data[middle + 2000 :]
    assert damaged[:2] == b"\xff\xd8" and damaged.endswith(b"\xff\xd9") and len(damaged) == len(data)
    return damaged


def truncated(data: bytes) -> bytes:
    """An upload cut off at 60%: its header (and EXIF) are whole, its scan is not."""
    return data[: len(data) * 6 // 10]


def checklist_line(page: Page, key: str = "exterior") -> str:
    [line] = [li.text for li in page.find("li") if li.attrs.get("data-category") == key]
    return " ".join(line.split())


EXTERIOR = "Mặt tiền, biển hiệu Trung tâm"


# --- The kernel: what is known at once, what is found by the decode --------------------------------


LIMITS = {"max_bytes": 15_000_000, "max_pixels": 100_000_000}


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: camera_jpeg(), id="baseline"),
        pytest.param(lambda: camera_jpeg(progressive=True), id="progressive"),
        pytest.param(lambda: camera_jpeg() + b"\0" * 4096, id="zero padding after the end"),
        pytest.param(lambda: camera_jpeg() + b"\0\0\0\x18ftypmp42" + b"\x11" * 5000, id="motion photo video after"),
    ],
)
def test_the_header_check_accepts_a_whole_jpeg_and_its_decode_succeeds(make):
    data = make()

    facts = images.check_header(data, **LIMITS)

    assert (facts.content_type, facts.width, facts.height, facts.sha256) == ("image/jpeg", 640, 480, sha256(data))
    assert facts.taken_at == at(9, 30)
    with Image.open(io.BytesIO(images.thumbnail(data))) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (480, 360))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: truncated(camera_jpeg()), id="baseline cut at 60%"),
        pytest.param(lambda: truncated(camera_jpeg(progressive=True)), id="progressive cut at 60%"),
        pytest.param(lambda: camera_jpeg()[:-2], id="only the end-of-image marker missing"),
        pytest.param(lambda: camera_jpeg()[:2000], id="cut inside the EXIF"),
    ],
)
def test_the_header_check_refuses_a_truncated_jpeg_without_decoding_it(make):
    with pytest.raises(images.PhotoRejected, match=NOT_READABLE):
        images.check_header(make(), **LIMITS)


def test_the_header_check_passes_a_jpeg_corrupt_inside_which_the_decode_finds():
    data = corrupt_jpeg()

    images.check_header(data, **LIMITS)
    with pytest.raises(images.PhotoUnreadable):
        images.thumbnail(data)
    with pytest.raises(images.PhotoRejected, match=NOT_READABLE):  # the all-at-once check refuses it
        images.check(data, **LIMITS)


# --- Refused at once ---------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_truncated_upload_is_still_refused_at_once_next_to_the_field(app, staff, tmp_path, htmx):
    response = upload(staff, truncated(camera_jpeg()), "IMG_0930.jpg", caption="Mặt tiền", htmx=htmx)

    assert response.status_code == 422
    page = Page.of(response)
    assert page.text("err-photo") == NOT_READABLE
    assert figures_on(page) == []
    assert_nothing_stored(tmp_path)


# --- Decoded after the answer, on a real server ------------------------------------------------------


class Served:
    """The app on 127.0.0.1 (a port the OS picks), one thread per request, as a WSGI server runs it:
    the response is closed after it was sent, which runs the step after the answer."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def served(app, users):
    server = Served(app)
    yield server
    server.close()


@pytest.fixture
def held_decode(monkeypatch):
    """The real decode, held until the test lets it go, so the test knows when it runs."""
    started, release = threading.Event(), threading.Event()
    decode = images.thumbnail

    def held(data: bytes) -> bytes:
        started.set()
        assert release.wait(60), "the test never let the decode go"
        return decode(data)

    monkeypatch.setattr(images, "thumbnail", held)
    yield started, release
    release.set()


def browser(served: Served, username: str = "staff") -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{served.url}/login", data={"username": username, "password": factories.PASSWORD}, allow_redirects=False
    )
    assert answer.status_code == 303, "could not sign in"
    return session


def send_photo(session: requests.Session, served: Served, data: bytes) -> requests.Response:
    return session.post(
        f"{served.url}/reports/{DAY.isoformat()}/photos",
        data={"category": str(category_ids()["exterior"]), "caption": "Mặt tiền sáng nay"},
        files={"photo": ("IMG_0930.jpg", data, "image/jpeg")},
        allow_redirects=False,
        timeout=60,
    )


def settled_state(photo_id: int) -> str:
    """The photo's state once the step after the answer has finished (it was released)."""
    deadline = time.monotonic() + 60
    while True:
        db.session.expire_all()
        [photo] = [p for p in stored_photos() if p.id == photo_id]
        if photo.pixels != PixelState.PENDING or time.monotonic() > deadline:
            return photo.pixels
        time.sleep(0.05)


def test_the_answer_comes_before_the_decode_and_a_corrupt_photo_is_then_marked_damaged(
    app, served, held_decode, tmp_path
):
    started, release = held_decode
    session = browser(served)
    data = corrupt_jpeg()

    answer = send_photo(session, served, data)

    # The uploader has the answer while the decode is held: the answer did not wait for it.
    assert answer.status_code == 303
    [photo] = stored_photos()
    assert photo.pixels == PixelState.PENDING
    assert (tmp_path / "photos" / photo.sha256[:2] / photo.sha256).read_bytes() == data, "stored before the answer"
    assert started.wait(60), "the step after the answer did not start"

    release.set()

    assert settled_state(photo.id) == PixelState.UNREADABLE
    assert audit_actions()[-2:] == ["photo.added", "photo.unreadable"]
    assert photo_files(tmp_path) == [Path(photo.sha256[:2]) / photo.sha256], "the original kept, no thumbnail"
    page = Page(session.get(f"{served.url}/reports/{DAY.isoformat()}/photos").text)
    [figure] = figures_on(page)
    assert DAMAGED in figure.text
    assert page.find("img", src=f"/photos/{photo.id}/thumb") == [], "no thumbnail to show"
    line = checklist_line(page)
    assert line.startswith(f"✗ {EXTERIOR}") and "1 ảnh bị hỏng, không tính" in line
    assert session.get(f"{served.url}/photos/{photo.id}/thumb").status_code == 404


def test_a_whole_photo_gets_its_thumbnail_right_after_the_answer(app, served, held_decode, tmp_path):
    _, release = held_decode
    session = browser(served)
    data = camera_jpeg()

    answer = send_photo(session, served, data)

    assert answer.status_code == 303
    [photo] = stored_photos()
    assert not storage.thumbnail_path(photo.sha256).exists(), "the decode was held: no thumbnail yet"
    release.set()
    assert settled_state(photo.id) == PixelState.READABLE
    assert storage.thumbnail_path(photo.sha256).is_file()
    page = Page(session.get(f"{served.url}/reports/{DAY.isoformat()}/photos").text)
    assert checklist_line(page) == f"✓ {EXTERIOR} (1)"
    assert DAMAGED not in page.text("photo-grid")


# --- Nothing depends on the step after the answer ----------------------------------------------------


def test_the_thumbnail_is_made_when_asked_for_if_the_step_after_the_answer_never_ran(app, staff, tmp_path):
    upload(staff, camera_jpeg(), settle=False)  # as if the worker died right after answering
    [photo] = stored_photos()
    assert photo.pixels == PixelState.PENDING
    assert not storage.thumbnail_path(photo.sha256).exists()

    page = photos_page(staff)  # the page itself does not decode anything
    assert checklist_line(page) == f"✓ {EXTERIOR} (1)"
    thumb = fetch(staff, f"/photos/{photo.id}/thumb")

    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert (image.format, image.size) == ("JPEG", (480, 360))
    assert [p.pixels for p in stored_photos()] == [PixelState.READABLE]


def test_a_lost_thumbnail_is_made_again_when_asked_for(app, staff, tmp_path):
    upload(staff, camera_jpeg())
    [photo] = stored_photos()
    kept = storage.thumbnail_path(photo.sha256).read_bytes()
    storage.thumbnail_path(photo.sha256).unlink()

    thumb = fetch(staff, f"/photos/{photo.id}/thumb")

    assert thumb.status_code == 200
    assert thumb.data == kept == storage.thumbnail_path(photo.sha256).read_bytes()


def test_a_corrupt_photo_whose_step_never_ran_is_found_when_its_thumbnail_is_asked_for(app, staff, tmp_path):
    upload(staff, corrupt_jpeg(), settle=False)
    [photo] = stored_photos()

    assert fetch(staff, f"/photos/{photo.id}/thumb").status_code == 404

    assert [p.pixels for p in stored_photos()] == [PixelState.UNREADABLE]
    assert audit_actions().count("photo.unreadable") == 1
    assert fetch(staff, f"/photos/{photo.id}/thumb").status_code == 404
    assert audit_actions().count("photo.unreadable") == 1, "marked once, whoever finds it again"
    [figure] = figures_on(photos_page(staff))
    assert DAMAGED in figure.text


def test_start_up_decodes_the_photos_a_killed_worker_left_pending(app, staff, monkeypatch):
    upload(staff, camera_jpeg(), settle=False)  # killed after the answer, before the decode
    upload(staff, corrupt_jpeg(), settle=False)
    assert [p.pixels for p in stored_photos()] == [PixelState.PENDING, PixelState.PENDING]
    monkeypatch.setattr(app, "testing", False)  # start-up work is skipped in tests otherwise

    sweep_at_start(app)  # what each worker does when it starts

    whole, damaged = stored_photos()
    assert (whole.pixels, damaged.pixels) == (PixelState.READABLE, PixelState.UNREADABLE)
    assert storage.thumbnail_path(whole.sha256).is_file()
    assert audit_actions().count("photo.unreadable") == 1
