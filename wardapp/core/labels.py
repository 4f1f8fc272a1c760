"""Labels of coded values that screens and documents both print, written once.

Screens show them in the reader's language (``str(label)``); documents are Vietnamese whatever
the reader's interface (``label.msgid``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l


class Labelled(StrEnum):
    """A coded value with the words a screen prints for it (``.label``), written beside it:
    ``A = "a", _l("...")``. A member left without words fails at import."""

    _label: object

    def __new__(cls, value: str, label: object = None) -> Self:
        if label is None:
            raise ValueError(f"{cls.__name__} has no label for {value!r}")
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(self._label)


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


def revision_label(revision: int) -> str:
    """A signed revision as a reader names it ("bản sửa đổi lần 2"), never its technical id."""
    if revision <= 1:
        return _("Bản ký lần đầu")
    return _("Bản sửa đổi lần %(n)s", n=revision - 1)
