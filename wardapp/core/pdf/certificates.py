"""Who signs a PDF, and with what: the certificates and keys of the two signing parties.

A daily report carries two signatures, as Vietnamese administrative documents do: the signer's
(the leader's personal certificate) and the organisation's (the commune's certificate). Each
party's material lives in a folder:

- ``key.pem`` + ``cert.pem`` (+ ``chain.pem``): a key file, made by the local CA or imported from a
  PKCS#12 file of a real CA;
- ``pkcs11.json``: a key on a PKCS#11 token (the USB tokens officials use); the key never leaves
  the token, the file only says which module, token and labels to use.

At set-up a small local CA (clearly named a development CA) issues the commune's and each leader's
certificate, so a fresh installation signs properly chained documents at once; a real CA's
certificates replace them. Pure functions of files: no Flask.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from wardapp.core.files import write_atomic

KEY_FILE, CERT_FILE, CHAIN_FILE, PKCS11_FILE = "key.pem", "cert.pem", "chain.pem", "pkcs11.json"
CA_FOLDER, LEADERS_FOLDER = "ca", "leaders"
# The demo signs 90 days of history: certificates must be valid well before the oldest of them.
BACKDATE = dt.timedelta(days=400)
CA_YEARS, HOLDER_YEARS = 20, 5
DEVELOPMENT_LABEL = "CA nội bộ wardapp - chỉ để phát triển"  # "development only", in its very name


def key_usage(*, vouches: bool, certifies: bool, revokes: bool) -> x509.KeyUsage:
    """Digital signature always; nonRepudiation where the holder vouches for what it signs; the
    signing of certificates and of revocation lists where it certifies or revokes; nothing else."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=vouches,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certifies,
        crl_sign=revokes,
        encipher_only=False,
        decipher_only=False,
    )


def root_builder(
    name: x509.Name, public_key: Any, not_before: dt.datetime, not_after: dt.datetime
) -> x509.CertificateBuilder:
    """A certificate that names itself as its issuer (a root), valid between the two moments:
    the caller adds its extensions and signs it with the key's private half."""
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def write_key(folder: Path, key: Any) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_atomic(folder / KEY_FILE, pem, mode=0o600)


def _pem(certs: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def make_local_ca(folder: Path, province_name: str, commune_name: str, now: dt.datetime) -> x509.Certificate:
    """A root CA for this installation only, labelled as a development CA in its very name."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"UBND {commune_name}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "wardapp - development / local only"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEVELOPMENT_LABEL),
        ]
    )
    cert = (
        root_builder(name, key.public_key(), now - BACKDATE, now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(vouches=False, certifies=True, revokes=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_key(folder, key)
    write_atomic(folder / CERT_FILE, _pem([cert]))
    return cert


def issue(ca_folder: Path, folder: Path, subject: x509.Name, now: dt.datetime) -> x509.Certificate:
    """A new key in ``folder`` and its signing certificate from the local CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_for_key(ca_folder, key.public_key(), subject, now)
    write_key(folder, key)
    write_atomic(folder / CERT_FILE, _pem([cert]))
    write_atomic(folder / CHAIN_FILE, _pem([certificate(ca_folder)]))
    (folder / PKCS11_FILE).unlink(missing_ok=True)
    return cert


def issue_for_key(ca_folder: Path, public_key: Any, subject: x509.Name, now: dt.datetime) -> x509.Certificate:
    """A signing certificate (digitalSignature + nonRepudiation, not a CA) from the local CA for a
    public key, e.g. one whose private half was made on a PKCS#11 token and never leaves it."""
    ca_key = serialization.load_pem_private_key((ca_folder / KEY_FILE).read_bytes(), None)
    ca_cert = certificate(ca_folder)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + dt.timedelta(days=365 * HOLDER_YEARS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(vouches=True, certifies=False, revokes=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )


def organisation_name(commune_name: str, province_name: str, commune_code: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"UBND {commune_name}"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"UBND {commune_name} ({commune_code})"),
        ]
    )


