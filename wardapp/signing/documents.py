"""The signed revision's PDF: built and signed when the leader signs, kept under ``instance/pdfs``,
then only ever read.

Certificates live under ``instance/pdf-cert``: the commune's (organisation) material at its root,
the local development CA under ``ca/``, each leader's under ``leaders/<username>/`` (a key file,
a PKCS#12 import or a PKCS#11 token, see ``core.pdf.certificates``), the seal image as
``seal.png`` and each leader's signature image as ``leaders/<username>/signature.png``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from flask import current_app
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from PIL import Image
from werkzeug.exceptions import NotFound

from wardapp.commune.models import Commune
from wardapp.core import clock, images
from wardapp.core.files import write_atomic
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import certificates, document, inputs, verification
from wardapp.evidence import storage as photo_storage
from wardapp.signing.models import ReportRevision

if TYPE_CHECKING:
    from wardapp.core.pdf import signature

SEAL_FILE, SIGNATURE_IMAGE_FILE = "seal.png", "signature.png"


def _signing() -> ModuleType:
    """The signing module, imported when a document is first signed: it brings pyHanko, fontTools
    and aiohttp, half a second of the app's start-up otherwise (docs/PERFORMANCE.md, start-up)."""
    from wardapp.core.pdf import signature as module

    return module


class MissingPdf(NotFound):
    """A signed revision without its stored PDF (signed before PDFs were built at signing, or the
    process stopped between the commit and the file's rename): ``flask pdf repair`` builds it."""

    description = lazy_gettext("Chưa có bản PDF đã ký của báo cáo này; quản trị viên chạy lệnh “flask pdf repair”.")


def cert_dir() -> Path:
    return Path(current_app.instance_path) / "pdf-cert"


def ca_dir() -> Path:
    return cert_dir() / certificates.CA_FOLDER


def leader_dir(user) -> Path:
    return certificates.leader_folder(cert_dir(), user.username)


def _now() -> dt.datetime:
    return clock.now().astimezone(dt.UTC)


@contextlib.contextmanager
def _issuing() -> Iterator[None]:
    """One issuer at a time across workers: a double click on "Ký" is two requests that could
    otherwise both issue a first certificate and leave one's key beside the other's certificate."""
    folder = cert_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_local_ca(commune: Commune) -> Path:
    folder = ca_dir()
    if not (folder / certificates.CERT_FILE).exists():
        certificates.make_local_ca(folder, commune.province_name, commune.name, _now())
    return folder


def ensure_certificate(commune: Commune) -> Path:
    """The commune's (organisation) certificate: issued by the local CA unless one was imported."""
    folder = cert_dir()
    with _issuing():
        ensure_local_ca(commune)
        if not certificates.has_material(folder):
            name = certificates.organisation_name(commune.name, commune.province_name, commune.code)
            certificates.issue(ca_dir(), folder, name, _now())
        if not (folder / SEAL_FILE).exists():
            write_atomic(folder / SEAL_FILE, _signing().placeholder_seal(f"UBND {commune.name}"))
    return folder


def ensure_leader_certificate(commune: Commune, user) -> Path:
    """The leader's personal certificate: issued by the local CA unless imported or on a token."""
    folder = leader_dir(user)
    with _issuing():
        if not certificates.has_material(folder):
            ensure_local_ca(commune)
            name = certificates.person_name(user.full_name, user.position or "", commune.name, commune.province_name)
            certificates.issue(ca_dir(), folder, name, _now())
        if not (folder / SIGNATURE_IMAGE_FILE).exists():
            write_atomic(folder / SIGNATURE_IMAGE_FILE, _signing().placeholder_signature(user.full_name))
    return folder


def trust_roots() -> list[x509.Certificate]:
    """The roots this installation's documents chain to: the local CA and the top of every imported
    chain (what the city enrols to verify them)."""
    roots: dict[bytes, x509.Certificate] = {}
    folders = [ca_dir(), cert_dir(), *sorted((cert_dir() / certificates.LEADERS_FOLDER).glob("*"))]
    for folder in folders:
        candidates = certificates.chain(folder)
        if (folder / certificates.CERT_FILE).exists():
            candidates.append(certificates.certificate(folder))
        for cert in candidates:
            if cert.issuer == cert.subject:
                roots[cert.fingerprint(certificate_hash())] = cert
    return list(roots.values())


def certificate_hash():
    return hashes.SHA256()


def photo_images(sha256: str) -> tuple[bytes, int, int] | None:
    """A signed photo's thumbnail for the PDF grid, made if it is missing (the sign gate decoded
    every photo it signed; a thumbnail lost since is made again from the original)."""
    try:
        path = photo_storage.ensure_thumbnail(sha256)
    except (OSError, images.PhotoUnreadable):
        return None
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        return data, image.width, image.height


def revision_input(revision: ReportRevision) -> document.DailyInput:
    """The document of a signed revision: a function of its signed payload and signature only
    (the trend it prints is the one signed in the payload), so it rebuilds to the same bytes."""
    commune = Commune.installed()
    return inputs.daily_input(
        revision.document,
        province_name=commune.province_name,
        images=photo_images,
        key_thumbprint=revision.kid,
        payload_sha256=revision.payload_sha256,
        payload_bytes=revision.payload,
        jws=revision.jws,
        city_url=current_app.config.get("CITY_URL") or "",
        symbol=commune.document_symbol,
    )


