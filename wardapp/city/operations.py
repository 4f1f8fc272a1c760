"""The city intake's multi-step work: enrolling communes, storing verified pushes, the grid."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from flask import current_app
from joserfc.jwk import OKPKey
from sqlalchemy import Table, bindparam, exists, insert, select, update

from wardapp.city import blobs, desk, facts, flag_store, reviewing, scope, signin
from wardapp.city.extensions import city_db as db
from wardapp.city.models import (
    CityCommune,
    CityKey,
    CityTrustedCA,
    CityUser,
    IntakeLog,
    ReceivedFigures,
    ReceivedPhoto,
    ReceivedReport,
)
from wardapp.core.clock import as_local, utcnow
from wardapp.core.i18n import gettext as _
from wardapp.core.units import all_units, find
from wardapp.core.verify import Refusal, VerifiedPush
from wardapp.platform.accounts import password_problem, username_problem


class AccountError(ValueError):
    """An account the policy refuses; ``field`` names what to correct."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def create_user(
    username: str, full_name: str, role: str, provinces: tuple[str, ...], password: str, *, actor: str = ""
) -> CityUser:
    """A city account under the commune's account policy (``platform.accounts``: the username's
    form, the password's length), seeing ``provinces`` (all served when empty). Audited; the
    caller commits. Existing accounts are never checked again: their passwords keep working."""
    username = username.strip().lower()
    for field, problem in (("username", username_problem(username)), ("password", password_problem(password))):
        if problem:
            raise AccountError(field, problem)
    if db.session.scalar(select(CityUser.id).filter_by(username=username)) is not None:
        raise AccountError("username", _("Tên đăng nhập này đã có người dùng."))
    unknown = [c for c in provinces if c not in scope.served()]
    if unknown:
        raise AccountError("provinces", f"not served by this intake: {', '.join(unknown)}")
    user = CityUser(username=username, full_name=full_name, role=role, provinces=",".join(provinces))
    user.set_password(password)
    db.session.add(user)
    signin.record("user.created", username, f"{role}; provinces {','.join(provinces) or 'all served'}", actor=actor)
    return user


