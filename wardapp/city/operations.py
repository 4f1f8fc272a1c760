"""The city intake's multi-step work: enrolling communes, storing verified pushes, the grid."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from flask import current_app
from joserfc.jwk import OKPKey

from wardapp.city.extensions import city_db as db
from wardapp.city.models import (
    CityCommune,
    CityKey,
    IntakeLog,
    ReceivedPhoto,
    ReceivedReport,
)
from wardapp.core.clock import utcnow
from wardapp.core.files import write_atomic, write_once
from wardapp.core.payload import pdf_filename
from wardapp.core.units import all_units, find
from wardapp.core.verify import Refusal, VerifiedPush


class EnrolError(ValueError):
    pass


def enrol(code: str, jwk: dict) -> CityKey:
    """Register a commune's public key (its thumbprint must be its kid)."""
    unit = find(code)
    if unit is None:
        raise EnrolError(f"{code} is not a commune code of the official list")
    if unit.province_code != current_app.config["CITY_PROVINCE_CODE"]:
        raise EnrolError(f"{code} ({unit.name}) is not in province {current_app.config['CITY_PROVINCE_CODE']}")
    try:
        key = OKPKey.import_key({k: v for k, v in jwk.items() if k in ("kty", "crv", "x")})
    except Exception as error:  # joserfc raises several types for bad key material
        raise EnrolError(f"not an Ed25519 public JWK: {error}") from error
    if key.as_dict().get("crv") != "Ed25519":
        raise EnrolError("the key must be an Ed25519 OKP key")
    kid = key.thumbprint()
    if jwk.get("kid") not in (None, kid):
        raise EnrolError("the JWK's kid is not its RFC 7638 thumbprint")
    commune = db.session.get(CityCommune, code) or CityCommune(
        code=code, name=unit.name, province_code=unit.province_code
    )
    commune.enrolled_at = commune.enrolled_at or utcnow()
    db.session.add(commune)
    existing = db.session.scalar(db.select(CityKey).filter_by(kid=kid))
    if existing is not None:
        if existing.commune_code != code:
            raise EnrolError("this key is already enrolled for another commune")
        return existing
    row = CityKey(kid=kid, commune_code=code, jwk=key.as_dict())
    db.session.add(row)
    return row


