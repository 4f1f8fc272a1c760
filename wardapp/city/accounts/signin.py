"""Signing in at the city: the shared limits of core/throttle over the city's own attempts table,
one answer for every refusal, sessions that end on the server, and the city's audit lines."""

from __future__ import annotations

from flask import has_request_context, request

from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityAudit, CityLoginAttempt, CityUser
from wardapp.core import throttle
from wardapp.core.clock import utcnow
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.platform.signin import AttemptLog, Lock, SignInFlow, SignInResult, limits

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


ATTEMPTS = AttemptLog(db.session, CityLoginAttempt)


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


def audit_sign_in(action: str, name: str, user: CityUser | None, ip: str | None) -> None:
    """The city's audit line for a sign-in (``platform.signin.SignInFlow``): the name, and as actor
    only once signed in."""
    record(action, name, actor=name if action == "login" else "")


def refused_message() -> str:
    """One answer for every refused sign-in, whatever the reason."""
    return _("Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa.")


SIGN_IN = SignInFlow(db.session, CityUser, ATTEMPTS, audit_sign_in, refused_message)


def authenticate(username: str, password: str, ip: str | None) -> SignInResult:
    """Check a city sign-in (``SignInFlow.authenticate``); commits its bookkeeping."""
    return SIGN_IN.authenticate(username, password, ip)


def confirm_password(user: CityUser, password: str, ip: str | None) -> bool:
    """The signed-in user's password typed again before a sensitive change; a wrong one counts."""
    return SIGN_IN.confirm_password(user, password, ip)


def current_locks() -> list[Lock]:
    """Accounts locked right now (for anyone outside their owners' usual places), with sources."""
    names = db.session.scalars(
        db.select(CityLoginAttempt.username)
        .filter(CityLoginAttempt.outcome == throttle.FAILED, CityLoginAttempt.at >= utcnow() - limits().window)
        .distinct()
    ).all()
    return SIGN_IN.locks(sorted(names))


def unlock(username: str, actor: str) -> None:
    SIGN_IN.unlock(username)
    record("login.unlocked", username, actor=actor)


def end_sessions(user: CityUser, reason: str) -> None:
    user.end_sessions()
    record("sessions.ended", user.username, reason, actor=user.username)
