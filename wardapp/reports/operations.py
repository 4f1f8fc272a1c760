"""Loading, checking and saving a day's report: the multi-step rules behind the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from wardapp.audit import log as audit
from wardapp.core import clock
from wardapp.core.figures import FIGURE_NAMES, zero_figures
from wardapp.core.rules import Validation, validate
from wardapp.extensions import db
from wardapp.reports.models import DailyReport, ensure_editable
from wardapp.support.models import cases_count


def get_report(commune_id: int, day: dt.date) -> DailyReport | None:
    return db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune_id, date=day))


def get_or_create_report(commune_id: int, day: dt.date, **values: object) -> tuple[DailyReport, bool]:
    """The day's row, created (with ``values``) when missing: (report, created).

    Safe when two requests create the same day at once (two phones uploading the day's first
    photos): the row is inserted with ON CONFLICT DO NOTHING on (commune, date), so the loser of
    the race finds the winner's row instead of a UNIQUE error. SQLite and PostgreSQL both have it.
    """
    report = get_report(commune_id, day)
    if report is not None:
        return report, False
    table = DailyReport.__table__
    dialect = db.session.get_bind().dialect.name
    row = DailyReport(commune_id=commune_id, date=day, **values)
    if dialect not in ("sqlite", "postgresql"):  # a plain insert: no concurrent creation there
        db.session.add(row)
        db.session.flush()
        return row, True
    columns = {c.key: getattr(row, c.key) for c in table.columns if getattr(row, c.key, None) is not None}
    statement: Any
    if dialect == "sqlite":
        statement = sqlite_insert(DailyReport)
    else:
        statement = postgresql_insert(DailyReport)
    statement = statement.values(**_with_defaults(columns)).on_conflict_do_nothing(
        index_elements=["commune_id", "date"]
    )
    result: Any = db.session.execute(statement)
    created = result.rowcount == 1
    report = get_report(commune_id, day)
    if report is None:  # cannot happen: the row is there, ours or the other request's
        raise RuntimeError(f"the report of {day} vanished while being created")
    return report, created


def _with_defaults(columns: dict) -> dict:
    """Column defaults a Core insert would not apply from an unflushed ORM object."""
    values = dict(columns)
    for column in DailyReport.__table__.columns:
        if column.key in values or column.key == "id" or column.default is None:
            continue
        default = column.default.arg
        values[column.key] = default(None) if callable(default) else default
    return values


def figures_between(commune_id: int, start: dt.date, end: dt.date) -> dict[dt.date, dict[str, int]]:
    """The figures of every report between two days (inclusive), by day, oldest first: one query."""
    columns = [getattr(DailyReport, name) for name in FIGURE_NAMES]
    rows = db.session.execute(
        db.select(DailyReport.date, *columns)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date.between(start, end))
        .order_by(DailyReport.date)
    ).all()
    return {row[0]: dict(zip(FIGURE_NAMES, row[1:], strict=True)) for row in rows}


@dataclass(frozen=True)
class CarriedOver:
    value: int
    from_date: dt.date


def carried_over_for(commune_id: int, day: dt.date) -> CarriedOver | None:
    """Dossiers still pending at the end of the latest earlier report: today's opening stock."""
    previous = db.session.execute(
        db.select(DailyReport.date, DailyReport.pending_within + DailyReport.pending_overdue)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date < day)
        .order_by(DailyReport.date.desc())
        .limit(1)
    ).first()
    return None if previous is None else CarriedOver(previous[1], previous[0])


def date_problem(day: dt.date | None) -> str | None:
    """Why a day cannot be reported, or None. "Today" is the server's, in Vietnam."""
    if day is None:
        return _("Ngày không hợp lệ. Chọn ngày theo dạng dd/mm/yyyy.")
    if day > clock.today():
        return _("Không thể báo cáo cho ngày trong tương lai.")
    return None


@dataclass(frozen=True)
class FixedFigure:
    """A figure the app fills in rather than a person: shown read-only with where it came from."""

    value: int
    source: str
    # "derived" (from the app's own records), "dossier_log" or "override" (a person's value
    # in place of the log's count, with ``reason``).
    kind: str = "derived"
    reason: str = ""


# Features above reports (the dossier log) fill figures in and act after a save without reports
# importing them: they register here, per app, when the app is created.
FIXED_SOURCES = "wardapp.reports.fixed_sources"  # [(commune_id, day) -> {figure: FixedFigure}]
AFTER_SAVE = "wardapp.reports.after_save"  # [(report, user) -> None], in the save's transaction


def register_fixed_source(app, source: Callable[[int, dt.date], dict[str, FixedFigure]]) -> None:
    app.extensions.setdefault(FIXED_SOURCES, []).append(source)


