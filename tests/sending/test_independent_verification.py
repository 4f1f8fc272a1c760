"""The stored signature checked with `cryptography` alone: no joserfc, no project code on the path
from the token to the verdict, so a bug shared by our signer and our verifier cannot hide here."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wardapp.delivery.sender import send_due
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def thumbprint(jwk: dict) -> str:
    """RFC 7638 by hand: the required members in lexicographic order, no whitespace, SHA-256."""
    canonical = '{{"crv":"{}","kty":"{}","x":"{}"}}'.format(jwk["crv"], jwk["kty"], jwk["x"])
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode("ascii")).digest()).decode().rstrip("=")


@pytest.fixture
def received(app, wired, commune, users):
    """The commune's first revision as the city stored it, and the JWK the city enrolled."""
    report = support.ready_day(commune, users, TODAY, photos=1)
    sign_report(commune, report, users["leader"], "Chờ số liệu")
    assert send_due() == {"accepted": 1}
    [stored] = wired.received()
    return stored, support.public_jwk()


def test_it_signs_with_ed25519_under_the_keys_rfc7638_thumbprint(received):
    stored, jwk = received
    header = json.loads(unb64(stored["jws"].split(".")[0]))

    assert header == {"alg": "Ed25519", "kid": thumbprint(jwk), "typ": "wardapp-report+jws"}
    assert jwk["kid"] == thumbprint(jwk)
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519") and "d" not in jwk


def test_it_verifies_the_stored_jws_with_cryptography_alone(received):
    stored, jwk = received
    header_part, payload_part, signature_part = stored["jws"].split(".")
    public = Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))

    public.verify(unb64(signature_part), f"{header_part}.{payload_part}".encode("ascii"))  # raises if wrong

    assert unb64(payload_part) == stored["payload"]
    assert hashlib.sha256(stored["payload"]).hexdigest() == stored["payload_sha256"]
    assert json.loads(stored["payload"])["report_id"] == stored["report_id"]


def test_it_would_notice_a_changed_payload_with_cryptography_alone(received):
    stored, jwk = received
    header_part, payload_part, signature_part = stored["jws"].split(".")
    changed = json.loads(unb64(payload_part))
    changed["figures"]["received_online"] += 1
    forged = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode().rstrip("=")
    public = Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))

    with pytest.raises(InvalidSignature):
        public.verify(unb64(signature_part), f"{header_part}.{forged}".encode("ascii"))
