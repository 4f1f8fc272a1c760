"""Deciding what an uploaded file is, by its content alone, and reading its EXIF.

Pure: bytes in, facts or a refusal out. The uploaded name and declared type are never trusted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from wardapp.core import text
from wardapp.core.clock import TZ
from wardapp.core.i18n import fmt_number
from wardapp.core.i18n import gettext as _
from wardapp.core.inputs import FIRST_DAY, LAST_DAY

pillow_heif.register_heif_opener()  # HEIC/HEIF from iPhones

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}
THUMB_SIZE = (480, 480)

EXIF_IFD = 0x8769
GPS_IFD = 0x8825


class PhotoRejected(ValueError):
    """An upload refused, with the message to show next to the file field."""


@dataclass(frozen=True)
class ImageFacts:
    sha256: str
    content_type: str
    bytes: int
    width: int
    height: int
    taken_at: dt.datetime | None  # Vietnam time, naive
    camera: str
    gps: tuple[float, float] | None


def megabytes(size: int, *, round_up: bool = False) -> str:
    """``size`` bytes in MB for people, with a decimal only when needed ("0,2", "15").

    ``round_up`` for a file over a limit, so that it never reads as the same size as the limit.
    """
    tenths = -(-size // 100_000) if round_up else round(size / 100_000)
    return fmt_number(tenths / 10, 0 if tenths % 10 == 0 else 1)


@dataclass(frozen=True)
class CheckedPhoto:
    facts: ImageFacts
    thumbnail: bytes  # a small upright JPEG for lists and the PDF grid


# The formats whose full decode may wait until after the uploader's answer: their structure is
# checked at once (``_jpeg_complete``), so the common failure, a truncated upload, is still refused
# then. The others are decoded in the request (``check``): no cheap structural check covers them.
DECODED_LATER = frozenset({"image/jpeg"})


def check(data: bytes, *, max_bytes: int, max_pixels: int) -> CheckedPhoto:
    """Accept a photo that decodes completely and make its thumbnail: ``check_header`` then
    ``thumbnail``, everything before an answer."""
    facts = check_header(data, max_bytes=max_bytes, max_pixels=max_pixels)
    return CheckedPhoto(facts, thumbnail_now(data))


def thumbnail_now(data: bytes) -> bytes:
    """The thumbnail, made before the answer: a photo that does not decode is refused
    (PhotoRejected, with the message shown next to the file field)."""
    try:
        return thumbnail(data)
    except PhotoUnreadable:
        raise PhotoRejected(unreadable_message()) from None


def check_header(data: bytes, *, max_bytes: int, max_pixels: int) -> ImageFacts:
    """What an upload's answer must know at once, without decoding a pixel: the size limit, the
    format (by content), the dimensions against the pixel limit, the EXIF facts, the SHA-256, and
    for a JPEG that its structure is complete (a truncated upload is refused here).

    A photo that passes may still hold corrupt data in the middle: ``thumbnail`` finds that.
    """
    if not data:
        raise PhotoRejected(_("Tệp rỗng: không có ảnh nào được gửi lên."))
    if len(data) > max_bytes:
        raise PhotoRejected(
            _(
                "Ảnh quá lớn: %(size)s MB, tối đa %(max)s MB.",
                size=megabytes(len(data), round_up=True),
                max=megabytes(max_bytes),
            )
        )
    with warnings.catch_warnings():
        # Pillow warns at open above its own soft limit, before we can say the size; our check on
        # the header (below, before any pixel is decoded) is the one that refuses. Above Pillow's
        # hard limit it raises, and the file is refused with a general message.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                if kind not in CONTENT_TYPES:
                    raise PhotoRejected(_("Chỉ nhận ảnh JPEG, PNG, WebP hoặc HEIC."))
                width, height = image.size
                if width * height > max_pixels:
                    raise PhotoRejected(_bomb_message(width, height))
                if kind == "JPEG" and not _jpeg_complete(data):
                    raise PhotoRejected(unreadable_message())
                exif = image.getexif()
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(_("Ảnh có số điểm ảnh bất thường, bị từ chối để bảo vệ máy chủ.")) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise PhotoRejected(unreadable_message()) from None
    return ImageFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=CONTENT_TYPES[kind],
        bytes=len(data),
        width=width,
        height=height,
        taken_at=capture_time(exif),
        camera=camera_name(exif),
        gps=gps_position(exif),
    )


def unreadable_message() -> str:
    return _("Tệp này không phải ảnh JPEG, PNG, WebP hoặc HEIC đọc được.")


# Start-of-frame markers (SOF0–SOF15 without DHT C4, JPG C8 and DAC CC): the frame header.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA


def _jpeg_complete(data: bytes) -> bool:
    """A JPEG's structure without decoding it: the start-of-image marker first, then marker
    segments (each with its length) with a frame header before the first start-of-scan, and an
    end-of-image marker after that scan.

    Inside entropy-coded data a 0xFF byte is always followed by 0x00 or a restart marker, so
    ``FF D9`` after the scan is the end of the image: a truncated upload has none. Bytes after
    it (zero padding, the video a "motion photo" camera appends) are allowed, as the decoder
    stops at the end-of-image marker too. Corrupt data inside a scan is not seen here.
    """
    if not data.startswith(b"\xff\xd8"):
        return False
    position, framed, size = 2, False, len(data)
    while position + 4 <= size:
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in (_SOI, _EOI) or 0xD0 <= marker <= 0xD7:  # no segment may start here
            return False
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if length < 2:
            return False
        framed = framed or marker in _SOF_MARKERS
        if marker == _SOS:
            # Searched from the end: a whole file ends with it (or a little after), so this is
            # immediate; entropy-coded data is full of 0xFF bytes, which slow a forward search.
            return framed and data.rfind(b"\xff\xd9", position + 2 + length) != -1
        position += 2 + length
    return False


def _bomb_message(width: int, height: int) -> str:
    return _(
        "Ảnh %(w)s × %(h)s điểm ảnh quá lớn, bị từ chối để bảo vệ máy chủ.", w=fmt_number(width), h=fmt_number(height)
    )


def capture_time(exif: Image.Exif) -> dt.datetime | None:
    """When the camera says the photo was taken (not when the file was last changed)."""
    sub = exif.get_ifd(EXIF_IFD)
    raw = sub.get(ExifTags.Base.DateTimeOriginal) or sub.get(ExifTags.Base.DateTimeDigitized)
    if not raw:
        return None
    try:
        moment = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (ValueError, TypeError):
        return None
    offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
    if offset:
        try:
            aware = dt.datetime.strptime(f"{moment:%Y-%m-%d %H:%M:%S}{str(offset).strip()}", "%Y-%m-%d %H:%M:%S%z")
            moment = aware.astimezone(TZ).replace(tzinfo=None)
        except (ValueError, OverflowError):  # 9999:12:31 at -12:00 is past year 9999 in Vietnam
            pass
    return moment if FIRST_DAY <= moment.date() <= LAST_DAY else None


def camera_name(exif: Image.Exif) -> str:
    make = str(exif.get(ExifTags.Base.Make, "") or "").strip("\x00 ")
    model = str(exif.get(ExifTags.Base.Model, "") or "").strip("\x00 ")
    if make and model.lower().startswith(make.lower()):
        make = ""
    # Written by the camera, not typed: its hidden characters are dropped (core/text), not refused.
    return text.without_forbidden(" ".join(p for p in (make, model) if p))[:120]


def _degrees(value: tuple[float, float, float]) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600


def gps_position(exif: Image.Exif) -> tuple[float, float] | None:
    gps = exif.get_ifd(GPS_IFD)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude])
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if str(gps.get(ExifTags.GPS.GPSLatitudeRef, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(ExifTags.GPS.GPSLongitudeRef, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 6), round(lon, 6)


class PhotoUnreadable(ValueError):
    """A stored photo whose pixels cannot be decoded (corrupt data inside the file)."""


def thumbnail(data: bytes) -> bytes:
    """Decode every byte of a photo (at reduced size, ``_decode_small``) and make its small upright
    JPEG for lists and the PDF grid; PhotoUnreadable if the decode fails. No limit is checked here:
    ``check_header`` did that when the photo was accepted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                _decode_small(image)
                return _thumbnail_of(image)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            raise PhotoUnreadable(str(error)) from None


def _decode_small(image: Image.Image) -> None:
    """Decode every pixel; a JPEG at the smallest DCT scale still at least the thumbnail's size, the
    others at full size. libjpeg's 1/8 scale averages each 8×8 block (a clean box filter), so the
    thumbnail resampled from it looks as good as from 1/4, and the inverse transforms cost an eighth
    (docs/PERFORMANCE-LOG.md, the 10 MB upload)."""
    if image.format == "JPEG":
        width, height = image.size
        scale = min(THUMB_SIZE[0] / width, THUMB_SIZE[1] / height, 1.0)
        image.draft("RGB", (int(width * scale), int(height * scale)))
    image.load()


def _thumbnail_of(opened: Image.Image) -> bytes:
    image: Image.Image = ImageOps.exif_transpose(opened)
    image.thumbnail(THUMB_SIZE)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def display_name(name: str | None) -> str:
    """The uploaded name, for showing only: no folders, no control characters, bounded."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    return cleaned[:200]
