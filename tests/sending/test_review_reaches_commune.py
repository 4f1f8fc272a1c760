"""A city reviewer's acceptance reaches the commune: the status API answers "accepted" (PROTOCOL
section 4, additive), the sender records it, and the leader reads "Thành phố đã duyệt" on the day
and on its revisions; a correction of the accepted day is received, shown at the city as made after
the acceptance, and is the commune's accepted day only once accepted again."""

from __future__ import annotations

import pytest

from wardapp.delivery.sender import poll_statuses, send_due, status_token
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = TODAY.isoformat()


@pytest.fixture
def sent(app, wired, commune, users):
    report = support.ready_day(commune, users, TODAY, photos=1)
    rev = sign_report(commune, report, users["leader"], "Chờ số liệu")
    assert send_due() == {"accepted": 1}
    return rev.report_key


def test_the_commune_sees_the_citys_acceptance_and_a_correction_needs_accepting_again(
    app, wired, sent, commune, users, leader
):
    wired.make_user(full_name="Trần Văn Thẩm")
    reviewer = wired.signed_in()
    assert reviewer.post(f"/reports/{sent}/accept").status_code == 303

    body = support.status(wired.url, sent, status_token(wired.url)).json()
    assert body["state"] == "accepted" and body["accepted_by"] == "Trần Văn Thẩm"
    assert body["accepted_at"].endswith("+00:00")
    assert poll_statuses() == 1
    assert support.revision().city_state == "accepted"
    assert "report.accepted" in support.audit_actions()
    for page in (f"/reports/{DAY}/revisions", f"/reports/{DAY}", "/"):
        assert "Thành phố đã duyệt" in leader.get(page).get_data(as_text=True), page

    # The leader corrects the accepted day: the city receives it as new, said to follow an acceptance.
    assert leader.post(f"/reports/{DAY}/correct", data={"reason": "Bổ sung hồ sơ bưu chính"}).status_code == 303
    correction = sign_report(commune, support.revision().report, users["leader"], "Sửa sau khi duyệt")
    assert send_due() == {"accepted": 1}
    review = reviewer.get(f"/review?from={DAY}&to={DAY}").get_data(as_text=True)
    assert "sửa sau khi đã duyệt" in review and 'data-review="new"' in review
    assert support.status(wired.url, correction.report_key, status_token(wired.url)).json()["state"] == "received"
    poll_statuses()
    day_page = leader.get(f"/reports/{DAY}").get_data(as_text=True)
    assert "Thành phố đã nhận" in day_page and "Thành phố đã duyệt" not in day_page

    reviewer.post("/review/accept", data={"from": DAY, "to": DAY, "province": "48"})
    support.outbox_entry(2).last_polled_at = None  # due again at once
    assert poll_statuses() == 1
    assert support.revision(2).city_state == "accepted"


def test_a_return_after_acceptance_reaches_the_commune(app, wired, sent, leader):
    wired.make_user()
    reviewer = wired.signed_in()
    reviewer.post(f"/reports/{sent}/accept")
    poll_statuses()
    support.outbox_entry().last_polled_at = None

    reviewer.post(f"/reports/{sent}/return", data={"comment": "Số trực tuyến chưa khớp"})

    assert poll_statuses() == 1
    assert support.revision().city_state == "returned"
    assert "Thành phố trả lại" in leader.get(f"/reports/{DAY}/revisions").get_data(as_text=True)


def test_the_outbox_status_command_prints_the_citys_decision(app, wired, sent):
    wired.make_user()
    reviewer = wired.signed_in()

    def status() -> str:
        return app.test_cli_runner().invoke(args=["outbox", "status"]).output

    assert "city=" not in status()  # received, nobody decided yet

    reviewer.post(f"/reports/{sent}/accept")
    poll_statuses()
    accepted = status()
    assert sent in accepted and "city=accepted (Thành phố đã duyệt)" in accepted

    support.outbox_entry().last_polled_at = None
    reviewer.post(f"/reports/{sent}/return", data={"comment": "Số trực tuyến chưa khớp"})
    poll_statuses()
    assert "city=returned (Thành phố trả lại: Số trực tuyến chưa khớp)" in status()
