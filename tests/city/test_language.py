"""The city's screens read Vietnamese by default and English for a reviewer who chooses it (the
switch in the header keeps the choice in the session); dates stay dd/mm/yyyy in both."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest

from wardapp.core import payload
from wardapp.core.units import all_units

from . import support
from .conftest import TODAY

HAI_CHAU = support.Commune("20242")  # Phường Hải Châu, Đà Nẵng
YESTERDAY = TODAY - dt.timedelta(days=1)
REPORT_ID = payload.report_id("20242", YESTERDAY, 1)
VIETNAMESE = re.compile(r"[À-ỹĐđ]")
GRID_START = TODAY - dt.timedelta(days=13)  # GRID_DAYS

# Each page: its address, its heading in Vietnamese, and in English.
PAGES = [
    (
        "/grid",
        f"Tình hình báo cáo ngày {GRID_START:%d/%m/%Y} – {TODAY:%d/%m/%Y}",
        f"Daily reporting {GRID_START:%d/%m/%Y} – {TODAY:%d/%m/%Y}",
    ),
    (
        f"/reports/{REPORT_ID}",
        f"Phường Hải Châu · Báo cáo ngày {YESTERDAY:%d/%m/%Y}",
        f"Phường Hải Châu · Daily report of {YESTERDAY:%d/%m/%Y}",
    ),
    ("/communes", "Xã/phường đã kết nối", "Connected communes/wards"),
    ("/log", "Nhật ký tiếp nhận", "Intake log"),
    ("/security", "Bảo mật đăng nhập", "Sign-in security"),
    ("/account/tokens", "Mã truy cập cho máy", "Machine access tokens"),
    (
        "/consolidated?period=month&on=2026-10-01",
        "Báo cáo tổng hợp · Từ ngày 01/10/2026 đến ngày 31/10/2026",
        "Consolidated report · From 01/10/2026 to 31/10/2026",
    ),
]
# What the communes and people wrote, shown as it came: names of places, people, positions, reasons
# (longest first: "Phường Hải Châu" before "Hải Châu").
DATA = sorted(
    {
        *(u.name for u in all_units().values()),
        *(u.province_name for u in all_units().values()),
        "Nguyễn Văn Lãnh",
        "Chủ tịch UBND",
        "Mất điện cả buổi chiều",
        "Cán bộ quantri",
        "Cán bộ canbo",
        "Tiếng Việt",  # the switch back names the language in its own words
    },
    key=len,
    reverse=True,
)


class Readable(HTMLParser):
    """The words a person meets on a page: its text and the attributes read aloud or shown."""

    SHOWN = ("title", "aria-label", "alt", "placeholder", "data-confirm", "data-errors-title", "data-copied")

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.headings: list[str] = []
        self.lang = ""
        self._heading: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang") or ""
        if tag == "h1":
            self._heading = []
        self.words += [attrs[name] or "" for name in self.SHOWN if name in attrs]

    def handle_endtag(self, tag):
        if tag == "h1" and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        self.words.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def vietnamese(self) -> list[str]:
        """Our own words left in Vietnamese once the data is set aside."""
        text = " ".join(" ".join(self.words).split())
        for value in DATA:
            text = text.replace(value, "")
        return [w for w in text.split() if VIETNAMESE.search(w)]


@pytest.fixture
def city(make_city, noon):
    app = make_city()
    support.enrol_all(app, [HAI_CHAU])
    support.push(app.test_client(), support.signed(HAI_CHAU, YESTERDAY, late=True))
    support.make_user(app, "quantri", role="admin")
    return app


def in_english(client):
    response = client.post("/language", data={"locale": "en", "next": "/grid"})
    assert response.status_code == 303 and response.location == "/grid"
    return client


@pytest.mark.parametrize(("path", "vietnamese", "english"), PAGES, ids=[p[0].split("/")[1] for p in PAGES])
def test_it_shows_each_page_in_vietnamese_by_default(city, path, vietnamese, english):
    page = Readable(support.signed_in(city, "quantri").get(path).get_data(as_text=True))

    assert page.lang == "vi"
    assert vietnamese in page.headings
    assert english not in " ".join(page.words)


@pytest.mark.parametrize(("path", "vietnamese", "english"), PAGES, ids=[p[0].split("/")[1] for p in PAGES])
def test_it_shows_each_page_in_english_to_a_reviewer_who_chose_it(city, path, vietnamese, english):
    reviewer = in_english(support.signed_in(city, "quantri"))

    response = reviewer.get(path)
    page = Readable(response.get_data(as_text=True))

    assert response.status_code == 200
    assert page.lang == "en"
    assert english in page.headings
    assert page.vietnamese() == []


def test_the_sign_in_page_and_its_refusal_read_english_once_chosen(city):
    client = in_english(city.test_client())

    form = Readable(client.get("/login").get_data(as_text=True))
    refused = client.post("/login", data={"username": "quantri", "password": "sai"})

    assert form.headings == ["Log in"] and form.vietnamese() == []
    assert refused.status_code == 401
    assert "Could not sign in: wrong username or password" in refused.get_data(as_text=True)
    assert Readable(refused.get_data(as_text=True)).vietnamese() == []


def test_the_choice_outlives_signing_in_and_can_be_undone(city):
    client = in_english(city.test_client())
    client.post("/login", data={"username": "quantri", "password": support.PASSWORD})

    assert Readable(client.get("/log").get_data(as_text=True)).headings == ["Intake log"]
    client.post("/language", data={"locale": "vi", "next": "/log"})
    assert Readable(client.get("/log").get_data(as_text=True)).headings == ["Nhật ký tiếp nhận"]


def test_an_unknown_language_or_a_foreign_next_page_falls_back_safely(city):
    client = support.signed_in(city, "quantri")

    answer = client.post("/language", data={"locale": "fr", "next": "//evil.example/x"})

    assert answer.status_code == 303 and answer.location == "/"
    assert Readable(client.get("/log").get_data(as_text=True)).lang == "vi"


def test_returning_a_report_flashes_in_the_readers_language(city):
    reviewer = in_english(support.signed_in(city, "quantri"))

    empty = reviewer.post(f"/reports/{REPORT_ID}/return", data={"comment": " "}, follow_redirects=True)
    done = reviewer.post(f"/reports/{REPORT_ID}/return", data={"comment": "Thiếu số liệu"}, follow_redirects=True)

    assert "Please write a comment when returning a report." in empty.get_data(as_text=True)
    page = Readable(done.get_data(as_text=True))
    assert "The report was returned to the commune/ward." in page.words
    assert "Returned" in page.words
    assert [w for w in page.vietnamese() if w not in ("Thiếu", "số", "liệu")] == []


@pytest.mark.parametrize(
    ("username", "path", "status", "vietnamese", "english"),
    [
        ("quantri", "/reports/20242:2020-01-01:r1", 404, "Không tìm thấy", "Not found"),
        ("canbo", "/security", 403, "Không có quyền", "Access denied"),
    ],
)
def test_error_pages_read_in_the_readers_language(city, username, path, status, vietnamese, english):
    support.make_user(city, "canbo")
    reviewer = support.signed_in(city, username)

    by_default = reviewer.get(path)
    chosen = in_english(reviewer).get(path)

    assert by_default.status_code == chosen.status_code == status
    assert Readable(by_default.get_data(as_text=True)).headings == [vietnamese]
    english_page = Readable(chosen.get_data(as_text=True))
    assert english_page.headings == [english] and english_page.vietnamese() == []


def test_an_enrolment_refusal_reads_in_the_admins_language(city):
    admin = support.signed_in(city, "quantri")
    jwk = json.dumps(support.Commune("99999").key.as_dict(private=False))

    by_default = admin.post("/communes", data={"code": "99999", "jwk": jwk})
    chosen = in_english(admin).post("/communes", data={"code": "99999", "jwk": jwk})

    assert by_default.status_code == chosen.status_code == 422
    assert "99999 không phải mã xã/phường trong danh mục chính thức." in by_default.get_data(as_text=True)
    page = Readable(chosen.get_data(as_text=True))
    assert "99999 is not a commune/ward code of the official list." in page.words
    assert page.vietnamese() == []


def test_the_security_log_names_actions_in_words(city):
    city.test_client().post("/login", data={"username": "quantri", "password": "sai"})
    admin = support.signed_in(city, "quantri")

    def failed_sign_in(page: str) -> str:
        return re.search(r'data-action="login.failed">([^<]*)<', page).group(1)

    assert failed_sign_in(admin.get("/security").get_data(as_text=True)) == "Đăng nhập sai"
    assert failed_sign_in(in_english(admin).get("/security").get_data(as_text=True)) == "Failed login"


def test_a_form_sent_after_its_session_changed_is_explained_in_the_readers_language(make_city, noon):
    app = make_city(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with client.session_transaction() as session:
        session["locale"] = "en"

    answer = client.post("/login", data={"username": "quantri", "password": support.PASSWORD})

    page = Readable(answer.get_data(as_text=True))
    assert answer.status_code == 400
    assert page.headings == ["Your session has expired"] and page.vietnamese() == []
