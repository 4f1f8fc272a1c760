"""API tokens for automated pulls: issued once, only their hash is ever stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown to its owner once
    sha256: str  # stored
    hint: str  # stored, to recognise the token in a list


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(prefix: str) -> IssuedToken:
    token = prefix + secrets.token_urlsafe(32)
    return IssuedToken(token=token, sha256=token_hash(token), hint=token[:10])


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    return authorization[7:].strip() or None
