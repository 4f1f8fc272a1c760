from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.core import tokens
from wardapp.extensions import Model
from wardapp.platform.models import ApiTokenColumns

TOKEN_PREFIX = "wda_"  # noqa: S105 - a prefix, not a secret


class ApiToken(ApiTokenColumns, Model):
    """A commune reviewer's token (``platform.models.ApiTokenColumns``), with when it was last used."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()

    user = relationship("User")

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        issued = tokens.issue(TOKEN_PREFIX)
        return cls(user_id=user.id, name=name, token_sha256=issued.sha256, hint=issued.hint), issued.token
