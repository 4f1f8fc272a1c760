"""The PAdES signatures on a daily report PDF: the leader's, then the commune's.

Both are incremental updates over the bytes the layout builder produced (so a PDF/A file stays
PDF/A), and every time in them (the signature dictionary's /M and the CMS signing-time) is the
revision's ``signed_at``, the moment the leader clicked. With a time-stamping URL each signature
also gets an RFC 3161 timestamp; with validation data on, the chains' certificates and revocation
data are embedded (PAdES B-LT). The keys come from ``certificates`` (a key file or a PKCS#11
token). Pure functions of bytes and file paths: no Flask.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import math
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import aiohttp
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from wardapp.core.files import write_atomic
from wardapp.core.pdf import certificates, fonts, verification
from wardapp.core.pdf.certificates import CERT_FILE, CHAIN_FILE, KEY_FILE, certificate, import_pkcs12
from wardapp.core.pdf.threads import outside_event_loop as _outside_event_loop

__all__ = ["CERT_FILE", "CHAIN_FILE", "KEY_FILE", "certificate", "import_pkcs12"]

# Every character a Vietnamese name, date or "Ký số bởi" can need in the signature appearance.
VIETNAMESE = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-+/()'\"%_"
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
SIGNER_FIELD, ORGANISATION_FIELD = "ChuKyNguoiKy", "ChuKyCoQuan"
FIELD = SIGNER_FIELD  # the first signature (older callers and tests name it so)


def make_self_signed(
    folder: Path, commune_name: str, province_name: str, commune_code: str, *, organization: str | None = None
) -> None:
    """A self-signed certificate, valid ten years, and its key written to ``folder``: a stranger's
    in tests. Communes use ``certificates`` (a local CA)."""
    key, cert = self_signed(commune_name, province_name, commune_code, organization=organization)
    certificates.write_key(folder, key)
    write_atomic(folder / CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    (folder / CHAIN_FILE).unlink(missing_ok=True)


def self_signed(
    commune_name: str, province_name: str, commune_code: str, *, organization: str | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new key and its self-signed certificate, valid ten years: the city department's
    (``organization``) for its consolidated report, until a CA's replaces it."""
    key = ec.generate_private_key(ec.SECP256R1())
    organization = organization or f"UBND {commune_name}"
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organization} ({commune_code})"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        certificates.root_builder(name, key.public_key(), now - dt.timedelta(days=1), now + dt.timedelta(days=3650))
        .add_extension(certificates.key_usage(vouches=True, certifies=True, revokes=False), critical=True)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@cache
def stamp_font() -> str:
    """The signature appearance's font, cut down to Vietnamese once per process.

    pyHanko parses the whole font file at every signature; a full font took most of the signing
    time (measured ~100 ms of ~130 ms), the subset a few milliseconds. The documents' serif
    (Liberation Serif or Tinos), embedded like every other font of the PDF/A file.
    """
    from fontTools import subset
    from fontTools.ttLib.scaleUpem import scale_upem

    source = fonts.font_path("Regular")
    # Named after the source font: a cache made from another font is never picked up.
    name = f"wardapp-stamp-{os.getuid()}-{source.stem}-{len(VIETNAMESE)}-nohint-upm{PDF_GLYPH_UNITS}-names.ttf"
    target = Path(tempfile.gettempdir()) / name
    if not target.exists():
        options = subset.Options()
        options.layout_features = []
        options.hinting = False  # Liberation Serif's TrueType hints are most of its bytes; a stamp needs none
        # Glyph names kept: without them pyHanko's font engine, made at every signature, derived
        # them from the character map for every glyph (a third of making the engine).
        options.glyph_names = True
        # fontTools reads a font file lazily and keeps it open: close it (a ResourceWarning at a
        # random later garbage collection otherwise, which failed an unrelated test).
        font = subset.load_font(str(source), options)
        try:
            subsetter = subset.Subsetter(options)
            subsetter.populate(text=VIETNAMESE)
            subsetter.subset(font)
            # pyHanko writes each glyph's advance into the PDF's widths (/W) as the font states it,
            # but PDF widths are thousandths of an em: with Liberation Serif's 2,048 units per em
            # every letter of the stamp stood a letter apart and its lines ran out of the box.
            scale_upem(font, PDF_GLYPH_UNITS)
            out = io.BytesIO()
            subset.save_font(font, out, options)
        finally:
            font.close()
        write_atomic(target, out.getvalue(), durable=False)  # a cache: rebuilt if lost
    return str(target)


