"""What the dashboard shows, each piece in a fixed number of queries whatever the history length."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass

from wardapp.core import index766, periods, rates
from wardapp.core.deadline import deadline_moment
from wardapp.core.status import DayStatus, is_editable
from wardapp.core.trends import last_days, rate_series
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.reports.operations import figures_between
from wardapp.signing.daystatus import statuses_between
from wardapp.signing.models import ReportRevision

TREND_DAYS = 30


@dataclass(frozen=True)
class Day:
    date: dt.date
    status: DayStatus | None  # None: a future day or a day of another month (shown neutral)
    in_month: bool


def month_calendar(commune_id: int, first: dt.date, today: dt.date) -> list[list[Day]]:
    """Weeks (Monday first) of the month, each day of the month with its one status; days of the
    neighbouring months and days to come carry none."""
    start, end = periods.month_bounds(first)
    statuses = statuses_between(commune_id, start, end)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            in_month = day.month == first.month
            status = statuses.get(day, DayStatus.NO_FIGURES) if in_month and day <= today else None
            row.append(Day(day, status, in_month))
        weeks.append(row)
    return weeks


def missing_days(weeks: list[list[Day]], now: dt.datetime, deadline: dt.time, since: dt.date | None) -> list[dt.date]:
    """Days of the month whose deadline has passed without a signed report: figures typed but not
    signed count as missing, as the city sees them. Today is missing only after its deadline;
    days before the commune's first report (``since``; none: no report yet) were before it used
    the app and are not counted."""
    if since is None:
        return []
    return [
        d.date
        for week in weeks
        for d in week
        if d.status is not None
        and is_editable(d.status)
        and d.date >= since
        and deadline_moment(d.date, deadline) <= now
    ]


def first_report_day(commune_id: int) -> dt.date | None:
    """The first day the commune reported on: the app's records begin there."""
    return db.session.scalar(db.select(db.func.min(DailyReport.date)).filter(DailyReport.commune_id == commune_id))


# How far back the leader's list of days awaiting them reaches (a month and a bit).
AWAITING_DAYS = 31


@dataclass(frozen=True)
class Awaiting:
    """A day that waits for the leader: to explain what is behind schedule, or to sign."""

    date: dt.date
    status: DayStatus

    @property
    def to_sign(self) -> bool:
        return self.status == DayStatus.READY


def awaiting_the_leader(commune_id: int, today: dt.date) -> list[Awaiting]:
    """Days whose figures are complete but that are not signed: ready ones await the signature,
    the others the leader's explanations. Oldest first: the most overdue comes first."""
    start = today - dt.timedelta(days=AWAITING_DAYS)
    statuses = statuses_between(commune_id, start, today)
    waiting = (DayStatus.COMPLETE, DayStatus.READY)
    return [Awaiting(day, status) for day, status in sorted(statuses.items()) if status in waiting]


@dataclass(frozen=True)
class Trend:
    name: str
    label: object
    points: list[tuple[dt.date, float | None]]


def trends(commune_id: int, end: dt.date, days: int = TREND_DAYS) -> list[Trend]:
    dates = last_days(end, days)
    by_day = figures_between(commune_id, dates[0], end)
    return [Trend(s.name, s.label, list(zip(dates, s.values))) for s in rate_series(by_day, dates)]


def signed_figures_between(commune_id: int, start: dt.date, end: dt.date) -> dict[dt.date, dict]:
    """The latest signed revision's figures of each signed day in the range (the day and the signed
    payload read as columns: one statement, not one more per revision for its day)."""
    rows = db.session.execute(
        db.select(DailyReport.date, ReportRevision.payload)
        .join(DailyReport)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date.between(start, end))
        .order_by(ReportRevision.revision)
    )
    return {day: json.loads(payload)["figures"] for day, payload in rows}


@dataclass(frozen=True)
class MonthEstimate:
    first: dt.date
    last: dt.date
    days_reported: int
    estimate: index766.Estimate
    rates: dict[str, float | None]


def month_to_date(commune_id: int, first: dt.date, today: dt.date) -> MonthEstimate:
    """The 766 estimate on the month's signed counts added up (a ratio of sums, not a mean of
    ratios): a draft day's figures can still change, so only signed days count."""
    start, end = periods.month_bounds(first)
    end = min(end, today)
    by_day = signed_figures_between(commune_id, start, end)
    summed = rates.sum_figures(list(by_day.values()))
    return MonthEstimate(start, end, len(by_day), index766.estimate(summed), rates.compute(summed))