def register_after_save(app, hook: Callable[[DailyReport, object], None]) -> None:
    app.extensions.setdefault(AFTER_SAVE, []).append(hook)


def fixed_figures(commune_id: int, day: dt.date) -> dict[str, FixedFigure]:
    """Figures the app fills in for a day; computed once per request (the form asks three times)."""
    cache = g.setdefault("_fixed_figures", {})
    if (commune_id, day) not in cache:
        cache[(commune_id, day)] = _fixed_figures(commune_id, day)
    return cache[(commune_id, day)]


def _fixed_figures(commune_id: int, day: dt.date) -> dict[str, FixedFigure]:
    fixed = {}
    carried = carried_over_for(commune_id, day)
    if carried is not None:
        fixed["carried_over"] = FixedFigure(
            carried.value,
            _("Lấy từ số hồ sơ đang giải quyết cuối ngày %(date)s.", date=carried.from_date.strftime("%d/%m/%Y")),
        )
    fixed["response_team_cases"] = FixedFigure(cases_count(commune_id, day), _("Tính từ nhật ký hỗ trợ của Tổ."))
    for source in current_app.extensions.get(FIXED_SOURCES, ()):
        fixed.update(source(commune_id, day))
    return fixed


def check_form(commune_id: int, day: dt.date, form) -> Validation:
    """Check the typed form. A figure left blank is 0 (its field shows a "0" placeholder), yet it
    stays blank on the page: a 0 appears in a field only when someone typed it."""
    fixed = {name: f.value for name, f in fixed_figures(commune_id, day).items()}
    config = current_app.config
    blank = {name for name in FIGURE_NAMES if not str(form.get(name, "") or "").strip()}
    values = {key: form.get(key) for key in form} | dict.fromkeys(blank, "0")
    validation = validate(
        values, figure_max=config["FIGURE_MAX"], narrative_max=config["NARRATIVE_MAX_CHARS"], fixed=fixed
    )
    validation.raw.update({name: "" for name in blank if name not in fixed})
    return validation


def initial_form(commune_id: int, day: dt.date, report: DailyReport | None) -> dict[str, str]:
    """The values the form opens with: the stored report, or nothing yet, and what the app fills
    in itself (e.g. yesterday's pending). A 0 is shown blank over a "0" placeholder: a field
    starting at "0" turned a typed 2 into "02"."""
    if report is not None:
        values: dict[str, object] = {**report.figures, **report.narrative}
    else:
        values = {**zero_figures(), "highlights": "", "difficulties": "", "proposals": ""}
    shown = {k: "" if k in FIGURE_NAMES and v == 0 else str(v) for k, v in values.items()}
    for name, fixed in fixed_figures(commune_id, day).items():
        shown[name] = str(fixed.value)
    return shown


@dataclass
class SaveOutcome:
    validation: Validation
    report: DailyReport | None = None
    saved: bool = False
    conflict: DailyReport | None = None  # someone else's newer save


def save_report(commune_id: int, day: dt.date, form, seen_version: int, user) -> SaveOutcome:
    """Store the day's figures if they can be stored and nobody saved since the user loaded them."""
    validation = check_form(commune_id, day, form)
    report = get_report(commune_id, day)
    ensure_editable(report)
    if not validation.storable:
        return SaveOutcome(validation, report)
    if report is not None and report.version != seen_version:
        return SaveOutcome(validation, report, conflict=report)
    creating = report is None
    before: dict[str, object] = {}
    if report is None:
        # A plain insert: a save racing another save of the same new day fails on the unique
        # (commune, date) at commit and is answered as a conflict below.
        report = DailyReport(commune_id=commune_id, date=day, created_by_id=user.id)
        db.session.add(report)
    else:
        before = report.snapshot()
    report.apply(validation.complete_figures(), validation.narrative, validation.consistent, user)
    old, new = audit.changes(before, report.snapshot())
    audit.record(
        "report.created" if creating else "report.updated",
        # A new report had no "before": not a list of every field as None.
        target_type="report",
        target_id=day.isoformat(),
        before=None if creating else old or None,
        after=new,
        summary=day.strftime("%d/%m/%Y"),
        actor=user,
    )
    try:
        db.session.flush()  # the version check happens here: a conflict stops before the hooks
        for hook in current_app.extensions.get(AFTER_SAVE, ()):
            hook(report, user)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # Someone saved the same day between our read and our write.
        db.session.rollback()
        latest = get_report(commune_id, day)
        return SaveOutcome(validation, latest, conflict=latest)
    return SaveOutcome(validation, report, saved=True)
