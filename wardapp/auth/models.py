from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from wardapp.core.clock import utcnow
from wardapp.extensions import db


class Role(StrEnum):
    STAFF = "staff"
    LEADER = "leader"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.STAFF: _l("Cán bộ một cửa"),
    Role.LEADER: _l("Lãnh đạo UBND"),
    Role.REVIEWER: _l("Cán bộ thẩm định (thành phố)"),
    Role.ADMIN: _l("Quản trị hệ thống"),
}

# Who may change the day's figures; everyone logged in may read them.
EDITORS = (Role.STAFF, Role.LEADER)


class User(UserMixin, db.Model):
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

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def can_edit_reports(self) -> bool:
        return self.role in EDITORS

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
