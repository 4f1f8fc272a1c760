"""The PAdES signatures of the daily report: the leader's then the commune's, both chained to the
local CA, timed at the revision's ``signed_at``, made when the leader signs; one byte breaks them."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pypdf
import pytest
from asn1crypto import x509 as asn1
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.generic import parse_pdf_date
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from wardapp.core.pdf import certificates, signature, verification
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry
from wardapp.signing import documents
from wardapp.signing.models import ReportRevision
from wardapp.signing.operations import CannotSign, sign_report

from ..helpers import TODAY, signed_in
from .conftest import (
    LEADER_NAME,
    commune_certificate,
    day_ready,
    first_page_stream_span,
    name_leader,
    signature_fields,
)

BOTH = [signature.SIGNER_FIELD, signature.ORGANISATION_FIELD]


def byte_range(pdf: bytes, name: str) -> list[int]:
    field = pypdf.PdfReader(io.BytesIO(pdf)).get_fields()[name]
    return list(field["/V"]["/ByteRange"])


def statuses(pdf: bytes, roots: list[x509.Certificate]):
    anchors = [asn1.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in roots]
    reader = PdfFileReader(io.BytesIO(pdf))
    return [
        validate_pdf_signature(s, ValidationContext(trust_roots=anchors, allow_fetching=False))
        for s in reader.embedded_signatures
    ]


def test_the_leader_then_the_commune_sign_and_pyhanko_validates_both_against_the_local_ca(signed):
    pdf = documents.revision_pdf(signed)

    assert signature_fields(pdf) == BOTH
    leader, commune = statuses(pdf, [commune_certificate()])
    for status in (leader, commune):
        assert status.intact and status.valid and status.trusted and status.bottom_line
    assert leader.signing_cert.subject.native["common_name"] == LEADER_NAME
    assert commune.signing_cert.subject.native["common_name"].startswith("UBND Phường Hải Châu")
    assert leader.coverage.name == "ENTIRE_REVISION" and leader.docmdp_ok  # only the second signature came after
    assert commune.coverage.name == "ENTIRE_FILE"
    # The chain goes through the development CA, named as such, not a self-signed leaf.
    assert next(c.subject.native["common_name"] for c in leader.validation_path.iter_certs(include_root=True)) == (
        certificates.DEVELOPMENT_LABEL
    )
    start, _length, rest, tail = byte_range(pdf, signature.ORGANISATION_FIELD)
    assert start == 0 and rest + tail == len(pdf)
    assert signature.verify_pdf(pdf, [commune_certificate()])


def test_every_time_in_the_signatures_is_the_revisions_signed_at(signed):
    pdf = documents.revision_pdf(signed)
    signed_at = signed.signed_at.replace(tzinfo=dt.UTC)
    assert signed_at == dt.datetime.fromisoformat(signed.document["signed_at"])

    for status in statuses(pdf, [commune_certificate()]):
        assert status.signer_reported_dt == signed_at  # the CMS signing-time
    fields = pypdf.PdfReader(io.BytesIO(pdf)).get_fields()
    for name in BOTH:
        assert parse_pdf_date(fields[name]["/V"]["/M"]) == signed_at


def test_the_certificates_are_a_ca_and_two_signing_certificates_valid_long_before_the_signed_days(signed):
    ca = certificates.certificate(documents.ca_dir())
    leader = certificates.certificate(documents.leader_dir(signed.signed_by))
    commune = certificates.certificate(documents.cert_dir())

    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    for cert in (leader, commune):
        assert cert.issuer == ca.subject
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
        # The demo signs 90 days of history: the certificates must already be valid then.
        assert cert.not_valid_before_utc < dt.datetime.combine(TODAY - dt.timedelta(days=120), dt.time(), dt.UTC)
    assert leader.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == LEADER_NAME


def test_one_changed_byte_of_page_one_breaks_both_signatures(signed):
    pdf = documents.revision_pdf(signed)
    _, signed_head, _, _ = byte_range(pdf, signature.SIGNER_FIELD)
    begin, end = first_page_stream_span(pdf)
    assert end < signed_head  # page 1's content lies in both signed ranges

    tampered = bytearray(pdf)
    tampered[(begin + end) // 2] ^= 0x01
    tampered = bytes(tampered)

    assert not signature.verify_pdf(tampered, [commune_certificate()])
    checked = verification.check_pdf(tampered, [commune_certificate()])
    assert len(checked.signatures) == 2 and not any(s.intact for s in checked.signatures)


def test_it_does_not_validate_against_another_root(signed, tmp_path: Path):
    pdf = documents.revision_pdf(signed)
    signature.make_self_signed(tmp_path, "Phường Hải Vân", "Thành phố Đà Nẵng", "20194")

    assert not signature.verify_pdf(pdf, [signature.certificate(tmp_path)])
    assert not signature.verify_pdf(pdf, [])
    assert signature.verify_pdf(pdf, [signature.certificate(tmp_path), commune_certificate()])


def test_the_pdf_carries_the_signed_payload_and_jws(signed):
    checked = verification.check_pdf(documents.revision_pdf(signed), [commune_certificate()])

    assert checked.payload == signed.payload
    assert checked.payload_sha256 == signed.payload_sha256
    assert checked.jws == signed.jws
    assert checked.report_id == json.loads(signed.payload)["report_id"]


def test_signing_stores_the_pdf_and_downloading_never_builds_one(app, signed, monkeypatch):
    stored = documents.pdf_path(signed)
    assert stored.exists()  # written by the leader's signature itself
    assert not list((stored.parent / ".pending").iterdir())

    def no_building(*args, **kwargs):
        raise AssertionError("a download built a PDF")

    monkeypatch.setattr(documents, "build_signed_pdf", no_building)
    monkeypatch.setattr(signature, "sign_document", no_building)
    client = signed_in(app, "leader")
    response = client.get(f"/pdf/daily/{TODAY.isoformat()}.pdf")
    assert response.status_code == 200
    assert response.get_data() == stored.read_bytes()


def test_a_pdf_that_cannot_be_built_refuses_the_signature_and_leaves_nothing(app, commune, users, monkeypatch):
    name_leader(users)
    report = day_ready(commune, users, TODAY)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(signature, "sign_document", broken)
    with pytest.raises(CannotSign) as refusal:
        sign_report(commune, report, users["leader"])
    assert "PDF" in refusal.value.problems[0]

    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(ReportRevision.id))) == 0
    assert db.session.scalar(db.select(db.func.count(OutboxEntry.id))) == 0
    assert report.signed_revisions == 0 and not report.frozen
    pdfs = Path(app.instance_path) / "pdfs"
    assert not [p for p in pdfs.rglob("*") if p.is_file()]


def test_a_revision_signed_before_pdfs_were_kept_gets_its_pdf_built_once_timed_at_signing(app, signed):
    """Revisions signed before the PDF was built at signing (or cut off between the commit and the
    file's rename) have none: the repair command, or the first download, builds it once."""
    path = documents.pdf_path(signed)
    path.unlink()
    result = app.test_cli_runner().invoke(args=["pdf", "repair"])
    assert result.exit_code == 0 and "Built 1 PDF(s)." in result.output, result.output
    checked = verification.check_pdf(path.read_bytes(), [commune_certificate()])
    assert checked.valid
    assert {s.signing_time for s in checked.signatures} == {signed.signed_at.replace(tzinfo=dt.UTC)}

    path.unlink()
    client = signed_in(app, "leader")
    first = client.get(f"/pdf/daily/{TODAY.isoformat()}.pdf").get_data()
    assert path.read_bytes() == first  # built once and kept
    assert client.get(f"/pdf/daily/{TODAY.isoformat()}.pdf").get_data() == first
    assert verification.check_pdf(first, [commune_certificate()]).valid


def test_the_certificates_page_shows_the_development_default_to_the_admin_only(app, signed):
    page = signed_in(app, "admin").get("/admin/certificates")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="development-ca"' in html and "không có giá trị pháp lý" in html
    assert 'data-party="commune"' in html and 'data-party="leader"' in html
    assert html.count(certificates.DEVELOPMENT_LABEL) == 2  # the issuer of both certificates
    assert signed_in(app, "leader").get("/admin/certificates").status_code == 403


def test_the_stamps_letters_are_as_wide_as_the_font_draws_them(app, signed):
    """The visible signatures' font tells the reader each letter's width in thousandths of an em,
    as PDF counts them: given in the font's own units (2,048 per em for Liberation Serif), every
    letter of "Ký bởi: …" stood a letter apart and the lines ran out of the stamp (seen rendered)."""
    import pikepdf

    widths = {}
    with pikepdf.open(io.BytesIO(documents.revision_pdf(signed))) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/CIDFontType2" and "/W" in obj:
                numbers = [float(w) for entry in obj.W if isinstance(entry, pikepdf.Array) for w in entry]
                widths[str(obj.BaseFont)] = max(numbers)
    assert widths, "no embedded CID font with widths (the stamp's text)"
    # The widest letter of a Times-metric serif (W, M, Đ...) is under one em.
    assert all(widest <= 1000 for widest in widths.values()), widths


def test_the_stamp_says_when_it_was_signed_as_the_decree_writes_it(app, signed, tmp_path):
    """The organisation's name and the signing time in ISO 8601 with Vietnam's time zone (Decree
    30/2020, Appendix I, Part II). The text is the stamp's own, as a reader copies it."""
    import subprocess

    from wardapp.core import clock

    path = tmp_path / "signed.pdf"
    path.write_bytes(documents.revision_pdf(signed))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    moment = signed.signed_at.replace(tzinfo=dt.UTC).astimezone(clock.TZ)
    assert moment.isoformat(timespec="seconds") in text and moment.isoformat(timespec="seconds").endswith("+07:00")
    assert "UBND Phường Hải Châu" in text


def test_the_kept_signed_attributes_are_the_bytes_pyhanko_makes_for_every_document(tmp_path):
    """The signer keeps a plain PAdES signature's attributes encoded and puts in each document's
    digest (signature._KeptAttributes): what it signs must be exactly what pyHanko would sign."""
    import asyncio
    import hashlib

    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    now = dt.datetime.now(dt.UTC)
    certificates.make_local_ca(tmp_path / "ca", "Đà Nẵng", "Hải Châu", now)
    certificates.issue(tmp_path / "ca", tmp_path, certificates.organisation_name("Hải Châu", "Đà Nẵng", "20242"), now)
    stock = signers.SimpleSigner.load(str(tmp_path / "key.pem"), str(tmp_path / "cert.pem"))
    ours = signature._keeping_attributes(stock)
    signature._kept_attributes.clear()

    def both(digest: bytes, settings=None, **options) -> tuple[bytes, bytes]:
        settings = settings or PdfCMSSignedAttributes()
        made = [asyncio.run(s.signed_attrs(digest, "sha256", settings, **options)).dump() for s in (ours, stock)]
        return made[0], made[1]

    for text in (b"the first document", b"the second", b"a third, longer document"):
        mine, theirs = both(hashlib.sha256(text).digest(), use_pades=True)
        assert mine == theirs
    assert len(signature._kept_attributes) == 1, "the attributes were not kept after the first signature"

    # Not a plain PAdES signature (a CMS signing time, different for each): pyHanko's own attributes.
    for moment in (now, now + dt.timedelta(seconds=7)):
        settings = PdfCMSSignedAttributes(signing_time=moment)
        mine, theirs = both(hashlib.sha256(b"the first document").digest(), settings, use_pades=False)
        assert mine == theirs
        assert b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05" in mine  # the signing-time attribute
    assert len(signature._kept_attributes) == 1
