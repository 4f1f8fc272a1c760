"""PDFs at the city: the commune's signed PDF as received, or one rendered from the verified
payload; a month for one commune; one day for all communes as a ZIP; token pulls."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    send_file,
)
from PIL import Image

from wardapp.city.accounts import operations as accounts
from wardapp.city.accounts import scope
from wardapp.city.accounts.access import report_or_404, reviewer_required
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import blobs
from wardapp.city.models import ReceivedFigures, ReceivedReport
from wardapp.core import clock, periods
from wardapp.core.i18n import gettext as _
from wardapp.core.images import thumbnail
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import document, inputs
from wardapp.core.pdf.monthly import build_month
from wardapp.core.tokens import bearer
from wardapp.core.units import find

bp = Blueprint("city_pdf", __name__)
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
    first: dict[dt.date, ReceivedReport] = {}
    latest: dict[dt.date, ReceivedReport] = {}
    for row in reports:
        first.setdefault(row.date, row)
        if not row.problems:  # a report stored before the schema was tightened that breaks it: left out
            latest[row.date] = row
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


def _unrenderable_page(error: Unrenderable):
    return render_template("city/unrenderable.html", report=error.report, problems=error.problems), 422


def _send(data: bytes, name: str, mimetype: str = "application/pdf", attachment: bool = False):
    return send_file(io.BytesIO(data), mimetype=mimetype, download_name=name, as_attachment=attachment)


@bp.get("/reports/<report_id>.pdf")
@reviewer_required
def report(report_id: str):
    row = report_or_404(report_id)
    try:
        return _send(report_pdf(row), pdf_filename(report_id))
    except Unrenderable as error:
        return _unrenderable_page(error)


@bp.get("/communes/<code>/month/<month>.pdf")
@reviewer_required
def month(code: str, month: str):
    unit = find(code)
    first = periods.parse_month(month)
    if first is None or unit is None:
        abort(404)
    scope.require(unit.province_code)
    last = periods.month_bounds(first)[1]
    days = _signed_days(code, first, last)
    data = inputs.month_input(
        unit.name,
        unit.province_name,
        code,
        first,
        days,
        clock.now(),
        DEFAULT_DEADLINE,
        rendered_by=current_app.config["CITY_DEPARTMENT_NAME"],  # the city's rendering, said so
    )
    return _send(build_month(data).data, f"{code}_{month}_tong-hop.pdf")


@bp.get("/days/<day>.zip")
@reviewer_required
def day_zip(day: str):
    """Every commune's PDF of the day (current revisions of the chosen provinces). PDFs already kept
    (sent by the commune or rendered before) are read from storage, never rendered again."""
    date = clock.parse_iso_date(day)
    if date is None:
        abort(404)
    provinces = scope.chosen()
    reports = db.session.scalars(
        db.select(ReceivedReport)
        .join(ReceivedFigures, ReceivedFigures.report_pk == ReceivedReport.id)
        .filter(
            ReceivedFigures.date == date,
            ReceivedFigures.current.is_(True),
            ReceivedFigures.province_code.in_(provinces),
        )
        .order_by(ReceivedReport.commune_code)
    ).all()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for row in reports:
            try:
                archive.writestr(pdf_filename(row.report_id), report_pdf(row))
            except Unrenderable as error:  # one bad report never hides the other communes'
                heading = _("Không dựng được PDF của báo cáo %(id)s:", id=row.report_id)
                note = "\n".join([heading, *error.problems])
                archive.writestr(f"{pdf_filename(row.report_id)}.LOI.txt", note)
    return _send(out.getvalue(), f"bao-cao-{day}.zip", "application/zip", attachment=True)


@bp.get("/api/v1/communes/<code>/reports/<day>.pdf")
def api_report(code: str, day: str):
    user = accounts.token_user(bearer(request.headers.get("Authorization")))
    if user is None:
        return {"error": "unauthorized", "detail": "a valid API token is required"}, 401
    date = clock.parse_iso_date(day)
    unit = find(code)
    allowed = unit is not None and scope.may_see(unit.province_code, user)
    rows = (
        db.session.scalars(
            db.select(ReceivedReport).filter_by(commune_code=code, date=date).order_by(ReceivedReport.revision.desc())
        ).all()
        if date and allowed
        else []
    )
    if not rows:
        return {"error": "not_found", "detail": "no report received for that commune and day"}, 404
    try:
        return _send(report_pdf(rows[0]), pdf_filename(rows[0].report_id))
    except Unrenderable as error:
        return {"error": "unrenderable", "detail": str(error)[:500]}, 422
