"""The signed revision's PDF: built and signed once, kept under ``instance/pdfs``, then always the
same file (the commune's certificate lives under ``instance/pdf-cert``)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app
from PIL import Image

from wardapp.commune.models import Commune
from wardapp.core import clock
from wardapp.core.files import write_atomic
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import document, inputs, signature
from wardapp.evidence import storage as photo_storage
from wardapp.signing.models import ReportRevision


def cert_dir() -> Path:
    return Path(current_app.instance_path) / "pdf-cert"


def ensure_certificate(commune: Commune) -> Path:
    folder = cert_dir()
    if not (folder / signature.CERT_FILE).exists():
        signature.make_self_signed(folder, commune.name, commune.province_name, commune.code)
    return folder


def photo_images(sha256: str) -> tuple[bytes, int, int] | None:
    path = photo_storage.thumbnail_path(sha256)
    if not path.exists():
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


def revision_pdf(revision: ReportRevision) -> bytes:
    """The signed PDF of a revision: built and signed once, then always the same file."""
    path = pdf_path(revision)
    if path.exists():
        return path.read_bytes()
    commune = Commune.installed()
    built = document.build_daily(revision_input(revision))
    signed = signature.sign_pdf(
        built.data,
        ensure_certificate(commune),
        built.signature_rect,
        signer_name=revision.signed_by.full_name,
        location=f"{commune.name}, {commune.province_name}",
        reason=f"Báo cáo ngày {revision.report.date:%d/%m/%Y} ({revision.report_key})",
        local_time=clock.as_local(revision.signed_at).strftime("%H:%M:%S %d/%m/%Y"),
    )
    if not path.exists():  # another worker may have kept it first: keep that one
        write_atomic(path, signed)
    return path.read_bytes()
