"""Two intake servers side by side: separate gunicorn processes on two ports, each with an instance
folder of its own, sharing one PostgreSQL database and one S3 object store (SeaweedFS), as a city
runs them behind its reverse proxy. Pushes for the same communes arrive at both at the same moment
and the protocol's answers stay exact; a reviewer signed in through one is served by the other."""

from __future__ import annotations

import io
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf
import pytest
import requests
import time_machine
from joserfc.jwk import OKPKey

from wardapp import ROOT
from wardapp.city.app import create_app as create_city_app
from wardapp.city.enrolment.operations import enrol
from wardapp.city.extensions import city_db
from wardapp.city.models import CityUser, ReceivedReport
from wardapp.core import clock
from wardapp.core.settings import SettingError
from wardapp.core.units import all_units

from .. import services
from . import support

DAY = clock.today()
PUBLIC_URL = "https://giamsat.danang.example"  # what the reverse proxy in front of both answers as
REVIEWER_PASSWORD = "tham-dinh-2-may"
SIGNING_PASSPHRASE = "khoa-ky-cua-so-" + secrets.token_hex(8)


class Intake:
    """Both servers, the store's settings, and a context on the shared database for arranging."""

    def __init__(self, servers, admin_app, store: dict, s3):
        self.servers, self.admin_app, self.store, self.s3 = servers, admin_app, store, s3

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def rows(self) -> list[ReceivedReport]:
        with self.admin_app.app_context():
            rows = city_db.session.scalars(city_db.select(ReceivedReport).order_by(ReceivedReport.report_id)).all()
            city_db.session.expunge_all()
            return rows

    def objects(self) -> dict[str, int]:
        """Every object the intake stored under its prefix, with its size."""
        bucket, prefix = self.store["STORE_URL"][len("s3://") :].split("/", 1)
        found = {}
        for page in self.s3.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
            for item in page.get("Contents", []):
                found[item["Key"][len(prefix) + 1 :]] = item["Size"]
        return found


@pytest.fixture
def intake(postgres, s3_server, migrated_city_postgres, tmp_path):
    database = postgres.create_database("city_two_servers", template=migrated_city_postgres)
    store = s3_server.settings(s3_server.bucket, prefix=f"two-servers-{secrets.token_hex(6)}")
    shared = {
        "CITY_DATABASE_URL": postgres.url(database),
        "WARDAPP_CITY_SECRET_KEY": secrets.token_hex(32),
        "WARDAPP_CITY_CITY_SIGNING_KEY_PASSPHRASE": SIGNING_PASSPHRASE,
        "WARDAPP_CITY_CITY_PUBLIC_URL": PUBLIC_URL,
        **{f"WARDAPP_CITY_{name}": value for name, value in store.items()},
    }
    servers = [
        services.Gunicorn(
            "wardapp.city.app:create_app()",
            {**os.environ, **shared, "WARDAPP_CITY_INSTANCE_PATH": str(tmp_path / f"server-{n}")},
            workers=2,
            log=tmp_path / f"server-{n}.log",
            cwd=ROOT,
        )
        for n in (1, 2)
    ]
    admin_app = create_city_app(
        {
            "INSTANCE_PATH": tmp_path / "admin",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": shared["CITY_DATABASE_URL"],
            "SECRET_KEY": shared["WARDAPP_CITY_SECRET_KEY"],
            "CITY_SIGNING_KEY_PASSPHRASE": SIGNING_PASSPHRASE,
            **store,
        }
    )
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda server: server.start(), servers))
        yield Intake(servers, admin_app, store, s3_server)
    finally:
        for server in servers:
            server.stop()
        with admin_app.app_context():
            city_db.engine.dispose()
        postgres.drop_database(database)


@pytest.fixture
def communes(intake):
    """Three Đà Nẵng communes enrolled, each with a key of its own."""
    units = sorted((u for u in all_units().values() if u.province_code == "48"), key=lambda u: u.code)[:3]
    keys = {}
    with intake.admin_app.app_context():
        for unit in units:
            key = OKPKey.generate_key("Ed25519")
            enrol(unit.code, {**key.as_dict(private=False), "kid": key.thumbprint()})
            keys[unit.code] = key
        user = CityUser(username="sokhcn", full_name="Trần Văn Thẩm", role="director")  # also signs
        user.set_password(REVIEWER_PASSWORD)
        city_db.session.add(user)
        city_db.session.commit()
    return [(unit, keys[unit.code]) for unit in units]


def all_at_once(sends: list[tuple[str, support.MadePush]]) -> list[requests.Response]:
    """Every (server, push) sent at the same moment, each from its own client."""
    start = threading.Barrier(len(sends))

    def send(item):
        url, made = item
        start.wait()
        return support.push(url, made.token, made.photos)

    with ThreadPoolExecutor(len(sends)) as pool:
        return list(pool.map(send, sends))


