"""Issue 11, item 5: a commune with a valid key sends payloads that passed the old schema. The
intake now refuses each with ``schema_violation``; one stored before the schema was tightened
shows as raw data and never hides another commune's report (page, PDF, day ZIP, CSV, month)."""

from __future__ import annotations

import copy
import hashlib
import io
import zipfile

import pytest
from joserfc.jwk import OKPKey

from wardapp.city.desk import operations as desk
from wardapp.city.extensions import city_db
from wardapp.city.intake import facts
from wardapp.city.models import ReceivedFigures, ReceivedReport
from wardapp.core import payload as payload_module
from wardapp.delivery.sender import send_due

from ..sending import support
from .conftest import TODAY

DAY = TODAY.isoformat()
OTHER_ID = f"{support.OTHER_COMMUNE}:{DAY}:r1"


def hostile(document: dict, name: str) -> dict:
    """The attack battery's payloads, each valid under the schema before issue 11."""
    doc = copy.deepcopy(document)
    doc["commune"] = {"code": support.OTHER_COMMUNE, "name": "Phường Hải Vân", "province_code": "48"}
    doc["report_id"] = OTHER_ID
    if name == "empty_rates":
        doc["rates"] = {}
    elif name == "huge_figure":
        doc["figures"]["received_online"] = 10**30
    elif name == "taken_at_yesterday":
        doc["photos"][0]["taken_at"] = "yesterday"
    elif name == "percent_abc":
        doc["tasks"] = [{"code": "T1", "title": "Việc", "percent": "abc", "behind": False}]
    elif name == "members_string":
        doc["response_team"] = {"members": "Nguyễn Văn A, Trần Thị B"}
    elif name == "explanation_date":
        doc["explanations"] = [{"item": "x", "cause": "c", "remedy": "r", "responsible": "p", "new_date": "not-a-date"}]
    elif name == "late_dossier_empty":
        doc["late_dossiers"] = [{}]
    elif name == "nan_rate":
        doc["rates"]["on_time_rate"] = float("nan")
    elif name == "bidi_name":
        doc["signed_by"]["full_name"] = "Nguyễn \u202eVăn A"
    return doc


ATTACKS = [
    "empty_rates",
    "huge_figure",
    "taken_at_yesterday",
    "percent_abc",
    "members_string",
    "explanation_date",
    "late_dossier_empty",
    "nan_rate",
    "bidi_name",
]


@pytest.fixture
def other_key(wired):
    key = OKPKey.generate_key("Ed25519")
    wired.enrol(support.OTHER_COMMUNE, {**key.as_dict(private=False), "kid": key.thumbprint()})
    return key


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_intake_refuses_each_hostile_payload(wired, signed, other_key, attack):
    document = hostile(signed.document, attack)
    token = support.sign_as_commune(document, key=other_key, kid=other_key.thumbprint())

    answer = support.push(wired.url, token, support.photo_parts(signed))

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "schema_violation"
    assert wired.received(commune_code=support.OTHER_COMMUNE) == []


def test_a_real_signed_payload_still_validates(wired, signed):
    from wardapp.core import schema

    assert schema.problems(signed.document) == []
    assert send_due() == {"accepted": 1}


