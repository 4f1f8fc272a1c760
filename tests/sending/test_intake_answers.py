"""What the city answers to every kind of push (PROTOCOL "Transport"), over real HTTP.

Each push is built by hand with ``requests``: the commune's real signed revision, or a payload
changed and signed again with the commune's enrolled key, or a token with a byte flipped.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json

import pytest
import requests
from joserfc.jwk import OKPKey

from wardapp.core import schema
from wardapp.delivery.sender import send_due
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


@pytest.fixture
def signed(app, wired, commune, users):
    """Today's report signed with two photos (not sent yet): the revision."""
    report = support.ready_day(commune, users, TODAY, photos=2)
    return sign_report(commune, report, users["leader"], "Chờ số liệu")


def as_sent(rev):
    return rev.jws, support.photo_parts(rev)


def refused(response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["detail"]
    return body["detail"]


def test_it_answers_the_first_push_201_with_a_receipt(wired, signed):
    token, photos = as_sent(signed)

    response = support.push(wired.url, token, photos)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"receipt_id", "report_id", "received_at", "payload_sha256"}
    assert body["report_id"] == signed.report_key
    assert body["payload_sha256"] == signed.payload_sha256
    assert dt.datetime.fromisoformat(body["received_at"]).tzinfo is not None
    assert [r["receipt_id"] for r in wired.received()] == [body["receipt_id"]]


def test_it_answers_an_identical_resend_200_with_the_same_receipt(wired, signed):
    token, photos = as_sent(signed)
    first = support.push(wired.url, token, photos)

    again = support.push(wired.url, token, photos)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(wired.received()) == 1


def test_it_answers_409_to_the_same_report_id_with_other_content(wired, signed):
    assert send_due() == {"accepted": 1}
    changed = copy.deepcopy(signed.document)
    changed["narrative"]["highlights"] = "Số liệu khác với bản đã gửi."
    token, photos = support.sign_as_commune(changed), support.photo_parts(signed)

    response = support.push(wired.url, token, photos)

    refused(response, 409, "conflict")
    [stored] = wired.received()
    assert stored["payload"] == signed.payload


def flip_payload_byte(token: str) -> str:
    header, body, signature = token.split(".")
    i = len(body) // 2
    flipped = "B" if body[i] != "B" else "C"
    return ".".join((header, body[:i] + flipped + body[i + 1 :], signature))


def test_it_refuses_a_tampered_payload_as_a_bad_signature(wired, signed):
    token, photos = as_sent(signed)

    response = support.push(wired.url, flip_payload_byte(token), photos)

    refused(response, 422, "bad_signature")
    assert wired.received() == []


def test_it_refuses_a_token_signed_by_another_key_under_the_communes_kid(wired, signed):
    intruder = OKPKey.generate_key("Ed25519")
    token = support.sign_as_commune(signed.document, key=intruder, kid=signed.kid)

    refused(support.push(wired.url, token, support.photo_parts(signed)), 422, "bad_signature")


def test_it_refuses_an_algorithm_other_than_ed25519(wired, signed):
    header, body, signature = signed.jws.split(".")
    other = support.b64url_json(header) | {"alg": "HS256"}
    forged = base64.urlsafe_b64encode(json.dumps(other).encode()).decode().rstrip("=")

    refused(support.push(wired.url, f"{forged}.{body}.{signature}", support.photo_parts(signed)), 422, "bad_signature")


def test_it_refuses_a_swapped_photo(wired, signed):
    photos = support.photo_parts(signed)
    photos[1] = (photos[1][0], support.jpeg(), "image/jpeg")

    detail = refused(support.push(wired.url, signed.jws, photos), 422, "photo_mismatch")

    assert photos[1][0] in detail
    assert wired.received() == []


def test_it_refuses_a_photo_with_the_listed_hash_missing(wired, signed):
    photos = support.photo_parts(signed)[:1]

    refused(support.push(wired.url, signed.jws, photos), 422, "photo_missing")
    assert wired.received() == []


