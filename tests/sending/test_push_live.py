"""The commune signs, the outbox pushes, the city stores: both servers for real on 127.0.0.1.

No HTTP is mocked. The city intake runs in a server thread of this process; the commune's sender
talks to it with ``requests``; a sender killed mid-way is a real subprocess that dies.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap

import pytest

from wardapp import ROOT
from wardapp.city.intake import blobs
from wardapp.core import clock
from wardapp.delivery.sender import run_forever, send_due
from wardapp.extensions import db
from wardapp.outbox.models import SendAttempt

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = TODAY.isoformat()


def sign(leader, day: str = DAY):
    return leader.post(f"/reports/{day}/sign", data={"late_reason": "Chờ số liệu của bộ phận một cửa"})


def on_time(commune) -> None:
    commune.deadline = dt.time(23, 59)
    db.session.commit()


def test_it_delivers_a_signed_report_to_the_city_and_keeps_the_citys_receipt(app, wired, commune, users, leader):
    on_time(commune)
    support.ready_day(commune, users, TODAY, photos=2, late_dossier=True)
    assert sign(leader).status_code == 303
    assert support.outbox_entry().state == "waiting"
    assert wired.received() == []

    result = app.test_cli_runner().invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert "accepted: 1" in result.output
    rev, entry = support.revision(), support.outbox_entry()
    [stored] = wired.received()
    assert entry.state == "accepted"
    assert entry.receipt_id == stored["receipt_id"]
    assert entry.received_at == stored["received_at"].replace(tzinfo=dt.UTC).isoformat(timespec="seconds")
    assert stored["report_id"] == rev.report_key == f"20242:{DAY}:r1"
    assert stored["payload"] == rev.payload  # the exact signed bytes
    assert stored["jws"] == rev.jws
    assert stored["payload_sha256"] == rev.payload_sha256
    parts = support.photo_parts(rev)  # read at the commune, before entering the city's context
    with wired.context():
        for _filename, data, _type in parts:
            assert blobs.store().get(blobs.photo_key(support.payload.sha256(data))) == data
    page = leader.get(f"/reports/{DAY}/revisions").get_data(as_text=True)
    assert "Thành phố đã nhận" in page
    assert stored["receipt_id"] in page


def test_it_sends_with_the_worker_loop_too(app, wired, commune, users, leader):
    on_time(commune)
    support.ready_day(commune, users, TODAY)
    assert sign(leader).status_code == 303
    passes = []

    run_forever(0.01, stop=lambda: passes.append(1) or len(passes) > 2)

    assert support.outbox_entry().state == "accepted"
    assert len(wired.received()) == 1


def test_it_waits_while_the_city_is_down_then_delivers_exactly_once(app, city, commune, users, leader):
    port = support.free_port()
    app.config["CITY_URL"] = f"http://127.0.0.1:{port}"
    on_time(commune)
    support.ready_day(commune, users, TODAY)
    assert sign(leader).status_code == 303

    assert send_due() == {"retry": 1}

    entry = support.outbox_entry()
    assert entry.state == "retrying"
    assert entry.next_attempt_at > clock.utcnow()
    [attempt] = entry.attempts_log
    assert attempt.outcome == "retry" and attempt.http_status is None
    assert "ConnectionError" in attempt.error
    assert send_due() == {}  # not due yet: nothing is hammered
    page = leader.get(f"/reports/{DAY}/revisions").get_data(as_text=True)
    assert "Sẽ gửi lại" in page

    support.enrol_commune(city)
    city.start(port)
    assert leader.post(f"/outbox/{entry.id}/resend").status_code == 303  # the leader's "send again now"
    assert send_due() == {"accepted": 1}
    assert send_due() == {}

    entry = support.outbox_entry()
    assert entry.state == "accepted"
    assert [a.outcome for a in reversed(entry.attempts_log)] == ["retry", "accepted"]
    assert len(city.received()) == 1
    assert city.received()[0]["receipt_id"] == entry.receipt_id


def test_it_retries_on_its_own_schedule_once_the_delay_has_passed(app, city, commune, users, leader):
    port = support.free_port()
    app.config.update(CITY_URL=f"http://127.0.0.1:{port}", OUTBOX_BACKOFF=(0,))
    on_time(commune)
    support.ready_day(commune, users, TODAY)
    assert sign(leader).status_code == 303
    assert send_due() == {"retry": 1}

    support.enrol_commune(city)
    city.start(port)

    assert send_due() == {"accepted": 1}
    assert support.outbox_entry().attempts == 2
    assert len(city.received()) == 1


def test_it_rejects_for_good_when_the_city_does_not_know_the_key_and_tells_the_leader(
    app, live_city, commune, users, leader
):
    app.config["CITY_URL"] = live_city.url  # the commune is not enrolled at the city
    on_time(commune)
    support.ready_day(commune, users, TODAY)
    assert sign(leader).status_code == 303

    assert send_due() == {"rejected": 1}
    assert send_due() == {}  # a 4xx is not retried by itself

    entry = support.outbox_entry()
    assert entry.state == "rejected" and entry.last_status == 401
    assert "unknown_key" in entry.last_error
    page = leader.get(f"/reports/{DAY}/revisions").get_data(as_text=True)
    assert "Thành phố từ chối" in page and "unknown_key" in page

    support.enrol_commune(live_city)
    assert leader.post(f"/outbox/{entry.id}/resend").status_code == 303
    assert send_due() == {"accepted": 1}
    assert len(live_city.received()) == 1


KILLED_SENDER = textwrap.dedent("""
    import datetime as dt
    import os
    import sys

    import time_machine

    from wardapp.app import create_app
    import wardapp.delivery.sender as sender

    instance, database, city_url, now = sys.argv[1:5]
    time_machine.travel(dt.datetime.fromisoformat(now), tick=True).start()  # the test's server clock
    app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "test-secret",
                      "CITY_URL": city_url, "OUTBOX_LEASE_SECONDS": 60})


    def killed(*args, **kwargs):  # the city has answered; the commune dies before recording it
        sys.stdout.flush()
        os._exit(9)


    sender.record_answer = killed
    with app.app_context():
        sender.send_due()
    sys.exit(0)  # not reached when something was sent
