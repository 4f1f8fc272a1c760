"""The response team: its set-up, its members, whether it is on time, and its count in the day's report."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from wardapp.audit import log as audit
from wardapp.core.clock import utcnow
from wardapp.core.labels import Labelled
from wardapp.extensions import db
from wardapp.reports.operations import get_report
from wardapp.support.models import SupportCase, cases_count
from wardapp.team.models import ResponseTeam, TeamMember


class TeamState(Labelled):
    NOT_SET_UP = "not_set_up", _l("Chưa thành lập")
    ON_TIME = "on_time", _l("Đã thành lập đúng hạn")
    LATE = "late", _l("Thành lập muộn")


def team_of(commune_id: int) -> ResponseTeam | None:
    return db.session.scalar(db.select(ResponseTeam).filter_by(commune_id=commune_id))


def team_state(team: ResponseTeam | None, deadline: dt.date | None) -> TeamState:
    if team is None or not team.established:
        return TeamState.NOT_SET_UP
    if deadline is not None and team.decision_date is not None and team.decision_date > deadline:
        return TeamState.LATE
    return TeamState.ON_TIME


def overdue_without_team(team: ResponseTeam | None, deadline: dt.date | None, day: dt.date) -> bool:
    """The case the leader must explain: no team established and the city's deadline has passed."""
    return (
        deadline is not None
        and day > deadline
        and (team is None or not team.established or team.decision_date is None or team.decision_date > day)
    )


def ensure_team(commune_id: int) -> ResponseTeam:
    team = team_of(commune_id)
    if team is None:
        team = ResponseTeam(commune_id=commune_id)
        db.session.add(team)
        db.session.flush()
    return team


def save_team(team: ResponseTeam, values: dict, user) -> None:
    """The team's decision and duties: audited and committed."""
    audit.record_change("team.updated", team, values, target_type="team", target_id=team.id, actor=user)
    db.session.commit()


def add_member(commune_id: int, member: TeamMember, user) -> None:
    """A member joins the team (made if need be); a new leader replaces the old one."""
    team = ensure_team(commune_id)
    if member.is_leader:
        for other in team.members:
            other.is_leader = False
    member.team = team
    audit.record_added("team.member_added", member, target_type="team", target_id=team.id, actor=user)
    db.session.commit()


def remove_member(member: TeamMember, user) -> None:
    """The member leaves the team; the row stays for the audit trail."""
    member.active = False
    audit.record(
        "team.member_removed", target_type="team", target_id=member.team_id, before=member.snapshot(), actor=user
    )
    db.session.commit()


def add_case(case: SupportCase, user) -> None:
    """A support case logged; the day's figure follows the log."""
    audit.record_added("team.case_added", case, target_type="support_case", actor=user)
    sync_report_figure(case.commune_id, case.date, user)
    db.session.commit()


def remove_case(case: SupportCase, user) -> None:
    """A support case taken off the log (kept, marked removed); the day's figure follows."""
    case.removed_at = utcnow()
    audit.record("team.case_removed", target_type="support_case", target_id=case.id, before=case.snapshot(), actor=user)
    sync_report_figure(case.commune_id, case.date, user)
    db.session.commit()


def sync_report_figure(commune_id: int, day: dt.date, user) -> None:
    """Keep the day's response-team figure equal to the case log (it is never typed)."""
    report = get_report(commune_id, day)
    if report is not None:
        count = cases_count(commune_id, day)
        if report.response_team_cases != count:
            report.response_team_cases = count
            report.touch(user)