STAMP_FONT_SIZE = 7
PDF_GLYPH_UNITS = 1000  # a PDF font's widths are in thousandths of an em


def _stamp_text_style() -> TextBoxStyle:
    """The stamp's text at one size: pyHanko shapes the glyphs at the font engine's size and draws
    them at the text box's, so the two must be the same (pyHanko issue 733)."""
    return TextBoxStyle(font=_InMemoryFontFactory(stamp_font(), font_size=STAMP_FONT_SIZE), font_size=STAMP_FONT_SIZE)


class _InMemoryFontFactory(GlyphAccumulatorFactory):
    """The stamp's font engine (``_StampFontEngine``) over the stamp font's bytes, read once per
    process: pyHanko's own factory opens the font file at every signature and never closes it (a
    ResourceWarning each time)."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _StampFontEngine(
            writer=writer,
            font_handle=io.BytesIO(_font_bytes(self.font_file)),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


class _StampFontEngine(GlyphAccumulator):
    """pyHanko's engine, embedding the stamp font as it is instead of cutting it again.

    At every signature pyHanko cut the font down to the glyphs the stamp draws and wrote the cut
    font out with fontTools: about a fifth of a signature's time (bench/pdf.py). The stamp font is
    already a subset, cut to Vietnamese once per process (``stamp_font``, some 15 KB), so it goes
    in whole, compressed once per process. The glyph ids drawn are the font's own (pyHanko keeps
    them and maps CIDs to glyphs by /Identity); the widths (/W) list only the glyphs drawn.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base_name = self.cidfont_obj.name.split("+", 1)[-1]
        self.cidfont_obj = _WholeStampFont(self.tt, base_name, self.subset_prefix)

    def _extract_subset(self, options: Any = None) -> None:
        """Nothing to cut: see the class."""


class _WholeStampFont(CIDFontType2):
    """The stamp font's program embedded as made (see ``_StampFontEngine``), from bytes compressed
    once per process."""

    def set_font_file(self, writer: Any) -> generic.IndirectObject:
        program = _font_bytes(stamp_font())
        stream = generic.StreamObject(
            {
                generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode"),
                generic.pdf_name("/Length1"): generic.NumberObject(len(program)),  # a TrueType program's size
            },
            encoded_data=_font_flate(stamp_font()),
        )
        reference: generic.IndirectObject = writer.add_object(stream)
        self._font_descriptor[generic.pdf_name("/FontFile2")] = reference
        return reference


@cache
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


@cache
def _font_flate(path: str) -> bytes:
    return zlib.compress(_font_bytes(path))


def _box(rect: tuple[float, float, float, float] | None) -> tuple[int, int, int, int] | None:
    """A signature field's rectangle in whole points (pyHanko's field box)."""
    if rect is None:
        return None
    x1, y1, x2, y2 = rect
    return round(x1), round(y1), round(x2), round(y2)


@dataclass(frozen=True)
class Party:
    """One signing party: whose material (``certificates`` folder), the name shown, an image (the
    signer's handwritten signature or the organisation's seal, PNG with transparency)."""

    folder: Path | certificates.Pkcs12  # a certificates folder, or a PKCS#12 held in memory (the city)
    name: str
    image: bytes | None = None


@dataclass(frozen=True)
class Services:
    """Optional online services for stronger signatures (configured by the admin)."""

    tsa_url: str | None = None  # RFC 3161 time-stamping authority
    embed_validation_info: bool = False  # PAdES B-LT: fetch OCSP/CRLs for the chains and embed them
    extra_roots: tuple[x509.Certificate, ...] = field(default_factory=tuple)
    timeout: int = 10

    @property
    def online(self) -> bool:
        """Whether signing talks to a server (a TSA, OCSP responders, CRL distribution points)."""
        return bool(self.tsa_url) or self.embed_validation_info


@dataclass(frozen=True)
class Signing:
    """What both signatures say: when, where, why, in whose name."""

    signed_at: dt.datetime  # aware; becomes /M and the CMS signing-time of both signatures
    organisation: str
    location: str
    reason: str
    page: int = -1  # where the appearances go (0-based; -1 the last page): a report's annexes follow it
    seal_mm: float = 0.0  # the seal's real diameter; 0: SEAL_MM


