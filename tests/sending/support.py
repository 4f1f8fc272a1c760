"""Helpers for the sign-and-send tests: the city intake served for real, a day ready to sign,
photos, raw pushes and hand-made signatures.

Both apps run in this process: the commune app's context stays open for the whole test (the
``app`` fixture), the city app answers on 127.0.0.1 from a server thread, and the test reads the
city's database through ``City.rows`` (which opens the city's own context for the moment).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from cryptography.hazmat.primitives import serialization
from joserfc import jws, jwt
from joserfc.jwk import OKPKey
from PIL import Image
from werkzeug.serving import make_server

from wardapp.audit.models import AuditEvent
from wardapp.city.enrolment.operations import enrol, enrol_ca
from wardapp.city.extensions import city_db
from wardapp.city.models import CityKey, CityUser, IntakeLog, ReceivedReport  # noqa: F401 (used by tests through support)
from wardapp.commune.models import Commune
from wardapp.core import clock, payload
from wardapp.delays.operations import add_late_dossier, explain
from wardapp.delays.readiness import readiness
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry
from wardapp.signing import documents, keys
from wardapp.signing.models import ReportRevision
from wardapp.signing.operations import JWS_TYPE

from .. import factories
from ..helpers import IsolatedClient, signed_in  # noqa: F401 (tests call it as support.signed_in)

PUSH = "/api/v1/daily-reports"
CITY_PASSWORD = factories.PASSWORD  # every persona of both apps has the same password
# A day whose figures add up with no late dossier: 40 to handle, 28 resolved, 12 pending.
CLEAN = {
    "resolved_late": 0,
    "pending_overdue": 0,
    "resolved_on_time": 20,
    "pending_within": 12,
    "apology_letters": 0,
    "response_team_cases": 0,
}
# The same day with one dossier resolved late (recorded, apologised for and explained).
ONE_LATE = CLEAN | {"resolved_late": 1, "resolved_on_time": 19, "apology_letters": 1}
OTHER_COMMUNE = "20194"  # Phường Hải Vân, also in Đà Nẵng


# --- Network --------------------------------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on right now (the OS's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A WSGI app served for real on 127.0.0.1 from a thread once started."""

    def __init__(self, app):
        self.app = app
        self.server = None
        self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self, port: int = 0) -> Served:
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="served-on-127.0.0.1", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.server = None


class City(Served):
    """The city intake app, with a look into its database."""

    def start(self, port: int = 0) -> City:
        super().start(port)
        # As in production: the URL communes push to is configured (status tokens' audience).
        self.app.config["CITY_PUBLIC_URL"] = self.url
        return self

    @contextmanager
    def context(self):
        """The city's app context (its own database session), for reading or arranging its data."""
        with self.app.app_context():
            yield city_db.session

    def rows(self, model, **filters) -> list[dict]:
        """The rows of a city table as plain dicts (no object outlives the city's context)."""
        with self.context() as session:
            query = city_db.select(model).filter_by(**filters).order_by(model.__table__.primary_key.columns.values()[0])
            return [{c.name: getattr(row, c.key) for c in model.__mapper__.columns} for row in session.scalars(query)]

    def received(self, **filters) -> list[dict]:
        return self.rows(ReceivedReport, **filters)

    def log(self) -> list[dict]:
        return self.rows(IntakeLog)

    def enrol(self, code: str, jwk: dict, ca_pem: bytes | None = None) -> None:
        with self.context() as session:
            enrol(code, jwk)
            if ca_pem:
                enrol_ca(code, ca_pem, confirmed=True)
            session.commit()

    def make_user(self, username: str = "sokhcn", full_name: str = "Trần Văn Thẩm", role: str = "reviewer") -> None:
        with self.context() as session:
            user = CityUser(username=username, full_name=full_name, role=role)
            user.set_password(CITY_PASSWORD)
            session.add(user)
            session.commit()

    def signed_in(self, username: str = "sokhcn"):
        """A city test client signed in as ``username`` (the pages; the API is tested over HTTP)."""
        return signed_in(self.app, username)