def pdf_path(revision: ReportRevision) -> Path:
    return Path(current_app.instance_path) / "pdfs" / pdf_filename(revision.report_key)


def signing_services() -> signature.Services:
    config = current_app.config
    return _signing().Services(
        tsa_url=(config.get("PDF_TSA_URL") or "").strip() or None,
        embed_validation_info=bool(config.get("PDF_VALIDATION_DATA")),
    )


def _party_image(folder: Path, name: str) -> bytes | None:
    path = folder / name
    return path.read_bytes() if path.exists() else None


def build_signed_pdf(revision: ReportRevision) -> bytes:
    """Lay out the revision, embed its payload and JWS, and sign it as the leader, then as the
    commune; every time in the signatures is the revision's ``signed_at``."""
    with force_locale("vi"):
        built = document.build_daily(revision_input(revision))
    data = verification.attach_payload(built.data, revision.payload, revision.jws)
    return sign_twice(
        data,
        built.signature_rect,
        leader=revision.signed_by,
        signed_at=revision.signed_at.replace(tzinfo=dt.UTC),
        reason=f"Báo cáo ngày {revision.report.date:%d/%m/%Y} ({revision.report_key})",
    )


def sign_twice(
    data: bytes, rect: tuple[float, float, float, float] | None, *, leader, signed_at: dt.datetime, reason: str
) -> bytes:
    """The two PAdES signatures of a commune document: ``leader``'s certificate, then the commune's
    (its seal over the left third of the leader's appearance), both timed at ``signed_at``."""
    commune = Commune.installed()
    organisation = f"UBND {commune.name}"
    leader_folder = ensure_leader_certificate(commune, leader)
    commune_folder = ensure_certificate(commune)
    pades = _signing()
    return pades.sign_document(
        data,
        rect,
        signer=pades.Party(leader_folder, leader.full_name, _party_image(leader_folder, SIGNATURE_IMAGE_FILE)),
        organisation=pades.Party(commune_folder, organisation, _party_image(commune_folder, SEAL_FILE)),
        signing=pades.Signing(
            signed_at=signed_at,
            organisation=organisation,
            location=f"{commune.name}, {commune.province_name}",
            reason=reason,
            seal_mm=float(current_app.config.get("SEAL_SIZE_MM") or 0),
        ),
        services=signing_services(),
    )


def prepare_pdf(revision: ReportRevision) -> Path:
    """Build and sign the PDF into a pending file, before the signing transaction commits; the
    caller renames it into place (``keep_pdf``) after the commit or deletes it (``drop_pdf``)."""
    final = pdf_path(revision)
    pending = final.parent / ".pending" / f"{final.name}.{uuid.uuid4().hex}"
    write_atomic(pending, build_signed_pdf(revision))
    return pending


def keep_pdf(pending: Path, revision: ReportRevision) -> None:
    final = pdf_path(revision)
    os.replace(pending, final)


def drop_pdf(pending: Path | None) -> None:
    if pending is not None:
        pending.unlink(missing_ok=True)


def revision_pdf(revision: ReportRevision) -> bytes:
    """The stored signed PDF of a revision; never builds one (MissingPdf, a 404, if absent)."""
    try:
        return pdf_path(revision).read_bytes()
    except FileNotFoundError:
        raise MissingPdf() from None


def signed_pdf_file(revision: ReportRevision) -> Path:
    """The kept signed PDF of a revision, and the one operation that makes a missing one: signing
    makes it; a revision without its file (signed before PDFs were kept at signing, or stopped
    between the commit and the rename) has it made here, once, by whoever asks first (a download,
    a ZIP, the sender, ``flask pdf repair``). Its signatures still carry the revision's
    ``signed_at``; only the build moment differs."""
    path = pdf_path(revision)
    if not path.exists():
        write_atomic(path, build_signed_pdf(revision))
    return path


def certificate_rows(leaders) -> list[dict]:
    """What the certificates page shows for the commune and each leader."""
    rows = [_row(cert_dir(), "commune", _("Cơ quan (con dấu)"))]
    rows += [_row(leader_dir(user), user.username, user.full_name) for user in leaders]
    return rows


def _row(folder: Path, key: str, who: str) -> dict:
    token = certificates.token_config(folder)
    cert = certificates.certificate(folder) if (folder / certificates.CERT_FILE).exists() else None
    if token is not None:
        source = _("Token PKCS#11 %(token)s, khóa %(key)s", token=token.token_label, key=token.key_label)
    elif cert is None:
        source = _("Chưa cấp: CA nội bộ cấp khi ký lần đầu")
    elif certificates.is_local_ca(cert):
        source = _("CA nội bộ (mặc định để phát triển, không có giá trị pháp lý)")
    else:
        source = _("Nhập từ tệp PKCS#12 của tổ chức chứng thực")
    return {
        "key": key,
        "who": who,
        "subject": cert.subject.rfc4514_string() if cert else "",
        "issuer": cert.issuer.rfc4514_string() if cert else "",
        "not_before": cert.not_valid_before_utc if cert else None,
        "not_after": cert.not_valid_after_utc if cert else None,
        "development": cert is not None and token is None and certificates.is_local_ca(cert),
        "source": source,
    }
