"""Reviewer scoping: an intake serving two provinces; a reviewer of one never sees the other's
communes through any page, export, PDF or token pull, while a reviewer of both sees a national view
grouped by province."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from . import support
from .conftest import TODAY

DA_NANG = support.Commune("20242")  # Phường Hải Châu, 48
HUE = support.Commune("19753")  # Phường Phú Xuân, 46
HUE_NAMES = ("Phú Xuân", "Kim Long", "Huế")
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def city(make_city, noon):
    app = make_city(CITY_PROVINCE_CODES="48,46")
    support.enrol_all(app, [DA_NANG, HUE])
    client = app.test_client()
    for commune in (DA_NANG, HUE):
        support.push(
            client,
            support.signed(
                commune,
                YESTERDAY,
                explanations=[
                    {
                        "item": "x",
                        "cause": "Giải trình của Phú Xuân" if commune is HUE else "Hải Châu",
                        "remedy": "-",
                        "responsible": "-",
                    }
                ],
            ),
        )
    support.make_user(app, "danang", provinces="48")
    support.make_user(app, "both")
    return app


def text_of(response) -> str:
    """What a person could read in an answer: HTML/CSV text, a workbook's cells, a ZIP's names."""
    if response.mimetype == "application/zip":
        return " ".join(zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None)
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


PAGES = [
    "/",
    "/?province=all",
    "/grid",
    f"/grid?province=all&from={YESTERDAY}&to={TODAY}",
    "/ii06a",
    "/ii06a?province=all",
    "/ii06a.xlsx?province=all",
    "/ii06a.csv?province=all",
    f"/export.csv?province=all&from={YESTERDAY}&to={TODAY}",
    f"/days/{YESTERDAY}.zip?province=all",
    "/reminders?province=all",
    "/communes",
    "/log",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_reviewer_of_one_province_never_reads_anothers_communes(city, path):
    reviewer = support.signed_in(city, "danang")
    response = reviewer.get(path)
    assert response.status_code == 200
    text = text_of(response)
    assert not any(name in text for name in HUE_NAMES), path
    assert HUE.code not in text


def test_the_consolidated_report_of_one_province_leaves_the_other_out(city):
    response = support.signed_in(city, "danang").get(f"/consolidated.pdf?province=all&period=day&on={YESTERDAY}")
    text = text_of(response)
    assert "Hải Châu" in text
    assert not any(name in text for name in HUE_NAMES)


@pytest.mark.parametrize(
    "path",
    [
        "/?province=46",
        "/ii06a?province=46",
        "/ii06a.xlsx?province=46",
        "/ii06a.csv?province=46",
        "/consolidated.pdf?province=46",
        "/consolidated?province=46",
        "/grid?province=46",
        f"/reports/{HUE.code}:{YESTERDAY}:r1",
        f"/reports/{HUE.code}:{YESTERDAY}:r1.pdf",
        f"/communes/{HUE.code}/days",
        f"/communes/{HUE.code}/month/{YESTERDAY:%Y-%m}.pdf",
        f"/days/{YESTERDAY}.zip?province=46",
    ],
)
def test_asking_for_the_other_province_by_address_is_not_found(city, path):
    assert support.signed_in(city, "danang").get(path).status_code == 404


def test_returning_another_provinces_report_is_not_found(city):
    reviewer = support.signed_in(city, "danang")
    answer = reviewer.post(f"/reports/{HUE.code}:{YESTERDAY}:r1/return", data={"comment": "x"})
    assert answer.status_code == 404


def test_an_api_token_pulls_only_its_users_provinces(city):
    reviewer = support.signed_in(city, "danang")
    html = reviewer.post("/account/tokens", data={"name": "robot"}).get_data(as_text=True)
    import re

    token = re.search(r"(wdc_[A-Za-z0-9_\-]+)", html).group(1)
    client = city.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/communes/{DA_NANG.code}/reports/{YESTERDAY}.pdf", headers=headers).status_code == 200
    assert client.get(f"/api/v1/communes/{HUE.code}/reports/{YESTERDAY}.pdf", headers=headers).status_code == 404


def test_a_reviewer_of_both_gets_the_national_view_grouped_by_province(city):
    reviewer = support.signed_in(city, "both")
    html = reviewer.get(f"/ii06a?province=all&period=day&on={YESTERDAY}").get_data(as_text=True)
    assert 'data-code="46"' in html and 'data-code="48"' in html
    assert "Thành phố Huế" in html and "Thành phố Đà Nẵng" in html
    assert reviewer.get(f"/ii06a?province=46&period=day&on={YESTERDAY}").status_code == 200


def test_enrolment_is_limited_to_the_admins_provinces(city):
    support.make_user(city, "admin48", provinces="48", role="admin")
    admin = support.signed_in(city, "admin48")
    other = support.Commune("19774")  # Kim Long, Huế
    answer = admin.post(
        "/communes", data={"code": other.code, "jwk": __import__("json").dumps(other.key.as_dict(private=False))}
    )
    assert answer.status_code == 422 and "không thuộc tỉnh/thành phố 48" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("config", "served"),
    [
        ({"CITY_PROVINCE_CODE": 79}, ("79",)),  # the old single setting, even read as a number
        ({"CITY_PROVINCE_CODE": "1"}, ("01",)),
        ({"CITY_PROVINCE_CODES": "48, 46", "CITY_PROVINCE_CODE": "79"}, ("46", "48")),
        ({"CITY_PROVINCE_CODES": ["79", 1]}, ("01", "79")),
        ({"CITY_PROVINCE_CODES": "48,99"}, ("48",)),  # not a province of the official list
    ],
)
def test_the_served_provinces_come_from_either_setting(config, served):
    from wardapp.city.accounts import scope

    class App:
        pass

    app = App()
    app.config = config
    assert scope.served(app) == served


def test_all_means_the_34_provinces():
    from wardapp.city.accounts import scope

    class App:
        config = {"CITY_PROVINCE_CODES": "all"}

    assert len(scope.served(App())) == 34