class ScriptedCity:
    """A stand-in for the city that answers each push as the test scripted it (a status, a JSON body,
    headers, maybe a delay), for the answers the real intake never gives on demand: 5xx, 429, a
    slow answer, a receipt for other content. Records what it was sent."""

    def __init__(self):
        self.answers: list[tuple[int, dict, dict, float]] = []
        self.received: list[dict] = []
        self.released = threading.Event()  # set at the end: a delayed answer stops waiting

    def answer(self, status: int, body: dict | None = None, headers: dict | None = None, delay: float = 0) -> None:
        self.answers.append((status, body or {}, headers or {}, delay))

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request

        request = Request(environ)
        try:
            self.received.append(
                {
                    "path": request.path,
                    "report": request.form.get("report"),
                    "photos": [f.read() for f in request.files.getlist("photos")],
                    "pdf": request.files["pdf"].read() if "pdf" in request.files else None,
                }
            )
        finally:
            request.close()  # the uploaded parts' temporary files
        status, body, headers, delay = self.answers.pop(0) if self.answers else (500, {}, {}, 0)
        if delay:
            self.released.wait(delay)
        start_response(f"{status} Scripted", [("Content-Type", "application/json"), *headers.items()])
        return [json.dumps(body).encode()]


def push(city_url: str, token: str | None, photos: list[tuple[str, bytes, str]] = (), **extra) -> requests.Response:
    """POST a report to the city as the protocol says: a ``report`` field and ``photos`` file parts."""
    data = {} if token is None else {"report": token}
    files = [("photos", photo) for photo in photos]
    return requests.post(city_url + PUSH, data=data, files=files or None, timeout=10, **extra)


def status(city_url: str, report_id: str, token: str | None) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return requests.get(f"{city_url}{PUSH}/{report_id}/status", headers=headers, timeout=10)


# --- The commune side -----------------------------------------------------------------------


_shade = iter(range(1, 100_000))


def jpeg(taken: dt.datetime | None = None, size=(64, 48)) -> bytes:
    """A small JPEG unlike every other one made here, with a camera capture time when given."""
    n = next(_shade)
    image = Image.new("RGB", size, ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256))
    image.putpixel((0, 0), (n % 256, n // 256 % 256, 7))
    options = {}
    if taken is not None:
        exif = Image.Exif()
        exif[0x010F] = "samsung"
        exif[0x0110] = "Galaxy A54 5G"
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        options["exif"] = exif
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def no_photo_required(commune) -> None:
    for category in db.session.scalars(db.select(PhotoCategory).filter_by(commune_id=commune.id)):
        category.ask_on_every_day(False)
    db.session.commit()


def ready_day(commune, users, day: dt.date, *, photos: int = 1, late_dossier: bool = False, **figures):
    """A day the leader can sign: figures that add up, ``photos`` real JPEGs (none required),
    and, with ``late_dossier``, one dossier resolved late, recorded and explained."""
    no_photo_required(commune)
    report = factories.make_report(commune, day, users["staff"], **((ONE_LATE if late_dossier else CLEAN) | figures))
    report.highlights = "Trung tâm tiếp nhận 30 hồ sơ, không có phản ánh."
    db.session.commit()
    category = db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune.id, key="counters"))
    for i in range(photos):
        taken = dt.datetime.combine(day, dt.time(8, 30 + i))
        add_photo(report, jpeg(taken), f"quay-{i + 1}.jpg", category, f"Quầy số {i + 1} buổi sáng", users["staff"])
    if late_dossier:
        add_late_dossier(
            report,
            {
                "kind": "resolved_late",
                "count": 1,
                "procedure": "Đăng ký khai sinh",
                "dossier_code": "000.00.48.H17-261121-0001",
                "officer": "Nguyễn Thị Lan",
                "unit": "Bộ phận Tư pháp",
                "cause": "Chờ xác minh hồ sơ gốc",
                "apology_issued": True,
                "new_appointment": None,
            },
            users["staff"],
        )
        db.session.commit()
    for item in readiness(commune, report, day).items:
        explain(
            report,
            item,
            {
                "cause": "Chờ xác minh hồ sơ gốc",
                "remedy": "Đã liên hệ Sở Tư pháp",
                "responsible": "Phó Chủ tịch Lê Thị Hằng",
                "new_date": clock.today() + dt.timedelta(days=3),
            },
            users["leader"],
        )
    db.session.commit()
    assert readiness(commune, report, day).ready, readiness(commune, report, day).blockers
    return report


def public_jwk() -> dict:
    row = keys.ensure_key()
    db.session.commit()
    return dict(row.public_jwk)


def ca_pem() -> bytes:
    """The CA the commune's PDF signatures chain to, as its enrolment file carries it."""
    documents.ensure_certificate(Commune.installed())
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in documents.trust_roots())


