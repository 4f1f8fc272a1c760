"""Reminders e-mailed through a real SMTP server the test starts on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from . import support
from .conftest import TODAY

REPORTED, SILENT = support.Commune("20242"), support.Commune("20194")


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def city(make_city, noon, smtp):
    controller, _inbox = smtp
    app = make_city(CITY_SMTP_HOST="127.0.0.1", CITY_SMTP_PORT=controller.port)
    support.enrol_all(app, [REPORTED, SILENT])
    support.push(app.test_client(), support.signed(REPORTED, TODAY))
    support.make_user(app, "admin", role="admin")
    return app


def test_the_admin_sets_the_addresses_and_a_reviewer_sends_the_reminder(city, smtp):
    _controller, inbox = smtp
    admin = support.signed_in(city, "admin")

    bad = admin.post(
        "/reminders", data={"province": "48", "deadline": "17:00", "emails": "vanphong@dn.gov.vn\nkhong-hop-le"}
    )
    assert bad.status_code == 422 and "khong-hop-le" in bad.get_data(as_text=True)
    assert "vanphong@dn.gov.vn" in bad.get_data(as_text=True)  # what was typed is kept
    saved = admin.post(
        "/reminders", data={"province": "48", "deadline": "11:00", "emails": "vanphong@dn.gov.vn, skhcn@dn.gov.vn"}
    )
    assert saved.status_code == 303

    support.make_user(city, "sokhcn")
    reviewer = support.signed_in(city, "sokhcn")
    assert 'id="send-reminder"' in reviewer.get("/reminders").get_data(as_text=True)
    answer = reviewer.post("/reminders/send", data={"province": "48"})
    assert answer.status_code == 303
    [message] = inbox.messages
    assert message["To"] == "vanphong@dn.gov.vn, skhcn@dn.gov.vn"
    assert str(make_header(decode_header(message["Subject"]))) == "Nhắc gửi báo cáo ngày 20/11/2026"
    body = message.get_payload(decode=True).decode("utf-8")
    assert SILENT.unit.name in body and "hạn 11:00" in body and REPORTED.unit.name not in body
    flash = reviewer.get("/reminders").get_data(as_text=True)
    assert "Đã gửi e-mail nhắc" in flash


def test_a_server_that_does_not_answer_is_said_not_a_500(city, smtp):
    _controller, inbox = smtp
    admin = support.signed_in(city, "admin")
    admin.post("/reminders", data={"province": "48", "deadline": "17:00", "emails": "vanphong@dn.gov.vn"})
    city.config["CITY_SMTP_PORT"] = free_port()  # nothing listens there
    answer = admin.post("/reminders/send", data={"province": "48"})
    assert answer.status_code == 303
    assert "Không gửi được e-mail" in admin.get("/reminders").get_data(as_text=True)
    assert inbox.messages == []


def test_a_reviewer_of_another_province_cannot_send_its_reminder(city):
    support.make_user(city, "hue", provinces="46")
    # 404, not 403: another province's data is not confirmed to exist (city/scope.require)
    assert support.signed_in(city, "hue").post("/reminders/send", data={"province": "48"}).status_code == 404