""")


def test_it_stores_once_and_accepts_once_when_the_sender_is_killed_before_recording_the_answer(
    app, wired, commune, users, leader, tmp_path, frozen_clock
):
    on_time(commune)
    support.ready_day(commune, users, TODAY, photos=1)
    assert sign(leader).status_code == 303
    script = tmp_path / "killed_sender.py"
    script.write_text(KILLED_SENDER)
    db.session.commit()
    db.session.remove()

    child = subprocess.run(
        [
            sys.executable,
            str(script),
            app.instance_path,
            app.config["SQLALCHEMY_DATABASE_URI"],
            wired.url,
            clock.now().isoformat(),  # the child runs on the test's server clock
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert child.returncode == 9, child.stderr
    [stored] = wired.received()
    entry = support.outbox_entry()
    assert entry.state == "sending" and entry.attempts == 1
    assert entry.receipt_id is None and entry.attempts_log == []
    assert send_due() == {}  # its lease still runs: nobody else takes it yet

    frozen_clock.shift(dt.timedelta(seconds=61))  # the dead sender's lease runs out
    assert send_due() == {"accepted": 1}

    entry = support.outbox_entry()
    assert entry.state == "accepted"
    assert entry.receipt_id == stored["receipt_id"]
    assert len(wired.received()) == 1
    outcomes = db.session.scalars(db.select(SendAttempt.outcome).filter_by(entry_id=entry.id)).all()
    assert outcomes == ["accepted"]
    assert entry.last_status == 200  # the city's identical-resend answer
