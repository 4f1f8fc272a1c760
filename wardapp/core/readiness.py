"""What the leader must explain on a day, and whether the day is ready to sign: one pure check of
the day's facts (``core/day.DayFacts``), so the panel, the "ready to sign" gate, the dashboard and
signing always agree. Its texts are said in the current locale: the signed document reads the item
labels under Vietnamese."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wardapp.core.day import DayFacts, ExplanationFact, LateFact
from wardapp.core.i18n import fmt_date
from wardapp.core.i18n import gettext as _
from wardapp.core.labels import LATE_KINDS
from wardapp.core.rules import check_figures

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
    explained: dict[str, ExplanationFact]
    blockers: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def unexplained(self) -> list[Item]:
        return [i for i in self.items if i.key not in self.explained]


def count_mismatches(figures: Mapping[str, int], dossiers: Sequence[LateFact]) -> list[str]:
    """Where the recorded late dossiers do not add up to the day's figures."""
    problems = []
    for kind, label in LATE_KINDS.items():
        recorded = sum(d.count for d in dossiers if d.kind == kind)
        if recorded != figures[kind]:
            problems.append(
                _(
                    "%(kind)s: số liệu ngày là %(expected)s hồ sơ nhưng đã ghi %(recorded)s.",
                    kind=label,
                    expected=figures[kind],
                    recorded=recorded,
                )
            )
    return problems


def late_label(dossier: LateFact) -> str:
    """What the item is, with the dossier code: two dossiers of one procedure never read the same."""
    label = f"{dossier.kind_label}: {dossier.procedure}"
    return f"{label} · {dossier.dossier_code}" if dossier.dossier_code else label


def late_detail(dossier: LateFact) -> str:
    who = _("%(n)s hồ sơ, cán bộ %(officer)s.", n=dossier.count, officer=dossier.officer)
    if not dossier.cause.strip():
        return who
    return _("%(who)s Nguyên nhân: %(cause)s", who=who, cause=dossier.cause.strip())


def items_to_explain(facts: DayFacts) -> list[Item]:
    items = []
    for task in facts.tasks:
        if not task.schedule.behind:
            continue
        if task.schedule.overdue:
            detail = _("Quá hạn %(date)s, mới đạt %(p)s%%.", date=task.deadline.strftime("%d/%m/%Y"), p=task.percent)
        else:
            detail = _(
                "Đạt %(p)s%% trong khi đã qua %(e)s%% thời gian.", p=task.percent, e=round(task.schedule.expected)
            )
        items.append(Item(f"task:{task.id}", "task", f"{task.code} · {task.title}", detail))
    for dossier in facts.late_dossiers:
        items.append(Item(dossier.key, "late", late_label(dossier), late_detail(dossier)))
    for category in facts.missing_photos:
        items.append(
            Item(
                f"photo:{category.key}",
                "photo",
                _("Thiếu ảnh: %(label)s", label=category.label),
                _("Chưa có ảnh loại này trong báo cáo ngày."),
            )
        )
    if facts.team_overdue:
        items.append(
            Item(
                "team",
                "team",
                _("Chưa thành lập Tổ phản ứng nhanh"),
                _("Hạn thành lập %(date)s đã qua.", date=fmt_date(facts.commune.team_deadline)),
            )
        )
    return items


def check(facts: DayFacts) -> Readiness:
    items = items_to_explain(facts)
    keys = {i.key for i in items}
    result = Readiness(items, {k: v for k, v in facts.explanations.items() if k in keys})
    report = facts.report
    problems = check_figures(report.figures) if report is not None else {}
    # A photo, a late dossier or an explanation creates the day as an empty draft: its zeros add
    # up, but nobody has entered the figures until the form has been saved (draft or complete).
    if report is None or (report.draft and not problems):
        result.blockers.append(_("Chưa nhập số liệu của ngày."))
    if report is not None:
        if problems:
            result.blockers.append(_("Số liệu còn %(n)s chỗ chưa khớp.", n=sum(len(m) for m in problems.values())))
        result.blockers.extend(count_mismatches(report.figures, facts.late_dossiers))
    waiting = result.unexplained
    if len(waiting) > MAX_LISTED_BLOCKERS:  # a heavy day: one line, the list is below it
        result.blockers.append(_("Còn %(n)s việc chưa giải trình (danh sách bên dưới).", n=len(waiting)))
    else:
        for item in waiting:
            # The item's own words first, said once ("Thiếu ảnh: Mặt tiền (chưa giải trình)").
            result.blockers.append(_("%(label)s (chưa giải trình)", label=item.label))
    return result
