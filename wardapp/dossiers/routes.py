"""Importing the dossier log, mapping another export's columns, and overriding a computed figure."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wardapp.commune.access import current_commune
from wardapp.core import text as text_rules
from wardapp.core.figures import BY_NAME
from wardapp.dossiers.operations import (
    LateDetailsProblem,
    OverrideProblem,
    WithdrawProblem,
    clear_override,
    complete_late_dossier,
    import_file,
    import_of_commune,
    imports_of,
    late_dossier_of_commune,
    log_day,
    mapping_problems,
    override_allowed,
    save_mapping,
    set_override,
    sources,
    withdraw_import,
)
from wardapp.extensions import db
from wardapp.permissions import Action
from wardapp.platform import dossier_log as importer
from wardapp.platform.lanes import body_limit, heavy
from wardapp.reports.access import parse_day
from wardapp.reports.models import ensure_editable
from wardapp.reports.operations import get_report
from wardapp.web import allowed

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_BODY_BYTES = MAX_FILE_BYTES + 1_000_000  # the file and the form's other fields

PREVIEW_ROWS = 8


def _upload_view(action: Action):
    """A view that reads an uploaded export, for who may ``action``: in the heavy lane, its body at
    most MAX_BODY_BYTES."""

    def decorator(view):
        return heavy(body_limit(MAX_BODY_BYTES)(allowed(action)(view)))

    return decorator


def _upload() -> tuple[str, bytes] | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read(MAX_FILE_BYTES + 1)


@bp.errorhandler(413)
def too_large(error):
    """A body over the limit (the whole request is refused before it is parsed): say the limit."""
    message = _("Tệp quá lớn: tối đa 50 MB.")
    if request.endpoint == "dossiers.index" and current_user.is_authenticated:
        return _import_page(None, message, "", 413)
    return render_template("error.html", code=413, title=_("Tệp quá lớn"), message=message), 413


@bp.route("/", methods=["GET", "POST"])
@_upload_view("import_dossiers")
def index():
    """The import page: upload the day's export; the history of imports below."""
    commune = current_commune()
    outcome, error, status = None, None, 200
    source = request.form.get("source", "")
    if request.method == "POST":
        file = _upload()
        if file is None:
            error, status = _("Chọn tệp sổ theo dõi hồ sơ (.xlsx hoặc .csv)."), 422
        elif len(file[1]) > MAX_FILE_BYTES:
            error, status = _("Tệp quá lớn: tối đa 50 MB."), 413
        else:
            outcome = import_file(commune.id, file[0], file[1], current_user, source)
            if outcome.ok:
                record = outcome.record
                flash(
                    _(
                        "Đã nhập %(rows)s hồ sơ (%(new)s mới, %(updated)s cập nhật). "
                        "Số liệu các ngày chưa ký đã được tính lại.",
                        rows=record.rows,
                        new=record.created,
                        updated=record.updated,
                    ),
                    "success",
                )
                if outcome.dropped:
                    flash(
                        _(
                            "Các cột không được đọc (dữ liệu cá nhân không bao giờ được lưu): %(columns)s.",
                            columns=", ".join(outcome.dropped),
                        ),
                        "info",
                    )
                return redirect(url_for("dossiers.index"), code=303)
            status = 422
    return _import_page(outcome, error, source, status)


def _import_page(outcome, error: str | None, source: str, status: int):
    """The import page: the outcome of an upload or what was wrong with it, the history below."""
    commune = current_commune()
    return render_template(
        "dossiers/index.html",
        outcome=outcome,
        error=error,
        sources=sources(commune.id),
        source=source,
        imports=imports_of(commune.id),
    ), status