class _ArchivalWriter(IncrementalPdfFileWriter):
    """pyHanko's incremental writer kept within PDF/A-3b, which stands on PDF 1.7: an ECDSA
    signature would declare the ISO 32002 extension and move the catalog to PDF 2.0, and pyHanko
    would append its own Producer to the information dictionary and not to the XMP (PDF/A wants
    them equal). A signature adds itself; the document's version and metadata stay as built."""

    def ensure_output_version(self, version: tuple[int, int]) -> None:
        super().ensure_output_version(min(version, (1, 7)))

    def register_extension(self, ext: Any) -> None:
        """No PDF 2.0 extension is declared in a PDF 1.7 file (ISO 32002: ECDSA in signatures)."""

    def _update_meta(self) -> None:
        """The metadata written at build time is kept (see the class)."""


class _PinnedTimeSigner(signers.PdfSigner):
    """pyHanko stamps its own clock into /M and the signing-time; a document signed when the leader
    clicked must say that moment, whenever the bytes are produced."""

    def __init__(self, *args: Any, signing_time: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@contextlib.contextmanager
def open_signer(folder: Path | certificates.Pkcs12) -> Iterator[signers.Signer]:
    """The party's signer: a key file, or a session on its PKCS#11 token (closed afterwards), or
    an encrypted PKCS#12 held in memory."""
    if isinstance(folder, certificates.Pkcs12):
        loaded = signers.SimpleSigner.load_pkcs12_data(folder.data, [], folder.passphrase)
        if loaded is None:  # pyHanko logged why
            raise ValueError("the PKCS#12 key cannot be read")
        yield _keeping_attributes(loaded)
        return
    token = certificates.token_config(folder)
    if token is None:
        yield _file_signer(*(_file_version(folder / name) for name in (KEY_FILE, CERT_FILE, CHAIN_FILE)))
        return
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    ca_chain = [_asn1(c) for c in certificates.chain(folder)]
    session = pkcs11.open_pkcs11_session(
        token.module, token_criteria=TokenCriteria(label=token.token_label), user_pin=token.user_pin()
    )
    try:
        # Raw mechanisms (CKM_ECDSA, CKM_RSA_PKCS over a digest made here): every token has them,
        # while hash-and-sign ones (CKM_ECDSA_SHA256) are missing on many, SoftHSM2 among them.
        yield _token_signer_class()(
            session,
            key_label=token.key_label,
            cert_label=token.cert_label or token.key_label,
            ca_chain=ca_chain,
            use_raw_mechanism=True,
        )
    finally:
        session.close()


def _file_version(path: Path) -> tuple[str, int, int, int, int] | None:
    """A file as the signer cache knows it: its path and, when it exists, which file it is and
    when and how it last changed (a renewed key or certificate, written to a new file and renamed
    over the old, is a new entry)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return str(path), stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size


@lru_cache(maxsize=32)
def _file_signer(
    key: tuple[str, int, int, int, int] | None,
    cert: tuple[str, int, int, int, int] | None,
    chain: tuple[str, int, int, int, int] | None,
) -> signers.SimpleSigner:
    """The signer of a key file, its certificate and chain, read once per version of the files:
    reading and parsing them took 1.3 ms of each signature (bench/pdf.py). A SimpleSigner keeps no
    state between signatures, so one serves every thread. A party's key is kept in this worker's
    memory between signatures, where it was read into for each one anyway."""
    if key is None or cert is None:
        raise FileNotFoundError(f"no key or certificate file: {key}, {cert}")
    chains = (chain[0],) if chain else ()
    signer = signers.SimpleSigner.load(key[0], cert[0], ca_chain_files=chains)
    if signer is None:  # pyHanko logged why; nothing is kept, the next signature reads again
        raise ValueError(f"the key or certificate in {Path(key[0]).parent} cannot be read")
    return _keeping_attributes(signer)


# The signed attributes of a PAdES signature without a timestamp or embedded revocation data:
# the content type, the signing certificate's hash, and the document's digest, nothing else.
_PLAIN_ATTRIBUTES = {"content_type", "message_digest", "signing_certificate_v2"}
_kept_attributes: dict[tuple[bytes, str, str], list[bytes]] = {}


class _KeptAttributes:
    """A signer that makes its signed attributes once per certificate and then only puts each
    document's digest in.

    pyHanko builds them anew for every signature as asn1crypto objects, and every later step (the
    signature over them, the signer info, the whole container) encodes them again, field by
    field: some 8 ms of each signature's 15 (bench/pdf.py). For a plain PAdES signature they are
    the same but for the message digest, so the other attributes are kept encoded, the digest's
    is added in DER's order, and asn1crypto reads the result lazily, encoding nothing again.
    Anything else (a content timestamp, a CAdES attribute, revocation data, a dry run) is left to
    pyHanko. tests/pdf/test_signature.py checks the bytes against pyHanko's own."""

    signing_cert: asn1_x509.Certificate

    async def signed_attrs(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        attr_settings: Any = None,
        content_type: str = "data",
        use_pades: bool = False,
        timestamper: Any = None,
        dry_run: bool = False,
        is_pdf_sig: bool = True,
    ) -> cms.CMSAttributes:
        plain = (
            use_pades
            and is_pdf_sig
            and not dry_run
            and timestamper is None
            and (
                attr_settings is None
                or (attr_settings.cades_signed_attrs is None and not attr_settings.adobe_revinfo_attr)
            )
        )
        key = (self.signing_cert.dump(), digest_algorithm, content_type)
        kept = _kept_attributes.get(key) if plain else None
        if kept is not None:
            digest = cms.CMSAttribute({"type": "message_digest", "values": [data_digest]}).dump()
            return cms.CMSAttributes.load(_der_set([*kept, digest]))
        made = await super().signed_attrs(  # type: ignore[misc]
            data_digest, digest_algorithm, attr_settings, content_type, use_pades, timestamper, dry_run, is_pdf_sig
        )
        if plain and {attribute["type"].native for attribute in made} == _PLAIN_ATTRIBUTES:
            if len(_kept_attributes) >= 32:  # a worker signs for a few parties
                _kept_attributes.clear()
            _kept_attributes[key] = [a.dump() for a in made if a["type"].native != "message_digest"]
        return made


def _der_set(members: list[bytes]) -> bytes:
    """A DER SET OF: its members' encodings in ascending order, after the tag and the length."""
    body = b"".join(sorted(members))
    if len(body) < 0x80:
        length = bytes([len(body)])
    else:
        size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(size)]) + size
    return b"\x31" + length + body


