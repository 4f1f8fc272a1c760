"""Signing in, and creating and changing accounts: the rules shared by the pages and the CLI."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from wardapp.audit import log as audit
from wardapp.auth.models import User
from wardapp.core.clock import utcnow
from wardapp.core.i18n import fmt_time
from wardapp.extensions import db
from wardapp.permissions import Role

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD = 8


@dataclass
class LoginResult:
    user: User | None
    error: str | None


def authenticate(username: str, password: str) -> LoginResult:
    """Check a sign-in, counting failures and locking after too many. Commits its bookkeeping."""
    config = current_app.config
    now = utcnow()
    user = db.session.scalar(db.select(User).filter_by(username=username.strip().lower()))
    if user is None:
        audit.record("login.failed", summary=f"unknown username {username[:40]!r}")
        db.session.commit()
        return LoginResult(None, _("Sai tên đăng nhập hoặc mật khẩu."))
    if user.is_locked(now):
        audit.record("login.refused_locked", target_type="user", target_id=user.id, actor=user)
        db.session.commit()
        return LoginResult(
            None,
            _(
                "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Thử lại sau %(time)s.",
                time=fmt_time(user.locked_until),
            ),
        )
    if not user.check_password(password):
        user.register_failed_login(now, config["LOGIN_MAX_ATTEMPTS"], config["LOGIN_LOCK_MINUTES"])
        audit.record("login.failed", target_type="user", target_id=user.id, actor=user)
        db.session.commit()
        if user.is_locked(now):
            return LoginResult(
                None,
                _(
                    "Sai mật khẩu %(n)s lần liên tiếp: tài khoản bị tạm khóa %(minutes)s phút.",
                    n=config["LOGIN_MAX_ATTEMPTS"],
                    minutes=config["LOGIN_LOCK_MINUTES"],
                ),
            )
        left = config["LOGIN_MAX_ATTEMPTS"] - user.failed_logins
        return LoginResult(
            None,
            _(
                "Sai tên đăng nhập hoặc mật khẩu. Còn %(left)s lần thử trước khi tài khoản bị tạm khóa.",
                left=left,
            ),
        )
    if not user.active:
        audit.record("login.refused_inactive", target_type="user", target_id=user.id, actor=user)
        db.session.commit()
        return LoginResult(None, _("Tài khoản đã bị vô hiệu hóa. Liên hệ quản trị hệ thống của xã/phường."))
    user.register_login(now)
    audit.record("login", target_type="user", target_id=user.id, actor=user)
    db.session.commit()
    return LoginResult(user, None)


def check_user_fields(data: dict, *, creating: bool, user_id: int | None = None) -> dict[str, str]:
    """Field → message for account data; empty when it is fine."""
    errors: dict[str, str] = {}
    if creating:
        username = data.get("username", "")
        if not USERNAME_RE.match(username):
            errors["username"] = _("Từ 3 đến 64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.")
        elif db.session.scalar(db.select(User.id).filter_by(username=username)) not in (None, user_id):
            errors["username"] = _("Tên đăng nhập này đã có người dùng.")
    if not data.get("full_name"):
        errors["full_name"] = _("Nhập họ và tên (hiển thị trên báo cáo đã ký).")
    elif len(data["full_name"]) > 120:
        errors["full_name"] = _("Tối đa 120 ký tự.")
    if len(data.get("position", "")) > 120:
        errors["position"] = _("Tối đa 120 ký tự.")
    if data.get("role") not in [r.value for r in Role]:
        errors["role"] = _("Chọn một vai trò.")
    password = data.get("password", "")
    if (creating or password) and len(password) < MIN_PASSWORD:
        errors["password"] = _("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_PASSWORD)
    return errors


def normalise_user_fields(form) -> dict:
    return {
        "username": form.get("username", "").strip().lower(),
        "full_name": " ".join(form.get("full_name", "").split()),
        "position": " ".join(form.get("position", "").split()),
        "role": form.get("role", ""),
        "password": form.get("password", ""),
        "active": form.get("active") in ("1", "on", "true", "y"),
    }


def create_user(data: dict, commune_id: int, actor=None) -> User:
    user = User(
        commune_id=commune_id,
        username=data["username"],
        full_name=data["full_name"],
        position=data.get("position", ""),
        role=data["role"],
        active=True,
    )
    user.set_password(data["password"])
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        target_type="user",
        target_id=user.id,
        after=user.snapshot(),
        actor=actor,
        summary=f"{user.username} ({user.role})",
    )
    return user


def update_user(user: User, data: dict, actor=None) -> None:
    before = user.snapshot()
    user.full_name = data["full_name"]
    user.position = data["position"]
    user.role = data["role"]
    user.active = data["active"]
    if data.get("password"):
        user.set_password(data["password"])
        user.failed_logins = 0
        user.locked_until = None
    old, new = audit.changes(before, user.snapshot())
    if data.get("password"):
        new["password"] = "changed"  # noqa: S105 - what the audit line says, never the password
    if old or new:
        action = "user.role_changed" if "role" in new else "user.updated"
        if "active" in new:
            action = "user.deactivated" if not user.active else "user.reactivated"
        audit.record(
            action, target_type="user", target_id=user.id, before=old, after=new, actor=actor, summary=user.username
        )
