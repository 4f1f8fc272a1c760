"""The intake's API: POST a signed report, GET its status (PROTOCOL "Transport", "Status")."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request
from joserfc import jwt
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from wardapp.city import errors
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import operations
from wardapp.city.intake.operations import log_refusal, lookup_key, receipt, trust_roots
from wardapp.city.models import ReceivedReport
from wardapp.core.payload import is_report_id
from wardapp.core.verify import (
    Refusal,
    Upload,
    VerifiedPush,
    check_pdf_part,
    check_report,
    protected_header,
    with_photos,
)

bp = Blueprint("city_api", __name__, url_prefix="/api/v1/daily-reports")
MAX_TOKEN_AGE = 300


def _refuse(refusal: Refusal, report_id=None, commune=None):
    log_refusal(request, refusal.status, refusal.error, refusal.detail, report_id, commune)
    body = {"error": refusal.error, "detail": refusal.detail}
    if refusal.reason:
        body["reason"] = refusal.reason
    return jsonify(body), refusal.status


class _ReportFirst:
    """Watches a push's parts as they stream in (``platform.forms``' part guard): the ``report``
    part must come first, and its JWS (signature and payload) is checked there and then, so an
    unsigned or forged push is refused before any photo or PDF part is buffered, in memory or on
    disk (PROTOCOL "Sending")."""

    def __init__(self) -> None:
        self.push: VerifiedPush | None = None

    def __call__(self, name: str, value: str | None) -> None:
        if self.push is not None:
            return
        if name != "report" or value is None:
            raise Refusal(400, "malformed_request", f"the report field must be the first part, not {name[:40]!r}")
        self.push = check_report(value, lookup_key)


@bp.post("")
def receive():
    first = _ReportFirst()
    request.part_guard = first
    try:
        token = request.form.get("report", "")
    except Refusal as refusal:
        return _refuse(refusal)
    if not token:
        return _refuse(Refusal(400, "malformed_request", "multipart/form-data with a 'report' field is required"))
    pdf_file = request.files.get("pdf")
    try:
        if pdf_file is not None and not pdf_file.stream.read(5) == b"%PDF-":
            raise Refusal(400, "malformed_request", "the pdf part is not a PDF")
        # The photos (and the PDF) are read only once the signature has been checked.
        push = with_photos(first.push or check_report(token, lookup_key), _read_photos)
        pdf = (b"%PDF-" + pdf_file.stream.read()) if pdf_file is not None else None
        if pdf is not None:
            check_pdf_part(pdf, push, trust_roots(push.commune_code))
        status, body = operations.receive(push, token, pdf, request)
    except Refusal as refusal:
        return _refuse(refusal)
    except IntegrityError:
        # The same report arrived twice at the same moment: answer from what the first stored.
        existing = operations.stored_meanwhile(push)
        if existing is None or existing.payload_sha256 != push.payload_sha256:
            return _refuse(Refusal(409, "conflict", "already received with other content"))
        return jsonify(receipt(existing)), 200
    return jsonify(body), status


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """Machines get JSON for every refusal, also those werkzeug makes while reading the request
    (too large a body or field, too many parts); people get a page in their language."""
    if not request.path.startswith("/api/"):
        return errors.page(error)
    codes = {413: "too_large", 400: "malformed_request", 404: "not_found", 405: "method_not_allowed"}
    code = codes.get(error.code or 500, "refused")
    log_refusal(request, error.code or 500, code, error.description or "")
    return jsonify({"error": code, "detail": error.description or code}), error.code


def _read_photos() -> list[Upload]:
    uploads = []
    for part in request.files.getlist("photos"):
        uploads.append(Upload(part.filename or "", part.mimetype or "", part.read()))
        part.close()  # its buffer (in memory up to app.PART_IN_MEMORY) is not kept beside the copy
    return uploads


def _audience() -> str:
    """Never the Host header: a token for another city would pass (create_app requires the URL)."""
    configured = current_app.config["CITY_PUBLIC_URL"].strip().rstrip("/")
    if not configured:
        raise Refusal(503, "not_configured", "the intake's public URL is not configured")
    return configured


def _bearer_commune() -> str:
    """Verify the status token (a JWT signed with the commune's key); returns the commune code."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Refusal(401, "unauthorized", "a Bearer token is required")
    token = header[7:].strip()
    try:
        kid = protected_header(token)["kid"]
    except Refusal:
        raise Refusal(401, "unauthorized", "the token is not a JWT with a kid") from None
    found = lookup_key(kid)
    if found is None:
        raise Refusal(401, "unknown_key", "unknown key")
    key, commune = found
    try:
        claims = jwt.decode(token, key, algorithms=["Ed25519", "EdDSA"]).claims
    except Exception:
        raise Refusal(401, "unauthorized", "the token's signature does not verify") from None
    now = int(time.time())
    iat, exp = claims.get("iat"), claims.get("exp")
    if claims.get("iss") != commune:
        raise Refusal(401, "unauthorized", "iss is not the key's commune")
    if claims.get("aud") != _audience():
        raise Refusal(401, "unauthorized", f"aud must be {_audience()}")
    if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > MAX_TOKEN_AGE or exp < now or iat > now + 60:
        raise Refusal(401, "unauthorized", "the token is expired or lives longer than 5 minutes")
    return commune


@bp.get("/<report_id>/status")
def status(report_id: str):
    # Anything but the protocol's form names no report (404) and is not logged as a report id.
    logged_id = report_id if is_report_id(report_id) else None
    try:
        commune = _bearer_commune()
    except Refusal as refusal:
        return _refuse(refusal, logged_id)
    if report_id.split(":", 1)[0] != commune:
        return _refuse(Refusal(403, "forbidden", "another commune's report"), logged_id, commune)
    if logged_id is None:
        return _refuse(Refusal(404, "not_found", "not a report id: <commune>:<YYYY-MM-DD>:r<revision>"), None, commune)
    report = db.session.scalar(db.select(ReceivedReport).filter_by(report_id=report_id))
    if report is None:
        return _refuse(Refusal(404, "not_found", "no such report"), report_id, commune)
    operations.log_answer(request, 200, report_id, commune)
    return jsonify(
        {
            **{k: v for k, v in receipt(report).items() if k != "payload_sha256"},
            "state": report.state,
            "comment": report.comment or None,
            "returned_at": report.returned_at.isoformat() + "+00:00" if report.returned_at else None,
            "returned_by": report.returned_by or None,
            # Additive (PROTOCOL section 4): state "accepted" and who accepted it, when.
            "accepted_at": report.accepted_at.isoformat() + "+00:00" if report.accepted_at else None,
            "accepted_by": report.accepted_by or None,
        }
    )
