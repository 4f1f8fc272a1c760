"""The city's verification page for a dropped month document: both signatures, and each day it
summarises against the revisions the city holds (current, superseded, not received)."""

from __future__ import annotations

import re

import pytest

from wardapp.commune.models import Commune
from wardapp.core import clock, months, periods
from wardapp.core.pdf import archive, inputs, monthly
from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.pdf.service import month_input, month_revisions

from .conftest import LATE_REASON, TENTH, THIRD, correct
from .test_month_signing import current, downloaded, sign_month
from .test_verify_page import drop, verdicts


def day_rows(html: str) -> dict[str, tuple[str, str]]:
    """Each listed day's (held, state) as the page marks them."""
    return {
        day: (held, state)
        for day, held, state in re.findall(r'data-day="([0-9-]+)" data-held="(yes|no)" data-state="([a-z]+)"', html)
    }


@pytest.mark.parametrize("kind", months.KINDS)
def test_a_genuine_month_document_verifies_and_the_city_holds_every_day_it_lists(app, wired, month_days, kind):
    assert send_due() == {"accepted": 2}
    sign_month(app)

    page = drop(wired, downloaded(app, kind))

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert verdicts(html) == {"signatures-valid", "month-current"}
    assert day_rows(html) == {THIRD.isoformat(): ("yes", "current"), TENTH.isoformat(): ("yes", "current")}
    assert current(kind).document_number in html and current(kind).document_id in html
    assert "Lê Thị Hằng" in html and "UBND Phường Hải Châu" in html and "CA nội bộ wardapp" in html
    assert html.count("Bao trùm toàn bộ văn bản") == 2 and html.count("Nguyên vẹn") == 2
    assert "+07:00" in html


def test_a_tampered_month_document_is_shown_invalid(app, wired, month_days):
    assert send_due() == {"accepted": 2}
    sign_month(app)
    pdf = bytearray(downloaded(app, months.SUMMARY))
    pdf[len(pdf) // 3] ^= 0x01

    html = drop(wired, bytes(pdf)).get_data(as_text=True)

    assert "signatures-invalid" in verdicts(html) and "signatures-valid" not in verdicts(html)
    assert "Đã bị thay đổi" in html


def test_a_month_document_summarising_a_since_corrected_day_says_superseded(app, wired, commune, users, month_days):
    assert send_due() == {"accepted": 2}
    sign_month(app)
    signed = downloaded(app, months.SUMMARY)
    second = correct(commune, month_days[TENTH].report, users, "Bổ sung số liệu theo yêu cầu.", LATE_REASON)
    assert send_due() == {"accepted": 1}

    html = drop(wired, signed).get_data(as_text=True)

    assert verdicts(html) == {"signatures-valid", "month-superseded"}
    assert day_rows(html) == {THIRD.isoformat(): ("yes", "current"), TENTH.isoformat(): ("yes", "superseded")}
    assert second.report_key in html


def test_a_month_document_listing_days_the_city_never_received_says_so(app, wired, month_days):
    sign_month(app)  # nothing sent yet

    html = drop(wired, downloaded(app, months.LATE_LIST)).get_data(as_text=True)

    assert verdicts(html) == {"signatures-valid", "month-not-held"}
    assert set(day_rows(html).values()) == {("no", "unknown")}


def test_an_unsigned_pdf_carrying_a_month_json_is_shown_unsigned(app, wired, month_days):
    """Someone lays out a month document with the embedded JSON but no signature: the page reads it
    and says it is not signed (never an error page), and never that the city holds what it lists
    (issue 21, item 15: nothing binds the list to the document)."""
    assert send_due() == {"accepted": 2}
    sign_month(app)
    genuine = current(months.SUMMARY)
    start, end = periods.month_bounds(genuine.month)
    latest, first_late = month_revisions(genuine.commune_id, start, end)
    signing = inputs.MonthSigning(
        number=genuine.document_number,
        signer_name="Lê Thị Hằng",
        signer_position="Phó Chủ tịch",
        signed_at=clock.now(),
        attachment=archive.Attachment(
            months.embedded_name(genuine.document), genuine.payload, "application/json", "JSON"
        ),
    )
    commune = db.session.get(Commune, genuine.commune_id)
    forged = monthly.build_month(month_input(commune, genuine.month, latest, first_late, clock.now(), signing=signing))

    page = drop(wired, forged.data)

    assert page.status_code == 200
    assert verdicts(page.get_data(as_text=True)) == {"unsigned", "month-unproven"}
