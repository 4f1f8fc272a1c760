"""The signed payload (PROTOCOL "The signed report"), built from plain data by pure functions.

No Flask, no database: the same inputs always give the same bytes, which is what gets signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wardapp.core import rates

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
class SigningInput:
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


def build(data: SigningInput) -> dict[str, Any]:
    return {
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
        "narrative": dict(data.narrative),
    }


def encode(payload: dict[str, Any]) -> bytes:
    """Canonical bytes: sorted keys, no spaces, UTF-8 (Vietnamese kept as is)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
