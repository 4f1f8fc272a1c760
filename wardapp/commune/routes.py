from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wardapp.commune.access import current_commune, installed_commune
from wardapp.commune.operations import change_settings, parse_settings
from wardapp.web import allowed

bp = Blueprint("commune", __name__)


@bp.route("/settings", methods=["GET", "POST"])
@allowed("administer")
def settings():
    commune = current_commune()
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = parse_settings(request.form)
        if not errors:
            change_settings(commune, values)
            flash(_("Đã lưu cài đặt."), "success")
            return redirect(url_for("commune.settings"), code=303)
    return render_template("commune/settings.html", errors=errors, form=request.form), (422 if errors else 200)


@bp.app_context_processor
def commune_in_templates() -> dict[str, object]:
    return {"commune": installed_commune()}