def answers_by_report(sends, responses) -> dict[str, list[requests.Response]]:
    grouped: dict[str, list[requests.Response]] = {}
    for (_url, made), response in zip(sends, responses, strict=True):
        grouped.setdefault(made.report_id, []).append(response)
    return grouped


def test_two_servers_answer_concurrent_pushes_exactly_as_the_protocol_says(intake, communes):
    a, b = intake.urls
    photos = {unit.code: [support.jpeg(size=(320, 240)), support.jpeg(size=(320, 240))] for unit, _ in communes}
    first = {unit.code: support.make_push(unit, key, DAY, photos[unit.code]) for unit, key in communes}

    # The same report twice at each server, all at once: one receipt, given four times.
    sends = [(url, first[code]) for code in first for url in (a, b, a, b)]
    for report_id, responses in answers_by_report(sends, all_at_once(sends)).items():
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 200, 200, 201], (report_id, [r.text for r in responses])
        assert len({r.json()["receipt_id"] for r in responses}) == 1
        assert {r.json()["report_id"] for r in responses} == {report_id}

    # Other content under a received report id, at both servers at once: 409 everywhere.
    changed = {
        unit.code: support.make_push(unit, key, DAY, photos[unit.code], highlights="Số liệu khác")
        for unit, key in communes
    }
    sends = [(url, changed[code]) for code in changed for url in (a, b)]
    for response in all_at_once(sends):
        assert response.status_code == 409 and response.json()["error"] == "conflict"

    # Two different corrections racing for one new report id: the first stored wins (201), the
    # other is told 409, and the stored row is the winner's.
    racing = {}
    for unit, key in communes:
        racing[unit.code] = [
            support.make_push(unit, key, DAY, photos[unit.code][:1], revision_number=2, highlights=text)
            for text in ("Bản sửa thứ nhất", "Bản sửa thứ hai")
        ]
    sends = [(url, racing[code][n]) for code in racing for n, url in enumerate((a, b))]
    responses = all_at_once(sends)
    winners = {}
    for (_url, made), response in zip(sends, responses, strict=True):
        winners.setdefault(made.report_id, []).append((response.status_code, response))
    for report_id, answers in winners.items():
        assert sorted(status for status, _ in answers) == [201, 409], report_id
        winner = next(r for status, r in answers if status == 201)
        [stored] = [row for row in intake.rows() if row.report_id == report_id]
        assert stored.payload_sha256 == winner.json()["payload_sha256"]
        assert stored.receipt_id == winner.json()["receipt_id"]

    rows = intake.rows()
    assert sorted(row.report_id for row in rows) == sorted(
        [f"{code}:{DAY}:r1" for code in first] + [f"{code}:{DAY}:r2" for code in first]
    )
    objects = intake.objects()
    for data in photos.values():
        for photo in data:
            assert objects[f"photos/{support.payload.sha256(photo)}"] == len(photo)


