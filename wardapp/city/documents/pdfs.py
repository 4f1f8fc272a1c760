"""The communes' PDFs at the city: the commune's signed PDF as received, or one rendered from the
verified payload (kept once rendered); a month for one commune; one day for all communes as a ZIP."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from flask import current_app, request
from PIL import Image

from wardapp.city.desk import operations as desk
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import blobs
from wardapp.city.models import ReceivedReport
from wardapp.core import clock, periods
from wardapp.core.i18n import gettext as _
from wardapp.core.images import thumbnail
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import document, inputs
from wardapp.core.pdf.monthly import build_month
from wardapp.core.units import Unit, find

# The city does not know each commune's own deadline; the default one decides "not yet due".
DEFAULT_DEADLINE = dt.time(17, 0)


def _thumb(sha256: str) -> tuple[bytes, int, int] | None:
    """A ready-sized JPEG of a received photo, made once and kept in the store."""
    files = blobs.store()
    data = files.get(blobs.thumb_key(sha256))
    if data is None:
        original = files.get(blobs.photo_key(sha256))
        if original is None:
            return None
        try:
            data = thumbnail(original)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            return None  # a photo that does not decode: the PDF goes without it rather than fail
        files.put(blobs.thumb_key(sha256), data, "image/jpeg")  # a cache, rebuilt if lost
    with Image.open(io.BytesIO(data)) as image:
        return data, image.width, image.height


def _signed_days(code: str, start: dt.date, end: dt.date) -> dict[dt.date, inputs.SignedDay]:
    """Each received day's latest figures, whether its first signature was late, its revision."""
    reports = db.session.scalars(
        db.select(ReceivedReport)
        .filter(ReceivedReport.commune_code == code, ReceivedReport.date.between(start, end))
        .order_by(ReceivedReport.revision)
    ).all()
    # A report stored before the schema was tightened that breaks it is left out of the figures.
    first, latest = inputs.first_and_latest(reports, lambda row: row.date, usable=lambda row: not row.problems)
    return {d: inputs.SignedDay(r.document["figures"], first[d].late, r.revision) for d, r in latest.items()}


class Unrenderable(Exception):
    """A stored report whose payload cannot be laid out as a PDF."""

    def __init__(self, report: ReceivedReport, problems: list[str]):
        self.report = report
        self.problems = problems
        super().__init__(f"{report.report_id}: {'; '.join(problems[:3])}")


def report_pdf(report: ReceivedReport) -> bytes:
    """The commune's own signed PDF when it sent one; otherwise rendered here from the payload."""
    files = blobs.store()
    if report.pdf_sha256:
        sent = files.get(blobs.sent_pdf_key(report.pdf_sha256))
        sent = sent if sent is not None else files.get(blobs.legacy_sent_pdf_key(report.report_id))
        if sent is not None:
            return sent
    rendered = files.get(blobs.rendered_pdf_key(report.report_id))
    if rendered is not None:
        return rendered
    if report.problems:
        raise Unrenderable(report, report.problems)
    unit = find(report.commune_code)
    data = inputs.daily_input(
        report.document,
        province_name=unit.province_name if unit else "",
        images=_thumb,
        key_thumbprint=report.kid,
        payload_sha256=report.payload_sha256,
        payload_bytes=report.payload,
        jws=report.jws,
        city_url=current_app.config.get("CITY_PUBLIC_URL") or request.host_url,
        rendered_note="Bản do hệ thống tiếp nhận của thành phố dựng lại từ báo cáo đã xác thực chữ ký số "
        f"(JWS, khóa {report.kid[:12]}…) của xã/phường; xã/phường không gửi kèm bản PDF ký số.",
    )
    try:
        built = document.build_daily(data).data
    except Exception as error:  # any layout failure on odd data: this report only, never the page
        current_app.logger.exception("city PDF of %s could not be built", report.report_id)
        raise Unrenderable(report, [f"{type(error).__name__}: {error}"]) from error
    files.put(blobs.rendered_pdf_key(report.report_id), built, "application/pdf")
    return built


def month_pdf(unit: Unit, first: dt.date) -> bytes:
    """A commune's month, rendered by the city (and said so) from the days it received."""
    last = periods.month_bounds(first)[1]
    data = inputs.month_input(
        unit.name,
        unit.province_name,
        unit.code,
        first,
        _signed_days(unit.code, first, last),
        clock.now(),
        DEFAULT_DEADLINE,
        rendered_by=current_app.config["CITY_DEPARTMENT_NAME"],
    )
    return build_month(data).data


def day_zip(provinces: tuple[str, ...], day: dt.date) -> bytes:
    """Every commune's PDF of the day (current revisions of the provinces). PDFs already kept (sent
    by the commune or rendered before) are read from storage, never rendered again; one that cannot
    be rendered is a note in the ZIP, never a missing commune."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for row in desk.current_reports(provinces, day, day):
            try:
                archive.writestr(pdf_filename(row.report_id), report_pdf(row))
            except Unrenderable as error:  # one bad report never hides the other communes'
                heading = _("Không dựng được PDF của báo cáo %(id)s:", id=row.report_id)
                note = "\n".join([heading, *error.problems])
                archive.writestr(f"{pdf_filename(row.report_id)}.LOI.txt", note)
    return out.getvalue()


def latest_of_day(code: str, day: dt.date) -> ReceivedReport | None:
    """The newest revision received of a commune's day."""
    return db.session.scalar(
        db.select(ReceivedReport).filter_by(commune_code=code, date=day).order_by(ReceivedReport.revision.desc())
    )
