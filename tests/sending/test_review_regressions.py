"""Regressions found in review: hostile pushes answered 500, photos that are not images accepted
(and then breaking the city's PDFs), inconsistent ``supersedes``, the sender held back by its
optional PDF part, status answers that are not objects, CSV formulas, login timing."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import time

import pytest
from PIL import Image

from wardapp.city.intake import blobs
from wardapp.delivery.sender import poll_statuses, send_due
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

PUSH = "/api/v1/daily-reports"


@pytest.fixture
def city_client(city_app, app, commune, users, city):
    """A test client of the city intake (answers 500 instead of raising, as in production), which
    knows the commune's key."""
    support.enrol_commune(city)
    city_app.config["PROPAGATE_EXCEPTIONS"] = False
    return city_app.test_client()


@pytest.fixture
def signed(app, commune, users):
    report = support.ready_day(commune, users, TODAY, photos=1)
    return sign_report(commune, report, users["leader"], "Chờ số liệu")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def push(client, report: str, photos=()):
    data = {"report": report, "photos": [(io.BytesIO(d), name, ctype) for name, d, ctype in photos]}
    return client.post(PUSH, data=data, content_type="multipart/form-data")


def with_header(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    return ".".join([b64(json.dumps(support.b64url_json(header) | changes).encode()), payload, signature])


def status(client, token: str):
    return client.get(f"{PUSH}/20242:{TODAY}:r1/status", headers={"Authorization": f"Bearer {token}"})


# --- hostile JWS headers: a refusal, never a 500 --------------------------------------------------

DEEP = b64(b"[" * 50_000 + b"]" * 50_000) + ".a.b"


def test_a_deeply_nested_jws_header_is_a_malformed_request_not_a_500(city_client):
    response = push(city_client, DEEP)

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"] == "malformed_request"
    assert status(city_client, DEEP).status_code == 401


@pytest.mark.parametrize("crit", [5, [1], [{}]])
def test_a_malformed_crit_header_is_a_bad_signature_not_a_500(city_client, signed, crit):
    response = push(city_client, with_header(signed.jws, crit=crit), support.photo_parts(signed))

    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"] == "bad_signature"


@pytest.mark.parametrize("crit", [5, [{}]])
def test_a_status_token_with_a_malformed_crit_header_is_unauthorized_not_a_500(city_client, signed, crit):
    now = int(time.time())
    token = support.status_token({"iss": "20242", "aud": "http://localhost", "iat": now, "exp": now + 300})

    assert status(city_client, with_header(token, crit=crit)).status_code == 401


# --- photos must be the images the report lists -----------------------------------------------------


def resigned_with_photo(rev, data: bytes) -> str:
    document = copy.deepcopy(rev.document)
    document["photos"][0].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    return support.sign_as_commune(document)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "data", [b"<html><script>alert(1)</script></html>", png()], ids=["not an image", "png as jpeg"]
)
def test_it_refuses_a_photo_that_is_not_an_image_of_the_listed_type(city_client, city, signed, data):
    assert signed.document["photos"][0]["content_type"] == "image/jpeg"

    response = push(city_client, resigned_with_photo(signed, data), [("quay-1.jpg", data, "image/jpeg")])

    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"] == "photo_mismatch"
    assert city.received() == []


def test_the_city_pdf_of_a_report_still_renders_when_a_stored_photo_does_not_decode(city_client, city, signed):
    assert push(city_client, signed.jws, support.photo_parts(signed)).status_code == 201
    sha = signed.document["photos"][0]["sha256"]
    with city.context():  # stored before photos were checked, or damaged on disk since
        blobs.store().put(blobs.photo_key(sha), b"not an image any more")
        assert blobs.store().get(blobs.thumb_key(sha)) is None
    city.make_user()
    reviewer = city.signed_in()
    response = reviewer.get(f"/reports/{signed.report_key}.pdf")

    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert reviewer.get(f"/days/{TODAY}.zip").status_code == 200


