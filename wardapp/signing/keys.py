"""The commune's Ed25519 signing keys: private halves under ``instance/keys`` (owner-only),
public halves in the database so old reports still verify after a rotation."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import current_app
from joserfc.jwk import OKPKey

from wardapp.audit import log as audit
from wardapp.core.clock import utcnow
from wardapp.extensions import db
from wardapp.signing.models import SigningKey


class KeyMissing(RuntimeError):
    pass


def keys_dir() -> Path:
    path = Path(current_app.instance_path) / "keys"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def public_jwk(key: OKPKey) -> dict:
    """RFC 8037 public JWK with its RFC 7638 thumbprint as ``kid``."""
    return {**key.as_dict(private=False), "kid": key.thumbprint()}


def _write_private(key: OKPKey) -> None:
    path = keys_dir() / f"{key.thumbprint()}.jwk"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(key.as_dict(private=True), fh)


def _new_key(actor=None) -> SigningKey:
    key = OKPKey.generate_key("Ed25519")
    _write_private(key)
    row = SigningKey(kid=key.thumbprint(), public_jwk=public_jwk(key))
    db.session.add(row)
    audit.record("key.created", target_type="key", target_id=row.kid, actor=actor)
    return row


def active_row() -> SigningKey | None:
    return db.session.scalar(db.select(SigningKey).filter_by(retired_at=None).order_by(SigningKey.id.desc()).limit(1))


def ensure_key(actor=None) -> SigningKey:
    """The active key, made on first use (set-up)."""
    return active_row() or _new_key(actor)


def private_key(kid: str) -> OKPKey:
    path = keys_dir() / f"{kid}.jwk"
    if not path.exists():
        raise KeyMissing(f"private key {kid} is not in {keys_dir()}")
    return OKPKey.import_key(json.loads(path.read_text()))


def rotate(actor=None) -> SigningKey:
    """Retire the active key (its public half stays known) and make a new one."""
    old = active_row()
    if old is not None:
        old.retired_at = utcnow()
        audit.record("key.retired", target_type="key", target_id=old.kid, actor=actor)
    return _new_key(actor)


def verification_key(kid: str) -> OKPKey | None:
    row = db.session.scalar(db.select(SigningKey).filter_by(kid=kid))
    return None if row is None else OKPKey.import_key({k: v for k, v in row.public_jwk.items() if k != "kid"})
