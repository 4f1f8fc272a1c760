"""The enrolment file: everything a city needs to accept a commune's pushes, in one file.

A commune hands the city one JSON file (``flask --app wsgi keys export``): its code and name, the
public half of the Ed25519 key its reports are signed with, and the CA certificates its PDF
signatures chain to (PROTOCOL "Enrolment"). Before, the key and the CA travelled as two files
enrolled by two commands, and a city that enrolled only the first refused every PDF.

The parts are bound together by a ``proof``: a compact JWS made with the enrolled key over the
commune's code, the key's ``kid`` and the SHA-256 of every CA certificate. A file whose CA was
swapped, whose code was edited or whose key is not the one that made the proof is refused whole,
so nobody can attach their own CA to a commune's key by editing the file.

Pure: no Flask, no database. The commune builds a file with :func:`build`; the city reads one with
:func:`read`, which also takes the older key-only JWK (``legacy`` set, no CA).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from joserfc import jws
from joserfc.jwk import OKPKey

from wardapp.core.i18n import gettext as _

FORMAT = "wardapp-enrolment"
VERSION = 1
PROOF_TYPE = "wardapp-enrolment+jws"
# An enrolment file is a few certificates: anything larger is not one (and is not read whole).
MAX_BYTES = 256 * 1024

# The Ed25519 points of small order, by their y-coordinate with the sign bit cleared (as libsodium's
# ge25519_has_small_order checks them; "Taming the many EdDSAs" lists them): a "public key" that is
# one of them accepts forged signatures (R = identity, S = 0 verifies any message). The last three
# are non-canonical encodings (y = p - 1, p, p + 1) that some decoders reduce to the others.
SMALL_ORDER_Y = frozenset(
    bytes.fromhex(h)
    for h in (
        "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
        "0100000000000000000000000000000000000000000000000000000000000000",  # the identity
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2 (p - 1)
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # p: y = 0
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # p + 1: y = 1
    )
)


def has_small_order(raw: bytes) -> bool:
    y = bytearray(raw)
    y[-1] &= 0x7F
    return bytes(y) in SMALL_ORDER_Y


class EnrolmentError(ValueError):
    """The file cannot be enrolled; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Enrolment:
    code: str  # the commune's five-digit code ("" when a legacy JWK file names none)
    name: str
    jwk: dict[str, Any]  # the public key: kty, crv, x, kid
    ca_certificates: list[x509.Certificate] = field(default_factory=list)
    legacy: bool = False  # an older key-only JWK: no CA, no proof

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])

    @property
    def ca_fingerprints(self) -> list[str]:
        return [fingerprint(cert) for cert in self.ca_certificates]


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key(jwk: dict[str, Any]) -> dict[str, Any]:
    """The public Ed25519 JWK with its RFC 7638 thumbprint as ``kid``, or :class:`EnrolmentError`.

    Refuses a private key, another curve, a ``kid`` that is not the thumbprint, and the points of
    small order (a "key" that accepts forged signatures)."""
    if not isinstance(jwk, dict):
        raise EnrolmentError(_("Khóa công khai phải là một đối tượng JSON (JWK)."))
    if "d" in jwk:
        raise EnrolmentError(
            _("Đây là khóa bí mật: chỉ kết nối khóa công khai (lệnh %(command)s).", command="flask keys export")
        )
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise EnrolmentError(_("Khóa phải là khóa OKP Ed25519."))
    try:
        raw = _b64url_decode(str(jwk.get("x", "")))
        key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]})
    except Exception as error:  # joserfc and base64 raise several types for bad key material
        raise EnrolmentError(_("Không phải khóa công khai Ed25519 dạng JWK: %(error)s", error=error)) from error
    if len(raw) != 32 or has_small_order(raw):
        raise EnrolmentError(_("Khóa công khai này không an toàn (điểm bậc nhỏ): không thể kết nối."))
    kid = key.thumbprint()
    if jwk.get("kid") not in (None, kid):
        raise EnrolmentError(_("Mã kid của JWK không phải dấu vân tay RFC 7638 của khóa."))
    return {**key.as_dict(private=False), "kid": kid}


def _proof_claims(code: str, kid: str, cas: list[x509.Certificate], made_at: str) -> dict[str, Any]:
    return {"code": code, "kid": kid, "pdf_ca_sha256": sorted(fingerprint(c) for c in cas), "made_at": made_at}


