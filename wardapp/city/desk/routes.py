"""The monitoring desk's pages: the province overview (the reviewer's first page), the II.06a table
for any period with its exports and the consolidated report, a commune's trend, reminders."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from wardapp.city.accounts import scope
from wardapp.city.accounts.access import reviewer_required
from wardapp.city.desk import exports, mailer
from wardapp.city.desk import grid as grids
from wardapp.city.desk import operations as desk
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityProvince, IntakeLog
from wardapp.core import clock, ii06a, svg
from wardapp.core.i18n import fmt_percent
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.units import all_units, find

bp = Blueprint("desk", __name__)

STATE_LABELS = {
    "on_time": _l("Đúng hạn"),
    "late": _l("Muộn"),
    "not_yet": _l("Chưa đến hạn"),
    "missing": _l("Chưa báo cáo (quá hạn)"),
    "not_connected": _l("Chưa kết nối"),
}
REASON_LABELS = {
    "missing": _l("Không báo cáo nhiều ngày liên tiếp"),
    "rate_drop": _l("Tỷ lệ đúng hạn giảm mạnh"),
    "overdue": _l("Nhiều hồ sơ quá hạn"),
    "tasks_behind": _l("Nhiệm vụ chậm tiến độ"),
    # The count beside it is of explained items: the delays are the reason, not the explaining.
    "explanations": _l("Việc chậm, trễ hạn đã giải trình"),
}
RANK_LABELS = {
    "on_time_rate": _l("Đúng hạn"),
    "online_rate": _l("Trực tuyến"),
    "online_payment_rate": _l("Thanh toán trực tuyến"),
    "digitization_rate": _l("Số hóa"),
    "satisfaction_rate": _l("Hài lòng"),
    "estimate_766": _l("Ước tính 766"),
}


def _province_context(provinces: tuple[str, ...]) -> dict:
    mine = scope.visible()
    return {
        "provinces": provinces,
        "visible_provinces": [(code, scope.province_name(code)) for code in mine],
        "province_arg": provinces[0] if len(provinces) == 1 else scope.ALL,
        "scope_name": ", ".join(scope.province_name(p) for p in provinces) if len(provinces) <= 3 else _("Cả nước"),
    }


# --- overview ----------------------------------------------------------------------------------


def _month_to_date(today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    this_start = today.replace(day=1)
    last_end = this_start - dt.timedelta(days=1)
    return (this_start, today), (last_end.replace(day=1), last_end)


@bp.get("/")
@reviewer_required
def overview():
    provinces = scope.chosen()
    now = clock.now()
    today = now.date()
    states = desk.day_states(provinces, today, now)
    (mtd_start, mtd_end), (last_start, last_end) = _month_to_date(today)

    def province_total(start, end):
        return desk.combine("", "", "", desk.period(provinces, start, end, today))

    totals = {
        "today": province_total(today, today),
        "month": province_total(mtd_start, mtd_end),
        "last_month": province_total(last_start, last_end),
    }
    return render_template(
        "city/overview.html",
        today=today,
        states=states,
        labels=STATE_LABELS,
        week=desk.last_days(provinces, today, 7),
        totals=totals,
        shown_rates=exports.RATE_COLUMNS,
        attention=desk.attention(provinces, now),
        reasons=REASON_LABELS,
        deadlines=desk.deadlines(provinces),
        **_province_context(provinces),
    )


# --- the II.06a table ---------------------------------------------------------------------------


def _period_args() -> tuple[str, dt.date, dt.date]:
    kind = request.args.get("period", "month")
    if kind not in desk.PERIODS:
        kind = "month"
    on = clock.parse_iso_date(request.args.get("on")) or clock.today()
    start, end = desk.period_bounds(
        kind, on, clock.parse_iso_date(request.args.get("from")), clock.parse_iso_date(request.args.get("to"))
    )
    return kind, start, end


def _accepted_only() -> bool:
    """``?days=accepted``: only the days a reviewer accepted are counted (city/review/operations.py)."""
    return request.args.get("days") == "accepted"


def _sheet(provinces: tuple[str, ...], start: dt.date, end: dt.date) -> tuple[exports.Sheet, list[desk.Totals]]:
    """The table as shown: communes of one province, or provinces for a national view."""
    communes = desk.period(provinces, start, end, accepted_only=_accepted_only())
    national = len(provinces) > 1
    rows = desk.by_province(communes, {p: scope.province_name(p) for p in provinces}) if national else communes
    key = request.args.get("sort", "")
    rows = desk.sorted_rows(rows, key, request.args.get("dir", "desc" if key else "asc") == "desc")
    total = desk.combine("", _("Tổng cộng"), "", communes)
    scope_name = ", ".join(scope.province_name(p) for p in provinces) if len(provinces) <= 3 else _("Cả nước")
    counted = _("chỉ tính ngày đã duyệt") if _accepted_only() else _("tính mọi ngày đã nhận")
    scope_name = f"{scope_name} ({counted})"
    title = _("Tình hình, kết quả giải quyết thủ tục hành chính (mẫu II.06a)")
    unit = _("Tỉnh/thành phố") if national else _("Xã/phường")
    return exports.Sheet(title, scope_name, start, end, unit, rows, total), communes


def _asked_table() -> tuple[tuple[str, ...], str, dt.date, dt.date, exports.Sheet]:
    """The table the query asks for: its provinces, period kind and days, and its sheet."""
    provinces = scope.chosen()
    kind, start, end = _period_args()
    sheet, _communes = _sheet(provinces, start, end)
    return provinces, kind, start, end, sheet


@bp.get("/ii06a")
@reviewer_required
def table():
    provinces, kind, start, end, sheet = _asked_table()
    sort = request.args.get("sort", "")
    descending = request.args.get("dir", "desc" if sort else "asc") == "desc"
    return render_template(
        "city/ii06a.html",
        body=_table_rows(sheet, kind, start, end, provinces, sort, descending),
        groups=ii06a.GROUPS,
        periods=desk.PERIOD_LABELS,
        ranks=RANK_LABELS,
        sort=sort,
        descending=descending,
        ranked=sort in RANK_LABELS,
        args=_link_args(kind, start, end, provinces),
        **_province_context(provinces),
        **_table_context(sheet, kind, start, end, provinces),
    )


def _table_context(sheet: exports.Sheet, kind: str, start: dt.date, end: dt.date, provinces: tuple[str, ...]) -> dict:
    """What the table's page and its rows (remembered apart) both read."""
    return {
        "sheet": sheet,
        "columns": ii06a.COLUMNS,
        "rate_columns": exports.RATE_COLUMNS,
        "rate_value": exports.rate_value,
        "note": exports.note,
        "kind": kind,
        "start": start,
        "end": end,
        "national": len(provinces) > 1,
    }


