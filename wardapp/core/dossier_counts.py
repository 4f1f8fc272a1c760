"""The day's II.06a figures counted from the dossier log (sổ theo dõi hồ sơ): one pure function.

No Flask, no database: the caller passes plain ``DossierFacts`` and a calendar day, and gets the
counts back. The commune's form, the late-dossier list, the benchmark and the tests all call it.

The rules, as a reviewer checks them (every time is the local time of Vietnam, as exports write it):

- **A day** runs from 00:00:00 to 23:59:59.999999. A dossier received at 23:59:59 belongs to that
  day; one received at 00:00:00 belongs to the next.
- **Received** on the day: received within the day, counted by channel (in person, online, public
  post). A dossier whose channel the export does not give is not counted by channel.
- **Carried over** (tồn kỳ trước): received before the day and not finished before the day started,
  i.e. exactly the dossiers pending at the end of the previous day.
- **Resolved** on the day: finished (the handling ended, the result ready) within the day.
  Against the appointment (hẹn trả):
  - *early* (trước hạn): finished on a calendar day before the appointment's day;
  - *on time* (đúng hạn): finished on the appointment's day, at or before its time; a dossier
    with no appointment (settled on the spot) is on time;
  - *late* (quá hạn): finished after the appointment's moment, even a minute after it on the
    same day. An appointment written without a time means "by the end of that day" (the importer
    stores it as 23:59:59), so a dossier finished on its due day is on time.
- **Pending** at the end of the day: received by the end of the day and not finished by then.
  *Overdue* when its appointment fell on or before the day (the day ended without the result),
  *within deadline* otherwise or when it has no appointment.
- **Waiting for the applicant** (chờ bổ sung, tạm dừng): the deadline is suspended while the
  applicant completes the dossier, so an unfinished dossier in that state is pending within
  deadline whatever its appointment. Exports give only the current state, so it applies to every
  day the dossier is open. Once finished it is judged against its appointment like any other.
- **Withdrawn** (rút hồ sơ, dừng theo yêu cầu): the applicant's choice, not a handling result; a
  withdrawn dossier is left out of every count on every day, so the day's sums still close.
- **Reopened**: a dossier is counted by its latest state in the log. When a newer export shows a
  finished dossier open again, it is pending again on every day after its receipt (days already
  signed keep what they signed).
- **Online**: of the dossiers received online on the day, those filed full-process (toàn trình)
  and partial; one whose level the export does not give counts as partial.
- **Fee-bearing / paid online / digitized**: of the dossiers received on the day.
  **Electronic results**: of the dossiers resolved on the day.

With these rules received + carried over = resolved + pending for every day and every log, and
every other sum rule of the form holds (``wardapp.core.rules``; a property test checks it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Channel(IntEnum):
    """As the national portal numbers them (``KenhThucHien``)."""

    IN_PERSON = 1
    ONLINE = 2
    POSTAL = 3


class State(StrEnum):
    NORMAL = "normal"  # open or finished, as its dates say
    WAITING = "waiting"  # waiting for the applicant: the deadline is suspended
    WITHDRAWN = "withdrawn"  # withdrawn by the applicant: never counted


@dataclass(frozen=True, slots=True)
class DossierFacts:
    code: str
    received_at: dt.datetime
    due_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    channel: Channel | None = None
    state: State = State.NORMAL
    full_process: bool | None = None
    fee_bearing: bool = False
    paid_online: bool = False
    digitized: bool = False
    e_result: bool = False


# The figures the log can give, and the dossier fields each needs (an export without a column
# leaves the figures that need it typed by staff).
LOG_FIGURES: dict[str, frozenset[str]] = {
    "received_in_person": frozenset({"channel"}),
    "received_online": frozenset({"channel"}),
    "received_postal": frozenset({"channel"}),
    "carried_over": frozenset({"finished_at"}),
    "resolved_early": frozenset({"finished_at", "due_at"}),
    "resolved_on_time": frozenset({"finished_at", "due_at"}),
    "resolved_late": frozenset({"finished_at", "due_at"}),
    "pending_within": frozenset({"finished_at", "due_at"}),
    "pending_overdue": frozenset({"finished_at", "due_at"}),
    "online_full_process": frozenset({"channel", "full_process"}),
    "online_partial": frozenset({"channel", "full_process"}),
    "fee_bearing": frozenset({"fee_bearing"}),
    "paid_online": frozenset({"fee_bearing", "paid_online"}),
    "digitized": frozenset({"digitized"}),
    "e_results": frozenset({"finished_at", "e_result"}),
}


def computable(fields: Iterable[str]) -> tuple[str, ...]:
    """The figures an export with these dossier fields can give (code and received are always there)."""
    present = set(fields)
    return tuple(name for name, needs in LOG_FIGURES.items() if needs <= present)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a day: the first moment of the day and of the next."""
    start = dt.datetime.combine(day, dt.time())
    return start, start + dt.timedelta(days=1)