def build(
    *,
    code: str,
    name: str,
    province_code: str,
    jwk: dict[str, Any],
    private_key: OKPKey,
    ca_certificates: list[x509.Certificate],
    made_at: dt.datetime,
) -> dict[str, Any]:
    """The enrolment file's JSON object (the caller writes it with ``json.dumps(..., indent=2)``)."""
    public = public_key(jwk)
    when = made_at.isoformat(timespec="seconds")
    claims = _proof_claims(code, public["kid"], ca_certificates, when)
    proof = jws.serialize_compact(
        {"alg": "Ed25519", "kid": public["kid"], "typ": PROOF_TYPE},
        json.dumps(claims, sort_keys=True, separators=(",", ":")).encode(),
        private_key,
        algorithms=["Ed25519"],
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "commune": {"code": code, "name": name, "province_code": province_code},
        "key": public,
        "pdf_ca": [_pem(c) for c in ca_certificates],
        "made_at": when,
        "proof": proof,
    }


def read(data: bytes | str) -> Enrolment:
    """The enrolment in a file's bytes: an enrolment file, or an older bare JWK (``legacy``).

    Raises :class:`EnrolmentError` for anything else, and for an enrolment file whose parts do not
    belong together (the proof not made by its key, or over another code or other CAs)."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise EnrolmentError(_("Tệp quá lớn để là tệp kết nối (tối đa %(n)s KB).", n=MAX_BYTES // 1024))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise EnrolmentError(_("Tệp kết nối phải là văn bản UTF-8.")) from error
    try:
        document = json.loads(data)
    except ValueError as error:
        raise EnrolmentError(_("Tệp kết nối không phải JSON hợp lệ: %(error)s", error=error)) from error
    if not isinstance(document, dict):
        raise EnrolmentError(_("Tệp kết nối phải là một đối tượng JSON."))
    if document.get("format") != FORMAT:
        return _legacy(document)
    return _enrolment(document)


def _legacy(document: dict[str, Any]) -> Enrolment:
    """An older ``keys export`` file: the bare public JWK, perhaps with a ``code`` member."""
    code = str(document.get("commune_code", "") or document.get("code", "") or "")
    jwk = {k: v for k, v in document.items() if k not in ("code", "commune_code")}
    return Enrolment(code=code, name="", jwk=public_key(jwk), legacy=True)


def _enrolment(document: dict[str, Any]) -> Enrolment:
    if document.get("version") != VERSION:
        raise EnrolmentError(_("Phiên bản tệp kết nối không được hỗ trợ: %(v)s.", v=document.get("version")))
    commune = document.get("commune")
    if not isinstance(commune, dict) or not isinstance(commune.get("code"), str):
        raise EnrolmentError(_("Tệp kết nối thiếu mã xã/phường."))
    jwk = public_key(document.get("key"))  # type: ignore[arg-type]
    cas = _ca_certificates(document.get("pdf_ca"))
    _check_proof(document.get("proof"), jwk, commune["code"], cas, document.get("made_at"))
    return Enrolment(code=commune["code"], name=str(commune.get("name", "")), jwk=jwk, ca_certificates=cas)


def _ca_certificates(pems: object) -> list[x509.Certificate]:
    if not isinstance(pems, list) or not all(isinstance(p, str) for p in pems):
        raise EnrolmentError(_("Phần chứng thư CA của tệp kết nối không hợp lệ."))
    certs: list[x509.Certificate] = []
    for text in pems:
        try:
            certs.extend(x509.load_pem_x509_certificates(text.encode("ascii")))
        except (ValueError, UnicodeEncodeError) as error:
            raise EnrolmentError(_("Không phải chứng thư PEM: %(error)s", error=error)) from error
    for cert in certs:
        ensure_ca(cert)
    return certs


def ensure_ca(cert: x509.Certificate) -> None:
    """A certificate that may issue others (basic constraints CA), else :class:`EnrolmentError`."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise EnrolmentError(_("%(subject)s không phải chứng thư CA.", subject=cert.subject.rfc4514_string()))


def _check_proof(proof: object, jwk: dict[str, Any], code: str, cas: list[x509.Certificate], made_at: object) -> None:
    """The proof was made by this key over this code and exactly these CAs."""
    mismatch = EnrolmentError(
        _(
            "Các phần của tệp kết nối không khớp nhau (khóa, mã xã/phường và chứng thư CA không do "
            "cùng một xã/phường xuất ra): hãy xuất lại tệp tại xã/phường."
        )
    )
    if not isinstance(proof, str):
        raise mismatch
    key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]})
    try:
        signed = jws.deserialize_compact(proof, key, algorithms=["Ed25519", "EdDSA"])
        claims = json.loads(signed.payload)
    except Exception as error:  # a bad signature or a malformed token: either way, not this key's
        raise mismatch from error
    header = signed.protected
    if header.get("typ") != PROOF_TYPE or header.get("kid") not in (None, jwk["kid"]) or "crit" in header:
        raise mismatch
    if claims != _proof_claims(code, jwk["kid"], cas, str(made_at)):
        raise mismatch
