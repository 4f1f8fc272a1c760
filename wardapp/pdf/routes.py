from __future__ import annotations

import datetime as dt
import functools
import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from wardapp.commune.access import current_commune
from wardapp.core import clock, inputs, months, periods, text
from wardapp.core.payload import pdf_filename
from wardapp.core.status import DayStatus, legend
from wardapp.core.tokens import bearer
from wardapp.extensions import db
from wardapp.pdf import access
from wardapp.pdf.models import ApiToken
from wardapp.pdf.operations import (
    CannotSignMonth,
    current_edition,
    month_document_pdf,
    month_ended,
    month_state,
    sign_month,
    stored_pdf,
)
from wardapp.pdf.service import draft_pdf, latest_revisions, range_zip
from wardapp.platform import lanes
from wardapp.reports.models import DailyReport
from wardapp.signing.daystatus import statuses_between
from wardapp.signing.documents import signed_pdf_file
from wardapp.signing.models import ReportRevision
from wardapp.web import allowed, login_required

bp = Blueprint("pdf", __name__)

MAX_RANGE_DAYS = 92


def _pdf(data: bytes, name: str, inline: bool = True):
    """A PDF for a person or a token; every one handed out is on the access record."""
    access.handed_out(name, user=g.get("token_user"))
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=not inline)


def _signed(revision: ReportRevision):
    """A signed revision's PDF, read from the file kept at signing (never built here, but for a
    revision signed before PDFs were kept: built once then)."""
    return _pdf(signed_pdf_file(revision).read_bytes(), pdf_filename(revision.report_key))


def _month(value: str) -> dt.date:
    first = periods.parse_month(value)
    if first is None or first > clock.today():
        abort(404)
    return first


def _range() -> tuple[dt.date, dt.date, bool]:
    """The asked range, at most MAX_RANGE_DAYS days (ending at ``to``): True when it was cut."""
    today = clock.today()
    end = clock.parse_iso_date(request.args.get("to")) or today
    start = clock.parse_iso_date(request.args.get("from")) or end - dt.timedelta(days=13)
    return inputs.bounded_range(start, end, MAX_RANGE_DAYS)


@bp.get("/pdf/")
@allowed("pull_pdfs")
def index():
    """Reports by date range and state, with their PDFs."""
    commune = current_commune()
    start, end, clipped = _range()
    state = request.args.get("state", "")
    reports = {
        r.date: r
        for r in db.session.scalars(
            db.select(DailyReport).filter(DailyReport.commune_id == commune.id, DailyReport.date.between(start, end))
        )
    }
    revisions = latest_revisions(commune.id, start, end)
    statuses = statuses_between(commune.id, start, end)
    rows = []
    day = end
    while day >= start:
        revision = revisions.get(day)
        kind = ("late" if revision.late else "signed") if revision else ("unsigned" if day in reports else "missing")
        if not state or state == kind:
            rows.append((day, kind, statuses.get(day, DayStatus.NO_FIGURES), reports.get(day), revision))
        day -= dt.timedelta(days=1)
    return render_template(
        "pdf/index.html",
        rows=rows,
        legend=legend(),
        start=start,
        end=end,
        state=state,
        clipped=clipped,
        max_days=MAX_RANGE_DAYS,
        too_long=(end - start).days >= MAX_RANGE_DAYS,
        sign_month=_month_to_sign(commune, end),
    )


def _month_to_sign(commune, day: dt.date) -> dt.date:
    """The month a leader would sign from the list: ``day``'s if it has ended, else the one before."""
    first = day.replace(day=1)
    return first if month_ended(commune, first) else (first - dt.timedelta(days=1)).replace(day=1)


@bp.get("/pdf/daily/<day>.pdf")
@login_required
def daily(day: str):
    date = clock.parse_iso_date(day)
    if date is None or date > clock.today():
        abort(404)
    commune = current_commune()
    revision = latest_revisions(commune.id, date, date).get(date)
    with force_locale("vi"):
        if revision is not None:
            return _signed(revision)
        report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=date))
        if report is None:
            abort(404)
        return _pdf(draft_pdf(report, current_user), f"{commune.code}_{date}_ban-nhap.pdf")


@bp.get("/pdf/daily/<day>/r<int:revision>.pdf")
@login_required
def daily_revision(day: str, revision: int):
    date = clock.parse_iso_date(day)
    row = db.session.scalar(
        db.select(ReportRevision)
        .join(DailyReport)
        .filter(
            DailyReport.commune_id == current_commune().id,
            DailyReport.date == date,
            ReportRevision.revision == revision,
        )
    )
    if row is None:
        abort(404)
    with force_locale("vi"):
        return _signed(row)


