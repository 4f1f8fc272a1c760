from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wardapp.commune.access import current_commune, of_this_commune
from wardapp.core import clock, inputs
from wardapp.core.schedule import schedule
from wardapp.core.text import form_problems
from wardapp.extensions import db
from wardapp.tasks.models import Task, TaskProgress
from wardapp.tasks.operations import (
    add_task,
    import_tasks,
    parse_task_form,
    record_progress,
    task_states,
    update_task,
)
from wardapp.web import allowed, form_page, login_required

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

NOTE_MAX = 2000


@bp.get("/")
@login_required
def index():
    commune = current_commune()
    states = task_states(commune.id, clock.today(), commune.behind_tolerance)
    return render_template(
        "tasks/index.html", states=states, today=clock.today(), can_edit=current_user.may("edit_day")
    )


@bp.route("/new", methods=["GET", "POST"])
@allowed("edit_day")
def new():
    errors: dict[str, str] = {}
    form = request.form if request.method == "POST" else {"start_date": clock.today().isoformat()}
    if request.method == "POST":
        values, errors = parse_task_form(request.form, current_commune().id)
        if not errors:
            task = add_task(current_commune().id, values, current_user)
            flash(_("Đã tạo nhiệm vụ %(code)s.", code=task.code), "success")
            return redirect(url_for("tasks.detail", task_id=task.id), code=303)
    return render_template("tasks/form.html", task=None, form=form, errors=errors), (422 if errors else 200)


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@allowed("edit_day")
def edit(task_id: int):
    task = of_this_commune(Task, task_id)
    errors: dict[str, str] = {}
    form = (
        request.form
        if request.method == "POST"
        else {**task.snapshot(), "start_date": task.start_date.isoformat(), "deadline": task.deadline.isoformat()}
    )
    if request.method == "POST":
        values, errors = parse_task_form(request.form, task.commune_id, task)
        if not errors:
            update_task(task, values, current_user)
            flash(_("Đã lưu nhiệm vụ."), "success")
            return redirect(url_for("tasks.detail", task_id=task.id), code=303)
    return render_template("tasks/form.html", task=task, form=form, errors=errors), (422 if errors else 200)


@bp.get("/<int:task_id>")
@login_required
def detail(task_id: int):
    return _detail(of_this_commune(Task, task_id))


def _detail(task: Task, errors: dict | None = None, form=None, status: int = 200):
    commune = current_commune()
    today = clock.today()
    history = db.session.scalars(
        db.select(TaskProgress).filter_by(task_id=task.id).order_by(TaskProgress.date.desc(), TaskProgress.id.desc())
    ).all()
    percent = history[0].percent if history else 0
    return form_page(
        "tasks/detail.html",
        errors,
        form,
        current_user.may("edit_day"),
        status,
        task=task,
        history=history,
        today=today,
        percent=percent,
        schedule=schedule(task.start_date, task.deadline, percent, today, commune.behind_tolerance),
    )


@bp.post("/<int:task_id>/progress")
@allowed("edit_day")
def progress(task_id: int):
    task = of_this_commune(Task, task_id)
    raw = request.form.get("percent", "").strip()
    note = request.form.get("note", "").strip()
    errors = form_problems(request.form)
    percent = inputs.parse_int(raw, 0, 100)
    if percent is None:
        errors["percent"] = _("Nhập tiến độ là số nguyên từ 0 đến 100.")
    if len(note) > NOTE_MAX:
        errors["note"] = _("Ghi chú tối đa %(n)s ký tự.", n=NOTE_MAX)
    if errors or percent is None:
        return _detail(task, errors, request.form, 422)
    record_progress(task, clock.today(), percent, note, current_user)
    flash(_("Đã cập nhật tiến độ."), "success")
    return redirect(url_for("tasks.detail", task_id=task.id), code=303)


@bp.route("/import", methods=["GET", "POST"])
@allowed("edit_day")
def import_csv():
    result = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return render_template("tasks/import.html", result=None, error=_("Chọn tệp CSV.")), 422
        result = import_tasks(current_commune().id, upload.read(), clock.today(), current_user)
        if result.ok:
            flash(_("Đã nhập %(n)s nhiệm vụ.", n=len(result.rows)), "success")
            return redirect(url_for("tasks.index"), code=303)
    return render_template("tasks/import.html", result=result, error=None), (422 if result else 200)
