"""Importing the dossier log, and the day's figures, sources and late dossiers computed from it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import Table, bindparam

from wardapp.audit import log as audit
from wardapp.core import clock
from wardapp.core import text as text_rules
from wardapp.core.dossier_counts import (
    LOG_FIGURES,
    Channel,
    DossierFacts,
    State,
    computable,
    count_day,
    day_bounds,
    late_on_day,
)
from wardapp.core.i18n import fmt_number
from wardapp.core.rules import check_figures, parse_count
from wardapp.delays.day import register_figure_sources
from wardapp.delays.models import LateDossier
from wardapp.dossiers.models import ColumnMapping, Dossier, DossierImport, FigureOverride
from wardapp.extensions import db
from wardapp.platform import dossier_log as importer
from wardapp.platform import memo
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.reports.operations import FixedFigure, register_after_save, register_fixed_source

REASON_MAX = 1000
UPSERT_BATCH = 5000


# --- sources (presets and saved mappings) ------------------------------------------------------


def sources(commune_id: int) -> list[tuple[str, str]]:
    """(key, label) of every way a file can be read: the presets, then the admin's mappings."""
    saved = db.session.scalars(db.select(ColumnMapping).filter_by(commune_id=commune_id).order_by(ColumnMapping.name))
    return [(p.key, str(p.label)) for p in importer.PRESETS] + [(f"map:{m.name}", m.name) for m in saved]


def aliases_for(commune_id: int, source: str) -> dict[str, tuple[str, ...]] | None:
    if source in importer.PRESETS_BY_KEY:
        return dict(importer.PRESETS_BY_KEY[source].aliases)
    if source.startswith("map:"):
        mapping = db.session.scalar(db.select(ColumnMapping).filter_by(commune_id=commune_id, name=source[4:]))
        if mapping is not None:
            return {f: (header,) for f, header in mapping.columns.items()}
    return None


def detect_source(commune_id: int, sheet: importer.Sheet) -> str | None:
    """The source that reads the most of the file's columns, among those whose required columns it
    has; a saved mapping wins a tie (it is specific). A mapping that reads only a preset's code and
    date columns once won outright, and the file's channel and other dates were silently dropped."""
    best: tuple[int, bool, str] | None = None
    for key, _label in sources(commune_id):
        try:
            columns = importer.find_columns(sheet, aliases_for(commune_id, key) or {})
        except importer.FileProblem:
            continue
        rank = (len(columns.index), key.startswith("map:"), key)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return None if best is None else best[2]


def mapping_problems(form_columns: dict[str, str], headers: list[str]) -> dict[str, str]:
    errors = {}
    for f in importer.REQUIRED:
        if not form_columns.get(f):
            errors[f] = _("Cột này là bắt buộc.")
    for f, header in form_columns.items():
        if header and header not in headers:
            errors[f] = _("Tệp không có cột này.")
        elif header and importer.looks_personal(header):
            errors[f] = _("Cột chứa dữ liệu cá nhân không được ghép (Nghị định 13/2023/NĐ-CP).")
    return errors


def save_mapping(commune_id: int, name: str, columns: dict[str, str], user) -> ColumnMapping:
    mapping = db.session.scalar(db.select(ColumnMapping).filter_by(commune_id=commune_id, name=name))
    if mapping is None:
        mapping = ColumnMapping(commune_id=commune_id, name=name, created_by_id=user.id)
        db.session.add(mapping)
    mapping.columns = {f: h for f, h in columns.items() if h}
    audit.record("dossiers.mapping_saved", target_type="dossier_mapping", target_id=name, after=mapping.columns)
    db.session.commit()
    return mapping


# --- importing -------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    record: DossierImport | None = None
    dropped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record is not None


