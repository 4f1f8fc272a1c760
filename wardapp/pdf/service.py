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
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.signing.documents import pdf_path, photo_images, repair_pdf
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
        draft=True,
        payload_sha256="(chưa ký)",
        symbol=commune.document_symbol,
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
        repair_pdf(revision)
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


def signed_days(commune_id: int, start: dt.date, end: dt.date) -> dict[dt.date, inputs.SignedDay]:
    """Each signed day's latest figures, whether its first signature was late, its revision."""
    rows = db.session.scalars(
        db.select(ReportRevision)
        .join(DailyReport)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date.between(start, end))
        .order_by(ReportRevision.revision)
    ).all()
    first: dict[dt.date, ReportRevision] = {}
    latest: dict[dt.date, ReportRevision] = {}
    for row in rows:
        first.setdefault(row.report.date, row)
        latest[row.report.date] = row
    return {
        day: inputs.SignedDay(row.document["figures"], first[day].late, row.revision) for day, row in latest.items()
    }


def month_pdf(commune: Commune, first: dt.date) -> bytes:
    """The month summary from signed revisions only (a draft day is "not reported")."""
    start, end = periods.month_bounds(first)
    data = inputs.month_input(
        commune.name,
        commune.province_name,
        commune.code,
        first,
        signed_days(commune.id, start, end),
        clock.now(),
        commune.deadline,
        symbol=commune.document_symbol,
    )
    return monthly.build_month(data).data


def late_list_pdf(commune: Commune, first: dt.date) -> bytes:
    """The month's late dossiers and explanations, from the latest signed revision of each day."""
    start, end = periods.month_bounds(first)
    docs = {day: revision.document for day, revision in latest_revisions(commune.id, start, end).items()}
    data = inputs.late_list_input(
        commune.name, commune.province_name, commune.code, first, inputs.late_groups(docs), clock.now()
    )
    return monthly.build_late_list(data).data