@bp.route("/mapping", methods=["GET", "POST"])
@_upload_view("administer")
def mapping():
    """Map another export's columns: upload a sample, see its first rows, pick a column per field."""
    commune = current_commune()
    headers: list[str] = []
    preview: list[list] = []
    errors: dict[str, str] = {}
    status = 200
    chosen = {f: request.form.get(f"col_{f}", "") for f in importer.FIELD_LABELS}
    name = " ".join(request.form.get("name", "").split())[:80]
    if request.method == "POST":
        file = _upload()
        if file is not None:
            try:
                sheet = importer.read_sheet(*file)
            except importer.FileProblem as problem:
                errors["file"], status = str(problem), 422
            else:
                rows = [cells for _line, cells in sheet.head if any(c not in (None, "") for c in cells)]
                headers = [str(c) for c in rows[0] if c not in (None, "")] if rows else []
                preview = rows[1 : PREVIEW_ROWS + 1]
        else:
            headers = request.form.getlist("header")
        if request.form.get("save") and headers:
            errors = mapping_problems(chosen, headers)
            if not name:
                errors["name"] = _("Đặt tên cho cách ghép cột này (ví dụ: tên phần mềm xuất tệp).")
            elif hidden := text_rules.problem(name):
                errors["name"] = hidden
            if not errors:
                save_mapping(commune.id, name, chosen, current_user)
                flash(_("Đã lưu cách ghép cột «%(name)s».", name=name), "success")
                return redirect(url_for("dossiers.index"), code=303)
            status = 422
    return render_template(
        "dossiers/mapping.html",
        headers=headers,
        preview=preview,
        personal=[h for h in headers if importer.looks_personal(h)],
        fields=importer.FIELD_LABELS,
        required=importer.REQUIRED,
        chosen=chosen,
        name=name,
        errors=errors,
    ), status


@bp.route("/imports/<int:import_id>/withdraw", methods=["GET", "POST"])
@allowed("administer")
def withdraw(import_id: int):
    """An admin takes a wrong import back, with a reason; the unsigned days are counted again."""
    record = import_of_commune(import_id, current_commune().id)
    if record is None or not record.active:
        abort(404)
    reason, error = request.form.get("reason", ""), None
    if request.method == "POST":
        try:
            done = withdraw_import(record, reason, current_user)
        except WithdrawProblem as problem:
            db.session.rollback()
            error = str(problem)
        else:
            flash(
                _(
                    "Đã rút lần nhập: %(removed)s hồ sơ bị xóa, %(restored)s hồ sơ trở lại như trước. "
                    "Số liệu các ngày chưa ký đã được tính lại.",
                    removed=done.removed,
                    restored=done.restored,
                ),
                "success",
            )
            return redirect(url_for("dossiers.index"), code=303)
    return render_template("dossiers/withdraw.html", record=record, reason=reason, error=error), (422 if error else 200)


@bp.route("/day/<day>/override/<figure>", methods=["GET", "POST"])
@allowed("edit_day")
def override(day: str, figure: str):
    """Put a person's value, with a required reason, in place of a figure computed from the log."""
    date = parse_day(day)
    commune = current_commune()
    day_log = log_day(commune.id, date)
    if not override_allowed(figure) or day_log is None or figure not in day_log.counts:
        abort(404)
    ensure_editable(get_report(commune.id, date))
    errors: dict[str, str] = {}
    current = day_log.overrides.get(figure)
    form = {"value": str(day_log.value(figure)), "reason": current.reason if current else ""}
    if request.method == "POST":
        form = {"value": request.form.get("value", ""), "reason": request.form.get("reason", "")}
        if request.form.get("clear"):
            clear_override(commune.id, date, figure, current_user)
            flash(_("Đã bỏ sửa tay: dùng lại số từ sổ theo dõi hồ sơ."), "success")
            return redirect(url_for("reports.edit", day=date.isoformat()), code=303)
        try:
            set_override(
                commune.id,
                date,
                figure,
                form["value"],
                form["reason"],
                current_user,
                current_app.config["FIGURE_MAX"],
            )
        except OverrideProblem as problem:
            db.session.rollback()
            errors = problem.errors
        else:
            flash(_("Đã sửa số liệu «%(label)s» kèm lý do.", label=BY_NAME[figure].label), "success")
            return redirect(url_for("reports.edit", day=date.isoformat()), code=303)
    return render_template(
        "dossiers/override.html",
        day=date,
        figure=BY_NAME[figure],
        computed=day_log.counts[figure],
        current=current,
        source=day_log.source_text(),
        form=form,
        errors=errors,
    ), (422 if errors else 200)


@bp.post("/late/<int:late_id>")
@allowed("edit_day")
def late_details(late_id: int):
    """Staff add the cause, apology letter and new appointment to a late dossier from the log."""
    row = late_dossier_of_commune(late_id, current_commune().id)
    if row is None:
        abort(404)
    ensure_editable(row.report)
    try:
        complete_late_dossier(row, request.form, current_user)
    except LateDetailsProblem as problem:
        flash(str(problem), "error")
    return redirect(url_for("delays.late_dossiers", day=row.report.date.isoformat()), code=303)
