"""The record of processing: who opened which photo, PDF or package, and when (issue 26).

A view calls ``record_access`` and commits; the admin reads the list on the audit page. The rows
are kept ``log_retention_months`` (``flask --app wsgi retention run`` purges older ones)."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from wardapp.audit.models import AccessRecord
from wardapp.extensions import db

PHOTO, THUMBNAIL, PDF, PACKAGE = "photo", "thumbnail", "pdf", "package"


def record_access(kind: str, target: str, user=None) -> None:
    """Add the line to the session and commit it (a download answers after this)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    db.session.add(
        AccessRecord(
            user_id=getattr(user, "id", None),
            username=getattr(user, "username", None) or "-",
            role=getattr(user, "role", None) or "-",
            kind=kind,
            target=target[:120],
            ip=request.remote_addr if has_request_context() else None,
        )
    )
    db.session.commit()
