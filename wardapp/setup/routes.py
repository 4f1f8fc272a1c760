"""The first-run pages: only while no commune is set up; every other page redirects here until then."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from wardapp.auth.operations import check_user_fields, normalise_user_fields
from wardapp.commune.access import installed_commune
from wardapp.commune.operations import parse_deadline
from wardapp.core.units import find, search
from wardapp.permissions import Role
from wardapp.setup.operations import SetupError, set_up

bp = Blueprint("setup", __name__)

# Pages that work before the commune is set up.
OPEN_BEFORE_SETUP = {"setup.setup", "setup.search", "static", "healthz", "auth.language"}


@bp.before_app_request
def redirect_until_set_up():
    if request.endpoint in OPEN_BEFORE_SETUP or request.endpoint is None:
        return None
    if installed_commune() is None:
        return redirect(url_for("setup.setup"))
    return None


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run: pick the commune from the official list and create the first admin account."""
    if installed_commune() is not None:
        abort(404)
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        unit = find(form.get("code", ""))
        if unit is None:
            errors["code"] = _("Chọn xã/phường trong danh mục (tìm theo mã hoặc tên).")
        deadline, deadline_error = parse_deadline(form.get("deadline", "17:00"))
        if deadline_error:
            errors["deadline"] = deadline_error
        data = normalise_user_fields(form) | {"role": Role.ADMIN.value}
        errors |= check_user_fields(data, creating=True)
        if not errors:
            try:
                commune, admin = set_up(unit.code, deadline, data)
            except SetupError as exc:
                errors["code"] = str(exc)
            else:
                login_user(admin)
                flash(_("Đã thiết lập %(name)s. Hãy tạo tài khoản cho cán bộ.", name=commune.name), "success")
                return redirect(url_for("admin.users"), code=303)
    selected = find(form.get("code", "")) if form else None
    return render_template("setup/setup.html", errors=errors, form=form, selected=selected), (422 if errors else 200)


@bp.get("/setup/communes", endpoint="search")
def search_units():
    """Active search over the official list (code or name, diacritics optional)."""
    if installed_commune() is not None:
        abort(404)
    return render_template("setup/_unit_options.html", units=search(request.args.get("q", "")))
