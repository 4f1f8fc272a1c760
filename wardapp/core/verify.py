"""Receiving a push (PROTOCOL "Transport"): verify everything before storing anything.

``check_push`` is pure apart from the key lookup it is given: it takes the JWS and the uploaded
files and returns what to store, or raises Refusal with the status and error code PROTOCOL fixes.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from joserfc import jws
from joserfc.jwk import OKPKey
from PIL import Image

from wardapp.core import schema, units
from wardapp.core.images import CONTENT_TYPES
from wardapp.core.pdf import verification
from wardapp.core.pdf.verification import SignatureCheck

ACCEPTED_ALGS = ("Ed25519", "EdDSA")
# As the commune refuses at upload: more is a decompression bomb (and would break the city's PDFs).
PHOTO_MAX_PIXELS = 100_000_000

MAX_REVISION = 999_999


class Refusal(Exception):
    """A push refused with PROTOCOL's status and error code; ``reason`` (additive) narrows the code
    where the cure differs, e.g. ``bad_pdf`` because only the commune's CA is not enrolled."""

    def __init__(self, status: int, error: str, detail: str, reason: str | None = None):
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail
        self.reason = reason


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class VerifiedPush:
    payload_bytes: bytes
    payload: dict[str, Any]
    payload_sha256: str
    kid: str
    commune_code: str
    photos: dict[str, Upload]  # by sha256, exactly the listed ones


