"""What the leader must explain on a day, and whether the day is ready to sign.

One place decides both, so the panel, the "ready to sign" gate and (later) signing agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func

from wardapp.commune.models import Commune
from wardapp.core.i18n import fmt_date
from wardapp.core.rules import check_figures
from wardapp.delays.models import Explanation, LateDossier, LateKind
from wardapp.evidence.operations import missing_categories
from wardapp.extensions import db
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.tasks.operations import behind_tasks
from wardapp.team.operations import overdue_without_team, team_of

MAX_LISTED_BLOCKERS = 5


@dataclass(frozen=True)
class Item:
    """Something behind schedule on the day: ``key`` is stable, so its explanation follows it."""

    key: str
    kind: str  # task, late, photo, team
    label: str
    detail: str


@dataclass
class Readiness:
    items: list[Item]
    explained: dict[str, Explanation]
    blockers: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def unexplained(self) -> list[Item]:
        return [i for i in self.items if i.key not in self.explained]


def late_dossiers_of(report: DailyReport | None) -> list[LateDossier]:
    if report is None:
        return []
    return list(db.session.scalars(db.select(LateDossier).filter_by(report_id=report.id).order_by(LateDossier.id)))


def recorded_counts(dossiers: list[LateDossier]) -> dict[str, int]:
    counts = dict.fromkeys([k.value for k in LateKind], 0)
    for d in dossiers:
        counts[d.kind] += d.count
    return counts


def count_mismatches(report: DailyReport, dossiers: list[LateDossier]) -> list[str]:
    """Where the recorded late dossiers do not add up to the day's figures."""
    counts = recorded_counts(dossiers)
    problems = []
    for kind in LateKind:
        expected = getattr(report, kind.value)
        if counts[kind.value] != expected:
            problems.append(
                _(
                    "%(kind)s: số liệu ngày là %(expected)s hồ sơ nhưng đã ghi %(recorded)s.",
                    kind=kind.label,
                    expected=expected,
                    recorded=counts[kind.value],
                )
            )
    return problems


def late_label(dossier: LateDossier) -> str:
    """What the item is, with the dossier code: two dossiers of one procedure never read the same."""
    label = f"{dossier.kind_label}: {dossier.procedure}"
    return f"{label} · {dossier.dossier_code}" if dossier.dossier_code else label


def late_detail(dossier: LateDossier) -> str:
    who = _("%(n)s hồ sơ, cán bộ %(officer)s.", n=dossier.count, officer=dossier.officer)
    if not dossier.cause.strip():
        return who
    return _("%(who)s Nguyên nhân: %(cause)s", who=who, cause=dossier.cause.strip())


def items_to_explain(commune: Commune, report: DailyReport | None, day) -> list[Item]:
    items = []
    for state in behind_tasks(commune.id, day, commune.behind_tolerance):
        task = state.task
        if state.schedule.overdue:
            detail = _("Quá hạn %(date)s, mới đạt %(p)s%%.", date=task.deadline.strftime("%d/%m/%Y"), p=state.percent)
        else:
            detail = _(
                "Đạt %(p)s%% trong khi đã qua %(e)s%% thời gian.", p=state.percent, e=round(state.schedule.expected)
            )
        items.append(Item(f"task:{task.id}", "task", f"{task.code} · {task.title}", detail))
    for dossier in late_dossiers_of(report):
        items.append(Item(f"late:{dossier.id}", "late", late_label(dossier), late_detail(dossier)))
    for category in missing_categories(commune.id, report, day):
        items.append(
            Item(
                f"photo:{category.key}",
                "photo",
                _("Thiếu ảnh: %(label)s", label=category.label),
                _("Chưa có ảnh loại này trong báo cáo ngày."),
            )
        )
    if overdue_without_team(team_of(commune.id), commune.team_deadline, day):
        items.append(
            Item(
                "team",
                "team",
                _("Chưa thành lập Tổ phản ứng nhanh"),
                _("Hạn thành lập %(date)s đã qua.", date=fmt_date(commune.team_deadline)),
            )
        )
    return items


def current_explanations(report: DailyReport | None) -> dict[str, Explanation]:
    """The latest explanation of each item (older ones are its history)."""
    if report is None:
        return {}
    latest = db.select(func.max(Explanation.id)).filter_by(report_id=report.id).group_by(Explanation.item_key)
    return {e.item_key: e for e in db.session.scalars(db.select(Explanation).filter(Explanation.id.in_(latest)))}


def readiness(commune: Commune, report: DailyReport | None, day) -> Readiness:
    items = items_to_explain(commune, report, day)
    explained = current_explanations(report)
    result = Readiness(items, {k: v for k, v in explained.items() if any(i.key == k for i in items)})
    problems = check_figures(report.figures) if report is not None else {}
    # A photo, a late dossier or an explanation creates the day as an empty draft: its zeros add
    # up, but nobody has entered the figures until the form has been saved (draft or complete).
    if report is None or (report.status == ReportStatus.DRAFT and not problems):
        result.blockers.append(_("Chưa nhập số liệu của ngày."))
    if report is not None:
        if problems:
            result.blockers.append(_("Số liệu còn %(n)s chỗ chưa khớp.", n=sum(len(m) for m in problems.values())))
        result.blockers.extend(count_mismatches(report, late_dossiers_of(report)))
    waiting = result.unexplained
    if len(waiting) > MAX_LISTED_BLOCKERS:  # a heavy day: one line, the list is below it
        result.blockers.append(_("Còn %(n)s việc chưa giải trình (danh sách bên dưới).", n=len(waiting)))
    else:
        for item in waiting:
            # The item's own words first, said once ("Thiếu ảnh: Mặt tiền (chưa giải trình)").
            result.blockers.append(_("%(label)s (chưa giải trình)", label=item.label))
    return result
