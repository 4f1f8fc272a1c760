"""The account policy both apps apply when an account is made or a password is set: what a
username may be and how short a password may not be. Checked when an account is created or its
password changed, never at sign-in, so an older account keeps working as it is."""

from __future__ import annotations

import re

from wardapp.core.i18n import gettext as _

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD = 8


def username_problem(username: str) -> str | None:
    """Why ``username`` (already stripped and lower-cased) may not name an account, or None."""
    if USERNAME_RE.match(username):
        return None
    return _("Từ 3 đến 64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.")


def password_problem(password: str) -> str | None:
    """Why ``password`` is too weak to set, or None."""
    if len(password) >= MIN_PASSWORD:
        return None
    return _("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_PASSWORD)
