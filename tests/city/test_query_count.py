"""The desk's pages cost the same number of SQL statements with one day or months of history: the
figures are added up by the database, never loaded row by row."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from wardapp.city.extensions import city_db

from . import support
from .conftest import TODAY

COMMUNES = [support.Commune(code) for code in ("20242", "20194", "20197", "20200")]
PAGES = [
    "/",
    "/grid",
    f"/grid?from={TODAY - dt.timedelta(days=61)}&to={TODAY}",
    "/ii06a?period=month",
    "/ii06a?period=quarter",
    f"/ii06a?period=range&from={TODAY - dt.timedelta(days=120)}&to={TODAY}",
    "/ii06a.xlsx?period=month",
    "/ii06a.csv?period=month",
    f"/communes/{COMMUNES[0].code}/days",
    "/reminders",
]


@contextmanager
def counting(app):
    statements: list[str] = []
    with app.app_context():
        engine = city_db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@contextmanager
def reading(app):
    """Each statement the app runs meanwhile, with its parameters."""
    statements: list[tuple[str, object]] = []
    with app.app_context():
        engine = city_db.engine

    def keep(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def statements_per_page(app, days: int) -> dict[str, int]:
    support.enrol_all(app, COMMUNES)
    support.bulk_history(app, COMMUNES, TODAY - dt.timedelta(days=1), days)
    support.make_user(app, "sokhcn")
    reviewer = support.signed_in(app, "sokhcn")
    for page in PAGES:  # warm: the first request of a process loads things once
        assert reviewer.get(page).status_code == 200, page
    out = {}
    for page in PAGES:
        with counting(app) as statements:
            assert reviewer.get(page).status_code == 200
        out[page] = len(statements)
    return out


@pytest.fixture
def two_cities(make_city, noon):
    return [make_city() for _ in range(2)]


def test_statements_do_not_grow_with_history(two_cities):
    short, long = two_cities
    one_day = statements_per_page(short, 1)
    five_months = statements_per_page(long, 150)

    assert one_day == five_months
    assert max(one_day.values()) <= 15, one_day