class _FileSigner(_KeptAttributes, signers.SimpleSigner):
    """A key file's (or a PKCS#12's) signer that keeps its signed attributes."""


def _keeping_attributes(signer: signers.SimpleSigner) -> signers.SimpleSigner:
    return _FileSigner(
        signing_cert=signer.signing_cert,
        signing_key=signer.signing_key,
        cert_registry=signer.cert_registry,
        signature_mechanism=signer.signature_mechanism,
    )


@cache
def _token_signer_class() -> type:
    """A PKCS#11 token's signer that keeps its signed attributes (pyHanko's PKCS#11 support is
    imported only where a token is used)."""
    from pyhanko.sign import pkcs11

    return type("_TokenSigner", (_KeptAttributes, pkcs11.PKCS11Signer), {})


def _roots(folder: Path, services: Services) -> list[asn1_x509.Certificate]:
    """The trust anchors for the signer's own check before signing: its chain's self-signed top."""
    roots = [c for c in certificates.chain(folder) if c.issuer == c.subject]
    return [_asn1(c) for c in [*roots, *services.extra_roots]]


@dataclass(frozen=True)
class _Bitmap:
    """A signature or seal image decoded and compressed as pyHanko embeds it: its colour and, as a
    soft mask, its transparency, each a Flate stream of 8-bit samples."""

    image: Image.Image  # RGBA
    colour: bytes
    alpha: bytes


@lru_cache(maxsize=32)
def _bitmap(png: bytes) -> _Bitmap:
    """Once per process for each image: a commune's seal and its leader's signature are the same on
    every day's report, and pyHanko decoded and compressed them again at every signature."""
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGBA")
    colour = zlib.compress(image.convert("RGB").tobytes())
    alpha = zlib.compress(image.getchannel("A").tobytes())
    return _Bitmap(image, colour, alpha)


