"""The city reviewer's pages: the completeness grid of the province, one report with its figures,
photos and signature, the CSV export, the intake log; all behind a login."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from wardapp.core.units import all_units
from wardapp.delivery.sender import send_due
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL

DAY = TODAY.isoformat()


@pytest.fixture
def delivered(app, wired, commune, users, noon):
    """Today's report with two photos, signed on time and accepted by the city: the revision."""
    report = support.ready_day(commune, users, TODAY, photos=2)
    rev = sign_report(commune, report, users["leader"], "Chờ số liệu")
    assert send_due() == {"accepted": 1}
    return rev


@pytest.fixture
def reviewer(wired):
    wired.make_user()
    return wired.signed_in()


def grid_rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-commune="(\d{5})"[^>]*>(.*?)</tr>', html, re.S))


def test_it_lists_every_commune_of_the_province_and_marks_those_not_connected(wired, delivered, reviewer):
    html = reviewer.get("/grid").get_data(as_text=True)

    rows = grid_rows(html)
    province = {u.code: u.name for u in all_units().values() if u.province_code == "48"}
    assert len(province) == 94
    assert set(rows) == set(province)
    assert all(province[code] in row for code, row in rows.items())
    assert "chưa kết nối" not in rows["20242"]
    assert all("chưa kết nối" in row for code, row in rows.items() if code != "20242")
    assert "1/94 xã/phường đã kết nối" in html
    assert f'data-date="{DAY}" data-state="on_time"' in rows["20242"]
    assert f'data-date="{DAY}" data-state="missing"' in rows["20194"]


def test_it_shows_a_reports_figures_photos_and_signature(wired, delivered, reviewer):
    html = reviewer.get(f"/reports/{delivered.report_key}").get_data(as_text=True)

    assert "Phường Hải Châu" in html
    assert re.search(r"Quầy hoạt động</th><td class=\"num\">4</td>", html)
    assert "Người dùng leader" in html and delivered.kid in html and delivered.payload_sha256 in html
    assert "Đã xác thực bằng khóa công khai" in html
    [stored] = wired.received()
    assert stored["receipt_id"] in html
    for photo in delivered.document["photos"]:
        assert f'/reports/{delivered.report_key}/photos/{photo["sha256"]}' in html
        assert photo["caption"] in html


def test_it_serves_the_photos_it_received_unchanged(wired, delivered, reviewer):
    for _filename, data, content_type in support.photo_parts(delivered):
        with reviewer.get(f"/reports/{delivered.report_key}/photos/{support.payload.sha256(data)}") as response:
            assert response.status_code == 200
            assert response.data == data and response.mimetype == content_type
    assert reviewer.get(f"/reports/{delivered.report_key}/photos/{'0' * 64}").status_code == 404


def test_it_exports_the_figures_as_csv_with_vietnamese_names(wired, delivered, reviewer):
    response = reviewer.get(f"/export.csv?from={DAY}&to={DAY}")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel opens the UTF-8 as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    [row] = rows
    assert row["commune_code"] == "20242" and row["commune_name"] == "Phường Hải Châu"
    assert row["date"] == DAY and row["report_id"] == delivered.report_key and row["revision"] == "1"
    assert row["received_online"] == "12" and float(row["online_rate"]) == pytest.approx(0.4)


def test_it_logs_accepted_and_refused_requests(wired, delivered, reviewer):
    header, body, signature = delivered.jws.split(".")
    support.push(wired.url, f"{header}.{body}.{signature[:-4]}AAAA", support.photo_parts(delivered))
    support.push(wired.url, None)

    entries = wired.log()
    assert [(e["status"], e["error"]) for e in entries] == [
        (201, ""),
        (422, "bad_signature"),
        (400, "malformed_request"),
    ]
    assert entries[0]["report_id"] == delivered.report_key and entries[0]["commune_code"] == "20242"
    html = reviewer.get("/log").get_data(as_text=True)
    assert "POST /api/v1/daily-reports" in html
    assert "201" in html and "422 bad_signature" in html and "400 malformed_request" in html


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/"),
        ("GET", f"/reports/20242:{DAY}:r1"),
        ("GET", f"/reports/20242:{DAY}:r1/photos/{'a' * 64}"),
        ("POST", f"/reports/20242:{DAY}:r1/return"),
        ("GET", "/export.csv"),
        ("GET", "/communes"),
        ("POST", "/communes"),
        ("GET", "/log"),
        ("GET", "/verify"),
        ("POST", "/verify"),
        ("GET", f"/verify/20242:{DAY}:r1?sha256={'0' * 64}"),
    ],
)
def test_it_sends_anonymous_visitors_to_the_login_page(city_app, method, url):
    response = city_app.test_client().open(url, method=method)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_it_lets_only_a_city_admin_enrol_a_commune_from_the_page(app, city, commune):
    jwk = support.public_jwk()
    city.make_user("xemxet", role="reviewer")
    city.make_user("quantri", role="admin")

    refused = city.signed_in("xemxet").post("/communes", data={"code": "20242", "jwk": json.dumps(jwk)})
    assert refused.status_code == 403
    assert city.rows(support.CityKey) == []

    accepted = city.signed_in("quantri").post("/communes", data={"code": "20242", "jwk": json.dumps(jwk)})
    assert accepted.status_code == 303
    assert [k["kid"] for k in city.rows(support.CityKey)] == [jwk["kid"]]


def test_it_refuses_a_wrong_password_at_the_city(city):
    city.make_user()

    response = city.app.test_client().post("/login", data={"username": "sokhcn", "password": "sai-mat-khau"})

    assert response.status_code == 401
    assert "sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
