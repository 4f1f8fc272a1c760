"""Migration 6d2a1f0b8c31 on a database holding signed reports, on SQLite and PostgreSQL: the shared
register is filled from the numbers daily revisions already took, so the next document (a month
summary included) follows them; down and up again keeps that."""

from __future__ import annotations

import flask_migrate
import pytest

from wardapp.extensions import db
from wardapp.signing.models import RegisterEntry
from wardapp.signing.operations import next_register_number

from .conftest import TODAY

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


def test_the_register_continues_after_the_daily_numbers_through_down_and_up(app, month_days):
    year = TODAY.year
    keys = [month_days[day].report_key for day in sorted(month_days)]
    assert next_register_number(year) == 3
    db.session.remove()

    flask_migrate.downgrade(revision="7e3b2a1c9d42")  # the revision before this one
    flask_migrate.upgrade()

    entries = db.session.execute(
        db.select(RegisterEntry.register_number, RegisterEntry.kind, RegisterEntry.document_id).order_by(
            RegisterEntry.register_number
        )
    ).all()
    assert entries == [(1, "daily", keys[0]), (2, "daily", keys[1])]
    assert next_register_number(year) == 3