def enrol_commune(city: City, code: str = "20242") -> dict:
    """The city enrols the commune's active public key (as `keys export` prints it) and the CA
    its PDF signatures chain to (as `pdf-cert export-roots` prints it)."""
    jwk = public_jwk()
    documents.ensure_certificate(Commune.installed())
    city.enrol(code, jwk, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in documents.trust_roots()))
    return jwk


def revision(revision_number: int = 1) -> ReportRevision:
    db.session.expire_all()
    return db.session.scalar(db.select(ReportRevision).filter_by(revision=revision_number))


def outbox_entry(revision_number: int = 1) -> OutboxEntry:
    db.session.expire_all()
    return db.session.scalar(
        db.select(OutboxEntry).join(ReportRevision).filter(ReportRevision.revision == revision_number)
    )


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def photo_parts(rev: ReportRevision) -> list[tuple[str, bytes, str]]:
    """The photo file parts the sender sends for a revision: the original bytes of each listed photo."""
    from wardapp.evidence import storage

    return [
        (p["filename"], storage.original_path(p["sha256"]).read_bytes(), p["content_type"])
        for p in rev.document["photos"]
    ]


def sign_as_commune(document: dict, key: OKPKey | None = None, kid: str | None = None) -> str:
    """A JWS over ``document`` made as the commune makes it: with its active key unless told."""
    if key is None:
        row = keys.active_row()
        key, kid = keys.private_key(row.kid), row.kid
    return jws.serialize_compact(
        {"alg": "Ed25519", "kid": kid or key.thumbprint(), "typ": JWS_TYPE},
        payload.encode(document),
        key,
        algorithms=["Ed25519"],
    )


def status_token(claims: dict, key: OKPKey | None = None, kid: str | None = None) -> str:
    if key is None:
        row = keys.active_row()
        key, kid = keys.private_key(row.kid), row.kid
    return jwt.encode({"alg": "Ed25519", "kid": kid or key.thumbprint()}, claims, key, algorithms=["Ed25519"])


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64url_json(part: str) -> dict:
    return json.loads(b64url_decode(part))


# --- Pushes made without a commune app (many communes, each with its own key) --------------------


@dataclass(frozen=True)
class MadePush:
    report_id: str
    token: str
    photos: list[tuple[str, bytes, str]]  # (filename, data, content type), as the sender sends them


def make_push(
    unit, key: OKPKey, day: dt.date, photos: list[bytes], *, revision_number: int = 1, highlights: str = ""
) -> MadePush:
    """A push as a commune's app signs it (payload built by the kernel, schema-valid, JWS with its
    key), for a commune of the official list that has no app in this process."""
    listed = []
    files = []
    for i, data in enumerate(photos):
        name = f"quay-{i + 1}.jpg"
        files.append((name, data, "image/jpeg"))
        listed.append(
            {
                "sha256": hashlib.sha256(data).hexdigest(),
                "filename": name,
                "content_type": "image/jpeg",
                "bytes": len(data),
                "category": "counters",
                "category_label": "Quầy tiếp nhận",
                "caption": f"Quầy số {i + 1} buổi sáng",
                "taken_at": dt.datetime.combine(day, dt.time(8, 30 + i), clock.TZ).isoformat(timespec="seconds"),
                "verifiable": True,
            }
        )
    previous = f"{unit.code}:{day}:r{revision_number - 1}" if revision_number > 1 else None
    document = payload.assemble(
        payload.SigningInput(
            commune={"code": unit.code, "name": unit.name, "province_code": unit.province_code},
            day=day,
            revision=revision_number,
            supersedes=previous,
            correction_reason="Sửa số liệu tiếp nhận" if previous else None,
            signed_at=dt.datetime.combine(day, dt.time(16, 30), clock.TZ),
            signer={"username": "leader", "full_name": "Nguyễn Văn Lãnh", "position": "Giám đốc Trung tâm"},
            late=False,
            late_reason=None,
            figures=factories.figures(),
            narrative={
                "highlights": highlights or "Trung tâm tiếp nhận 30 hồ sơ, không có phản ánh.",
                "difficulties": "",
                "proposals": "",
            },
            photos=listed,
        )
    )
    token = jws.serialize_compact(
        {"alg": "Ed25519", "kid": key.thumbprint(), "typ": JWS_TYPE},
        payload.encode(document),
        key,
        algorithms=["Ed25519"],
    )
    return MadePush(document["report_id"], token, files)
