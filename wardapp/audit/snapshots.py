"""What the audit log keeps of a row: the columns it names, as plain JSON values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from wardapp.audit.log import changes


def plain(value: object) -> object:
    """A day or a moment as ISO text (the audit log is JSON); anything else as it is."""
    if isinstance(value, dt.date):  # a datetime is a date too
        return value.isoformat()
    return value


class Audited:
    """A row whose ``snapshot()`` goes into the audit log (``before``/``after``): the attributes
    named in ``AUDITED``, in that order. A row that keeps something else (a renamed key, a time
    without seconds) writes its own ``snapshot``."""

    AUDITED: ClassVar[tuple[str, ...]] = ()

    def snapshot(self) -> dict:
        return {name: plain(getattr(self, name)) for name in self.AUDITED}

    def change(self, values: Mapping[str, object]) -> tuple[dict, dict]:
        """Set ``values``; what of the snapshot changed, as ``(before, after)`` for the audit line
        (both empty when nothing did)."""
        before = self.snapshot()
        for name, value in values.items():
            setattr(self, name, value)
        return changes(before, self.snapshot())
