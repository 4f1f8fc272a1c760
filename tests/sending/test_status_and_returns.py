"""The commune asks the city about what it sent; a reviewer's return, with its comment, reaches the
leader on that day's report (PROTOCOL "Status and returns")."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import OKPKey

from wardapp.delivery.sender import poll_statuses, send_due, status_token
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = TODAY.isoformat()
COMMENT = "Số hồ sơ trực tuyến không khớp với Cổng dịch vụ công, đề nghị kiểm tra lại."


@pytest.fixture
def sent(app, wired, commune, users):
    """Today's report signed and accepted by the city: its report_id."""
    report = support.ready_day(commune, users, TODAY, photos=1)
    rev = sign_report(commune, report, users["leader"], "Chờ số liệu")
    assert send_due() == {"accepted": 1}
    return rev.report_key


def claims(url: str, **overrides) -> dict:
    now = int(time.time())
    return {"iss": "20242", "aud": url, "iat": now, "exp": now + 300} | overrides


def test_it_answers_the_state_of_a_received_report(wired, sent):
    response = support.status(wired.url, sent, status_token(wired.url))

    assert response.status_code == 200
    body = response.json()
    [stored] = wired.received()
    assert body == {
        "report_id": sent,
        "receipt_id": stored["receipt_id"],
        "received_at": body["received_at"],
        "state": "received",
        "comment": None,
        "returned_at": None,
        "returned_by": None,
        "accepted_at": None,  # additive: a reviewer's acceptance (test_review_reaches_commune.py)
        "accepted_by": None,
    }


def test_it_brings_a_citys_return_and_its_comment_to_the_leader(app, wired, sent, leader):
    wired.make_user(full_name="Trần Văn Thẩm")
    reviewer = wired.signed_in()

    returned = reviewer.post(f"/reports/{sent}/return", data={"comment": COMMENT})
    assert returned.status_code == 303
    assert poll_statuses() == 1

    rev = support.revision()
    assert rev.city_state == "returned" and rev.city_comment == COMMENT
    assert rev.returned_by == "Trần Văn Thẩm" and rev.returned_at is not None
    page = leader.get(f"/reports/{DAY}/revisions").get_data(as_text=True)
    assert "Thành phố trả lại" in page
    assert COMMENT in page and "Trần Văn Thẩm" in page
    assert "report.returned" in support.audit_actions()
    assert poll_statuses() == 0  # polled recently: not asked again at once


def test_it_refuses_to_return_a_report_without_a_comment(app, wired, sent):
    wired.make_user()
    reviewer = wired.signed_in()

    page = reviewer.post(f"/reports/{sent}/return", data={"comment": "  "}, follow_redirects=True)

    assert "Hãy ghi ý kiến khi trả lại báo cáo." in page.get_data(as_text=True)
    assert wired.received()[0]["state"] == "received"


def test_it_answers_a_return_with_a_correction_that_supersedes_the_returned_revision(
    app, wired, sent, commune, users, leader
):
    wired.make_user()
    wired.signed_in().post(f"/reports/{sent}/return", data={"comment": COMMENT})
    poll_statuses()

    assert leader.post(f"/reports/{DAY}/correct", data={"reason": "Trả lời ý kiến của thành phố"}).status_code == 303
    report = support.revision().report
    assert sign_report(commune, report, users["leader"], "Sửa theo ý kiến").supersedes == sent
    assert send_due() == {"accepted": 1}

    returned, correction = wired.received()
    assert returned["state"] == "returned"
    assert correction["supersedes"] == sent and correction["revision"] == 2


def test_it_asks_for_a_bearer_token(wired, sent):
    response = support.status(wired.url, sent, None)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_it_refuses_a_token_whose_signature_does_not_verify(app, wired, sent):
    intruder = OKPKey.generate_key("Ed25519")
    token = support.status_token(claims(wired.url), key=intruder, kid=support.keys.active_row().kid)

    assert support.status(wired.url, sent, token).status_code == 401


def test_it_refuses_a_token_from_an_unknown_key(app, wired, sent):
    token = support.status_token(claims(wired.url), key=OKPKey.generate_key("Ed25519"))

    response = support.status(wired.url, sent, token)

    assert response.status_code == 401 and response.json()["error"] == "unknown_key"


@pytest.mark.parametrize(
    "change",
    [
        lambda now: {"aud": "https://giamsat.danang.gov.vn"},
        lambda now: {"iss": "20194"},
        lambda now: {"iat": now, "exp": now + 301},  # lives longer than five minutes
        lambda now: {"iat": now - 600, "exp": now - 300},  # expired
        lambda now: {"iat": now + 3600, "exp": now + 3700},  # issued in the future
        lambda now: {"iat": "now"},
    ],
    ids=["wrong aud", "another iss", "exp - iat > 300", "expired", "future iat", "iat not a number"],
)
def test_it_refuses_a_token_with_the_wrong_claims(app, wired, sent, change):
    token = support.status_token(claims(wired.url, **change(int(time.time()))))

    assert support.status(wired.url, sent, token).status_code == 401


def test_it_refuses_to_tell_a_commune_about_another_communes_report(app, wired, sent):
    response = support.status(wired.url, f"20194:{DAY}:r1", status_token(wired.url))

    assert response.status_code == 403


def test_it_answers_404_for_a_report_it_never_received(app, wired, sent):
    response = support.status(wired.url, f"20242:{DAY}:r7", status_token(wired.url))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "report_id",
    [f"20242:{DAY}:r1" + "0" * 40, f"20242:{DAY}:r{'9' * 30}", "20242:" + "x" * 60],
    ids=["long revision", "huge revision", "long garbage"],
)
def test_it_answers_404_for_an_id_that_is_no_report_id_whatever_its_length(app, wired, sent, report_id):
    """Found on PostgreSQL: an id longer than the log's column answered 500 (SQLite never checks)."""
    response = support.status(wired.url, report_id, status_token(wired.url))

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    [logged] = [e for e in wired.log() if e["path"].endswith("/status")]
    assert (logged["status"], logged["report_id"], logged["commune_code"]) == (404, None, "20242")


def test_it_logs_every_status_request_at_the_city(app, wired, sent):
    support.status(wired.url, sent, None)
    support.status(wired.url, sent, status_token(wired.url))

    statuses = [(e["method"], e["status"]) for e in wired.log() if e["path"].endswith("/status")]
    assert statuses == [("GET", 401), ("GET", 200)]
