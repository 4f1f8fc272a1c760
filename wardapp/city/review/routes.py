"""The reviewer's decisions at the city: a received report's page (its photos, returning it),
the review list, accepting one day or many in one action (PROTOCOL section 4's "accepted"), the
flags of a period, the one-stop reconciliation and a commune's review page."""

from __future__ import annotations

import datetime as dt
import io
from functools import partial
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from wardapp.city.accounts import permissions, scope
from wardapp.city.accounts.access import report_or_404, reviewer_required
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import blobs
from wardapp.city.models import CityKey, ReceivedReport
from wardapp.city.review import flags, reconcile
from wardapp.city.review import operations as reviewing
from wardapp.core import clock
from wardapp.core.figures import figures_by_group
from wardapp.core.i18n import gettext as _
from wardapp.core.rates import RATES
from wardapp.core.units import all_units, find
from wardapp.platform import memo

bp = Blueprint("review", __name__)


def _range(args, default_days: int = 1) -> tuple[dt.date, dt.date]:
    """The days asked for; by default the last ``default_days`` up to today. Never more than two
    months: a longer or reversed range falls back to the default."""
    end = clock.parse_iso_date(args.get("to")) or clock.today()
    fallback = end - dt.timedelta(days=default_days - 1)
    start = clock.parse_iso_date(args.get("from")) or fallback
    if start > end or (end - start).days >= reviewing.MAX_RANGE_DAYS:
        start = fallback
    return start, end


def _commune_in(provinces: tuple[str, ...], code: str) -> str | None:
    """The commune asked for, when the user may see it (404 otherwise, as if unknown)."""
    if not code:
        return None
    unit = find(code)
    if unit is None or unit.province_code not in provinces:
        abort(404)
    return unit.code


@bp.get("/review")
@reviewer_required
def index():
    provinces = scope.chosen()
    # The week by default: a reviewer opening the page in the morning reviews yesterday's reports
    # and any left from the days before, not only today's (which mostly arrive after 17:00).
    start, end = _range(request.args, default_days=7)
    commune = _commune_in(provinces, request.args.get("commune", "").strip())
    state = request.args.get("state", "")
    state = state if state in reviewing.STATE_LABELS else ""
    rows = reviewing.rows(provinces, start, end, commune, state or None)
    names = {u.code: u.name for u in all_units().values() if u.province_code in provinces}
    return render_template(
        "city/review.html",
        rows=rows,
        names=names,
        start=start,
        end=end,
        commune=commune or "",
        state=state,
        labels=reviewing.STATE_LABELS,
        corrected_label=reviewing.CORRECTED_AFTER_ACCEPTANCE,
        new_count=sum(1 for r in rows if r.state == reviewing.NEW),
        visible_provinces=[(c, scope.province_name(c)) for c in scope.visible()],
        province_arg=provinces[0] if len(provinces) == 1 else scope.ALL,
    )


@bp.post("/review/accept")
@reviewer_required
def accept_many():
    """Accept in one action: the reports ticked, or every new one the filter shows (a commune's
    month, a day across the province)."""
    visible = scope.visible()
    chosen = request.form.getlist("report_id")
    if chosen:
        found = db.session.scalars(db.select(ReceivedReport).filter(ReceivedReport.report_id.in_(chosen[:5000])))
        reports = [r for r in found if scope.may_see(scope.province_of(r.commune_code))]
    else:
        province = request.form.get("province", "")
        provinces = visible if province in ("", scope.ALL) else (scope.normalise(province),)
        if not set(provinces) <= set(visible):
            abort(404)
        start, end = _range(request.form)
        commune = _commune_in(provinces, request.form.get("commune", "").strip())
        reports = reviewing.acceptable(provinces, start, end, commune)
    done = reviewing.accept(reports, current_user)
    if done:
        flash(_("Đã duyệt %(n)s báo cáo.", n=done), "success")
    else:
        flash(_("Không có báo cáo mới nào để duyệt."), "warning")
    return redirect(_back(), code=303)


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


def _back_to_report(report_id: str, done: bool, success: str, refused: str, refused_category: str = "error"):
    """Back to the report (303) with what became of the reviewer's action."""
    if done:
        flash(success, "success")
    else:
        flash(refused, refused_category)
    return redirect(url_for("review.report", report_id=report_id), code=303)


@bp.post("/reports/<report_id>/return")
@reviewer_required
def return_report(report_id: str):
    report = report_or_404(report_id)
    done = reviewing.return_report(report, current_user, request.form.get("comment", ""), request)
    refused = _("Hãy ghi ý kiến khi trả lại báo cáo.")
    return _back_to_report(report_id, done, _("Đã trả lại báo cáo cho xã/phường."), refused)


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


