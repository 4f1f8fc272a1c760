"""The commune's signed counts beside the province's one-stop system (its dossier-log export).

A city admin imports the province's export: the same formats as the commune's importer
(wardapp/platform/dossier_log.py: XLSX or CSV, the portal's field names or the one-stop log's),
refused whole when any row is bad, personal columns never read. Each dossier is counted once, at
the **receiving centre** (the export's unit code, ``MaDonViTiepNhan``): the II.06a form counts a
dossier where it was received and where its result is returned, even when another body settles
it. The kernel's own counting function (core/dossier_counts.count_day) then gives each commune's
counts for every day the export covers; only those counts are stored, never a dossier.

The view puts, per commune and day, the signed count next to the export's and the difference, and
tells communes whose signed figures came from their own log (``figure_sources``) from typed ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from wardapp.city.accounts.signin import record
from wardapp.city.desk import operations as desk
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityUser, OneStopCounts, OneStopImport, ReceivedFigures
from wardapp.core import clock, rates
from wardapp.core import text as text_rules
from wardapp.core.dossier_counts import LOG_FIGURES, computable, count_day
from wardapp.core.figures import BY_NAME
from wardapp.core.i18n import gettext as _
from wardapp.core.units import find
from wardapp.platform import dossier_log, memo

# The flows compared: every figure the dossier log gives (core/dossier_counts.LOG_FIGURES, in its
# order) but the stocks, carried over and pending, which need every older open dossier (a month's
# export does not hold them), and the results returned electronically, which the reconciliation has
# never compared (a choice kept as it was when this list was derived rather than written out).
NOT_COMPARED = (*rates.OPENING_STOCKS, *rates.CLOSING_STOCKS, "e_results")
COMPARED = tuple(name for name in LOG_FIGURES if name not in NOT_COMPARED)
MAX_DAYS = 62


class ImportRefused(ValueError):
    """The export, refused whole: every reason (bad rows with their line)."""

    def __init__(self, reasons: list[str], count: int | None = None):
        super().__init__("; ".join(reasons[:3]))
        self.reasons = reasons
        self.count = count or len(reasons)


def _unit_code_headers() -> tuple[str, ...]:
    """The headers the receiving centre's unit code is found under (the exports' own words)."""
    return ("MaDonViTiepNhan", "MaDonVi", "MaXa", "Mã đơn vị tiếp nhận", "Mã đơn vị", "Mã xã/phường")


def _presets() -> list[dict]:
    return [{**p.aliases, "unit_code": _unit_code_headers()} for p in dossier_log.PRESETS]


def read_export(filename: str, data: bytes) -> dossier_log.Parsed:
    """The export's dossiers (with their receiving unit's code), or ImportRefused."""
    if problem := text_rules.problem(filename):
        raise ImportRefused([_("Tên tệp: %(problem)s", problem=problem)])
    try:
        sheet = dossier_log.read_sheet(filename, data)
        parsed = _best(sheet)
    except dossier_log.FileProblem as problem:
        raise ImportRefused([str(problem)]) from None
    if parsed.error_count:
        raise ImportRefused(parsed.errors, parsed.error_count)
    if "unit_code" not in parsed.fields:
        names = ", ".join(_unit_code_headers()[:3])
        raise ImportRefused([_("Thiếu cột mã đơn vị tiếp nhận (%(names)s).", names=names)])
    if not parsed.dossiers:
        raise ImportRefused([_("Tệp không có hồ sơ nào dưới dòng tiêu đề.")])
    return parsed


def _best(sheet) -> dossier_log.Parsed:
    """The preset that reads the most columns (the portal's field names or the one-stop log's)."""
    found = []
    for aliases in _presets():
        try:
            found.append((len(dossier_log.find_columns(sheet, aliases).index), aliases))
        except dossier_log.FileProblem as problem:
            last = problem
    if not found:
        raise last
    return dossier_log.parse(sheet, max(found, key=lambda f: f[0])[1])


def import_export(filename: str, data: bytes, user: CityUser, provinces: tuple[str, ...]) -> OneStopImport:
    """Read, count and store the counts of a province's export, audited and committed; refused
    whole (``ImportRefused``, nothing stored) on a bad row or a unit outside ``provinces``."""
    try:
        done = _import(filename, data, user, provinces)
    except ImportRefused:
        db.session.rollback()
        raise
    db.session.commit()
    return done


def _import(filename: str, data: bytes, user: CityUser, provinces: tuple[str, ...]) -> OneStopImport:
    parsed = read_export(filename, data)
    by_unit: dict[str, list] = defaultdict(list)
    outside = []
    for row in parsed.dossiers:
        unit = find(row["unit_code"])
        if unit is None or unit.province_code not in provinces:
            outside.append(row["unit_code"])
            continue
        by_unit[unit.code].append(dossier_log.facts(row))
    if outside:
        shown = ", ".join(sorted(set(outside))[:10])
        raise ImportRefused([_("Mã đơn vị không thuộc tỉnh/thành phố của bạn: %(codes)s.", codes=shown)], len(outside))
    first = min(d.received_at.date() for ds in by_unit.values() for d in ds)
    last = min(clock.today(), max(_last_moment(d) for ds in by_unit.values() for d in ds).date())
    first = max(first, last - dt.timedelta(days=MAX_DAYS - 1)) if (last - first).days >= MAX_DAYS else first
    shown_figures = set(computable(parsed.fields))
    done = OneStopImport(
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(parsed.dossiers),
        first_day=first,
        last_day=last,
        imported_by=user.username,
    )
    db.session.add(done)
    db.session.flush()
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    for code, dossiers in by_unit.items():
        _replace_counts(code, days, dossiers, done.id, shown_figures)
    record("oneshop.imported", filename[:80], f"{len(parsed.dossiers)} rows, {first}–{last}", actor=user.username)
    desk.changed()
    return done


def _last_moment(d) -> dt.datetime:
    return max(m for m in (d.received_at, d.finished_at) if m is not None)


def _replace_counts(code: str, days: list[dt.date], dossiers: list, import_id: int, shown: set[str]) -> None:
    province = code_province(code)
    db.session.execute(
        db.delete(OneStopCounts).where(
            OneStopCounts.commune_code == code, OneStopCounts.date.between(days[0], days[-1])
        )
    )
    dossiers.sort(key=lambda d: d.received_at)
    rows = []
    for day in days:
        counted = count_day(dossiers, day)
        rows.append(
            {
                "commune_code": code,
                "province_code": province,
                "date": day,
                "counts": {n: counted[n] for n in COMPARED if n in shown},
                "import_id": import_id,
            }
        )
    db.session.execute(db.insert(OneStopCounts), rows)


def code_province(code: str) -> str:
    unit = find(code)
    return unit.province_code if unit else ""


@dataclass(frozen=True)
class Difference:
    figure: str
    signed: int
    portal: int

    @property
    def difference(self) -> int:
        return self.signed - self.portal

    @property
    def label(self) -> str:
        return str(BY_NAME[self.figure].label) if self.figure in BY_NAME else self.figure


def labels() -> dict[str, str]:
    """The compared figures' labels in the reader's language, translated once per page."""
    return {name: str(BY_NAME[name].label) for name in COMPARED}


@dataclass(frozen=True)
class DayReconciled:
    commune_code: str
    date: dt.date
    report_id: str | None  # None: the export has the day, the commune did not report it
    from_log: bool  # the signed figures came from the commune's own dossier log
    differences: list[Difference]  # only the figures that differ

    @property
    def agrees(self) -> bool:
        return not self.differences


def days(provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None = None) -> list[DayReconciled]:
    """Every commune-day the export covers in the range, with the figures that differ."""
    return desk.remembered("reconcile", (provinces, start, end, commune), lambda: _days(provinces, start, end, commune))


def _days(provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None) -> list[DayReconciled]:
    signed = _signed(provinces, start, end, (commune,) if commune else None)
    out = []
    for code, by_day in _portal(provinces, start, end, commune).items():
        for day, counts in by_day.items():
            row = signed.get((code, day))
            differences = []
            for name, portal in counts.items():
                value = row[_AT[name]] if row is not None and name in _AT else 0
                if value != portal:
                    differences.append(Difference(name, value, portal))
            out.append(DayReconciled(code, day, row[0] if row else None, bool(row and row[1]), differences))
    out.sort(key=lambda d: (-d.date.toordinal(), d.commune_code))
    return out


# Where each compared figure is in a signed row (_signed): rows are read as plain tuples, since a
# month of a province is five thousand of them.
_AT = {name: 2 + i for i, name in enumerate(COMPARED)}
PORTAL_KEPT_MAX = 32
COMMUNES_KEPT_MAX = 4096  # communes' rows per worker: a few periods of a large province
FEW_COMMUNES = 24  # changed communes read by code; more than this, the whole range at once


def _signed(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, communes: Collection[str] | None
) -> dict[tuple, tuple]:
    """The current revisions' compared figures, by commune and day: (report_id, log_figures, *COMPARED)."""
    F = ReceivedFigures
    query = db.select(F.commune_code, F.date, F.report_id, F.log_figures, *[getattr(F, n) for n in COMPARED]).filter(
        F.current.is_(True), F.province_code.in_(provinces), F.date.between(start, end)
    )
    if communes is not None:
        query = query.filter(F.commune_code.in_(sorted(communes)))
    return {(row[0], row[1]): tuple(row[2:]) for row in db.session.execute(query)}


