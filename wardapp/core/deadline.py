"""The one lateness rule: a day's report is late when signed after that day's deadline.

Server clock, Asia/Ho_Chi_Minh. A report for 21/11 signed at 17:00:00 with a 17:00 deadline is on
time; at 17:00:01 it is late; signed any time on a later day it is late.
"""

from __future__ import annotations

import datetime as dt

from wardapp.core.clock import TZ


def deadline_moment(day: dt.date, deadline: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, deadline, tzinfo=TZ)


def is_late(day: dt.date, deadline: dt.time, signed_at: dt.datetime) -> bool:
    """``signed_at`` must be timezone-aware."""
    return signed_at > deadline_moment(day, deadline)
