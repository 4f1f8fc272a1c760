"""The city's accounts: making one under the shared policy, ending its sessions, unlocking a
sign-in, API tokens. Each step commits and writes its audit line here, never in a view."""

from __future__ import annotations

from sqlalchemy import select

from wardapp.city.accounts import scope, signin
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityApiToken, CityUser
from wardapp.core.clock import utcnow
from wardapp.core.i18n import gettext as _
from wardapp.core.tokens import IssuedToken, token_hash
from wardapp.core.tokens import issue as issue_token
from wardapp.platform.accounts import password_problem, username_problem


class AccountError(ValueError):
    """An account the policy refuses; ``field`` names what to correct."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def create_user(
    username: str, full_name: str, role: str, provinces: tuple[str, ...], password: str, *, actor: str = ""
) -> CityUser:
    """A city account under the commune's account policy (``platform.accounts``: the username's
    form, the password's length), seeing ``provinces`` (all served when empty). Audited; the
    caller commits. Existing accounts are never checked again: their passwords keep working."""
    username = username.strip().lower()
    for field, problem in (("username", username_problem(username)), ("password", password_problem(password))):
        if problem:
            raise AccountError(field, problem)
    if db.session.scalar(select(CityUser.id).filter_by(username=username)) is not None:
        raise AccountError("username", _("Tên đăng nhập này đã có người dùng."))
    unknown = [c for c in provinces if c not in scope.served()]
    if unknown:
        raise AccountError("provinces", f"not served by this intake: {', '.join(unknown)}")
    user = CityUser(username=username, full_name=full_name, role=role, provinces=",".join(provinces))
    user.set_password(password)
    db.session.add(user)
    signin.record("user.created", username, f"{role}; provinces {','.join(provinces) or 'all served'}", actor=actor)
    return user


def set_password(username: str, password: str, *, actor: str) -> CityUser:
    """A new password for an existing account, under the same policy as a new one; every session of
    the account ends (a stolen cookie stops with the old password). Audited and committed. This is
    how an account made before the policy comes to meet it."""
    user = db.session.scalar(select(CityUser).filter_by(username=username.strip().lower()))
    if user is None:
        raise AccountError("username", _("Không có tài khoản này."))
    problem = password_problem(password)
    if problem:
        raise AccountError("password", problem)
    user.set_password(password)
    signin.record("user.password_set", user.username, "", actor=actor)
    signin.end_sessions(user, "password set")
    db.session.commit()
    return user


def sign_out(user: CityUser, reason: str) -> None:
    """End every session of ``user`` on the server (a copy of the cookie no longer signs anyone in)."""
    signin.end_sessions(user, reason)
    db.session.commit()


def unlock(typed_username: str, actor: str) -> str:
    """Lift the lock on a sign-in name; the name as the lock knows it."""
    username = signin.throttle.normalise_username(typed_username)
    signin.unlock(username, actor)
    db.session.commit()
    return username


def issue(user: CityUser, typed_name: str) -> IssuedToken:
    """A new API token for ``user`` (shown once: only its hash is kept)."""
    name = " ".join(typed_name.split())[:80] or "API"
    issued = issue_token("wdc_")
    db.session.add(CityApiToken(user_id=user.id, name=name, hint=issued.hint, token_sha256=issued.sha256))
    db.session.commit()
    return issued


def tokens_of(user: CityUser) -> list[CityApiToken]:
    return list(db.session.scalars(db.select(CityApiToken).filter_by(user_id=user.id).order_by(CityApiToken.id.desc())))


def revoke(user: CityUser, token_id: int) -> bool:
    """Revoke one of ``user``'s own tokens; False when it is not theirs (or not at all)."""
    row = db.session.get(CityApiToken, token_id)
    if row is None or row.user_id != user.id:
        return False
    row.revoked_at = row.revoked_at or utcnow()
    db.session.commit()
    return True


def token_user(presented: str | None) -> CityUser | None:
    """The active user a presented API token belongs to, if it is valid and not revoked."""
    if presented is None:
        return None
    # A deactivated reviewer's tokens stop working with the account, as they do at the commune.
    return db.session.scalar(
        db.select(CityUser)
        .join(CityApiToken, CityApiToken.user_id == CityUser.id)
        .filter(
            CityApiToken.token_sha256 == token_hash(presented),
            CityApiToken.revoked_at.is_(None),
            CityUser.active.is_(True),
        )
    )
