"""Checking a signed report PDF from the file alone: who signed, when, through which chain, whether
each signature is intact and covers the whole document, and which payload the document carries.

The payload the leader signed travels inside the PDF as an embedded file (``payload.json``, with
the compact JWS as ``report.jws``), so anyone can recompute its SHA-256 and compare it with the
QR code and with what the city received. Pure functions of bytes: no Flask.

Every PDF read here may be hostile (uploaded to ``/verify``, pushed as a report's ``pdf`` part): what
reading it may cost is bounded. Only the embedded files this module reads are decompressed, each
by a streaming decompressor that stops past ``MAX_EMBEDDED_BYTES`` (``TooLarge``); other
attachments are never decompressed; printed text is read from a few pages, each stream capped;
pyHanko reads signatures under ``DECODE_LIMITS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from wardapp.core.months import SUFFIX as MONTH_SUFFIX
from wardapp.core.payload import is_report_id
from wardapp.core.pdf.threads import outside_event_loop

PAYLOAD_NAME, JWS_NAME = "payload.json", "report.jws"
# One embedded file read decompressed, at most: a report's JWS is at most 2 MB (the intake's form
# field limit), so its payload is smaller; a month document lists at most 31 days.
MAX_EMBEDDED_BYTES = 4 * 1000 * 1000
# A document made before payloads were embedded prints its report id and payload hash: its text is
# read from this many pages, each content stream at most MAX_TEXT_STREAM decompressed.
TEXT_PAGES = 12
MAX_TEXT_STREAM = 4 * 1000 * 1000
MiB = 1024 * 1024
NO_SIGNATURE = "no signature"  # PdfCheck.error of a PDF that carries none


class TooLarge(ValueError):
    """An embedded file decompresses beyond what any genuine one holds: the PDF is not read."""

    def __init__(self, name: str, limit: int = MAX_EMBEDDED_BYTES):
        super().__init__(f"embedded file {name[:80]!r} decompresses beyond {limit} bytes")
        self.name, self.limit = name, limit


def _bounded_pypdf(limit: int) -> Any:
    """pypdf decompressing at most ``limit`` bytes per stream (its LimitReachedError past it), in
    this thread only."""
    import pypdf

    decoders = ("zlib", "lzw", "run_length", "brotli", "jbig2", "array_based_stream")  # each its own option
    outputs: dict[str, Any] = {f"{decoder}_maximum_output_length": limit for decoder in decoders}
    return pypdf.apply_configuration(
        **outputs, image_maximum_buffer_size=limit, stream_decoding_work_maximum_length=2 * limit
    )


def decode_limits() -> Any:
    """What pyHanko may decompress while checking signatures: a report's pages, fonts and object
    streams are a few MB; no genuine stream is near 32 MiB."""
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits

    return DecodeLimits(
        per_stream=StreamDecodeLimits(max_output_size=32 * MiB),
        document_budget=DocumentDecodeBudget(base_allowance=96 * MiB, max_ratio=4),
    )


@dataclass(frozen=True)
class SignatureCheck:
    """One signature as a person reads it."""

    field: str
    signer: str  # the certificate's common name
    organisation: str
    signing_time: dt.datetime | None  # what the signer's CMS claims
    chain: list[str]  # subjects from the signer up to the trust anchor (or as embedded when untrusted)
    intact: bool  # the signed bytes are unchanged and the signature value is right
    trusted: bool  # the certificate chains to a configured trust root
    whole_document: bool  # nothing but later signatures and validation data was added after it
    timestamp: dt.datetime | None = None  # an RFC 3161 timestamp's time, when there is one
    timestamp_valid: bool | None = None
    validation_data: bool = False  # the document has a DSS (PAdES B-LT)
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and self.whole_document and self.error is None


@dataclass(frozen=True)
class PdfCheck:
    signatures: list[SignatureCheck] = field(default_factory=list)
    payload: bytes | None = None  # the embedded payload.json, when present
    jws: str | None = None
    error: str | None = None  # the file could not be read as a signed PDF at all

    @property
    def payload_sha256(self) -> str | None:
        return hashlib.sha256(self.payload).hexdigest() if self.payload is not None else None

    @property
    def report_id(self) -> str | None:
        """The payload's ``report_id`` when it has the protocol's form; a hostile document may put a
        number, a list or a path there."""
        try:
            found = json.loads(self.payload)["report_id"] if self.payload else None
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        return found if is_report_id(found) else None

    @property
    def valid(self) -> bool:
        """Every signature valid, and at least one."""
        return self.error is None and bool(self.signatures) and all(s.valid for s in self.signatures)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _name(cert: Any, attribute: str) -> str:
    try:
        return str(cert.subject.native.get(attribute, ""))
    except Exception:  # a malformed name in a hostile file
        return ""


def _read_wanted(name: str) -> bool:
    """The embedded files this module reads: the payload, its JWS, a month document."""
    return name in (PAYLOAD_NAME, JWS_NAME) or name.endswith((".payload.json", ".jws", MONTH_SUFFIX))


def embedded_files(
    data: bytes, wanted: Callable[[str], bool] = _read_wanted, limit: int = MAX_EMBEDDED_BYTES
) -> dict[str, bytes]:
    """The PDF's embedded payload, JWS and month document by name (or those ``wanted`` names;
    empty when it has none or cannot be read); no other attachment is decompressed. Raises
    ``TooLarge`` when one of those decompresses beyond ``limit``."""
    import pypdf
    from pypdf.errors import LimitReachedError

    found: dict[str, bytes] = {}
    with _bounded_pypdf(limit):
        try:
            for entry in pypdf.PdfReader(io.BytesIO(data)).attachment_list:
                name = entry.name
                if name in found or not wanted(name):
                    continue
                try:
                    content = entry.content
                except LimitReachedError:
                    raise TooLarge(name, limit) from None
                if len(content) > limit:  # stored uncompressed
                    raise TooLarge(name, limit)
                found[name] = content
        except TooLarge:
            raise
        except Exception:  # a malformed file: nothing embedded we can read
            return {}
    return found


def printed_text(data: bytes) -> str:
    """The text of the first ``TEXT_PAGES`` pages ("" when the file cannot be read), each content
    stream decompressed up to ``MAX_TEXT_STREAM``."""
    import pypdf

    with _bounded_pypdf(MAX_TEXT_STREAM):
        try:
            pages = pypdf.PdfReader(io.BytesIO(data)).pages
            return " ".join(pages[i].extract_text() or "" for i in range(min(len(pages), TEXT_PAGES)))
        except Exception:  # a malformed or too costly page: no text to read
            return ""


def signed_payload(files: dict[str, bytes]) -> bytes | None:
    """The embedded payload: ``payload.json``, or ``<report>.payload.json`` as the PDF/A builder
    names its associated file."""
    return _named(files, PAYLOAD_NAME, ".payload.json")


def month_document(files: dict[str, bytes]) -> bytes | None:
    """The JSON a signed month document embeds (``core.months``): which signed days it summarises."""
    found = [data for name, data in sorted(files.items()) if name.endswith(MONTH_SUFFIX)]
    return found[0] if len(found) == 1 else None


def signed_jws(files: dict[str, bytes]) -> bytes | None:
    return _named(files, JWS_NAME, ".jws")


def _named(files: dict[str, bytes], exact: str, suffix: str) -> bytes | None:
    if exact in files:
        return files[exact]
    found = [data for name, data in sorted(files.items()) if name.endswith(suffix)]
    return found[0] if len(found) == 1 else None


def attach_payload(pdf: bytes, payload: bytes, jws: str) -> bytes:
    """Embed the signed payload and its JWS (as an incremental update) unless the builder already
    did (the PDF/A builder carries them as associated files)."""
    if signed_payload(embedded_files(pdf)) is not None:
        return pdf
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for name, data, mime, description in (
        (PAYLOAD_NAME, payload, "application/json", "Nội dung báo cáo đã ký (JSON)"),
        (JWS_NAME, jws.encode("ascii"), "application/jose", "Chữ ký JWS của nội dung"),
    ):
        spec = embed.FileSpec(
            file_spec_string=name,
            file_name=name,
            embedded_data=embed.EmbeddedFileObject.from_file_data(writer, data=data, mime_type=mime),
            description=description,
        )
        embed.embed_file(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def check_pdf(data: bytes, trusted: list[x509.Certificate]) -> PdfCheck:
    """Every signature of ``data`` checked against ``trusted`` roots. Never raises: pyHanko raises
    on some kinds of tampering, and an exception is "not valid" with its reason; an embedded file
    too large to read is an ``error`` with no signature checked."""
    result: PdfCheck = outside_event_loop(_check_pdf, data, trusted)
    return result


def _check_pdf(data: bytes, trusted: list[x509.Certificate]) -> PdfCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    try:
        files = embedded_files(data)
    except TooLarge as error:
        return PdfCheck([], None, None, error=str(error))
    payload = signed_payload(files)
    jws_bytes = signed_jws(files)
    jws = jws_bytes.decode("ascii", "replace") if jws_bytes else None
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=decode_limits())
        embedded = list(reader.embedded_signatures)
        has_dss = "/DSS" in reader.root
    except Exception as error:
        return PdfCheck([], payload, jws, error=f"{type(error).__name__}: {error}")
    roots = [_asn1(c) for c in trusted]
    checks = [_check_one(sig, roots, has_dss, ValidationContext) for sig in embedded]
    return PdfCheck(checks, payload, jws, error=None if embedded else NO_SIGNATURE)


def _check_one(sig: Any, roots: Any, has_dss: bool, context_type: Any) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature

    name = str(sig.field_name)
    try:
        cert = sig.signer_cert
        signer, organisation = _name(cert, "common_name"), _name(cert, "organization_name")
    except Exception:
        cert, signer, organisation = None, "", ""
    try:
        context = context_type(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except Exception as error:
        return SignatureCheck(name, signer, organisation, None, [], False, False, False, error=_reason(error))
    path = list(status.validation_path.iter_certs(include_root=True)) if status.validation_path else []
    chain = [c.subject.human_friendly for c in reversed(path)] or ([cert.subject.human_friendly] if cert else [])
    coverage = status.coverage.name if status.coverage else ""
    whole = coverage == "ENTIRE_FILE" or (coverage == "ENTIRE_REVISION" and bool(status.docmdp_ok))
    stamp = status.timestamp_validity
    return SignatureCheck(
        field=name,
        signer=signer,
        organisation=organisation,
        signing_time=status.signer_reported_dt,
        chain=chain,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_document=whole,
        timestamp=stamp.timestamp if stamp else None,
        timestamp_valid=bool(stamp.intact and stamp.valid and stamp.trusted) if stamp else None,
        validation_data=has_dss,
    )


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:300]
