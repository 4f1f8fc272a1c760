from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wardapp.commune.access import current_commune
from wardapp.core import clock
from wardapp.core.text import form_problems
from wardapp.extensions import db
from wardapp.reports.models import ensure_editable
from wardapp.reports.operations import get_report
from wardapp.support.models import SupportCase, cases_on
from wardapp.team import operations
from wardapp.team.models import Field, TeamMember
from wardapp.team.operations import ensure_team, save_team, team_of, team_state
from wardapp.web import allowed, form_page, login_required

bp = Blueprint("team", __name__, url_prefix="/team")


def _clean(form, name: str, limit: int) -> str:
    return " ".join(form.get(name, "").split())[:limit]


@bp.get("/")
@login_required
def index():
    return _page()


def _page(errors: dict | None = None, form=None, status: int = 200):
    commune = current_commune()
    team = team_of(commune.id)
    return form_page(
        "team/index.html",
        errors,
        form,
        current_user.may("manage_team"),
        status,
        team=team,
        state=team_state(team, commune.team_deadline),
        deadline=commune.team_deadline,
        fields=list(Field),
    )


@bp.post("/")
@allowed("manage_team")
def save():
    form = request.form
    errors = form_problems(form)
    values = {
        "decision_number": _clean(form, "decision_number", 60),
        "decision_signer": _clean(form, "decision_signer", 120),
        "duties": form.get("duties", "").strip()[:4000],
    }
    raw = form.get("decision_date", "").strip()
    values["decision_date"] = clock.parse_iso_date(raw) if raw else None
    if raw and values["decision_date"] is None:
        errors["decision_date"] = _("Ngày không hợp lệ.")
    elif values["decision_date"] and values["decision_date"] > clock.today():
        errors["decision_date"] = _("Ngày quyết định không thể ở tương lai.")
    if bool(values["decision_number"]) != bool(values["decision_date"]):
        errors.setdefault("decision_date", _("Nhập cả số và ngày của quyết định thành lập."))
    if errors:
        return _page(errors, form, 422)
    save_team(ensure_team(current_commune().id), values, current_user)
    flash(_("Đã lưu thông tin Tổ phản ứng nhanh."), "success")
    return redirect(url_for("team.index"), code=303)


@bp.post("/members")
@allowed("manage_team")
def add_member():
    form = request.form
    errors = form_problems(form)
    member = TeamMember(
        name=_clean(form, "name", 120),
        position=_clean(form, "position", 120),
        unit=_clean(form, "unit", 120),
        phone=_clean(form, "phone", 20),
        field=form.get("field", ""),
        is_leader=form.get("is_leader") == "1",
    )
    if not member.name:
        errors["name"] = _("Nhập họ tên thành viên.")
    if member.field not in [f.value for f in Field]:
        errors["field"] = _("Chọn lĩnh vực.")
    if member.phone and not all(c.isdigit() or c in " +.-" for c in member.phone):
        errors["phone"] = _("Số điện thoại chỉ gồm chữ số.")
    if errors:
        return _page(errors, form, 422)
    operations.add_member(current_commune().id, member, current_user)
    return redirect(url_for("team.index"), code=303)


@bp.post("/members/<int:member_id>/remove")
@allowed("manage_team")
def remove_member(member_id: int):
    member = db.session.get(TeamMember, member_id)
    if member is None or member.team.commune_id != current_commune().id:
        abort(404)
    operations.remove_member(member, current_user)
    return redirect(url_for("team.index"), code=303)


@bp.route("/cases", methods=["GET", "POST"])
@login_required
def cases():
    commune = current_commune()
    day = clock.parse_iso_date(request.values.get("date")) or clock.today()
    if day > clock.today():
        day = clock.today()
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        if not current_user.may("edit_day"):
            abort(403)
        ensure_editable(get_report(commune.id, day))  # the count is part of a signed report
        errors = form_problems(form)
        team = team_of(commune.id)
        member_id = form.get("member", type=int)
        member = db.session.get(TeamMember, member_id) if member_id else None
        if member is not None and (team is None or member.team_id != team.id):
            member = None
            errors["member"] = _("Chọn thành viên của Tổ.")
        try:
            at = dt.time.fromisoformat(form.get("time", "").strip())
        except ValueError:
            at = None
            errors["time"] = _("Nhập giờ theo dạng HH:MM.")
        case = SupportCase(
            commune_id=commune.id,
            date=day,
            time=at,
            procedure=_clean(form, "procedure", 200),
            problem=form.get("problem", "").strip()[:2000],
            outcome=form.get("outcome", "").strip()[:2000],
            member_id=member.id if member else None,
            recorded_by_id=current_user.id,
        )
        if not case.procedure:
            errors["procedure"] = _("Nhập thủ tục được hỗ trợ.")
        if not case.problem:
            errors["problem"] = _("Mô tả vướng mắc của người dân.")
        if not errors:
            operations.add_case(case, current_user)
            flash(_("Đã ghi nhận lượt hỗ trợ."), "success")
            return redirect(url_for("team.cases", date=day.isoformat()), code=303)
    team = team_of(commune.id)
    return render_template(
        "team/cases.html",
        day=day,
        cases=cases_on(commune.id, day),
        team=team,
        errors=errors,
        form=form,
        can_edit=current_user.may("edit_day"),
    ), (422 if errors else 200)


@bp.post("/cases/<int:case_id>/remove")
@allowed("edit_day")
def remove_case(case_id: int):
    case = db.session.get(SupportCase, case_id)
    if case is None or case.commune_id != current_commune().id or case.removed_at is not None:
        abort(404)
    ensure_editable(get_report(case.commune_id, case.date))
    operations.remove_case(case, current_user)
    return redirect(url_for("team.cases", date=case.date.isoformat()), code=303)