def _table_rows(
    sheet: exports.Sheet,
    kind: str,
    start: dt.date,
    end: dt.date,
    provinces: tuple[str, ...],
    sort: str,
    descending: bool,
) -> Markup:
    """The table's rows as markup, remembered until the desk's revision moves (or the day, the
    connected communes, the order or the language change): writing them is most of the page."""
    enrolled = frozenset(desk.enrolled_codes(provinces))
    key = (kind, start, end, provinces, sort, descending, clock.today(), enrolled, _accepted_only())
    return desk.remembered(
        "ii06a-rows",
        (*key, str(get_locale())),
        lambda: Markup(  # noqa: S704 - rendered by Jinja with autoescaping, kept as it came out
            render_template("city/_ii06a_rows.html", **_table_context(sheet, kind, start, end, provinces))
        ),
    )


def _link_args(kind: str, start: dt.date, end: dt.date, provinces: tuple[str, ...]) -> dict[str, str]:
    """The query string that names this period and scope again (for sorting and exports)."""
    args = {"period": kind, "on": start.isoformat(), "province": provinces[0] if len(provinces) == 1 else scope.ALL}
    if kind == "range":
        args.update({"from": start.isoformat(), "to": end.isoformat()})
    if _accepted_only():
        args["days"] = "accepted"
    return args


@bp.get("/ii06a.xlsx")
@reviewer_required
def table_xlsx():
    provinces, _kind, start, end, sheet = _asked_table()
    made = exports.xlsx(sheet, issuer=current_app.config["CITY_DEPARTMENT_NAME"], made_on=clock.today())
    return exports.download(made, f"II06a-{exports.file_stem(provinces, start, end)}.xlsx")


@bp.get("/ii06a.csv")
@reviewer_required
def table_csv():
    provinces, _kind, start, end, sheet = _asked_table()
    return exports.download(exports.csv_text(sheet), f"II06a-{exports.file_stem(provinces, start, end)}.csv")


@bp.get("/communes/<code>/days")
@reviewer_required
def commune(code: str):
    unit = find(code)
    if unit is None:
        abort(404)
    scope.require(unit.province_code)
    end = clock.parse_iso_date(request.args.get("to")) or clock.today()
    start = clock.parse_iso_date(request.args.get("from")) or end - dt.timedelta(days=29)
    if start > end or (end - start).days > desk.MAX_RANGE_DAYS:
        start = end - dt.timedelta(days=29)
    days = desk.commune_days(code, start, end)
    period = desk.period((unit.province_code,), start, end)
    row = next(r for r in period if r.code == code)
    chart = svg.line_chart([(d.day, d.on_time_rate) for d in days], _("Tỷ lệ đúng hạn theo ngày"), fmt_percent)
    online = svg.line_chart([(d.day, d.online_rate) for d in days], _("Tỷ lệ trực tuyến theo ngày"), fmt_percent)
    return render_template(
        "city/commune.html",
        unit=unit,
        days=list(reversed(days)),
        row=row,
        start=start,
        end=end,
        today=clock.today(),
        chart=chart,
        online_chart=online,
        note=exports.note,
    )


# --- reminders and deadlines --------------------------------------------------------------------


