"""The one behind-schedule rule: a task is behind when it is not done and either its deadline has
passed, or its progress trails the share of its time already elapsed by MORE than the tolerance.

Most cases use a task of ten days, 1 to 11 July 2025, so each day is ten percentage points of time.
"""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.core.schedule import is_behind, schedule
from wardapp.extensions import db
from wardapp.tasks.models import Task, TaskProgress
from wardapp.tasks.operations import behind_tasks, task_states

START = dt.date(2025, 7, 1)
DEADLINE = dt.date(2025, 7, 11)


def day(n: int) -> dt.date:
    """The n-th day after the start (0 = the start day, 10 = the deadline day)."""
    return START + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("on", "percent", "tolerance", "behind"),
    [
        pytest.param(day(-1), 0, 0, False, id="the day before the start, nothing done"),
        pytest.param(day(0), 0, 0, False, id="the start day, nothing done, no tolerance"),
        pytest.param(day(5), 30, 20, False, id="half the time gone, 30%: exactly at the tolerance"),
        pytest.param(day(5), 29, 20, True, id="half the time gone, 29%: one point past the tolerance"),
        pytest.param(day(5), 50, 0, False, id="tolerance 0: progress equal to the time elapsed"),
        pytest.param(day(5), 49, 0, True, id="tolerance 0: one point short of the time elapsed"),
        pytest.param(day(2), 0, 20, False, id="0% with a fifth of the time gone: at the tolerance"),
        pytest.param(day(3), 0, 20, True, id="0% with 30% of the time gone"),
        pytest.param(day(10), 80, 20, False, id="the deadline day, 80%: at the tolerance"),
        pytest.param(day(10), 79, 20, True, id="the deadline day, 79%"),
        pytest.param(day(10), 0, 100, False, id="the deadline day, 0% with tolerance 100"),
        pytest.param(day(11), 99, 100, True, id="the day after the deadline, 99%"),
        pytest.param(day(11), 100, 0, False, id="the day after the deadline, done"),
    ],
)
def test_it_puts_a_task_behind_schedule_only_past_the_tolerance(on, percent, tolerance, behind):
    assert schedule(START, DEADLINE, percent, on, tolerance).behind is behind
    assert is_behind(START, DEADLINE, percent, on, tolerance) is behind


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (day(-3), 0),
        (day(0), 0),
        (day(1), 10),
        (day(5), 50),
        (day(9), 90),
        (day(10), 100),
        (day(40), 100),
    ],
)
def test_it_counts_the_share_of_time_elapsed_from_start_to_deadline(on, expected):
    assert schedule(START, DEADLINE, 0, on, 100).expected == expected


def test_it_treats_the_deadline_day_as_not_yet_overdue():
    on_the_day = schedule(START, DEADLINE, 10, DEADLINE, 20)
    the_day_after = schedule(START, DEADLINE, 10, DEADLINE + dt.timedelta(days=1), 20)

    assert (on_the_day.behind, on_the_day.overdue) == (True, False)
    assert (the_day_after.behind, the_day_after.overdue) == (True, True)


@pytest.mark.parametrize("tolerance", [0, 20, 100])
@pytest.mark.parametrize("on", [day(-1), day(0), day(5), day(10), day(11), day(400)])
def test_it_never_puts_a_finished_task_behind(on, tolerance):
    state = schedule(START, DEADLINE, 100, on, tolerance)
    assert (state.behind, state.overdue) == (False, False)


@pytest.mark.parametrize("tolerance", [0, 20, 100])
def test_it_puts_any_unfinished_task_behind_once_its_deadline_has_passed(tolerance):
    state = schedule(START, DEADLINE, 99, DEADLINE + dt.timedelta(days=1), tolerance)
    assert (state.behind, state.overdue) == (True, True)


@pytest.mark.parametrize(
    ("on", "percent", "behind", "overdue"),
    [
        pytest.param(-1, 0, False, False, id="the day before"),
        pytest.param(0, 0, True, False, id="the day itself, nothing done"),
        pytest.param(0, 80, False, False, id="the day itself, 80%"),
        pytest.param(0, 79, True, False, id="the day itself, 79%"),
        pytest.param(0, 100, False, False, id="the day itself, done"),
        pytest.param(1, 90, True, True, id="the day after, not done"),
        pytest.param(1, 100, False, False, id="the day after, done"),
    ],
)
def test_it_handles_a_task_that_starts_on_its_deadline(on, percent, behind, overdue):
    one_day = dt.date(2025, 7, 20)
    state = schedule(one_day, one_day, percent, one_day + dt.timedelta(days=on), 20)
    assert (state.behind, state.overdue) == (behind, overdue)


@pytest.mark.parametrize(
    ("span", "elapsed", "percent"),
    [
        pytest.param(20, 11, 35, id="20 days, 55% gone"),
        pytest.param(25, 7, 8, id="25 days, 28% gone"),
        pytest.param(50, 14, 8, id="50 days, 28% gone"),
        pytest.param(60, 33, 35, id="60 days, 55% gone"),
    ],
)
def test_it_keeps_a_task_exactly_at_the_tolerance_on_schedule_whatever_its_length(span, elapsed, percent):
    """Spans where 100 × (days ÷ span) is not exact in floating point (55.00000000000001)."""
    start = dt.date(2025, 1, 1)
    deadline = start + dt.timedelta(days=span)
    on = start + dt.timedelta(days=elapsed)

    at_tolerance = schedule(start, deadline, percent, on, 20)
    past_tolerance = schedule(start, deadline, percent - 1, on, 20)

    assert at_tolerance.gap == 20
    assert at_tolerance.behind is False
    assert past_tolerance.behind is True


# --- The rule applied to the commune's tasks on a given day -------------------------------------


def add_task(commune, code: str, start: dt.date = START, deadline: dt.date = DEADLINE) -> Task:
    task = Task(commune_id=commune.id, code=code, title=f"Nhiệm vụ {code}", start_date=start, deadline=deadline)
    db.session.add(task)
    db.session.flush()
    return task


def test_it_judges_a_past_day_by_the_progress_reported_by_then(commune):
    task = add_task(commune, "NV-01")
    db.session.add_all(
        [
            TaskProgress(task=task, date=day(2), percent=10, note="Khảo sát xong"),
            TaskProgress(task=task, date=day(8), percent=90, note="Gần xong"),
        ]
    )
    db.session.commit()

    (on_day_5,) = task_states(commune.id, day(5), 20)
    (on_day_8,) = task_states(commune.id, day(8), 20)

    assert (on_day_5.percent, on_day_5.note, on_day_5.schedule.behind) == (10, "Khảo sát xong", True)
    assert (on_day_8.percent, on_day_8.schedule.behind) == (90, False)


def test_it_lists_only_the_tasks_behind_on_the_day(commune):
    behind = add_task(commune, "NV-CHAM")
    add_task(commune, "NV-DUNG")
    add_task(commune, "NV-CHUA-BAT-DAU", start=day(6), deadline=day(20))
    done = add_task(commune, "NV-XONG")
    on_time = db.session.scalar(db.select(Task).filter_by(code="NV-DUNG"))
    db.session.add_all(
        [
            TaskProgress(task=on_time, date=day(1), percent=40),
            TaskProgress(task=done, date=day(1), percent=100),
        ]
    )
    db.session.commit()

    codes = [s.task.code for s in behind_tasks(commune.id, day(5), 20)]

    assert codes == [behind.code]
