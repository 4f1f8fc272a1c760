"""The city department's signing key, shared by every intake server through the database.

The consolidated report is signed with the department's certificate. Several intake servers sign
it, so the key cannot live on one server's disk: it is one PKCS#12 in ``city_signing_keys``,
encrypted (AES-256) with a passphrase that is configuration and never stored in the database:
``CITY_SIGNING_KEY_PASSPHRASE``, or when that is empty a value derived from the secret key (which
every server of one intake already shares). A database backup alone therefore does not hand out
the key. The first server to need it makes a self-signed certificate (until a CA's is imported:
``flask --app wardapp.city.app city signing-key import FILE.p12``); two servers making it at the
same moment keep the one stored first.

A deployment that keeps the key on a PKCS#11 token instead (a network HSM every server reaches)
sets ``CITY_SIGNING_FOLDER`` on every server to a folder holding its ``pkcs11.json``
(``core/pdf/certificates``); the database then holds no key.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wardapp.city.accounts import scope
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CitySigningKey
from wardapp.core.pdf import certificates
from wardapp.core.pdf.certificates import Pkcs12

DEPARTMENT = "department"
LEGACY_FOLDER = "city-pdf-cert"  # where intakes before this one kept the key (instance folder)


class SigningKeyError(RuntimeError):
    """The stored key cannot be used by this server (another passphrase), said plainly."""


def passphrase() -> bytes:
    """This server's passphrase for the stored key: configured, or derived from the secret key."""
    config = current_app.config
    configured = str(config.get("CITY_SIGNING_KEY_PASSPHRASE") or "")
    if configured:
        return configured.encode("utf-8")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"wardapp city signing key")
    return derived.derive(str(config["SECRET_KEY"]).encode("utf-8")).hex().encode("ascii")


def token_folder() -> Path | None:
    configured = current_app.config.get("CITY_SIGNING_FOLDER")
    return Path(configured) if configured else None


def department_key() -> Path | Pkcs12:
    """What the consolidated report is signed with: the token's folder, or the stored PKCS#12
    (made on first use). SigningKeyError when this server cannot open the stored key."""
    folder = token_folder()
    if folder is not None:
        return folder
    row = _stored() or _create()
    material = Pkcs12(row.pkcs12, passphrase())
    try:
        material.load()
    except ValueError:
        raise SigningKeyError(
            "This server cannot open the department's signing key: its CITY_SIGNING_KEY_PASSPHRASE "
            "(or, when that is empty, its secret key) is not the one the key was stored with. Every "
            "intake server must have the same settings."
        ) from None
    return material


def department_certificate() -> x509.Certificate:
    folder = token_folder()
    if folder is not None:
        return certificates.certificate(folder)
    row = _stored() or _create()
    return x509.load_pem_x509_certificate(row.certificate.encode("ascii"))


def department_roots() -> list[x509.Certificate]:
    """What ``/verify`` trusts for the department's own documents: its certificate (a self-signed
    default is its own root; one issued by a CA verifies by itself as an anchor too). Nothing when
    the department has no key yet: reading never makes one."""
    folder = token_folder()
    if folder is not None:
        return [certificates.certificate(folder)]
    row = _stored()
    return [] if row is None else [x509.load_pem_x509_certificate(row.certificate.encode("ascii"))]


def _stored() -> CitySigningKey | None:
    return db.session.scalar(select(CitySigningKey).where(CitySigningKey.purpose == DEPARTMENT))


def _create() -> CitySigningKey:
    """The department's first key: the one an older intake made in its instance folder when there
    is one (its reports stay verifiable with the same certificate), else a new self-signed one."""
    legacy = Path(current_app.instance_path) / LEGACY_FOLDER
    if (legacy / certificates.KEY_FILE).exists() and (legacy / certificates.CERT_FILE).exists():
        key = serialization.load_pem_private_key((legacy / certificates.KEY_FILE).read_bytes(), None)
        cert, chain = certificates.certificate(legacy), certificates.chain(legacy)
    else:
        from wardapp.core.pdf import signature  # pyHanko: loaded when a document is first signed

        config = current_app.config
        provinces = scope.served()
        key, cert = signature.self_signed(
            config["CITY_DEPARTMENT_NAME"],
            ", ".join(scope.province_name(p) for p in provinces) or "Việt Nam",
            "-".join(provinces),
            organization=config["CITY_DEPARTMENT_NAME"],
        )
        chain = []
    return store(key, cert, chain, actor="")


def store(key, cert: x509.Certificate, chain: list[x509.Certificate], *, actor: str, replace: bool = False):
    """Keep ``key`` as the department's (encrypted with this server's passphrase) and commit.
    Without ``replace``, a key another server stored first wins and is returned instead."""
    data = certificates.encrypted_pkcs12(key, cert, chain, passphrase())
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    row = _stored()
    if row is not None and replace:
        row.pkcs12, row.certificate, row.created_by = data, pem, actor[:64]
        db.session.commit()
        return row
    try:
        with db.session.begin_nested():
            row = CitySigningKey(purpose=DEPARTMENT, pkcs12=data, certificate=pem, created_by=actor[:64])
            db.session.add(row)
        db.session.commit()
    except IntegrityError:  # another server stored its key a moment before: use that one
        db.session.rollback()
        row = _stored()
        assert row is not None
    return row


def import_pkcs12(data: bytes, password: bytes | None, *, actor: str) -> x509.Certificate:
    """Replace the department's key by a CA's certificate and key from a PKCS#12 file (ValueError
    when the file cannot be opened with ``password`` or holds no key and certificate)."""
    key, cert, chain = Pkcs12(data, password or b"").load() if password else _unprotected(data)
    store(key, cert, chain, actor=actor, replace=True)
    return cert


def _unprotected(data: bytes):
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, chain = pkcs12.load_key_and_certificates(data, None)
    if key is None or cert is None:
        raise ValueError("the PKCS#12 holds no private key and certificate")
    return key, cert, list(chain)