@bp.post("/reports/<report_id>/accept")
@reviewer_required
def accept_one(report_id: str):
    done = reviewing.accept([report_or_404(report_id)], current_user) > 0
    refused = _("Chỉ duyệt được bản hiện hành chưa được duyệt hay trả lại.")
    return _back_to_report(report_id, done, _("Đã duyệt báo cáo."), refused, refused_category="warning")


@bp.get("/review/flags")
@reviewer_required
def flag_list():
    """A period's figures out of line with each commune's own history, with the usual range, the
    leader's explanation, and the reviewer's check (default: the last seven days)."""
    provinces = scope.chosen()
    start, end = _range(request.args, default_days=7)
    commune = _commune_in(provinces, request.args.get("commune", "").strip())
    found = flags.period_flags(provinces, start, end, commune)
    if request.args.get("open"):
        found = [f for f in found if f.checked is None]
    return render_template(
        "city/review_flags.html",
        rows=_flag_rows(found, provinces),
        start=start,
        end=end,
        commune=commune or "",
        only_open=bool(request.args.get("open")),
        rule=flags.rule(),
        visible_provinces=[(c, scope.province_name(c)) for c in scope.visible()],
        province_arg=provinces[0] if len(provinces) == 1 else scope.ALL,
    )


FLAG_ROWS_KEPT_MAX = 8192  # rendered flag rows per worker: a few months of a large province
# What differs per request in a kept row, put in after joining: markup no escaped text can contain.
_TOKEN, _NEXT = "<!--csrf-token-->", "<!--next-path-->"


def _flag_rows(found: list[flags.Flagged], provinces: tuple[str, ...]) -> Markup:
    """The flag list's rows, each rendered once per content and language and kept in the worker
    (a month of a province is some 450 rows, whose rendering was most of the page's time:
    bench/review.py); the CSRF token and the page's path are put in per request."""
    context = {
        "names": {u.code: u.name for u in all_units().values() if u.province_code in provinces},
        "labels": flags.labels(),  # each figure's label once, not once per row
        "report_base": url_for("review.report", report_id="_")[:-1],
        "commune_link": _commune_link(),
        "check_url": url_for("review.check_flag"),
        "csrf": Markup(_TOKEN),  # noqa: S704 - our own constant
        "next_path": Markup(_NEXT),  # noqa: S704 - our own constant
    }

    def rendered(rows: list) -> str:
        return render_template("city/_flag_rows.html", flags=rows, **context)

    locale = str(get_locale())
    kept = partial(memo.kept, "wardapp.city.flag-rows", limit=FLAG_ROWS_KEPT_MAX)
    parts = [kept((flags.row_key(f), locale), partial(rendered, [f])) for f in found] or [rendered([])]
    html = "".join(parts).replace(_TOKEN, str(escape(generate_csrf()))).replace(_NEXT, str(escape(request.full_path)))
    return Markup(html)  # noqa: S704 - each part rendered by Jinja with autoescaping, the values put in escaped


@bp.post("/review/flags/check")
@reviewer_required
def check_flag():
    """Mark one flag checked, with the reviewer's comment (kept, audited)."""
    code = request.form.get("commune", "").strip()
    unit = find(code)
    day = clock.parse_iso_date(request.form.get("date"))
    if unit is None or day is None:
        abort(404)
    scope.require(unit.province_code)
    metric = request.form.get("metric", "")
    flag = next((f for f in flags.period_flags((unit.province_code,), day, day, unit.code) if f.metric == metric), None)
    if flag is None:
        abort(404)
    try:
        flags.mark_checked(flag, request.form.get("comment", ""), current_user)
    except flags.CheckError as problem:
        flash(str(problem), "error")
        return redirect(_back(), code=303)
    flash(_("Đã đánh dấu đã kiểm tra."), "success")
    return redirect(_back(), code=303)


