"""Logs an operator can read (issue 11): one line per request and per outbox attempt with a
request id that follows a report from the commune into the city, no password in any line, and
a command listing the last failures."""

from __future__ import annotations

import io
import logging
import re
from contextlib import contextmanager

import requests

from wardapp.core import clock, logs
from wardapp.delivery.sender import send_due

from .. import factories
from . import support


@contextmanager
def captured_log():
    """The app's log lines as the installed handler formats them (request id included)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("wardapp")
    logger.addHandler(handler)
    try:
        yield out
    finally:
        logger.removeHandler(handler)


def test_one_line_per_request_with_its_id_and_never_the_password(app, users):
    served = support.Served(app).start()
    try:
        with captured_log() as out:
            answer = requests.post(
                f"{served.url}/login",
                data={"username": "staff", "password": "mat-khau-bi-mat-42"},
                headers={"X-Request-ID": "proxy-id-0001"},
                timeout=30,
            )
            hostile = requests.get(f"{served.url}/login", headers={"X-Request-ID": "a b;c" * 30}, timeout=30)
    finally:
        served.stop()

    text = out.getvalue()
    assert answer.headers["X-Request-ID"] == "proxy-id-0001"
    assert re.search(r"\[proxy-id-0001\] POST /login 401 \d+ms ip=127\.0\.0\.1 user=-", text), text
    assert "mat-khau-bi-mat-42" not in text
    new_id = hostile.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", new_id) and f"[{new_id}] GET /login 200" in text


def test_an_outbox_attempt_is_one_line_and_its_id_reaches_the_city(app, wired, commune, users, noon):
    support.ready_day(commune, users, clock.today(), photos=1)
    leader = support.signed_in(app, "leader")
    with captured_log() as out:
        leader.post(f"/reports/{clock.today().isoformat()}/sign", data={"late_reason": ""})
        assert send_due() == {"accepted": 1}

    text = out.getvalue()
    attempt = re.search(r"\[([0-9a-f]{16})\] outbox (\S+) attempt 1: accepted, HTTP 201", text)
    assert attempt, text
    request_id, key = attempt.groups()
    assert re.search(rf"\[{request_id}\] POST /api/v1/daily-reports 201", text), "the city's line has the same id"
    assert key.startswith("20242:")


def test_the_failures_command_lists_refused_sign_ins_and_failed_sends(app, users, commune, wired, noon):
    app.test_client().post("/login", data={"username": "staff", "password": "sai"})
    support.ready_day(commune, users, clock.today(), photos=0)
    support.signed_in(app, "leader").post(f"/reports/{clock.today().isoformat()}/sign", data={"late_reason": ""})
    wired.stop()  # the city is down: the send fails and will be retried
    send_due()

    output = app.test_cli_runner().invoke(args=["failures"]).output

    assert re.search(r"login\s+staff from 127\.0\.0\.1", output), output
    assert re.search(r"send\s+20242:\S+: retry HTTP - ConnectionError", output), output
    assert factories.PASSWORD not in output
