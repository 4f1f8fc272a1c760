"""Roles and what each may do: the one place the decorators, views and templates ask.

A view asks ``may(user, "sign")`` (or is decorated ``@allowed("sign")``), a template
``current_user.may("sign")``; nobody spells out a list of roles.
"""

from __future__ import annotations

from typing import Literal, Protocol

from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.labels import Labelled


class Role(Labelled):
    STAFF = "staff", _l("Cán bộ một cửa")
    LEADER = "leader", _l("Lãnh đạo UBND")
    REVIEWER = "reviewer", _l("Cán bộ thẩm định (thành phố)")
    ADMIN = "admin", _l("Quản trị hệ thống")


Action = Literal[
    "read",
    "edit_day",
    "explain",
    "sign",
    "resend",
    "manage_team",
    "pull_pdfs",
    "administer",
    "import_dossiers",
    "see_photos",
]

MAY: dict[str, frozenset[Role]] = {
    # Everyone signed in reads the day, its evidence and its history.
    "read": frozenset(Role),
    # The day's figures, photos, late dossiers, tasks and support cases: the center's people.
    "edit_day": frozenset({Role.STAFF, Role.LEADER}),
    # Explaining what is behind schedule and signing are the leader's alone.
    "explain": frozenset({Role.LEADER}),
    "sign": frozenset({Role.LEADER}),
    # Asking the outbox to send a signed revision again.
    "resend": frozenset({Role.LEADER, Role.ADMIN}),
    # The Response Team's decision and members (the admin keeps them when staff change).
    "manage_team": frozenset({Role.STAFF, Role.LEADER, Role.ADMIN}),
    # Downloading PDFs and API tokens for automated pulls.
    "pull_pdfs": frozenset({Role.REVIEWER, Role.LEADER, Role.ADMIN}),
    # Users, settings, the photo checklist, the audit log, the column mappings of other exports.
    "administer": frozenset({Role.ADMIN}),
    # Importing the one-stop dossier log: the center's people, and the admin who runs the exports.
    "import_dossiers": frozenset({Role.STAFF, Role.LEADER, Role.ADMIN}),
    # Opening a photo of the center (it shows citizens at the counter: personal data, Law
    # 91/2025/QH15): the staff who take them and the leader who signs them. Reviewers read the
    # signed PDF (its thumbnails are part of the signed document) and the city checks the photos'
    # hashes; the admin runs the system without looking at them. Every opening is recorded.
    "see_photos": frozenset({Role.STAFF, Role.LEADER}),
}


class HasRole(Protocol):
    role: str


def may(user: HasRole | None, action: Action) -> bool:
    role = getattr(user, "role", None)
    return role is not None and role in MAY[action]
