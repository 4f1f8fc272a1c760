"""PDFs at the city: the commune's signed PDF as received, or one rendered from the verified
payload; a month for one commune; one day for all communes as a ZIP; token pulls."""
from __future__ import annotations

import calendar
import datetime as dt
import io
import secrets
import zipfile

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from PIL import Image

from .. import clock
from ..clock import utcnow
from ..commune.units import find
from ..evidence.images import thumbnail
from ..pdf import document, inputs
from ..pdf.models import token_hash
from ..pdf.monthly import build_month
from ..pdf.service import month_input
from .extensions import city_db as db
from .models import CityApiToken, CityUser, ReceivedReport
from .operations import pdf_path, photo_path, storage_dir
from .pages import _report_or_404, reviewer_required

bp = Blueprint("city_pdf", __name__)


def _thumb(sha256: str) -> tuple[bytes, int, int] | None:
    """A ready-sized JPEG of a received photo, made once and kept."""
    path = storage_dir("thumbs") / f"{sha256}.jpg"
    if not path.exists():
        original = photo_path(sha256)
        if not original.exists():
            return None
        try:
            small = thumbnail(original.read_bytes())
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            return None  # a photo that does not decode: the PDF goes without it rather than fail
        path.write_bytes(small)
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        return data, image.width, image.height


def _figures_by_day(code: str, start: dt.date, end: dt.date) -> tuple[dict, dict]:
    reports = db.session.scalars(db.select(ReceivedReport).filter(
        ReceivedReport.commune_code == code, ReceivedReport.date.between(start, end)).order_by(ReceivedReport.revision)).all()
    latest = {r.date: r for r in reports}
    return {d: r.document["figures"] for d, r in latest.items()}, {d: r.late for d, r in latest.items()}


def report_pdf(report: ReceivedReport) -> bytes:
    """The commune's own signed PDF when it sent one; otherwise rendered here from the payload."""
    sent = pdf_path(report.report_id)
    if report.pdf_sha256 and sent.exists():
        return sent.read_bytes()
    rendered = storage_dir("rendered") / f"{report.report_id.replace(':', '_')}.pdf"
    if rendered.exists():
        return rendered.read_bytes()
    unit = find(report.commune_code)
    by_day, _ = _figures_by_day(report.commune_code, report.date - dt.timedelta(days=29), report.date)
    doc = report.document
    data = inputs.daily_input(
        doc, province_name=unit.province_name if unit else "", images=_thumb,
        trend=inputs.trend_from_figures(report.date, by_day), key_thumbprint=report.kid,
        payload_sha256=report.payload_sha256,
        rendered_note="Bản do hệ thống tiếp nhận của thành phố dựng lại từ báo cáo đã xác thực chữ ký số "
                      f"(JWS, khóa {report.kid[:12]}…) của xã/phường; xã/phường không gửi kèm bản PDF ký số.",
    )
    built = document.build_daily(data).data
    rendered.write_bytes(built)
    return built


def _send(data: bytes, name: str, mimetype: str = "application/pdf", attachment: bool = False):
    return send_file(io.BytesIO(data), mimetype=mimetype, download_name=name, as_attachment=attachment)


@bp.get("/reports/<report_id>.pdf")
@reviewer_required
def report(report_id: str):
    row = _report_or_404(report_id)
    return _send(report_pdf(row), f"{report_id.replace(':', '_')}.pdf")


@bp.get("/communes/<code>/month/<month>.pdf")
@reviewer_required
def month(code: str, month: str):
    unit = find(code)
    try:
        first = dt.date.fromisoformat(month + "-01")
    except ValueError:
        abort(404)
    if unit is None:
        abort(404)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    by_day, late = _figures_by_day(code, first, last)
    data = build_month(month_input(unit.name, unit.province_name, code, first, by_day, late, clock.today()))
    return _send(data, f"{code}_{month}_tong-hop.pdf")


@bp.get("/days/<day>.zip")
@reviewer_required
def day_zip(day: str):
    date = clock.parse_iso_date(day)
    if date is None:
        abort(404)
    reports = db.session.scalars(db.select(ReceivedReport).filter_by(date=date).order_by(ReceivedReport.revision)).all()
    latest = {r.commune_code: r for r in reports}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for code, row in sorted(latest.items()):
            archive.writestr(f"{row.report_id.replace(':', '_')}.pdf", report_pdf(row))
    return _send(out.getvalue(), f"bao-cao-{day}.zip", "application/zip", attachment=True)


def _token_ok() -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return False
    digest = token_hash(header[7:].strip())
    # A deactivated reviewer's tokens stop working with the account, as they do at the commune.
    token = db.session.scalar(db.select(CityApiToken).join(CityUser, CityApiToken.user_id == CityUser.id)
                              .filter(CityApiToken.token_sha256 == digest, CityApiToken.revoked_at.is_(None),
                                      CityUser.active.is_(True)))
    return token is not None


@bp.get("/api/v1/communes/<code>/reports/<day>.pdf")
def api_report(code: str, day: str):
    if not _token_ok():
        return {"error": "unauthorized", "detail": "a valid API token is required"}, 401
    date = clock.parse_iso_date(day)
    rows = db.session.scalars(db.select(ReceivedReport).filter_by(commune_code=code, date=date)
                              .order_by(ReceivedReport.revision.desc())).all() if date else []
    if not rows:
        return {"error": "not_found", "detail": "no report received for that commune and day"}, 404
    return _send(report_pdf(rows[0]), f"{rows[0].report_id.replace(':', '_')}.pdf")


@bp.route("/account/tokens", methods=["GET", "POST"])
@reviewer_required
def tokens():
    new_token = None
    if request.method == "POST":
        name = " ".join(request.form.get("name", "").split())[:80] or "API"
        new_token = "wdc_" + secrets.token_urlsafe(32)
        db.session.add(CityApiToken(user_id=current_user.id, name=name, hint=new_token[:10],
                                    token_sha256=token_hash(new_token)))
        db.session.commit()
    rows = db.session.scalars(db.select(CityApiToken).filter_by(user_id=current_user.id)
                              .order_by(CityApiToken.id.desc())).all()
    return render_template("city/tokens.html", tokens=rows, new_token=new_token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@reviewer_required
def revoke(token_id: int):
    row = db.session.get(CityApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    row.revoked_at = row.revoked_at or utcnow()
    db.session.commit()
    return redirect(url_for("city_pdf.tokens"), code=303)
