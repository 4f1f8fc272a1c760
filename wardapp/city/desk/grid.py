"""The completeness grid: one row per commune of the provinces, one cell per day, each the state of
the commune-day's current revision, read from the narrow figures table; its cells written as
markup here (see ``_cells_html``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from flask import url_for
from markupsafe import Markup, escape

from wardapp.city.desk import operations as desk
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityCommune, ReceivedFigures
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.units import all_units

STATE_LABELS = {
    "on_time": _l("Đúng hạn"),
    "late": _l("Muộn"),
    "corrected": _l("Đã sửa đổi"),
    "returned": _l("Bị trả lại"),
    "missing": _l("Chưa báo cáo"),
    "future": "",
}


class Cell(NamedTuple):
    """One commune-day of the grid (a tuple: a 62-day grid of a large province makes ten thousand)."""

    day: dt.date
    state: str  # on_time, late, corrected, returned, missing, future
    report_id: str | None
    review: str = ""  # accepted, or reaccept: corrected after its acceptance (city/review/operations.py)


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    enrolled: bool
    cells: list[Cell]


def latest_states(provinces: tuple[str, ...], start: dt.date, end: dt.date) -> dict[tuple[str, dt.date], tuple]:
    """The current revision of every commune-day in the range, as (report_id, state, review): one
    query over the narrow figures table (never the payload or the JWS), and one for the days an
    older revision of which was accepted."""
    F = ReceivedFigures
    rows = db.session.execute(
        db.select(F.commune_code, F.date, F.report_id, F.revision, F.late, F.returned, F.accepted).filter(
            F.current.is_(True), F.province_code.in_(provinces), F.date.between(start, end)
        )
    )
    again = desk.accepted_before(provinces, start, end)
    return {
        (code, day): (
            report_id,
            cell_state(revision, late, returned),
            review_mark(accepted, returned, (code, day) in again),
        )
        for code, day, report_id, revision, late, returned, accepted in rows
    }


def review_mark(accepted: bool, returned: bool, accepted_before: bool) -> str:
    """What the grid says of a day's review: accepted, or corrected after an acceptance (new again)."""
    if accepted:
        return "accepted"
    return "reaccept" if accepted_before and not returned else ""


def cell_state(revision: int, late: bool, returned: bool) -> str:
    if returned:
        return "returned"
    if revision > 1:
        return "corrected"
    return "late" if late else "on_time"


def grid(provinces: tuple[str, ...], start: dt.date, end: dt.date, today: dt.date) -> list[Row]:
    enrolled = set(
        db.session.scalars(
            db.select(CityCommune.code).filter(
                CityCommune.province_code.in_(provinces), CityCommune.enrolled_at.is_not(None)
            )
        )
    )
    latest = latest_states(provinces, start, end)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    wanted = set(provinces)
    rows = []
    for unit in sorted((u for u in all_units().values() if u.province_code in wanted), key=lambda u: u.code):
        cells = []
        for d in days:
            found = latest.get((unit.code, d))
            if d > today:
                cells.append(Cell(d, "future", None))
            elif found is None:
                cells.append(Cell(d, "missing", None))
            else:
                cells.append(Cell(d, found[1], found[0], found[2]))
        rows.append(Row(unit.code, unit.name, unit.code in enrolled, cells))
    return rows


def view(provinces: tuple[str, ...], start: dt.date, end: dt.date, today: dt.date):
    """The grid's rows, their cells as markup and the count of each state (a 62-day grid of a
    large province is ten thousand cells: remembered until the desk's revision moves)."""
    rows = grid(provinces, start, end, today)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    # Only connected communes can be counted as missing a report.
    counted = Counter(c.state for r in rows if r.enrolled for c in r.cells)
    totals = {state: counted.get(state, 0) for state in STATE_LABELS}
    reviewed = Counter(c.review for r in rows for c in r.cells if c.review)
    totals.update({mark: reviewed.get(mark, 0) for mark in REVIEW_MARKS})
    return rows, _grid_cells(rows, days), totals


_MARKS = {"on_time": "✓", "late": "M", "corrected": "S", "returned": "T"}
# The review's marks, added to the cell's own (a letter, not a colour alone: the legend says it).
REVIEW_MARKS = {"accepted": _l("Đ"), "reaccept": "!"}  # Đ: đã duyệt
REVIEW_LABELS = {"accepted": _l("Đã duyệt"), "reaccept": _l("Sửa sau khi đã duyệt")}


def _grid_cells(rows, days: list[dt.date]) -> dict[str, Markup]:
    base = str(escape(url_for("review.report", report_id="_")[:-1]))  # one url_for, not one per cell
    titles = {state: str(escape(str(label))) for state, label in STATE_LABELS.items()}
    titles |= {
        (state, mark): f"{titles[state]} · {escape(str(REVIEW_LABELS[mark]))}"
        for state in titles
        for mark in REVIEW_MARKS
    }
    iso = {d: d.isoformat() for d in days}
    marks = {mark: str(escape(str(letter))) for mark, letter in REVIEW_MARKS.items()}
    return {row.code: _cells_html(row, base, titles, iso, marks) for row in rows}


def _cells_html(row, report_base: str, titles: dict, days: dict, marks: dict[str, str]) -> Markup:
    """A grid row's cells as markup, built here: a 62-day grid of a large province has over ten
    thousand cells, which the template engine took most of the page's time to write (measured,
    bench/city_desk.py). The markup is what the template wrote; ``titles`` are escaped once and
    the rest are dates, state names and report ids of our own making."""
    parts = []
    for c in row.cells:
        if c.report_id:
            mark = _MARKS[c.state] + (f'<b class="review-mark">{marks[c.review]}</b>' if c.review else "")
            inner = f'<a href="{report_base}{escape(c.report_id)}">{mark}</a>'
        elif c.state == "missing" and row.enrolled:
            inner = "✗"
        else:
            inner = ""
        if c.review:
            reviewed = f' review-{c.review}" data-review="{c.review}'
            title = titles[(c.state, c.review)]
        else:
            reviewed, title = "", titles[c.state]
        parts.append(
            f'<td class="cell-{c.state}{reviewed}" data-date="{days[c.day]}" data-state="{c.state}" '
            f'title="{title}">{inner}</td>'
        )
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or one of our own words
