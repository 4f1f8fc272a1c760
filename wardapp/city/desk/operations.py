"""The monitoring desk's figures: a province's day, a period's II.06a table, who needs attention.

Every figure comes from the stored columns of the *current* revision of each commune-day, added
up by the database: a page costs the same few statements whether the intake holds a week or years
of reports (tests/city/test_query_count.py). Days without a report are counted as missing, never
as zeros.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import g, has_request_context
from sqlalchemy import Date, and_, bindparam, case, func, select
from sqlalchemy.orm import aliased

from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityCommune, CityProvince, DeskRevision, IntakeLog, ReceivedFigures, ReceivedReport
from wardapp.core import clock, ii06a, index766, rates
from wardapp.core.deadline import deadline_moment
from wardapp.core.figures import FIGURE_NAMES
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.units import Unit, all_units
from wardapp.platform import memo

T = TypeVar("T")
R = ReceivedFigures  # every query here reads the narrow figures table
DEFAULT_DEADLINE = dt.time(17, 0)
# Stocks and levels are not added up over days (see rates.sum_figures); every other figure is a flow.
FLOWS = tuple(n for n in FIGURE_NAMES if n not in (*rates.OPENING_STOCKS, *rates.CLOSING_STOCKS, *rates.LEVELS))
# Thresholds for "needs attention" (one place, so the city can argue with them).
MISSING_STREAK = 2  # days in a row without a report
RATE_DROP = 0.10  # on-time rate fallen by 10 points or more, last 7 days against the 7 before
MANY_OVERDUE = 5  # dossiers pending overdue on the latest report


@functools.lru_cache(maxsize=64)
def units_of(provinces: tuple[str, ...]) -> list[Unit]:
    """The communes of the official list in ``provinces``, by code."""
    wanted = set(provinces)
    return sorted((u for u in all_units().values() if u.province_code in wanted), key=lambda u: u.code)


def _once_per_request(function):
    """Remember a lookup for the rest of the request (a page asks several times; the answer cannot
    change in between). Outside a request it is simply called."""

    @functools.wraps(function)
    def wrapped(provinces: tuple[str, ...]):
        if not has_request_context():
            return function(provinces)
        memo = g.setdefault("desk_memo", {})
        key = (function.__name__, provinces)
        if key not in memo:
            memo[key] = function(provinces)
        return memo[key]

    return wrapped


@_once_per_request
def enrolled_codes(provinces: tuple[str, ...]) -> set[str]:
    return set(
        db.session.scalars(
            select(CityCommune.code).filter(
                CityCommune.province_code.in_(provinces), CityCommune.enrolled_at.is_not(None)
            )
        )
    )


@_once_per_request
def deadlines(provinces: tuple[str, ...]) -> dict[str, dt.time]:
    """Each province's daily deadline (17:00 unless its city admin set another)."""
    rows = db.session.execute(select(CityProvince.code, CityProvince.deadline).filter(CityProvince.code.in_(provinces)))
    found = {row[0]: row[1] for row in rows}
    return {code: found.get(code, DEFAULT_DEADLINE) for code in provinces}


# --- a period, per commune ---------------------------------------------------------------------


@dataclass
class Totals:
    """A unit's period: the summed figures (None when nothing was reported), days and facts.
    Rates and the 766 estimate are computed when first asked for (a page often needs only a few)."""

    code: str
    name: str
    province_code: str
    enrolled: bool = True
    days_expected: int = 0
    days_reported: int = 0
    days_late: int = 0
    days_returned: int = 0
    explanations: int = 0
    tasks_behind: int = 0
    figures: dict[str, int] | None = None

    @property
    def days_missing(self) -> int:
        return max(self.days_expected - self.days_reported, 0) if self.enrolled else 0

    @functools.cached_property
    def columns(self) -> list[int] | None:
        return None if self.figures is None else ii06a.values(self.figures)

    @functools.cached_property
    def rates(self) -> dict[str, float | None]:
        return {} if self.figures is None else rates.compute(self.figures)

    @functools.cached_property
    def estimate(self) -> float | None:
        return None if self.figures is None else index766.estimate(self.figures).share

    def finish(self) -> Totals:
        return self


