"""How the sender takes each kind of answer (PROTOCOL "Transport"): it retries on 5xx, 429,
timeouts and refused connections with growing delays, stops on other 4xx, and never takes a
receipt for other content as a delivery. The city here is a scripted stand-in served on 127.0.0.1,
for the answers the real intake does not give on demand."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.core import clock
from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.outbox.operations import request_resend
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


@pytest.fixture
def signed(app, commune, users):
    report = support.ready_day(commune, users, TODAY, photos=2)
    return sign_report(commune, report, users["leader"], "Chờ số liệu")


def delay_of(entry) -> float:
    """Seconds between the last try and the next one planned."""
    return (entry.next_attempt_at - entry.attempts_log[0].at).total_seconds()


def receipt(rev, **overrides) -> dict:
    return {
        "receipt_id": "20261121-20242-ABCD1234",
        "report_id": rev.report_key,
        "received_at": "2026-11-21T10:00:00+00:00",
        "payload_sha256": rev.payload_sha256,
    } | overrides


def test_it_sends_the_stored_jws_and_the_original_photo_bytes(app, scripted, signed):
    scripted.answer(201, receipt(signed))

    assert send_due() == {"accepted": 1}

    [sent] = scripted.received
    assert sent["path"] == "/api/v1/daily-reports"
    assert sent["report"] == signed.jws
    assert sorted(sent["photos"]) == sorted(data for _name, data, _type in support.photo_parts(signed))
    entry = support.outbox_entry()
    assert entry.receipt_id == "20261121-20242-ABCD1234" and entry.received_at == "2026-11-21T10:00:00+00:00"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_it_retries_after_a_server_error(app, scripted, signed, status):
    app.config["OUTBOX_BACKOFF"] = (30, 120)
    scripted.answer(status, {"error": "maintenance", "detail": "Hệ thống đang bảo trì"})

    assert send_due() == {"retry": 1}

    entry = support.outbox_entry()
    assert entry.state == "retrying" and entry.last_status == status
    assert "Hệ thống đang bảo trì" in entry.last_error
    assert delay_of(entry) == pytest.approx(30, abs=2)


def test_it_waits_at_least_as_long_as_a_429_asks(app, scripted, signed):
    app.config["OUTBOX_BACKOFF"] = (5,)
    scripted.answer(429, {"error": "slow_down"}, headers={"Retry-After": "600"})

    assert send_due() == {"retry": 1}

    assert delay_of(support.outbox_entry()) == pytest.approx(600, abs=2)


def test_it_waits_longer_after_each_failure(app, scripted, signed):
    app.config["OUTBOX_BACKOFF"] = (10, 60, 300)
    delays = []
    for _ in range(4):
        scripted.answer(503)
        assert send_due() == {"retry": 1}
        entry = support.outbox_entry()
        delays.append(round(delay_of(entry)))
        request_resend(entry, None)  # skip the wait, keep the count of tries
        db.session.commit()

    assert delays == [10, 60, 300, 300]


def test_it_retries_when_the_city_answers_too_slowly(app, scripted, signed):
    app.config.update(OUTBOX_TIMEOUT=0.3, OUTBOX_BACKOFF=(45,))
    scripted.answer(201, receipt(signed), delay=3)

    assert send_due() == {"retry": 1}

    entry = support.outbox_entry()
    assert entry.state == "retrying" and entry.last_status is None
    assert "Timeout" in entry.last_error
    assert delay_of(entry) == pytest.approx(45, abs=2)


@pytest.mark.parametrize(
    "status, error", [(400, "malformed_request"), (401, "unknown_key"), (409, "conflict"), (422, "photo_mismatch")]
)
def test_it_stops_on_a_refusal_and_keeps_the_citys_reason(app, scripted, signed, status, error, leader):
    scripted.answer(status, {"error": error, "detail": "giải thích của thành phố"})

    assert send_due() == {"rejected": 1}
    assert send_due() == {}

    entry = support.outbox_entry()
    assert entry.state == "rejected" and entry.last_status == status
    assert entry.last_error == f"{error}: giải thích của thành phố"
    assert len(scripted.received) == 1
    page = leader.get(f"/reports/{TODAY.isoformat()}/revisions").get_data(as_text=True)
    assert "Thành phố từ chối" in page and f"{error}: giải thích của thành phố" in page


def test_it_does_not_take_a_receipt_for_other_content_as_a_delivery(app, scripted, signed):
    app.config["OUTBOX_BACKOFF"] = (7,)
    scripted.answer(200, receipt(signed, payload_sha256="0" * 64))

    assert send_due() == {"retry": 1}

    entry = support.outbox_entry()
    assert entry.state == "retrying" and entry.receipt_id is None
    assert "other content" in entry.last_error
    assert delay_of(entry) == pytest.approx(7, abs=2)  # on the configured schedule like any retry


def test_it_resends_the_same_bytes_on_every_try(app, scripted, signed, commune):
    app.config["OUTBOX_BACKOFF"] = (0,)
    scripted.answer(503)
    scripted.answer(201, receipt(signed))
    commune.name = "Tên đã đổi sau khi ký"  # nothing is rebuilt from the database between tries
    db.session.commit()

    assert send_due() == {"retry": 1}
    assert send_due() == {"accepted": 1}

    first, second = scripted.received
    assert first == second and first["report"] == signed.jws  # the JWS, the photos and the PDF if any


def test_it_leaves_the_report_waiting_while_no_city_address_is_set(app, commune, users, leader):
    report = support.ready_day(commune, users, TODAY, photos=0)
    sign_report(commune, report, users["leader"], "Chờ số liệu")
    app.config["CITY_URL"] = ""

    assert send_due() == {}

    assert support.outbox_entry().state == "waiting"
    page = leader.get(f"/reports/{TODAY.isoformat()}/revisions").get_data(as_text=True)
    assert "Chưa cấu hình địa chỉ hệ thống của thành phố (WARDAPP_CITY_URL)" in page
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code != 0 and "No city URL" in result.output


def test_it_lists_the_outbox_on_the_command_line(app, scripted, signed):
    app.config["OUTBOX_BACKOFF"] = (90,)
    scripted.answer(503)
    send_due()

    output = app.test_cli_runner().invoke(args=["outbox", "status"]).output

    assert signed.report_key in output and "retrying" in output and "attempts=1" in output


def test_it_keeps_the_next_try_in_the_future_after_a_failure(app, scripted, signed):
    scripted.answer(503)
    before = clock.utcnow()

    send_due()

    assert support.outbox_entry().next_attempt_at > before + dt.timedelta(seconds=1)
