"""Signing in, and creating and changing accounts: the rules shared by the pages and the CLI."""

from __future__ import annotations

from flask_babel import gettext as _

from wardapp.audit import log as audit
from wardapp.auth.models import LoginAttempt, User
from wardapp.core.text import problem as hidden_characters
from wardapp.extensions import db
from wardapp.permissions import Role
from wardapp.platform.accounts import password_problem, username_problem
from wardapp.platform.signin import AttemptLog, Lock, SignInFlow, SignInResult

ATTEMPTS = AttemptLog(db.session, LoginAttempt)


def refused_message() -> str:
    """One answer for every refused sign-in, whatever the reason."""
    return _(
        "Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa. "
        "Nếu cần, hãy nhờ quản trị hệ thống của xã/phường mở khóa."
    )


def audit_sign_in(action: str, name: str, user: User | None, ip: str | None) -> None:
    """The commune's audit line for a sign-in (``platform.signin.SignInFlow``)."""
    if action == "login.throttled":
        audit.record(action, summary=f"{ip}: {name[:40]!r}")
    elif user is None:
        audit.record(action, summary=f"unknown username {name[:40]!r}")
    else:
        audit.record(action, target_type="user", target_id=user.id, actor=user)


def note_last_login(user: User, now) -> None:
    user.last_login_at = now


SIGN_IN = SignInFlow(db.session, User, ATTEMPTS, audit_sign_in, refused_message, signed_in=note_last_login)


def authenticate(username: str, password: str, ip: str | None = None) -> SignInResult:
    """Check a sign-in (``SignInFlow.authenticate``); commits its bookkeeping."""
    return SIGN_IN.authenticate(username, password, ip)


def current_locks(usernames: list[str]) -> list[Lock]:
    """The accounts among ``usernames`` locked right now, with the addresses the failures came from."""
    return SIGN_IN.locks(usernames)


def unlock(user: User, actor=None) -> None:
    """An admin lets the account in again (failures before now stop counting); committed."""
    SIGN_IN.unlock(user.username)
    audit.record("user.unlocked", target_type="user", target_id=user.id, actor=actor, summary=user.username)
    db.session.commit()


def end_sessions(user: User, reason: str, actor=None) -> None:
    """Every session of the account ends on its next request; committed."""
    user.end_sessions()
    audit.record(
        "user.sessions_ended", target_type="user", target_id=user.id, actor=actor, summary=f"{user.username}: {reason}"
    )
    db.session.commit()


def sign_out(user: User) -> None:
    """The session ends on the server too: a copy of its cookie no longer signs anyone in."""
    user.end_sessions()
    audit.record("logout", target_type="user", target_id=user.id)
    db.session.commit()


def choose_locale(user: User, locale: str) -> None:
    """The interface language, kept on the account."""
    user.locale = locale
    db.session.commit()


def change_password(user: User, new: str) -> None:
    """The user's own new password: other sessions (a phone left signed in, a stolen cookie) end."""
    user.set_password(new)
    user.end_sessions()
    audit.record("user.password_changed", target_type="user", target_id=user.id, summary=user.username)
    db.session.commit()


def check_user_fields(data: dict, *, creating: bool, user_id: int | None = None) -> dict[str, str]:
    """Field → message for account data; empty when it is fine."""
    errors: dict[str, str] = {}
    if creating:
        username = data.get("username", "")
        if problem := username_problem(username):
            errors["username"] = problem
        elif db.session.scalar(db.select(User.id).filter_by(username=username)) not in (None, user_id):
            errors["username"] = _("Tên đăng nhập này đã có người dùng.")
    if not data.get("full_name"):
        errors["full_name"] = _("Nhập họ và tên (hiển thị trên báo cáo đã ký).")
    elif len(data["full_name"]) > 120:
        errors["full_name"] = _("Tối đa 120 ký tự.")
    if len(data.get("position", "")) > 120:
        errors["position"] = _("Tối đa 120 ký tự.")
    for name in ("username", "full_name", "position"):
        if name not in errors and (hidden := hidden_characters(data.get(name, ""))):
            errors[name] = hidden
    if data.get("role") not in [r.value for r in Role]:
        errors["role"] = _("Chọn một vai trò.")
    password = data.get("password", "")
    if (creating or password) and (problem := password_problem(password)):
        errors["password"] = problem
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


def add_account(data: dict, commune_id: int, actor=None) -> User:
    """An admin (or the command line) adds one account: created, audited and committed."""
    user = create_user(data, commune_id, actor)
    db.session.commit()
    return user


def create_user(data: dict, commune_id: int, actor=None) -> User:
    """The account, added to the session and audited; the caller commits (the first run commits
    it with the commune)."""
    user = User(
        commune_id=commune_id,
        username=data["username"],
        full_name=data["full_name"],
        position=data.get("position", ""),
        role=data["role"],
        active=True,
    )
    user.set_password(data["password"])
    audit.record_added("user.created", user, target_type="user", actor=actor, summary=f"{user.username} ({user.role})")
    return user


def update_user(user: User, data: dict, actor=None) -> None:
    """An admin's change to an account, audited and committed."""
    before = user.snapshot()
    user.full_name = data["full_name"]
    user.position = data["position"]
    user.role = data["role"]
    user.active = data["active"]
    if data.get("password"):
        user.set_password(data["password"])
        user.end_sessions()
        SIGN_IN.unlock(user.username)  # a new password lifts a lock
    if not user.active and before["active"]:
        user.end_sessions()
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
    db.session.commit()
