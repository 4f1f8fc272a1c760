"""Declarative mixins for the tables both apps keep alike, each in its own database under its own
name: an account that signs in (sessions that end on the server), a sign-in attempt, an API token,
a signed document's edition.
Each app's model adds its table name and its own columns; the columns here are the ones both
apps' migrations made, so a mixin changes no schema."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from flask_login import UserMixin
from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from wardapp.core.clock import utcnow


class SignInAccount(UserMixin):
    """An account that signs in with a password; its session id is ``"<id>:<generation>"``, so
    bumping the generation ends every session of the account on the server (sign-out, password
    change, deactivation, "sign out everywhere")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    def end_sessions(self) -> None:
        self.session_generation = (self.session_generation or 1) + 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


def session_user_id(session_id: str) -> int:
    """The user id in a session id ``"<id>:<generation>"`` (0, no one, when malformed)."""
    head = session_id.partition(":")[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) < 19 else 0


def user_loader(session: Any, model: Any) -> Callable[[str], Any]:
    """Flask-Login's loader for ``model``: a deactivated account, or one whose sessions were ended,
    loses its open sessions on the next request, not at the next sign-in."""

    def load(session_id: str) -> Any:
        user = session.get(model, session_user_id(session_id))
        if user is None or not user.active or user.get_id() != session_id:
            return None
        return user

    return load


class SignedEdition:
    """An edition of a signed, numbered document (its number in the register, the JSON it embeds,
    the stored PDF's hash), replaced by a newer edition rather than changed: ``superseded_at`` is
    set when one is signed (each app's model says by which, and who signed)."""

    edition: Mapped[int] = mapped_column()
    register_year: Mapped[int] = mapped_column()
    register_number: Mapped[int] = mapped_column()
    document_number: Mapped[str] = mapped_column(String(40))  # "07/BC-UBND", as printed
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # the embedded JSON, exactly
    payload_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column()  # UTC, naive, whole seconds
    superseded_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def document(self) -> dict:
        return json.loads(self.payload)

    @property
    def current(self) -> bool:
        return self.superseded_at is None


class LoginAttemptColumns:
    """One sign-in attempt, kept so every worker applies the same limits (core/throttle,
    ``platform.signin.AttemptLog``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    outcome: Mapped[str] = mapped_column(String(8))  # failed | ok | unlocked


class ApiTokenColumns:
    """A reviewer's token for automated PDF pulls. Only its hash is kept; it can be revoked. Each
    app's model adds ``user_id``, the key to its own users table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))  # the first characters, to recognise it in the list
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
