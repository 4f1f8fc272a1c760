from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from wardapp import permissions
from wardapp.core.clock import utcnow
from wardapp.extensions import Model, db, login_manager
from wardapp.permissions import Action, Role

__all__ = ["LoginAttempt", "Role", "User"]


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    # Part of the id kept in the session cookie: bumping it ends every session of this account
    # on the server (sign-out, password change, deactivation, "sign out everywhere").
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    def end_sessions(self) -> None:
        self.session_generation = (self.session_generation or 1) + 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def may(self, action: Action) -> bool:
        return permissions.may(self, action)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def snapshot(self) -> dict:
        """What the audit log keeps of a user (never the password hash)."""
        return {
            "username": self.username,
            "full_name": self.full_name,
            "position": self.position,
            "role": self.role,
            "active": self.active,
            "locale": self.locale,
        }


def session_user_id(session_id: str) -> int:
    """The user id in a session id ``"<id>:<generation>"`` (0, no one, when malformed)."""
    head = session_id.partition(":")[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) < 19 else 0


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, session_user_id(user_id))
    # A deactivated account, or one whose sessions were ended (sign-out, password change), loses
    # its open sessions on the next request, not at the next login.
    if user is None or not user.active or user.get_id() != user_id:
        return None
    return user


class LoginAttempt(Model):
    """One sign-in attempt, kept so every worker applies the same limits (see core/throttle)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    outcome: Mapped[str] = mapped_column(String(8))  # failed | ok | unlocked
