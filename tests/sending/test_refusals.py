"""A refusal the commune can act on: every PROTOCOL refusal explained in Vietnamese to the person who
must act, the city's own words folded for IT; and a refusal whose cause is at the city (its key or
CA not enrolled) heals by itself once the city has fixed it, with no click per day."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.outbox.refusals import EXPLANATIONS

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines

DAY = TODAY.isoformat()
YESTERDAY = TODAY - dt.timedelta(days=1)


def _sign(leader, day: dt.date) -> None:
    answer = leader.post(f"/reports/{day.isoformat()}/sign", data={"late_reason": "Chờ số liệu của bộ phận một cửa"})
    assert answer.status_code == 303


def _visible(html: str) -> str:
    """The page's text as a reader sees it at first: no tags, no folded technical details."""
    html = re.sub(r"<details class=\"technical\">.*?</details>", " ", unescape(html), flags=re.S)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# One refusal per code of docs/PROTOCOL.md "Sending" (and the answers the city may give besides),
# each with the city's words in English as the intake writes them.
REFUSALS = [
    (401, {"error": "unknown_key", "detail": "unknown kid AbC"}, "Thành phố chưa kết nối khóa ký"),
    (
        422,
        {
            "error": "bad_pdf",
            "detail": "signature ChuKyNguoiKy does not verify: the certificate does not chain to the commune's CA",
            "reason": "untrusted_ca",
        },
        "Thành phố chưa tin cậy chứng thư ký văn bản PDF",
    ),
    (422, {"error": "bad_pdf", "detail": "signature X does not verify: the signed bytes were changed"}, "Bản PDF"),
    (422, {"error": "bad_signature", "detail": "signature does not verify"}, "Chữ ký số của báo cáo không khớp"),
    (422, {"error": "schema_violation", "detail": "figures/received: must be >= 0"}, "không đúng định dạng"),
    (422, {"error": "commune_mismatch", "detail": "payload commune is not the key's"}, "không khớp với xã/phường"),
    (422, {"error": "photo_missing", "detail": "photo abc is listed but absent"}, "không nhận được một ảnh"),
    (422, {"error": "photo_mismatch", "detail": "photo abc has another hash"}, "Một ảnh gửi kèm khác"),
    (409, {"error": "conflict", "detail": "already received with other content"}, "một báo cáo khác cùng số hiệu"),
    (400, {"error": "malformed_request", "detail": "no report field"}, "không đọc được yêu cầu"),
    (413, {"error": "too_large", "detail": "the body is over 200000000 bytes"}, "lớn hơn mức máy chủ"),
    (404, {"error": "not_found", "detail": "no such route"}, "lý do chưa được mô tả"),
]


def test_every_protocol_code_has_an_explanation():
    protocol = {
        "unknown_key",
        "bad_signature",
        "schema_violation",
        "commune_mismatch",
        "photo_missing",
        "photo_mismatch",
        "bad_pdf",
        "conflict",
        "malformed_request",
        "too_large",
    }
    assert protocol <= {code.split("/")[0] for code in EXPLANATIONS}
    assert {code for code, *_ in ((r[1]["error"],) for r in REFUSALS)} >= protocol


@pytest.mark.parametrize(("status", "body", "words"), REFUSALS, ids=[r[1]["error"] for r in REFUSALS])
def test_each_refusal_reads_in_vietnamese_for_the_person_who_must_act(
    app, scripted, commune, users, leader, status, body, words
):
    support.ready_day(commune, users, TODAY)
    _sign(leader, TODAY)
    scripted.answer(status, body)
    assert send_due() == {"rejected": 1}

    for path in (f"/reports/{DAY}/revisions", "/", f"/reports/{DAY}"):
        html = unescape(leader.get(path).get_data(as_text=True))
        seen = _visible(html)
        assert words in seen, path
        assert body["detail"] not in seen, f"{path}: the city's English words are folded away"
        assert body["detail"] in html, f"{path}: and still there for IT"
        assert "cần xử lý" in seen  # who must act
    dashboard = _visible(leader.get("/").get_data(as_text=True))
    assert "Thành phố từ chối báo cáo 1 ngày:" in dashboard


