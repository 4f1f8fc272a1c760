"""What the review shows beyond its own pages: the monitoring grid marks an accepted day and a
correction made after the acceptance (a letter and the legend, not a colour alone), and the
department's consolidated report counts every received day or only the accepted ones, says which
in its text and records it in a signed edition's JSON."""

from __future__ import annotations

import datetime as dt
import io
import json

from pypdf import PdfReader

from wardapp.city.extensions import city_db
from wardapp.core import consolidated_docs, payload
from wardapp.core.pdf import archive

from . import support
from .conftest import TODAY

HAI_CHAU, HAI_VAN, THANH_KHE = support.Commune("20242"), support.Commune("20194"), support.Commune("20197")
YESTERDAY = TODAY - dt.timedelta(days=1)
OCT_30, OCT_31 = dt.date(2026, 10, 30), dt.date(2026, 10, 31)
OCTOBER = {"period": "month", "on": "2026-10-01"}


def rid(commune: support.Commune, day: dt.date, revision: int = 1) -> str:
    return payload.report_id(commune.code, day, revision)


def cell(page: str, commune: support.Commune, day: dt.date) -> str:
    row = page[page.index(f'<tr data-commune="{commune.code}"') :]
    row = row[: row.index("</tr>")]
    start = row.index(f'data-date="{day.isoformat()}"')
    return row[row.rindex("<td", 0, start) : row.index("</td>", start)]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_grid_marks_accepted_days_and_corrections_after_acceptance(city):
    support.enrol_all(city, [HAI_CHAU, HAI_VAN, THANH_KHE])
    client = city.test_client()
    for commune in (HAI_CHAU, HAI_VAN, THANH_KHE):
        support.push(client, support.signed(commune, YESTERDAY))
    support.make_user(city, "danang")
    reviewer = support.signed_in(city, "danang")
    reviewer.post(f"/reports/{rid(HAI_CHAU, YESTERDAY)}/accept")
    reviewer.post(f"/reports/{rid(HAI_VAN, YESTERDAY)}/accept")
    support.push(client, support.signed(HAI_VAN, YESTERDAY, revision=2))  # corrected after its acceptance

    page = reviewer.get(f"/grid?from={YESTERDAY}&to={YESTERDAY}").get_data(as_text=True)

    accepted = cell(page, HAI_CHAU, YESTERDAY)
    assert 'data-review="accepted"' in accepted and ">Đ</b>" in accepted and "Đã duyệt" in accepted
    corrected = cell(page, HAI_VAN, YESTERDAY)
    assert 'data-review="reaccept"' in corrected and ">!</b>" in corrected and "Sửa sau khi đã duyệt" in corrected
    received = cell(page, THANH_KHE, YESTERDAY)
    assert "data-review" not in received and "<b" not in received  # merely received
    assert "Đã duyệt: 1" in page and "Sửa sau khi đã duyệt: 1" in page
    assert "Đ: Sở đã duyệt" in page  # the legend says what the letters mean

    reviewer.post(f"/reports/{rid(HAI_VAN, YESTERDAY, 2)}/accept")  # accepted again
    again = reviewer.get(f"/grid?from={YESTERDAY}&to={YESTERDAY}").get_data(as_text=True)
    assert 'data-review="accepted"' in cell(again, HAI_VAN, YESTERDAY)


def test_the_consolidated_report_counts_accepted_days_only_and_says_so(city):
    support.enrol_all(city, [HAI_CHAU, HAI_VAN])
    client = city.test_client()
    for day in (OCT_30, OCT_31):
        for commune in (HAI_CHAU, HAI_VAN):
            support.push(client, support.signed(commune, day))
    support.make_user(city, "giamdoc", role="director")
    director = support.signed_in(city, "giamdoc")
    director.post(f"/reports/{rid(HAI_CHAU, OCT_30)}/accept")

    every_day = text_of(director.get("/consolidated.pdf", query_string=OCTOBER).data)
    accepted_only = text_of(director.get("/consolidated.pdf", query_string={**OCTOBER, "days": "accepted"}).data)

    assert "tính theo mọi ngày đã nhận" in every_day and "tính theo các ngày đã duyệt" not in every_day
    assert "tính theo các ngày đã duyệt" in accepted_only and "tính theo mọi ngày đã nhận" not in accepted_only
    assert "Trong kỳ đã nhận 4/" in every_day and "Trong kỳ đã nhận 1/" in accepted_only
    page = director.get("/consolidated", query_string={**OCTOBER, "days": "accepted"}).get_data(as_text=True)
    assert '<option value="accepted" selected' in page

    signed = director.post("/consolidated/sign", data={**OCTOBER, "days": "accepted"})

    assert signed.status_code == 303 and "days=accepted" in signed.headers["Location"]
    pdf = director.get("/consolidated.pdf", query_string=OCTOBER).data
    assert "tính theo các ngày đã duyệt" in text_of(pdf)
    with city.app_context():
        from wardapp.city.consolidated_models import ConsolidatedEdition

        edition = city_db.session.scalar(city_db.select(ConsolidatedEdition))
        document_id = edition.document_id
    document = json.loads(archive.attachments_of(pdf)[f"{document_id}{consolidated_docs.SUFFIX}"])
    assert document["counted_days"] == "accepted"
    assert [(d["commune"], d["date"]) for d in document["days"]] == [(HAI_CHAU.code, OCT_30.isoformat())]
    # Every received day asked for: the edition counts other days, a new one may be signed.
    page = director.get("/consolidated", query_string=OCTOBER).get_data(as_text=True)
    assert "Bản này tính theo các ngày đã duyệt." in page and 'id="sign-consolidated"' in page
