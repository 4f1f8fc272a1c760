"""The verification page: any logged-in reviewer drops a PDF, or opens the URL of a report's QR code
(``/verify/<report_id>?sha256=<payload hash>``), and reads who signed it, when, through which
chain, whether each signature is intact and covers the whole document, whether the document's
payload is the one the city received, and whether that revision is current, superseded or returned.

A dropped file is hostile until checked: a report id read from it is used only when it has the
protocol's form and names a commune of the official list in one of the reviewer's provinces
(another province's report is "not received", as everywhere else at the city); no path is built
from it. The content is said to match only when every signature is valid and covers the whole
file: a hash printed in an unsigned, broken or extended file proves nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from flask import Blueprint, render_template, request

from wardapp.city.accounts import scope
from wardapp.city.accounts.access import reviewer_required
from wardapp.city.documents import signing
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import blobs
from wardapp.city.intake.operations import every_root, official_code, trust_roots
from wardapp.city.models import ReceivedReport
from wardapp.core import clock, months
from wardapp.core.i18n import gettext as _
from wardapp.core.payload import is_report_id
from wardapp.core.pdf import verification

bp = Blueprint("city_verify", __name__)
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


def revision_state(received: ReceivedReport | None) -> tuple[str, ReceivedReport | None]:
    if received is None:
        return "unknown", None
    newer = db.session.scalar(
        db.select(ReceivedReport)
        .filter(
            ReceivedReport.commune_code == received.commune_code,
            ReceivedReport.date == received.date,
            ReceivedReport.revision > received.revision,
        )
        .order_by(ReceivedReport.revision.desc())
        .limit(1)
    )
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


@bp.route("/verify", methods=["GET", "POST"])
@reviewer_required
def verify():
    finding: Finding | MonthFinding | None = None
    error = None
    if request.method == "POST":
        upload = request.files.get("pdf")
        data = upload.read(MAX_PDF + 1) if upload else b""
        if not data:
            error = _("Chọn tệp PDF cần kiểm tra.")
        elif len(data) > MAX_PDF or not data.startswith(b"%PDF-"):
            error = _("Tệp này không phải là PDF (hoặc lớn hơn 50 MB).")
        else:
            try:
                finding = examine_pdf(data)
            except verification.TooLarge as too_large:
                error = _(
                    "Tệp đính kèm %(name)s trong PDF lớn hơn %(mb)s MB khi giải nén: không văn bản ký số nào "
                    "của hệ thống có tệp như vậy, tệp không được kiểm tra.",
                    name=too_large.name[:80],
                    mb=too_large.limit // 1000 // 1000,
                )
    month = finding if isinstance(finding, MonthFinding) else None
    day = finding if isinstance(finding, Finding) else None
    return render_template("city/verify.html", finding=day, month=month, error=error, source="pdf", tz=clock.TZ), (
        422 if error else 200
    )


@bp.get("/verify/<report_id>")
@reviewer_required
def verify_qr(report_id: str):
    sha256 = request.args.get("sha256", "").strip().lower() or None
    if sha256 is not None and not SHA256.fullmatch(sha256):
        sha256 = None
    finding = examine_qr(report_id, sha256)
    return render_template("city/verify.html", finding=finding, month=None, error=None, source="qr", tz=clock.TZ)
