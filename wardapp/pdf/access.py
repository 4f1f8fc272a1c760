"""Who takes the commune's PDFs: each one handed out goes on the access record, and the reviewers'
API tokens for automated pulls are issued, used and revoked here (each step audited, committed)."""

from __future__ import annotations

from wardapp.audit import log as audit
from wardapp.audit.access import PDF, record_access
from wardapp.core.clock import utcnow
from wardapp.core.tokens import token_hash
from wardapp.extensions import db
from wardapp.pdf.models import ApiToken


def handed_out(name: str, user=None) -> None:
    """A PDF (or a ZIP of them) leaves the app: on the access record; commits."""
    record_access(PDF, name, user=user)


def token_user(presented: str | None):
    """The reviewer a presented token belongs to (still active and allowed to pull PDFs), its use
    noted; None otherwise. Commits."""
    if presented is None:
        return None
    token = db.session.scalar(db.select(ApiToken).filter_by(token_sha256=token_hash(presented), revoked_at=None))
    if token is None or not token.user.active or not token.user.may("pull_pdfs"):
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token.user


def issue_token(user, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the secret, shown once; commits."""
    row, secret = ApiToken.issue(user, name)
    db.session.add(row)
    audit.record("token.created", target_type="token", target_id=row.hint, summary=name)
    db.session.commit()
    return row, secret


def revoke_token(row: ApiToken) -> None:
    """Stop a token from working (once: revoking it again changes nothing); commits."""
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    audit.record("token.revoked", target_type="token", target_id=row.hint, summary=row.name)
    db.session.commit()