def test_it_refuses_a_photo_that_is_not_listed(wired, signed):
    photos = [*support.photo_parts(signed), ("them.jpg", support.jpeg(), "image/jpeg")]

    refused(support.push(wired.url, signed.jws, photos), 422, "photo_mismatch")


def test_it_refuses_a_payload_for_another_commune_signed_with_this_communes_key(wired, signed):
    other = copy.deepcopy(signed.document)
    other["commune"] = {"code": support.OTHER_COMMUNE, "name": "Phường Hải Vân", "province_code": "48"}
    other["report_id"] = f"{support.OTHER_COMMUNE}:{TODAY.isoformat()}:r1"
    assert schema.problems(other) == []

    detail = refused(
        support.push(wired.url, support.sign_as_commune(other), support.photo_parts(signed)), 422, "commune_mismatch"
    )

    assert support.OTHER_COMMUNE in detail and "20242" in detail
    assert wired.received() == []


@pytest.mark.parametrize("revision_number", [10**7, 10**25], ids=["beyond a million", "beyond any integer column"])
def test_it_refuses_a_revision_number_no_commune_makes_instead_of_failing_to_store_it(wired, signed, revision_number):
    """Found on PostgreSQL: a well-signed payload whose revision overflows the integer column (or
    whose report id outgrows its column) answered 500; SQLite stored it."""
    document = copy.deepcopy(signed.document)
    document["revision"] = revision_number
    document["report_id"] = f"20242:{TODAY.isoformat()}:r{revision_number}"
    document["supersedes"] = f"20242:{TODAY.isoformat()}:r{revision_number - 1}"
    assert schema.problems(document) == []

    detail = refused(
        support.push(wired.url, support.sign_as_commune(document), support.photo_parts(signed)), 422, "schema_violation"
    )

    assert "revision" in detail
    assert wired.received() == []


@pytest.mark.parametrize("breakage", ["no figures", "revision as text", "unknown schema", "report_id of another day"])
def test_it_refuses_a_payload_that_breaks_the_published_schema(wired, signed, breakage):
    document = copy.deepcopy(signed.document)
    if breakage == "no figures":
        del document["figures"]
    elif breakage == "revision as text":
        document["revision"] = "1"
    elif breakage == "unknown schema":
        document["schema"] = "wardapp.daily-report/2"
    else:
        document["report_id"] = f"20242:{(TODAY - dt.timedelta(days=1)).isoformat()}:r1"

    refused(
        support.push(wired.url, support.sign_as_commune(document), support.photo_parts(signed)), 422, "schema_violation"
    )
    assert wired.received() == []


def test_it_answers_401_to_a_key_no_commune_enrolled(wired, signed):
    stranger = OKPKey.generate_key("Ed25519")

    refused(
        support.push(wired.url, support.sign_as_commune(signed.document, key=stranger), support.photo_parts(signed)),
        401,
        "unknown_key",
    )


@pytest.mark.parametrize("token", [None, "", "not-a-jws", "a.b", "e30.e30.", "!!!.e30.c2ln"])
def test_it_answers_400_to_a_request_that_is_not_a_push(wired, signed, token):
    refused(support.push(wired.url, token, support.photo_parts(signed)), 400, "malformed_request")


def test_it_answers_400_to_a_json_body_instead_of_multipart(wired, signed):
    response = requests.post(wired.url + support.PUSH, json={"report": signed.jws}, timeout=10)

    refused(response, 400, "malformed_request")


def test_it_answers_400_to_a_pdf_part_that_is_not_a_pdf(wired, signed):
    response = requests.post(
        wired.url + support.PUSH,
        data={"report": signed.jws},
        files=[("photos", p) for p in support.photo_parts(signed)]
        + [("pdf", ("r1.pdf", b"<html>", "application/pdf"))],
        timeout=10,
    )

    refused(response, 400, "malformed_request")
    assert wired.received() == []
