"""Plan tasks: creating, importing, progress, and which are behind schedule on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func

from wardapp.audit import log as audit
from wardapp.core.clock import parse_iso_date
from wardapp.core.schedule import Schedule, schedule
from wardapp.core.text import form_problems
from wardapp.extensions import db
from wardapp.tasks.importer import STORED, ImportResult, parse_date, read_csv
from wardapp.tasks.models import Task, TaskProgress

TEXT_LIMITS = {"code": 40, "title": 300, "responsible": 120, "source_document": 200}


@dataclass(frozen=True)
class TaskState:
    task: Task
    percent: int
    note: str
    schedule: Schedule


def task_states(commune_id: int, day: dt.date, tolerance: int) -> list[TaskState]:
    """Every task with its progress as it stood on ``day``: two queries, whatever the history."""
    tasks = list(
        db.session.scalars(db.select(Task).filter_by(commune_id=commune_id).order_by(Task.deadline, Task.code))
    )
    latest = (
        db.select(func.max(TaskProgress.id))
        .join(Task)
        .filter(Task.commune_id == commune_id, TaskProgress.date <= day)
        .group_by(TaskProgress.task_id)
    )
    progress = {p.task_id: p for p in db.session.scalars(db.select(TaskProgress).filter(TaskProgress.id.in_(latest)))}
    states = []
    for task in tasks:
        update = progress.get(task.id)
        percent = update.percent if update else 0
        states.append(
            TaskState(
                task,
                percent,
                update.note if update else "",
                schedule(task.start_date, task.deadline, percent, day, tolerance),
            )
        )
    return states


def behind_tasks(commune_id: int, day: dt.date, tolerance: int) -> list[TaskState]:
    return [s for s in task_states(commune_id, day, tolerance) if s.schedule.behind and s.task.start_date <= day]


def parse_task_form(form, commune_id: int, task: Task | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {
        k: " ".join(form.get(k, "").split()) for k in ("code", "title", "responsible", "source_document")
    }
    values["goal"] = form.get("goal", "").strip()
    values["expected_output"] = form.get("expected_output", "").strip()
    errors = form_problems(form)
    for name in ("code", "title"):
        if not values[name]:
            errors[name] = _("Bắt buộc.")
    for name, limit in TEXT_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = _("Tối đa %(n)s ký tự.", n=limit)
    if values["code"] and "code" not in errors:
        clash = db.session.scalar(db.select(Task.id).filter_by(commune_id=commune_id, code=values["code"]))
        if clash and (task is None or clash != task.id):
            errors["code"] = _("Mã này đã có nhiệm vụ khác.")
    for name in ("start_date", "deadline"):
        raw = form.get(name, "").strip()
        values[name] = parse_iso_date(raw) or parse_date(raw) if raw else None
        if values[name] is None:
            errors[name] = _("Chọn ngày.")
    if values["start_date"] and values["deadline"] and values["deadline"] < values["start_date"]:
        errors["deadline"] = _("Hạn phải sau ngày bắt đầu.")
    return values, errors


def add_task(commune_id: int, values: dict, user) -> Task:
    """One task typed on its form: created, audited and committed."""
    task = create_task(commune_id, values, user)
    db.session.commit()
    return task


def create_task(commune_id: int, values: dict, user) -> Task:
    """A task added to the session and audited (an import commits its rows together)."""
    task = Task(commune_id=commune_id, **values)
    audit.record_added("task.created", task, target_type="task", target_id=task.code, actor=user, summary=task.title)
    return task


def update_task(task: Task, values: dict, user) -> None:
    """The task's form saved: audited and committed."""
    audit.record_change("task.updated", task, values, target_type="task", target_id=task.code, actor=user)
    db.session.commit()


def record_progress(task: Task, day: dt.date, percent: int, note: str, user) -> TaskProgress:
    """The day's progress on a task: audited and committed."""
    update = TaskProgress(task=task, date=day, percent=percent, note=note, by_id=user.id)
    db.session.add(update)
    audit.record(
        "task.progress",
        target_type="task",
        target_id=task.code,
        after={"date": day.isoformat(), "percent": percent, "note": note},
        actor=user,
    )
    db.session.commit()
    return update


def import_tasks(commune_id: int, data: bytes, today: dt.date, user) -> ImportResult:
    """A CSV of tasks: every row or none (committed when every row is fine)."""
    existing = set(db.session.scalars(db.select(Task.code).filter_by(commune_id=commune_id)))
    result = read_csv(data, existing, today)
    if result.ok:
        for row in result.rows:
            create_task(
                commune_id,
                {k: row.get(k, "") for k in STORED},
                user,
            )
        audit.record("task.imported", target_type="task", summary=f"{len(result.rows)} tasks", actor=user)
        db.session.commit()
    else:
        db.session.rollback()
    return result