@bp.route("/reminders", methods=["GET", "POST"])
@reviewer_required
def reminders():
    provinces = scope.chosen()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        code = scope.normalise(request.form.get("province", ""))
        scope.require(code)
        text = request.form.get("deadline", "").strip()
        moment = None
        try:
            moment = dt.time.fromisoformat(text)
        except ValueError:
            errors["deadline"] = _("Giờ không hợp lệ, ví dụ 17:00.")
        emails = None
        if "emails" in request.form:
            emails, refused = mailer.addresses(request.form["emails"])
            if refused:
                errors["emails"] = _("Địa chỉ e-mail không hợp lệ: %(items)s", items=", ".join(refused))
        if not errors and moment is not None:
            desk.set_deadline(code, moment, emails, current_user.full_name)
            flash(_("Đã lưu hạn báo cáo."), "success")
            return redirect(url_for("desk.reminders", province=code), code=303)
    now = clock.now()
    states = desk.day_states(provinces, now.date(), now)
    waiting = states["missing"] + states["not_yet"]
    limits = desk.deadlines(provinces)
    message = _reminder_text(now.date(), waiting, limits)
    status = 422 if errors else 200
    return render_template(
        "city/reminders.html",
        today=now.date(),
        waiting=waiting,
        past=bool(states["missing"]),
        deadlines=limits,
        message=message,
        errors=errors,
        form=request.form,
        smtp_configured=mailer.configured(),
        emails=_reminder_emails(provinces),
        **_province_context(provinces),
    ), status


def _reminder_emails(provinces: tuple[str, ...]) -> dict[str, str]:
    rows = db.session.execute(
        db.select(CityProvince.code, CityProvince.reminder_emails).filter(CityProvince.code.in_(provinces))
    )
    return {row[0]: row[1] for row in rows}


@bp.post("/reminders/send")
@reviewer_required
def send_reminders():
    """E-mail today's reminder for one province to its addresses, through the configured server."""
    code = scope.normalise(request.form.get("province", ""))
    scope.require(code)
    back = redirect(url_for("desk.reminders", province=code), code=303)
    row = db.session.get(CityProvince, code)
    recipients, _refused = mailer.addresses(row.reminder_emails if row else "")
    now = clock.now()
    states = desk.day_states((code,), now.date(), now)
    waiting = states["missing"] + states["not_yet"]
    if not mailer.configured():
        flash(_("Chưa cấu hình máy chủ e-mail (CITY_SMTP_HOST)."), "error")
        return back
    if not recipients:
        flash(_("Chưa có địa chỉ nhận nhắc của tỉnh/thành phố này."), "error")
        return back
    if not waiting:
        flash(_("Mọi xã, phường đã kết nối đều đã báo cáo."), "success")
        return back
    subject = _("Nhắc gửi báo cáo ngày %(day)s", day=now.strftime("%d/%m/%Y"))
    try:
        mailer.send(recipients, subject, _reminder_text(now.date(), waiting, desk.deadlines((code,))))
    except mailer.MailError as error:
        flash(_("Không gửi được e-mail: %(reason)s", reason=str(error)), "error")
        return back
    desk.reminder_sent(request, len(waiting), recipients, current_user.full_name)
    flash(_("Đã gửi e-mail nhắc %(n)s xã, phường tới %(to)s.", n=len(waiting), to=", ".join(recipients)), "success")
    return back


def _reminder_text(day: dt.date, waiting: list[desk.DayEntry], limits: dict[str, dt.time]) -> str:
    """The message a reviewer copies into the chat group or an e-mail."""
    if not waiting:
        return ""
    lines = [_("Đề nghị các xã, phường sau gửi báo cáo ngày %(day)s:", day=day.strftime("%d/%m/%Y"))]
    lines += [
        _(
            "- %(name)s (%(code)s) — hạn %(time)s",
            name=e.name,
            code=e.code,
            time=limits[e.province_code].strftime("%H:%M"),
        )
        for e in waiting
    ]
    return "\n".join(lines)


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
def grid():
    provinces = scope.chosen()
    start, end = _range()
    today = clock.today()
    enrolled = frozenset(desk.enrolled_codes(provinces))
    key = (provinces, start, end, today, enrolled, str(get_locale()))
    rows, cells, totals = desk.remembered("grid", key, lambda: grids.view(provinces, start, end, today))
    return render_template(
        "city/grid.html",
        rows=rows,
        days=[start + dt.timedelta(days=i) for i in range((end - start).days + 1)],
        start=start,
        end=end,
        labels=grids.STATE_LABELS,
        review_labels=grids.REVIEW_LABELS,
        review_marks=grids.REVIEW_MARKS,
        totals=totals,
        connected=sum(1 for r in rows if r.enrolled),
        cells=cells,
        visible_provinces=[(c, scope.province_name(c)) for c in scope.visible()],
        province_arg=provinces[0] if len(provinces) == 1 else scope.ALL,
    )


@bp.get("/export.csv")
@reviewer_required
def export_csv():
    """The figures of the newest revision of every report in the range, one line per commune-day."""
    start, end = _range()
    reports = desk.current_reports(scope.chosen(), start, end)
    return exports.download(exports.reports_csv(reports), f"bao-cao-{start}-{end}.csv")


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