class _StampImage(PdfImage):
    """pyHanko's image in a stamp, written from the compressed samples of ``_bitmap``: the same
    image XObject with its soft mask that ``pyhanko.pdf_utils.images.pil_image`` writes."""

    def __init__(self, bitmap: _Bitmap):
        super().__init__(bitmap.image)
        self.bitmap = bitmap

    @property
    def image_ref(self) -> generic.IndirectObject:
        reference = self._image_ref
        if reference is None or reference.get_pdf_handler() is not self.writer:
            self._image_ref = reference = self._write()
        return reference

    def _write(self) -> generic.IndirectObject:
        def samples(colour_space: str, data: bytes, **extra: Any) -> generic.StreamObject:
            name = generic.pdf_name
            return generic.StreamObject(
                {
                    name("/Type"): name("/XObject"),
                    name("/Subtype"): name("/Image"),
                    name("/Width"): generic.NumberObject(self.bitmap.image.width),
                    name("/Height"): generic.NumberObject(self.bitmap.image.height),
                    **extra,
                    name("/ColorSpace"): name(colour_space),
                    name("/BitsPerComponent"): generic.NumberObject(8),
                    name("/Filter"): name("/FlateDecode"),
                },
                encoded_data=data,
            )

        writer = self.writer
        assert writer is not None  # pyHanko sets the writer before it asks for the image
        mask = writer.add_object(samples("/DeviceGray", self.bitmap.alpha))
        return writer.add_object(samples("/DeviceRGB", self.bitmap.colour, **{generic.pdf_name("/SMask"): mask}))


def _image(png: bytes | None) -> PdfImage | None:
    if not png:
        return None
    return _StampImage(_bitmap(png))


# Decree 30/2020, Appendix I, Part II: the leader's signature image at the signing place; the
# organisation's seal, red, at its real size, over about a third of that image on its left; the
# organisation's name and the signing time (ISO 8601, Vietnam's time zone) written with it.
SEAL_MM = 35.0  # a commune's or a department's round seal; configurable (Signing.seal_mm)
PT_PER_MM = 72 / 25.4
SEAL_COVERS = 1 / 3  # of the signature image's width, from its left edge
TEXT_BAND = 28  # pt at the foot of the leader's appearance: the organisation's name and the time
TEXT_CHARS = 26  # a line of the band, so that it stays right of the seal


def signature_image_area(
    rect: tuple[float, float, float, float], image_px: tuple[int, int] | None
) -> tuple[float, float, float, float]:
    """Where the leader's signature image is drawn in the appearance ``rect``: above the text band,
    scaled to fit with its proportions kept, centred (as ``_signer_style`` lays it out)."""
    x1, y1, x2, y2 = rect
    left, bottom, width, height = x1 + 2, y1 + TEXT_BAND, x2 - x1 - 4, y2 - y1 - TEXT_BAND - 2
    if not image_px:
        return left, bottom, left + width, bottom + height
    scale = min(width / image_px[0], height / image_px[1])
    w, h = image_px[0] * scale, image_px[1] * scale
    x, y = left + (width - w) / 2, bottom + (height - h) / 2
    return x, y, x + w, y + h


def seal_box(
    rect: tuple[float, float, float, float], image_px: tuple[int, int] | None, seal_mm: float = SEAL_MM
) -> tuple[float, float, float, float]:
    """The seal at its real size over the left third of the signature image, centred on it."""
    ix1, iy1, ix2, iy2 = signature_image_area(rect, image_px)
    side = (seal_mm or SEAL_MM) * PT_PER_MM
    right = ix1 + (ix2 - ix1) * SEAL_COVERS
    centre = (iy1 + iy2) / 2
    return right - side, centre - side / 2, right, centre + side / 2


def iso_moment(moment: dt.datetime) -> str:
    """ "2026-11-20T16:42:10+07:00": the signing time as the decree writes it (ISO 8601, Vietnam)."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")


def _wrapped(text: str, width: int = TEXT_CHARS) -> str:
    """A name on lines of at most ``width`` characters, broken between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _reserved_bytes(signer: signers.Signer, services: Services) -> int | None:
    """Room for the CMS signature container, in hex digits as the PDF holds it.

    Left to itself pyHanko makes a whole dry-run signature first, only to measure the container:
    about a quarter of the signing time (bench/pdf.py). The container is the certificates it
    embeds (the signer's and the chain) plus the signed attributes and the signature value, which
    take well under 2 KB even for RSA-4096; 4 KB of room covers them with margin. A timestamp
    token carries the TSA's own certificates, of unknown size: let pyHanko measure then.
    """
    if services.tsa_url:
        return None
    certs = [signer.signing_cert, *signer.cert_registry]
    return 2 * (sum(len(c.dump()) for c in certs if c is not None) + 4096)


