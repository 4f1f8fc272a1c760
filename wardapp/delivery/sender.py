"""Pushing signed revisions to the city (PROTOCOL "Transport") and polling their status.

The sender resends the exact bytes it first built: the JWS stored at signing and the photo files
named by their hashes; nothing is rebuilt from the database between tries.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

import requests
from flask import current_app
from joserfc import jwt

from wardapp.audit import log as audit
from wardapp.commune.models import Commune
from wardapp.core import inputs, logs
from wardapp.core.clock import utcnow
from wardapp.core.payload import pdf_filename
from wardapp.evidence import storage
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry, OutboxState
from wardapp.outbox.operations import (
    backoff,
    claim,
    due_ids,
    first_retrying,
    hold_behind,
    mark_accepted,
    mark_rejected,
    mark_retry,
    release_waiting,
)
from wardapp.signing import keys
from wardapp.signing.documents import signed_pdf_file

log = logging.getLogger(__name__)
PUSH_PATH = "/api/v1/daily-reports"


def city_url() -> str | None:
    url = (current_app.config.get("CITY_URL") or "").strip().rstrip("/")
    return url or None


def _files(entry: OutboxEntry) -> list[tuple[str, tuple[str, bytes, str]]]:
    document = entry.revision.document
    files = []
    for photo in document["photos"]:
        data = storage.original_path(photo["sha256"]).read_bytes()
        files.append(("photos", (photo["filename"], data, photo["content_type"])))
    pdf = pdf_for(entry)
    if pdf is not None:
        files.append(("pdf", (pdf_filename(entry.revision.report_key), pdf, "application/pdf")))
    return files


def pdf_for(entry: OutboxEntry) -> bytes | None:
    """The commune's signed PDF of the revision (the optional ``pdf`` part of the push): the one
    kept when the leader signed, or made by the one operation that makes a missing one."""
    try:
        return signed_pdf_file(entry.revision).read_bytes()
    except Exception:
        log.exception("could not build the PDF of %s; sending the report without it", entry.revision.report_key)
        return None


def post(url: str, entry: OutboxEntry, timeout: float) -> requests.Response:
    return requests.post(
        url + PUSH_PATH,
        data={"report": entry.revision.jws},
        files=_files(entry),
        timeout=timeout,
        headers={"X-Request-ID": logs.current_id()},  # the city's log line carries the same id
    )


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('error', '')}: {body.get('detail', '')}".strip(": ")
    except (ValueError, AttributeError):
        return response.text[:300]


def refusal_code(response: requests.Response) -> str:
    """PROTOCOL's error code of a refusal, with its additive ``reason`` (``bad_pdf/untrusted_ca``);
    ``http_<status>`` when the answer is not the city's JSON (a proxy's page, say)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return f"http_{response.status_code}"
    reason = body.get("reason")
    return body["error"] + (f"/{reason}" if isinstance(reason, str) and reason else "")


def record_answer(entry: OutboxEntry, response: requests.Response, now: dt.datetime) -> str:
    status = response.status_code
    if status in (200, 201):
        body, problem = _receipt(entry, response)
        if problem is not None:
            mark_retry(entry, status, problem, now, backoff(entry.attempts, current_app.config["OUTBOX_BACKOFF"]))
            return "retry"
        mark_accepted(entry, status, str(body.get("receipt_id", "")), str(body.get("received_at", "")))
        return "accepted"
    if status == 429 or status >= 500:
        delay = backoff(entry.attempts, current_app.config["OUTBOX_BACKOFF"])
        retry_after = response.headers.get("Retry-After", "")
        wait = inputs.parse_int(retry_after, 0, 86_400)
        if wait is not None:
            delay = max(delay, wait)
        mark_retry(entry, status, _reason(response) or f"HTTP {status}", now, delay)
        return "retry"
    mark_rejected(
        entry,
        status,
        _reason(response) or f"HTTP {status}",
        "too_large" if status == 413 else refusal_code(response),
        now,
        current_app.config["OUTBOX_REFUSED_BACKOFF"],
    )
    return "rejected"