def import_file(commune_id: int, filename: str, data: bytes, user, source: str = "") -> ImportOutcome:
    """Read a whole export and store it, or store nothing and say what is wrong with every bad row."""
    if problem := text_rules.problem(filename):
        return ImportOutcome([_("Tên tệp: %(problem)s", problem=problem)], 1)
    try:
        sheet = importer.read_sheet(filename, data)
        source = source or detect_source(commune_id, sheet) or importer.PRESETS[0].key
        aliases = aliases_for(commune_id, source)
        if aliases is None:
            return ImportOutcome([_("Không có cách ghép cột «%(name)s».", name=source)], 1)
        parsed = importer.parse(sheet, aliases)
    except importer.FileProblem as problem:
        return ImportOutcome([str(problem)], 1)
    if parsed.error_count:
        return ImportOutcome(parsed.errors, parsed.error_count, dropped=parsed.dropped)
    if not parsed.dossiers:
        return ImportOutcome([_("Tệp không có hồ sơ nào dưới dòng tiêu đề.")], 1)
    received = [d["received_at"].date() for d in parsed.dossiers]
    spans = [d["finished_at"] - d["received_at"] for d in parsed.dossiers if d["finished_at"] is not None]
    record = DossierImport(
        commune_id=commune_id,
        source=source,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(parsed.dossiers),
        fields=sorted(set(parsed.fields) - {"code", "received_at"}),
        first_received=min(received),
        last_received=max(received),
        longest_days=max(spans, default=dt.timedelta()).days + 1,
        imported_by_id=getattr(user, "id", None),
    )
    db.session.add(record)
    db.session.flush()
    record.created, record.updated = _upsert(commune_id, record.id, parsed.dossiers, set(parsed.fields))
    audit.record(
        "dossiers.imported",
        target_type="dossier_import",
        target_id=record.id,
        after=record.snapshot(),
        summary=filename[:300],
        actor=user,
    )
    refresh_open_reports(commune_id, record.first_received, user)
    db.session.commit()
    return ImportOutcome(record=record, dropped=parsed.dropped)


class WithdrawProblem(Exception):
    pass


@dataclass(frozen=True)
class Withdrawal:
    removed: int  # dossiers the import had created
    restored: int  # dossiers it had updated, put back as they were


def import_of_commune(import_id: int, commune_id: int) -> DossierImport | None:
    record = db.session.get(DossierImport, import_id)
    return record if record is not None and record.commune_id == commune_id else None


def withdraw_import(record: DossierImport, reason: str, user) -> Withdrawal:
    """Take an import back: the dossiers it created go, those it updated get back what it
    overwrote (unless a later import has written them since: that one holds them), its figures
    stop counting, and every unsigned day from its first dossier is counted again."""
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not record.active:
        raise WithdrawProblem(_("Lần nhập này đã được rút."))
    if not reason:
        raise WithdrawProblem(_("Nêu lý do rút lần nhập này."))
    if problem := text_rules.problem(reason):
        raise WithdrawProblem(problem)
    record.withdrawn_at, record.withdrawn_by_id, record.withdrawn_reason = clock.utcnow(), user.id, reason
    db.session.flush()
    removed = restored = 0
    for dossier in db.session.scalars(db.select(Dossier).filter_by(commune_id=record.commune_id, import_id=record.id)):
        previous = _before(dossier.code, record)
        if previous is None:
            db.session.delete(dossier)
            removed += 1
        else:
            for column, value in previous.items():
                setattr(dossier, column, _restored_value(column, value))
            restored += 1
    audit.record(
        "dossiers.import_withdrawn",
        target_type="dossier_import",
        target_id=record.id,
        before=record.snapshot(),
        after={"removed": removed, "restored": restored, "reason": reason},
        summary=reason[:300],
        actor=user,
    )
    db.session.flush()
    refresh_open_reports(
        record.commune_id,
        record.first_received,
        user,
        withdrawn=frozenset(record.fields),
        summary=_("Rút lần nhập sổ theo dõi hồ sơ «%(file)s»", file=record.filename),
    )
    db.session.commit()
    return Withdrawal(removed, restored)


def _before(code: str, record: DossierImport) -> dict | None:
    """What a dossier was before ``record`` wrote it, going back past withdrawn imports; None when
    no active import had it (the dossier goes)."""
    merged: dict = {}
    while True:
        previous = (record.replaced or {}).get(code)
        if previous is None:
            return None
        merged.update(previous)  # an older import's values under a newer one's
        earlier = db.session.get(DossierImport, previous["import_id"])
        if earlier is None:
            return None
        if earlier.active:
            return merged
        record = earlier