def test_a_day_refused_for_a_missing_ca_reaches_the_city_once_the_ca_is_enrolled(
    app, live_city, commune, users, leader, frozen_clock
):
    """The first hour of a new city, as it went: the key enrolled, the CA not. Two signed days are
    refused; nobody at the commune presses anything; the city enrols the CA; within the slow retry
    both days are received."""
    app.config["CITY_URL"] = live_city.url
    jwk = support.public_jwk()
    live_city.enrol("20242", jwk)  # the key alone: its PDFs cannot be trusted yet
    for day in (YESTERDAY, TODAY):
        support.ready_day(commune, users, day)
        _sign(leader, day)
    assert send_due() == {"rejected": 2}
    refused = support.outbox_entry()
    assert refused.refusal == "bad_pdf/untrusted_ca"
    banner = _visible(leader.get("/").get_data(as_text=True))
    assert "Thành phố từ chối báo cáo 2 ngày:" in banner
    assert "sẽ tự gửi lại" in banner

    assert send_due() == {}  # refused, and not hammered: the next try is half an hour away
    live_city.enrol("20242", jwk, support.ca_pem())  # the city's IT fixes its side
    frozen_clock.shift(dt.timedelta(minutes=31))
    assert send_due() == {"accepted": 2}
    assert len(live_city.received()) == 2
    db.session.expire_all()
    assert "Thành phố từ chối" not in _visible(leader.get("/").get_data(as_text=True))
    audit = support.audit_actions()
    assert "outbox.resend_requested" not in audit and "outbox.resend_all_refused" not in audit


def test_an_accepted_report_brings_the_days_refused_at_the_city_with_it(app, live_city, commune, users, leader):
    """Once the city accepts one report, what it lacked for the others is there: they go at once."""
    app.config["CITY_URL"] = live_city.url
    jwk = support.public_jwk()
    live_city.enrol("20242", jwk)
    support.ready_day(commune, users, YESTERDAY)
    _sign(leader, YESTERDAY)
    assert send_due() == {"rejected": 1}
    live_city.enrol("20242", jwk, support.ca_pem())
    support.ready_day(commune, users, TODAY)
    _sign(leader, TODAY)
    assert send_due() == {"accepted": 2}


def test_a_refusal_at_the_commune_waits_for_a_person_and_one_action_sends_them_all(app, scripted, commune, users):
    admin = support.signed_in(app, "admin")
    leader = support.signed_in(app, "leader")
    for day in (YESTERDAY, TODAY):
        support.ready_day(commune, users, day)
        _sign(leader, day)
    scripted.answer(422, {"error": "photo_missing", "detail": "photo abc is listed but absent"})
    scripted.answer(422, {"error": "photo_missing", "detail": "photo abc is listed but absent"})
    assert send_due() == {"rejected": 2}
    assert send_due() == {}  # the commune's own cause: never retried by itself

    page = admin.get("/").get_data(as_text=True)
    assert "Gửi lại tất cả các ngày bị từ chối" in page
    assert admin.post("/outbox/resend-refused").status_code == 303
    scripted.answer(201, {"receipt_id": "20261120-20242-AAAA", "received_at": "2026-11-20T03:00:00+00:00"})
    scripted.answer(201, {"receipt_id": "20261120-20242-BBBB", "received_at": "2026-11-20T03:00:01+00:00"})
    assert send_due() == {"accepted": 2}
    assert "outbox.resend_all_refused" in support.audit_actions()


def test_the_cli_sends_every_refused_day_again(app, scripted, commune, users, leader):
    support.ready_day(commune, users, TODAY)
    _sign(leader, TODAY)
    scripted.answer(422, {"error": "schema_violation", "detail": "x"})
    assert send_due() == {"rejected": 1}
    result = app.test_cli_runner().invoke(args=["outbox", "resend-refused"])
    assert result.exit_code == 0 and "1 refused report(s)" in result.output
    assert support.outbox_entry().state == "waiting"
