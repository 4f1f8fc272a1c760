from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.core import tokens
from wardapp.core.clock import utcnow
from wardapp.extensions import Model

TOKEN_PREFIX = "wda_"  # noqa: S105 - a prefix, not a secret


class ApiToken(Model):
    """A reviewer's token for automated PDF pulls. Only its hash is stored; it can be revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))  # the first characters, to recognise it in the list
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    user = relationship("User")

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        issued = tokens.issue(TOKEN_PREFIX)
        return cls(user_id=user.id, name=name, token_sha256=issued.sha256, hint=issued.hint), issued.token
