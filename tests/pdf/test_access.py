"""Who reaches the commune's PDFs: pages by role, automated pulls by revocable token."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from wardapp.core.pdf import signature
from wardapp.extensions import db
from wardapp.pdf.models import ApiToken
from wardapp.signing import documents

from ..helpers import signed_in
from .conftest import (
    TODAY,
    YESTERDAY,
    commune_certificate,
    day_ready,
    sign,
    text_of,
)

DAY = TODAY.isoformat()
MONTH = f"{TODAY:%Y-%m}"
PAGES = [
    "/pdf/",
    f"/pdf/daily/{DAY}.pdf",
    f"/pdf/daily/{DAY}/r1.pdf",
    "/pdf/range.zip",
    f"/pdf/month/{MONTH}.pdf",
    f"/pdf/month/{MONTH}/late.pdf",
    "/account/tokens",
]
PULLER_PAGES = ["/pdf/", "/pdf/range.zip", f"/pdf/month/{MONTH}.pdf", f"/pdf/month/{MONTH}/late.pdf", "/account/tokens"]
API = f"/api/v1/reports/{DAY}.pdf"


def issue_token(client, name: str = "Máy chủ Sở KH&CN") -> str:
    page = client.post("/account/tokens", data={"name": name})
    assert page.status_code == 200
    return re.search(r"wda_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)


def pull(app, token: str | None, url: str = API):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return app.test_client().get(url, headers=headers)


@pytest.mark.parametrize("url", PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(app, signed, url):
    response = app.test_client().get(url)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_it_answers_401_to_an_anonymous_api_call(app, signed):
    response = pull(app, None)

    assert response.status_code == 401
    assert response.is_json and response.json["error"] == "unauthorized"


@pytest.mark.parametrize("url", PULLER_PAGES)
def test_it_keeps_staff_out_of_the_pdf_pages(app, signed, url):
    assert signed_in(app, "staff").get(url).status_code == 403


@pytest.mark.parametrize("role", ["reviewer", "leader", "admin"])
def test_it_lets_reviewers_leaders_and_admins_pull_pdfs(app, signed, role):
    client = signed_in(app, role)

    index = client.get("/pdf/")
    month = client.get(f"/pdf/month/{MONTH}.pdf")

    assert index.status_code == 200
    assert f'href="/pdf/daily/{DAY}.pdf"' in index.get_data(as_text=True)
    assert "Bản ký lần đầu" in index.get_data(as_text=True)  # the revision as a reader names it
    assert month.status_code == 200 and month.get_data().startswith(b"%PDF-")
    assert client.get(f"/pdf/daily/{DAY}.pdf").get_data() == documents.revision_pdf(signed)


def test_it_zips_the_signed_pdfs_of_a_range(app, commune, users, signed):
    late = sign(commune, day_ready(commune, users, YESTERDAY), users, late_reason="Mất điện cả buổi chiều.")

    response = signed_in(app, "reviewer").get(f"/pdf/range.zip?from={YESTERDAY}&to={DAY}")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert sorted(archive.namelist()) == [f"20242_{YESTERDAY}_r1.pdf", f"20242_{DAY}_r1.pdf"]
        assert archive.read(f"20242_{YESTERDAY}_r1.pdf") == documents.revision_pdf(late)
        assert archive.read(f"20242_{DAY}_r1.pdf") == documents.revision_pdf(signed)


def test_it_serves_the_signed_pdf_to_a_valid_token_until_it_is_revoked(app, signed):
    reviewer = signed_in(app, "reviewer")
    token = issue_token(reviewer)

    response = pull(app, token)

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data() == documents.revision_pdf(signed)
    assert signature.verify_pdf(response.get_data(), [commune_certificate()])
    row = db.session.scalar(db.select(ApiToken).filter_by(hint=token[:10]))
    db.session.refresh(row)
    assert row.last_used_at is not None
    assert row.token_sha256 != token and token not in row.token_sha256  # only the hash is kept

    assert reviewer.post(f"/account/tokens/{row.id}/revoke").status_code == 303

    revoked = pull(app, token)
    assert revoked.status_code == 401 and revoked.json["error"] == "unauthorized"


@pytest.mark.parametrize(
    "header", [None, "", "Bearer ", "Bearer wda_not-a-token-anyone-was-given", "Basic cmV2aWV3ZXI6eA=="]
)
def test_it_refuses_a_missing_or_unknown_token(app, signed, header):
    headers = {} if header is None else {"Authorization": header}

    response = app.test_client().get(API, headers=headers)

    assert response.status_code == 401


def test_it_refuses_the_token_of_a_deactivated_user(app, users, signed):
    token = issue_token(signed_in(app, "reviewer"))
    assert pull(app, token).status_code == 200

    users["reviewer"].active = False
    db.session.commit()

    assert pull(app, token).status_code == 401


def test_it_refuses_the_token_of_a_user_moved_to_staff(app, users, signed):
    token = issue_token(signed_in(app, "leader"))
    assert pull(app, token).status_code == 200

    users["leader"].role = "staff"
    db.session.commit()

    assert pull(app, token).status_code == 401


def test_it_answers_the_api_with_404_for_an_unsigned_day_and_400_for_a_bad_date(app, signed):
    token = issue_token(signed_in(app, "admin"))

    missing = pull(app, token, f"/api/v1/reports/{YESTERDAY}.pdf")
    bad = pull(app, token, "/api/v1/reports/2026-02-30.pdf")

    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    assert bad.status_code == 400 and bad.json["error"] == "bad_date"


def test_it_keeps_a_draft_out_of_the_api(app, commune, users):
    day_ready(commune, users, TODAY)  # ready, not signed
    token = issue_token(signed_in(app, "reviewer"))

    assert pull(app, token).status_code == 404
    assert "BẢN NHÁP" in text_of(signed_in(app, "reviewer").get(f"/pdf/daily/{DAY}.pdf").get_data())