def _generation() -> tuple:
    """The imports' last id and number: only an import moves them (a report arriving does not)."""
    Imports = OneStopImport
    return tuple(db.session.execute(db.select(db.func.max(Imports.id), db.func.count(Imports.id))).one())


def _portal(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None, generation: tuple | None = None
) -> dict[str, dict[dt.date, dict]]:
    """The export's counts of the range by commune, then day, read and parsed once per import in
    each worker: a report arriving moves the desk's revision but changes none of them. Keyed by
    the imports' generation (``_generation``)."""
    C = OneStopCounts

    def read() -> dict[str, dict[dt.date, dict]]:
        query = db.select(C.commune_code, C.date, C.counts).filter(
            C.province_code.in_(provinces), C.date.between(start, end)
        )
        if commune:
            query = query.filter(C.commune_code == commune)
        out: dict[str, dict[dt.date, dict]] = defaultdict(dict)
        for code, day, counts in db.session.execute(query):
            out[code][day] = counts
        return dict(out)

    key = ("portal", generation or _generation(), provinces, start, end, commune)
    return memo.kept("wardapp.city.review.reconcile", key, read, limit=PORTAL_KEPT_MAX)


def _marks(provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None) -> dict[str, tuple]:
    """Per commune, what says its current revisions of the range are still those a kept row was
    compared with: their number and the sum of their primary keys. A revision becomes current
    only when it arrives, with a key larger than any before it, and rows are never deleted, so
    every change of a commune's current revisions raises one or the other (one GROUP BY on the
    (province, date, current) index, not five thousand rows read)."""
    F = ReceivedFigures
    query = (
        db.select(F.commune_code, db.func.count(), db.func.sum(F.report_pk))
        .filter(F.current.is_(True), F.province_code.in_(provinces), F.date.between(start, end))
        .group_by(F.commune_code)
    )
    if commune:
        query = query.filter(F.commune_code == commune)
    return {code: (int(count), int(total or 0)) for code, count, total in db.session.execute(query)}


