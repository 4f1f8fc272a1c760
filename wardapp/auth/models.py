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

__all__ = ["Role", "User"]


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
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()

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

    def is_locked(self, at: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > at

    def register_failed_login(self, at: dt.datetime, max_attempts: int, lock_minutes: int) -> None:
        self.failed_logins += 1
        if self.failed_logins >= max_attempts:
            self.locked_until = at + dt.timedelta(minutes=lock_minutes)
            self.failed_logins = 0

    def register_login(self, at: dt.datetime) -> None:
        self.failed_logins = 0
        self.locked_until = None
        self.last_login_at = at

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


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    # A deactivated account loses its open sessions on the next request, not at next login.
    return user if user is not None and user.active else None
