"""The leader signs with a key on a PKCS#11 token (SoftHSM2 here, a USB token in a commune): the key
is made on the token, never leaves it, and the signature validates against the local CA."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader

from wardapp.core.pdf import certificates, signature, verification
from wardapp.signing import documents

from ..helpers import TODAY
from .conftest import LEADER_NAME, commune_certificate, day_ready, name_leader, sign

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN, KEY_LABEL, USER_PIN = "wardapp-leader", "chu-ky-lanh-dao", "246810"


@pytest.fixture
def softhsm(tmp_path, monkeypatch):
    """A SoftHSM2 token of its own, in a temporary folder."""
    if not MODULE.exists() or shutil.which("softhsm2-util") is None:
        pytest.fail("SoftHSM2 is missing: apt-get install softhsm2 (listed in .ci/system-packages.txt)")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin", "13579", "--pin", USER_PIN],
        check=True,
        capture_output=True,
    )
    return MODULE


def make_key_on_token(module: Path, ca_folder: Path, subject: x509.Name) -> x509.Certificate:
    """Generate the leader's key pair on the token (not extractable), have the local CA certify its
    public half, and store the certificate on the token next to the key."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    token = pkcs11.lib(str(module)).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=USER_PIN) as session:
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        public, private = params.generate_keypair(
            store=True,
            label=KEY_LABEL,
            id=b"\x01",
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        )
        assert private[Attribute.EXTRACTABLE] is False and private[Attribute.SENSITIVE] is True
        public_key = serialization.load_der_public_key(encode_ec_public_key(public))
        cert = certificates.issue_for_key(ca_folder, public_key, subject, dt.datetime.now(dt.UTC))
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: KEY_LABEL,
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    return cert


def test_the_leader_signs_with_a_key_that_never_leaves_the_token(app, commune, users, softhsm):
    name_leader(users)
    leader = users["leader"]
    documents.ensure_certificate(commune)  # the local CA and the commune's certificate
    folder = documents.leader_dir(leader)
    subject = certificates.person_name(LEADER_NAME, leader.position, commune.name, commune.province_name)
    on_token = make_key_on_token(softhsm, documents.ca_dir(), subject)
    certificates.use_token(
        folder, certificates.TokenConfig(module=str(softhsm), token_label=TOKEN, key_label=KEY_LABEL, pin=USER_PIN)
    )
    (folder / certificates.CHAIN_FILE).write_bytes(
        certificates.certificate(documents.ca_dir()).public_bytes(serialization.Encoding.PEM)
    )
    assert not (folder / certificates.KEY_FILE).exists()  # no key file: the token holds it

    revision = sign(commune, day_ready(commune, users, TODAY), users)
    pdf = documents.revision_pdf(revision)

    checked = verification.check_pdf(pdf, [commune_certificate()])
    assert checked.valid, checked
    first = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert first.field_name == signature.SIGNER_FIELD
    assert first.signer_cert.dump() == on_token.public_bytes(serialization.Encoding.DER)
    assert checked.signatures[0].signing_time == revision.signed_at.replace(tzinfo=dt.UTC)
