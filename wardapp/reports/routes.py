from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wardapp.commune.access import current_commune
from wardapp.core import clock, periods, rates
from wardapp.core.figures import NARRATIVE, figures_by_group
from wardapp.core.rules import Validation
from wardapp.core.status import legend
from wardapp.extensions import db
from wardapp.reports.models import DailyReport, FrozenReport
from wardapp.reports.operations import (
    check_form,
    date_problem,
    fixed_figures,
    get_report,
    initial_form,
    save_report,
)
from wardapp.web import allowed, error_page, login_required

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.app_errorhandler(FrozenReport)
def frozen(error: FrozenReport):
    """Any route that tries to change a signed day ends here (the rule: ``DailyReport.ensure_editable``)."""
    day = error.report.date.strftime("%d/%m/%Y")
    return error_page(
        409,
        _("Báo cáo đã ký"),
        _(
            "Báo cáo ngày %(date)s đã được ký nên không thể thay đổi. Lãnh đạo có thể mở bản sửa đổi "
            "(kèm lý do) để tạo phiên bản mới.",
            date=day,
        ),
    )


def _day_or_404(value: str) -> dt.date:
    day = clock.parse_iso_date(value)
    if day is None:
        abort(404)
    return day


def _version(report: DailyReport | None) -> int:
    return report.version if report is not None else 0


def _form_context(
    day: dt.date,
    report: DailyReport | None,
    values: dict[str, str],
    validation: Validation,
    conflict: DailyReport | None = None,
) -> dict:
    """Everything the form page and its live partial need, built in one place."""
    commune = current_commune()
    complete_figures = validation.figures_if_complete()
    return {
        "day": day,
        "report": report,
        "values": values,
        "validation": validation,
        "groups": figures_by_group(),
        "narrative_fields": NARRATIVE,
        "fixed": fixed_figures(commune.id, day),
        # Figures that disagree make every rate a guess (140% and the like): none is shown then.
        "rates": rates.compute(complete_figures) if complete_figures is not None and validation.consistent else None,
        "rates_withheld": complete_figures is not None and not validation.consistent,
        "rate_defs": rates.RATES,
        "totals": rates.totals(complete_figures) if complete_figures is not None else None,
        "conflict": conflict,
        "theirs": conflict.figures | conflict.narrative if conflict else {},
        "can_edit": current_user.may("edit_day") and not (report is not None and report.frozen),
        "version": _version(conflict or report),
    }


@bp.get("/")
@login_required
def index():
    """Reports of one month, newest first."""
    first = periods.parse_month(request.args.get("month")) or clock.today().replace(day=1)
    after = periods.next_month(first)
    reports = db.session.scalars(
        db.select(DailyReport)
        .filter(DailyReport.commune_id == current_commune().id, DailyReport.date >= first, DailyReport.date < after)
        .order_by(DailyReport.date.desc())
    ).all()
    # Each row's status comes from the template's ``day_statuses`` (registered by signing, which
    # knows the signatures and the outbox; reports sits below it and cannot ask it directly).
    rows = [(r, rates.compute(r.figures)) for r in reports]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return render_template(
        "reports/index.html",
        rows=rows,
        legend=legend(),
        month=first,
        last=after - dt.timedelta(days=1),
        previous=previous,
        next=after if after <= clock.today() else None,
    )


@bp.route("/new", methods=["GET", "POST"])
@allowed("edit_day")
def new():
    """Open the report of another day (a day missed, say)."""
    error = None
    value = request.form.get("date", "") or clock.today().isoformat()
    if request.method == "POST":
        day = clock.parse_iso_date(value)
        error = date_problem(day)
        if error is None and get_report(current_commune().id, day) is not None:
            error = _("Ngày %(date)s đã có báo cáo: mở báo cáo đó để sửa.", date=day.strftime("%d/%m/%Y"))
            return render_template("reports/new.html", error=error, value=value, existing=day), 409
        if error is None:
            return redirect(url_for("reports.edit", day=day.isoformat()), code=303)
    return render_template("reports/new.html", error=error, value=value, existing=None), (422 if error else 200)


@bp.route("/<day>", methods=["GET", "POST"])
@login_required
def edit(day: str):
    date = _day_or_404(day)
    problem = date_problem(date)
    if problem:
        flash(problem, "error")
        return redirect(url_for("dashboard.index"), code=303)
    commune = current_commune()
    if request.method == "POST":
        if not current_user.may("edit_day"):
            abort(403)
        return _save(commune.id, date)
    report = get_report(commune.id, date)
    values = initial_form(commune.id, date, report)
    validation = check_form(commune.id, date, values)
    return render_template("reports/form.html", **_form_context(date, report, values, validation))


def _save(commune_id: int, date: dt.date):
    try:
        seen_version = int(request.form.get("version", "0"))
    except ValueError:
        seen_version = -1  # never matches: treated as a conflict, nothing is overwritten
    outcome = save_report(commune_id, date, request.form, seen_version, current_user)
    values = {k: request.form.get(k, "") for k in outcome.validation.raw} | outcome.validation.raw
    values |= {k: request.form.get(k, "") for k in outcome.validation.narrative}
    if outcome.saved:
        if outcome.validation.consistent:
            flash(_("Đã lưu báo cáo ngày %(date)s.", date=date.strftime("%d/%m/%Y")), "success")
        else:
            flash(
                _(
                    "Đã lưu nháp. Còn %(n)s chỗ chưa khớp, xem thông báo cạnh từng ô.",
                    n=outcome.validation.problem_count,
                ),
                "warning",
            )
        return redirect(url_for("reports.edit", day=date.isoformat()), code=303)
    context = _form_context(date, outcome.report, values, outcome.validation, outcome.conflict)
    status = 409 if outcome.conflict else 422
    return render_template("reports/form.html", **context), status


@bp.get("/<day>/check")
@login_required
def check(day: str):
    """Live validation while typing: the rates panel and every field's messages, nothing saved."""
    date = _day_or_404(day)
    commune = current_commune()
    validation = check_form(commune.id, date, request.args)
    values = dict(request.args)
    return render_template(
        "reports/_live.html", **_form_context(date, get_report(commune.id, date), values, validation)
    )
