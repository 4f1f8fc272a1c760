"""Recording late dossiers and the leader's explanations, and marking a day ready to sign."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from wardapp.audit import log as audit
from wardapp.core import collation, inputs, periods
from wardapp.core.clock import parse_iso_date, utcnow
from wardapp.core.text import form_problems, without_forbidden
from wardapp.delays.models import Explanation, LateDossier, LateKind
from wardapp.delays.readiness import Item, readiness
from wardapp.extensions import db
from wardapp.reports.models import DailyReport


class NotReady(Exception):
    def __init__(self, blockers: list[str]):
        super().__init__("; ".join(blockers))
        self.blockers = blockers


def _text(form, name: str, limit: int) -> str:
    return " ".join(form.get(name, "").split())[:limit]


def parse_late_dossier(form) -> tuple[dict, dict[str, str]]:
    values = {
        "kind": form.get("kind", ""),
        "procedure": _text(form, "procedure", 200),
        "dossier_code": _text(form, "dossier_code", 60),
        "officer": _text(form, "officer", 120),
        "unit": _text(form, "unit", 120),
        "cause": form.get("cause", "").strip()[:2000],
        "apology_issued": form.get("apology_issued") == "1",
    }
    errors = form_problems(form)
    if values["kind"] not in [k.value for k in LateKind]:
        errors["kind"] = _("Chọn loại trễ hạn.")
    raw = form.get("count", "1").strip()
    count = inputs.parse_int(raw, 1, 10_000)
    if count is None:
        errors["count"] = _("Số hồ sơ là số nguyên từ 1.")
    else:
        values["count"] = count
    for name, message in (
        ("procedure", _("Nhập tên thủ tục.")),
        ("officer", _("Nhập cán bộ chịu trách nhiệm.")),
        ("cause", _("Nêu nguyên nhân trễ hạn.")),
    ):
        if not values[name]:
            errors[name] = message
    raw_date = form.get("new_appointment", "").strip()
    values["new_appointment"] = parse_iso_date(raw_date) if raw_date else None
    if raw_date and values["new_appointment"] is None:
        errors["new_appointment"] = _("Ngày không hợp lệ.")
    return values, errors


def add_late_dossier(report: DailyReport, values: dict, user) -> LateDossier:
    """Record a late dossier of the day; commits."""
    dossier = LateDossier(report_id=report.id, created_by_id=user.id, **values)
    db.session.add(dossier)
    report.touch(user)
    db.session.flush()
    _audit("late_dossier.added", report, user, after=dossier.snapshot())
    db.session.commit()
    return dossier


def remove_late_dossier(dossier: LateDossier, user) -> None:
    """Remove a late dossier recorded by mistake; commits."""
    _audit("late_dossier.removed", dossier.report, user, before=dossier.snapshot())
    dossier.report.touch(user)
    db.session.delete(dossier)
    db.session.commit()


def _audit(action: str, report: DailyReport, user, **details) -> None:
    """Every change of the day's delays is on the audit log under the day it belongs to."""
    audit.record(action, target_type="report", target_id=report.date.isoformat(), actor=user, **details)


def parse_explanation(form, today) -> tuple[dict, dict[str, str]]:
    values = {
        "cause": form.get("cause", "").strip()[:2000],
        "remedy": form.get("remedy", "").strip()[:2000],
        "responsible": _text(form, "responsible", 120),
    }
    errors = form_problems(form)
    if not values["cause"]:
        errors["cause"] = _("Nêu nguyên nhân.")
    if not values["remedy"]:
        errors["remedy"] = _("Nêu biện pháp khắc phục.")
    if not values["responsible"]:
        errors["responsible"] = _("Nêu người chịu trách nhiệm.")
    raw = form.get("new_date", "").strip()
    values["new_date"] = parse_iso_date(raw) if raw else None
    if not raw:
        errors["new_date"] = _("Chọn thời hạn hoàn thành mới.")
    elif values["new_date"] is None:
        errors["new_date"] = _("Ngày không hợp lệ.")
    elif values["new_date"] < today:
        errors["new_date"] = _("Thời hạn mới không thể ở quá khứ.")
    return values, errors


def explain(report: DailyReport, item: Item, values: dict, user) -> Explanation:
    """Add the leader's explanation; an earlier one for the same item stays as history."""
    explanation = Explanation(
        report_id=report.id,
        item_key=item.key,
        item_label=without_forbidden(item.label)[:300],
        author_id=user.id,
        **values,
    )
    db.session.add(explanation)
    db.session.flush()
    _audit("explanation.added", report, user, after=explanation.snapshot(), summary=item.label[:300])
    report.touch(user)
    return explanation


def explain_items(report: DailyReport, items: list[Item], values: dict, user) -> None:
    """The same words for each item ticked in one form (each keeps its own explanation); commits."""
    for item in items:
        explain(report, item, values, user)
    db.session.commit()


def mark_ready(commune, report: DailyReport, user) -> None:
    """The leader says the day is ready to sign (checked as signing checks it); commits."""
    state = readiness(commune, report, report.date)
    if not state.ready:
        raise NotReady(state.blockers)
    report.ready_at = utcnow()
    report.ready_by_id = user.id
    _audit("report.ready", report, user)
    db.session.commit()


LateEntry = tuple[dt.date, LateDossier, Explanation | None]


def late_by_officer(commune_id: int, first: dt.date) -> list[tuple[tuple[str, str], list[LateEntry]]]:
    """The month's late dossiers grouped by (officer, unit), each with the leader's latest
    explanation (the public list on the page and in the PDF)."""
    start, end = periods.month_bounds(first)
    rows = db.session.execute(
        db.select(LateDossier, DailyReport.date)
        .join(DailyReport, LateDossier.report_id == DailyReport.id)
        .filter(DailyReport.commune_id == commune_id, DailyReport.date.between(start, end))
        .order_by(LateDossier.officer, DailyReport.date)
    ).all()
    report_ids = {dossier.report_id for dossier, _day in rows}
    explained: dict[str, Explanation] = {}
    if report_ids:
        for explanation in db.session.scalars(
            db.select(Explanation)
            .filter(Explanation.report_id.in_(report_ids), Explanation.item_key.like("late:%"))
            .order_by(Explanation.id)
        ):
            explained[explanation.item_key] = explanation  # the latest wins
    groups: dict[tuple[str, str], list[LateEntry]] = {}
    for dossier, day in rows:
        groups.setdefault((dossier.officer, dossier.unit), []).append(
            (day, dossier, explained.get(f"late:{dossier.id}"))
        )
    # Vietnamese alphabetical order of officers, then units (code-point order put Đặng after Võ).
    return sorted(groups.items(), key=lambda item: (collation.key(item[0][0]), collation.key(item[0][1])))
