"""Times as a Vietnamese reader reads them: the city's receipt number carries the day in Vietnam,
not in UTC (00:30 on 08/12 in Đà Nẵng is 17:30 on 07/12 in UTC), and the report page shows the
receipt's moment in Vietnam time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.city import support
from wardapp.core import clock


@pytest.mark.parametrize(
    ("local", "expected_day"),
    [
        (dt.datetime(2026, 12, 7, 23, 30, tzinfo=clock.TZ), "20261207"),
        (dt.datetime(2026, 12, 8, 0, 30, tzinfo=clock.TZ), "20261208"),
    ],
    ids=["23:30", "00:30"],
)
def test_the_receipt_number_and_time_carry_the_vietnamese_date(city, local, expected_day):
    commune = support.Commune("20242")
    support.enrol_all(city, [commune])
    support.make_user(city, "xemxet")
    reviewer = support.signed_in(city, "xemxet")
    with time_machine.travel(local, tick=False):
        receipt = support.push(city.test_client(), support.signed(commune, dt.date(2026, 12, 7), late=True))
        page = reviewer.get(f"/reports/{receipt['report_id']}").get_data(as_text=True)
    assert receipt["receipt_id"].startswith(f"{expected_day}-20242-")
    assert dt.datetime.fromisoformat(receipt["received_at"]) == local  # the moment itself, whatever its zone
    assert receipt["receipt_id"] in page
    assert local.strftime("%H:%M %d/%m/%Y") in page
