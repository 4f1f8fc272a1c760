"""What a signed month document says it summarises: the JSON embedded in the month summary and in
the late-dossier list when the leader signs them.

Each listed day names the signed revision the document was built from (``report_id``,
``revision``, ``payload_sha256``), so anyone holding the PDF can tell which signed daily reports it
stands on, and the city can say whether it holds exactly those revisions. Pure functions of plain
data: the same inputs always give the same bytes (``payload.encode``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wardapp.core import payload

SCHEMA = "wardapp.month-document/1"
SUMMARY, LATE_LIST = "month_summary", "late_list"
KINDS = (SUMMARY, LATE_LIST)
# The embedded file's name ends so; the verification page recognises a month document by it.
SUFFIX = ".month.json"
# File names in URLs, ZIPs and the store: the same words as the unsigned downloads always used.
SLUGS = {SUMMARY: "tong-hop", LATE_LIST: "tre-han"}


@dataclass(frozen=True)
class ListedDay:
    """One signed day a month document stands on: its latest signed revision at signing."""

    date: dt.date
    report_id: str
    revision: int
    payload_sha256: str
    late: bool  # its first signature came after the deadline


def document_id(commune_code: str, month: dt.date, kind: str, edition: int) -> str:
    """ "20242:2026-10:tong-hop:b1": commune, month, which document, which edition (bản)."""
    return f"{commune_code}:{month:%Y-%m}:{SLUGS[kind]}:b{edition}"


def filename(commune_code: str, month: dt.date, kind: str, edition: int | None = None) -> str:
    """The PDF's file name; without an edition, the unsigned draft's."""
    base = f"{commune_code}_{month:%Y-%m}_{SLUGS[kind]}"
    return f"{base}_b{edition}.pdf" if edition is not None else f"{base}_ban-nhap.pdf"


def build(
    *,
    kind: str,
    commune: Mapping[str, str],
    month: dt.date,
    edition: SignedEdition,
    days: Sequence[ListedDay],
    missing: Sequence[dt.date],
) -> dict[str, Any]:
    """The month document's JSON. ``days`` are the signed days, ``missing`` the month's days with no
    signed report when it was signed."""
    if kind not in KINDS:
        raise ValueError(f"unknown month document kind {kind!r}")
    return {
        "schema": SCHEMA,
        "kind": kind,
        "document_id": document_id(commune["code"], month, kind, edition.number),
        "commune": {k: commune[k] for k in ("code", "name", "province_code")},
        "month": f"{month:%Y-%m}",
        **edition.fields(),
        "days": [
            {
                "date": d.date.isoformat(),
                "report_id": d.report_id,
                "revision": d.revision,
                "payload_sha256": d.payload_sha256,
                "late": d.late,
            }
            for d in sorted(days, key=lambda d: d.date)
        ],
        "missing": [d.isoformat() for d in sorted(missing)],
    }


@dataclass(frozen=True)
class SignedEdition:
    """Who signed this edition of a document, when, under which number, replacing which edition:
    the same keys in a month document and in the city's consolidated report."""

    number: int
    document_number: str
    supersedes: str | None
    signed_at: dt.datetime
    signer: Mapping[str, str]

    def fields(self) -> dict[str, Any]:
        return {
            "edition": self.number,
            "document_number": self.document_number,
            "supersedes": self.supersedes,
            "signed_at": self.signed_at.isoformat(timespec="seconds"),
            "signed_by": {k: self.signer[k] for k in ("username", "full_name", "position")},
        }


def encode(document: dict[str, Any]) -> bytes:
    return payload.encode(document)


def embedded_name(document: Mapping[str, Any]) -> str:
    return f"{str(document['document_id']).replace(':', '_')}{SUFFIX}"


def parse(data: bytes | None) -> dict[str, Any] | None:
    """A month document's JSON read back from a PDF, or None when it is not one (a daily report's
    payload, a hostile file): every field the verification page reads has the type it expects."""
    document = read_embedded(data, SCHEMA, ("kind", "document_id", "month", "document_number", "signed_at"))
    if document is None or not _is_int(document.get("edition")):
        return None
    commune, missing = document.get("commune"), document.get("missing")
    if not isinstance(commune, dict) or not all(isinstance(commune.get(k), str) for k in ("code", "name")):
        return None
    if not isinstance(document.get("supersedes"), str | None):
        return None
    if not isinstance(missing, list) or not all(isinstance(d, str) for d in missing):
        return None
    if not lists_days(document, ("date", "report_id", "payload_sha256")):
        return None
    return document


def read_embedded(data: bytes | None, schema: str, strings: Sequence[str]) -> dict[str, Any] | None:
    """A signed document's embedded JSON read back from its PDF: an object of ``schema`` whose
    ``strings`` are text, or None when it is not one (another document's JSON, a hostile file).
    Month documents and the city's consolidated reports are read so."""
    if not data:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("schema") != schema:
        return None
    if not all(isinstance(document.get(k), str) for k in strings):
        return None
    return document


def lists_days(document: Mapping[str, Any], strings: Sequence[str]) -> bool:
    """Its ``days`` each name a signed revision: ``strings`` are text, ``revision`` a whole number."""
    days = document.get("days")
    return isinstance(days, list) and all(
        isinstance(day, dict) and all(isinstance(day.get(k), str) for k in strings) and _is_int(day.get("revision"))
        for day in days
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