def person_name(full_name: str, position: str, commune_name: str, province_name: str) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"UBND {commune_name}"),
    ]
    if position:
        attributes.append(x509.NameAttribute(NameOID.TITLE, position[:64]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, full_name[:64]))
    return x509.Name(attributes)


def import_pkcs12(folder: Path, data: bytes, password: bytes | None) -> x509.Certificate:
    """Use a real CA's certificate from a PKCS#12 file (ValueError if unusable)."""
    key, cert, chain = pkcs12.load_key_and_certificates(data, password)
    if key is None or cert is None:
        raise ValueError("the PKCS#12 file holds no private key and certificate")
    write_key(folder, key)
    write_atomic(folder / CERT_FILE, _pem([cert]))
    if chain:
        write_atomic(folder / CHAIN_FILE, _pem(list(chain)))
    else:
        (folder / CHAIN_FILE).unlink(missing_ok=True)
    (folder / PKCS11_FILE).unlink(missing_ok=True)
    return cert


@dataclass(frozen=True)
class Pkcs12:
    """Key material held in memory as one encrypted PKCS#12 (the city department's, kept in its
    shared database): decrypted only while a document is signed."""

    data: bytes
    passphrase: bytes

    def certificate(self) -> x509.Certificate:
        _key, cert, _chain = self.load()
        return cert

    def load(self) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
        """(private key, certificate, chain); ValueError when the passphrase is not the one it was
        encrypted with, or the data is no PKCS#12 with a key and a certificate."""
        key, cert, chain = pkcs12.load_key_and_certificates(self.data, self.passphrase)
        if key is None or cert is None:
            raise ValueError("the PKCS#12 holds no private key and certificate")
        return key, cert, list(chain)


def encrypted_pkcs12(key: Any, cert: x509.Certificate, chain: list[x509.Certificate], passphrase: bytes) -> bytes:
    """``key``, ``cert`` and ``chain`` as one PKCS#12 encrypted with ``passphrase`` (AES-256)."""
    return pkcs12.serialize_key_and_certificates(
        b"wardapp", key, cert, chain or None, serialization.BestAvailableEncryption(passphrase)
    )


@dataclass(frozen=True)
class TokenConfig:
    """Where a key on a PKCS#11 token is. The PIN comes from ``pin_env`` (an environment variable)
    or from ``pin`` in the file (which is then kept 0600 like a key file)."""

    module: str
    token_label: str
    key_label: str
    cert_label: str | None = None
    pin: str | None = None
    pin_env: str | None = None

    def user_pin(self) -> str | None:
        if self.pin_env:
            return os.environ.get(self.pin_env)
        return self.pin


def use_token(folder: Path, config: TokenConfig) -> None:
    """Sign this party's documents with a key on a PKCS#11 token from now on."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {k: v for k, v in config.__dict__.items() if v is not None}
    write_atomic(folder / PKCS11_FILE, json.dumps(data, indent=2).encode(), mode=0o600)


def token_config(folder: Path) -> TokenConfig | None:
    path = folder / PKCS11_FILE
    if not path.exists():
        return None
    return TokenConfig(**json.loads(path.read_text()))


def has_material(folder: Path) -> bool:
    return (folder / PKCS11_FILE).exists() or (folder / CERT_FILE).exists()


def certificate(folder: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())


def chain(folder: Path) -> list[x509.Certificate]:
    path = folder / CHAIN_FILE
    return x509.load_pem_x509_certificates(path.read_bytes()) if path.exists() else []


def is_local_ca(cert: x509.Certificate) -> bool:
    names = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    return bool(names) and names[0].value == DEVELOPMENT_LABEL


def leader_folder(root: Path, username: str) -> Path:
    safe = "".join(c for c in username if c.isalnum() or c in "._-") or "_"
    return root / LEADERS_FOLDER / safe
