"""The outbox catches up as soon as the city answers again: entries waiting on their own retry
delays become due at the first answer, and the backlog goes out in order, once each.

Both servers are real (the city intake in a server thread on 127.0.0.1); the clock is the test's
clock with delays of minutes or hours, so "due" never depends on how fast the machine is.
"""

from __future__ import annotations

import datetime as dt

from wardapp.core import clock
from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support


def sign_days(commune, users, days: int) -> list[int]:
    """Signs ``days`` consecutive days ending today; returns their outbox entry ids, oldest first."""
    ids = []
    for back in range(days - 1, -1, -1):
        report = support.ready_day(commune, users, TODAY - dt.timedelta(days=back))
        revision = sign_report(commune, report, users["leader"], "Chờ số liệu của bộ phận một cửa")
        ids.append(revision.outbox.id)
    return ids


def entries(ids: list[int]) -> list[OutboxEntry]:
    db.session.expire_all()
    return [db.session.get(OutboxEntry, i) for i in ids]


def test_while_the_city_is_down_one_push_per_pass_and_the_rest_wait_for_the_same_next_try(
    app, city, commune, users, leader
):
    app.config.update(CITY_URL=f"http://127.0.0.1:{support.free_port()}", OUTBOX_BACKOFF=(300,))
    ids = sign_days(commune, users, 4)

    assert send_due() == {"retry": 1}  # the first push fails; the other three are not knocked on

    head, *rest = entries(ids)
    assert head.state == "retrying" and head.attempts == 1
    assert 290 <= (head.next_attempt_at - clock.utcnow()).total_seconds() <= 300
    for entry in rest:  # the time the leader sees is when they will really be tried
        assert entry.attempts == 0 and entry.next_attempt_at == head.next_attempt_at
    assert send_due() == {}
    page = leader.get(f"/reports/{head.revision.report.date}/revisions").get_data(as_text=True)
    local = clock.to_local(head.next_attempt_at)
    assert f"thử lại lúc {local:%H:%M}" in page and "hoặc ngay khi thành phố trả lời lại" in page


def test_when_the_city_answers_again_every_waiting_entry_goes_at_once_in_order_and_once(app, city, commune, users):
    port = support.free_port()
    app.config.update(CITY_URL=f"http://127.0.0.1:{port}", OUTBOX_BACKOFF=(3600,))
    ids = sign_days(commune, users, 4)
    assert send_due() == {"retry": 1}
    assert all(e.next_attempt_at > clock.utcnow() for e in entries(ids))  # an hour away

    support.enrol_commune(city)
    city.start(port)
    assert send_due() == {"accepted": 4}  # the status probe finds the city back: no hour's wait

    received = city.received()
    done = entries(ids)
    assert [r["report_id"] for r in received] == [e.revision.report_key for e in done]  # in order
    assert [e.state for e in done] == ["accepted"] * 4
    assert [r["receipt_id"] for r in received] == [e.receipt_id for e in done]
    assert send_due() == {}
    assert len(city.received()) == 4  # exactly once each


def test_the_first_success_makes_every_entry_waiting_on_a_retry_due(app, city, commune, users):
    port = support.free_port()
    app.config.update(CITY_URL=f"http://127.0.0.1:{port}", OUTBOX_BACKOFF=(15, 900, 3600))
    waiting = sign_days(commune, users, 3)
    for _ in range(3):  # three failures, one per entry, each now with its own long delay
        for entry in entries(waiting):
            entry.next_attempt_at = clock.utcnow()
        db.session.commit()
        assert send_due() == {"retry": 1}
    delays = sorted({(e.next_attempt_at - clock.utcnow()).total_seconds() for e in entries(waiting)})
    assert delays and delays[0] >= 15 and all(e.state in ("retrying", "waiting") for e in entries(waiting))

    support.enrol_commune(city)
    city.start(port)
    report = support.ready_day(commune, users, TODAY - dt.timedelta(days=5))
    fresh = sign_report(commune, report, users["leader"], "Bổ sung").outbox.id  # due now

    assert send_due() == {"accepted": 4}

    assert [e.state for e in entries([*waiting, fresh])] == ["accepted"] * 4
    keys = [r["report_id"] for r in city.received()]
    assert len(keys) == len(set(keys)) == 4
    assert keys[1:] == [e.revision.report_key for e in entries(waiting)]  # the backlog in order
