"""The city checks the push's ``pdf`` part: the commune's genuine signed copy is stored, a forged,
unsigned, tampered or mismatched one is refused with 422 ``bad_pdf`` and nothing is stored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization

from wardapp.core.pdf import document, verification
from wardapp.signing import documents

from ..sending import support
from .conftest import TODAY, correct, day_ready, name_leader, sign


def push_with_pdf(city, revision, pdf: bytes) -> requests.Response:
    files = [("photos", p) for p in support.photo_parts(revision)]
    files.append(("pdf", (f"{revision.report_key}.pdf", pdf, "application/pdf")))
    return requests.post(city.url + support.PUSH, data={"report": revision.jws}, files=files, timeout=30)


def refused(response: requests.Response, city) -> str:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "bad_pdf"
    assert city.received() == []  # nothing half-stored
    return response.json()["detail"]


def test_the_genuine_signed_pdf_is_accepted_and_stored(wired, signed):
    response = push_with_pdf(wired, signed, documents.revision_pdf(signed))

    assert response.status_code == 201, response.text
    [stored] = wired.received()
    assert stored["pdf_sha256"] is not None


def test_an_unsigned_pdf_is_refused(wired, signed):
    unsigned = verification.attach_payload(
        document.build_daily(documents.revision_input(signed)).data, signed.payload, signed.jws
    )

    assert "no signature" in refused(push_with_pdf(wired, signed, unsigned), wired)


def test_a_pdf_signed_by_a_ca_the_city_never_enrolled_is_refused(app, wired, signed, tmp_path: Path):
    """Someone makes their own CA and signs a PDF with the right payload: the city does not trust it."""
    genuine_folder = documents.cert_dir()
    shutil.move(genuine_folder, tmp_path / "genuine")
    try:
        forged = documents.build_signed_pdf(signed)  # a fresh local CA, leader and commune certificates
    finally:
        shutil.rmtree(genuine_folder)
        shutil.move(tmp_path / "genuine", genuine_folder)
    assert verification.check_pdf(forged, documents.trust_roots()).payload == signed.payload  # right payload

    detail = refused(push_with_pdf(wired, signed, forged), wired)
    assert "does not chain" in detail


def test_a_tampered_pdf_is_refused(wired, signed):
    pdf = bytearray(documents.revision_pdf(signed))
    pdf[len(pdf) // 3] ^= 0x01

    refused(push_with_pdf(wired, signed, bytes(pdf)), wired)


def test_the_signed_pdf_of_another_revision_is_refused(app, wired, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY)
    first = sign(commune, report, users)
    second = correct(commune, report, users, "Bổ sung số liệu hồ sơ trực tuyến theo yêu cầu của thành phố.")
    assert push_with_pdf(wired, first, documents.revision_pdf(first)).status_code == 201

    response = push_with_pdf(wired, second, documents.revision_pdf(first))

    assert response.status_code == 422 and response.json()["error"] == "bad_pdf"
    assert "another payload" in response.json()["detail"]
    assert [r["report_id"] for r in wired.received()] == [first.report_key]


def test_the_city_admin_enrols_the_communes_ca_on_the_page_and_its_pdfs_are_then_accepted(app, city, signed):
    app.config["CITY_URL"] = city.url
    city.make_user("quantri", "Nguyễn Quản Trị", role="admin")
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in documents.trust_roots())
    jwk = json.dumps(support.public_jwk())
    admin = city.signed_in("quantri")

    not_a_ca = admin.post("/communes", data={"code": "20242", "jwk": jwk, "ca_pem": "-----BEGIN CERTIFICATE-----\nx"})
    assert not_a_ca.status_code == 422 and "Không phải chứng thư PEM" in not_a_ca.get_data(as_text=True)
    page = admin.post("/communes", data={"code": "20242", "jwk": jwk, "ca_pem": pem.decode()})
    assert page.status_code == 303

    assert push_with_pdf(city, signed, documents.revision_pdf(signed)).status_code == 201