def trust_dir() -> Path:
    """National roots the communes' PDF signatures may chain to: ``*.pem`` here, configuration (the
    same files on every server). Older intakes also kept each commune's CA here, in ``<code>/``:
    still read. A commune's CA enrolled now is kept in the database (``enrol_ca``)."""
    configured = current_app.config.get("CITY_PDF_TRUST_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "pdf-trust"


def _pem_files(folder: Path) -> list[x509.Certificate]:
    roots = []
    for path in sorted(folder.glob("*.pem")):
        try:
            roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except ValueError:
            current_app.logger.warning("not a PEM certificate file: %s", path)
    return roots


def official_code(commune_code: object) -> str | None:
    """``commune_code`` when it is exactly a commune code of the official list (five digits), else
    None. A code read from a document is only ever used after this: never as a path as it came."""
    if not isinstance(commune_code, str):
        return None
    unit = find(commune_code)
    return unit.code if unit is not None and unit.code == commune_code else None


def national_roots() -> list[x509.Certificate]:
    """The roots every commune's PDF signatures may chain to: ``*.pem`` in the trust folder."""
    return _pem_files(trust_dir())


def trust_roots(commune_code: str) -> list[x509.Certificate]:
    """The roots a commune's PDF signatures may chain to: its enrolled CAs and the national ones.
    ``commune_code`` must be a code of the official list (ValueError otherwise): the legacy
    folder ``<trust folder>/<code>`` is the only path built from it."""
    code = official_code(commune_code)
    if code is None:
        raise ValueError(f"{commune_code!r} is not a commune code of the official list")
    roots = [*national_roots(), *_pem_files(trust_dir() / code)]
    stored = db.session.scalars(
        select(CityTrustedCA.pem).where(CityTrustedCA.commune_code == code).order_by(CityTrustedCA.id)
    )
    roots.extend(x509.load_pem_x509_certificate(pem.encode("ascii")) for pem in stored)
    return roots


def every_root(provinces: tuple[str, ...] | None = None) -> list[x509.Certificate]:
    """For a PDF naming no commune: the national roots and every commune's (legacy folders and
    enrolled CAs), only those of communes in ``provinces`` when given (a reviewer's scope)."""
    folder = trust_dir()
    codes = {p.name for p in folder.glob("*") if p.is_dir()}
    codes |= set(db.session.scalars(select(CityTrustedCA.commune_code).distinct()))
    wanted = sorted(
        code for code in codes if official_code(code) and (provinces is None or scope.province_of(code) in provinces)
    )
    certs = [*national_roots(), *(cert for code in wanted for cert in trust_roots(code))]
    return list({cert.fingerprint(hashes.SHA256()): cert for cert in certs}.values())


def _table(model: type) -> Table:
    """A model's table, for the push's plain statements (Core, not the ORM's unit of work)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


# The push's statements, built once: every push runs them with its values as parameters, so
# SQLAlchemy neither rebuilds nor re-keys them (measured: about a third of the intake's database
# CPU went to building statements and the ORM's bookkeeping, docs/PERFORMANCE.md).
_KEYS, _REPORTS, _FIGURES = _table(CityKey), _table(ReceivedReport), _table(ReceivedFigures)
KEY_BY_KID = select(_KEYS.c.jwk, _KEYS.c.commune_code).where(_KEYS.c.kid == bindparam("kid"))
RECEIPT_BY_REPORT_ID = select(
    _REPORTS.c.receipt_id, _REPORTS.c.report_id, _REPORTS.c.received_at, _REPORTS.c.payload_sha256
).where(_REPORTS.c.report_id == bindparam("report_id"))
_SAME_DAY = (_FIGURES.c.commune_code == bindparam("of_commune"), _FIGURES.c.date == bindparam("of_day"))
NEWER_REVISION_HERE = select(exists().where(*_SAME_DAY, _FIGURES.c.revision > bindparam("of_revision")))
NO_LONGER_CURRENT = (
    update(_FIGURES)
    .where(*_SAME_DAY, _FIGURES.c.revision < bindparam("of_revision"), _FIGURES.c.current.is_(True))
    .values(current=False)
)
INSERT_REPORT = insert(_REPORTS).returning(_REPORTS.c.id)
INSERT_FIGURES = insert(_FIGURES)
INSERT_PHOTOS = insert(_table(ReceivedPhoto))
INSERT_LOG = insert(_table(IntakeLog))


def lookup_key(kid: str) -> tuple[OKPKey, str] | None:
    row = db.session.execute(KEY_BY_KID, {"kid": kid}).first()
    return None if row is None else (OKPKey.import_key(row.jwk), row.commune_code)


class Stored(NamedTuple):
    """What a receipt says of a stored revision (its columns, without loading the row)."""

    receipt_id: str
    report_id: str
    received_at: dt.datetime
    payload_sha256: str


def receipt(report: ReceivedReport | Stored) -> dict:
    """The receipt of a stored revision."""
    return {
        "receipt_id": report.receipt_id,
        "report_id": report.report_id,
        "received_at": report.received_at.replace(tzinfo=dt.UTC).isoformat(timespec="seconds"),
        "payload_sha256": report.payload_sha256,
    }


def store(push: VerifiedPush, token: str, pdf: bytes | None) -> tuple[int, dict]:
    """Store a verified push once; an identical resend gets the same receipt (200).

    Everything goes in the request's one transaction (committed by the caller with its log line):
    the report, its figures row and its photo rows together or not at all. Written as plain
    INSERTs, not ORM objects: a push is a handful of rows nobody reads back here, and the ORM's
    unit of work was a fifth of the intake's CPU per push (measured, docs/PERFORMANCE.md).
    """
    report_id = push.payload["report_id"]
    existing = db.session.execute(RECEIPT_BY_REPORT_ID, {"report_id": report_id}).first()
    if existing is not None:
        if existing.payload_sha256 == push.payload_sha256:
            return 200, receipt(Stored(*existing))
        raise Refusal(409, "conflict", f"{report_id} was already received with other content")
    # Files first, then the row: a row never names a file that is not there. Both are
    # content-addressed, so a push that loses the race for the row leaves nothing wrong behind.
    files = blobs.store()
    for sha, upload in push.photos.items():
        files.create(blobs.photo_key(sha), upload.data, upload.content_type, sha256=sha)  # checked in verify
    pdf_sha256 = None
    if pdf is not None:
        pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        files.create(blobs.sent_pdf_key(pdf_sha256), pdf, "application/pdf", sha256=pdf_sha256)
    now = utcnow()
    day = dt.date.fromisoformat(push.payload["date"])
    revision = push.payload["revision"]
    row = {
        "report_id": report_id,
        "commune_code": push.commune_code,
        "date": day,
        "revision": revision,
        "supersedes": push.payload["supersedes"],
        "payload": push.payload_bytes,
        "payload_sha256": push.payload_sha256,
        "jws": token,
        "kid": push.kid,
        "late": push.payload["late"],
        # The receipt number carries the day as a Vietnamese reader counts it (00:30 on 08/12 in
        # Hà Nội is still 07/12 in UTC).
        "receipt_id": f"{as_local(now):%Y%m%d}-{push.commune_code}-{secrets.token_hex(4).upper()}",
        "received_at": now,
        "pdf_sha256": pdf_sha256,
    }
    # A second push of the same report id racing this one fails here (unique report_id): the
    # caller answers it from the row that won. Values go as parameters of constant statements
    # (compiled once per process), not into the statement itself.
    report_pk = db.session.execute(INSERT_REPORT, row).scalar_one()
    figures_row = {
        "report_pk": report_pk,
        "report_id": report_id,
        "commune_code": push.commune_code,
        "date": day,
        "revision": revision,
        "late": row["late"],
        "returned": False,
        "current": _becomes_current(push.commune_code, day, revision),
        **facts.columns(push.payload),
    }
    db.session.execute(INSERT_FIGURES, figures_row)
    if figures_row["current"]:  # its figures against the commune's own history, stored beside it
        flag_store.judge_arrival(push.commune_code, figures_row["province_code"], day)
    photos = [
        {"report_pk": report_pk, "sha256": p["sha256"], "content_type": p["content_type"], "bytes": p["bytes"]}
        for p in push.payload["photos"]
    ]
    if photos:
        db.session.execute(INSERT_PHOTOS, photos)  # one executemany
    # Last: the desk's revision row is one row every push updates, locked until the commit.
    desk.changed()
    return 201, receipt(Stored(row["receipt_id"], report_id, now, push.payload_sha256))


def _becomes_current(commune_code: str, day: dt.date, revision: int) -> bool:
    """Whether a new revision becomes the commune-day's current one (unless a newer one is
    already here); the revision it supersedes stops being current.

    Corrections supersede: older revisions stop being current but stay stored and visible (a
    returned one keeps its state and comment). Revisions can arrive out of order after an outage.
    """
    values = {"of_commune": commune_code, "of_day": day, "of_revision": revision}
    if db.session.execute(NEWER_REVISION_HERE, values).scalar():
        return False
    db.session.execute(NO_LONGER_CURRENT, values)
    return True


def log_request(request, status: int, error: str = "", detail: str = "", report_id=None, commune=None) -> None:
    db.session.execute(
        INSERT_LOG,
        {
            "at": utcnow(),
            "ip": request.remote_addr,
            "method": request.method,
            "path": request.path[:200],
            "status": status,
            "error": error,
            "detail": detail[:2000],
            "report_id": report_id,
            "commune_code": commune,
        },
    )


class Cell(NamedTuple):
    """One commune-day of the grid (a tuple: a 62-day grid of a large province makes ten thousand)."""

    day: dt.date
    state: str  # on_time, late, corrected, returned, missing, future
    report_id: str | None
    review: str = ""  # accepted, or reaccept: corrected after its acceptance (city/reviewing.py)


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    enrolled: bool
    cells: list[Cell]


def latest_states(provinces: tuple[str, ...], start: dt.date, end: dt.date) -> dict[tuple[str, dt.date], tuple]:
    """The current revision of every commune-day in the range, as (report_id, state, review): one
    query over the narrow figures table (never the payload or the JWS), and one for the days an
    older revision of which was accepted."""
    F = ReceivedFigures
    rows = db.session.execute(
        db.select(F.commune_code, F.date, F.report_id, F.revision, F.late, F.returned, F.accepted).filter(
            F.current.is_(True), F.province_code.in_(provinces), F.date.between(start, end)
        )
    )
    again = reviewing.accepted_before(provinces, start, end)
    return {
        (code, day): (
            report_id,
            cell_state(revision, late, returned),
            review_mark(accepted, returned, (code, day) in again),
        )
        for code, day, report_id, revision, late, returned, accepted in rows
    }


def review_mark(accepted: bool, returned: bool, accepted_before: bool) -> str:
    """What the grid says of a day's review: accepted, or corrected after an acceptance (new again)."""
    if accepted:
        return "accepted"
    return "reaccept" if accepted_before and not returned else ""


def cell_state(revision: int, late: bool, returned: bool) -> str:
    if returned:
        return "returned"
    if revision > 1:
        return "corrected"
    return "late" if late else "on_time"


def grid(provinces: tuple[str, ...], start: dt.date, end: dt.date, today: dt.date) -> list[Row]:
    enrolled = set(
        db.session.scalars(
            db.select(CityCommune.code).filter(
                CityCommune.province_code.in_(provinces), CityCommune.enrolled_at.is_not(None)
            )
        )
    )
    latest = latest_states(provinces, start, end)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    wanted = set(provinces)
    rows = []
    for unit in sorted((u for u in all_units().values() if u.province_code in wanted), key=lambda u: u.code):
        cells = []
        for d in days:
            found = latest.get((unit.code, d))
            if d > today:
                cells.append(Cell(d, "future", None))
            elif found is None:
                cells.append(Cell(d, "missing", None))
            else:
                cells.append(Cell(d, found[1], found[0], found[2]))
        rows.append(Row(unit.code, unit.name, unit.code in enrolled, cells))
    return rows
