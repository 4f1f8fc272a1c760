from __future__ import annotations

import datetime as dt

from flask import Blueprint, request
from flask_login import current_user
from markupsafe import Markup

from wardapp.commune.access import current_commune
from wardapp.core import clock, periods
from wardapp.core.deadline import deadline_moment
from wardapp.core.i18n import fmt_percent
from wardapp.core.status import is_editable, legend
from wardapp.core.svg import line_chart
from wardapp.dashboard.operations import (
    awaiting_the_leader,
    first_report_day,
    missing_days,
    month_calendar,
    month_to_date,
    trends,
)
from wardapp.delays.readiness import readiness
from wardapp.reports.operations import get_report
from wardapp.signing.daystatus import refusals_between, returns_between, status_of
from wardapp.team.operations import team_of, team_state
from wardapp.web import login_required, page_or_partial

bp = Blueprint("dashboard", __name__)

# Returns of the last weeks stay on the dashboard until a correction is opened.
RETURNS_DAYS = 31


def _month_arg(today: dt.date) -> dt.date:
    first = periods.parse_month(request.args.get("month")) or today.replace(day=1)
    return min(first, today.replace(day=1))


@bp.get("/")
@login_required
def index():
    commune = current_commune()
    now = clock.now()
    today = now.date()
    first = _month_arg(today)
    report = get_report(commune.id, today)
    weeks = month_calendar(commune.id, first, today)
    status = status_of(commune.id, today)
    # line_chart escapes every text it draws, so its SVG is safe to insert as markup.
    charts = [
        (trend, Markup(line_chart(trend.points, str(trend.label), fmt_percent)))  # noqa: S704
        for trend in trends(commune.id, today)
    ]
    context = {
        "today": today,
        "report": report,
        "status": status,
        "legend": legend(),
        # A signed day is judged by the rules it was signed under: no "missing" list for it.
        "readiness": readiness(commune, report, today) if is_editable(status) else None,
        "returns": returns_between(commune.id, today - dt.timedelta(days=RETURNS_DAYS), today),
        "refusals": refusals_between(commune.id, today - dt.timedelta(days=RETURNS_DAYS), today),
        "past_deadline": deadline_moment(today, commune.deadline) <= now,
        "team_state": team_state(team_of(commune.id), commune.team_deadline),
        "deadline": commune.deadline,
        "first": first,
        "weeks": weeks,
        "missing": missing_days(weeks, now, commune.deadline, first_report_day(commune.id)),
        "awaiting": awaiting_the_leader(commune.id, today) if current_user.may("sign") else [],
        "previous_month": (first - dt.timedelta(days=1)).replace(day=1),
        "next_month": (first + dt.timedelta(days=32)).replace(day=1) if first < today.replace(day=1) else None,
        "charts": charts,
        "mtd": month_to_date(commune.id, first, today),
    }
    # The month arrows swap the whole month (calendar, missing days, 766 panel) and push the URL.
    return page_or_partial("dashboard/index.html", "dashboard/_month.html", **context)