def resolution(d: DossierFacts) -> str:
    """``early``, ``on_time`` or ``late`` for a finished dossier (see the module's rules)."""
    assert d.finished_at is not None
    if d.due_at is None:
        return "on_time"
    if d.finished_at > d.due_at:
        return "late"
    if d.finished_at.date() < d.due_at.date():
        return "early"
    return "on_time"


def overdue_at_end_of(d: DossierFacts, day: dt.date) -> bool:
    """An unfinished dossier is overdue at the end of ``day`` when its appointment has passed."""
    if d.state == State.WAITING or d.due_at is None:
        return False
    return d.due_at.date() <= day


def count_day(dossiers: Iterable[DossierFacts], day: dt.date) -> dict[str, int]:
    """Every figure of ``LOG_FIGURES`` for ``day`` (rules in the module docstring)."""
    start, end = day_bounds(day)
    c = dict.fromkeys(LOG_FIGURES, 0)
    for d in dossiers:
        if d.state == State.WITHDRAWN or d.received_at >= end:
            continue
        if d.finished_at is not None and d.finished_at < start:
            continue  # finished before the day: not part of it
        received_today = d.received_at >= start
        finished_today = d.finished_at is not None and d.finished_at < end
        if received_today:
            _count_received(c, d)
        else:
            c["carried_over"] += 1
        if finished_today:
            c["resolved_" + resolution(d)] += 1
            if d.e_result:
                c["e_results"] += 1
        elif overdue_at_end_of(d, day):
            c["pending_overdue"] += 1
        else:
            c["pending_within"] += 1
    return c


def _count_received(c: dict[str, int], d: DossierFacts) -> None:
    if d.channel == Channel.IN_PERSON:
        c["received_in_person"] += 1
    elif d.channel == Channel.ONLINE:
        c["received_online"] += 1
        c["online_full_process" if d.full_process else "online_partial"] += 1
    elif d.channel == Channel.POSTAL:
        c["received_postal"] += 1
    if d.fee_bearing:
        c["fee_bearing"] += 1
        if d.paid_online:
            c["paid_online"] += 1
    if d.digitized:
        c["digitized"] += 1


@dataclass(frozen=True)
class LateOnDay:
    kind: str  # "resolved_late" or "pending_overdue", as ``wardapp.delays`` names them
    dossier: DossierFacts


def late_on_day(dossiers: Iterable[DossierFacts], day: dt.date) -> list[LateOnDay]:
    """The dossiers behind the day's ``resolved_late`` and ``pending_overdue``, by the same rules."""
    start, end = day_bounds(day)
    late = []
    for d in dossiers:
        if d.state == State.WITHDRAWN or d.received_at >= end:
            continue
        if d.finished_at is not None and d.finished_at < start:
            continue
        if d.finished_at is not None and d.finished_at < end:
            if resolution(d) == "late":
                late.append(LateOnDay("resolved_late", d))
        elif overdue_at_end_of(d, day):
            late.append(LateOnDay("pending_overdue", d))
    return late
