"""City reviewer pages: completeness grid, report page, returns, enrolment, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from urllib.parse import urlsplit

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
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup, escape

from wardapp.city import blobs, desk, permissions, reviewing, scope, signin
from wardapp.city.access import report_or_404, reviewer_required
from wardapp.city.enrolment import (
    EnrolError,
    Enrolled,
    NeedsConfirmation,
    enrol_ca,
    enrol_file,
    enrol_many,
    entries_from_csv,
    read_file,
)
from wardapp.city.exports import spreadsheet_text as _cell
from wardapp.city.extensions import city_db as db
from wardapp.city.extensions import city_login
from wardapp.city.models import (
    CityAudit,
    CityCommune,
    CityKey,
    CityTrustedCA,
    CityUser,
    IntakeLog,
    ReceivedFigures,
    ReceivedReport,
)
from wardapp.city.operations import grid
from wardapp.core import clock, enrolment
from wardapp.core.clock import utcnow
from wardapp.core.figures import FIGURE_NAMES, figures_by_group
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.rates import RATES
from wardapp.core.security import apply_headers
from wardapp.core.units import all_units
from wardapp.platform.models import user_loader

bp = Blueprint("city", __name__)
STATE_LABELS = {
    "on_time": _l("Đúng hạn"),
    "late": _l("Muộn"),
    "corrected": _l("Đã sửa đổi"),
    "returned": _l("Bị trả lại"),
    "missing": _l("Chưa báo cáo"),
    "future": "",
}


def init_app(app) -> None:
    city_login.login_view = "city.login"
    city_login.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    city_login.localize_callback = str  # flashed in the reader's language, as a plain string

    # Sessions ended on the server (sign-out, sign out everywhere) carry an old generation.
    city_login.user_loader(user_loader(db.session, CityUser))
    # A received payload shown raw, officers' names masked as city/permissions.py says.
    app.jinja_env.globals["raw_payload"] = lambda payload: permissions.masked_raw(payload, current_user)

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
            return redirect(url_for("desk.overview"), code=303)
        error = result.error
        if result.throttled:
            return render_template("city/login.html", error=error), 429
    return render_template("city/login.html", error=error), (401 if error else 200)


@bp.post("/language")
def language():
    """Switch the interface language for this browser (kept in the session, through sign-in and
    sign-out); the city's reviewers read Vietnamese unless they choose English."""
    chosen = request.form.get("locale", "")
    session["locale"] = (
        chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    return redirect(_same_site(request.form.get("next")), code=303)


def _same_site(target: str | None) -> str:
    """Only a path of this site: a crafted form must not send the reviewer elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and urlsplit(target).netloc == "":
        return target
    return url_for("desk.overview")


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
    flash(_("Đã đăng xuất khỏi mọi thiết bị."), "success")
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


@bp.get("/grid")
@reviewer_required
def index():
    provinces = scope.chosen()
    start, end = _range()
    today = clock.today()
    enrolled = frozenset(desk.enrolled_codes(provinces))
    key = (provinces, start, end, today, enrolled, str(get_locale()))
    rows, cells, totals = desk.remembered("grid", key, lambda: _grid_view(provinces, start, end, today))
    return render_template(
        "city/grid.html",
        rows=rows,
        days=[start + dt.timedelta(days=i) for i in range((end - start).days + 1)],
        start=start,
        end=end,
        labels=STATE_LABELS,
        review_labels=REVIEW_LABELS,
        review_marks=REVIEW_MARKS,
        totals=totals,
        connected=sum(1 for r in rows if r.enrolled),
        cells=cells,
        visible_provinces=[(c, scope.province_name(c)) for c in scope.visible()],
        province_arg=provinces[0] if len(provinces) == 1 else scope.ALL,
    )


def _grid_view(provinces: tuple[str, ...], start: dt.date, end: dt.date, today: dt.date):
    """The grid's rows, their cells as markup and the count of each state (a 62-day grid of a
    large province is ten thousand cells: remembered until the desk's revision moves)."""
    rows = grid(provinces, start, end, today)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    # Only connected communes can be counted as missing a report.
    counted = Counter(c.state for r in rows if r.enrolled for c in r.cells)
    totals = {state: counted.get(state, 0) for state in STATE_LABELS}
    reviewed = Counter(c.review for r in rows for c in r.cells if c.review)
    totals.update({mark: reviewed.get(mark, 0) for mark in REVIEW_MARKS})
    return rows, _grid_cells(rows, days), totals


_MARKS = {"on_time": "✓", "late": "M", "corrected": "S", "returned": "T"}
# The review's marks, added to the cell's own (a letter, not a colour alone: the legend says it).
REVIEW_MARKS = {"accepted": _l("Đ"), "reaccept": "!"}  # Đ: đã duyệt
REVIEW_LABELS = {"accepted": _l("Đã duyệt"), "reaccept": _l("Sửa sau khi đã duyệt")}


def _grid_cells(rows, days: list[dt.date]) -> dict[str, Markup]:
    base = str(escape(url_for("city.report", report_id="_")[:-1]))  # one url_for, not one per cell
    titles = {state: str(escape(str(label))) for state, label in STATE_LABELS.items()}
    titles |= {
        (state, mark): f"{titles[state]} · {escape(str(REVIEW_LABELS[mark]))}"
        for state in titles
        for mark in REVIEW_MARKS
    }
    iso = {d: d.isoformat() for d in days}
    marks = {mark: str(escape(str(letter))) for mark, letter in REVIEW_MARKS.items()}
    return {row.code: _cells_html(row, base, titles, iso, marks) for row in rows}


def _cells_html(row, report_base: str, titles: dict, days: dict, marks: dict[str, str]) -> Markup:
    """A grid row's cells as markup, built here: a 62-day grid of a large province has over ten
    thousand cells, which the template engine took most of the page's time to write (measured,
    bench/city_desk.py). The markup is what the template wrote; ``titles`` are escaped once and
    the rest are dates, state names and report ids of our own making."""
    parts = []
    for c in row.cells:
        if c.report_id:
            mark = _MARKS[c.state] + (f'<b class="review-mark">{marks[c.review]}</b>' if c.review else "")
            inner = f'<a href="{report_base}{escape(c.report_id)}">{mark}</a>'
        elif c.state == "missing" and row.enrolled:
            inner = "✗"
        else:
            inner = ""
        if c.review:
            reviewed = f' review-{c.review}" data-review="{c.review}'
            title = titles[(c.state, c.review)]
        else:
            reviewed, title = "", titles[c.state]
        parts.append(
            f'<td class="cell-{c.state}{reviewed}" data-date="{days[c.day]}" data-state="{c.state}" '
            f'title="{title}">{inner}</td>'
        )
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or one of our own words


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
                doc=permissions.masked(report.document, current_user),
                names_hidden=not permissions.sees_officer_names(current_user),
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
        flash(_("Hãy ghi ý kiến khi trả lại báo cáo."), "error")
        return redirect(url_for("city.report", report_id=report_id), code=303)
    report.state = "returned"
    if report.facts is not None:  # the desk's copy of the state
        report.facts.returned = True
    reviewing.returned(report, current_user, comment)
    report.comment = comment
    report.returned_at = utcnow()
    report.returned_by = current_user.full_name
    desk.changed()
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
    flash(_("Đã trả lại báo cáo cho xã/phường."), "success")
    return redirect(url_for("city.report", report_id=report_id), code=303)


@bp.get("/reports/<report_id>/photos/<sha256>")
@reviewer_required
def photo(report_id: str, sha256: str):
    report = report_or_404(report_id)
    match = next((p for p in report.photos if p.sha256 == sha256), None)
    if match is None:
        abort(404)
    data = blobs.store().get(blobs.photo_key(sha256))
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=match.content_type, max_age=3600, etag=sha256)


