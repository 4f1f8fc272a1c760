from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wardapp import permissions
from wardapp.audit.snapshots import Audited
from wardapp.core.clock import utcnow
from wardapp.extensions import Model, db, login_manager
from wardapp.permissions import Action, Role
from wardapp.platform.models import LoginAttemptColumns, SignInAccount, user_loader

__all__ = ["LoginAttempt", "Role", "User"]


class User(Audited, SignInAccount, Model):
    """A commune account (``platform.models.SignInAccount``: username, password, active, sessions)."""

    AUDITED = ("username", "full_name", "position", "role", "active", "locale")

    __tablename__ = "users"

    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    full_name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def may(self, action: Action) -> bool:
        return permissions.may(self, action)


load_user = login_manager.user_loader(user_loader(db.session, User))


class LoginAttempt(LoginAttemptColumns, Model):
    __tablename__ = "login_attempts"