def trust_dir() -> Path:
    """Roots the communes' PDF signatures chain to: ``*.pem`` here for every commune (a national
    CA), ``<code>/*.pem`` for one commune only (its local CA, enrolled with its key)."""
    configured = current_app.config.get("CITY_PDF_TRUST_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "pdf-trust"


def trust_roots(commune_code: str) -> list[x509.Certificate]:
    folder = trust_dir()
    roots = []
    for path in sorted([*folder.glob("*.pem"), *(folder / commune_code).glob("*.pem")]):
        try:
            roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except ValueError:
            current_app.logger.warning("not a PEM certificate file: %s", path)
    return roots


def enrol_ca(code: str, pem: bytes) -> list[x509.Certificate]:
    """Trust ``pem`` (one or more CA certificates) for the PDFs of commune ``code``."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise EnrolError(f"not a PEM certificate: {error}") from error
    for cert in certs:
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise EnrolError(f"{cert.subject.rfc4514_string()} is not a CA certificate")
    folder = trust_dir() / code
    folder.mkdir(parents=True, exist_ok=True)
    for cert in certs:
        name = cert.fingerprint(hashes.SHA256()).hex()[:32] + ".pem"
        write_atomic(folder / name, cert.public_bytes(serialization.Encoding.PEM))
    return certs


def lookup_key(kid: str) -> tuple[OKPKey, str] | None:
    row = db.session.scalar(db.select(CityKey).filter_by(kid=kid))
    return None if row is None else (OKPKey.import_key(row.jwk), row.commune_code)


def storage_dir(kind: str) -> Path:
    path = Path(current_app.instance_path) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_path(sha256: str) -> Path:
    return storage_dir("photos") / sha256


def pdf_path(report_id: str) -> Path:
    return storage_dir("pdfs") / pdf_filename(report_id)


def receipt(report: ReceivedReport) -> dict:
    return {
        "receipt_id": report.receipt_id,
        "report_id": report.report_id,
        "received_at": report.received_at.replace(tzinfo=dt.UTC).isoformat(timespec="seconds"),
        "payload_sha256": report.payload_sha256,
    }


def store(push: VerifiedPush, token: str, pdf: bytes | None) -> tuple[int, dict]:
    """Store a verified push once; an identical resend gets the same receipt (200)."""
    report_id = push.payload["report_id"]
    existing = db.session.scalar(db.select(ReceivedReport).filter_by(report_id=report_id))
    if existing is not None:
        if existing.payload_sha256 == push.payload_sha256:
            return 200, receipt(existing)
        raise Refusal(409, "conflict", f"{report_id} was already received with other content")
    for sha, upload in push.photos.items():
        write_once(photo_path(sha), upload.data)
    if pdf is not None:
        write_once(pdf_path(report_id), pdf)
    now = utcnow()
    report = ReceivedReport(
        report_id=report_id,
        commune_code=push.commune_code,
        date=dt.date.fromisoformat(push.payload["date"]),
        revision=push.payload["revision"],
        supersedes=push.payload["supersedes"],
        payload=push.payload_bytes,
        payload_sha256=push.payload_sha256,
        jws=token,
        kid=push.kid,
        late=push.payload["late"],
        receipt_id=f"{now:%Y%m%d}-{push.commune_code}-{secrets.token_hex(4).upper()}",
        received_at=now,
        pdf_sha256=hashlib.sha256(pdf).hexdigest() if pdf else None,
    )
    db.session.add(report)
    for photo in push.payload["photos"]:
        db.session.add(
            ReceivedPhoto(
                report=report, sha256=photo["sha256"], content_type=photo["content_type"], bytes=photo["bytes"]
            )
        )
    return 201, receipt(report)


def log_request(request, status: int, error: str = "", detail: str = "", report_id=None, commune=None) -> None:
    db.session.add(
        IntakeLog(
            ip=request.remote_addr,
            method=request.method,
            path=request.path[:200],
            status=status,
            error=error,
            detail=detail[:2000],
            report_id=report_id,
            commune_code=commune,
        )
    )


@dataclass(frozen=True)
class Cell:
    day: dt.date
    state: str  # on_time, late, corrected, returned, missing, future
    report: ReceivedReport | None


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    enrolled: bool
    cells: list[Cell]


def latest_reports(start: dt.date, end: dt.date) -> dict[tuple[str, dt.date], ReceivedReport]:
    """The newest revision of every commune-day in the range: one query."""
    rows = db.session.scalars(
        db.select(ReceivedReport).filter(ReceivedReport.date.between(start, end)).order_by(ReceivedReport.revision)
    ).all()
    return {(r.commune_code, r.date): r for r in rows}


def cell_state(report: ReceivedReport | None) -> str:
    if report is None:
        return "missing"
    if report.state == "returned":
        return "returned"
    if report.revision > 1:
        return "corrected"
    return "late" if report.late else "on_time"


def grid(province: str, start: dt.date, end: dt.date, today: dt.date) -> list[Row]:
    enrolled = set(db.session.scalars(db.select(CityCommune.code).filter(CityCommune.enrolled_at.is_not(None))))
    latest = latest_reports(start, end)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    rows = []
    for unit in sorted((u for u in all_units().values() if u.province_code == province), key=lambda u: u.code):
        cells = [
            Cell(d, "future" if d > today else cell_state(latest.get((unit.code, d))), latest.get((unit.code, d)))
            for d in days
        ]
        rows.append(Row(unit.code, unit.name, unit.code in enrolled, cells))
    return rows
