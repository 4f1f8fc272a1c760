"""Reminders by e-mail, through the SMTP server the city configures (``CITY_SMTP_HOST``); without
one the reminder page only offers the text to copy."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from flask import current_app


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server (the reason is in the message)."""


def configured() -> bool:
    return bool(current_app.config.get("CITY_SMTP_HOST"))


def addresses(text: str) -> tuple[list[str], list[str]]:
    """The e-mail addresses of a text, one a line or separated by commas: (valid, refused)."""
    good, bad = [], []
    for item in text.replace(",", "\n").replace(";", "\n").splitlines():
        item = item.strip()
        if not item:
            continue
        _name, address = parseaddr(item)
        local, _, domain = address.partition("@")
        if address == item and local and "." in domain and " " not in address:
            good.append(address)
        else:
            bad.append(item)
    return list(dict.fromkeys(good)), bad


def send(recipients: list[str], subject: str, body: str) -> None:
    """Hand one plain-text message to the configured SMTP server (STARTTLS and login if set)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["CITY_SMTP_SENDER_NAME"], config["CITY_SMTP_FROM"]))
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["CITY_SMTP_HOST"], int(config["CITY_SMTP_PORT"]), timeout=15) as smtp:
            if config["CITY_SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["CITY_SMTP_USERNAME"]:
                smtp.login(config["CITY_SMTP_USERNAME"], config["CITY_SMTP_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