@bp.get("/export.csv")
@reviewer_required
def export_csv():
    """The figures of the newest revision of every report in the range, one line per commune-day."""
    provinces = scope.chosen()
    start, end = _range()
    reports = db.session.scalars(
        db.select(ReceivedReport)
        .join(ReceivedFigures, ReceivedFigures.report_pk == ReceivedReport.id)
        .filter(
            ReceivedFigures.date.between(start, end),
            ReceivedFigures.current.is_(True),
            ReceivedFigures.province_code.in_(provinces),
        )
        .order_by(ReceivedReport.commune_code, ReceivedReport.date)
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
    """Enrol a commune from its enrolment file (the output of `flask --app wsgi keys export`:
    its code, key and PDF CA, uploaded or pasted); or many at once from enrolment files or a CSV of
    public keys, with a report of what was enrolled or refused.

    A further key or CA for an enrolled commune takes a second step: the page shows what the
    commune already has and asks the admin's password again; the addition is audited either way."""
    error = None
    results = None
    confirm: NeedsConfirmation | None = None
    mine = scope.visible()
    form = request.form.to_dict()
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if request.form.get("bulk") or request.files.get("csv"):
            try:
                results = enrol_many(_bulk_entries(), mine, actor=current_user.username)
                db.session.commit()
            except (UnicodeDecodeError, EnrolError) as problem:
                db.session.rollback()
                error = str(problem) if isinstance(problem, EnrolError) else _("Tệp CSV phải được mã hóa UTF-8.")
        else:
            try:
                form["jwk"] = _enrolment_text(form.get("jwk", ""))
                done = _enrol_one(form, mine)
                db.session.commit()
                flash(_("Đã kết nối xã/phường %(code)s.", code=done.code), "success")
                for warning in done.warnings:
                    flash(warning, "warning")
                return redirect(url_for("city.communes"), code=303)
            except NeedsConfirmation as needed:
                db.session.rollback()
                confirm = needed
            except EnrolError as problem:
                db.session.rollback()
                error = str(problem)
    enrolled = db.session.scalars(
        db.select(CityCommune).filter(CityCommune.province_code.in_(mine)).order_by(CityCommune.code)
    ).all()
    keys = db.session.scalars(
        db.select(CityKey)
        .join(CityCommune, CityKey.commune_code == CityCommune.code)
        .filter(CityCommune.province_code.in_(mine))
        .order_by(CityKey.commune_code, CityKey.id)
    ).all()
    with_ca = set(db.session.scalars(db.select(CityTrustedCA.commune_code).distinct()))
    return render_template(
        "city/communes.html",
        enrolled=enrolled,
        keys=keys,
        added_by=_who_added(keys),
        with_ca=with_ca,
        error=error,
        confirm=confirm,
        form=form,
        results=results,
    ), (422 if error or confirm else 200)


def _who_added(keys) -> dict[str, str]:
    """Who enrolled each key, as a reader names them: an officer's full name; a command run on
    the server ("cli", an internal name) as what it was."""
    usernames = {k.enrolled_by for k in keys if k.enrolled_by}
    names = {
        u.username: u.full_name
        for u in db.session.scalars(db.select(CityUser).filter(CityUser.username.in_(usernames)))
    }
    names["cli"] = _("Cán bộ kỹ thuật, trên máy chủ")
    return names


def _enrolment_text(pasted: str) -> str:
    """The enrolment file's text: the uploaded file when one was chosen, else what was pasted (kept
    in the form either way, so a confirmation step or an error loses nothing)."""
    upload = request.files.get("enrolment_file")
    if upload is not None and upload.filename:
        data = upload.read(enrolment.MAX_BYTES + 1)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise EnrolError(_("Tệp kết nối phải là văn bản UTF-8.")) from error
    return pasted


def _enrol_one(form: dict[str, str], mine: tuple[str, ...]) -> Enrolled:
    """One enrolment from the form; a confirmation must carry the admin's password, checked (and
    a wrong one written to the security log) before anything is added."""
    file = read_file(form.get("jwk", ""))
    password = form.get("password", "")
    confirmed = bool(password) and signin.confirm_password(current_user, password, request.remote_addr)
    if password and not confirmed:
        signin.record("key.confirm_failed", (form.get("code") or file.code)[:5], actor=current_user.username)
        db.session.commit()
        raise EnrolError(_("Mật khẩu xác nhận không đúng."))
    code = form.get("code", "").strip() or None
    done = enrol_file(file, code, mine, actor=current_user.username, confirmed=confirmed)
    ca_pem = form.get("ca_pem", "").strip()
    if ca_pem:  # an older key-only file's CA, pasted beside it
        done.new_cas += enrol_ca(done.code, ca_pem.encode(), actor=current_user.username, confirmed=confirmed)
        done.warnings.clear()
    return done


def _bulk_entries() -> list:
    """The bulk form's files: enrolment files (JSON or JWK), each on its own, or one CSV of keys."""
    entries: list = []
    for upload in [*request.files.getlist("files"), *request.files.getlist("csv")]:
        if not upload.filename:
            continue
        data = upload.read(enrolment.MAX_BYTES + 1)
        if upload.filename.lower().endswith(".csv"):
            entries += entries_from_csv(data.decode("utf-8-sig"))
            continue
        try:
            file = read_file(data)
            entries.append((upload.filename, file.code, file))
        except EnrolError as problem:
            entries.append((upload.filename, "", str(problem)))
    if not entries:
        raise EnrolError(_("Hãy chọn ít nhất một tệp kết nối hoặc một tệp CSV."))
    return entries


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
        flash(_("Đã mở khóa đăng nhập cho %(name)s.", name=username), "success")
        return redirect(url_for("city.security"), code=303)
    entries = db.session.scalars(db.select(CityAudit).order_by(CityAudit.id.desc()).limit(200)).all()
    return render_template("city/security.html", locks=signin.current_locks(), entries=entries, actions=signin.ACTIONS)


@bp.get("/log")
@reviewer_required
def intake_log():
    """The intake's answers for the communes of the user's provinces; requests that named no commune
    only to users who see every province the intake serves (they may come from any of them)."""
    mine = scope.visible()
    codes = [u.code for u in all_units().values() if u.province_code in mine]
    seen = IntakeLog.commune_code.in_(codes)
    if set(mine) == set(scope.served()):
        seen = db.or_(seen, IntakeLog.commune_code.is_(None))
    entries = db.session.scalars(db.select(IntakeLog).filter(seen).order_by(IntakeLog.id.desc()).limit(200)).all()
    return render_template("city/log.html", entries=entries)
