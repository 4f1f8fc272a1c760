"""The admin's page offering the year's hand-over package (the same as ``archive export``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from wardapp.audit.access import PACKAGE, record_access
from wardapp.commune.access import current_commune
from wardapp.core import clock, handover
from wardapp.core.inputs import parse_int
from wardapp.handover import operations
from wardapp.platform.lanes import heavy
from wardapp.web import allowed

bp = Blueprint("handover", __name__, url_prefix="/admin/archive")

FIRST_YEAR = 2025  # the first year the app could have signed anything (the reform of July 2025)


def _years() -> list[int]:
    return list(range(clock.today().year, FIRST_YEAR - 1, -1))


@bp.get("/")
@allowed("administer")
def index():
    return render_template("handover/index.html", years=_years(), errors={}, form={})


@bp.post("/")
@allowed("administer")
@heavy
def download():
    year = parse_int((request.form.get("year") or "").strip(), FIRST_YEAR, clock.today().year)
    if year is None:
        errors = {"year": _("Chọn một năm từ %(first)s đến nay.", first=FIRST_YEAR)}
        return render_template("handover/index.html", years=_years(), errors=errors, form=request.form), 422
    commune = current_commune()
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".package-", suffix=".zip", dir=folder)
    os.close(handle)
    path = Path(name)
    try:
        operations.export_year(year, path, actor=current_user)
    except handover.HandoverError as error:
        path.unlink(missing_ok=True)
        errors = {"year": _("Chưa lập được gói: %(reason)s", reason=str(error))}
        return render_template("handover/index.html", years=_years(), errors=errors, form=request.form), 422
    record_access(PACKAGE, f"{commune.code}:{year}")
    stream = path.open("rb")
    path.unlink()  # the open file is read to its end; nothing is left in the instance
    return send_file(
        stream,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{operations.package_name(commune, year)}.zip",
    )