def test_either_server_answers_the_status_and_serves_photos_and_pdfs(intake, communes):
    a, b = intake.urls
    unit, key = communes[0]
    photos = [support.jpeg(size=(640, 480)), support.jpeg(size=(640, 480))]
    made = support.make_push(unit, key, DAY, photos)
    receipt = support.push(a, made.token, made.photos)
    assert receipt.status_code == 201, receipt.text

    now = int(time_machine.escape_hatch.time.time())  # the servers run on the real clock
    claims = {"iss": unit.code, "aud": PUBLIC_URL, "iat": now, "exp": now + 120}
    for url in (a, b):
        status = support.status(url, made.report_id, support.status_token(claims, key=key, kid=key.thumbprint()))
        assert status.status_code == 200, status.text
        assert status.json()["receipt_id"] == receipt.json()["receipt_id"]

    # Signed in through one server (its CSRF token and session cookie), served by the other: the
    # servers share the secret key.
    reviewer = requests.Session()
    login_page = reviewer.get(f"{a}/login", timeout=10).text
    csrf = login_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = reviewer.post(
        f"{b}/login",
        data={"csrf_token": csrf, "username": "sokhcn", "password": REVIEWER_PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 303, signed_in.text

    for url in (b, a):
        for data in photos:
            served = reviewer.get(f"{url}/reports/{made.report_id}/photos/{support.payload.sha256(data)}", timeout=10)
            assert served.status_code == 200 and served.content == data

    # The PDF is rendered once by whichever server is asked first, with the photos from the shared
    # store, kept there, and given byte for byte by the other.
    from_b = reviewer.get(f"{b}/reports/{made.report_id}.pdf", timeout=60)
    from_a = reviewer.get(f"{a}/reports/{made.report_id}.pdf", timeout=60)
    assert from_b.status_code == from_a.status_code == 200
    assert from_b.content == from_a.content
    pages = pypdf.PdfReader(io.BytesIO(from_b.content)).pages
    assert sum(len(page.images) for page in pages) == len(photos)
    objects = intake.objects()
    assert f"rendered/{made.report_id.replace(':', '_')}.pdf" in objects
    assert all(f"thumbs/{support.payload.sha256(data)}.jpg" in objects for data in photos)

    # Nothing of it on either server's own disk.
    for server in intake.servers:
        instance = Path(server.env["WARDAPP_CITY_INSTANCE_PATH"])
        assert sorted(p.name for p in instance.iterdir()) == []


def signed_in_reviewer(sign_in_at: str) -> requests.Session:
    reviewer = requests.Session()
    page = reviewer.get(f"{sign_in_at}/login", timeout=10).text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = reviewer.post(
        f"{sign_in_at}/login",
        data={"csrf_token": csrf, "username": "sokhcn", "password": REVIEWER_PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303, answer.text
    return reviewer


def signer_certificates(pdf: bytes) -> list[bytes]:
    """The DER of each signature's signing certificate, as a verifier reads it from the file."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    return [s.signer_cert.dump() for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures]


def test_a_consolidated_report_signed_through_either_server_carries_the_same_department_certificate(intake, communes):
    from wardapp.city.documents import signing
    from wardapp.core.pdf import signature

    a, b = intake.urls
    unit, key = communes[0]
    made = support.make_push(unit, key, DAY, [support.jpeg(size=(320, 240))])
    assert support.push(b, made.token, made.photos).status_code == 201

    # Signed in on A; the session works on both servers. The director signs the day's consolidated
    # report through both at the same moment, before any key exists: each would make a key, one is
    # kept; one edition is signed, numbered once, and both servers serve its stored bytes.
    reviewer = signed_in_reviewer(a)
    start = threading.Barrier(2)
    args = {"period": "day", "on": DAY.isoformat()}

    def sign_through(url: str) -> requests.Response:
        page = reviewer.get(f"{url}/consolidated", params=args, timeout=30).text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        start.wait()
        return reviewer.post(
            f"{url}/consolidated/sign",
            data={**args, "csrf_token": csrf, "confirm_to_date": "1"},
            allow_redirects=False,
            timeout=120,
        )

    with ThreadPoolExecutor(2) as pool:
        signed_a, signed_b = pool.map(sign_through, (a, b))
    assert signed_a.status_code == signed_b.status_code == 303, (signed_a.text[:300], signed_b.text[:300])
    from_a, from_b, later_from_b = (
        reviewer.get(f"{url}/consolidated.pdf", params=args, timeout=120) for url in (a, b, b)
    )
    assert from_a.status_code == from_b.status_code == 200
    assert from_a.content == from_b.content == later_from_b.content  # one edition, kept once
    assert from_a.content.startswith(b"%PDF-")
    with intake.admin_app.app_context():
        from wardapp.city.documents.models import ConsolidatedEdition

        assert [e.document_number for e in city_db.session.scalars(city_db.select(ConsolidatedEdition))] == [
            "01/BC-SKHCN"
        ]

    certs_a, certs_b = (signer_certificates(r.content) for r in (from_a, from_b))
    assert len(certs_a) == 2 and len(set(certs_a)) == 1 and certs_a == certs_b  # the leader's and the seal: one key
    with intake.admin_app.app_context():
        department = signing.department_certificate()
    assert "Sở Khoa học và Công nghệ" in department.subject.rfc4514_string()
    assert all(signature.verify_pdf(r.content, [department]) for r in (from_a, from_b, later_from_b))

    # The key is in the shared database, encrypted: a server given another passphrase cannot use
    # it (and says so), and nothing of it is on either server's disk.
    with intake.admin_app.app_context():
        intake.admin_app.config["CITY_SIGNING_KEY_PASSPHRASE"] = "another passphrase"
        with pytest.raises(signing.SigningKeyError, match="CITY_SIGNING_KEY_PASSPHRASE"):
            signing.department_key()
        intake.admin_app.config["CITY_SIGNING_KEY_PASSPHRASE"] = SIGNING_PASSPHRASE
        assert signing.department_key().certificate() == department
    for server in intake.servers:
        instance = Path(server.env["WARDAPP_CITY_INSTANCE_PATH"])
        assert sorted(p.name for p in instance.iterdir()) == []


def test_an_intake_on_a_shared_database_will_not_start_without_its_secret_key(tmp_path):
    with pytest.raises(SettingError, match="WARDAPP_CITY_SECRET_KEY"):
        create_city_app(
            {"INSTANCE_PATH": tmp_path, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://city@/city?host=/nowhere"}
        )
    assert not (tmp_path / "secret_key").exists()
