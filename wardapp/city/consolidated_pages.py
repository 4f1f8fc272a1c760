"""The consolidated report's page: a period's draft, its signed editions (the current one and those
it superseded), the commune revisions received after signing, and the leader's signing form."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from wardapp.city import consolidated_signing as ops
from wardapp.city import desk, exports, scope, signing
from wardapp.city.access import reviewer_required
from wardapp.city.consolidated import ACCEPTED, RECEIVED, Period, draft_pdf
from wardapp.core import clock, consolidated_docs
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l

bp = Blueprint("consolidated", __name__)

PERIOD_LABELS = {
    "day": _l("Ngày"),
    "week": _l("Tuần"),
    "month": _l("Tháng"),
    "quarter": _l("Quý"),
    "year": _l("Năm"),
}


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


def _send_pdf(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


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
    period = period_from(request.args)
    if period is None:
        abort(404)
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
    period = period_from(request.form)
    if period is None:
        abort(404)
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
    edition = ops.edition_by_id(document_id)
    if edition is None:
        abort(404)
    for province in edition.scope.split("-"):
        scope.require(province)
    data = ops.stored_pdf(edition)
    if data is None:
        abort(404)
    return _send_pdf(data, f"{edition.document_id}.pdf")


def download():
    """``/consolidated.pdf``: the period's current signed edition, as stored, once the leader has
    signed it; before that the draft, watermarked "BẢN NHÁP" and never signed."""
    period = period_from(request.args)
    if period is None:
        abort(404)
    current = ops.current_edition(period)  # not the changed days: a download reads one row and one file
    if current is not None:
        data = ops.stored_pdf(current)
        if data is not None:
            return _send_pdf(data, f"{current.document_id}.pdf")
    name = consolidated_docs.filename(period.provinces, period.start, period.end)
    return _send_pdf(draft_pdf(period), name)
