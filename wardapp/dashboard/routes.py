from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from markupsafe import Markup

from wardapp.core import clock
from wardapp.core.i18n import fmt_percent
from wardapp.core.svg import line_chart
from wardapp.dashboard.operations import (
    missing_days,
    month_calendar,
    month_to_date,
    trends,
)
from wardapp.delays.readiness import readiness
from wardapp.reports.operations import get_report
from wardapp.team.operations import team_of, team_state
from wardapp.web import current_commune, login_required

bp = Blueprint("dashboard", __name__)


def _month_arg(today: dt.date) -> dt.date:
    try:
        first = dt.date.fromisoformat(request.args.get("month", "") + "-01")
    except ValueError:
        return today.replace(day=1)
    return min(first, today.replace(day=1))


@bp.get("/")
@login_required
def index():
    commune = current_commune()
    today = clock.today()
    first = _month_arg(today)
    report = get_report(commune.id, today)
    weeks = month_calendar(commune.id, first, today)
    # line_chart escapes every text it draws, so its SVG is safe to insert as markup.
    charts = [
        (trend, Markup(line_chart(trend.points, str(trend.label), fmt_percent)))  # noqa: S704
        for trend in trends(commune.id, today)
    ]
    context = {
        "today": today,
        "report": report,
        "readiness": readiness(commune, report, today),
        "team_state": team_state(team_of(commune.id), commune.team_deadline),
        "deadline": commune.deadline,
        "first": first,
        "weeks": weeks,
        "missing": missing_days(weeks),
        "previous_month": (first - dt.timedelta(days=1)).replace(day=1),
        "next_month": (first + dt.timedelta(days=32)).replace(day=1) if first < today.replace(day=1) else None,
        "charts": charts,
        "mtd": month_to_date(commune.id, first, today),
    }
    template = "dashboard/_calendar.html" if request.headers.get("HX-Request") else "dashboard/index.html"
    return render_template(template, **context)
