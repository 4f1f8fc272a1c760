"""Test data with sensible defaults; pass keyword arguments to change what matters to a test."""

from __future__ import annotations

import datetime as dt

from wardapp.auth.models import User
from wardapp.commune.models import Commune
from wardapp.core.figures import zero_figures
from wardapp.core.rules import check_figures
from wardapp.extensions import db
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.setup.operations import set_up_commune

PASSWORD = "correct-horse-9"


def figures(**overrides: int) -> dict[str, int]:
    """A consistent, ordinary day: 30 received, 10 carried over, 28 resolved, 12 pending."""
    f = zero_figures() | {
        "received_in_person": 16,
        "received_online": 12,
        "received_postal": 2,
        "carried_over": 10,
        "resolved_early": 8,
        "resolved_on_time": 18,
        "resolved_late": 2,
        "pending_within": 11,
        "pending_overdue": 1,
        "apology_letters": 2,
        "online_full_process": 7,
        "online_partial": 5,
        "fee_bearing": 10,
        "paid_online": 4,
        "digitized": 25,
        "e_results": 20,
        "feedback_received": 2,
        "feedback_on_time": 1,
        "feedback_late": 1,
        "feedback_unsatisfied": 0,
        "rating_very_satisfied": 6,
        "rating_satisfied": 10,
        "rating_unsatisfied": 1,
        "counters_open": 4,
        "staff_on_duty": 6,
        "avg_wait_minutes": 12,
        "outages_system": 0,
        "outages_network": 0,
        "response_team_cases": 2,
    }
    f.update(overrides)
    return f


def form_data(version: int = 0, **overrides) -> dict[str, str]:
    """What a browser posts for ``figures(**overrides)`` (strings, narrative included)."""
    texts = {k: overrides.pop(k) for k in ("highlights", "difficulties", "proposals") if k in overrides}
    data = {k: str(v) for k, v in figures(**overrides).items()}
    data.update({"highlights": "", "difficulties": "", "proposals": ""}, **texts)
    data["version"] = str(version)
    return data


def make_commune(code: str = "20242") -> Commune:
    commune = set_up_commune(code)
    db.session.commit()
    return commune


def make_user(commune: Commune, role: str, username: str | None = None, **kwargs) -> User:
    user = User(
        commune_id=commune.id,
        username=username or role,
        full_name=kwargs.pop("full_name", f"Người dùng {role}"),
        position=kwargs.pop("position", "Chuyên viên"),
        role=role,
        **kwargs,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_report(commune: Commune, day: dt.date, author: User | None = None, **overrides) -> DailyReport:
    values = figures(**overrides)
    report = DailyReport(
        commune_id=commune.id,
        date=day,
        status=ReportStatus.DRAFT if check_figures(values) else ReportStatus.COMPLETE,
        created_by_id=author.id if author else None,
        updated_by_id=author.id if author else None,
        **values,
    )
    db.session.add(report)
    db.session.commit()
    return report
