"""Checking a document, in two pages' words.

The reviewers' check (``/verify``): any logged-in reviewer drops a PDF, or opens the URL of a
report's QR code (``/verify/<report_id>?sha256=<payload hash>``), and reads who signed it, when,
through which chain, whether each signature is intact and covers the whole document, whether the
document's payload is the one the city received, and whether that revision is current, superseded
or returned.

A dropped file is hostile until checked: a report id read from it is used only when it has the
protocol's form and names a commune of the official list in one of the reviewer's provinces
(another province's report is "not received", as everywhere else at the city); no path is built
from it. The content is said to match only when every signature is valid and covers the whole
file: a hash printed in an unsigned, broken or extended file proves nothing.

The public check (``/xac-thuc/<document_id>``), which a document's QR code opens for anyone,
without an account: from the document's identity and the SHA-256 of its signed content it says
whether the city holds that document (authentic), whether it is current or superseded (and by
which edition), who signed it and when. Nothing the document itself does not already show: no
figure, no name beyond its signer. Rate-limited per client address
(``CITY_PUBLIC_CHECKS_PER_MINUTE``), counted in each worker: a public page must not become a way
to enumerate the city's documents quickly.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import deque
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from wardapp.city.accounts import scope
from wardapp.city.documents import signing
from wardapp.city.documents.models import ConsolidatedEdition
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import blobs
from wardapp.city.intake.operations import every_root, official_code, trust_roots
from wardapp.city.models import ReceivedReport
from wardapp.core import months
from wardapp.core.i18n import gettext as _
from wardapp.core.payload import is_report_id
from wardapp.core.pdf import verification
from wardapp.core.units import find

# --- the reviewers' check ----------------------------------------------------------------------


REPORT_ID = re.compile(r"\b(\d{5}:\d{4}-\d{2}-\d{2}:r\d+)\b")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_PDF = 50 * 1000 * 1000


@dataclass(frozen=True)
class Finding:
    """What the page says about one document or one QR code."""

    check: verification.PdfCheck | None  # the signatures, when a PDF was examined
    report_id: str | None
    received: ReceivedReport | None  # the revision as the city received it
    payload_sha256: str | None  # the hash the PDF or the QR code claims
    payload_matches: bool | None  # that hash is the received payload's
    state: str  # current | superseded | returned | unknown
    newer: ReceivedReport | None = None  # the revision that supersedes it
    # The hash is the received payload's, but no valid signature covering the whole file binds it
    # to what the document shows (unsigned, a signature broken, content added after signing).
    unproven: bool = False


def newest_after(received: ReceivedReport) -> ReceivedReport | None:
    """The newest revision of the same commune-day received after ``received``, if any."""
    return db.session.scalar(
        db.select(ReceivedReport)
        .filter(
            ReceivedReport.commune_code == received.commune_code,
            ReceivedReport.date == received.date,
            ReceivedReport.revision > received.revision,
        )
        .order_by(ReceivedReport.revision.desc())
        .limit(1)
    )


def revision_state(received: ReceivedReport | None) -> tuple[str, ReceivedReport | None]:
    if received is None:
        return "unknown", None
    newer = newest_after(received)
    if received.state == "returned":
        return "returned", newer
    return ("superseded" if newer else "current"), newer


def _claimed_in_text(data: bytes) -> tuple[str | None, str | None]:
    """A PDF made before payloads were embedded: the report id and the payload hash it prints."""
    text = verification.printed_text(data)
    found = REPORT_ID.search(text)
    compact = "".join(text.split()).lower()
    digest = SHA256.search(compact)
    return (found.group(1) if found else None), (digest.group(0) if digest else None)


def _visible_code(commune_code: object) -> str | None:
    """A commune code read from a document, when it is one of the official list in a province the
    signed-in reviewer may see."""
    code = official_code(commune_code)
    return code if code is not None and scope.may_see(scope.province_of(code)) else None


def roots_for(commune_code: object) -> list:
    """The roots a document naming ``commune_code`` is checked against: that commune's when the
    reviewer may see it, else every root of the reviewer's provinces (never another province's
    enrolled CAs, never a folder the document names)."""
    code = _visible_code(commune_code)
    if code is not None:
        return trust_roots(code)
    # A document naming no commune may be the department's own (its consolidated report).
    return [*every_root(scope.visible()), *signing.department_roots()]


@dataclass(frozen=True)
class MonthDay:
    """One day a signed month document says it summarises, against what the city holds."""

    date: str
    report_id: str
    revision: int
    payload_sha256: str
    received: ReceivedReport | None  # the city's copy of that report_id
    held: bool  # the city holds exactly that revision (same payload SHA-256)
    state: str  # current | superseded | returned | unknown
    newer: ReceivedReport | None


@dataclass(frozen=True)
class MonthFinding:
    """What the page says about a month summary or late-dossier list."""

    check: verification.PdfCheck
    document: dict
    payload_sha256: str
    days: list[MonthDay]

    @property
    def verdict(self) -> str:
        """all-current | superseded (a listed revision has a newer one) | returned | not-held |
        unproven (the city holds the listed revisions, but the document's signatures do not prove
        it lists them)"""
        states = {d.state for d in self.days}
        if not all(d.held for d in self.days):
            return "not-held"
        if not self.check.valid:
            return "unproven"
        if "returned" in states:
            return "returned"
        if "superseded" in states:
            return "superseded"
        return "all-current"


def examine_month(data: bytes, document: dict, payload_sha256: str) -> MonthFinding:
    """A month document: its signatures against the commune's roots, and each listed day against
    the revisions the city received."""
    check = verification.check_pdf(data, roots_for(document["commune"]["code"]))
    days = []
    for listed in document["days"]:
        received = _received(listed["report_id"])
        state, newer = revision_state(received)
        held = received is not None and received.payload_sha256 == listed["payload_sha256"]
        days.append(
            MonthDay(
                listed["date"],
                listed["report_id"],
                listed["revision"],
                listed["payload_sha256"],
                received,
                held,
                state,
                newer,
            )
        )
    return MonthFinding(check, document, payload_sha256, days)


def examine_pdf(data: bytes) -> Finding | MonthFinding:
    """Raises ``verification.TooLarge`` for an embedded file too large to read."""
    embedded = verification.embedded_files(data)
    month_bytes = verification.month_document(embedded)
    month = months.parse(month_bytes)
    if month is not None and month_bytes is not None:
        return examine_month(data, month, hashlib.sha256(month_bytes).hexdigest())
    report_id = None
    payload = verification.signed_payload(embedded)
    if payload is not None:
        report_id = verification.PdfCheck(payload=payload).report_id
    claimed_sha = None
    if report_id is None:
        report_id, claimed_sha = _claimed_in_text(data)
    check = verification.check_pdf(data, roots_for(report_id.split(":", 1)[0] if report_id else None))
    received = _received(report_id)
    sha = check.payload_sha256 or claimed_sha
    state, newer = revision_state(received)
    matches = None if received is None or sha is None else sha == received.payload_sha256
    unproven = bool(matches) and not check.valid
    return Finding(check, report_id, received, sha, None if unproven else matches, state, newer, unproven)


def examine_qr(report_id: str, sha256: str | None) -> Finding:
    received = _received(report_id)
    check = None
    sent = blobs.store().get(blobs.sent_pdf_key(received.pdf_sha256)) if received and received.pdf_sha256 else None
    if received is not None and sent is not None:
        check = verification.check_pdf(sent, trust_roots(received.commune_code))
    state, newer = revision_state(received)
    matches = None if received is None or not sha256 else sha256.lower() == received.payload_sha256
    return Finding(check, report_id, received, sha256, matches, state, newer)


def _received(report_id: object) -> ReceivedReport | None:
    """The city's copy of ``report_id``, if the reviewer may see its commune's province (None, as
    for a report never received, otherwise)."""
    if not is_report_id(report_id) or _visible_code(str(report_id).split(":", 1)[0]) is None:
        return None
    return db.session.scalar(db.select(ReceivedReport).filter_by(report_id=report_id))


# --- the public check -------------------------------------------------------------------------


DAILY_ID = re.compile(r"^\d{5}:\d{4}-\d{2}-\d{2}:r\d{1,4}$")
CONSOLIDATED_ID = re.compile(r"^TH-[0-9-]{2,110}-\d{8}-\d{8}-b\d{1,4}$")
WINDOW_S = 60.0
_seen: dict[str, deque[float]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Answer:
    """What the public page says: ``verdict`` is authentic | mismatch | unknown."""

    verdict: str
    kind: str = ""  # daily | consolidated
    title: str = ""
    number: str = ""
    signer: str = ""
    signed_at: object = None  # a datetime (aware, or naive UTC as stored)
    current: bool = True
    superseded_by: str = ""


def allowed(address: str) -> bool:
    """A sliding minute per client address; False once it has asked too often."""
    limit = int(current_app.config.get("CITY_PUBLIC_CHECKS_PER_MINUTE", 30))
    now = time.monotonic()
    with _lock:
        if len(_seen) > 10_000:  # never grows without bound: forget the quiet addresses
            for key in [k for k, v in _seen.items() if not v or now - v[-1] > WINDOW_S]:
                del _seen[key]
        times = _seen.setdefault(address, deque())
        while times and now - times[0] > WINDOW_S:
            times.popleft()
        if len(times) >= limit:
            return False
        times.append(now)
        return True


def public_answer(document_id: str, sha256: str) -> Answer:
    """What the city holds under ``document_id`` (a commune's daily report or the department's
    consolidated report, told apart by the id's form), said only when ``sha256`` is its content's."""
    if not SHA256.fullmatch(sha256):
        return Answer("unknown")
    found: ReceivedReport | ConsolidatedEdition | None
    if DAILY_ID.match(document_id):
        found = db.session.scalar(select(ReceivedReport).filter_by(report_id=document_id))
    elif CONSOLIDATED_ID.match(document_id):
        found = db.session.scalar(select(ConsolidatedEdition).filter_by(document_id=document_id))
    else:
        return Answer("unknown")
    if found is None:
        return Answer("unknown")
    if found.payload_sha256 != sha256:
        return Answer("mismatch")
    return _daily(found) if isinstance(found, ReceivedReport) else _consolidated(found)


def _daily(received: ReceivedReport) -> Answer:
    later = newest_after(received)
    newer = later.report_id if later else None
    document = received.document
    signer = document.get("signed_by") or {}
    unit = find(received.commune_code)
    title = _(
        "Báo cáo ngày %(day)s của %(unit)s, phiên bản %(n)s",
        day=received.date.strftime("%d/%m/%Y"),
        unit=unit.name if unit else received.commune_code,
        n=received.revision,
    )
    return Answer(
        "authentic",
        "daily",
        title,
        str(document.get("document_number") or ""),
        " · ".join(str(signer.get(k) or "") for k in ("full_name", "position") if signer.get(k)),
        document.get("signed_at"),
        newer is None,
        newer or "",
    )


def _consolidated(edition: ConsolidatedEdition) -> Answer:
    newer = ""
    if edition.superseded_by:
        later = db.session.scalar(select(ConsolidatedEdition).filter_by(document_id=edition.superseded_by))
        newer = later.document_number if later else edition.superseded_by
    return Answer(
        "authentic",
        "consolidated",
        _("Báo cáo tổng hợp của %(department)s", department=current_app.config["CITY_DEPARTMENT_NAME"]),
        edition.document_number,
        f"{edition.signer_name} · {edition.signer_position}",
        edition.signed_at,
        edition.current,
        newer,
    )
