"""`flask pdf daily|month` and `flask pdf-cert import`."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID

from wardapp.audit.models import AuditEvent
from wardapp.core.pdf import signature
from wardapp.extensions import db
from wardapp.signing import documents

from .conftest import TODAY, YESTERDAY, commune_certificate, correct, text_of

DAY = TODAY.isoformat()
PASSWORD = "mat-khau-p12"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def certificate(common_name: str, key, issuer: x509.Certificate | None = None, issuer_key=None, ca: bool = False):
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key or key, hashes.SHA256())
    )


def pkcs12_file(tmp_path, key, cert, chain=None):
    path = tmp_path / "ubnd-hai-chau.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"UBND Phuong Hai Chau", key, cert, chain, BestAvailableEncryption(PASSWORD.encode())
        )
    )
    return path


def test_it_writes_the_signed_pdf_of_a_day(app, signed, tmp_path):
    output = tmp_path / "bao-cao.pdf"

    result = run(app, "pdf", "daily", DAY, "-o", str(output))

    assert result.exit_code == 0, result.output
    assert f"{output}:" in result.output
    assert output.read_bytes() == documents.revision_pdf(signed)
    assert signature.verify_pdf(output.read_bytes(), [commune_certificate()])


def test_it_refuses_a_day_without_a_signed_report_and_a_bad_date(app, signed, tmp_path):
    output = tmp_path / "khong-co.pdf"

    missing = run(app, "pdf", "daily", YESTERDAY.isoformat(), "-o", str(output))
    bad = run(app, "pdf", "daily", "21/11/2026", "-o", str(output))

    assert missing.exit_code != 0 and f"No signed report for {YESTERDAY}" in missing.output
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    assert not output.exists()


def test_it_writes_the_month_summary_and_the_late_list(app, signed, tmp_path):
    summary, late = tmp_path / "thang.pdf", tmp_path / "tre-han.pdf"

    first = run(app, "pdf", "month", f"{TODAY:%Y-%m}", "-o", str(summary))
    second = run(app, "pdf", "month", f"{TODAY:%Y-%m}", "--late-list", "-o", str(late))

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    summary_text, late_text = text_of(summary.read_bytes()), text_of(late.read_bytes())
    assert "Tổng hợp tình hình hoạt động" in summary_text and f"{TODAY:%d/%m} Đã ký" in summary_text
    assert "BÁO CÁO Danh sách hồ sơ trễ hạn và giải trình" in late_text and "Nguyễn Thị Lan" in late_text


def organisation_certificate():
    return signature.certificate(documents.cert_dir())


def test_it_signs_new_revisions_with_an_imported_certificate(app, commune, users, signed, tmp_path):
    first_pdf = documents.revision_pdf(signed)  # signed with the certificates the local CA issued at set-up
    local_ca = commune_certificate()
    key = ec.generate_private_key(ec.SECP256R1())
    new = certificate("UBND Phường Hải Châu (chứng thư thử nghiệm)", key)

    result = run(app, "pdf-cert", "import", str(pkcs12_file(tmp_path, key, new)), "--password", PASSWORD)

    assert result.exit_code == 0, result.output
    assert "Imported:" in result.output
    assert organisation_certificate() == new
    second = correct(commune, signed.report, users, "Sửa số liệu tiếp nhận trực tuyến.")
    second_pdf = documents.revision_pdf(second)
    # The leader still signs with the local CA's certificate, the commune now with the imported one.
    assert signature.verify_pdf(second_pdf, [local_ca, new])
    assert not signature.verify_pdf(second_pdf, [local_ca])
    assert documents.revision_pdf(signed) == first_pdf  # kept files stay as they were signed
    assert signature.verify_pdf(first_pdf, [local_ca]) and not signature.verify_pdf(first_pdf, [new])
    assert "pdf_cert.imported" in db.session.scalars(db.select(AuditEvent.action)).all()


def test_it_signs_with_a_certificate_issued_by_a_ca_and_keeps_its_chain(app, commune, users, signed, tmp_path):
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("CA thử nghiệm Đà Nẵng", ca_key, ca=True)
    leaf = certificate("UBND Phường Hải Châu", key, issuer=ca, issuer_key=ca_key)

    result = run(app, "pdf-cert", "import", str(pkcs12_file(tmp_path, key, leaf, [ca])), "--password", PASSWORD)

    assert result.exit_code == 0, result.output
    assert organisation_certificate() == leaf
    chain = x509.load_pem_x509_certificates((documents.cert_dir() / signature.CHAIN_FILE).read_bytes())
    assert chain == [ca]
    second_pdf = documents.revision_pdf(correct(commune, signed.report, users, "Bổ sung ảnh quầy tiếp nhận."))
    assert signature.verify_pdf(second_pdf, [commune_certificate(), ca])  # trusting the CAs is enough
    stranger = certificate("CA khác", ec.generate_private_key(ec.SECP256R1()), ca=True)
    assert not signature.verify_pdf(second_pdf, [commune_certificate(), stranger])


def test_it_refuses_a_wrong_password_and_replaces_nothing(app, commune, signed, tmp_path):
    documents.revision_pdf(signed)
    folder = documents.cert_dir()
    before = {
        name: (folder / name).read_bytes() for name in (signature.KEY_FILE, signature.CERT_FILE, signature.CHAIN_FILE)
    }
    key = ec.generate_private_key(ec.SECP256R1())
    path = pkcs12_file(tmp_path, key, certificate("Chứng thư khác", key))

    result = run(app, "pdf-cert", "import", str(path), "--password", "sai-mat-khau")

    assert result.exit_code == 1
    assert "Cannot use this file" in result.output and "password" in result.output.lower()
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert "pdf_cert.imported" not in db.session.scalars(db.select(AuditEvent.action)).all()


def test_it_refuses_a_file_that_is_not_pkcs12(app, commune, signed, tmp_path):
    documents.revision_pdf(signed)
    before = (documents.cert_dir() / signature.CERT_FILE).read_bytes()
    path = tmp_path / "not.p12"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot really\n")

    result = run(app, "pdf-cert", "import", str(path), "--password", PASSWORD)

    assert result.exit_code == 1 and "Cannot use this file" in result.output
    assert (documents.cert_dir() / signature.CERT_FILE).read_bytes() == before
