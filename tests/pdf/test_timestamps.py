"""Certificates from a real CA (PKCS#12 import for the leader and the commune), an RFC 3161 timestamp
on each signature, and validation data embedded (PAdES B-LT), against a PKI served on 127.0.0.1."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from wardapp.core.pdf import certificates, verification
from wardapp.signing import documents

from ..helpers import TODAY
from . import pki
from .conftest import day_ready, name_leader, sign


@pytest.fixture
def test_pki(tmp_path):
    started, stop = pki.start(tmp_path / "pki")
    yield started
    stop()


@pytest.fixture
def real_ca(app, commune, users, test_pki):
    """The leader's and the commune's certificates imported from the test CA's PKCS#12 files."""
    name_leader(users)
    documents.ensure_certificate(commune)  # set-up's local CA first, then the real CA replaces it
    certificates.import_pkcs12(documents.cert_dir(), test_pki.pkcs12("commune"), pki.PASSWORD)
    certificates.import_pkcs12(documents.leader_dir(users["leader"]), test_pki.pkcs12("leader"), pki.PASSWORD)
    return test_pki


def test_each_signature_carries_a_timestamp_that_validates_with_its_tsa(app, commune, users, real_ca):
    app.config["PDF_TSA_URL"] = real_ca.tsa_url
    revision = sign(commune, day_ready(commune, users, TODAY), users)

    checked = verification.check_pdf(documents.revision_pdf(revision), [real_ca.root])
    assert checked.valid, checked
    assert [s.signer for s in checked.signatures] == ["Lê Thị Hằng", "UBND Phường Hải Châu"]
    for signature in checked.signatures:
        assert signature.timestamp is not None and signature.timestamp_valid
    # Trusting another root, the timestamp is no proof either.
    assert not verification.check_pdf(documents.revision_pdf(revision), [documents.trust_roots()[0]]).valid


def test_b_lt_embeds_the_chains_certificates_and_revocation_data(app, commune, users, real_ca):
    app.config["PDF_TSA_URL"] = real_ca.tsa_url
    app.config["PDF_VALIDATION_DATA"] = True
    revision = sign(commune, day_ready(commune, users, TODAY), users)
    pdf = documents.revision_pdf(revision)

    dss = PdfFileReader(io.BytesIO(pdf)).root["/DSS"]
    assert len(dss["/Certs"]) >= 3  # the holders', the root, the TSA's
    assert len(dss["/OCSPs"]) >= 1  # the leader's certificate names an OCSP responder
    assert len(dss["/CRLs"]) >= 1  # the commune's only a CRL
    checked = verification.check_pdf(pdf, [real_ca.root])
    assert checked.valid and all(s.validation_data for s in checked.signatures)


def test_without_validation_data_there_is_no_dss(app, commune, users, real_ca):
    revision = sign(commune, day_ready(commune, users, TODAY), users)
    pdf = documents.revision_pdf(revision)

    assert "/DSS" not in PdfFileReader(io.BytesIO(pdf)).root
    assert verification.check_pdf(pdf, [real_ca.root]).valid
