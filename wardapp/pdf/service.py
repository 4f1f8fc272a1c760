"""PDFs in the commune app beyond the signed daily report: drafts, ZIPs of days, month summaries."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

from wardapp.commune.models import Commune
from wardapp.core import clock, periods
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import document, inputs, monthly
from wardapp.delays.operations import late_by_officer
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.reports.operations import figures_between
from wardapp.signing.documents import pdf_path, photo_images, revision_pdf, trend_for
from wardapp.signing.models import ReportRevision
from wardapp.signing.operations import build_document


def draft_pdf(report: DailyReport, user) -> bytes:
    """A preview of the day as it stands, watermarked as a draft and never signed."""
    commune = Commune.installed()
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


def signed_pdf_file(revision: ReportRevision) -> Path:
    """The stored signed PDF of a revision. Signing keeps it (``signing.documents.pdf_path``), so a
    download only reads it; a revision signed before PDFs were kept at signing has its PDF built
    and kept here, once."""
    path = pdf_path(revision)
    if not path.exists():
        revision_pdf(revision)
    return path


class _Chunks(io.RawIOBase):
    """A write-only stream that hands back what was written since the last ``take``: zipfile
    writes the archive into it, the response sends each piece as soon as it is written. Not
    seekable, so zipfile writes each member's sizes after its data (a data descriptor)."""

    def __init__(self):
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def range_zip(commune_id: int, start: dt.date, end: dt.date) -> Iterator[bytes]:
    """The signed PDFs of the days, as a ZIP streamed one PDF at a time (never the whole archive in
    memory): call it inside the request's context (``stream_with_context``)."""
    revisions = [revision for _day, revision in sorted(latest_revisions(commune_id, start, end).items())]
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for revision in revisions:
            member = zipfile.ZipInfo(pdf_filename(revision.report_key), _zip_time(revision))
            with signed_pdf_file(revision).open("rb") as source, archive.open(member, "w") as target:
                shutil.copyfileobj(source, target, ZIP_CHUNK)
            yield sink.take()  # the member's header, its PDF and its sizes
    yield sink.take()  # the central directory


ZIP_CHUNK = 256 * 1024


def _zip_time(revision: ReportRevision) -> tuple[int, int, int, int, int, int]:
    """The member's date: when it was signed (Vietnam time), so the same days give the same bytes."""
    moment = clock.as_local(revision.signed_at).timetuple()
    return (moment.tm_year, moment.tm_mon, moment.tm_mday, moment.tm_hour, moment.tm_min, moment.tm_sec)


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


def _late_row(day: dt.date, dossier, explanation) -> list[str]:
    if explanation is None:
        remedy = "Chưa giải trình"
    elif explanation.new_date:
        remedy = f"{explanation.remedy} ({explanation.responsible}, {explanation.new_date:%d/%m/%Y})"
    else:
        remedy = explanation.remedy
    return [day.strftime("%d/%m/%Y"), dossier.kind_label, str(dossier.count), dossier.procedure, dossier.cause, remedy]


def late_list_pdf(commune: Commune, first: dt.date) -> bytes:
    groups = [
        (key, [_late_row(day, dossier, explanation) for day, dossier, explanation in entries])
        for key, entries in late_by_officer(commune.id, first)
    ]
    return monthly.build_late_list(
        monthly.LateListInput(
            commune_name=commune.name,
            province_name=commune.province_name,
            month_text=first.strftime("%m/%Y"),
            doc_id=f"{commune.code}:{first:%Y-%m}:tre-han",
            groups=[
                (f"{officer}{', ' + unit if unit else ''} ({sum(int(r[2]) for r in items)} hồ sơ)", items)
                for (officer, unit), items in groups
            ],
        )
    )
