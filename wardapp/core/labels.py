"""Labels of coded values that screens and documents both print, written once.

Screens show them in the reader's language (``str(label)``); documents are Vietnamese whatever
the reader's interface (``label.msgid``).
"""

from __future__ import annotations

from wardapp.core.i18n import lazy_gettext as _l

# The Response Team's members: their field of support.
TEAM_FIELDS = {
    "technology": _l("Công nghệ"),
    "professional": _l("Chuyên môn"),
    "both": _l("Công nghệ và chuyên môn"),
}

# A late dossier: resolved after its appointment, or still pending past it.
LATE_KINDS = {
    "resolved_late": _l("Giải quyết quá hạn"),
    "pending_overdue": _l("Đang giải quyết quá hạn"),
}
