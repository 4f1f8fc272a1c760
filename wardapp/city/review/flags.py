"""Figures out of line with a commune's own history (the kernel's rule, wardapp/core/outliers.py),
for the days of a period, with what the reviewer needs beside each: the value, the commune's
usual range, the leader's explanation that day, and whether a reviewer checked it.

Judged at intake and stored beside each revision (city/intake/flag_store.py): a page reads the period's
flags of the current revisions with one indexed query, the first load after a report arrives as
fast as the next. A reviewer's check is kept per commune, day and figure: a correction that is
still out of line keeps it (shown as made on the earlier revision).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace

from wardapp.city.accounts import signin
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import flag_store
from wardapp.city.models import CityFlagCheck, CityUser, FigureFlag, ReceivedFigures, ReceivedReport
from wardapp.core import outliers, text
from wardapp.core.clock import utcnow
from wardapp.core.i18n import fmt_number, fmt_percent
from wardapp.core.i18n import gettext as _
from wardapp.platform import memo

rule = flag_store.rule  # the thresholds (settings), one place


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
    def checked_earlier(self) -> bool:
        """The check was made on a revision the commune corrected since (and still out of line)."""
        return self.checked is not None and self.checked.report_id != self.report_id

    @property
    def value_text(self) -> str:
        return self._text(self.value)

    @property
    def low_text(self) -> str:
        return self._text(self.low)

    @property
    def high_text(self) -> str:
        return self._text(self.high)


def row_key(flag: Flagged) -> tuple:
    """Everything a flag's row shows (its rendering is kept under it)."""
    check = flag.checked
    checked = None if check is None else (check.report_id, check.comment, check.checked_by, check.checked_at)
    shown = (flag.commune_code, flag.date, flag.report_id, flag.metric, flag.value, flag.low, flag.high)
    return (*shown, flag.share, flag.explanation, checked)


def labels() -> dict[str, str]:
    """Each checked figure's label in the reader's language, translated once per page."""
    return {m.name: str(m.label) for m in outliers.METRICS}


def period_flags(provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None = None) -> list[Flagged]:
    """Every flag of the period, newest day first, with explanations and checks attached."""
    found = _stored(provinces, start, end, commune)
    explained = _explanations({f.report_id for f in found})
    checks = _checks(provinces, start, end, commune)
    return [replace(f, explanation=explained.get(f.report_id, ""), checked=checks.get(_key(f))) for f in found]


def _key(flag: Flagged) -> tuple[str, dt.date, str]:
    return (flag.commune_code, flag.date, flag.metric)


def _stored(provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None) -> list[Flagged]:
    """The stored flags of the period's current revisions: one query on the flags' (province,
    date) index, each joined to its revision's figures row by primary key."""
    F, G = ReceivedFigures, FigureFlag
    query = (
        db.select(G.commune_code, G.date, F.report_id, G.metric, G.value, G.low, G.high, G.median)
        .join(F, F.report_pk == G.report_pk)
        .filter(F.current.is_(True), G.province_code.in_(provinces), G.date.between(start, end))
        .order_by(G.date.desc(), G.commune_code, G.metric)
    )
    if commune:
        query = query.filter(G.commune_code == commune)
    out = []
    for code, day, report_id, metric, value, low, high, middle in db.session.execute(query):
        known = outliers.METRICS_BY_NAME.get(metric)
        if known is not None:  # a figure no longer checked is not shown
            out.append(Flagged(code, day, report_id, metric, value, low, high, middle, known.share))
    return out


EXPLANATIONS_KEPT_MAX = 50_000  # report ids' words per worker: years of a large province's flagged days


def _explanations(report_ids: set[str]) -> dict[str, str]:
    """The leader's words for each flagged day: the explanations of tasks behind, the difficulties
    written in the report, a late signature's or a correction's reason (read from the payload).

    A revision's payload is signed and never changes, so its words are kept in the worker under
    its report id: a month's list names some 350 revisions, and after a report arrives only the
    new one's payload is read (bench/review.py, docs/PERFORMANCE.md). Officers' names are not
    among these words (the person responsible is a field of its own, never shown here:
    accounts/permissions.py)."""
    if not report_ids:
        return {}
    return memo.kept_many(STORE, report_ids, _read_explanations, limit=EXPLANATIONS_KEPT_MAX)


STORE = "wardapp.city.review.flags.explanations"


def _read_explanations(report_ids: set[str]) -> dict[str, str]:
    out = dict.fromkeys(report_ids, "")  # a payload that is not JSON explains nothing, kept so too
    rows = db.session.execute(
        db.select(ReceivedReport.report_id, ReceivedReport.payload).filter(ReceivedReport.report_id.in_(report_ids))
    )
    for report_id, payload in rows:
        try:
            document = json.loads(payload)
        except ValueError:
            continue
        out[report_id] = explanation_of(document)
    return out


def explanation_of(document: dict) -> str:
    """The words shown beside a flag, from a signed payload."""
    parts = [e.get("cause", "") for e in document.get("explanations") or [] if isinstance(e, dict)]
    parts.append((document.get("narrative") or {}).get("difficulties", ""))
    parts += [document.get("late_reason") or "", document.get("correction_reason") or ""]
    return " · ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def _checks(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None
) -> dict[tuple[str, dt.date, str], CityFlagCheck]:
    """The reviewers' checks of the period in the provinces (the province is their revision's). The
    revision is joined by commune and day too, which its report id implies: on the (commune_code,
    date) index, where the report id alone scanned every received revision for each check."""
    F, C = ReceivedFigures, CityFlagCheck
    query = (
        db.select(CityFlagCheck)
        .join(F, db.and_(F.commune_code == C.commune_code, F.date == C.date, F.report_id == C.report_id))
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
