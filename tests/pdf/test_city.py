"""PDFs at the city intake: the commune's own signed file, or one rendered from the verified payload."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from joserfc.jwk import OKPKey

from wardapp.city.extensions import city_db
from wardapp.city.models import CityApiToken, CityUser
from wardapp.core.pdf import signature
from wardapp.delivery.sender import send_due
from wardapp.signing import documents

from ..sending import support
from .conftest import (
    CAUSE,
    COMMUNE_NAME,
    DIFFICULTIES,
    TODAY,
    YESTERDAY,
    commune_certificate,
    image_count,
    page_texts,
    signature_fields,
    text_of,
)

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = TODAY.isoformat()
MONTH = f"{TODAY:%Y-%m}"
OTHER_NAME = "Phường Hải Vân"


def pushed_without_pdf(city, revision) -> None:
    """The push as a commune without the PDF feature makes it: the JWS and the photos only."""
    response = support.push(city.url, revision.jws, support.photo_parts(revision))
    assert response.status_code == 201, response.text


def push_other_commune(city, revision) -> str:
    """Phường Hải Vân reports the same day with its own enrolled key (no PDF)."""
    key = OKPKey.generate_key("Ed25519")
    city.enrol(support.OTHER_COMMUNE, {**key.as_dict(private=False), "kid": key.thumbprint()})
    document = dict(revision.document)
    document["commune"] = {"code": support.OTHER_COMMUNE, "name": OTHER_NAME, "province_code": "48"}
    document["report_id"] = f"{support.OTHER_COMMUNE}:{DAY}:r1"
    token = support.sign_as_commune(document, key=key, kid=key.thumbprint())
    response = support.push(city.url, token, support.photo_parts(revision))
    assert response.status_code == 201, response.text
    return document["report_id"]


def city_token(city, username: str = "sokhcn") -> str:
    page = city.signed_in(username).post("/account/tokens", data={"name": "Máy chủ báo cáo"})
    assert page.status_code == 200
    return re.search(r"wdc_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)


def api_pull(city, token: str | None, code: str = "20242", day: str = DAY):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return city.app.test_client().get(f"/api/v1/communes/{code}/reports/{day}.pdf", headers=headers)


def test_it_serves_the_pdf_the_commune_sent_byte_for_byte(wired, signed):
    assert send_due() == {"accepted": 1}
    [stored] = wired.received()
    assert stored["pdf_sha256"] is not None

    response = wired.signed_in().get(f"/reports/{signed.report_key}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data() == documents.revision_pdf(signed)
    assert signature.verify_pdf(response.get_data(), [commune_certificate()])


def test_it_renders_a_pdf_from_the_payload_when_the_push_had_none(wired, signed):
    pushed_without_pdf(wired, signed)
    assert wired.received()[0]["pdf_sha256"] is None

    response = wired.signed_in().get(f"/reports/{signed.report_key}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    text = text_of(pdf)
    assert "ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU" in text
    assert f"Trung tâm Phục vụ hành chính công ngày {TODAY:%d/%m/%Y}" in text
    assert "40 12 18 10 28 8 19 1 12 12 0" in text  # the summary row of the signed figures
    assert DIFFICULTIES in text and CAUSE in text
    assert signed.payload_sha256 in text and signed.report_key in text
    assert image_count(pdf) == len(signed.document["photos"]) == 2
    assert pdf != documents.revision_pdf(signed)
    assert signature_fields(pdf) == []  # the city prints; it does not sign in the commune's name
    assert wired.signed_in().get(f"/reports/{signed.report_key}.pdf").get_data() == pdf  # kept once rendered


def test_it_zips_one_pdf_per_commune_that_reported_that_day(wired, signed):
    assert send_due() == {"accepted": 1}
    other_id = push_other_commune(wired, signed)

    response = wired.signed_in().get(f"/days/{DAY}.zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = sorted(archive.namelist())
        assert names == [f"{support.OTHER_COMMUNE}_{DAY}_r1.pdf", f"20242_{DAY}_r1.pdf"]
        assert archive.read(f"20242_{DAY}_r1.pdf") == documents.revision_pdf(signed)
        other = text_of(archive.read(f"{other_id.replace(':', '_')}.pdf"))
    assert "ỦY BAN NHÂN DÂN PHƯỜNG HẢI VÂN" in other and COMMUNE_NAME.upper() not in other
    quiet_day = wired.signed_in().get(f"/days/{YESTERDAY}.zip")
    with zipfile.ZipFile(io.BytesIO(quiet_day.get_data())) as archive:
        assert archive.namelist() == []


def test_it_makes_a_month_pdf_for_one_commune(wired, signed):
    assert send_due() == {"accepted": 1}

    response = wired.signed_in().get(f"/communes/20242/month/{MONTH}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = page_texts(response.get_data())
    text = " ".join(pages)
    # The city's rendering of the commune's signed days says so: not the commune's document.
    assert "BẢN DỰNG LẠI CỦA SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text and "Phường Hải Châu" in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU" not in text and "/BC-UBND" not in text
    assert f"Tổng hợp tình hình hoạt động của Trung tâm Phục vụ hành chính công tháng {TODAY:%m/%Y}" in text
    assert f"{TODAY:%d/%m} Đã ký 30 12 28 1 12" in text
    assert "Cả tháng 1 ngày đã ký 30 12 28 1 12" in text
    assert "(PHẦN ĐO ĐƯỢC)" in text
    assert wired.signed_in().get(f"/communes/99999/month/{MONTH}.pdf").status_code == 404


@pytest.mark.parametrize(
    "path",
    [f"/reports/20242:{DAY}:r1.pdf", f"/days/{DAY}.zip", f"/communes/20242/month/{MONTH}.pdf", "/account/tokens"],
)
def test_it_sends_anonymous_visitors_to_the_citys_login(city, path):
    response = city.app.test_client().get(path)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_it_serves_a_city_token_until_it_is_revoked(wired, signed):
    assert send_due() == {"accepted": 1}
    token = city_token(wired)

    response = api_pull(wired, token)

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data() == documents.revision_pdf(signed)
    with wired.context() as session:
        row = session.scalar(city_db.select(CityApiToken).filter_by(hint=token[:10]))
        assert row.token_sha256 != token
        token_id = row.id
    assert wired.signed_in().post(f"/account/tokens/{token_id}/revoke").status_code == 303
    assert api_pull(wired, token).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer wdc_never-issued-to-anyone-at-all"])
def test_it_refuses_a_missing_or_unknown_city_token(wired, signed, header):
    assert send_due() == {"accepted": 1}
    headers = {} if header is None else {"Authorization": header}

    response = wired.app.test_client().get(f"/api/v1/communes/20242/reports/{DAY}.pdf", headers=headers)

    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_it_refuses_the_token_of_a_deactivated_city_reviewer(wired, signed):
    assert send_due() == {"accepted": 1}
    token = city_token(wired)
    assert api_pull(wired, token).status_code == 200

    with wired.context() as session:
        session.scalar(city_db.select(CityUser).filter_by(username="sokhcn")).active = False
        session.commit()

    assert api_pull(wired, token).status_code == 401


def test_it_answers_404_through_the_api_for_a_day_nobody_reported(wired, signed):
    token = city_token(wired)

    assert api_pull(wired, token).status_code == 404  # signed at the commune, not sent yet
    assert api_pull(wired, token, day="not-a-day").status_code == 404
