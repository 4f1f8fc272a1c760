"""The page a document's QR code opens, for anyone, without an account: from the document's
identity and the SHA-256 of its signed content it says whether the city holds that document
(authentic), whether it is current or superseded (and by which edition), who signed it and when.
Nothing the document itself does not already show: no figure, no name beyond its signer.

Rate-limited per client address (``CITY_PUBLIC_CHECKS_PER_MINUTE``), counted in each worker: a
public page must not become a way to enumerate the city's documents quickly.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select

from wardapp.city.documents.models import ConsolidatedEdition
from wardapp.city.extensions import city_db as db
from wardapp.city.models import ReceivedReport
from wardapp.core.i18n import gettext as _
from wardapp.core.units import find

bp = Blueprint("public_check", __name__)
DAILY_ID = re.compile(r"^\d{5}:\d{4}-\d{2}-\d{2}:r\d{1,4}$")
CONSOLIDATED_ID = re.compile(r"^TH-[0-9-]{2,110}-\d{8}-\d{8}-b\d{1,4}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
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


def _allowed(address: str) -> bool:
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


def _daily(report_id: str, sha256: str) -> Answer:
    received = db.session.scalar(select(ReceivedReport).filter_by(report_id=report_id))
    if received is None:
        return Answer("unknown")
    if received.payload_sha256 != sha256:
        return Answer("mismatch")
    newer = db.session.scalar(
        select(ReceivedReport.report_id)
        .filter(
            ReceivedReport.commune_code == received.commune_code,
            ReceivedReport.date == received.date,
            ReceivedReport.revision > received.revision,
        )
        .order_by(ReceivedReport.revision.desc())
        .limit(1)
    )
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


def _consolidated(document_id: str, sha256: str) -> Answer:
    edition = db.session.scalar(select(ConsolidatedEdition).filter_by(document_id=document_id))
    if edition is None:
        return Answer("unknown")
    if edition.payload_sha256 != sha256:
        return Answer("mismatch")
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


@bp.get("/xac-thuc/<document_id>")
def check(document_id: str):
    """Public: no session needed (the QR code of a document printed or forwarded)."""
    if not _allowed(request.remote_addr or ""):
        return render_template("city/public_check.html", answer=None, limited=True), 429
    sha256 = (request.args.get("sha256") or "").strip().lower()
    if not SHA256.match(sha256):
        answer = Answer("unknown")
    elif DAILY_ID.match(document_id):
        answer = _daily(document_id, sha256)
    elif CONSOLIDATED_ID.match(document_id):
        answer = _consolidated(document_id, sha256)
    else:
        answer = Answer("unknown")
    status = 200 if answer.verdict == "authentic" else 404
    return render_template("city/public_check.html", answer=answer, document_id=document_id, limited=False), status