def _restored_value(column: str, value: object) -> object:
    if column in importer.DATE_FIELDS and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def _upsert(commune_id: int, import_id: int, rows: list[dict], present: set[str]) -> tuple[int, int]:
    """Insert new codes and update known ones in bulk; a column the file lacks keeps its stored value."""
    existing = {
        stored.code: stored
        for stored in db.session.execute(db.select(*Dossier.__table__.columns).filter(Dossier.commune_id == commune_id))
    }
    keep = {"code"} | present | ({"state"} if "status" in present else set())
    inserts, updates = [], []
    replaced: dict[str, dict] = {}
    for row in rows:
        values = {"commune_id": commune_id, "import_id": import_id, **row}
        known = existing.get(row["code"])
        if known is None:
            inserts.append(values)
        else:
            changed = {k: v for k, v in row.items() if k in keep}
            updates.append({"id": known.id, "import_id": import_id} | changed)
            replaced[row["code"]] = {"import_id": known.import_id} | {
                k: _stored_value(getattr(known, k)) for k in changed if k != "code"
            }
    record = db.session.get(DossierImport, import_id)
    assert record is not None
    record.replaced = replaced
    # Core statements, executemany: the ORM's bulk paths cost several times more per row.
    table = cast(Table, Dossier.__table__)
    for start in range(0, len(inserts), UPSERT_BATCH):
        db.session.execute(table.insert(), [_insert_defaults(v) for v in inserts[start : start + UPSERT_BATCH]])
    for columns, group in _by_columns(updates).items():
        statement = (
            table.update()
            .where(table.c.id == bindparam("dossier_id"))
            .values({c: bindparam(f"new_{c}") for c in columns if c != "id"})
        )
        for start in range(0, len(group), UPSERT_BATCH):
            db.session.execute(
                statement,
                [
                    {"dossier_id": r["id"]} | {f"new_{k}": v for k, v in r.items() if k != "id"}
                    for r in group[start : start + UPSERT_BATCH]
                ],
            )
    return len(inserts), len(updates)


def _stored_value(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.datetime) else value


_INSERT_DEFAULTS = {"procedure": "", "field": "", "officer": "", "unit": "", "state": State.NORMAL.value}


def _insert_defaults(values: dict) -> dict:
    """Core inserts skip the model's Python defaults: every column gets a value here."""
    row = dict.fromkeys(c.name for c in Dossier.__table__.columns if c.name != "id")
    row.update({"fee_bearing": False, "paid_online": False, "digitized": False, "e_result": False})
    row.update(_INSERT_DEFAULTS)
    row.update(values)
    return row


def _by_columns(updates: list[dict]) -> dict[tuple[str, ...], list[dict]]:
    groups: dict[tuple[str, ...], list[dict]] = {}
    for values in updates:
        groups.setdefault(tuple(sorted(values)), []).append(values)
    return groups


def imports_of(commune_id: int, limit: int = 50) -> list[DossierImport]:
    return list(
        db.session.scalars(
            db.select(DossierImport)
            .filter_by(commune_id=commune_id)
            .order_by(DossierImport.imported_at.desc(), DossierImport.id.desc())
            .limit(limit)
        )
    )


# --- the day's figures from the log ------------------------------------------------------------


_FACT_COLUMNS = (
    Dossier.code,
    Dossier.received_at,
    Dossier.due_at,
    Dossier.finished_at,
    Dossier.channel,
    Dossier.state,
    Dossier.full_process,
    Dossier.fee_bearing,
    Dossier.paid_online,
    Dossier.digitized,
    Dossier.e_result,
)


def dossiers_of_day(commune_id: int, day: dt.date) -> list[DossierFacts]:
    """Only the dossiers a day can count: received by its end and not finished before it began.

    Two index ranges instead of one scan of the whole log: the dossiers still open, and the
    finished ones received no earlier than the longest any finished dossier took before the day.
    Plain column rows, not ORM objects: a busy commune has a thousand dossiers open on a day.
    """
    start, end = day_bounds(day)
    longest = db.session.scalar(
        db.select(db.func.max(DossierImport.longest_days)).filter(
            DossierImport.commune_id == commune_id, DossierImport.withdrawn_at.is_(None)
        )
    )
    earliest = _days_before(start, (longest or 0) + 1)
    base = db.select(*_FACT_COLUMNS).filter(Dossier.commune_id == commune_id, Dossier.received_at < end)
    open_rows = db.session.execute(base.filter(Dossier.finished_at.is_(None)))
    finished_rows = db.session.execute(base.filter(Dossier.received_at >= earliest, Dossier.finished_at >= start))
    return [_facts(row) for rows in (open_rows, finished_rows) for row in rows]


