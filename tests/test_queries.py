"""Pages must not slow down as the history grows: the number of SQL queries stays the same."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from sqlalchemy import event

from wardapp.demo.seed import seed_history
from wardapp.extensions import db
from wardapp.reports.models import DailyReport

from .helpers import TODAY, signed_in

YESTERDAY = TODAY - dt.timedelta(days=1)
PAGES = ["/", f"/reports/{TODAY.isoformat()}", f"/reports/{YESTERDAY.isoformat()}", "/reports/"]
# A generous ceiling: a page needing more than this is doing something per row or per day.
MAX_QUERIES = 20


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        with counting_queries() as statements:
            response = client.get(page)
        assert response.status_code == 200, page
        counts[page] = len(statements)
    return counts


def add_history(commune, author, end: dt.date, days: int) -> None:
    seed_history(commune, author, end, days)
    db.session.commit()


def test_it_runs_as_many_queries_with_three_years_of_history_as_with_a_month(app, users, commune):
    add_history(commune, users["staff"], YESTERDAY, 30)
    client = signed_in(app, "staff")
    with_a_month = queries_per_page(client)

    # 1,070 more days before the first month: 1,100 days in all.
    add_history(commune, users["staff"], YESTERDAY - dt.timedelta(days=30), 1070)
    assert db.session.scalar(db.select(db.func.count()).select_from(DailyReport)) == 1100
    with_three_years = queries_per_page(client)

    assert with_three_years == with_a_month
    assert max(with_a_month.values()) <= MAX_QUERIES, with_a_month
