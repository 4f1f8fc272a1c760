"""PDFs in the commune app: inputs from the database, the commune's certificate, kept files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from flask import current_app
from PIL import Image

from wardapp.commune.models import Commune
from wardapp.core import clock, periods
from wardapp.core.files import write_atomic
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import document, inputs, monthly, signature
from wardapp.delays.models import Explanation, LateDossier
from wardapp.evidence import storage as photo_storage
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
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
    commune = Commune.current()
    doc = revision.document
    signed_at = clock.to_local(revision.signed_at)
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
    commune = Commune.current()
    built = document.build_daily(revision_input(revision))
    signed = signature.sign_pdf(
        built.data,
        ensure_certificate(commune),
        built.signature_rect,
        signer_name=revision.signed_by.full_name,
        location=f"{commune.name}, {commune.province_name}",
        reason=f"Báo cáo ngày {revision.report.date:%d/%m/%Y} ({revision.report_key})",
        local_time=clock.to_local(revision.signed_at).strftime("%H:%M:%S %d/%m/%Y"),
    )
    if not path.exists():  # another worker may have kept it first: keep that one
        write_atomic(path, signed)
    return path.read_bytes()


def draft_pdf(report: DailyReport, user) -> bytes:
    """A preview of the day as it stands, watermarked as a draft and never signed."""
    from wardapp.signing.operations import build_document

    commune = Commune.current()
    now = clock.now()
    doc = build_document(commune, report, user, now, None)
    data = inputs.daily_input(
        doc,
        province_name=commune.province_name,
        images=photo_images,
        trend=trend_for(commune.id, report.date),
        signer_time="",
        draft=True,
        payload_sha256="(chưa ký)",
    )
    return document.build_daily(data).data


def latest_revisions(commune_id: int, start: dt.date, end: dt.date) -> dict[dt.date, ReportRevision]:
    rows = db.session.scalars(
        db.select(ReportRevision)
        .join(DailyReport)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date.between(start, end))
        .order_by(ReportRevision.revision)
    ).all()
    return {r.report.date: r for r in rows}


def range_zip(commune_id: int, start: dt.date, end: dt.date) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for _day, revision in sorted(latest_revisions(commune_id, start, end).items()):
            archive.writestr(pdf_filename(revision.report_key), revision_pdf(revision))
    return out.getvalue()


def month_pdf(commune: Commune, first: dt.date) -> bytes:
    start, end = periods.month_bounds(first)
    today = clock.today()
    by_day = figures_between(commune.id, start, min(end, today))
    signed = latest_revisions(commune.id, start, end)
    return monthly.build_month(
        inputs.month_input(
            commune.name,
            commune.province_name,
            commune.code,
            first,
            by_day,
            {d: r.late for d, r in signed.items()},
            today,
        )
    )


def late_list_pdf(commune: Commune, first: dt.date) -> bytes:
    start, end = periods.month_bounds(first)
    rows = db.session.execute(
        db.select(LateDossier, DailyReport.date)
        .join(DailyReport, LateDossier.report_id == DailyReport.id)
        .filter(DailyReport.commune_id == commune.id, DailyReport.date.between(start, end))
        .order_by(LateDossier.officer, DailyReport.date)
    ).all()
    ids = {d.report_id for d, _ in rows}
    explained = {}
    if ids:
        for e in db.session.scalars(
            db.select(Explanation).filter(Explanation.report_id.in_(ids)).order_by(Explanation.id)
        ):
            explained[e.item_key] = e
    groups: dict[tuple[str, str], list] = {}
    for dossier, day in rows:
        e = explained.get(f"late:{dossier.id}")
        groups.setdefault((dossier.officer, dossier.unit), []).append(
            [
                day.strftime("%d/%m/%Y"),
                dossier.kind_label,
                str(dossier.count),
                dossier.procedure,
                dossier.cause,
                f"{e.remedy} ({e.responsible}, {e.new_date:%d/%m/%Y})"
                if e and e.new_date
                else (e.remedy if e else "Chưa giải trình"),
            ]
        )
    return monthly.build_late_list(
        monthly.LateListInput(
            commune_name=commune.name,
            province_name=commune.province_name,
            month_text=first.strftime("%m/%Y"),
            doc_id=f"{commune.code}:{first:%Y-%m}:tre-han",
            groups=[
                (f"{officer}{', ' + unit if unit else ''} ({sum(int(r[2]) for r in items)} hồ sơ)", items)
                for (officer, unit), items in sorted(groups.items())
            ],
        )
    )
