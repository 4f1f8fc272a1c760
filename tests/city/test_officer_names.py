"""Officers' names in a report's explanations and late-dossier list are shown on the city's screens
only to the roles that need them (city/permissions.py): the director and deputy directors read
them; a reviewer and the admin read the explanation with the name masked (issue 26)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from tests.factories import figures
from wardapp.city import permissions
from wardapp.city.extensions import city_db
from wardapp.city.models import CityUser

from . import support
from .conftest import TODAY

HAI_CHAU = support.Commune("20242")
YESTERDAY = TODAY - dt.timedelta(days=1)
RESPONSIBLE = "Phó Chủ tịch Lê Thị Hằng"
OFFICER = "Nguyễn Thị Lan"
CAUSE = "Chờ xác minh hồ sơ gốc ở cơ quan cấp trên"
REPORT_ID = f"20242:{YESTERDAY}:r1"
ROLES = {"xemxet": "reviewer", "quantri": "admin", "giamdoc": "director", "pho": "deputy_director"}
LATE_DOSSIER = {
    "kind": "resolved_late",
    "count": 1,
    "procedure": "Đăng ký khai sinh",
    "officer": OFFICER,
    "unit": "Bộ phận Tư pháp - Hộ tịch",
    "cause": CAUSE,
    "apology_issued": True,
    "new_appointment": None,
}


@pytest.fixture
def reported(city):
    support.enrol_all(city, [HAI_CHAU])
    explanation = {"item": "late", "cause": CAUSE, "remedy": "Bố trí thêm cán bộ", "responsible": RESPONSIBLE}
    token = support.signed(
        HAI_CHAU,
        YESTERDAY,
        figures_=figures(resolved_late=1, resolved_on_time=19, apology_letters=1),
        explanations=[explanation],
        extra={"late_dossiers": [LATE_DOSSIER]},
    )
    support.push(city.test_client(), token)
    for username, role in ROLES.items():
        support.make_user(city, username, role=role)
    return city


@pytest.mark.parametrize("username", ["giamdoc", "pho"])
def test_the_departments_leaders_read_the_officers_names(reported, username):
    page = support.signed_in(reported, username).get(f"/reports/{REPORT_ID}").get_data(as_text=True)

    assert RESPONSIBLE in page and OFFICER in page and CAUSE in page
    assert 'id="names-hidden"' not in page


@pytest.mark.parametrize("username", ["xemxet", "quantri"])
def test_a_reviewer_reads_the_explanation_with_the_names_masked(reported, username):
    page = support.signed_in(reported, username).get(f"/reports/{REPORT_ID}").get_data(as_text=True)

    assert CAUSE in page and "Bố trí thêm cán bộ" in page and "Đăng ký khai sinh" in page
    assert RESPONSIBLE not in page and OFFICER not in page
    assert page.count("(tên cán bộ đã ẩn)") == 2
    assert 'id="names-hidden"' in page


def test_the_pdf_stays_the_record_with_the_names(reported):
    """Only the screen is masked: the PDF a reviewer opens is the report as signed, names included,
    and the payload the city keeps is never changed."""
    reviewer = support.signed_in(reported, "xemxet")
    pdf = reviewer.get(f"/reports/{REPORT_ID}.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert OFFICER in " ".join(text.split())
    with reported.app_context():
        user = city_db.session.scalar(city_db.select(CityUser).filter_by(username="xemxet"))
        document = {"explanations": [{"responsible": RESPONSIBLE}], "late_dossiers": [{"officer": OFFICER}]}
        shown = permissions.masked(document, user)
    assert document["explanations"][0]["responsible"] == RESPONSIBLE
    assert shown["late_dossiers"][0]["officer"] != OFFICER
