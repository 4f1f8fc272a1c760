"""The department's leader signs a period's consolidated report once: numbered from the yearly
register, kept in the store and served as kept, the commune-days it adds up embedded as JSON,
validated by pyHanko against the department's CA; a draft before that; a new edition after a
commune's late correction."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pikepdf
import pytest
from asn1crypto import x509 as asn1
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from tests.factories import figures
from wardapp.city.documents import operations as consolidated_signing
from wardapp.city.documents import signing
from wardapp.city.extensions import city_db
from wardapp.city.intake import blobs
from wardapp.core import clock, consolidated_docs
from wardapp.core.pdf import archive, certificates

from . import support
from .conftest import TODAY

OCT_30, OCT_31 = dt.date(2026, 10, 30), dt.date(2026, 10, 31)
OCTOBER = {"period": "month", "on": "2026-10-01"}
A, B, C = support.Commune("20242"), support.Commune("20194"), support.Commune("20197")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def october(city):
    """Two communes reported the last two days of October; a third is connected and silent."""
    support.enrol_all(city, [A, B, C])
    client = city.test_client()
    for day in (OCT_30, OCT_31):
        support.push(client, support.signed(A, day))
        support.push(client, support.signed(B, day, figures_=figures(resolved_late=3, resolved_on_time=17)))
    return client


@pytest.fixture
def department_ca(city, tmp_path):
    """The department's certificate issued by a CA (not the self-signed default), imported as a
    PKCS#12 the way `city signing-key import` does."""
    now = dt.datetime.now(dt.UTC)
    ca_folder, holder = tmp_path / "ca", tmp_path / "so"
    ca_folder.mkdir()
    holder.mkdir()
    root = certificates.make_local_ca(ca_folder, "Thành phố Đà Nẵng", "Sở Khoa học và Công nghệ", now)
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Sở Khoa học và Công nghệ Đà Nẵng")])
    cert = certificates.issue(ca_folder, holder, subject, now)
    key = serialization.load_pem_private_key((holder / certificates.KEY_FILE).read_bytes(), None)
    bundle = pkcs12.serialize_key_and_certificates(
        b"so", key, cert, [root], serialization.BestAvailableEncryption(b"mat-khau")
    )
    with city.app_context():
        signing.import_pkcs12(bundle, b"mat-khau", actor="test")
    return root


@pytest.fixture
def director(city):
    support.make_user(city, "giamdoc", role="director")
    return support.signed_in(city, "giamdoc")


def sign(client, **args):
    return client.post("/consolidated/sign", data={**OCTOBER, **args})


def current_edition(city, start=dt.date(2026, 10, 1)):
    with city.app_context():
        rows = consolidated_signing.editions_of(
            consolidated_signing.Period(("48",), "month", start, dt.date(2026, 10, 31))
        )
        city_db.session.expunge_all()
        return rows


def statuses(pdf: bytes, root: x509.Certificate):
    anchor = asn1.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    reader = PdfFileReader(io.BytesIO(pdf))
    return [
        validate_pdf_signature(s, ValidationContext(trust_roots=[anchor], allow_fetching=False))
        for s in reader.embedded_signatures
    ]


def test_before_signing_the_report_is_a_draft_never_signed(city, october, director):
    response = director.get("/consolidated.pdf", query_string=OCTOBER)
    assert response.status_code == 200
    assert "ban-nhap" in response.headers["Content-Disposition"]
    text = text_of(response.data)
    assert "BẢN NHÁP" in text and "Số: /BC-SKHCN" in " ".join(text.split())
    assert "tháng 10 năm 2026" in text
    assert list(PdfFileReader(io.BytesIO(response.data)).embedded_signatures) == []


