"""A generated dossier log (sổ theo dõi hồ sơ) for the demo commune and the benchmark.

Each history day's receipts are realised as dossiers, by channel, with exactly the history's
online full-process, fee-bearing, paid-online and digitized counts; each dossier then goes through
a plausible handling: an appointment from its procedure's legal time limit in working days, and an
outcome drawn with the shares a careful commune has (about a quarter early, most on time, a few
late, some waiting for the applicant, a few withdrawn). What the log says about settlement then
replaces the history's typed settlement figures, so the demo's history and its log agree.
Deterministic for a seed. No personal data: the export has no applicant columns.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from wardapp.demo.content import content
from wardapp.demo.xlsx import spreadsheet

# Procedures (name, field, legal time limit in working days, fee-bearing share), officers, header.
LOG = content("dossier_log")
PROCEDURES, OFFICERS, HEADER = LOG["procedures"], LOG["officers"], LOG["header"]
# The channel codes the generated history counts by (2 is online: full or partial process).
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}


def add_working_days(day: dt.date, days: int) -> dt.date:
    while days > 0 or day.weekday() >= 5:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _moment(day: dt.date, rng: random.Random, first: float, last: float) -> dt.datetime:
    seconds = int(rng.uniform(first, last) * 3600)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds - seconds % 60)


def _received_time(day: dt.date, channel: int, rng: random.Random) -> dt.datetime:
    if channel == 2:
        return _moment(day, rng, 6, 22)
    return _moment(day, rng, 7.5, 11.5) if rng.random() < 0.6 else _moment(day, rng, 13.5, 16.75)


def _outcome(rng: random.Random, received: dt.datetime, due: dt.datetime) -> tuple[str, dt.datetime | None]:
    """(state text, finished) for one dossier."""
    r = rng.random()
    if r < 0.015:
        return "Rút hồ sơ", None
    if r < 0.04:
        # Asked to complete the dossier: finished late once the applicant answered, or still waiting.
        late_day = add_working_days(due.date(), rng.randint(1, 6))
        return "Chờ bổ sung", _moment(late_day, rng, 8, 16.5)
    if r < 0.07:  # late: one to three working days past the appointment
        return "", _moment(add_working_days(due.date(), rng.randint(1, 3)), rng, 8, 16.5)
    if r < 0.33 and due.date() > received.date():  # early: a working day before the appointment's
        candidates = [received.date() + dt.timedelta(days=i) for i in range((due.date() - received.date()).days)]
        day = rng.choice([d for d in candidates if d.weekday() < 5] or [received.date()])
        start = max(8.0, received.hour + received.minute / 60 + 0.5) if day == received.date() else 8.0
        return "", _moment(day, rng, min(start, 16.9), 17)
    start = max(8.0, received.hour + received.minute / 60 + 0.25) if due.date() == received.date() else 8.0
    return "", _moment(due.date(), rng, min(start, 16.9), 17) if start < 17 else due


def generate_log(history: Iterable[tuple[dt.date, dict]], end: dt.date, seed: int = 20242) -> list[list]:
    """Rows of the one-stop dossier-log form (``HEADER``), for the days of ``history``.

    ``end`` is the export's moment: a dossier finished after it shows no finish (still open).
    """
    rng = random.Random(seed)
    export_at = dt.datetime.combine(end, dt.time(23, 59, 59))
    rows: list[list] = []
    for day, figures in history:
        channels = (
            [1] * figures["received_in_person"] + [2] * figures["received_online"] + [3] * figures["received_postal"]
        )
        received_count = len(channels)
        flags = {
            "fee": set(rng.sample(range(received_count), min(figures["fee_bearing"], received_count))),
            "digitized": set(rng.sample(range(received_count), min(figures["digitized"], received_count))),
        }
        paid = set(rng.sample(sorted(flags["fee"]), min(figures["paid_online"], len(flags["fee"]))))
        online_positions = [i for i, c in enumerate(channels) if c == 2]
        full = set(online_positions[: figures["online_full_process"]])
        for i, channel in enumerate(channels):
            procedure = rng.choice(PROCEDURES)
            limit = procedure["working_days"]
            received = _received_time(day, channel, rng)
            due_day = add_working_days(received.date(), limit) if limit else received.date()
            if not limit and received.hour >= 17:
                due_day = add_working_days(received.date(), 1)
            due = dt.datetime.combine(due_day, dt.time(17, 0))
            state, finished = _outcome(rng, received, due)
            if finished is not None and finished > export_at:
                finished = None
            if finished is not None and finished < received:
                finished = received + dt.timedelta(minutes=30)
            officer = rng.choice(OFFICERS)
            returned = finished + dt.timedelta(hours=rng.randint(0, 30)) if finished else None
            rows.append(
                [
                    len(rows) + 1,
                    f"000.00.48.H17-{day:%y%m%d}-{i + 1:04d}",
                    procedure["name"],
                    procedure["field"],
                    CHANNELS[channel],
                    received,
                    due,
                    finished,
                    returned if returned and returned <= export_at else None,
                    state,
                    officer["name"],
                    officer["unit"],
                    "Có" if i in flags["fee"] else "Không",
                    "Có" if i in paid else "Không",
                    "Có" if i in flags["digitized"] else "Không",
                    "Có" if finished is not None and rng.random() < 0.65 else "Không",
                    ("Toàn trình" if i in full else "Một phần") if channel == 2 else "",
                ]
            )
    return rows


def xlsx_bytes(rows: list[list], title: str = "SỔ THEO DÕI HỒ SƠ") -> bytes:
    """The rows as an Excel workbook, title block above the header as the one-stop system writes it."""
    return spreadsheet(rows, HEADER, title=title)
