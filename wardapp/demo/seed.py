"""Create the demo commune, its four users and its history in the current database."""

from __future__ import annotations

import datetime as dt
import secrets

from wardapp.auth.models import User
from wardapp.auth.operations import create_user
from wardapp.commune.models import Commune
from wardapp.core.clock import utcnow
from wardapp.core.rules import check_figures
from wardapp.delays.models import LateDossier
from wardapp.demo.content import content
from wardapp.demo.dossiers import generate_log, xlsx_bytes
from wardapp.demo.evidence import explain_behind_task, seed_evidence
from wardapp.demo.history import generate
from wardapp.demo.signed import seed_signatures
from wardapp.dossiers.operations import import_file
from wardapp.extensions import db
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.setup.operations import set_up_commune

DEMO = content("commune")  # the commune's code (Phường Hải Châu, Thành phố Đà Nẵng), its users


def seed(today: dt.date, password: str | None = None, days: int = 90) -> dict[str, str]:
    """Seed everything; returns username → password. The history ends yesterday."""
    commune = set_up_commune(DEMO["code"])
    passwords = {}
    users = {}
    for user in DEMO["users"]:
        passwords[user["username"]] = password or secrets.token_urlsafe(9)
        users[user["role"]] = create_user(user | {"password": passwords[user["username"]]}, commune.id)
    seed_history(commune, users["staff"], today - dt.timedelta(days=1), days)
    db.session.flush()
    seed_dossier_log(commune, users["staff"], today - dt.timedelta(days=1), days)
    seed_evidence(commune, users, today, days)
    explain_behind_task(commune, users["leader"], today - dt.timedelta(days=1))
    db.session.commit()
    if days >= 9:
        seed_signatures(commune, users, today)
    return passwords


def seed_dossier_log(commune: Commune, staff: User, end: dt.date, days: int) -> None:
    """Import a generated dossier log through the real importer; the history's settlement figures
    then come from it (the importer refreshes every unsigned day), so history and log agree."""

    history = [(day, figures) for day, figures, _narrative in generate(days, end)]
    data = xlsx_bytes(generate_log(history, end))
    outcome = import_file(commune.id, f"so-theo-doi-ho-so-{end:%Y%m%d}.xlsx", data, staff)
    if not outcome.ok:  # a bug in the generator, never the user's doing
        raise RuntimeError("; ".join(outcome.errors[:5]))
    reports = db.session.scalars(db.select(DailyReport).filter_by(commune_id=commune.id)).all()
    for report in reports:
        # One apology letter per late dossier, as a careful commune does.
        report.apology_letters = report.resolved_late
        report.status = ReportStatus.DRAFT if check_figures(report.figures) else ReportStatus.COMPLETE
    for late in db.session.scalars(db.select(LateDossier).filter_by(cause="")):
        late.cause = DEMO["late_dossier_cause"]
        late.apology_issued = late.kind == "resolved_late"
    db.session.commit()


def seed_history(commune: Commune, author: User, end: dt.date, days: int) -> None:
    """Bulk-insert the days (no audit lines: this is generated history, not somebody's edit)."""
    now = utcnow()
    rows = []
    for day, figures, narrative in generate(days, end):
        status = ReportStatus.DRAFT if check_figures(figures) else ReportStatus.COMPLETE
        rows.append(
            {
                "commune_id": commune.id,
                "date": day,
                "status": status,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "created_by_id": author.id,
                "updated_by_id": author.id,
                **figures,
                **narrative,
            }
        )
    db.session.execute(db.insert(DailyReport), rows)
