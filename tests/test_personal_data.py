"""Personal data kept to its purpose (issue 26): photos opened only by the roles that need them
(403 for the others on every photo URL), each opening of a photo, a PDF or a package recorded
(who, what, when) and listed for the admin, and a notice every footer links to."""

from __future__ import annotations

import pytest

from wardapp.audit.models import AccessRecord
from wardapp.extensions import db
from wardapp.permissions import MAY, Role

from .helpers import Page, isolated_client, signed_in
from .photos import fetch, jpeg, stored_photos, upload


@pytest.fixture
def photo(app, users):
    assert upload(signed_in(app, "staff"), jpeg(), "quay.jpg").status_code == 303
    [photo] = stored_photos()
    return photo


def records() -> list[tuple[str, str, str, str]]:
    rows = db.session.scalars(db.select(AccessRecord).order_by(AccessRecord.id))
    return [(r.username, r.role, r.kind, r.target) for r in rows]


def test_only_staff_and_leaders_may_open_photos():
    assert MAY["see_photos"] == frozenset({Role.STAFF, Role.LEADER})


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_a_role_without_photo_access_gets_403_on_every_photo_url(app, photo, role):
    client = signed_in(app, role)
    photo_rules = [
        r.rule
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("evidence.") and "photo_id" in r.arguments and "GET" in r.methods
    ]
    assert sorted(photo_rules) == ["/photos/<int:photo_id>", "/photos/<int:photo_id>/thumb"]

    for rule in photo_rules:
        url = rule.replace("<int:photo_id>", str(photo.id))
        response = fetch(client, url)
        assert response.status_code == 403, url
        assert photo.sha256.encode() not in response.data
    assert records() == []  # nothing was opened


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_each_opening_of_a_photo_is_recorded(app, photo, role):
    client = signed_in(app, role)

    assert fetch(client, f"/photos/{photo.id}").status_code == 200
    assert fetch(client, f"/photos/{photo.id}/thumb").status_code == 200

    assert records() == [(role, role, "photo", photo.sha256), (role, role, "thumbnail", photo.sha256)]


def test_each_pdf_download_is_recorded_and_the_admin_sees_who_opened_what(app, photo):
    from wardapp.core import clock

    reviewer = signed_in(app, "reviewer")
    staff = signed_in(app, "staff")
    fetch(staff, f"/photos/{photo.id}")
    draft = fetch(reviewer, f"/pdf/daily/{photo.report.date.isoformat()}.pdf")
    assert draft.status_code == 200 and draft.mimetype == "application/pdf"

    assert [(u, k) for u, _r, k, _t in records()] == [("staff", "photo"), ("reviewer", "pdf")]
    page = Page(signed_in(app, "admin").get("/admin/audit/access").get_data(as_text=True))
    rows = page.find("tr", data_kind="pdf")
    assert len(rows) == 1 and "reviewer" in rows[0].text and "Tệp PDF" in rows[0].text
    assert len(page.find("tr", data_kind="photo")) == 1
    assert clock.today().strftime("%d/%m/%Y") in page.html
    assert signed_in(app, "staff").get("/admin/audit/access").status_code == 403


def test_the_notice_says_what_is_kept_why_how_long_and_who_sees_it(app, users):
    page = Page(isolated_client(app).get("/privacy").get_data(as_text=True))

    photos = page.by_id("privacy-photos").text
    assert "5 năm sau ngày báo cáo được ký" in photos
    assert "Cán bộ một cửa" in photos and "Lãnh đạo UBND" in photos and "thẩm định" not in photos
    assert "12 tháng" in page.by_id("privacy-logs").text
    assert "Luật số 91/2025/QH15" in page.html


@pytest.mark.parametrize("path", ["/login", "/", "/privacy"])
def test_every_footer_links_to_the_notice(app, users, path):
    client = isolated_client(app) if path == "/login" else signed_in(app, "reviewer")
    page = Page(client.get(path).get_data(as_text=True))

    footer = page.find("footer")
    assert footer and any(a.attrs.get("href") == "/privacy" for a in page.find("a") if "Dữ liệu cá nhân" in a.text)
