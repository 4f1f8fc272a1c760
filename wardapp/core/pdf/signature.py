"""The PAdES signature on the daily report PDF, with the commune's certificate.

A self-signed certificate is made at set-up under ``instance/pdf-cert``; a certificate from a
real CA can replace it (``flask --app wsgi pdf-cert import FILE``). Pure functions of bytes and
file paths: no Flask.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import os
import tempfile
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from wardapp.core.files import write_atomic
from wardapp.core.pdf import fonts

KEY_FILE, CERT_FILE, CHAIN_FILE = "key.pem", "cert.pem", "chain.pem"
# Every character a Vietnamese name, date or "Ký số bởi" can need in the signature appearance.
VIETNAMESE = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-+/()'\"%_"
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
FIELD = "ChuKyLanhDao"


def make_self_signed(
    folder: Path, commune_name: str, province_name: str, commune_code: str, *, organization: str | None = None
) -> None:
    """A certificate for the commune's documents, valid ten years (replace it with a CA's).

    ``organization`` names another signing body (the city's department); by default the commune's
    People's Committee."""
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
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(
        folder / KEY_FILE,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        mode=0o600,
    )
    write_atomic(folder / CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    (folder / CHAIN_FILE).unlink(missing_ok=True)


def import_pkcs12(folder: Path, data: bytes, password: bytes | None) -> x509.Certificate:
    """Replace the commune's certificate with one from a PKCS#12 file (ValueError if unusable)."""
    key, cert, chain = pkcs12.load_key_and_certificates(data, password)
    if key is None or cert is None:
        raise ValueError("the PKCS#12 file holds no private key and certificate")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(
        folder / KEY_FILE,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        mode=0o600,
    )
    write_atomic(folder / CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    if chain:
        write_atomic(folder / CHAIN_FILE, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    else:
        (folder / CHAIN_FILE).unlink(missing_ok=True)
    return cert


def certificate(folder: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())


@cache
def stamp_font() -> str:
    """The signature appearance's font, cut down to Vietnamese once per process.

    pyHanko parses the whole font file at every signature; a full font took most of the signing
    time (measured ~100 ms of ~130 ms), the subset a few milliseconds. The documents' serif
    (Liberation Serif or Tinos), embedded like every other font of the PDF/A file.
    """
    from fontTools import subset

    source = fonts.font_path("Regular")
    # Named after the source font: a cache made from another font is never picked up.
    target = Path(tempfile.gettempdir()) / f"wardapp-stamp-{os.getuid()}-{source.stem}-{len(VIETNAMESE)}-nohint.ttf"
    if not target.exists():
        options = subset.Options()
        options.layout_features = []
        options.hinting = False  # Liberation Serif's TrueType hints are most of its bytes; a stamp needs none
        # fontTools reads a font file lazily and keeps it open: close it (a ResourceWarning at a
        # random later garbage collection otherwise, which failed an unrelated test).
        font = subset.load_font(str(source), options)
        try:
            subsetter = subset.Subsetter(options)
            subsetter.populate(text=VIETNAMESE)
            subsetter.subset(font)
            out = io.BytesIO()
            subset.save_font(font, out, options)
        finally:
            font.close()
        write_atomic(target, out.getvalue(), durable=False)  # a cache: rebuilt if lost
    return str(target)


@cache
def _in_memory_font_factory() -> type:
    """pyHanko's factory opens the font file and never closes it (a ResourceWarning at every
    signature); this one hands it the bytes instead, which need no closing. Made at the first
    signature because its base class is pyHanko's (see ``_pyhanko``)."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    class InMemoryFontFactory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer,
                font_handle=io.BytesIO(_font_bytes(self.font_file)),
                font_size=self.font_size,
                ot_script_tag=self.ot_script_tag,
                ot_language_tag=self.ot_language_tag,
                writing_direction=self.writing_direction,
                bcp47_lang_code=self.bcp47_lang_code,
                obj_stream=obj_stream,
            )

    return InMemoryFontFactory


@cache
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def _outside_event_loop(function, *args, **kwargs):
    """pyHanko's synchronous API calls asyncio.run(), which fails in a thread whose event loop is
    running (an async server, or Playwright's sync API in tests): run it in a worker thread then."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def sign_pdf(
    pdf: bytes,
    folder: Path,
    rect: tuple[float, float, float, float] | None,
    *,
    signer_name: str,
    location: str,
    reason: str,
    local_time: str,
) -> bytes:
    """Sign with PAdES; the appearance goes in ``rect`` on the last page (invisible if None)."""
    return _outside_event_loop(
        _sign_pdf, pdf, folder, rect, signer_name=signer_name, location=location, reason=reason, local_time=local_time
    )


def _sign_pdf(
    pdf: bytes,
    folder: Path,
    rect: tuple[float, float, float, float] | None,
    *,
    signer_name: str,
    location: str,
    reason: str,
    local_time: str,
) -> bytes:
    # pyHanko (with aiohttp, fontTools, HarfBuzz and its certificate validator) is imported here,
    # at the first signature, not when the app starts: it was about two thirds of the app's import
    # time (python -X importtime, docs/PERFORMANCE.md), and most processes never sign.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    chain = folder / CHAIN_FILE
    signer = signers.SimpleSigner.load(
        str(folder / KEY_FILE), str(folder / CERT_FILE), ca_chain_files=(str(chain),) if chain.exists() else ()
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    box = tuple(round(v) for v in rect) if rect else None
    fields.append_signature_field(writer, fields.SigFieldSpec(FIELD, on_page=-1, box=box))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES, reason=reason, location=location, name=signer_name
    )
    style = TextStampStyle(
        stamp_text="Ký số bởi: %(signer)s\nThời gian: %(local_time)s (giờ Việt Nam)",
        text_box_style=TextBoxStyle(font=_in_memory_font_factory()(stamp_font()), font_size=7),
        border_width=1,
    )
    out = signers.PdfSigner(metadata, signer=signer, stamp_style=style).sign_pdf(
        writer, appearance_text_params={"local_time": local_time}, bytes_reserved=_reserved_bytes(signer)
    )
    return out.getvalue()


def _reserved_bytes(signer) -> int:
    """Room for the CMS signature container, in hex digits as the PDF holds it.

    Left to itself pyHanko makes a whole dry-run signature first, only to measure the container:
    about a quarter of the signing time (bench/pdf.py). The container is the certificates it
    embeds (the signer's and the chain) plus the signed attributes and the signature value, which
    take well under 2 KB even for RSA-4096; 4 KB of room covers them with margin.
    """
    certificates = [signer.signing_cert, *signer.cert_registry]
    return 2 * (sum(len(c.dump()) for c in certificates) + 4096)


def verify_pdf(data: bytes, trusted: list[x509.Certificate]) -> bool:
    return _outside_event_loop(_verify_pdf, data, trusted)


def _verify_pdf(data: bytes, trusted: list[x509.Certificate]) -> bool:
    """True when the PDF holds a signature that is intact and chains to a trusted certificate.

    pyHanko raises on some kinds of tampering: any exception means "not valid".
    """
    # pyHanko imported at first use, as in ``_sign_pdf`` (start-up time).
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data))
        if not reader.embedded_signatures:
            return False
        roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trusted]
        status = validate_pdf_signature(reader.embedded_signatures[-1], ValidationContext(trust_roots=roots))
        # "valid" is only the signature's mathematics; "trusted" is the chain to ``trusted``, which a
        # self-signed certificate embedded by anyone has too: bottom_line requires all three.
        return bool(status.bottom_line and status.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION"))
    except Exception:
        return False