def test_the_director_signs_the_month_once_numbered_kept_and_served_as_kept(city, october, director, department_ca):
    page = director.get("/consolidated", query_string=OCTOBER).get_data(as_text=True)
    assert 'id="sign-consolidated"' in page and 'id="test-certificate"' not in page

    response = sign(director)
    assert response.status_code == 303
    page = director.get("/consolidated", query_string=OCTOBER).get_data(as_text=True)
    assert "Số 01/BC-SKHCN" in page and 'id="sign-consolidated"' not in page  # signed once: no second form
    [edition] = current_edition(city)

    first = director.get("/consolidated.pdf", query_string=OCTOBER).data
    second = director.get("/consolidated.pdf", query_string=OCTOBER).data
    by_id = director.get(f"/consolidated/editions/{edition.document_id}.pdf").data
    assert first == second == by_id  # byte-identical: kept once, never signed again
    assert hashlib.sha256(first).hexdigest() == edition.pdf_sha256
    with city.app_context():
        assert blobs.store().get(consolidated_signing.pdf_key(edition.pdf_sha256)) == first

    text = " ".join(text_of(first).split())
    assert "Số: 01/BC-SKHCN" in text and "BẢN NHÁP" not in text
    assert "GIÁM ĐỐC" in text and "Cán bộ giamdoc" in text and "Nơi nhận:" in text
    assert "wardapp" not in text  # no product name on the page

    # Two signatures, the leader's then the department's seal, both trusted by the department's CA;
    # the last one covers the whole file.
    leader, department = statuses(first, department_ca)
    for status in (leader, department):
        assert status.intact and status.valid and status.trusted and status.bottom_line
    assert department.coverage.name == "ENTIRE_FILE"
    assert leader.signer_reported_dt == clock.now().replace(microsecond=0)

    # PDF/A-3b with the JSON of every commune-day it adds up, as an associated file.
    with pikepdf.open(io.BytesIO(first)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert str(pdf.Root.AF[0].AFRelationship) == "/Source"
    attached = archive.attachments_of(first)[f"{edition.document_id}{consolidated_docs.SUFFIX}"]
    assert attached == edition.payload
    document = json.loads(attached)
    assert document["document_number"] == "01/BC-SKHCN"
    with city.app_context():
        from wardapp.city.models import ReceivedReport

        received = {
            (r.report_id, r.revision, r.payload_sha256)
            for r in city_db.session.scalars(city_db.select(ReceivedReport)).all()
        }
    assert {(d["report_id"], d["revision"], d["payload_sha256"]) for d in document["days"]} == received
    assert len(document["days"]) == 4


def test_a_late_correction_is_named_and_a_new_edition_supersedes_the_old(city, october, director):
    sign(director)
    [old] = current_edition(city)
    old_pdf = director.get(f"/consolidated/editions/{old.document_id}.pdf").data
    support.push(october, support.signed(B, OCT_31, revision=2, figures_=figures(resolved_late=1, resolved_on_time=19)))

    page = director.get("/consolidated", query_string=OCTOBER).get_data(as_text=True)
    assert 'id="changed-days"' in page and "Phường Hải Vân (20194)" in page and "20194:2026-10-31:r2" in page
    assert 'id="sign-consolidated"' in page

    assert sign(director).status_code == 303
    new, superseded = current_edition(city)
    assert (new.edition, new.document_number, new.current) == (2, "02/BC-SKHCN", True)
    assert superseded.superseded_by == new.document_id and not superseded.current
    assert director.get(f"/consolidated/editions/{old.document_id}.pdf").data == old_pdf  # the old one is kept
    served = director.get("/consolidated.pdf", query_string=OCTOBER).data
    assert hashlib.sha256(served).hexdigest() == new.pdf_sha256
    listed = {d["report_id"] for d in json.loads(new.payload)["days"]}
    assert "20194:2026-10-31:r2" in listed and "20194:2026-10-31:r1" not in listed
    page = director.get("/consolidated", query_string=OCTOBER).get_data(as_text=True)
    assert 'id="superseded-editions"' in page and old.document_number in page


def test_only_the_director_or_a_deputy_signs_and_the_deputy_signs_for_the_director(city, october):
    support.make_user(city, "canbo")
    reviewer = support.signed_in(city, "canbo")
    page = reviewer.get("/consolidated", query_string=OCTOBER).get_data(as_text=True)
    assert 'id="sign-consolidated"' not in page
    assert sign(reviewer).status_code == 403
    assert current_edition(city) == []

    support.make_user(city, "phogiamdoc", role="deputy_director")
    deputy = support.signed_in(city, "phogiamdoc")
    page = deputy.get("/consolidated", query_string=OCTOBER).get_data(as_text=True)
    assert 'id="test-certificate"' in page  # the self-signed default is named as a test certificate
    assert sign(deputy).status_code == 303
    text = " ".join(text_of(deputy.get("/consolidated.pdf", query_string=OCTOBER).data).split())
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text


def test_a_period_not_ended_is_signed_only_to_date_with_the_date_in_its_title(city, director):
    november = {"period": "month", "on": TODAY.replace(day=1).isoformat()}
    page = director.get("/consolidated", query_string=november).get_data(as_text=True)
    assert 'id="to-date-note"' in page and f"{TODAY:%d/%m/%Y}" in page
    refused = director.post("/consolidated/sign", data=november)
    assert refused.status_code == 303
    assert "xác nhận ký báo cáo tính đến hôm nay" in director.get(refused.location).get_data(as_text=True)

    assert director.post("/consolidated/sign", data={**november, "confirm_to_date": "1"}).status_code == 303
    pdf = director.get("/consolidated.pdf", query_string=november).data
    text = " ".join(text_of(pdf).split())
    assert f"từ ngày 01/{TODAY:%m/%Y} đến ngày {TODAY:%d/%m/%Y} (số liệu tính đến ngày {TODAY:%d/%m/%Y})" in text
    assert "01/12/2026" not in text and "30/11/2026" not in text


def test_the_seal_covers_the_left_third_of_the_leaders_signature_at_its_real_size(city, october, director, noon):
    """Decree 30/2020, Appendix I, Part II, read back from the signed file: the seal at its
    configured size over 25–40% of the signature image, on its left; the time in ISO 8601."""
    import subprocess

    from wardapp.core.pdf import signature

    sign(director)
    pdf = director.get("/consolidated.pdf", query_string=OCTOBER).data
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        rects = {
            str(annot.T): [float(v) for v in annot.Rect]
            for page in opened.pages
            for annot in page.get("/Annots") or []
            if annot.get("/FT") == "/Sig"
        }
    leader, seal = rects[signature.SIGNER_FIELD], rects[signature.ORGANISATION_FIELD]
    size = city.config["CITY_SEAL_SIZE_MM"] * signature.PT_PER_MM
    assert abs((seal[2] - seal[0]) - size) <= 1 and abs((seal[3] - seal[1]) - size) <= 1
    image_px = (480, 160)  # signature.placeholder_signature's image: the director uploaded none
    x1, _y1, x2, _y2 = signature.signature_image_area(tuple(leader), image_px)
    covered = (min(seal[2], x2) - max(seal[0], x1)) / (x2 - x1)
    assert 0.25 <= covered <= 0.40 and seal[0] < x1  # over its left third, from the left
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert noon.isoformat() in text  # 2026-11-20T12:00:00+07:00


def test_the_citys_verify_page_trusts_the_departments_own_signature(city, october, director):
    """Issue 22: `/verify` of the signed consolidated report says its signatures are valid."""
    assert sign(director).status_code == 303
    signed = director.get("/consolidated.pdf", query_string=OCTOBER).data
    support.make_user(city, "xemxet")
    reviewer = support.signed_in(city, "xemxet")
    page = reviewer.post("/verify", data={"pdf": (io.BytesIO(signed), "bc.pdf")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="signatures-valid"' in html
    tampered = signed.replace(b"/Title", b"/Titel", 1)
    broken = reviewer.post(
        "/verify", data={"pdf": (io.BytesIO(tampered), "bc.pdf")}, content_type="multipart/form-data"
    )
    assert 'data-verdict="signatures-valid"' not in broken.get_data(as_text=True)