@functools.cache
def _period_statement(accepted_only: bool = False):
    """One statement: per commune, the sums of the flows over its current revisions in the range,
    the averages of the levels, the opening stock of its first reported day and the closing stocks
    (and tasks behind) of its last one. Built once with bound parameters, so SQLAlchemy compiles
    it once per process (building it each time was most of a page's time, measured)."""
    in_range: tuple = (
        R.current.is_(True),
        R.province_code.in_(bindparam("provinces", expanding=True)),
        R.date.between(bindparam("start", type_=Date), bindparam("end", type_=Date)),
    )
    if accepted_only:  # a day counts once a reviewer accepted its current revision (city/review/operations.py)
        in_range = (*in_range, R.accepted.is_(True))
    one = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    agg = (
        select(
            R.commune_code.label("code"),
            func.min(R.date).label("first_day"),
            func.max(R.date).label("last_day"),
            func.count().label("days"),
            one(R.late.is_(True)).label("late_days"),
            one(R.returned.is_(True)).label("returned_days"),
            func.sum(R.explanations_count).label("explanations"),
            *[func.sum(getattr(R, n)).label(n) for n in FLOWS],
            *[func.avg(getattr(R, n)).label(n) for n in rates.LEVELS],
        )
        .filter(*in_range)
        .group_by(R.commune_code)
        .subquery()
    )
    first, last = aliased(R), aliased(R)
    return (
        select(
            agg,
            *[getattr(first, n).label(n) for n in rates.OPENING_STOCKS],
            *[getattr(last, n).label(n) for n in rates.CLOSING_STOCKS],
            last.tasks_behind.label("last_tasks_behind"),
        )
        .join(first, and_(first.commune_code == agg.c.code, first.date == agg.c.first_day, first.current.is_(True)))
        .join(last, and_(last.commune_code == agg.c.code, last.date == agg.c.last_day, last.current.is_(True)))
    )


@dataclass(frozen=True)
class PeriodRow:
    """What the database adds up for one commune over a period (see ``_period_statement``)."""

    code: str
    days: int
    late_days: int
    returned_days: int
    explanations: int
    last_tasks_behind: int
    figures: dict[str, int]


# --- the desk's revision: remembered totals stay good until a report arrives or is returned ------

PERIODS_KEPT_MAX = 128  # answers per worker: a few pages' worth for every reviewer at once


_DESK = DeskRevision.__table__
# Built once: every push runs it (a Core statement, without the ORM's bulk-update bookkeeping).
MOVE_REVISION = _DESK.update().where(_DESK.c.id == 1).values(n=_DESK.c.n + 1)  # type: ignore[attr-defined]


def changed() -> None:
    """Call in every transaction that stores or changes a received report: it moves the desk's
    revision, so every worker's remembered totals are dropped when (and only when) it commits."""
    db.session.execute(MOVE_REVISION)


def revision() -> int | None:
    """The desk's revision as this transaction sees it (one primary-key read, once per request);
    None without its row (a schema not made by the migrations): then nothing is remembered."""
    if has_request_context() and "desk_revision" in g:
        return g.desk_revision
    value = db.session.scalar(select(DeskRevision.n).where(DeskRevision.id == 1))
    if has_request_context():
        g.desk_revision = value
    return value


