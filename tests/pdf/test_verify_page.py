"""The city's verification page: a reviewer drops a PDF or opens a QR URL and reads the verdict for a
genuine, a tampered, a superseded and a returned revision."""

from __future__ import annotations

import io
import re

from wardapp.delivery.sender import send_due
from wardapp.signing import documents

from .conftest import TODAY, correct, day_ready, name_leader, sign

COMMENT = "Số hồ sơ trực tuyến chưa khớp với cổng dịch vụ công, đề nghị rà soát lại."


def verdicts(html: str) -> set[str]:
    return set(re.findall(r'data-verdict="([a-z-]+)"', html))


def drop(city, pdf: bytes):
    return city.signed_in().post(
        "/verify", data={"pdf": (io.BytesIO(pdf), "bao-cao.pdf")}, content_type="multipart/form-data"
    )


def test_a_genuine_current_report_verifies(wired, signed):
    assert send_due() == {"accepted": 1}

    page = drop(wired, documents.revision_pdf(signed))

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert verdicts(html) == {"signatures-valid", "payload-matches", "current"}
    assert "Lê Thị Hằng" in html and "UBND Phường Hải Châu" in html
    assert "CA nội bộ wardapp" in html  # the chain, up to the enrolled root
    assert html.count("Bao trùm toàn bộ văn bản") == 2 and html.count("Nguyên vẹn") == 2
    assert "+07:00" in html


def test_a_tampered_pdf_is_shown_as_changed(wired, signed):
    assert send_due() == {"accepted": 1}
    pdf = bytearray(documents.revision_pdf(signed))
    pdf[len(pdf) // 3] ^= 0x01

    html = drop(wired, bytes(pdf)).get_data(as_text=True)

    assert "signatures-invalid" in verdicts(html)
    assert "Đã bị thay đổi" in html


def test_a_superseded_revision_says_so_and_names_the_newer_one(app, wired, commune, users):
    name_leader(users)
    report = day_ready(commune, users, TODAY)
    first = sign(commune, report, users)
    assert send_due() == {"accepted": 1}
    second = correct(commune, report, users, "Bổ sung số liệu hồ sơ trực tuyến theo yêu cầu của thành phố.")
    assert send_due() == {"accepted": 1}

    html = drop(wired, documents.revision_pdf(first)).get_data(as_text=True)
    assert verdicts(html) == {"signatures-valid", "payload-matches", "superseded"}
    assert second.report_key in html

    qr = wired.signed_in().get(f"/verify/{first.report_key}?sha256={first.payload_sha256}")
    assert verdicts(qr.get_data(as_text=True)) == {"signatures-valid", "payload-matches", "superseded"}


def test_a_returned_revision_says_so(wired, signed):
    assert send_due() == {"accepted": 1}
    reviewer = wired.signed_in()
    reviewer.post(f"/reports/{signed.report_key}/return", data={"comment": COMMENT})

    html = drop(wired, documents.revision_pdf(signed)).get_data(as_text=True)

    assert verdicts(html) == {"signatures-valid", "payload-matches", "returned"}
    assert COMMENT in html


def test_the_qr_url_with_another_hash_says_the_content_differs(wired, signed):
    assert send_due() == {"accepted": 1}

    page = wired.signed_in().get(f"/verify/{signed.report_key}?sha256={'0' * 64}")

    assert "payload-differs" in verdicts(page.get_data(as_text=True))


def test_the_page_needs_a_login_and_refuses_a_file_that_is_not_a_pdf(wired, signed):
    anonymous = wired.app.test_client().get("/verify")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    page = drop(wired, b"not a pdf at all")
    assert page.status_code == 422 and "không phải là PDF" in page.get_data(as_text=True)