@bp.route("/review/one-stop", methods=["GET", "POST"])
@reviewer_required
def one_stop():
    """Signed counts beside the province's one-stop export, per commune and day; a city admin
    imports the export here (refused whole on a bad row; nothing personal is kept)."""
    provinces = scope.chosen()
    errors: list[str] = []
    error_count = 0
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors = [_("Hãy chọn tệp xuất của hệ thống một cửa (XLSX hoặc CSV).")]
        else:
            try:
                done = reconcile.import_export(upload.filename, upload.read(), current_user, scope.visible())
                flash(
                    _(
                        "Đã nhập %(n)s hồ sơ, từ %(first)s đến %(last)s.",
                        n=done.rows,
                        first=done.first_day.strftime("%d/%m/%Y"),
                        last=done.last_day.strftime("%d/%m/%Y"),
                    ),
                    "success",
                )
                return redirect(url_for("review.one_stop", province=request.args.get("province", "")), code=303)
            except reconcile.ImportRefused as refused:
                errors, error_count = refused.reasons, refused.count
    start, end = _range(request.args, default_days=7)
    commune = _commune_in(provinces, request.args.get("commune", "").strip())
    found = reconcile.by_commune(provinces, start, end, commune)
    if request.args.get("differ"):
        found = [c for c in found if not c.agrees]
    body = _oneshop_rows(found, provinces, start, end)
    return render_template(
        "city/review_oneshop.html",
        body=body,
        start=start,
        end=end,
        commune=commune or "",
        only_differ=bool(request.args.get("differ")),
        errors=errors,
        error_count=error_count,
        visible_provinces=[(c, scope.province_name(c)) for c in scope.visible()],
        province_arg=provinces[0] if len(provinces) == 1 else scope.ALL,
    ), (422 if errors else 200)


ONESHOP_ROWS_KEPT_MAX = 4096  # rendered rows per worker: a few periods of a large province


def _oneshop_rows(found: list, provinces: tuple[str, ...], start: dt.date, end: dt.date) -> Markup:
    """The view's rows, each rendered once per content and language and kept in the worker: a
    report arriving changes at most its commune's row, so the first load after it renders one row,
    not the province's (measured, bench/review.py)."""
    names = {u.code: u.name for u in all_units().values() if u.province_code in provinces}
    labels = reconcile.labels()  # each figure's label once, not once per difference
    commune_link = _commune_link()
    locale = str(get_locale())

    def rendered(rows: list) -> str:
        return render_template(
            "city/_oneshop_rows.html",
            communes=rows,
            labels=labels,
            commune_link=commune_link,
            names=names,
            start=start,
            end=end,
        )

    if not found:
        return Markup(rendered([]))  # noqa: S704 - rendered by Jinja with autoescaping
    parts = []
    for row in found:
        key = (reconcile.row_key(row), locale, start, end)
        parts.append(memo.kept("wardapp.city.oneshop-rows", key, partial(rendered, [row]), limit=ONESHOP_ROWS_KEPT_MAX))
    return Markup("".join(parts))  # noqa: S704 - each part rendered by Jinja with autoescaping


def _commune_link() -> tuple[str, str]:
    """A commune's review URL around its code, built once per page rather than once per row (the
    router's build was a fifth of a month's flag list: measured, bench/review.py)."""
    before, _placeholder, after = url_for("review.commune", code="_").rpartition("/_/")
    return before + "/", "/" + after


def _back() -> str:
    """The page the action came from, when it is one of ours."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and not urlsplit(target).netloc:
        return target
    return url_for("review.index")


@bp.get("/communes/<code>/review")
@reviewer_required
def commune(code: str):
    """One commune's days side by side: review state, flags against its own history and the
    difference from the province's one-stop export, so a reviewer decides in one place."""
    unit = find(code)
    if unit is None:
        abort(404)
    scope.require(unit.province_code)
    end = clock.parse_iso_date(request.args.get("to")) or clock.today()
    start = clock.parse_iso_date(request.args.get("from")) or end.replace(day=1)
    if start > end or (end - start).days >= reviewing.MAX_RANGE_DAYS:
        start = end.replace(day=1)
    provinces = (unit.province_code,)
    rows = reviewing.rows(provinces, start, end, unit.code)
    return render_template(
        "city/review_commune.html",
        unit=unit,
        rows=rows,
        start=start,
        end=end,
        labels=reviewing.STATE_LABELS,
        corrected_label=reviewing.CORRECTED_AFTER_ACCEPTANCE,
        new_count=sum(1 for r in rows if r.state == reviewing.NEW),
        **_side_by_side(unit.code, provinces, start, end),
    )


def _side_by_side(code: str, provinces: tuple[str, ...], start: dt.date, end: dt.date) -> dict:
    """What the commune page shows beside each day (flags, one-stop differences)."""
    by_day: dict[dt.date, list] = {}
    for flag in flags.period_flags(provinces, start, end, code):
        by_day.setdefault(flag.date, []).append(flag)
    differences = {d.date: d for d in reconcile.days(provinces, start, end, code)}
    return {"flags_by_day": by_day, "reconciled_by_day": differences}
