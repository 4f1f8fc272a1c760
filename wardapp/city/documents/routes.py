"""The PDFs the city serves. Blueprint ``consolidated``: the department's consolidated report's
page (a period's draft, its signed editions, the commune revisions received after signing, the
leader's signing form) and its download. Blueprint ``city_pdf``: the communes' PDFs (a received
report, a commune's month, a day's ZIP), also pulled with an API token."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from wardapp.city.accounts import operations as accounts
from wardapp.city.accounts import scope
from wardapp.city.accounts.access import report_or_404, reviewer_required
from wardapp.city.desk import exports
from wardapp.city.desk import operations as desk
from wardapp.city.documents import operations as ops
from wardapp.city.documents import pdfs, signing
from wardapp.city.documents.consolidated import ACCEPTED, RECEIVED, Period, draft_pdf
from wardapp.core import clock, consolidated_docs, periods
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.payload import pdf_filename
from wardapp.core.tokens import bearer
from wardapp.core.units import find
from wardapp.platform.routing import or_404

bp = Blueprint("consolidated", __name__)
# The communes' PDFs (their own signed one, a month, a day's ZIP), for reviewers and API tokens.
pdf_bp = Blueprint("city_pdf", __name__)

# The desk's periods, but a year (the department reports yearly) for a range.
PERIOD_LABELS = {kind: label for kind, label in desk.PERIOD_LABELS.items() if kind != "range"} | {"year": _l("Năm")}


def bounds(kind: str, on: dt.date, start: dt.date | None = None, end: dt.date | None = None):
    if kind == "year":
        return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    return desk.period_bounds(kind, on, start, end)


def period_from(args) -> Period | None:
    """The period the query names (by default the last one that ended), among the provinces the
    user may see; one that has not ended is "to date": it stops today and says so. None: it has
    not begun."""
    provinces = scope.chosen()
    kind = args.get("period", "month")
    if kind not in (*PERIOD_LABELS, "range"):
        kind = "month"
    today = clock.today()
    on = clock.parse_iso_date(args.get("on"))
    if on is None:
        on = bounds(kind, today)[0] - dt.timedelta(days=1)  # the period before the current one
    start, end = bounds(kind, on, clock.parse_iso_date(args.get("from")), clock.parse_iso_date(args.get("to")))
    if start > today:
        return None
    counted = ACCEPTED if args.get("days") == ACCEPTED else RECEIVED
    period = Period(provinces, kind, start, end, counted=counted)
    if not ops.ended(period):
        period = Period(provinces, kind, start, min(end, today), to_date=True, counted=counted)
    return period


def _period_or_404(args) -> Period:
    period = period_from(args)
    if period is None:
        abort(404)
    return period


def _args(period: Period) -> dict[str, str]:
    provinces = period.provinces
    args = {
        "period": period.kind,
        "on": period.start.isoformat(),
        "province": provinces[0] if len(provinces) == 1 else scope.ALL,
    }
    if period.kind == "range":
        args.update({"from": period.start.isoformat(), "to": period.end.isoformat()})
    if period.accepted_only:
        args["days"] = ACCEPTED
    return args


def _send(data: bytes, name: str, mimetype: str = "application/pdf", attachment: bool = False):
    return send_file(io.BytesIO(data), mimetype=mimetype, download_name=name, as_attachment=attachment)


def _key_unavailable(error: signing.SigningKeyError):
    current_app.logger.error("%s", error)
    abort(
        503,
        _(
            "Máy chủ này không mở được khóa ký của Sở: mật khẩu khóa (CITY_SIGNING_KEY_PASSPHRASE) hoặc "
            "khóa bí mật của nó khác với máy chủ đã lưu khóa. Mọi máy chủ tiếp nhận phải có cùng cấu hình."
        ),
    )


@bp.get("/consolidated")
@reviewer_required
def page():
    period = _period_or_404(request.args)
    state = ops.state_of(period)
    certificate = signing.department_certificate() if ops.may_sign(current_user) else None
    return render_template(
        "city/consolidated.html",
        period=period,
        state=state,
        title_period=exports.period_text(period.start, period.end),  # the reader's language
        args=_args(period),
        periods=PERIOD_LABELS,
        counted_days=ops.counted_days,
        may_sign=ops.may_sign(current_user),
        certificate=certificate,
        test_certificate=certificate is not None and ops.is_test_certificate(certificate),
        visible_provinces=[(code, scope.province_name(code)) for code in scope.visible()],
        province_arg=_args(period)["province"],
    )


@bp.post("/consolidated/sign")
@reviewer_required
def sign():
    period = _period_or_404(request.form)
    if not ops.may_sign(current_user):
        abort(403)
    if period.to_date and request.form.get("confirm_to_date") != "1":
        flash(_("Kỳ báo cáo chưa kết thúc: hãy xác nhận ký báo cáo tính đến hôm nay."), "error")
        return redirect(url_for(".page", **_args(period)), code=303)
    try:
        edition = ops.sign(period, current_user)
    except ops.CannotSign as error:
        for problem in error.problems:
            flash(problem, "error")
        return redirect(url_for(".page", **_args(period)), code=303)
    except signing.SigningKeyError as error:
        _key_unavailable(error)
    flash(_("Đã ký báo cáo tổng hợp số %(number)s.", number=edition.document_number), "success")
    return redirect(url_for(".page", **_args(period)), code=303)


@bp.get("/consolidated/editions/<document_id>.pdf")
@reviewer_required
def edition_pdf(document_id: str):
    edition = or_404(ops.edition_by_id(document_id))
    for province in edition.scope.split("-"):
        scope.require(province)
    return _send(or_404(ops.stored_pdf(edition)), f"{edition.document_id}.pdf", attachment=True)


@bp.get("/consolidated.pdf")
@reviewer_required
def download():
    """``/consolidated.pdf``: the period's current signed edition, as stored, once the leader has
    signed it; before that the draft, watermarked "BẢN NHÁP" and never signed."""
    period = _period_or_404(request.args)
    current = ops.current_edition(period)  # not the changed days: a download reads one row and one file
    if current is not None:
        data = ops.stored_pdf(current)
        if data is not None:
            return _send(data, f"{current.document_id}.pdf", attachment=True)
    name = consolidated_docs.filename(period.provinces, period.start, period.end)
    return _send(draft_pdf(period), name, attachment=True)


# --- the communes' PDFs ----------------------------------------------------------------------------


def _unrenderable_page(error: pdfs.Unrenderable):
    return render_template("city/unrenderable.html", report=error.report, problems=error.problems), 422


@pdf_bp.get("/reports/<report_id>.pdf")
@reviewer_required
def report(report_id: str):
    row = report_or_404(report_id)
    try:
        return _send(pdfs.report_pdf(row), pdf_filename(report_id))
    except pdfs.Unrenderable as error:
        return _unrenderable_page(error)


@pdf_bp.get("/communes/<code>/month/<month>.pdf")
@reviewer_required
def month(code: str, month: str):
    unit = find(code)
    first = periods.parse_month(month)
    if first is None or unit is None:
        abort(404)
    scope.require(unit.province_code)
    return _send(pdfs.month_pdf(unit, first), f"{code}_{month}_tong-hop.pdf")


@pdf_bp.get("/days/<day>.zip")
@reviewer_required
def day_zip(day: str):
    """Every commune's PDF of the day, in the provinces chosen."""
    date = clock.parse_iso_date(day)
    if date is None:
        abort(404)
    return _send(pdfs.day_zip(scope.chosen(), date), f"bao-cao-{day}.zip", "application/zip", attachment=True)


@pdf_bp.get("/api/v1/communes/<code>/reports/<day>.pdf")
def api_report(code: str, day: str):
    user = accounts.token_user(bearer(request.headers.get("Authorization")))
    if user is None:
        return {"error": "unauthorized", "detail": "a valid API token is required"}, 401
    date = clock.parse_iso_date(day)
    unit = find(code)
    allowed = unit is not None and scope.may_see(unit.province_code, user)
    latest = pdfs.latest_of_day(code, date) if date and allowed else None
    if latest is None:
        return {"error": "not_found", "detail": "no report received for that commune and day"}, 404
    try:
        return _send(pdfs.report_pdf(latest), pdf_filename(latest.report_id))
    except pdfs.Unrenderable as error:
        return {"error": "unrenderable", "detail": str(error)[:500]}, 422