def _receipt(entry: OutboxEntry, response: requests.Response) -> tuple[dict, str | None]:
    """The city's receipt for the revision, or why the answer is not one (then it is tried again)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("receipt_id"):
        return {}, "the city answered without a receipt"
    if body.get("payload_sha256") not in (None, entry.revision.payload_sha256):
        return body, "the city's receipt is for other content"
    return body, None


def send_entry(entry_id: int) -> str:
    """Claim and send one entry; returns accepted / retry / rejected / skipped."""
    config = current_app.config
    url = city_url()
    now = utcnow()
    if url is None or not claim(entry_id, now, config["OUTBOX_LEASE_SECONDS"], config["OUTBOX_REFUSED_DAYS"]):
        return "skipped"
    entry = db.session.get(OutboxEntry, entry_id)
    if entry is None:  # claimed a moment ago: it exists
        return "skipped"
    token = logs.set_id(logs.accept_id(None)) if logs.current_id() == "-" else None
    try:
        outcome = _attempt(entry, url, config)
    finally:
        if token is not None:
            logs.reset_id(token)
    return outcome


def _attempt(entry: OutboxEntry, url: str, config) -> str:
    key = entry.revision.report_key
    try:
        response = post(url, entry, config["OUTBOX_TIMEOUT"])
    except requests.RequestException as error:  # any network trouble is passing: try again later
        log.warning("outbox %s attempt %s: retry, %s", key, entry.attempts, type(error).__name__)
        mark_retry(
            entry,
            None,
            f"{type(error).__name__}: {error}"[:500],
            utcnow(),
            backoff(entry.attempts, config["OUTBOX_BACKOFF"]),
        )
        db.session.commit()
        return "retry"
    except OSError as error:  # a photo file missing on disk: a human must look
        log.error("outbox %s attempt %s: rejected, local error: %s", key, entry.attempts, error)
        mark_rejected(entry, 0, f"local error: {error}", "local", utcnow(), config["OUTBOX_REFUSED_BACKOFF"])
        db.session.commit()
        return "rejected"
    outcome = record_answer(entry, response, utcnow())
    db.session.commit()
    level = logging.INFO if outcome == "accepted" else logging.WARNING
    detail = "" if outcome == "accepted" else f", {logs.client_text(_reason(response), 200)}"
    log.log(level, "outbox %s attempt %s: %s, HTTP %s%s", key, entry.attempts, outcome, response.status_code, detail)
    return outcome


def send_due() -> dict[str, int]:
    """One pass over everything due, oldest first. Safe to run from several processes at once.

    The outbox is one queue to one city: when a push fails for a passing reason, the rest of the
    pass waits for the same next try instead of knocking once per entry; when the city answers
    (a receipt, a refusal, or the status probe below while everything waits), every entry waiting
    on a retry becomes due at once and the backlog drains in order at the speed of sending.
    """
    counts: dict[str, int] = {}
    if city_url() is None:
        return counts
    tried: set[int] = set()
    refused_days = current_app.config["OUTBOX_REFUSED_DAYS"]
    pending = due_ids(utcnow(), refused_days)
    if not pending and city_answers_again():
        release_waiting(utcnow())
        pending = due_ids(utcnow(), refused_days)
    while pending:
        entry_id = pending.pop(0)
        tried.add(entry_id)
        outcome = send_entry(entry_id)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "retry":
            failed = db.session.get(OutboxEntry, entry_id)
            if failed is not None:
                hold_behind(pending, failed.next_attempt_at)
            break
        # An answer means the city is up; an acceptance also that it has what a refusal at the city
        # lacked (the commune's key and CA): those refused days go again at once.
        if outcome in ("accepted", "rejected") and release_waiting(utcnow(), refused_at_city=outcome == "accepted"):
            pending = [i for i in due_ids(utcnow(), refused_days) if i not in tried]
    return counts


def city_answers_again() -> bool:
    """While entries wait on retries, ask the city cheaply whether it answers again: the status of
    the oldest waiting report (PROTOCOL "Status and returns"), a GET with no photos. Any answer but
    a server error or "slow down" means the city is back. Not asked while the city's last word was
    429 (its Retry-After is honoured by the entry's own time)."""
    url = city_url()
    entry = first_retrying()
    if url is None or entry is None or entry.last_status == 429:
        return False
    try:
        response = requests.get(
            f"{url}{PUSH_PATH}/{entry.revision.report_key}/status",
            headers={"Authorization": f"Bearer {status_token(url)}"},
            timeout=current_app.config["OUTBOX_PROBE_TIMEOUT"],
        )
    except requests.RequestException:
        return False
    return response.status_code < 500 and response.status_code != 429


def status_token(url: str) -> str:
    """A short-lived JWT signed with the commune's key (PROTOCOL "Status and returns")."""
    row = keys.ensure_key()
    now = int(time.time())
    claims = {"iss": Commune.installed().code, "aud": url, "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}
    return jwt.encode({"alg": "Ed25519", "kid": row.kid}, claims, keys.private_key(row.kid), algorithms=["Ed25519"])


def _due_for_poll(now: dt.datetime):
    """Accepted entries to ask about: recent ones every OUTBOX_POLL_RECENT_SECONDS, older ones (up
    to OUTBOX_POLL_DAYS) every OUTBOX_POLL_SECONDS."""
    config = current_app.config
    horizon = now - dt.timedelta(days=config["OUTBOX_POLL_DAYS"])
    recent = now - dt.timedelta(days=config["OUTBOX_POLL_RECENT_DAYS"])
    stale = now - dt.timedelta(seconds=config["OUTBOX_POLL_SECONDS"])
    stale_recent = now - dt.timedelta(seconds=config["OUTBOX_POLL_RECENT_SECONDS"])
    never = OutboxEntry.last_polled_at.is_(None)
    due = (
        never
        | (OutboxEntry.last_polled_at < stale)
        | ((OutboxEntry.created_at >= recent) & (OutboxEntry.last_polled_at < stale_recent))
    )
    return db.session.scalars(
        db.select(OutboxEntry)
        .filter(OutboxEntry.state == OutboxState.ACCEPTED, OutboxEntry.created_at >= horizon)
        .filter(due)
    ).all()


def poll_statuses() -> int:
    """Ask the city about recent accepted revisions; record returns. Returns how many changed."""
    url = city_url()
    if url is None:
        return 0
    changed = 0
    now = utcnow()
    for entry in _due_for_poll(now):
        try:
            changed += _poll_entry(url, entry, now)
        except requests.RequestException:
            break  # the city is unreachable; try again on the next round
    db.session.commit()
    return changed


def poll_entry_now(entry: OutboxEntry | None) -> bool:
    """Ask the city about one accepted entry right away (the leader opened the day), unless it was
    asked less than OUTBOX_POLL_ON_OPEN_SECONDS ago. Never raises for a city that does not answer;
    commits."""
    url = city_url()
    if url is None or entry is None or entry.state != OutboxState.ACCEPTED:
        return False
    now = utcnow()
    min_seconds = current_app.config["OUTBOX_POLL_ON_OPEN_SECONDS"]
    if entry.last_polled_at and entry.last_polled_at > now - dt.timedelta(seconds=min_seconds):
        return False
    try:
        changed = _poll_entry(url, entry, now, timeout=3)
    except requests.RequestException:
        return False
    db.session.commit()
    return bool(changed)


def _poll_entry(url: str, entry: OutboxEntry, now: dt.datetime, timeout: float | None = None) -> int:
    """One status question; records a return or an acceptance (and audits it). 1 when something
    changed. A city older than the review states never answers "accepted": nothing changes then."""

    revision = entry.revision
    response = requests.get(
        f"{url}{PUSH_PATH}/{revision.report_key}/status",
        headers={"Authorization": f"Bearer {status_token(url)}"},
        timeout=timeout or current_app.config["OUTBOX_TIMEOUT"],
    )
    entry.last_polled_at = now
    if response.status_code != 200:
        return 0
    try:
        body = response.json()
    except ValueError:
        return 0
    if not isinstance(body, dict):
        return 0
    if body.get("state") == "accepted":
        return _record_acceptance(revision, body)
    if body.get("state") != "returned" or revision.city_state == "returned":
        return 0
    revision.city_state = "returned"
    revision.city_comment = body.get("comment") or ""
    revision.returned_by = body.get("returned_by") or ""
    revision.returned_at = _parse_moment(body.get("returned_at"))
    audit.record(
        "report.returned",
        target_type="report",
        target_id=revision.report_key,
        after={"comment": revision.city_comment, "by": revision.returned_by},
    )
    return 1


def _record_acceptance(revision, body: dict) -> int:
    """The city's reviewer accepted the revision ("Thành phố đã duyệt"); a return comes after an
    acceptance, never before one, so a returned revision stays returned."""
    if revision.city_state in ("accepted", "returned"):
        return 0
    revision.city_state = "accepted"
    audit.record(
        "report.accepted",
        target_type="report",
        target_id=revision.report_key,
        after={"by": str(body.get("accepted_by") or ""), "at": str(body.get("accepted_at") or "")},
    )
    return 1


def _parse_moment(value: str | None) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def run_forever(interval: float, stop=lambda: False) -> None:
    """The worker loop started next to the web server by ``make run``."""
    while not stop():
        try:
            counts = send_due()
            if counts:
                log.info("outbox: %s", counts)
            poll_statuses()
        except Exception:  # keep the worker alive; the entry stays due and is retried
            log.exception("outbox pass failed")
            db.session.rollback()
        finally:
            db.session.remove()
        time.sleep(interval)
