"""Reading one commune-day's facts from the database, once, into ``core/day.DayFacts``.

The readiness panel, the "ready to sign" gate, the dashboard, the sign gate and the signed document
all read the day through ``gather``; what they decide from it is pure (``core/readiness``,
``core/payload``). Where each figure came from is the dossier log's to say, a feature above this
one: it registers its answer here when the app is created (``register_figure_sources``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app

from wardapp.commune.models import Commune
from wardapp.core.day import (
    CategoryFact,
    CommuneFacts,
    DayFacts,
    PhotoFact,
    ReportFacts,
    TaskFact,
    TeamFact,
    same_named,
)
from wardapp.core.images import EXTENSIONS
from wardapp.core.trends import TREND_DAYS
from wardapp.delays.models import Explanation, LateDossier
from wardapp.evidence.models import Photo
from wardapp.evidence.operations import checklist, photos_of
from wardapp.extensions import db
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.reports.operations import figures_between
from wardapp.tasks.operations import TaskState, task_states
from wardapp.team.models import ResponseTeam
from wardapp.team.operations import overdue_without_team, team_of, team_state

FigureSources = Callable[[int, dt.date, Mapping[str, int]], Mapping[str, Any] | None]
FIGURE_SOURCES = "wardapp.delays.figure_sources"


def register_figure_sources(app, source: FigureSources) -> None:
    app.extensions[FIGURE_SOURCES] = source


def gather(commune: Commune, report: DailyReport | None, day: dt.date, *, document: bool = False) -> DayFacts:
    """The day's facts, each read once. ``document``: also what only the signed document carries
    (the 30-day trend and the figures' sources)."""
    photos = photos_of(report)
    team = team_of(commune.id)
    figures = report.figures if report is not None else None
    return DayFacts(
        commune=CommuneFacts(
            commune.code, commune.name, commune.province_code, commune.deadline, commune.team_deadline
        ),
        day=day,
        report=_report(report),
        photos=tuple(_photo(p) for p in photos),
        missing_photos=tuple(
            CategoryFact(item.category.key, item.category.label)
            for item in checklist(commune.id, photos, day)
            if item.count == 0
        ),
        tasks=_started_tasks(commune, day),
        late_dossiers=tuple(d.fact() for d in late_dossiers_of(report)),
        explanations={key: e.fact() for key, e in current_explanations(report).items()},
        team=_team(team, commune.team_deadline),
        team_overdue=overdue_without_team(team, commune.team_deadline, day),
        trend=figures_between(commune.id, day - dt.timedelta(days=TREND_DAYS - 1), day) if document else None,
        figure_sources=_figure_sources(commune.id, day, figures) if document and figures is not None else None,
    )


def _started_tasks(commune: Commune, day: dt.date) -> tuple[TaskFact, ...]:
    """Every task started by the day, with its progress as it stood then."""
    return tuple(_task(s) for s in task_states(commune.id, day, commune.behind_tolerance) if s.task.start_date <= day)


def late_dossiers_of(report: DailyReport | None) -> list[LateDossier]:
    if report is None:
        return []
    return list(db.session.scalars(db.select(LateDossier).filter_by(report_id=report.id).order_by(LateDossier.id)))


def current_explanations(report: DailyReport | None) -> dict[str, Explanation]:
    """The latest explanation of each item (older ones are its history)."""
    if report is None:
        return {}
    every = db.session.scalars(db.select(Explanation).filter_by(report_id=report.id).order_by(Explanation.id))
    return {e.item_key: e for e in every}  # the latest of each item wins


def _report(report: DailyReport | None) -> ReportFacts | None:
    if report is None:
        return None
    return ReportFacts(
        figures=report.figures,
        narrative=report.narrative,
        draft=report.status == ReportStatus.DRAFT,
        signed_revisions=report.signed_revisions,
        correction_reason=report.correction_reason,
    )


def _photo(photo: Photo) -> PhotoFact:
    return PhotoFact(
        filename=photo.original_name or f"{photo.sha256[:16]}.{EXTENSIONS[photo.content_type]}",
        category_key=photo.category.key,
        category_label=photo.category.label,
        **same_named(photo, "sha256", "content_type", "bytes", "caption", "taken_at", "verifiable", "unreadable"),
    )


def _task(state: TaskState) -> TaskFact:
    return TaskFact(
        **same_named(state.task, "id", "code", "title", "deadline", "responsible", "source_document"),
        **same_named(state, "percent", "note", "schedule"),
    )


def _team(team: ResponseTeam | None, deadline: dt.date | None) -> TeamFact | None:
    if team is None:
        return None
    return TeamFact(
        record=team.snapshot(),
        state=team_state(team, deadline).value,
        leader=team.leader.name if team.leader else None,
        members=tuple(m.snapshot() for m in team.members),
    )


def _figure_sources(commune_id: int, day: dt.date, figures: Mapping[str, int]) -> Mapping[str, Any] | None:
    source = current_app.extensions.get(FIGURE_SOURCES)
    return source(commune_id, day, figures) if source is not None else None
