"""Whether a plan task is behind schedule: the one rule, used everywhere.

A task is behind schedule on a day when it is not done and either its deadline has passed, or
its progress trails the share of its time already elapsed by more than the tolerance (in
percentage points). On the deadline day itself the deadline has not passed yet: all of the
time has elapsed, so anything short of 100% minus the tolerance is behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    behind: bool
    overdue: bool  # deadline passed and not done
    expected: float  # percent of the time elapsed, 0..100
    percent: int

    @property
    def gap(self) -> float:
        return self.expected - self.percent


def elapsed_share(start: dt.date, deadline: dt.date, day: dt.date) -> float:
    """Share of the task's time elapsed at the end of ``day``, from 0.0 to 1.0."""
    if day < start:
        return 0.0
    span = (deadline - start).days
    if span <= 0 or day >= deadline:
        return 1.0
    return (day - start).days / span


def elapsed_percent(start: dt.date, deadline: dt.date, day: dt.date) -> float:
    """The same share in percent, 0..100. Multiplied before dividing, so whole percentages are
    exact: 100 * (11 / 20) is 55.00000000000001, which would put a task exactly at the tolerance
    behind schedule."""
    if day < start:
        return 0.0
    span = (deadline - start).days
    if span <= 0 or day >= deadline:
        return 100.0
    return 100 * (day - start).days / span


def schedule(start: dt.date, deadline: dt.date, percent: int, day: dt.date, tolerance: int) -> Schedule:
    expected = elapsed_percent(start, deadline, day)
    if percent >= 100:
        return Schedule(False, False, expected, percent)
    overdue = day > deadline
    behind = overdue or (expected - percent) > tolerance
    return Schedule(behind, overdue, expected, percent)


def is_behind(start: dt.date, deadline: dt.date, percent: int, day: dt.date, tolerance: int) -> bool:
    return schedule(start, deadline, percent, day, tolerance).behind
