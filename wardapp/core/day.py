"""The facts of one commune-day that its readiness and its signed document are made of.

Read from the database once (``delays/day.gather``) into this plain, frozen snapshot, then only
read: ``core/readiness.check`` says what the day lacks, ``core/payload.build`` writes the signed
document. Neither touches the database, so the gate and the document can never see two days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wardapp.core.labels import LATE_KINDS
from wardapp.core.schedule import Schedule


def same_named(source: object, *names: str) -> dict[str, Any]:
    """The attributes of ``source`` called ``names``, by name: the fields a fact (or a row) takes
    under the same names as the thing it is made from."""
    return {name: getattr(source, name) for name in names}


@dataclass(frozen=True)
class CommuneFacts:
    code: str
    name: str
    province_code: str
    deadline: dt.time = dt.time(17, 0)  # the day's report is late after it
    team_deadline: dt.date | None = None  # the city's deadline to set up the response team


@dataclass(frozen=True)
class ReportFacts:
    """The day's report as stored: its figures, its texts, where it stands."""

    figures: Mapping[str, int]
    narrative: Mapping[str, str]
    draft: bool = False  # saved as a draft (or made empty by a photo or a late dossier)
    signed_revisions: int = 0
    correction_reason: str | None = None  # the reason a correction was opened, if one is


@dataclass(frozen=True)
class PhotoFact:
    sha256: str
    filename: str
    content_type: str
    bytes: int
    category_key: str
    category_label: str
    caption: str
    taken_at: dt.datetime | None  # the camera's clock, Vietnam time without a zone
    verifiable: bool  # taken that day by the camera's clock
    unreadable: bool = False  # found corrupt after its upload: never signed


@dataclass(frozen=True)
class CategoryFact:
    key: str
    label: str


@dataclass(frozen=True)
class TaskFact:
    """A plan task started by the day, with its progress as it stood that day."""

    id: int
    code: str
    title: str
    deadline: dt.date
    responsible: str
    source_document: str
    percent: int
    note: str
    schedule: Schedule


@dataclass(frozen=True)
class LateFact:
    """A late dossier (or a group of them) recorded for the day."""

    id: int
    kind: str
    count: int
    procedure: str
    dossier_code: str
    officer: str
    unit: str
    cause: str
    apology_issued: bool
    new_appointment: dt.date | None

    @property
    def key(self) -> str:
        """Ties the dossier to its explanation, in the day and in the signed document."""
        return f"late:{self.id}"

    @property
    def kind_label(self) -> str:
        return str(LATE_KINDS[self.kind])

    def snapshot(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "count": self.count,
            "procedure": self.procedure,
            "dossier_code": self.dossier_code,
            "officer": self.officer,
            "unit": self.unit,
            "cause": self.cause,
            "apology_issued": self.apology_issued,
            "new_appointment": self.new_appointment.isoformat() if self.new_appointment else None,
        }


@dataclass(frozen=True)
class ExplanationFact:
    """The leader's latest explanation of one item."""

    item_key: str
    item_label: str  # the item as it was shown when explained
    cause: str
    remedy: str
    new_date: dt.date | None
    responsible: str
    author: str | None  # the author's full name


@dataclass(frozen=True)
class TeamFact:
    """The response team as its record stands, with its state against the city's deadline."""

    record: Mapping[str, Any]  # decision number, date, signer, duties
    state: str  # team.operations.TeamState
    leader: str | None
    members: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class DayFacts:
    commune: CommuneFacts
    day: dt.date
    report: ReportFacts | None = None  # None: nothing recorded for the day yet
    photos: tuple[PhotoFact, ...] = ()  # the day's photos (removed ones left out)
    missing_photos: tuple[CategoryFact, ...] = ()  # required categories without a verifiable photo
    tasks: tuple[TaskFact, ...] = ()  # every task started by the day
    late_dossiers: tuple[LateFact, ...] = ()
    explanations: Mapping[str, ExplanationFact] = field(default_factory=dict)  # item key → latest
    team: TeamFact | None = None
    team_overdue: bool = False  # no team established and the city's deadline has passed
    # What only the signed document needs (gathered for it): the figures of the 30 days ending
    # on the day (the trend), and where each figure came from (None: no dossier log covers it).
    trend: Mapping[dt.date, Mapping[str, int]] | None = None
    figure_sources: Mapping[str, Any] | None = None