def store_as_received_before_tightening(city, document: dict, kid: str) -> None:
    """A report stored by an older intake: the schema of the day let it in."""
    raw = payload_module.encode(document)  # Python writes NaN too, as an older intake stored it
    with city.context() as session:
        session.add(
            ReceivedReport(
                report_id=OTHER_ID,
                commune_code=support.OTHER_COMMUNE,
                date=TODAY,
                revision=1,
                supersedes=None,
                payload=raw,
                payload_sha256=hashlib.sha256(raw).hexdigest(),
                jws="(stored before issue 11)",
                kid=kid,
                late=False,
                receipt_id=f"{TODAY:%Y%m%d}-{support.OTHER_COMMUNE}-OLD{len(raw)}",
            )
        )
        session.flush()
        report = session.scalar(city_db.select(ReceivedReport).filter_by(report_id=OTHER_ID))
        # The city's figures row, as the migration that added them fills it for older reports.
        session.add(
            ReceivedFigures(
                report=report,
                report_id=OTHER_ID,
                commune_code=support.OTHER_COMMUNE,
                date=TODAY,
                revision=1,
                late=False,
                returned=False,
                current=True,
                **facts.columns(document),
            )
        )
        desk.changed()
        session.commit()


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_bad_stored_report_never_hides_another_communes(wired, signed, other_key, attack):
    assert send_due() == {"accepted": 1}
    store_as_received_before_tightening(wired, hostile(signed.document, attack), other_key.thumbprint())
    reviewer = wired.signed_in()

    bad_page = reviewer.get(f"/reports/{OTHER_ID}")
    assert bad_page.status_code == 200
    assert 'id="unrenderable"' in bad_page.get_data(as_text=True)
    assert reviewer.get(f"/reports/{signed.report_key}").status_code == 200
    assert reviewer.get(f"/reports/{OTHER_ID}.pdf").status_code == 422
    assert reviewer.get(f"/reports/{signed.report_key}.pdf").mimetype == "application/pdf"

    day = reviewer.get(f"/days/{DAY}.zip")
    assert day.status_code == 200
    with zipfile.ZipFile(io.BytesIO(day.get_data())) as archive:
        names = archive.namelist()
    assert f"20242_{DAY}_r1.pdf" in names
    assert f"{support.OTHER_COMMUNE}_{DAY}_r1.pdf.LOI.txt" in names

    assert reviewer.get(f"/communes/{support.OTHER_COMMUNE}/month/{TODAY:%Y-%m}.pdf").status_code == 200
    csv = reviewer.get("/export.csv", query_string={"from": DAY, "to": DAY})
    assert csv.status_code == 200 and "20242" in csv.get_data(as_text=True)
    assert reviewer.get("/").status_code == 200


def test_a_bad_report_through_the_api_pull_is_a_json_refusal(wired, signed, other_key):
    store_as_received_before_tightening(wired, hostile(signed.document, "empty_rates"), other_key.thumbprint())
    with wired.context():
        from wardapp.city.models import CityApiToken, CityUser
        from wardapp.core.tokens import issue

        issued = issue("wdc_")
        user = city_db.session.scalar(city_db.select(CityUser))
        city_db.session.add(CityApiToken(user_id=user.id, name="t", hint=issued.hint, token_sha256=issued.sha256))
        city_db.session.commit()

    answer = wired.app.test_client().get(
        f"/api/v1/communes/{support.OTHER_COMMUNE}/reports/{DAY}.pdf",
        headers={"Authorization": f"Bearer {issued.token}"},
    )

    assert answer.status_code == 422 and answer.json["error"] == "unrenderable"


def test_everything_behind_a_login_is_private_and_never_stored(wired, signed, app, users):
    """Issue 11, item 11: PDFs and ZIPs were sent with no-cache only, city photos as public."""
    assert send_due() == {"accepted": 1}
    reviewer = wired.signed_in()
    photo = signed.document["photos"][0]["sha256"]
    city_urls = [
        f"/reports/{signed.report_key}.pdf",
        f"/days/{DAY}.zip",
        f"/communes/20242/month/{TODAY:%Y-%m}.pdf",
        f"/reports/{signed.report_key}/photos/{photo}",
        "/export.csv",
    ]
    for url in city_urls:
        answer = reviewer.get(url)
        answer.close()  # a file sent from disk stays open until its response is closed
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "private, no-store", url

    leader = support.signed_in(app, "leader")
    commune_urls = [
        f"/pdf/daily/{DAY}.pdf",
        f"/pdf/range.zip?from={DAY}&to={DAY}",
        f"/pdf/month/{TODAY:%Y-%m}.pdf",
        f"/photos/{first_photo_id()}",
        f"/photos/{first_photo_id()}/thumb",
    ]
    for url in commune_urls:
        answer = leader.get(url)
        answer.close()  # a file sent from disk stays open until its response is closed
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "private, no-store", url


def first_photo_id() -> int:
    from wardapp.evidence.models import Photo
    from wardapp.extensions import db

    return db.session.scalar(db.select(Photo.id).order_by(Photo.id))