def remembered(name: str, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per desk revision and ``key`` in this worker, then its answer again: the
    overview alone asks for five periods, a reviewer reloads, and the answers change only when a
    report arrives or is returned. Keyed by the revision read in the same transaction as the rows
    it computes from, so a stale answer is never served. Answers are shared: never change one."""
    at = revision()
    if at is None:
        return compute()
    return memo.kept("wardapp.city.desk.operations", (name, at, *key), compute, limit=PERIODS_KEPT_MAX)


def _period_rows(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, accepted_only: bool = False
) -> list[PeriodRow]:
    return remembered(
        "period",
        (provinces, start, end, accepted_only),
        lambda: [_period_row(row) for row in _query_period(provinces, start, end, accepted_only)],
    )


def _query_period(provinces: tuple[str, ...], start: dt.date, end: dt.date, accepted_only: bool = False):
    return db.session.execute(
        _period_statement(accepted_only), {"provinces": list(provinces), "start": start, "end": end}
    ).all()


def _period_row(row) -> PeriodRow:
    return PeriodRow(
        row.code,
        row.days,
        int(row.late_days or 0),
        int(row.returned_days or 0),
        int(row.explanations or 0),
        int(row.last_tasks_behind or 0),
        _figures_of(row),
    )


def _figures_of(row) -> dict[str, int]:
    mapping = row._mapping
    figures = {n: int(mapping[n] or 0) for n in FLOWS}
    figures.update({n: int(mapping[n] or 0) for n in (*rates.OPENING_STOCKS, *rates.CLOSING_STOCKS)})
    figures.update({n: round(float(mapping[n] or 0)) for n in rates.LEVELS})
    return figures


def expected_days(start: dt.date, end: dt.date, today: dt.date) -> int:
    """Days of the range a report could be owed for (today counts; the future does not)."""
    last = min(end, today)
    return max((last - start).days + 1, 0)


def period(
    provinces: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    today: dt.date | None = None,
    accepted_only: bool = False,
) -> list[Totals]:
    """One row per commune of ``provinces`` over ``start``–``end`` (every commune, reported or not);
    ``accepted_only``: only the days a reviewer accepted are counted."""
    today = today or clock.today()
    enrolled = enrolled_codes(provinces)
    found = {row.code: row for row in _period_rows(provinces, start, end, accepted_only)}
    expected = expected_days(start, end, today)
    out = []
    for unit in units_of(provinces):
        row = found.get(unit.code)
        totals = Totals(unit.code, unit.name, unit.province_code, unit.code in enrolled or row is not None, expected)
        if row is not None:
            totals.days_reported = row.days
            totals.days_late = row.late_days
            totals.days_returned = row.returned_days
            totals.explanations = row.explanations
            totals.tasks_behind = row.last_tasks_behind
            totals.figures = dict(row.figures)  # a copy: the remembered row is shared
        out.append(totals.finish())
    return out


def combine(code: str, name: str, province_code: str, rows: list[Totals]) -> Totals:
    """Several units' period as one (a province, the country): counts added, levels averaged."""
    reported = [r.figures for r in rows if r.figures is not None]
    total = Totals(code, name, province_code)
    total.days_expected = sum(r.days_expected for r in rows if r.enrolled)
    for attribute in ("days_reported", "days_late", "days_returned", "explanations", "tasks_behind"):
        setattr(total, attribute, sum(getattr(r, attribute) for r in rows))
    if reported:
        figures = dict.fromkeys(FIGURE_NAMES, 0)
        for counts in reported:
            for name in FIGURE_NAMES:
                figures[name] += counts[name]
        for name in rates.LEVELS:
            if name == "avg_wait_minutes":  # a waiting time is averaged, counters and staff add up
                figures[name] = round(figures[name] / len(reported))
        total.figures = figures
    return total.finish()


def by_province(rows: list[Totals], names: dict[str, str]) -> list[Totals]:
    """The national view: one row per province, from its communes' rows."""
    grouped: dict[str, list[Totals]] = {}
    for row in rows:
        grouped.setdefault(row.province_code, []).append(row)
    return [combine(code, names.get(code, code), code, grouped[code]) for code in sorted(grouped)]


# --- sorting and ranking -----------------------------------------------------------------------

RANKINGS = (
    "on_time_rate",
    "online_rate",
    "online_payment_rate",
    "digitization_rate",
    "satisfaction_rate",
    "estimate_766",
)


def sort_key(key: str):
    """How to sort rows by ``key`` (an II.06a column c3–c13, a rate, the 766 estimate, days, the
    name); rows with no value go last whichever the direction."""
    if key in ii06a.BY_KEY:
        index = list(ii06a.BY_KEY).index(key)
        return lambda r: None if r.columns is None else r.columns[index]
    if key in rates.RATES_BY_NAME:
        return lambda r: r.rates.get(key)
    if key == "estimate_766":
        return lambda r: r.estimate
    if key in ("days_missing", "days_late", "days_reported"):
        return lambda r: getattr(r, key)
    return None


def sorted_rows(rows: list[Totals], key: str, descending: bool) -> list[Totals]:
    getter = sort_key(key)
    if getter is None:
        return sorted(rows, key=lambda r: r.code)
    present = [r for r in rows if getter(r) is not None]
    absent = [r for r in rows if getter(r) is None]
    return sorted(present, key=lambda r: (getter(r), r.code), reverse=descending) + absent


# --- the day -----------------------------------------------------------------------------------

STATES = ("on_time", "late", "not_yet", "missing", "not_connected")


@dataclass(frozen=True)
class DayEntry:
    code: str
    name: str
    province_code: str
    state: str
    report_id: str | None = None
    returned: bool = False


def day_states(provinces: tuple[str, ...], day: dt.date, now: dt.datetime | None = None) -> dict[str, list[DayEntry]]:
    """Every commune's state for ``day``: reported on time or late, not yet (before its province's
    deadline), missing (after it), or not connected to the intake."""
    now = now or clock.now()
    enrolled = enrolled_codes(provinces)
    limits = deadlines(provinces)
    reported = {
        code: (report_id, late, returned)
        for code, report_id, late, returned in db.session.execute(
            select(R.commune_code, R.report_id, R.late, R.returned).filter(
                R.current.is_(True), R.province_code.in_(provinces), R.date == day
            )
        )
    }
    out: dict[str, list[DayEntry]] = {state: [] for state in STATES}
    for unit in units_of(provinces):
        if unit.code in reported:
            report_id, late, returned = reported[unit.code]
            entry = DayEntry(
                unit.code,
                unit.name,
                unit.province_code,
                "late" if late else "on_time",
                report_id,
                returned,
            )
        elif unit.code not in enrolled:
            entry = DayEntry(unit.code, unit.name, unit.province_code, "not_connected")
        elif now <= deadline_moment(day, limits[unit.province_code]):
            entry = DayEntry(unit.code, unit.name, unit.province_code, "not_yet")
        else:
            entry = DayEntry(unit.code, unit.name, unit.province_code, "missing")
        out[entry.state].append(entry)
    return out


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    on_time: int
    late: int
    missing: int


def last_days(provinces: tuple[str, ...], end: dt.date, count: int = 7) -> list[DayCount]:
    """Reports on time, late and missing (of the connected communes) for each of ``count`` days."""
    start = end - dt.timedelta(days=count - 1)
    connected = len(enrolled_codes(provinces))
    rows = db.session.execute(
        select(R.date, func.count(), func.sum(case((R.late.is_(True), 1), else_=0)))
        .filter(R.current.is_(True), R.province_code.in_(provinces), R.date.between(start, end))
        .group_by(R.date)
    ).all()
    found = {day: (total, int(late or 0)) for day, total, late in rows}
    out = []
    for offset in range(count):
        day = start + dt.timedelta(days=offset)
        total, late = found.get(day, (0, 0))
        out.append(DayCount(day, total - late, late, max(connected - total, 0)))
    return out


# --- who needs attention ------------------------------------------------------------------------


@dataclass
class Attention:
    code: str
    name: str
    province_code: str
    reasons: list[str] = field(default_factory=list)  # keys of REASONS
    missing_streak: int = 0
    on_time_before: float | None = None
    on_time_now: float | None = None
    overdue: int = 0
    tasks_behind: int = 0
    explanations: int = 0


def missing_streaks(provinces: tuple[str, ...], last_owed: dt.date, window: int = 14) -> dict[str, int]:
    """Days in a row, ending on ``last_owed``, that each connected commune sent no report (up to ``window``)."""
    start = last_owed - dt.timedelta(days=window - 1)
    have: dict[str, set[dt.date]] = {}
    for code, day in db.session.execute(
        select(R.commune_code, R.date).filter(
            R.current.is_(True), R.province_code.in_(provinces), R.date.between(start, last_owed)
        )
    ):
        have.setdefault(code, set()).add(day)
    streaks = {}
    for code in enrolled_codes(provinces):
        days, streak = have.get(code, set()), 0
        while streak < window and last_owed - dt.timedelta(days=streak) not in days:
            streak += 1
        streaks[code] = streak
    return streaks


def attention(provinces: tuple[str, ...], now: dt.datetime | None = None) -> list[Attention]:
    """The communes a reviewer should look at first, with why."""
    now = now or clock.now()
    today = now.date()
    # Today counts as owed only once every province's deadline has passed.
    past_deadline = all(now > deadline_moment(today, t) for t in deadlines(provinces).values())
    last_owed = today if past_deadline else today - dt.timedelta(days=1)
    recent = {r.code: r for r in period(provinces, last_owed - dt.timedelta(days=6), last_owed, today)}
    before = {
        r.code: r for r in period(provinces, last_owed - dt.timedelta(days=13), last_owed - dt.timedelta(days=7), today)
    }
    streaks = missing_streaks(provinces, last_owed)
    out = []
    for code, row in recent.items():
        item = Attention(code, row.name, row.province_code)
        item.missing_streak = streaks.get(code, 0)
        if item.missing_streak >= MISSING_STREAK:
            item.reasons.append("missing")
        item.on_time_now = row.rates.get("on_time_rate")
        item.on_time_before = before[code].rates.get("on_time_rate") if code in before else None
        if (
            item.on_time_now is not None
            and item.on_time_before is not None
            and item.on_time_before - item.on_time_now >= RATE_DROP
        ):
            item.reasons.append("rate_drop")
        if row.figures is not None:
            item.overdue = row.figures["pending_overdue"]
            if item.overdue >= MANY_OVERDUE:
                item.reasons.append("overdue")
        item.tasks_behind = row.tasks_behind
        if item.tasks_behind:
            item.reasons.append("tasks_behind")
        item.explanations = row.explanations
        if item.explanations:
            item.reasons.append("explanations")
        if item.reasons:
            out.append(item)
    weight = {"missing": 0, "rate_drop": 1, "overdue": 2, "tasks_behind": 3, "explanations": 4}
    return sorted(out, key=lambda a: (min(weight[r] for r in a.reasons), -len(a.reasons), a.code))


# --- a commune's days ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRow:
    day: dt.date
    report_id: str | None
    revision: int | None
    late: bool
    state: str | None
    figures: dict[str, int] | None
    on_time_rate: float | None
    online_rate: float | None


def commune_days(code: str, start: dt.date, end: dt.date) -> list[DayRow]:
    """A commune's current revision of each day of the range, missing days included (as None)."""
    columns = [getattr(R, n) for n in ("date", "report_id", "revision", "late", "returned", *FIGURE_NAMES)]
    rows = db.session.execute(
        select(*columns).filter(R.current.is_(True), R.commune_code == code, R.date.between(start, end))
    ).all()
    found = {row.date: row for row in rows}
    out = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        row = found.get(day)
        if row is None:
            out.append(DayRow(day, None, None, False, None, None, None, None))
            continue
        figures = {n: int(getattr(row, n) or 0) for n in FIGURE_NAMES}
        computed = rates.compute(figures)
        out.append(
            DayRow(
                day,
                row.report_id,
                row.revision,
                row.late,
                "returned" if row.returned else "received",
                figures,
                computed["on_time_rate"],
                computed["online_rate"],
            )
        )
    return out


# --- periods ------------------------------------------------------------------------------------

PERIODS = ("day", "week", "month", "quarter", "range")
PERIOD_LABELS = {
    "day": _l("Ngày"),
    "week": _l("Tuần"),
    "month": _l("Tháng"),
    "quarter": _l("Quý"),
    "range": _l("Khoảng ngày"),
}
MAX_RANGE_DAYS = 400


def period_bounds(kind: str, on: dt.date, start: dt.date | None = None, end: dt.date | None = None):
    """The first and last day of the ``kind`` period holding ``on`` (weeks start on Monday); for
    ``range`` the given bounds, put in order and capped at ``MAX_RANGE_DAYS``."""
    if kind == "day":
        return on, on
    if kind == "week":
        first = on - dt.timedelta(days=on.weekday())
        return first, first + dt.timedelta(days=6)
    if kind == "quarter":
        first = dt.date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
        following = dt.date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    if kind == "range" and start and end:
        start, end = min(start, end), max(start, end)
        return max(start, end - dt.timedelta(days=MAX_RANGE_DAYS - 1)), end
    first = on.replace(day=1)  # a month, also the fallback
    following = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def current_reports(provinces: tuple[str, ...], start: dt.date, end: dt.date) -> list[ReceivedReport]:
    """The current revision of every commune-day of the provinces in the range, by commune and day."""
    return list(
        db.session.scalars(
            db.select(ReceivedReport)
            .join(R, R.report_pk == ReceivedReport.id)
            .filter(R.date.between(start, end), R.current.is_(True), R.province_code.in_(provinces))
            .order_by(ReceivedReport.commune_code, ReceivedReport.date)
        )
    )


def set_deadline(code: str, moment: dt.time, emails: list[str] | None, by: str) -> None:
    """A province's daily deadline (and, when given, the addresses its reminders go to), committed."""
    row = db.session.get(CityProvince, code) or CityProvince(code=code, reminder_emails="")
    row.deadline = moment.replace(second=0, microsecond=0)
    if emails is not None:
        row.reminder_emails = "\n".join(emails)
    row.updated_by = by
    row.updated_at = clock.utcnow()
    db.session.add(row)
    db.session.commit()


def reminder_sent(request, waiting: int, recipients: list[str], by: str) -> None:
    """A sent reminder's line in the intake log, committed."""
    db.session.add(
        IntakeLog(
            ip=request.remote_addr,
            method="POST",
            path=request.path[:200],
            status=200,
            error="reminder",
            detail=f"{waiting} communes → {', '.join(recipients)} ({by})"[:2000],
        )
    )
    db.session.commit()


def accepted_before(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None = None
) -> set[tuple[str, dt.date]]:
    """Commune-days an older revision of which was accepted: their current one is a correction
    made after the acceptance."""
    F = ReceivedFigures
    query = db.select(F.commune_code, F.date).filter(
        F.current.is_(False), F.accepted.is_(True), F.province_code.in_(provinces), F.date.between(start, end)
    )
    if commune:
        query = query.filter(F.commune_code == commune)
    return {(code, day) for code, day in db.session.execute(query)}
