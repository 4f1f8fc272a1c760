"""The admin's pages: accounts of the commune's users."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wardapp.auth.models import User
from wardapp.auth.operations import (
    add_account,
    check_user_fields,
    current_locks,
    normalise_user_fields,
    unlock,
    update_user,
)
from wardapp.commune.access import current_commune, of_this_commune
from wardapp.extensions import db
from wardapp.permissions import Role
from wardapp.web import allowed

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@allowed("administer")
def users():
    people = db.session.scalars(
        db.select(User).filter_by(commune_id=current_commune().id).order_by(User.active.desc(), User.username)
    ).all()
    locks = {lock.username: lock for lock in current_locks([u.username for u in people])}
    return render_template("admin/users.html", users=people, locks=locks)


@bp.post("/users/<int:user_id>/unlock")
@allowed("administer")
def unlock_user(user_id: int):
    user = of_this_commune(User, user_id)
    unlock(user)
    flash(_("Đã mở khóa đăng nhập cho %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.users"), code=303)


@bp.route("/users/new", methods=["GET", "POST"])
@allowed("administer")
def new_user():
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = normalise_user_fields(request.form)
        errors = check_user_fields(data, creating=True)
        if not errors:
            user = add_account(data, current_commune().id)
            flash(_("Đã tạo tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for("admin.users"), code=303)
    return render_template("admin/user_form.html", user=None, errors=errors, form=request.form, roles=list(Role)), (
        422 if errors else 200
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allowed("administer")
def edit_user(user_id: int):
    user = of_this_commune(User, user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = normalise_user_fields(request.form)
        errors = check_user_fields(data, creating=False, user_id=user.id)
        if user.id == current_user.id and (data["role"] != Role.ADMIN or not data["active"]):
            errors["role"] = _("Bạn không thể tự bỏ quyền quản trị hoặc tự vô hiệu hóa tài khoản của mình.")
        if not errors:
            update_user(user, data)
            flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for("admin.users"), code=303)
    form = request.form if request.method == "POST" else {**user.snapshot(), "active": "1" if user.active else ""}
    return render_template("admin/user_form.html", user=user, errors=errors, form=form, roles=list(Role)), (
        422 if errors else 200
    )
