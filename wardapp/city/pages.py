"""City reviewer pages: completeness grid, report page, returns, enrolment, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from wardapp.city import signin
from wardapp.city.access import report_or_404, reviewer_required
from wardapp.city.extensions import city_db as db
from wardapp.city.extensions import city_login
from wardapp.city.models import (
    CityAudit,
    CityCommune,
    CityKey,
    CityUser,
    IntakeLog,
    ReceivedReport,
)
from wardapp.city.operations import EnrolError, NeedsConfirmation, enrol, grid, photo_path
from wardapp.core import clock
from wardapp.core.clock import utcnow
from wardapp.core.figures import FIGURE_NAMES, figures_by_group
from wardapp.core.rates import RATES
from wardapp.core.security import apply_headers

bp = Blueprint("city", __name__)
STATE_LABELS = {
    "on_time": "Đúng hạn",
    "late": "Muộn",
    "corrected": "Đã sửa đổi",
    "returned": "Bị trả lại",
    "missing": "Chưa báo cáo",
    "future": "",
}


def init_app(app) -> None:
    city_login.login_view = "city.login"
    city_login.login_message = "Vui lòng đăng nhập để tiếp tục."

    @city_login.user_loader
    def load(user_id: str):
        user = db.session.get(CityUser, signin.session_user_id(user_id))
        # Sessions ended on the server (sign-out, sign out everywhere) carry an old generation.
        if user is None or not user.active or user.get_id() != user_id:
            return None
        return user

    @app.after_request
    def headers(response):
        signed_in = bool(current_user and current_user.is_authenticated) or "Authorization" in request.headers
        apply_headers(response.headers, logged_in=signed_in)
        return response

    @app.get("/healthz")
    def healthz():
        return {"ok": True}


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        result = signin.authenticate(
            request.form.get("username", ""), request.form.get("password", ""), request.remote_addr
        )
        if result.user is not None:
            login_user(result.user)
            return redirect(url_for("city.index"), code=303)
        error = result.error
        if result.throttled:
            return render_template("city/login.html", error=error), 429
    return render_template("city/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # The session ends on the server too: a copy of this cookie no longer signs anyone in.
        signin.end_sessions(current_user, "logout")
        db.session.commit()
    logout_user()
    return redirect(url_for("city.login"), code=303)


@bp.post("/sign-out-everywhere")
@reviewer_required
def sign_out_everywhere():
    signin.end_sessions(current_user, "sign out everywhere")
    db.session.commit()
    logout_user()
    flash("Đã đăng xuất khỏi mọi thiết bị.", "success")
    return redirect(url_for("city.login"), code=303)


def _range() -> tuple[dt.date, dt.date]:
    today = clock.today()
    end = clock.parse_iso_date(request.args.get("to")) or today
    start = clock.parse_iso_date(request.args.get("from")) or end - dt.timedelta(
        days=current_app.config["GRID_DAYS"] - 1
    )
    if start > end or (end - start).days > 62:
        start = end - dt.timedelta(days=current_app.config["GRID_DAYS"] - 1)
    return start, end


@bp.get("/")
@reviewer_required
def index():
    start, end = _range()
    rows = grid(current_app.config["CITY_PROVINCE_CODE"], start, end, clock.today())
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    # Only connected communes can be counted as missing a report.
    totals = {state: sum(1 for r in rows if r.enrolled for c in r.cells if c.state == state) for state in STATE_LABELS}
    return render_template(
        "city/grid.html",
        rows=rows,
        days=days,
        start=start,
        end=end,
        labels=STATE_LABELS,
        totals=totals,
        connected=sum(1 for r in rows if r.enrolled),
    )


@bp.get("/reports/<report_id>")
@reviewer_required
def report(report_id: str):
    report = report_or_404(report_id)
    history = db.session.scalars(
        db.select(ReceivedReport)
        .filter_by(commune_code=report.commune_code, date=report.date)
        .order_by(ReceivedReport.revision.desc())
    ).all()
    key = db.session.scalar(db.select(CityKey).filter_by(kid=report.kid))
    if not report.problems:
        try:
            return render_template(
                "city/report.html",
                report=report,
                doc=report.document,
                history=history,
                key=key,
                groups=figures_by_group(),
                rate_defs=RATES,
            )
        except Exception as error:  # odd data in one report shows it raw, never a 500
            current_app.logger.exception("city page of %s could not be rendered", report_id)
            problems = [f"{type(error).__name__}: {error}"]
    else:
        problems = report.problems
    return render_template("city/unrenderable.html", report=report, problems=problems, history=history, key=key)


@bp.post("/reports/<report_id>/return")
@reviewer_required
def return_report(report_id: str):
    report = report_or_404(report_id)
    comment = " ".join(request.form.get("comment", "").split())[:2000]
    if not comment:
        flash("Hãy ghi ý kiến khi trả lại báo cáo.", "error")
        return redirect(url_for("city.report", report_id=report_id), code=303)
    report.state = "returned"
    report.comment = comment
    report.returned_at = utcnow()
    report.returned_by = current_user.full_name
    db.session.add(
        IntakeLog(
            ip=request.remote_addr,
            method="POST",
            path=request.path[:200],
            status=200,
            error="returned",
            detail=comment,
            report_id=report_id,
            commune_code=report.commune_code,
        )
    )
    db.session.commit()
    flash("Đã trả lại báo cáo cho xã/phường.", "success")
    return redirect(url_for("city.report", report_id=report_id), code=303)


@bp.get("/reports/<report_id>/photos/<sha256>")
@reviewer_required
def photo(report_id: str, sha256: str):
    report = report_or_404(report_id)
    match = next((p for p in report.photos if p.sha256 == sha256), None)
    if match is None:
        abort(404)
    return send_file(photo_path(sha256), mimetype=match.content_type)


def _cell(text: str) -> str:
    """Text from a commune's payload, never read as a formula by a spreadsheet (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/export.csv")