# --- supersedes must name the previous revision of the same day -------------------------------------


@pytest.mark.parametrize(
    "revision, supersedes",
    [
        (1, "20242:2020-01-01:r1"),  # a first revision supersedes nothing
        (2, None),  # a correction supersedes the revision before it
        (2, f"{support.OTHER_COMMUNE}:{TODAY}:r1"),  # of the same commune
        (3, f"20242:{TODAY}:r1"),  # the one just before
    ],
)
def test_it_refuses_a_supersedes_that_is_not_the_previous_revision(city_client, city, signed, revision, supersedes):
    document = copy.deepcopy(signed.document)
    document.update(
        revision=revision,
        supersedes=supersedes,
        report_id=f"20242:{TODAY}:r{revision}",
        correction_reason="Sửa số liệu" if revision > 1 else None,
    )

    response = push(city_client, support.sign_as_commune(document), support.photo_parts(signed))

    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"] == "schema_violation"
    assert "supersedes" in response.json["detail"]
    assert city.received() == []


def test_it_still_accepts_a_correction_that_supersedes_the_previous_revision(city_client, city, signed):
    document = copy.deepcopy(signed.document)
    document.update(
        revision=2, supersedes=signed.report_key, report_id=f"20242:{TODAY}:r2", correction_reason="Sửa số liệu"
    )

    response = push(city_client, support.sign_as_commune(document), support.photo_parts(signed))

    assert response.status_code == 201, response.get_data(as_text=True)


# --- the reviewers' CSV and login ----------------------------------------------------------------


def test_the_csv_export_does_not_let_a_commune_name_become_a_spreadsheet_formula(city_client, city, signed):
    document = copy.deepcopy(signed.document)
    document["commune"]["name"] = '=HYPERLINK("http://evil.example","Phường")'
    from wardapp.city.desk.exports import spreadsheet_text as _cell

    # Since issue 11 the intake refuses a name that is not the official one for the code; a cell
    # made from a commune's text is still never read as a formula.
    refused = push(city_client, support.sign_as_commune(document), support.photo_parts(signed))
    assert refused.status_code == 422 and refused.get_json()["error"] == "commune_mismatch"
    assert _cell(document["commune"]["name"]) == "'" + document["commune"]["name"]
    assert _cell("Phường Hải Châu") == "Phường Hải Châu"


def test_the_city_login_hashes_a_password_even_for_an_unknown_username(city, monkeypatch):
    from wardapp.platform import signin as pages

    calls = []
    real = pages.check_password_hash
    monkeypatch.setattr(pages, "check_password_hash", lambda *args: calls.append(1) or real(*args))

    response = city.app.test_client().post("/login", data={"username": "nobody", "password": "whatever-1"})

    assert response.status_code == 401
    assert calls, "an unknown username must cost a password check too (no timing oracle)"


# --- the sender -------------------------------------------------------------------------------------


def receipt(rev) -> dict:
    return {
        "receipt_id": "20261121-20242-ABCD1234",
        "report_id": rev.report_key,
        "received_at": "2026-11-21T10:00:00+00:00",
        "payload_sha256": rev.payload_sha256,
    }


def test_a_pdf_that_cannot_be_built_does_not_hold_the_report_back(app, scripted, signed, monkeypatch):
    def broken(_revision):
        raise RuntimeError("pyHanko exploded")

    monkeypatch.setattr("wardapp.delivery.sender.signed_pdf_file", broken)
    scripted.answer(201, receipt(signed))

    assert send_due() == {"accepted": 1}

    [sent] = scripted.received
    assert sent["report"] == signed.jws and sent["pdf"] is None
    assert support.outbox_entry().state == "accepted"


def test_a_status_answer_that_is_not_an_object_does_not_break_polling(app, scripted, signed):
    scripted.answer(201, receipt(signed))
    assert send_due() == {"accepted": 1}
    scripted.answer(200, ["not", "an", "object"])

    assert poll_statuses() == 0
    assert support.outbox_entry().last_polled_at is not None
