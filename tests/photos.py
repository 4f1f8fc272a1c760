"""Photo helpers the ``test_photo_*`` modules share: images of every kind, uploading, what is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zlib
from pathlib import Path

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from wardapp.audit.models import AuditEvent
from wardapp.evidence.models import Photo, PhotoCategory
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from . import factories
from .conftest import make_app
from .helpers import TODAY, Page

DAY = TODAY - dt.timedelta(days=2)  # the report's day in these tests (a past, editable day)


_shade = iter(range(1, 10_000))


def picture(size=(64, 48), mode="RGB") -> Image.Image:
    """A small picture whose pixels differ from every other one made here (no accidental duplicates)."""
    n = next(_shade)
    colour = ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)
    if mode == "RGBA":
        colour += (200,)
    image = Image.new(mode, size, colour)
    image.putpixel((0, 0), (n % 256, n // 256 % 256, 7) + (() if mode == "RGB" else (255,)))
    return image


def encode(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def jpeg(exif: Image.Exif | None = None, size=(64, 48)) -> bytes:
    return encode(picture(size), "JPEG", **({"exif": exif} if exif is not None else {}))


def png(size=(64, 48)) -> bytes:
    return encode(picture(size, "RGBA"), "PNG")


def webp(size=(64, 48)) -> bytes:
    return encode(picture(size), "WEBP")


def camera_exif(
    taken: dt.datetime | None = None,
    *,
    offset: str | None = None,
    make: str = "samsung",
    model: str = "Galaxy A54 5G",
    gps: tuple | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    """EXIF as a phone writes it: 0x010F Make, 0x0110 Model, the Exif IFD (0x8769) with
    0x9003 DateTimeOriginal and 0x9011 OffsetTimeOriginal, and the GPS IFD (0x8825).

    ``gps`` is ``(lat_ref, (d, m, s), lon_ref, (d, m, s))``.
    """
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    if orientation is not None:
        exif[0x0112] = orientation
    if taken is not None or offset is not None:
        sub = exif.get_ifd(0x8769)
        if taken is not None:
            sub[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        if offset is not None:
            sub[0x9011] = offset
    if gps is not None:
        lat_ref, lat, lon_ref, lon = gps
        exif.get_ifd(0x8825).update({1: lat_ref, 2: tuple(map(float, lat)), 3: lon_ref, 4: tuple(map(float, lon))})
    return exif


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def png_claiming(width: int, height: int) -> bytes:
    """A ~100-byte PNG whose header claims ``width`` × ``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def category_ids(commune_id: int | None = None) -> dict[str, int]:
    query = db.select(PhotoCategory)
    if commune_id is not None:
        query = query.filter_by(commune_id=commune_id)
    return {c.key: c.id for c in db.session.scalars(query)}


def upload(
    client,
    data: bytes,
    filename: str = "anh.jpg",
    *,
    category: int | str | None = "exterior",
    caption: str = "",
    htmx: bool = False,
    day: dt.date = DAY,
    settle: bool = True,
):
    """POST the upload form as a browser (or htmx, with ``htmx=True``) sends it.

    ``settle=False`` never closes the response, so the step after the answer never runs: as if
    the worker were killed right after answering.

    ``category`` is a category key, or the raw value to send. The body is encoded in memory: the
    test client would spool a big one to a temporary file it never closes.
    """
    ids = category_ids()
    value = ids.get(category, category) if isinstance(category, str) else category
    fields = {
        "photo": FileStorage(io.BytesIO(data), filename=filename, content_type="application/octet-stream"),
        "caption": caption,
        "category": "" if value is None else str(value),
    }
    boundary, body = encode_multipart(fields)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/reports/{day.isoformat()}/photos",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
        # A server closes the response once it has sent it, which runs the step after the answer
        # (a JPEG's decode): the buffered test client does that too; unbuffered, it never runs.
        buffered=settle,
    )


def fetch(client, url: str, **kwargs):
    """GET a photo and close the response (a served file stays open until then)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def photos_page(client, day: dt.date = DAY) -> Page:
    response = client.get(f"/reports/{day.isoformat()}/photos")
    assert response.status_code == 200
    return Page.of(response)


def photo_files(instance: Path) -> list[Path]:
    """Every file under ``instance/photos`` (originals, thumbnails, half-written temporaries)."""
    root = instance / "photos"
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored_photos() -> list[Photo]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Photo).order_by(Photo.id)))


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def figures_on(page: Page) -> list:
    return page.find("figure", cls="photo")


def assert_nothing_stored(instance: Path, day: dt.date = DAY) -> None:
    assert stored_photos() == []
    assert "photo.added" not in audit_actions()
    assert photo_files(instance) == []
    assert db.session.scalar(db.select(DailyReport).filter_by(date=day)) is None, (
        "the draft created for the refused upload was kept"
    )


def small_limits_app(tmp_path, migrated_db, **config):
    """An app with its own limits, its commune and the four personas (instead of ``app``/``users``)."""
    app = make_app(tmp_path, migrated_db, **config)
    context = app.app_context()
    context.push()
    commune = factories.make_commune()
    for role in ("staff", "leader", "reviewer", "admin"):
        factories.make_user(commune, role)
    return app, context