@bp.get("/pdf/range.zip")
@allowed("pull_pdfs")
def range_archive():
    start, end, clipped = _range()
    if clipped:
        abort(400)
    commune = current_commune()
    name, commune_id = f"{commune.code}_{start}_{end}.zip", commune.id
    access.handed_out(name)  # commits: read what the stream needs before

    def archive():
        with force_locale("vi"):  # a PDF still to build (signed before PDFs were kept) is in Vietnamese
            yield from lanes.of().pieces(range_zip(commune_id, start, end))

    # Streamed as it is written: one PDF in memory at a time, the first bytes out at once. Each
    # PDF is read (or built) in the heavy lane and sent outside it.
    return Response(
        stream_with_context(archive()),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _month_document(first: dt.date, kind: str):
    """The signed month document when the leader signed the month, the draft otherwise."""
    return _pdf(*month_document_pdf(current_commune(), first, kind))


@bp.get("/pdf/month/<month>.pdf")
@allowed("pull_pdfs")
def month(month: str):
    return _month_document(_month(month), months.SUMMARY)


@bp.get("/pdf/month/<month>/late.pdf")
@allowed("pull_pdfs")
def month_late(month: str):
    return _month_document(_month(month), months.LATE_LIST)


@bp.route("/pdf/month/<month>/sign", methods=["GET", "POST"])
@allowed("sign")
def month_sign(month: str):
    """The leader's page: what the month's documents will say, then signing them."""
    first = _month(month)
    commune = current_commune()
    errors: list[str] = []
    if request.method == "POST":
        try:
            signed = sign_month(commune, first, current_user)
        except CannotSignMonth as refusal:
            errors = refusal.problems
        except IntegrityError:
            # Another document took the same register number meanwhile (or a double click signed the month).
            db.session.rollback()
            errors = [
                _(
                    "Số văn bản vừa được cấp cho một văn bản khác (hoặc tháng vừa được ký ở một yêu cầu khác); "
                    "tài liệu tháng chưa được ký, hãy xem lại trang này rồi bấm ký lại."
                )
            ]
        else:
            numbers = ", ".join(doc.document_number for doc in signed)
            flash(
                _("Đã ký tài liệu tháng %(m)s: số %(numbers)s.", m=first.strftime("%m/%Y"), numbers=numbers), "success"
            )
            return redirect(url_for("pdf.month_sign", month=month), code=303)
    state = month_state(commune, first)
    return render_template(
        "pdf/month_sign.html", state=state, month=month, m=first.strftime("%m/%Y"), errors=errors, months=months
    ), (409 if errors else 200)


# --- automated pulls with a per-reviewer token -------------------------------------------------


def token_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = access.token_user(bearer(request.headers.get("Authorization")))
        if user is None:
            return {"error": "unauthorized", "detail": "a valid API token is required (Authorization: Bearer …)"}, 401
        g.token_user = user
        return view(*args, **kwargs)

    return wrapped


@bp.get("/api/v1/reports/<day>.pdf")
@token_required
def api_daily(day: str):
    date = clock.parse_iso_date(day)
    if date is None:
        return {"error": "bad_date", "detail": "use YYYY-MM-DD"}, 400
    revision = latest_revisions(current_commune().id, date, date).get(date)
    if revision is None:
        return {"error": "not_found", "detail": "no signed report for that day"}, 404
    with force_locale("vi"):
        return _signed(revision)


@bp.get("/api/v1/months/<month>.pdf")
@token_required
def api_month(month: str):
    return _api_month(month, months.SUMMARY)


@bp.get("/api/v1/months/<month>/late.pdf")
@token_required
def api_month_late(month: str):
    return _api_month(month, months.LATE_LIST)


def _api_month(month: str, kind: str):
    """A signed month document for an automated pull; only signed ones (a draft is for people)."""
    first = periods.parse_month(month)
    if first is None:
        return {"error": "bad_month", "detail": "use YYYY-MM"}, 400
    signed = current_edition(current_commune().id, first, kind)
    if signed is None:
        return {"error": "not_found", "detail": "the leader has not signed that month's documents"}, 404
    return _pdf(stored_pdf(signed), months.filename(current_commune().code, first, kind, signed.edition))


@bp.route("/account/tokens", methods=["GET", "POST"])
@allowed("pull_pdfs")
def tokens():
    new_token = None
    error = None
    if request.method == "POST":
        name = " ".join(request.form.get("name", "").split())[:80]
        if not name:
            error = _("Đặt tên cho mã truy cập (ví dụ: máy chủ Sở KH&CN).")
        elif hidden := text.problem(name):
            error = hidden
        else:
            _row, new_token = access.issue_token(current_user, name)
    rows = db.session.scalars(db.select(ApiToken).filter_by(user_id=current_user.id).order_by(ApiToken.id.desc())).all()
    return render_template("pdf/tokens.html", tokens=rows, new_token=new_token, error=error), (422 if error else 200)


@bp.post("/account/tokens/<int:token_id>/revoke")
@allowed("pull_pdfs")
def revoke_token(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    access.revoke_token(row)
    flash(_("Đã thu hồi mã truy cập."), "success")
    return redirect(url_for("pdf.tokens"), code=303)
