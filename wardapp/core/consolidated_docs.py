"""What a signed consolidated report says it summarises: the JSON the department's report embeds
when its leader signs it (a PDF/A-3b associated file).

Each listed commune-day names the signed revision the report was built from (``report_id``,
``revision``, ``payload_sha256``), as a commune's month document does for its days
(``core.months``), so anyone holding the PDF can tell which signed daily reports it stands on and
the city can say which were corrected after it was signed. Pure functions of plain data: the same
inputs always give the same bytes (``payload.encode``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wardapp.core import months, payload

SCHEMA = "wardapp.consolidated-report/1"
# The embedded file's name ends so; a verifier recognises a consolidated report by it.
SUFFIX = ".consolidated.json"
KINDS = ("day", "week", "month", "quarter", "year", "range")


@dataclass(frozen=True)
class ListedDay:
    """One commune-day the report stands on: the current signed revision at signing."""

    commune_code: str
    date: dt.date
    report_id: str
    revision: int
    payload_sha256: str


def scope_key(provinces: Sequence[str]) -> str:
    """ "79" or "46-48": the provinces a report covers, in one word."""
    return "-".join(sorted(provinces))


def document_id(provinces: Sequence[str], start: dt.date, end: dt.date, edition: int) -> str:
    """ "TH-79-20261101-20261130-b1": scope, period, edition (bản)."""
    return f"TH-{scope_key(provinces)}-{start:%Y%m%d}-{end:%Y%m%d}-b{edition}"


def filename(provinces: Sequence[str], start: dt.date, end: dt.date, edition: int | None = None) -> str:
    """The PDF's file name; without an edition, the unsigned draft's."""
    base = f"bao-cao-tong-hop-{scope_key(provinces)}-{start:%Y%m%d}-{end:%Y%m%d}"
    return f"{base}_b{edition}.pdf" if edition is not None else f"{base}_ban-nhap.pdf"


def build(
    *,
    provinces: Sequence[str],
    kind: str,
    start: dt.date,
    end: dt.date,
    to_date: bool,
    edition: months.SignedEdition,
    days: Sequence[ListedDay],
    counted: str = "received",
) -> dict[str, Any]:
    """The consolidated report's JSON; ``days`` are the commune-days it adds up."""
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    return {
        "schema": SCHEMA,
        "document_id": document_id(provinces, start, end, edition.number),
        "provinces": sorted(provinces),
        "period": {"kind": kind, "start": start.isoformat(), "end": end.isoformat(), "to_date": to_date},
        # Which days it adds up: "received" (every received day) or "accepted" (accepted by the
        # department's reviewers only); absent in editions signed before the choice existed.
        "counted_days": counted,
        **edition.fields(),
        "days": [
            {
                "commune": d.commune_code,
                "date": d.date.isoformat(),
                "report_id": d.report_id,
                "revision": d.revision,
                "payload_sha256": d.payload_sha256,
            }
            for d in sorted(days, key=lambda d: (d.commune_code, d.date))
        ],
    }


def encode(document: dict[str, Any]) -> bytes:
    return payload.encode(document)


def embedded_name(document: Mapping[str, Any]) -> str:
    return f"{document['document_id']}{SUFFIX}"


def listed(document: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(commune, ISO date) → payload SHA-256 of each commune-day the document lists."""
    return {(d["commune"], d["date"]): d["payload_sha256"] for d in document["days"]}


def parse(data: bytes | None) -> dict[str, Any] | None:
    """A consolidated report's JSON read back from a PDF, or None when it is not one."""
    document = months.read_embedded(data, SCHEMA, ("document_id", "document_number", "signed_at"))
    if document is None or not months.lists_days(document, ("commune", "date", "report_id", "payload_sha256")):
        return None
    return document
