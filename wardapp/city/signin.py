"""Signing in at the city: the shared limits of core/throttle over the city's own attempts table,
one answer for every refusal, sessions that end on the server, and the city's audit lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from werkzeug.security import check_password_hash

from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityAudit, CityLoginAttempt, CityUser
from wardapp.core import throttle
from wardapp.core.clock import utcnow
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.platform.signin import AttemptLog, Lock, dummy_hash

# The audit's actions in the admin's words on the security page (the key is kept in the row).
ACTIONS = {
    "login": _l("Đăng nhập"),
    "login.failed": _l("Đăng nhập sai"),
    "login.refused_inactive": _l("Từ chối đăng nhập: tài khoản đã vô hiệu hóa"),
    "login.refused_locked": _l("Từ chối đăng nhập: tài khoản tạm khóa"),
    "login.throttled": _l("Chặn đăng nhập: quá nhiều lần sai từ một địa chỉ"),
    "login.unlocked": _l("Mở khóa đăng nhập"),
    "sessions.ended": _l("Kết thúc phiên đăng nhập"),
    "commune.enrolled": _l("Xã/phường được kết nối"),
    "key.added": _l("Thêm khóa cho xã/phường"),
    "key.confirm_failed": _l("Xác nhận thêm khóa sai mật khẩu"),
    "review.accepted": _l("Duyệt báo cáo ngày"),
    "review.returned": _l("Trả lại báo cáo ngày"),
    "flag.checked": _l("Đánh dấu đã kiểm tra số liệu bất thường"),
    "oneshop.imported": _l("Nhập dữ liệu hệ thống một cửa của tỉnh"),
}


@dataclass
class SignIn:
    user: CityUser | None
    error: str | None
    throttled: bool = False


ATTEMPTS = AttemptLog(db.session, CityLoginAttempt)


def limits() -> throttle.Limits:
    return throttle.Limits.from_settings(current_app.config)


def record(action: str, target: str = "", detail: str = "", actor: str = "") -> None:
    """An audit line in the current transaction (it commits with what it records)."""
    db.session.add(
        CityAudit(
            at=utcnow(),
            actor=actor[:64],
            ip=request.remote_addr if has_request_context() else None,
            action=action[:40],
            target=target[:80],
            detail=detail[:2000],
        )
    )


def note_attempt(username: str, ip: str | None, outcome: str, now: dt.datetime | None = None) -> None:
    ATTEMPTS.note(username, ip, outcome, now or utcnow())


def authenticate(username: str, password: str, ip: str | None) -> SignIn:
    """Check a city sign-in under the per-address and per-account limits. Commits its bookkeeping.

    Every refusal (unknown name, wrong password, deactivated, locked) reads the same and costs
    one password hash check."""
    now = utcnow()
    rules = limits()
    name = throttle.normalise_username(username)
    decision = ATTEMPTS.decide(name, ip, now, rules)
    user = db.session.scalar(db.select(CityUser).filter_by(username=name)) if name else None
    password_ok = check_password_hash(user.password_hash if user else dummy_hash(), password)
    if decision is throttle.Decision.ADDRESS_THROTTLED:
        note_attempt(name, ip, throttle.FAILED, now)
        record("login.throttled", name)
        db.session.commit()
        return SignIn(
            None,
            _(
                "Quá nhiều lần đăng nhập sai từ địa chỉ này. Thử lại sau %(minutes)s phút.",
                minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            ),
            throttled=True,
        )
    if user is None or not password_ok or not user.active or decision is throttle.Decision.ACCOUNT_LOCKED:
        note_attempt(name, ip, throttle.FAILED, now)
        reason = "failed"
        if user is not None and password_ok:
            reason = "refused_locked" if user.active else "refused_inactive"
        record(f"login.{reason}", name)
        db.session.commit()
        return SignIn(None, _("Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa."))
    note_attempt(name, ip, throttle.SUCCEEDED, now)
    record("login", name, actor=name)
    db.session.commit()
    return SignIn(user, None)


def confirm_password(user: CityUser, password: str, ip: str | None) -> bool:
    """A second step for a sensitive change: the signed-in user types their password again.
    A wrong one counts as a failed sign-in (so it cannot be guessed at leisure)."""
    now = utcnow()
    rules = limits()
    allowed = ATTEMPTS.decide(user.username, ip, now, rules) is throttle.Decision.ALLOW
    ok = check_password_hash(user.password_hash, password) and allowed
    if not ok:
        note_attempt(user.username, ip, throttle.FAILED, now)
    return ok


def current_locks() -> list[Lock]:
    """Accounts locked right now (for anyone outside their owners' usual places), with sources."""
    now = utcnow()
    rules = limits()
    names = db.session.scalars(
        db.select(CityLoginAttempt.username)
        .filter(CityLoginAttempt.outcome == throttle.FAILED, CityLoginAttempt.at >= now - rules.window)
        .distinct()
    ).all()
    return [lock for name in sorted(names) if (lock := ATTEMPTS.lock_of(name, now, rules)) is not None]


def unlock(username: str, actor: str) -> None:
    note_attempt(username, None, throttle.UNLOCKED)
    record("login.unlocked", username, actor=actor)


def end_sessions(user: CityUser, reason: str) -> None:
    user.end_sessions()
    record("sessions.ended", user.username, reason, actor=user.username)


def session_user_id(session_id: str) -> int:
    """The user id in a session id ``"<id>:<generation>"`` (0, no one, when malformed)."""
    head = session_id.partition(":")[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) < 19 else 0
