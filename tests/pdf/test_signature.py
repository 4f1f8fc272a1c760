"""The PAdES signature of the daily report: pyHanko validates it, and one changed byte breaks it."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from wardapp.core.pdf import signature
from wardapp.signing import documents

from .conftest import commune_certificate, first_page_stream_span, signature_fields


def byte_range(pdf: bytes) -> list[int]:
    field = pypdf.PdfReader(io.BytesIO(pdf)).get_fields()[signature.FIELD]
    return list(field["/V"]["/ByteRange"])


def test_it_signs_the_report_so_that_pyhanko_validates_it_with_the_communes_certificate(signed):
    pdf = documents.revision_pdf(signed)

    assert signature_fields(pdf) == [signature.FIELD]
    assert signature.verify_pdf(pdf, [commune_certificate()])
    start, _length, rest, tail = byte_range(pdf)
    assert start == 0 and rest + tail == len(pdf)  # the signature covers the whole file but its own hex


def test_it_fails_validation_once_one_byte_of_page_one_changes(signed):
    pdf = documents.revision_pdf(signed)
    _, signed_head, _, _ = byte_range(pdf)
    begin, end = first_page_stream_span(pdf)
    middle = (begin + end) // 2
    assert end < signed_head  # page 1's content lies in the signed range, before the signature's hex

    tampered = bytearray(pdf)
    tampered[middle] ^= 0x01
    tampered = bytes(tampered)

    assert len(tampered) == len(pdf) and tampered != pdf
    assert not signature.verify_pdf(tampered, [commune_certificate()])
    # Not an accident of parsing: pyHanko reads the file and finds the digest no longer matches.
    embedded = PdfFileReader(io.BytesIO(tampered)).embedded_signatures[0]
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[embedded.signer_cert]))
    assert status.intact is False


def test_it_does_not_validate_against_another_certificate(signed, tmp_path: Path):
    pdf = documents.revision_pdf(signed)
    signature.make_self_signed(tmp_path, "Phường Hải Vân", "Thành phố Đà Nẵng", "20194")

    assert not signature.verify_pdf(pdf, [signature.certificate(tmp_path)])
    assert not signature.verify_pdf(pdf, [])
    assert signature.verify_pdf(pdf, [signature.certificate(tmp_path), commune_certificate()])


def test_it_signs_a_revision_once_and_serves_that_same_file_ever_after(signed):
    first = documents.revision_pdf(signed)

    assert documents.pdf_path(signed).read_bytes() == first
    assert documents.revision_pdf(signed) == first  # an ECDSA signature differs at each signing: not signed again
