"""PDFs in the commune app beyond the signed daily report: drafts, ZIPs of days, month summaries."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Iterator

from wardapp.commune.models import Commune
from wardapp.core import clock, periods
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import document, inputs, monthly
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.signing.documents import photo_images, signed_pdf_file
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
    """Each signed day's latest revision."""
    return month_revisions(commune_id, start, end)[0]


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


def month_revisions(
    commune_id: int, start: dt.date, end: dt.date
) -> tuple[dict[dt.date, ReportRevision], dict[dt.date, bool]]:
    """Each signed day's latest revision, and whether that day's first signature was late."""
    rows = db.session.scalars(
        db.select(ReportRevision)
        .join(DailyReport)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date.between(start, end))
        .order_by(ReportRevision.revision)
    ).all()
    first_late: dict[dt.date, bool] = {}
    latest: dict[dt.date, ReportRevision] = {}
    for row in rows:
        first_late.setdefault(row.report.date, row.late)
        latest[row.report.date] = row
    return latest, first_late


def as_signed_days(
    latest: dict[dt.date, ReportRevision], first_late: dict[dt.date, bool]
) -> dict[dt.date, inputs.SignedDay]:
    return {
        day: inputs.SignedDay(row.document["figures"], first_late[day], row.revision) for day, row in latest.items()
    }


def signed_days(commune_id: int, start: dt.date, end: dt.date) -> dict[dt.date, inputs.SignedDay]:
    """Each signed day's latest figures, whether its first signature was late, its revision."""
    return as_signed_days(*month_revisions(commune_id, start, end))


def month_input(
    commune: Commune,
    first: dt.date,
    latest: dict[dt.date, ReportRevision],
    first_late: dict[dt.date, bool],
    now: dt.datetime,
    *,
    signing: inputs.MonthSigning | None = None,
) -> monthly.MonthInput:
    """The month summary of these signed revisions: a draft unless ``signing`` signs it."""
    return inputs.month_input(
        commune.name,
        commune.province_name,
        commune.code,
        first,
        as_signed_days(latest, first_late),
        now,
        commune.deadline,
        symbol=commune.document_symbol,
        signing=signing,
        draft=signing is None,
    )


def late_list_input(
    commune: Commune,
    first: dt.date,
    latest: dict[dt.date, ReportRevision],
    now: dt.datetime,
    *,
    signing: inputs.MonthSigning | None = None,
) -> monthly.LateListInput:
    """The late-dossier list of these signed revisions: a draft unless ``signing`` signs it."""
    docs = {day: revision.document for day, revision in latest.items()}
    return inputs.late_list_input(
        commune.name,
        commune.province_name,
        commune.code,
        first,
        inputs.late_groups(docs),
        now,
        symbol=commune.document_symbol,
        signing=signing,
        draft=signing is None,
    )


def month_pdf(commune: Commune, first: dt.date) -> bytes:
    """The month summary's unsigned draft, from signed revisions only (a draft day is "not
    reported"), watermarked "BẢN NHÁP": the signed one is built once, when the leader signs it."""
    start, end = periods.month_bounds(first)
    latest, first_late = month_revisions(commune.id, start, end)
    return monthly.build_month(month_input(commune, first, latest, first_late, clock.now())).data


def late_list_pdf(commune: Commune, first: dt.date) -> bytes:
    """The late-dossier list's unsigned draft, from the latest signed revision of each day."""
    start, end = periods.month_bounds(first)
    latest, _first_late = month_revisions(commune.id, start, end)
    return monthly.build_late_list(late_list_input(commune, first, latest, clock.now())).data
