"""Who may see what at the city, and loading a received report for a view (404 when unknown)."""

from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user

from wardapp.city.accounts import scope
from wardapp.city.extensions import city_db as db
from wardapp.city.extensions import city_login
from wardapp.city.models import ReceivedReport


def reviewer_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return city_login.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def report_or_404(report_id: str) -> ReceivedReport:
    """The report, if the signed-in user may see its province (404 otherwise, as if unknown)."""

    report = db.session.scalar(db.select(ReceivedReport).filter_by(report_id=report_id))
    if report is None:
        abort(404)
    scope.require(scope.province_of(report.commune_code))
    return report
