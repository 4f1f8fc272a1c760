"""The city admin's page offering the year's hand-over package (the same as ``archive export``)
and listing the last packages made; each one is recorded in the city's audit."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user

from wardapp.city import scope
from wardapp.city.access import reviewer_required
from wardapp.city.archive import operations
from wardapp.city.extensions import city_db as db
from wardapp.core import clock, handover
from wardapp.core.i18n import gettext as _
from wardapp.core.inputs import parse_int

bp = Blueprint("city_archive", __name__, url_prefix="/archive")

FIRST_YEAR = 2025  # the first year a commune could have signed anything (the reform of July 2025)


def _admin_only() -> None:
    if current_user.role != "admin":
        abort(403)


def _years() -> list[int]:
    return list(range(clock.today().year, FIRST_YEAR - 1, -1))


def _page(errors: dict, form, status: int = 200):
    return render_template(
        "city/archive.html",
        years=_years(),
        errors=errors,
        form=form,
        packages=operations.last_packages(),
        provinces=[scope.province_name(p) for p in scope.visible()],
    ), status


@bp.get("/")
@reviewer_required
def index():
    _admin_only()
    return _page({}, {})


@bp.post("/")
@reviewer_required
def download():
    _admin_only()
    year = parse_int(request.form.get("year"), FIRST_YEAR, clock.today().year)
    if year is None:
        return _page({"year": _("Chọn một năm từ %(first)s đến nay.", first=FIRST_YEAR)}, request.form, 422)
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".package-", suffix=".zip", dir=folder)
    os.close(handle)
    path = Path(name)
    try:
        operations.export_year(
            year, path, provinces=scope.visible(), actor=current_user.username, ip=request.remote_addr
        )
    except handover.HandoverError as error:
        db.session.rollback()
        path.unlink(missing_ok=True)
        return _page({"year": _("Chưa lập được gói: %(reason)s", reason=str(error))}, request.form, 422)
    db.session.commit()
    stream = path.open("rb")
    path.unlink()  # the open file is read to its end by the response; nothing stays in the instance
    return send_file(
        stream,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{operations.package_name(year)}.zip",
    )
