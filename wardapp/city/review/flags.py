"""Figures out of line with a commune's own history (the kernel's rule, wardapp/core/outliers.py),
for the days of a period, with what the reviewer needs beside each: the value, the commune's
usual range, the leader's explanation that day, and whether a reviewer checked it.

Computed when a page asks (not at intake, whose budget per report stays as it was), from the
narrow figures table only: the period's current revisions and ``weeks`` weeks before it. What is
computed is remembered under the desk's revision, like the desk's totals; the checks, which do not
move that revision, are read fresh each time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, replace

from flask import current_app

from wardapp.city.accounts import signin
from wardapp.city.desk import operations as desk
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityFlagCheck, CityUser, ReceivedFigures, ReceivedReport
from wardapp.core import outliers, text
from wardapp.core.clock import utcnow
from wardapp.core.i18n import fmt_number, fmt_percent
from wardapp.core.i18n import gettext as _


def rule() -> outliers.Rule:
    config = current_app.config
    return outliers.Rule(
        threshold=float(config["CITY_OUTLIER_THRESHOLD"]),
        weeks=int(config["CITY_OUTLIER_WEEKS"]),
        min_history=int(config["CITY_OUTLIER_MIN_HISTORY"]),
    )


@dataclass(frozen=True)
class Flagged:
    commune_code: str
    date: dt.date
    report_id: str
    metric: str
    value: float
    low: float
    high: float
    median: float
    share: bool
    explanation: str = ""
    checked: CityFlagCheck | None = None

    @property
    def label(self) -> str:
        """In the reader's language (the flags themselves are shared by every reader)."""
        return str(outliers.METRICS_BY_NAME[self.metric].label)

    def _text(self, value: float) -> str:
        return fmt_percent(min(max(value, 0.0), 1.0)) if self.share else fmt_number(max(round(value), 0))

    @property
    def value_text(self) -> str:
        return self._text(self.value)

    @property
    def low_text(self) -> str:
        return self._text(self.low)

    @property
    def high_text(self) -> str:
        return self._text(self.high)


def period_flags(provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None = None) -> list[Flagged]:
    """Every flag of the period, newest day first, with explanations and checks attached."""
    judged = rule()
    found = desk.remembered(
        "flags", (provinces, start, end, commune, judged), lambda: _compute(provinces, start, end, commune, judged)
    )
    explained = _explanations({f.report_id for f in found})
    checks = _checks(provinces, start, end, commune)
    return [replace(f, explanation=explained.get(f.report_id, ""), checked=_check_of(f, checks)) for f in found]


def _check_of(flag: Flagged, checks: dict) -> CityFlagCheck | None:
    """A check holds for the revision it was made on: a correction's figures are flagged afresh."""
    check = checks.get(_key(flag))
    return check if check is not None and check.report_id == flag.report_id else None


def _key(flag: Flagged) -> tuple[str, dt.date, str]:
    return (flag.commune_code, flag.date, flag.metric)


def _compute(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None, judged: outliers.Rule
) -> list[Flagged]:
    F = ReceivedFigures
    since = start - dt.timedelta(weeks=judged.weeks)
    query = db.select(F.commune_code, F.date, F.report_id, *[getattr(F, c) for c in outliers.COLUMNS]).filter(
        F.current.is_(True), F.province_code.in_(provinces), F.date.between(since, end)
    )
    if commune:
        query = query.filter(F.commune_code == commune)
    series: dict[str, dict[dt.date, dict]] = defaultdict(dict)
    ids: dict[tuple[str, dt.date], str] = {}
    for row in db.session.execute(query):
        series[row.commune_code][row.date] = {c: getattr(row, c) for c in outliers.COLUMNS}
        ids[(row.commune_code, row.date)] = row.report_id
    out = []
    for code, days in series.items():
        wanted = [d for d in days if start <= d <= end]
        for flag in outliers.flags_of(wanted, days, judged):
            j, m = flag.judgement, flag.metric
            out.append(
                Flagged(
                    code,
                    flag.day,
                    ids[(code, flag.day)],
                    m.name,
                    j.value,
                    j.low,
                    j.high,
                    j.median,
                    m.share,
                )
            )
    out.sort(key=lambda f: (-f.date.toordinal(), f.commune_code, f.metric))
    return out


def _explanations(report_ids: set[str]) -> dict[str, str]:
    """The leader's words for each flagged day: the explanations of tasks behind, the difficulties
    written in the report, a late signature's or a correction's reason (read from the payload)."""
    if not report_ids:
        return {}
    out = {}
    rows = db.session.execute(
        db.select(ReceivedReport.report_id, ReceivedReport.payload).filter(ReceivedReport.report_id.in_(report_ids))
    )
    for report_id, payload in rows:
        try:
            document = json.loads(payload)
        except ValueError:
            continue
        parts = [e.get("cause", "") for e in document.get("explanations") or [] if isinstance(e, dict)]
        parts.append((document.get("narrative") or {}).get("difficulties", ""))
        parts += [document.get("late_reason") or "", document.get("correction_reason") or ""]
        out[report_id] = " · ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return out


def _checks(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None
) -> dict[tuple[str, dt.date, str], CityFlagCheck]:
    F = ReceivedFigures
    query = (
        db.select(CityFlagCheck)
        .join(F, db.and_(F.report_id == CityFlagCheck.report_id))
        .filter(F.province_code.in_(provinces), CityFlagCheck.date.between(start, end))
    )
    if commune:
        query = query.filter(CityFlagCheck.commune_code == commune)
    return {(c.commune_code, c.date, c.metric): c for c in db.session.scalars(query)}


class CheckError(ValueError):
    """A check that cannot be recorded, in the reviewer's words."""


def mark_checked(flag: Flagged, comment: str, user: CityUser) -> CityFlagCheck:
    """The reviewer checked a flag (with a comment): kept per commune, day and figure, audited and
    committed; a refused comment changes nothing."""
    comment = " ".join(comment.split())[:2000]
    if not comment:
        raise CheckError(_("Hãy ghi nhận xét khi đánh dấu đã kiểm tra."))
    if (problem := text.problem(comment)) is not None:
        raise CheckError(problem)
    check = db.session.scalar(
        db.select(CityFlagCheck).filter_by(commune_code=flag.commune_code, date=flag.date, metric=flag.metric)
    )
    if check is None:
        check = CityFlagCheck(commune_code=flag.commune_code, date=flag.date, metric=flag.metric)
        db.session.add(check)
    check.report_id = flag.report_id
    check.comment = comment
    check.checked_by = user.full_name
    check.checked_at = utcnow()
    signin.record("flag.checked", f"{flag.report_id}:{flag.metric}"[:80], comment, actor=user.username)
    db.session.commit()
    return check
