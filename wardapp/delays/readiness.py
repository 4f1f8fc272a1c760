"""Whether a day is ready to sign, as the pages ask it: the day's facts gathered once
(``delays/day.gather``), checked by the kernel's one rule (``core/readiness.check``), which
signing applies to the same facts."""

from __future__ import annotations

import datetime as dt

from wardapp.commune.models import Commune
from wardapp.core.readiness import Item, Readiness, check
from wardapp.delays.day import gather
from wardapp.reports.models import DailyReport

__all__ = ["Item", "Readiness", "readiness"]


def readiness(commune: Commune, report: DailyReport | None, day: dt.date) -> Readiness:
    return check(gather(commune, report, day))