async def _sign_once(
    pdf: bytes,
    party: Party,
    field_name: str,
    box: tuple[int, int, int, int] | None,
    style: Any,
    signing: Signing,
    services: Services,
    session: aiohttp.ClientSession | None,
    text_params: dict[str, str] | None,
) -> bytes:
    writer = _ArchivalWriter(io.BytesIO(pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec(field_name, on_page=signing.page, box=box))
    validation = None
    if services.embed_validation_info:
        if not isinstance(party.folder, Path):
            raise ValueError("validation information is fetched for a certificates folder only")
        validation = ValidationContext(
            trust_roots=_roots(party.folder, services),
            allow_fetching=True,
            revocation_mode="soft-fail",
            fetcher_backend=AIOHttpFetcherBackend(session, per_request_timeout=services.timeout),
        )
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=signing.reason,
        location=signing.location,
        name=party.name,
        embed_validation_info=services.embed_validation_info,
        validation_context=validation,
    )
    timestamper = (
        HTTPTimeStamper(services.tsa_url, timeout=services.timeout, session=session) if services.tsa_url else None
    )
    with open_signer(party.folder) as signer:
        pdf_signer = _PinnedTimeSigner(
            metadata, signer=signer, stamp_style=style, timestamper=timestamper, signing_time=signing.signed_at
        )
        out = await pdf_signer.async_sign_pdf(
            writer, appearance_text_params=text_params, bytes_reserved=_reserved_bytes(signer, services)
        )
    return bytes(out.getvalue())


def _signer_style(image: PdfImage | None) -> TextStampStyle:
    """The leader's appearance: the handwritten signature image above; in the band at its foot, on
    the right where the seal does not reach, the organisation's name and the signing time."""
    return TextStampStyle(
        stamp_text="%(organisation)s\n%(signed_time)s",
        text_box_style=_stamp_text_style(),
        border_width=0,
        background=image,
        background_opacity=1.0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(2, 2, 2, TEXT_BAND),
            inner_content_scaling=InnerScaling.STRETCH_TO_FIT,
        ),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MAX, y_align=AxisAlignment.ALIGN_MIN, margins=Margins(2, 2, 1, 1)
        ),
    )


def _seal_style(seal: PdfImage) -> StaticStampStyle:
    """The seal filling its box, which is its real size."""
    return StaticStampStyle(
        background=seal,
        border_width=0,
        background_opacity=1.0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(0, 0, 0, 0),
            inner_content_scaling=InnerScaling.STRETCH_TO_FIT,
        ),
    )


async def _sign_document(
    pdf: bytes,
    rect: tuple[float, float, float, float] | None,
    signer: Party,
    organisation: Party,
    signing: Signing,
    services: Services,
) -> io.BytesIO:
    params = {"organisation": _wrapped(signing.organisation), "signed_time": iso_moment(signing.signed_at)}
    box = _box(rect)
    image_px = _bitmap(signer.image).image.size if signer.image else None
    async with contextlib.AsyncExitStack() as stack:
        # An HTTP session only for a signature that talks to a server (a TSA, revocation data).
        session = await stack.enter_async_context(aiohttp.ClientSession()) if services.online else None
        first = await _sign_once(
            pdf, signer, SIGNER_FIELD, box, _signer_style(_image(signer.image)), signing, services, session, params
        )
        seal = _image(organisation.image)
        style = _seal_style(seal) if seal is not None else None
        second = await _sign_once(
            first,
            organisation,
            ORGANISATION_FIELD,
            _box(seal_box(rect, image_px, signing.seal_mm)) if rect and seal is not None else None,
            style,
            signing,
            services,
            session,
            None,
        )
    # Not the bytes themselves: asyncio.run ends by looking up the SIGINT handler, whose failed
    # lookup formats the main task's repr, result included, and the repr of some 400 KB of bytes
    # cost about 3 ms twice per document (bench/pdf.py). A BytesIO's repr is one line.
    return io.BytesIO(second)