def _b64json(part: str) -> dict[str, Any]:
    padded = part + "=" * (-len(part) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    return decoded


def protected_header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise Refusal(400, "malformed_request", "the report field is not a compact JWS")
    try:
        header = _b64json(parts[0])
    except (ValueError, UnicodeError, RecursionError):  # RecursionError: hostile deep nesting
        raise Refusal(400, "malformed_request", "the JWS header is not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("kid"), str):
        raise Refusal(400, "malformed_request", "the JWS header has no kid")
    return header


KeyLookup = Callable[[str], tuple[OKPKey, str] | None]  # kid → (public key, commune code)


Uploads = list[Upload] | Callable[[], list[Upload]]


def check_push(token: str, uploads: Uploads, lookup: KeyLookup) -> VerifiedPush:
    """``uploads`` may be a function: the photos are then read only once the signature and the
    payload have passed (a forged push costs the intake no photo reading)."""
    return with_photos(check_report(token, lookup), uploads)


def with_photos(push: VerifiedPush, uploads: Uploads) -> VerifiedPush:
    """``push`` with its photos: every listed one, and nothing else, among ``uploads``."""
    if callable(uploads):
        uploads = uploads()
    return dataclasses.replace(push, photos=_match_photos(push.payload["photos"], uploads))


def check_report(token: str, lookup: KeyLookup) -> VerifiedPush:
    """The JWS alone: its signature by an enrolled key, the payload's schema and commune. The
    intake runs this as soon as the ``report`` part is read, before any other part is buffered;
    the result has no photos yet (``with_photos``)."""
    header = protected_header(token)
    if header.get("alg") not in ACCEPTED_ALGS:
        raise Refusal(422, "bad_signature", f"algorithm {header.get('alg')!r} is not accepted")
    if "crit" in header:  # RFC 7515: an empty list is invalid, and we understand no extension
        raise Refusal(422, "bad_signature", "the JWS header's crit is not accepted")
    found = lookup(header["kid"])
    if found is None:
        raise Refusal(401, "unknown_key", f"no enrolled commune has key {header['kid']}")
    key, commune_code = found
    try:
        verified = jws.deserialize_compact(token, key, algorithms=list(ACCEPTED_ALGS))
    except Exception as error:
        raise Refusal(422, "bad_signature", f"the signature does not verify: {type(error).__name__}") from None
    payload_bytes = verified.payload
    try:
        payload = json.loads(payload_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refusal(422, "schema_violation", "the payload is not UTF-8 JSON") from None
    problems = schema.problems(payload)
    if problems:
        raise Refusal(422, "schema_violation", "; ".join(problems[:5]))
    if payload["revision"] > MAX_REVISION:
        # No commune corrects a day a million times; a larger number is no revision a database
        # column (or a report id) holds.
        raise Refusal(422, "schema_violation", f"revision {payload['revision']} is beyond {MAX_REVISION}")
    expected_id = f"{payload['commune']['code']}:{payload['date']}:r{payload['revision']}"
    if payload["report_id"] != expected_id:
        raise Refusal(422, "schema_violation", f"report_id should be {expected_id}")
    previous = payload["revision"] - 1
    expected_supersedes = f"{payload['commune']['code']}:{payload['date']}:r{previous}" if previous else None
    if payload["supersedes"] != expected_supersedes:
        raise Refusal(422, "schema_violation", f"supersedes should be {expected_supersedes}")
    if payload["commune"]["code"] != commune_code:
        raise Refusal(
            422,
            "commune_mismatch",
            f"the payload is for commune {payload['commune']['code']}, the key is enrolled for {commune_code}",
        )
    unit = units.find(commune_code)
    if unit is None or (payload["commune"]["name"], payload["commune"]["province_code"]) != (
        unit.name,
        unit.province_code,
    ):
        raise Refusal(422, "commune_mismatch", f"{commune_code} is not named so in the official list of units")
    return VerifiedPush(
        payload_bytes,
        payload,
        hashlib.sha256(payload_bytes).hexdigest(),
        header["kid"],
        commune_code,
        {},
    )


def _match_photos(listed: list[dict[str, Any]], uploads: list[Upload]) -> dict[str, Upload]:
    """Every listed photo must arrive with the listed hash and size; nothing else may arrive."""
    received = {u.sha256: u for u in uploads}
    if len(received) < len(uploads):
        raise Refusal(422, "photo_mismatch", "the same photo was sent more than once")
    if len({p["sha256"] for p in listed}) < len(listed):
        raise Refusal(422, "photo_mismatch", "the same photo is listed more than once")
    matched = {}
    for photo in listed:
        upload = received.get(photo["sha256"])
        if upload is None:
            if len(uploads) >= len(listed):
                raise Refusal(422, "photo_mismatch", f"no uploaded photo has the hash of {photo['filename']}")
            raise Refusal(422, "photo_missing", f"photo {photo['filename']} ({photo['sha256'][:12]}…) is missing")
        if len(upload.data) != photo["bytes"]:
            raise Refusal(422, "photo_mismatch", f"photo {photo['filename']} has another size")
        if image_type(upload.data) != photo["content_type"]:
            raise Refusal(422, "photo_mismatch", f"photo {photo['filename']} is not a {photo['content_type']} image")
        matched[photo["sha256"]] = upload
    extra = set(received) - set(matched)
    if extra:
        raise Refusal(422, "photo_mismatch", f"{len(extra)} uploaded photo(s) are not listed in the report")
    return matched


def image_type(data: bytes) -> str | None:
    """What the bytes really are (JPEG, PNG, WebP, HEIC), read from the image header only; None for
    anything else, or for a picture with more pixels than a photo has."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > PHOTO_MAX_PIXELS:
                    return None
                return CONTENT_TYPES.get(image.format or "")
        except Exception:
            return None


PDF_ERROR = "bad_pdf"
# The one bad_pdf whose cure is at the city: intact signatures over the whole file, but the city has
# not enrolled the CA they chain to (the commune resends nothing; the city enrols the CA).
UNTRUSTED_CA = "untrusted_ca"


def check_pdf_part(pdf: bytes, push: VerifiedPush, trusted: list[x509.Certificate]) -> None:
    """The push's ``pdf`` part must be the commune's signed copy of this very payload: every
    signature intact, chained to the commune's enrolled roots and covering the whole file, and the
    embedded payload byte for byte the JWS payload. Refusal(422, "bad_pdf") otherwise."""
    checked = verification.check_pdf(pdf, trusted)
    if not checked.signatures:
        unread = checked.error not in (None, verification.NO_SIGNATURE)  # e.g. an embedded file too large
        detail = f"the pdf part could not be read: {checked.error}" if unread else "the pdf part carries no signature"
        raise Refusal(422, PDF_ERROR, detail)
    for signature in checked.signatures:
        if not signature.valid:
            only_trust = signature.intact and signature.whole_document and not signature.error
            raise Refusal(
                422,
                PDF_ERROR,
                f"signature {signature.field} does not verify: {_why(signature)}",
                UNTRUSTED_CA if only_trust and not signature.trusted else None,
            )
    if checked.payload is None:
        raise Refusal(422, PDF_ERROR, f"the pdf part embeds no {verification.PAYLOAD_NAME}")
    if checked.payload != push.payload_bytes:
        digest = hashlib.sha256(checked.payload).hexdigest()
        raise Refusal(422, PDF_ERROR, f"the pdf part embeds another payload (SHA-256 {digest[:16]}…)")


def _why(signature: SignatureCheck) -> str:
    if signature.error:
        return signature.error
    if not signature.intact:
        return "the signed bytes were changed"
    if not signature.trusted:
        return "the certificate does not chain to the commune's enrolled CA"
    return "the document was changed after it was signed"