def _days_before(moment: dt.datetime, days: int) -> dt.datetime:
    """``moment`` less ``days``, or the first moment there is: a log stored before dates were
    checked may say a dossier took thousands of years, and that must not stop every day's form."""
    try:
        return moment - dt.timedelta(days=days)
    except OverflowError:
        return dt.datetime.min


def _facts(row) -> DossierFacts:
    code, received, due, finished, channel, state, full, fee, paid, digitized, e_result = row
    return DossierFacts(
        code,
        received,
        due,
        finished,
        Channel(channel) if channel else None,
        State(state),
        full,
        fee,
        paid,
        digitized,
        e_result,
    )


@dataclass(frozen=True)
class LogDay:
    """What the log says about a day: the counts it can give, the imports behind them, overrides."""

    counts: dict[str, int]  # only the figures the imports had columns for
    imports: list[DossierImport]
    overrides: dict[str, FigureOverride]

    @property
    def latest(self) -> DossierImport:
        return self.imports[0]

    def source_text(self) -> str:
        at = clock.as_local(self.latest.imported_at)
        return _(
            "Từ sổ theo dõi hồ sơ, nhập lúc %(time)s ngày %(date)s, %(rows)s hồ sơ.",
            time=at.strftime("%H:%M"),
            date=at.strftime("%d/%m/%Y"),
            rows=fmt_number(self.latest.rows),
        )

    def value(self, name: str) -> int:
        override = self.overrides.get(name)
        return override.value if override is not None else self.counts[name]


DAY_COUNTS_KEPT = 256  # commune-days per worker: a month of days for every form open at once


def _day_counts(commune_id: int, day: dt.date, latest_import: tuple[int, ...]) -> dict[str, int]:
    """The log's counts for a day, computed once per import: the form's live check asks for them
    several times a second while someone types, and only a new import changes them (dossiers are
    written by imports alone)."""
    return memo.kept(
        "wardapp.dossiers.day_counts",
        (commune_id, day, latest_import),
        lambda: count_day(dossiers_of_day(commune_id, day), day),
        limit=DAY_COUNTS_KEPT,
    )


def log_day(commune_id: int, day: dt.date) -> LogDay | None:
    """The log's figures for a day, or None when no import covers the day yet."""
    every = imports_of(commune_id)
    imports = [i for i in every if i.active and i.first_received is not None and i.first_received <= day]
    if not imports:
        return None
    fields = set().union(*(set(i.fields) for i in imports[:1]))
    names = computable(fields)
    # The dossiers change with each import and each withdrawal: both are in the key.
    generation = (max(i.id for i in imports), *sorted(i.id for i in every if not i.active))
    counts = _day_counts(commune_id, day, generation)
    overrides = {
        o.figure: o
        for o in db.session.scalars(db.select(FigureOverride).filter_by(commune_id=commune_id, date=day))
        if o.figure in names
    }
    return LogDay({n: counts[n] for n in names}, imports, overrides)


def figure_sources(commune_id: int, day: dt.date, figures: Mapping[str, int], derived: AbstractSet[str]) -> dict | None:
    """The signed ``figure_sources`` (PROTOCOL): where each figure of the day came from.

    A figure is "dossier_log" only when the stored value is exactly the log's count at signing
    time; "override" carries the log's count and the person's reason; "derived" is filled by the
    app from its own records (carried over, response-team cases); the rest is "typed".
    """
    day_log = log_day(commune_id, day)
    if day_log is None:
        return None
    entries: dict[str, dict] = {}
    for name, value in figures.items():
        if name in day_log.overrides and value == day_log.overrides[name].value:
            o = day_log.overrides[name]
            entries[name] = {"source": "override", "computed": day_log.counts[name], "reason": o.reason}
        elif name in day_log.counts and value == day_log.counts[name]:
            entries[name] = {"source": "dossier_log"}
        elif name in derived:
            entries[name] = {"source": "derived"}
        else:
            entries[name] = {"source": "typed"}
    return {
        "figures": entries,
        "imports": [
            {
                "sha256": i.sha256,
                "rows": i.rows,
                "imported_at": clock.as_local(i.imported_at).isoformat(timespec="seconds"),
                "filename": i.filename,
            }
            for i in day_log.imports[:10]
        ],
    }


