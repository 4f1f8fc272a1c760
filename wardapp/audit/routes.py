from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func

from wardapp.audit.models import AuditEvent
from wardapp.auth.models import Role
from wardapp.core import clock
from wardapp.extensions import db
from wardapp.web import roles_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    """Read and filter the audit log: by action, by user, by day range; newest first."""
    action = request.args.get("action", "").strip()
    username = request.args.get("user", "").strip()
    start = clock.parse_iso_date(request.args.get("from"))
    end = clock.parse_iso_date(request.args.get("to"))
    try:
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page = 1
    query = db.select(AuditEvent)
    if action:
        query = query.filter(AuditEvent.action.startswith(action))
    if username:
        query = query.filter(AuditEvent.actor_username == username)
    # Days are Vietnam days; the log stores UTC.
    if start:
        query = query.filter(AuditEvent.at >= _utc_midnight(start))
    if end:
        query = query.filter(AuditEvent.at < _utc_midnight(end + dt.timedelta(days=1)))
    size = current_app.config["AUDIT_PAGE_SIZE"]
    events = db.session.scalars(query.order_by(AuditEvent.id.desc()).offset((page - 1) * size).limit(size + 1)).all()
    actions = db.session.scalars(
        db.select(AuditEvent.action).group_by(AuditEvent.action).order_by(func.min(AuditEvent.action))
    ).all()
    context = {
        "events": events[:size],
        "has_more": len(events) > size,
        "page": page,
        "actions": actions,
        "filters": {
            "action": action,
            "user": username,
            "from": request.args.get("from", ""),
            "to": request.args.get("to", ""),
        },
    }
    template = "audit/_rows.html" if request.headers.get("HX-Request") else "audit/index.html"
    return render_template(template, **context)


def _utc_midnight(day: dt.date) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(0), tzinfo=clock.TZ)
    return local.astimezone(dt.UTC).replace(tzinfo=None)