@dataclass(frozen=True)
class CommuneReconciled:
    """A commune over the period: the days the export covers, those that differ, those whose
    signed figures came from the commune's own log, and each figure's totals side by side."""

    commune_code: str
    days: int
    days_differing: int
    days_from_log: int
    days_unreported: int
    differences: list[Difference]  # the period's sums, only the figures whose sums differ

    @property
    def agrees(self) -> bool:
        return not self.days_differing


def by_commune(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None = None
) -> list[CommuneReconciled]:
    """The period per commune (the province's view: one row per commune, the days on its page)."""
    return desk.remembered(
        "reconcile-communes", (provinces, start, end, commune), lambda: _by_commune(provinces, start, end, commune)
    )


def row_key(row: CommuneReconciled) -> tuple:
    """Everything a commune's row shows (its rendering is kept under it)."""
    differences = tuple((d.figure, d.signed, d.portal) for d in row.differences)
    return (row.commune_code, row.days, row.days_differing, row.days_from_log, row.days_unreported, differences)


def _by_commune(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, commune: str | None
) -> list[CommuneReconciled]:
    """Per commune, from the same per-day comparison (the signed sums over the days the export
    covers, beside the export's sums). Each commune's row is kept in the worker under its current
    revisions' mark (``_marks``): after a report arrives only its commune's row is compared
    again, from that commune's rows alone (bench/review.py, docs/PERFORMANCE.md)."""
    generation = _generation()
    portal = _portal(provinces, start, end, commune, generation)
    marks = _marks(provinces, start, end, commune)
    keys = {code: (generation, code, start, end, marks.get(code)) for code in portal}

    def compare(missing: set[tuple]) -> dict[tuple, CommuneReconciled]:
        codes = {key[1] for key in missing}
        rows = _signed(provinces, start, end, codes if len(codes) <= FEW_COMMUNES else None)
        return {key: _commune(key[1], portal[key[1]], rows) for key in missing}

    kept = memo.kept_many("wardapp.city.review.reconcile-communes", keys.values(), compare, limit=COMMUNES_KEPT_MAX)
    out = [kept[keys[code]] for code in sorted(portal)]
    out.sort(key=lambda c: (-c.days_differing, c.commune_code))
    return out


def _commune(code: str, by_day: dict[dt.date, dict], rows: dict[tuple, tuple]) -> CommuneReconciled:
    """One commune's days the export covers, against its signed rows (by commune and day)."""
    portal_of: dict[str, int] = defaultdict(int)
    signed_of: dict[str, int] = defaultdict(int)
    days_, differing, from_log, unreported = 0, 0, 0, 0
    at = _AT
    for day, counts in by_day.items():
        row = rows.get((code, day))
        days_ += 1
        if row is None:  # the export has the day, the commune did not report it: every count differs
            unreported += 1
            for name, value in counts.items():
                portal_of[name] += value
                signed_of[name] += 0
            differing += any(counts.values())
            continue
        from_log += bool(row[1])
        differs = False
        for name, value in counts.items():
            portal_of[name] += value
            index = at.get(name)
            mine = row[index] if index is not None else 0
            signed_of[name] += mine
            if mine != value:
                differs = True
        differing += differs
    differences = [Difference(name, signed_of[name], total) for name, total in portal_of.items()]
    return CommuneReconciled(code, days_, differing, from_log, unreported, [x for x in differences if x.difference])
