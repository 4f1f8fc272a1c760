from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from wardapp.audit import access as kinds
from wardapp.audit.models import AccessRecord, AuditEvent
from wardapp.core import clock, inputs
from wardapp.core.history import action_label, changed_rows
from wardapp.extensions import db
from wardapp.permissions import Role
from wardapp.web import allowed, page_or_partial

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

ACCESS_KINDS = {
    kinds.PHOTO: _l("Ảnh (bản gốc)"),
    kinds.THUMBNAIL: _l("Ảnh (hình thu nhỏ)"),
    kinds.PDF: _l("Tệp PDF"),
    kinds.PACKAGE: _l("Gói bàn giao lưu trữ"),
}


@bp.get("/")
@allowed("administer")
def index():
    """Read and filter the audit log: by action, by user, by day range; newest first."""
    action = request.args.get("action", "").strip()
    username = request.args.get("user", "").strip()
    start = clock.parse_iso_date(request.args.get("from"))
    end = clock.parse_iso_date(request.args.get("to"))
    page = inputs.parse_page(request.args.get("page"))
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
        "events": [(e, action_label(e.action), changed_rows(e.before, e.after)) for e in events[:size]],
        "has_more": len(events) > size,
        "page": page,
        # Every action ever logged, in words, sorted as the reader reads them.
        "actions": sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1].lower()),
        "filters": {
            "action": action,
            "user": username,
            "from": request.args.get("from", ""),
            "to": request.args.get("to", ""),
        },
    }
    return page_or_partial("audit/index.html", "audit/_rows.html", **context)


def _utc_midnight(day: dt.date) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(0), tzinfo=clock.TZ)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@bp.get("/access")
@allowed("administer")
def access():
    """Who opened which photo, PDF or package, newest first (the record of processing)."""
    page = inputs.parse_page(request.args.get("page"))
    username = request.args.get("user", "").strip()
    query = db.select(AccessRecord)
    if username:
        query = query.filter(AccessRecord.username == username)
    size = current_app.config["AUDIT_PAGE_SIZE"]
    rows = db.session.scalars(query.order_by(AccessRecord.id.desc()).offset((page - 1) * size).limit(size + 1)).all()
    return render_template(
        "audit/access.html",
        rows=rows[:size],
        has_more=len(rows) > size,
        page=page,
        user=username,
        kinds=ACCESS_KINDS,
        roles={role.value: role.label for role in Role},
    )
