"""The signed revision's PDF: built and signed once, kept under ``instance/pdfs``, then always the
same file (the commune's certificate lives under ``instance/pdf-cert``)."""

from __future__ import annotations

import datetime as dt
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
from wardapp.reports.operations import figures_between
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


def trend_for(commune_id: int, day: dt.date):
    start = day - dt.timedelta(days=29)
    return inputs.trend_from_figures(day, figures_between(commune_id, start, day))


def revision_input(revision: ReportRevision) -> document.DailyInput:
    commune = Commune.installed()
    doc = revision.document
    signed_at = clock.as_local(revision.signed_at)
    return inputs.daily_input(
        doc,
        province_name=commune.province_name,
        images=photo_images,
        trend=trend_for(revision.report.commune_id, revision.report.date),
        signer_time=signed_at.strftime("%H:%M %d/%m/%Y"),
        key_thumbprint=revision.kid,
        payload_sha256=revision.payload_sha256,
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
