"""The signed payload (PROTOCOL "The signed report"), built from the day's facts by pure functions.

``build`` is the one place the signed document is made, all of it (its number and its trend
included). No Flask, no database: the same facts always give the same bytes, which is what gets
signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wardapp.core import clock, rates, readiness
from wardapp.core.day import DayFacts, ExplanationFact, PhotoFact, TaskFact
from wardapp.core.deadline import is_late
from wardapp.core.trends import signed_trend

SCHEMA = "wardapp.daily-report/1"
# PROTOCOL: "<commune code>:<YYYY-MM-DD>:r<revision>" (revision 1 to 999999).
REPORT_ID = re.compile(r"[0-9]{5}:[0-9]{4}-[0-9]{2}-[0-9]{2}:r[1-9][0-9]{0,5}")


def report_id(commune_code: str, day: dt.date, revision: int) -> str:
    return f"{commune_code}:{day.isoformat()}:r{revision}"


def is_report_id(value: object) -> bool:
    """``value`` has the protocol's form (what a hostile document puts there may be anything)."""
    return isinstance(value, str) and REPORT_ID.fullmatch(value) is not None


def pdf_filename(report_id: str) -> str:
    """The file name of a revision's PDF, the same at the commune, at the city and in ZIPs."""
    return f"{report_id.replace(':', '_')}.pdf"


@dataclass(frozen=True)
class Signing:
    """Who signs the day, when, why late (if so), and the number the register gave the document."""

    signer: Mapping[str, Any]  # username, full_name, position
    signed_at: dt.datetime  # aware
    late_reason: str | None = None
    document_number: str | None = None  # None: a preview, not numbered yet


def build(facts: DayFacts, signing: Signing) -> dict[str, Any]:
    """The whole signed document of the day (or its preview, without a number), from the day's
    facts alone. The explanations' item labels are read in the current locale: sign under
    Vietnamese."""
    report = facts.report
    if report is None:
        raise ValueError("a day without a report has nothing to sign")
    commune = facts.commune
    previous = report.signed_revisions or None
    labels = {item.key: item.label for item in readiness.check(facts).items}
    return assemble(
        SigningInput(
            commune={"code": commune.code, "name": commune.name, "province_code": commune.province_code},
            day=facts.day,
            revision=report.signed_revisions + 1,
            supersedes=report_id(commune.code, facts.day, previous) if previous else None,
            correction_reason=report.correction_reason if previous else None,
            signed_at=signing.signed_at,
            signer=signing.signer,
            late=is_late(facts.day, commune.deadline, signing.signed_at),
            late_reason=signing.late_reason,
            figures=report.figures,
            narrative=report.narrative,
            photos=[_photo(p) for p in facts.photos if not p.unreadable],  # a corrupt photo is never signed
            response_team=_team(facts),
            tasks=[_task(t) for t in facts.tasks],
            explanations=[
                _explanation(e, labels[key]) for key, e in sorted(facts.explanations.items()) if key in labels
            ],
            # Late dossiers go with the explanations: the city's monthly public list is made of
            # them; "item" ties a dossier to its explanation.
            late_dossiers=[d.snapshot() | {"item": d.key} for d in facts.late_dossiers],
            trend=signed_trend(facts.day, facts.trend) if facts.trend is not None else None,
            figure_sources=facts.figure_sources,
            document_number=signing.document_number,
        )
    )


def _photo(p: PhotoFact) -> dict[str, Any]:
    return {
        "sha256": p.sha256,
        "filename": p.filename,
        "content_type": p.content_type,
        "bytes": p.bytes,
        "category": p.category_key,
        "category_label": p.category_label,
        "caption": p.caption,
        "taken_at": p.taken_at.replace(tzinfo=clock.TZ).isoformat(timespec="seconds") if p.taken_at else None,
        "verifiable": p.verifiable,
    }


def _team(facts: DayFacts) -> dict[str, Any] | None:
    team, deadline = facts.team, facts.commune.team_deadline
    if team is None:
        return None
    return {
        **team.record,
        "state": team.state,
        "deadline": deadline.isoformat() if deadline else None,
        "leader": team.leader,
        "members": [dict(m) for m in team.members],
    }


def _task(t: TaskFact) -> dict[str, Any]:
    return {
        "code": t.code,
        "title": t.title,
        "deadline": t.deadline.isoformat(),
        "responsible": t.responsible,
        "source_document": t.source_document,
        "percent": t.percent,
        "note": t.note,
        "behind": t.schedule.behind,
        "overdue": t.schedule.overdue,
    }


def _explanation(e: ExplanationFact, label: str) -> dict[str, Any]:
    return {
        "item": e.item_key,
        "item_label": label,
        "cause": e.cause,
        "remedy": e.remedy,
        "new_date": e.new_date.isoformat() if e.new_date else None,
        "responsible": e.responsible,
        "author": e.author,
    }


@dataclass(frozen=True)
class SigningInput:
    """The document's parts, each as the payload writes it (``assemble`` lays them out)."""

    commune: Mapping[str, Any]  # code, name, province_code
    day: dt.date
    revision: int
    supersedes: str | None
    correction_reason: str | None
    signed_at: dt.datetime  # aware
    signer: Mapping[str, Any]  # username, full_name, position
    late: bool
    late_reason: str | None
    figures: Mapping[str, int]
    narrative: Mapping[str, str]
    photos: Sequence[Mapping[str, Any]] = field(default_factory=list)
    response_team: Mapping[str, Any] | None = None
    tasks: Sequence[Mapping[str, Any]] = field(default_factory=list)
    explanations: Sequence[Mapping[str, Any]] = field(default_factory=list)
    late_dossiers: Sequence[Mapping[str, Any]] = field(default_factory=list)
    trend: Mapping[str, Any] | None = None
    figure_sources: Mapping[str, Any] | None = None
    document_number: str | None = None


def assemble(data: SigningInput) -> dict[str, Any]:
    """The payload laid out from its parts (PROTOCOL "The signed report"); the optional fields
    (trend, figure sources, document number) only when given."""
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "report_id": report_id(data.commune["code"], data.day, data.revision),
        "commune": {k: data.commune[k] for k in ("code", "name", "province_code")},
        "date": data.day.isoformat(),
        "revision": data.revision,
        "supersedes": data.supersedes,
        "correction_reason": data.correction_reason,
        "signed_at": data.signed_at.isoformat(timespec="seconds"),
        "signed_by": {k: data.signer[k] for k in ("username", "full_name", "position")},
        "late": data.late,
        "late_reason": data.late_reason if data.late else None,
        "figures": dict(data.figures),
        "rates": {
            name: (None if value is None else round(value, 6)) for name, value in rates.compute(data.figures).items()
        },
        "photos": [dict(p) for p in data.photos],
        "response_team": dict(data.response_team) if data.response_team is not None else None,
        "tasks": [dict(t) for t in data.tasks],
        "explanations": [dict(e) for e in data.explanations],
        "late_dossiers": [dict(d) for d in data.late_dossiers],
        "narrative": dict(data.narrative),
    }
    optional = {"trend": data.trend, "figure_sources": data.figure_sources, "document_number": data.document_number}
    document.update({name: value for name, value in optional.items() if value is not None})
    return document


def encode(payload: dict[str, Any]) -> bytes:
    """Canonical bytes: sorted keys, no spaces, UTF-8 (Vietnamese kept as is)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