def refresh_open_reports(
    commune_id: int, since: dt.date | None, user, withdrawn: frozenset[str] = frozenset(), summary: str = ""
) -> int:
    """Write the log's figures into every unsigned report from ``since``: they fill themselves.

    ``withdrawn`` names the figures a withdrawn import gave: a day no other import covers any more
    has them put back to zero for staff to type, rather than keeping counts from a file taken back.
    """
    if since is None:
        return 0
    reports = db.session.scalars(
        db.select(DailyReport).filter(
            DailyReport.commune_id == commune_id,
            DailyReport.date >= since,
            DailyReport.status != ReportStatus.SIGNED,
        )
    ).all()
    changed = 0
    for report in reports:
        day_log = log_day(commune_id, report.date)
        if day_log is not None:
            fill_late_dossiers(report, user)
            new = {name: day_log.value(name) for name in day_log.counts}
        elif withdrawn:
            new = dict.fromkeys(computable(withdrawn), 0)
        else:
            continue
        if all(getattr(report, n) == v for n, v in new.items()):
            continue
        before = report.snapshot()
        for name, value in new.items():
            setattr(report, name, value)
        report.status = ReportStatus.DRAFT if check_figures(report.figures) else ReportStatus.COMPLETE
        report.touch(user)
        old, after = audit.changes(before, report.snapshot())
        audit.record(
            "report.updated",
            target_type="report",
            target_id=report.date.isoformat(),
            before=old,
            after=after,
            summary=summary or _("Cập nhật từ sổ theo dõi hồ sơ"),
            actor=user,
        )
        changed += 1
    return changed


# --- hooks into the report form -------------------------------------------------------------


def fixed_figures_from_log(commune_id: int, day: dt.date) -> dict[str, FixedFigure]:
    """Figures computed from the imported dossier log, or a person's override of one."""
    day_log = log_day(commune_id, day)
    if day_log is None:
        return {}
    source = day_log.source_text()
    fixed = {}
    for name, count in day_log.counts.items():
        override = day_log.overrides.get(name)
        if override is None:
            fixed[name] = FixedFigure(count, source, "dossier_log")
        else:
            fixed[name] = FixedFigure(
                override.value,
                _("Sửa tay (sổ ghi %(n)s). Lý do: %(reason)s", n=count, reason=override.reason),
                "override",
                override.reason,
            )
    return fixed


# Figures the app fills from its own records when the dossier log does not give them.
DERIVED_FIGURES = frozenset({"carried_over", "response_team_cases"})


def signed_figure_sources(commune_id: int, day: dt.date, figures: Mapping[str, int]) -> dict | None:
    """What the signed document says of its figures' sources (``figure_sources``)."""
    return figure_sources(commune_id, day, figures, derived=DERIVED_FIGURES)


def init_app(app) -> None:
    """The report form takes its figures from the log, its late list fills itself on save, and the
    day's facts say where each figure came from."""
    register_fixed_source(app, fixed_figures_from_log)
    register_after_save(app, fill_late_dossiers)
    register_figure_sources(app, signed_figure_sources)


# --- overrides -------------------------------------------------------------------------------


