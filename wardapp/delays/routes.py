from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from wardapp.commune.access import current_commune
from wardapp.core import clock, periods
from wardapp.core.readiness import check, count_mismatches
from wardapp.delays.day import gather, late_dossiers_of
from wardapp.delays.groups import late_groups, other_items
from wardapp.delays.models import Explanation, LateDossier, LateKind
from wardapp.delays.operations import (
    NotReady,
    add_late_dossier,
    explain_items,
    late_by_officer,
    mark_ready,
    parse_explanation,
    parse_late_dossier,
    remove_late_dossier,
)
from wardapp.extensions import db
from wardapp.reports.access import report_for_reading, report_for_writing
from wardapp.web import form_page, login_required

bp = Blueprint("delays", __name__)


@bp.get("/reports/<day>/late")
@login_required
def late_dossiers(day: str):
    date, report = report_for_reading(day)
    return _late_page(date, report)


def _late_page(date, report, errors=None, form=None, status=200):
    dossiers = late_dossiers_of(report)
    return form_page(
        "delays/late.html",
        errors,
        form,
        current_user.may("edit_day") and not (report is not None and report.frozen),
        status,
        day=date,
        report=report,
        dossiers=dossiers,
        kinds=list(LateKind),
        mismatches=count_mismatches(report.figures, dossiers) if report else [],
    )


@bp.post("/reports/<day>/late")
@login_required
def add_late(day: str):
    report = report_for_writing(day)
    values, errors = parse_late_dossier(request.form)
    if errors:
        db.session.rollback()
        date, reloaded = report_for_reading(day)
        return _late_page(date, reloaded, errors, request.form, 422)
    add_late_dossier(report, values, current_user)
    flash(_("Đã ghi hồ sơ trễ hạn."), "success")
    return redirect(url_for("delays.late_dossiers", day=report.date.isoformat()), code=303)


@bp.post("/reports/<day>/late/<int:dossier_id>/remove")
@login_required
def remove_late(day: str, dossier_id: int):
    report = report_for_writing(day)
    dossier = db.session.get(LateDossier, dossier_id)
    if dossier is None or dossier.report_id != report.id:
        abort(404)
    remove_late_dossier(dossier, current_user)
    return redirect(url_for("delays.late_dossiers", day=report.date.isoformat()), code=303)


@bp.get("/reports/<day>/explain")
@login_required
def explanations(day: str):
    date, report = report_for_reading(day)
    return _explain_page(date, report)


def _explain_page(date, report, errors=None, form=None, status=200, item_key=None):
    facts = gather(current_commune(), report, date)
    state = check(facts)
    today = clock.today()
    others = other_items(state)
    history = defaultdict(list)
    if report is not None:
        for e in db.session.scalars(
            db.select(Explanation).filter_by(report_id=report.id).order_by(Explanation.id.desc())
        ):
            history[e.item_key].append(e)
    return render_template(
        "delays/explain.html",
        day=date,
        report=report,
        state=state,
        history=history,
        errors=errors or {},
        form=form or {},
        error_item=item_key,
        # The items ticked when the form came back with an error (None: the page's own choice).
        submitted=form.getlist("item") if form is not None else None,
        groups=late_groups(state, facts.late_dossiers, today),
        others=others,
        others_waiting=[m for m in others if not m.explained],
        today=today,
        is_leader=current_user.may("explain") and not (report is not None and report.frozen),
    ), status


@bp.post("/reports/<day>/explain")
@login_required
def add_explanation(day: str):
    """One item, or a group ticked in one form: the same words stored for each item."""
    report = report_for_writing(day, "explain")
    keys = list(dict.fromkeys(request.form.getlist("item")))
    place = request.form.get("group") or (keys[0] if keys else "")
    with force_locale("vi"):  # the label is kept with the explanation and goes into the signed report
        listed = {i.key: i for i in check(gather(current_commune(), report, report.date)).items}
    if any(key not in listed for key in keys):
        abort(404)
    values, errors = parse_explanation(request.form, clock.today())
    if not keys:
        errors["item"] = _("Chọn ít nhất một việc để giải trình.")
    if errors:
        return _explain_page(report.date, report, errors, request.form, 422, place)
    explain_items(report, [listed[key] for key in keys], values, current_user)
    if len(keys) > 1:
        flash(_("Đã lưu giải trình cho %(n)s việc.", n=len(keys)), "success")
    else:
        flash(_("Đã lưu giải trình."), "success")
    anchor = place if request.form.get("group") else f"item-{place.replace(':', '-')}"
    return redirect(url_for("delays.explanations", day=report.date.isoformat()) + f"#{anchor}", code=303)


@bp.post("/reports/<day>/ready")
@login_required
def ready(day: str):
    report = report_for_writing(day, "explain")
    try:
        mark_ready(current_commune(), report, current_user)
    except NotReady:
        db.session.rollback()
        date, reloaded = report_for_reading(day)
        flash(_("Chưa thể đánh dấu sẵn sàng ký: xem những việc còn thiếu bên dưới."), "error")
        return _explain_page(date, reloaded, status=409)
    flash(_("Báo cáo đã sẵn sàng để ký."), "success")
    return redirect(url_for("delays.explanations", day=report.date.isoformat()), code=303)


@bp.get("/delays")
@login_required
def month():
    """The month's late dossiers and explanations by officer and unit (the public list)."""
    today = clock.today()
    first = periods.parse_month(request.args.get("month")) or today.replace(day=1)
    after = periods.next_month(first)
    return render_template(
        "delays/month.html",
        first=first,
        groups=late_by_officer(current_commune().id, first),
        previous=(first - dt.timedelta(days=1)).replace(day=1),
        next=after if after <= today else None,
    )
