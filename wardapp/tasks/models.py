from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.audit.snapshots import Audited
from wardapp.commune.models import CommuneOwned
from wardapp.core.clock import utcnow
from wardapp.extensions import Model


class Task(CommuneOwned, Audited, Model):
    """A task of the commune's plan (e.g. from Plan 02-KH/BCĐTW) with its current progress."""

    AUDITED = ("code", "title", "goal", "expected_output", "start_date", "deadline", "responsible", "source_document")

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("commune_id", "code", name="uq_tasks_commune_code"),)

    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    goal: Mapped[str] = mapped_column(Text, default="")
    expected_output: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date] = mapped_column()
    deadline: Mapped[dt.date] = mapped_column()
    responsible: Mapped[str] = mapped_column(String(120), default="")
    source_document: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    updates = relationship("TaskProgress", order_by="TaskProgress.id", back_populates="task")


class TaskProgress(Model):
    """A progress update; the history is kept, the latest on or before a day is that day's."""

    __tablename__ = "task_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    date: Mapped[dt.date] = mapped_column()
    percent: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    task = relationship("Task", back_populates="updates")
    by = relationship("User")