def sign_document(
    pdf: bytes,
    rect: tuple[float, float, float, float] | None,
    *,
    signer: Party,
    organisation: Party,
    signing: Signing,
    services: Services = Services(),
) -> bytes:
    """Sign ``pdf`` twice, as Decree 30 describes: the leader (signer), then the commune
    (organisation, its seal over the left third of the signer's appearance in ``rect`` on the last
    page; invisible signatures when ``rect`` is None)."""
    if signing.signed_at.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    signed: io.BytesIO = _outside_event_loop(
        asyncio.run, _sign_document(pdf, rect, signer, organisation, signing, services)
    )
    return signed.getvalue()


def sign_pdf(
    pdf: bytes,
    folder: Path | certificates.Pkcs12,
    rect: tuple[float, float, float, float] | None,
    *,
    signer_name: str,
    location: str,
    reason: str,
    local_time: str,
) -> bytes:
    """One PAdES signature with the certificate in ``folder`` or the in-memory PKCS#12 (the city
    department's consolidated report); the appearance goes in ``rect`` on the last page (invisible if None)."""
    options = {"signer_name": signer_name, "location": location, "reason": reason, "local_time": local_time}
    return _outside_event_loop(_sign_pdf, pdf, folder, rect, **options)


def _sign_pdf(
    pdf: bytes, folder: Path | certificates.Pkcs12, rect: tuple[float, float, float, float] | None, **options: str
) -> bytes:
    """``sign_pdf``'s work, on a thread without an event loop; ``options`` as ``sign_pdf`` names them."""
    writer = _ArchivalWriter(io.BytesIO(pdf))
    box = _box(rect)
    fields.append_signature_field(writer, fields.SigFieldSpec(FIELD, on_page=-1, box=box))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=options["reason"],
        location=options["location"],
        name=options["signer_name"],
    )
    style = TextStampStyle(
        stamp_text="Ký số bởi: %(signer)s\nThời gian: %(local_time)s (giờ Việt Nam)",
        text_box_style=_stamp_text_style(),
        border_width=1,
    )
    with open_signer(folder) as signer:
        reserved = _reserved_bytes(signer, Services())
        out = signers.PdfSigner(metadata, signer=signer, stamp_style=style).sign_pdf(
            writer, appearance_text_params={"local_time": options["local_time"]}, bytes_reserved=reserved
        )
    return bytes(out.getvalue())


def placeholder_seal(organisation: str, size: int = 360) -> bytes:
    """A plain red seal (two rings, a star, the organisation's name) for a commune that has not
    given the image of its real seal: PNG, transparent background, deterministic."""

    red = (200, 16, 46, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, size - 6, size - 6), outline=red, width=10)
    draw.ellipse((40, 40, size - 40, size - 40), outline=red, width=4)
    centre, radius = size / 2, size * 0.11

    points = [
        (
            centre + (radius if i % 2 == 0 else radius * 0.4) * math.sin(i * math.pi / 5),
            centre * 0.78 - (radius if i % 2 == 0 else radius * 0.4) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(points, fill=red)
    font = ImageFont.truetype(stamp_font(), size // 14)
    words = organisation.split()
    lines = [" ".join(words[: len(words) // 2 + 1]), " ".join(words[len(words) // 2 + 1 :])]
    for n, line in enumerate(filter(None, lines)):
        draw.text((centre, size * 0.58 + n * size / 11), line, fill=red, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def placeholder_signature(full_name: str, size: tuple[int, int] = (480, 160)) -> bytes:
    """A blue hand-like stroke for a leader who has not given a signature image: PNG, transparent
    background, deterministic (the same name gives the same image)."""

    width, height = size
    seed = hashlib.sha256(full_name.encode()).digest()
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = []
    for i in range(120):
        t = i / 119
        wobble = (seed[i % 32] / 255 - 0.5) * 0.25
        x = width * (0.08 + 0.84 * t)
        y = height * (0.5 + (0.16 + wobble / 2) * math.sin(t * math.pi * (5 + seed[0] % 3)) * (1.2 - t))
        points.append((x, y))
    draw.line(points, fill=(20, 40, 160, 255), width=6, joint="curve")
    draw.line([(width * 0.2, height * 0.82), (width * 0.85, height * 0.74)], fill=(20, 40, 160, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def verify_pdf(data: bytes, trusted: list[x509.Certificate]) -> bool:
    """True when the PDF holds signatures, each intact, chaining to ``trusted``, and the last one
    covering the whole file (see ``verification`` for the details a person reads)."""
    report = verification.check_pdf(data, trusted)
    return report.valid
