"""The audit log keeps a line for every step of signing and sending: who signed what, every try of
the outbox and how it ended, every key made and retired."""

from __future__ import annotations

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.signing import keys
from wardapp.signing.operations import open_correction, sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = TODAY.isoformat()


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def test_it_records_the_signature_with_its_signer_hash_and_key(app, commune, users, leader):
    support.ready_day(commune, users, TODAY, photos=1)

    assert leader.post(f"/reports/{DAY}/sign", data={"late_reason": "Chờ số liệu"}).status_code == 303

    [event] = events("report.signed")
    rev = support.revision()
    assert event.target_id == f"20242:{DAY}:r1" and event.actor_username == "leader"
    assert event.after["payload_sha256"] == rev.payload_sha256 and event.after["kid"] == rev.kid
    assert event.after["late"] is rev.late


def test_it_records_a_correction_with_its_reason(app, commune, users):
    report = support.ready_day(commune, users, TODAY, photos=0)
    sign_report(commune, report, users["leader"], "Chờ số liệu")

    open_correction(report, users["leader"], "Sai số hồ sơ trực tuyến")

    [event] = events("report.correction_opened")
    assert event.actor_username == "leader" and event.target_id == DAY
    assert event.after == {"reason": "Sai số hồ sơ trực tuyến", "next_revision": 2}


def test_it_records_every_outbox_try_and_how_it_ended(app, city, commune, users, leader):
    port = support.free_port()
    app.config.update(CITY_URL=f"http://127.0.0.1:{port}", OUTBOX_BACKOFF=(0,))
    report = support.ready_day(commune, users, TODAY, photos=0)
    sign_report(commune, report, users["leader"], "Chờ số liệu")

    assert send_due() == {"retry": 1}  # the city is down
    city.start(port)
    assert send_due() == {"rejected": 1}  # the city is up but does not know the key
    support.enrol_commune(city)
    assert leader.post(f"/outbox/{support.outbox_entry().id}/resend").status_code == 303
    assert send_due() == {"accepted": 1}

    key = f"20242:{DAY}:r1"
    [retry], [rejected], [accepted] = events("outbox.retry"), events("outbox.rejected"), events("outbox.accepted")
    assert {retry.target_id, rejected.target_id, accepted.target_id} == {key}
    assert retry.after["http_status"] is None and "ConnectionError" in retry.after["error"]
    assert rejected.after["http_status"] == 401 and "unknown_key" in rejected.after["error"]
    assert accepted.after["http_status"] == 201 and accepted.after["attempt"] == 3
    [resend] = events("outbox.resend_requested")
    assert resend.actor_username == "leader"


def test_it_records_keys_created_and_retired(app, commune):
    first = keys.active_row().kid

    second = keys.rotate().kid
    db.session.commit()

    assert [e.target_id for e in events("key.created")] == [first, second]
    assert [e.target_id for e in events("key.retired")] == [first]
