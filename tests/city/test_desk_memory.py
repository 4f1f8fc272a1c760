"""A worker remembers a period's totals (the overview alone asks for five periods) until a report
arrives or is returned: the desk's revision moves in the same transaction, so a reviewer never sees
an answer older than what the database holds."""

from __future__ import annotations

import re

from wardapp.city.desk import operations as desk

from . import support
from .conftest import TODAY
from .test_aggregation import row_cells
from .test_query_count import counting

A, B = support.Commune("20242"), support.Commune("20194")
MONTH = "/ii06a?period=month"


def aggregations(app, reviewer, page: str) -> int:
    """How many times the page had the database add up a period (its GROUP BY statement)."""
    with counting(app) as statements:
        assert reviewer.get(page).status_code == 200
    return sum(1 for s in statements if re.search(r"\bGROUP BY\b", s, re.I))


def test_a_period_is_added_up_once_then_again_only_when_a_report_arrives(city):
    support.enrol_all(city, [A, B])
    client = city.test_client()
    support.push(client, support.signed(A, TODAY))
    support.make_user(city, "sokhcn")
    reviewer = support.signed_in(city, "sokhcn")

    assert aggregations(city, reviewer, MONTH) >= 1
    assert aggregations(city, reviewer, MONTH) == 0  # remembered
    assert row_cells(reviewer.get(MONTH).get_data(as_text=True), B.code)[1] == "Chưa báo cáo"

    support.push(client, support.signed(B, TODAY))

    assert aggregations(city, reviewer, MONTH) >= 1  # the push moved the desk's revision
    assert row_cells(reviewer.get(MONTH).get_data(as_text=True), B.code)[1] != "Chưa báo cáo"


def test_a_return_is_counted_at_once_on_every_page_that_remembered_the_period(city):
    support.enrol_all(city, [A])
    client = city.test_client()
    receipt = support.push(client, support.signed(A, TODAY))
    support.make_user(city, "sokhcn")
    reviewer = support.signed_in(city, "sokhcn")
    month = (A.unit.province_code,), TODAY.replace(day=1), TODAY
    with city.test_request_context():
        assert [r.days_returned for r in desk.period(*month) if r.code == A.code] == [0]

    answer = reviewer.post(f"/reports/{receipt['report_id']}/return", data={"comment": "Số liệu chưa khớp"})

    assert answer.status_code == 303
    with city.test_request_context():
        assert [r.days_returned for r in desk.period(*month) if r.code == A.code] == [1]


def test_the_grid_shows_a_report_that_arrived_after_it_was_last_drawn(city):
    support.enrol_all(city, [A, B])
    client = city.test_client()
    support.push(client, support.signed(A, TODAY))
    support.make_user(city, "sokhcn")
    reviewer = support.signed_in(city, "sokhcn")

    def state_of(code: str) -> str:
        html = reviewer.get("/grid").get_data(as_text=True)
        row = re.search(rf'<tr[^>]*data-commune="{code}"[^>]*>(.*?)</tr>', html, re.S).group(1)
        return re.findall(rf'data-date="{TODAY}" data-state="(\w+)"', row)[0]

    assert (state_of(A.code), state_of(B.code)) == ("on_time", "missing")
    support.push(client, support.signed(B, TODAY, late=True))
    assert state_of(B.code) == "late"
