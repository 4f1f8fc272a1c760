"""Flags judged when a revision arrives and stored beside it (``city_figure_flags``), so that the
desk reads a period's flags with one indexed query instead of judging them when a page asks.

At intake (``operations.store``, in the push's transaction), a revision that becomes its
commune-day's current one is judged by the kernel's rule (``core/outliers.py``) against the
commune's comparable days, read with **one** query on ``(commune_code, date)``: the same weekday
``weeks`` weeks back **and forward**. Forward, because a day that arrives late (after an outage)
or a correction changes the history of the later days that were judged without it: those are
judged again in the same transaction. The stored flags are then always what the kernel computes
from the current revisions (tests/city/test_flags_at_intake.py holds it on random arrivals).

What does not go through intake is re-judged by :func:`recompute` (``flask --app
wardapp.city.app city review backfill-flags``): the revisions received before flags were stored,
and every day after the ``CITY_OUTLIER_*`` settings change (stored flags keep the rule they were
judged with until then).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import cast

from flask import current_app
from sqlalchemy import Table, bindparam, delete, insert, select

from wardapp.city.extensions import city_db as db
from wardapp.city.models import FigureFlag, ReceivedFigures
from wardapp.core import outliers


def rule() -> outliers.Rule:
    """The city's thresholds (settings ``CITY_OUTLIER_*``)."""
    config = current_app.config
    return outliers.Rule(
        threshold=float(config["CITY_OUTLIER_THRESHOLD"]),
        weeks=int(config["CITY_OUTLIER_WEEKS"]),
        min_history=int(config["CITY_OUTLIER_MIN_HISTORY"]),
    )


_FIGURES = cast(Table, ReceivedFigures.__table__)
_FLAGS = cast(Table, FigureFlag.__table__)
# Built once, like the push's own statements (city/operations.py): the values are parameters.
SAME_WEEKDAYS = select(_FIGURES.c.report_pk, _FIGURES.c.date, *[_FIGURES.c[c] for c in outliers.COLUMNS]).where(
    _FIGURES.c.commune_code == bindparam("commune"),
    _FIGURES.c.date.in_(bindparam("days", expanding=True)),
    _FIGURES.c.current.is_(True),
)
FORGET_FLAGS_OF = delete(_FLAGS).where(_FLAGS.c.report_pk.in_(bindparam("report_pks", expanding=True)))
INSERT_FLAGS = insert(_FLAGS)


def judge_arrival(commune: str, province: str, day: dt.date, judged: outliers.Rule | None = None) -> int:
    """Judge the commune-day's current revision, and the later days whose history it is part of;
    store their flags. One query reads the comparable days; how many flags were stored."""
    judged = judged or rule()
    around = [day + dt.timedelta(weeks=k) for k in range(-judged.weeks, judged.weeks + 1)]
    series: dict[dt.date, dict] = {}
    report_pks: dict[dt.date, int] = {}
    for row in db.session.execute(SAME_WEEKDAYS, {"commune": commune, "days": around}):
        series[row.date] = {c: getattr(row, c) for c in outliers.COLUMNS}
        report_pks[row.date] = row.report_pk
    if day not in series:  # not the current revision (an older one arriving after a newer)
        return 0
    again = sorted(d for d in series if d >= day)
    if len(again) > 1:  # a late day or a correction: the later days were judged without it
        db.session.execute(FORGET_FLAGS_OF, {"report_pks": [report_pks[d] for d in again[1:]]})
    rows = _rows(commune, province, outliers.flags_of(again, series, judged), report_pks)
    if rows:
        db.session.execute(INSERT_FLAGS, rows)
    return len(rows)


def _rows(commune: str, province: str, found: list[outliers.Flag], report_pks: dict[dt.date, int]) -> list[dict]:
    return [
        {
            "report_pk": report_pks[flag.day],
            "commune_code": commune,
            "province_code": province,
            "date": flag.day,
            "metric": flag.metric.name,
            "value": flag.judgement.value,
            "median": flag.judgement.median,
            "low": flag.judgement.low,
            "high": flag.judgement.high,
            # A steady history judged against a value it never had: an infinite score, stored as
            # the largest float (PostgreSQL and SQLite keep infinities differently).
            "z": max(min(flag.judgement.z, 1e300), -1e300),
            "history": flag.judgement.history,
        }
        for flag in found
    ]


def recompute(provinces: tuple[str, ...], start: dt.date, end: dt.date, judged: outliers.Rule | None = None) -> int:
    """Judge every current revision of the provinces' days from ``start`` to ``end`` again and
    replace their stored flags (the backfill, and what follows a change of the thresholds). In
    the caller's transaction; how many flags are stored."""
    judged = judged or rule()
    F = ReceivedFigures
    stored = 0
    for province in provinces:
        series: dict[str, dict[dt.date, dict]] = defaultdict(dict)
        report_pks: dict[str, dict[dt.date, int]] = defaultdict(dict)
        rows = db.session.execute(
            select(F.commune_code, F.date, F.report_pk, *[getattr(F, c) for c in outliers.COLUMNS]).filter(
                F.current.is_(True),
                F.province_code == province,
                F.date.between(start - dt.timedelta(weeks=judged.weeks), end),
            )
        )
        for row in rows:
            series[row.commune_code][row.date] = {c: getattr(row, c) for c in outliers.COLUMNS}
            report_pks[row.commune_code][row.date] = row.report_pk
        db.session.execute(
            delete(FigureFlag).where(FigureFlag.province_code == province, FigureFlag.date.between(start, end))
        )
        for commune, days in series.items():
            wanted = [d for d in days if start <= d <= end]
            found = _rows(commune, province, outliers.flags_of(wanted, days, judged), report_pks[commune])
            if found:
                db.session.execute(INSERT_FLAGS, found)
                stored += len(found)
    return stored