@reviewer_required
def export_csv():
    """The figures of the newest revision of every report in the range, one line per commune-day."""
    start, end = _range()
    reports = db.session.scalars(
        db.select(ReceivedReport)
        .filter(ReceivedReport.date.between(start, end))
        .order_by(ReceivedReport.commune_code, ReceivedReport.date, ReceivedReport.revision)
    ).all()
    latest = {(r.commune_code, r.date): r for r in reports}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "commune_code",
            "commune_name",
            "date",
            "report_id",
            "revision",
            "late",
            "state",
            "received_at",
            *FIGURE_NAMES,
            *[r.name for r in RATES],
        ]
    )
    for (code, day), r in sorted(latest.items()):
        if r.problems:  # a malformed report (see ReceivedReport.problems): its page shows it raw
            continue
        doc = r.document
        writer.writerow(
            [
                code,
                _cell(doc["commune"]["name"]),
                day.isoformat(),
                r.report_id,
                r.revision,
                int(r.late),
                r.state,
                r.received_at.isoformat(timespec="seconds"),
                *[doc["figures"][n] for n in FIGURE_NAMES],
                *["" if doc["rates"].get(x.name) is None else doc["rates"][x.name] for x in RATES],
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=bao-cao-{start}-{end}.csv"},
    )


@bp.route("/communes", methods=["GET", "POST"])
@reviewer_required
def communes():
    """Enrol a commune: its code and its public JWK (the output of `flask keys export`).

    A further key for an enrolled commune takes a second step: the page shows the keys it already
    has and asks the admin's password again; the addition is audited either way."""
    error = None
    confirm: NeedsConfirmation | None = None
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        try:
            jwk = json.loads(request.form.get("jwk", "") or "{}")
            if not isinstance(jwk, dict):
                raise EnrolError("not a JSON object")
            password = request.form.get("password", "")
            confirmed = bool(password) and signin.confirm_password(current_user, password, request.remote_addr)
            if password and not confirmed:
                signin.record("key.confirm_failed", request.form.get("code", "")[:5], actor=current_user.username)
                db.session.commit()
                raise EnrolError("Mật khẩu xác nhận không đúng.")
            enrol(request.form.get("code", "").strip(), jwk, actor=current_user.username, confirmed=confirmed)
            db.session.commit()
            flash("Đã kết nối xã/phường.", "success")
            return redirect(url_for("city.communes"), code=303)
        except NeedsConfirmation as needed:
            db.session.rollback()
            confirm = needed
        except (ValueError, EnrolError) as problem:
            db.session.rollback()
            error = str(problem)
    enrolled = db.session.scalars(db.select(CityCommune).order_by(CityCommune.code)).all()
    keys = db.session.scalars(db.select(CityKey).order_by(CityKey.commune_code, CityKey.id)).all()
    return render_template(
        "city/communes.html", enrolled=enrolled, keys=keys, error=error, confirm=confirm, form=request.form
    ), (422 if error or confirm else 200)


@bp.route("/security", methods=["GET", "POST"])
@reviewer_required
def security():
    """For the intake's admin: locked sign-ins with where the failures came from, and the audit."""
    if current_user.role != "admin":
        abort(403)
    if request.method == "POST":
        username = signin.throttle.normalise_username(request.form.get("username", ""))
        signin.unlock(username, current_user.username)
        db.session.commit()
        flash(f"Đã mở khóa đăng nhập cho {username}.", "success")
        return redirect(url_for("city.security"), code=303)
    entries = db.session.scalars(db.select(CityAudit).order_by(CityAudit.id.desc()).limit(200)).all()
    return render_template("city/security.html", locks=signin.current_locks(), entries=entries)


@bp.get("/log")
@reviewer_required
def intake_log():
    entries = db.session.scalars(db.select(IntakeLog).order_by(IntakeLog.id.desc()).limit(200)).all()
    return render_template("city/log.html", entries=entries)
