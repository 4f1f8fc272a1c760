"""The explanation page's groups: late dossiers with the same cause and officer are explained at
once, with what the staff recorded on the late-dossier page carried over into the form.

An explanation is still stored (and signed) per item: a group only fills several items' forms in
one go, so the payload lists each dossier's explanation as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _

from wardapp.core import collation
from wardapp.core.day import ExplanationFact, LateFact
from wardapp.core.i18n import fmt_date
from wardapp.core.readiness import Item, Readiness


@dataclass
class Member:
    item: Item
    dossier: LateFact | None  # None for a task, a missing photo or the team
    explanation: ExplanationFact | None

    @property
    def explained(self) -> bool:
        return self.explanation is not None


@dataclass
class Group:
    """Items explained by one form; ``anchor`` names it in the page (ids, the error's place)."""

    anchor: str
    title: str
    officer: str
    recorded_cause: str  # what the staff wrote on the late-dossier page, shown as the source
    members: list[Member]
    defaults: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [m.item.key for m in self.members]

    @property
    def dossier_count(self) -> int:
        return sum(m.dossier.count for m in self.members if m.dossier is not None)

    @property
    def explained_count(self) -> int:
        return sum(1 for m in self.members if m.explained)

    @property
    def done(self) -> bool:
        return all(m.explained for m in self.members)

    @property
    def shared(self) -> ExplanationFact | None:
        """The one explanation every member carries, when they all carry the same words."""
        found = {_words(m.explanation) for m in self.members if m.explanation is not None}
        if not self.done or len(found) != 1:
            return None
        return self.members[0].explanation

    @property
    def common_facts(self) -> list[str]:
        """What every dossier of the group shares, said once for the group."""
        each = [dossier_facts(m.dossier) for m in self.members if m.dossier is not None]
        return [f for f in each[0] if all(f in other for other in each[1:])] if each else []

    def own_facts(self, member: Member) -> list[str]:
        """What tells this dossier apart from the rest of its group (its code is always shown)."""
        common = self.common_facts
        return [f for f in dossier_facts(member.dossier) if f not in common] if member.dossier else []

    def chosen(self, submitted: list[str] | None) -> set[str]:
        """The items ticked: what was sent back with an error, else the ones still to explain (all
        of them once the group is done, to explain it again)."""
        if submitted is not None:
            return set(submitted)
        waiting = {m.item.key for m in self.members if not m.explained}
        return waiting or set(self.keys)


def dossier_facts(d: LateFact) -> list[str]:
    facts = [d.kind_label, d.procedure]
    if d.count > 1:
        facts.append(_("%(n)s hồ sơ", n=d.count))
    if d.new_appointment:
        facts.append(_("hẹn mới %(date)s", date=fmt_date(d.new_appointment)))
    if d.apology_issued:
        facts.append(_("đã gửi thư xin lỗi"))
    return facts


def _words(e: ExplanationFact) -> tuple:
    return (e.cause, e.remedy, e.new_date, e.responsible)


def _carried_remedy(dossiers: list[LateFact]) -> str:
    """The remedy the staff's records already tell: apology letters sent, a new appointment."""
    total = sum(d.count for d in dossiers)
    apologised = sum(d.count for d in dossiers if d.apology_issued)
    parts = []
    if apologised and apologised == total:
        parts.append(_("Đã gửi thư xin lỗi người nộp hồ sơ."))
    elif apologised:
        parts.append(_("Đã gửi thư xin lỗi cho %(n)s/%(total)s hồ sơ.", n=apologised, total=total))
    appointments = sorted({d.new_appointment for d in dossiers if d.new_appointment})
    if appointments:
        parts.append(_("Đã hẹn lại ngày trả kết quả (chậm nhất %(date)s).", date=fmt_date(appointments[-1])))
    return " ".join(parts)


def _as_form(e: ExplanationFact) -> dict[str, str]:
    return {
        "cause": e.cause,
        "remedy": e.remedy,
        "new_date": e.new_date.isoformat() if e.new_date else "",
        "responsible": e.responsible,
    }


def late_groups(state: Readiness, dossiers: Sequence[LateFact], today: dt.date) -> list[Group]:
    """The day's late dossiers to explain, grouped by the cause recorded and the officer."""
    by_key = {f"late:{d.id}": d for d in dossiers}
    buckets: dict[tuple[str, str], list[Member]] = {}
    for item in state.items:
        dossier = by_key.get(item.key)
        if dossier is None:
            continue
        cause = " ".join(dossier.cause.split())
        buckets.setdefault((cause.casefold(), dossier.officer), []).append(
            Member(item, dossier, state.explained.get(item.key))
        )
    groups = []
    for (_cause, officer), members in buckets.items():
        found = [m.dossier for m in members if m.dossier is not None]
        procedures = list(dict.fromkeys(d.procedure for d in found))
        appointments = [d.new_appointment for d in found if d.new_appointment and d.new_appointment >= today]
        carried = {
            "cause": found[0].cause.strip(),
            "remedy": _carried_remedy(found),
            "new_date": max(appointments).isoformat() if appointments else "",
            "responsible": officer,
        }
        group = Group(
            anchor=members[0].item.key.replace(":", "-"),
            title="; ".join(procedures),
            officer=officer,
            recorded_cause=found[0].cause.strip(),
            members=members,
            defaults=carried,
        )
        if group.shared is not None:  # explained already: the form shows it, to change it
            group.defaults = _as_form(group.shared)
        groups.append(group)
    # Groups still to explain first, the biggest first; then the officers in Vietnamese order.
    return sorted(groups, key=lambda g: (g.done, -g.dossier_count, collation.key(g.officer)))


def other_items(state: Readiness) -> list[Member]:
    """Tasks, missing photos and the team: each explained on its own card, or several together."""
    return [Member(i, None, state.explained.get(i.key)) for i in state.items if i.kind != "late"]