class OverrideProblem(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def set_override(commune_id: int, day: dt.date, figure: str, raw_value: str, reason: str, user, maximum: int):
    errors = {}
    value, problem = parse_count(raw_value, maximum)
    if problem:
        errors["value"] = problem
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not reason:
        errors["reason"] = _("Nêu lý do sửa số liệu lấy từ sổ theo dõi hồ sơ.")
    if errors:
        raise OverrideProblem(errors)
    override = db.session.scalar(db.select(FigureOverride).filter_by(commune_id=commune_id, date=day, figure=figure))
    before = {"value": override.value, "reason": override.reason} if override else None
    if override is None:
        override = FigureOverride(commune_id=commune_id, date=day, figure=figure)
        db.session.add(override)
    override.value, override.reason, override.by_id, override.at = value, reason, user.id, clock.utcnow()
    audit.record(
        "figure.overridden",
        target_type="report",
        target_id=day.isoformat(),
        before=before,
        after={"figure": figure, "value": value, "reason": reason},
        summary=reason[:300],
        actor=user,
    )
    db.session.flush()
    refresh_open_reports(commune_id, day, user)
    db.session.commit()
    return override


def clear_override(commune_id: int, day: dt.date, figure: str, user) -> None:
    override = db.session.scalar(db.select(FigureOverride).filter_by(commune_id=commune_id, date=day, figure=figure))
    if override is None:
        return
    audit.record(
        "figure.override_removed",
        target_type="report",
        target_id=day.isoformat(),
        before={"figure": figure, "value": override.value, "reason": override.reason},
        actor=user,
    )
    db.session.delete(override)
    db.session.flush()
    refresh_open_reports(commune_id, day, user)
    db.session.commit()


def override_allowed(figure: str) -> bool:
    return figure in LOG_FIGURES


# --- late dossiers ---------------------------------------------------------------------------


def late_from_log(commune_id: int, day: dt.date) -> list[tuple[str, Dossier]]:
    """(kind, dossier) behind the day's late figures, by the counting function's own rules."""
    late = late_on_day(dossiers_of_day(commune_id, day), day)
    if not late:
        return []
    codes = [x.dossier.code for x in late]
    rows = {
        d.code: d
        for d in db.session.scalars(
            db.select(Dossier).filter(Dossier.commune_id == commune_id, Dossier.code.in_(codes))
        )
    }
    return [(x.kind, rows[x.dossier.code]) for x in late]


def fill_late_dossiers(report: DailyReport, user: object) -> None:
    """Add to the day's late-dossier list every late dossier of the log not listed yet.

    Staff then add the cause, apology letter and new appointment; what the log says (procedure,
    code, officer, unit) is taken as it is.
    """
    if report.frozen:
        return
    listed = {
        (d.kind, d.dossier_code) for d in db.session.scalars(db.select(LateDossier).filter_by(report_id=report.id))
    }
    added = 0
    for kind, dossier in late_from_log(report.commune_id, report.date):
        if (kind, dossier.code) in listed:
            continue
        row = LateDossier(
            report_id=report.id,
            kind=kind,
            count=1,
            procedure=dossier.procedure[:200] or "—",
            dossier_code=dossier.code,
            officer=dossier.officer or "—",
            unit=dossier.unit[:120],
            cause="",
            created_by_id=getattr(user, "id", None),
        )
        db.session.add(row)
        added += 1
    if added:
        audit.record(
            "late_dossier.filled_from_log",
            target_type="report",
            target_id=report.date.isoformat(),
            after={"added": added},
            actor=user,
        )


class LateDetailsProblem(Exception):
    pass


def late_dossier_of_commune(late_id: int, commune_id: int) -> LateDossier | None:
    row = db.session.get(LateDossier, late_id)
    return row if row is not None and row.report.commune_id == commune_id else None


def complete_late_dossier(row: LateDossier, form: Mapping[str, str], user: object) -> None:
    """What the log cannot know about a late dossier: why, the apology letter, the new appointment."""
    cause = form.get("cause", "").strip()[:2000]
    raw_date = form.get("new_appointment", "").strip()
    new_date = clock.parse_iso_date(raw_date) if raw_date else None
    if not cause or (raw_date and new_date is None):
        raise LateDetailsProblem(_("Nêu nguyên nhân trễ hạn; ngày hẹn mới theo dạng dd/mm/yyyy."))
    before = row.snapshot()
    row.cause, row.apology_issued, row.new_appointment = cause, form.get("apology_issued") == "1", new_date
    row.report.touch(user)
    old, new = audit.changes(before, row.snapshot())
    audit.record(
        "late_dossier.updated",
        target_type="report",
        target_id=row.report.date.isoformat(),
        before=old,
        after=new,
        actor=user,
    )
    db.session.commit()
