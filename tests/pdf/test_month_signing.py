"""The leader signs a month's documents: the month summary and the late-dossier list, numbered in the
year's BC register after the daily reports, built from signed revisions only with the revisions
they stand on embedded, signed twice at the month's signing time, stored and served as signed."""

from __future__ import annotations

import datetime as dt
import io
import re

import pikepdf
import pypdf
import pytest
from pyhanko.pdf_utils.generic import parse_pdf_date

from wardapp.core import clock, months
from wardapp.core.pdf import archive, monthly, signature, verification
from wardapp.extensions import db
from wardapp.pdf import operations
from wardapp.signing import operations as signing_operations
from wardapp.signing.models import MonthDocument, RegisterEntry

from ..helpers import signed_in
from .conftest import (
    LAST_MONTH,
    LATE_REASON,
    LEADER_NAME,
    MONTH,
    TENTH,
    THIRD,
    TODAY,
    TWELFTH,
    commune_certificate,
    correct,
    day_ready,
    first_page_stream_span,
    sign,
    signature_fields,
    text_of,
)
from .test_access import issue_token, pull
from .test_signature import BOTH, byte_range, statuses


def sign_month(app):
    return signed_in(app, "leader").post(f"/pdf/month/{MONTH}/sign")


def current(kind: str) -> MonthDocument:
    return db.session.scalar(
        db.select(MonthDocument).filter_by(kind=kind, superseded_at=None).order_by(MonthDocument.edition.desc())
    )


def signed_at_of(doc: MonthDocument) -> dt.datetime:
    return doc.signed_at.replace(tzinfo=dt.UTC)


def downloaded(app, kind: str) -> bytes:
    url = f"/pdf/month/{MONTH}.pdf" if kind == months.SUMMARY else f"/pdf/month/{MONTH}/late.pdf"
    response = signed_in(app, "reviewer").get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.get_data()


def embedded_month(pdf: bytes) -> dict:
    files = verification.embedded_files(pdf)
    document = months.parse(verification.month_document(files))
    assert document is not None, sorted(files)
    return document


def test_both_month_documents_take_the_next_bc_numbers_after_the_daily_reports(app, commune, users, month_days):
    assert [r.document_number for r in month_days.values()] == ["01/BC-UBND", "02/BC-UBND"]

    response = sign_month(app)

    assert response.status_code == 303
    summary, late = current(months.SUMMARY), current(months.LATE_LIST)
    assert (summary.document_number, late.document_number) == ("03/BC-UBND", "04/BC-UBND")
    year = clock.now().year
    summary_text, late_text = text_of(downloaded(app, months.SUMMARY)), text_of(downloaded(app, months.LATE_LIST))
    assert "Số: 03/BC-UBND" in summary_text and "Số: 04/BC-UBND" in late_text
    # The date line is the day of signing, not the month summarised.
    assert f"Hải Châu, ngày {TODAY:%d} tháng {TODAY.month if TODAY.month > 2 else f'{TODAY:%m}'} năm {year}" in (
        summary_text
    )
    assert f"BÁO CÁO Danh sách hồ sơ trễ hạn và giải trình tháng {LAST_MONTH:%m/%Y}" in late_text
    assert LEADER_NAME in summary_text and "KT. CHỦ TỊCH" in summary_text
    assert "BẢN NHÁP" not in summary_text + late_text

    # A daily report signed afterwards continues the same register: no number is given twice.
    today = sign(commune, day_ready(commune, users, TODAY), users)
    assert today.document_number == "05/BC-UBND"
    taken = db.session.execute(db.select(RegisterEntry.register_number, RegisterEntry.kind)).all()
    assert sorted(taken) == [
        (1, "daily"),
        (2, "daily"),
        (3, months.SUMMARY),
        (4, months.LATE_LIST),
        (5, "daily"),
    ]


@pytest.mark.parametrize("kind", months.KINDS)
def test_the_leader_and_the_commune_sign_at_the_months_signing_time_and_pyhanko_validates_both(app, month_days, kind):
    sign_month(app)
    doc = current(kind)
    pdf = downloaded(app, kind)

    assert signature_fields(pdf) == BOTH
    leader, commune = statuses(pdf, [commune_certificate()])
    for status in (leader, commune):
        assert status.intact and status.valid and status.trusted and status.bottom_line
        assert status.signer_reported_dt == signed_at_of(doc)
    assert leader.signing_cert.subject.native["common_name"] == LEADER_NAME
    assert commune.signing_cert.subject.native["common_name"].startswith("UBND Phường Hải Châu")
    assert commune.coverage.name == "ENTIRE_FILE"
    fields = pypdf.PdfReader(io.BytesIO(pdf)).get_fields()
    assert {parse_pdf_date(fields[name]["/V"]["/M"]) for name in BOTH} == {signed_at_of(doc)}
    assert signed_at_of(doc) == clock.now().replace(microsecond=0)
    # Archivable and checkable from the file alone: PDF/A-3b with the JSON as an associated file.
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        meta = opened.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        relationships = {str(spec.UF): str(spec.AFRelationship) for spec in opened.Root.AF}
    stem = doc.document_id.replace(":", "_")
    assert relationships == {f"{stem}.month.json": "/Source"}
    assert archive.attachments_of(pdf)[f"{stem}.month.json"] == doc.payload
    assert embedded_month(pdf)["document_number"] == doc.document_number


@pytest.mark.parametrize("kind", months.KINDS)
def test_one_changed_byte_breaks_both_signatures(app, month_days, kind):
    sign_month(app)
    pdf = downloaded(app, kind)
    _, signed_head, _, _ = byte_range(pdf, signature.SIGNER_FIELD)
    begin, end = first_page_stream_span(pdf)
    assert end < signed_head

    tampered = bytearray(pdf)
    tampered[(begin + end) // 2] ^= 0x01

    checked = verification.check_pdf(bytes(tampered), [commune_certificate()])
    assert not checked.valid
    assert len(checked.signatures) == 2 and not any(s.intact for s in checked.signatures)
    assert verification.check_pdf(pdf, [commune_certificate()]).valid


def test_the_embedded_json_lists_exactly_the_signed_revisions(app, commune, users, month_days):
    # The 10th corrected before the month is signed: the month stands on its second revision.
    second = correct(
        commune, month_days[TENTH].report, users, "Bổ sung số liệu theo yêu cầu của thành phố.", LATE_REASON
    )

    sign_month(app)

    expected = [
        {
            "date": THIRD.isoformat(),
            "report_id": month_days[THIRD].report_key,
            "revision": 1,
            "payload_sha256": month_days[THIRD].payload_sha256,
            "late": True,
        },
        {
            "date": TENTH.isoformat(),
            "report_id": second.report_key,
            "revision": 2,
            "payload_sha256": second.payload_sha256,
            "late": True,
        },
    ]
    for kind in months.KINDS:
        pdf = downloaded(app, kind)
        document = embedded_month(pdf)
        assert document["days"] == expected
        assert document["kind"] == kind and document["month"] == MONTH and document["edition"] == 1
        assert TWELFTH.isoformat() in document["missing"] and THIRD.isoformat() not in document["missing"]
        assert document["signed_by"]["full_name"] == LEADER_NAME
        stored = current(kind)
        assert stored.payload == months.encode(document)
    # The summary prints what the JSON lists: the 12th (never signed) as not reported.
    text = text_of(downloaded(app, months.SUMMARY))
    assert f"{TENTH:%d/%m} Ký muộn, bản 2" in text and f"{TWELFTH:%d/%m} Chưa báo cáo" in text


def test_downloading_a_signed_month_reads_the_stored_file_and_never_builds(app, month_days, monkeypatch, tmp_path):
    sign_month(app)
    stored = {kind: operations.month_file(current(kind)).read_bytes() for kind in months.KINDS}

    def no_building(*args, **kwargs):
        raise AssertionError("a download built a PDF")

    for name in ("build_month", "build_late_list"):
        monkeypatch.setattr(monthly, name, no_building)
    monkeypatch.setattr(signature, "sign_document", no_building)

    for kind in months.KINDS:
        assert downloaded(app, kind) == stored[kind]
    # The reviewer's machine pulls the same files with a token.
    token = issue_token(signed_in(app, "reviewer"))
    summary = pull(app, token, f"/api/v1/months/{MONTH}.pdf")
    late = pull(app, token, f"/api/v1/months/{MONTH}/late.pdf")
    assert summary.status_code == 200 and summary.get_data() == stored[months.SUMMARY]
    assert late.status_code == 200 and late.get_data() == stored[months.LATE_LIST]
    assert pull(app, token, "/api/v1/months/2026-13.pdf").status_code == 400
    # And so does `flask pdf month`.
    out = tmp_path / "thang.pdf"
    result = app.test_cli_runner().invoke(args=["pdf", "month", MONTH, "--late-list", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == stored[months.LATE_LIST]


def test_the_api_serves_no_draft(app, month_days):
    token = issue_token(signed_in(app, "reviewer"))

    response = pull(app, token, f"/api/v1/months/{MONTH}.pdf")

    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_before_signing_the_download_is_a_marked_draft(app, month_days):
    pdf = downloaded(app, months.SUMMARY)

    text = text_of(pdf)
    assert "BẢN NHÁP" in text and "BẢN NHÁP — CHƯA KÝ" in text
    assert not signature_fields(pdf)
    assert not re.search(r"Số: \d", text)  # no register number before signing
    assert "BẢN NHÁP" in text_of(downloaded(app, months.LATE_LIST))


@pytest.mark.parametrize("username", ["reviewer", "staff", "admin"])
def test_only_a_leader_may_open_or_sign_a_month(app, month_days, username):
    client = signed_in(app, username)

    assert client.get(f"/pdf/month/{MONTH}/sign").status_code == 403
    assert client.post(f"/pdf/month/{MONTH}/sign").status_code == 403
    assert db.session.scalar(db.select(db.func.count(MonthDocument.id))) == 0


def test_the_leaders_page_shows_what_will_be_signed(app, month_days):
    page = signed_in(app, "leader").get(f"/pdf/month/{MONTH}/sign")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'id="days-signed">2<', html)
    assert f"{THIRD:%d/%m/%Y}, {TENTH:%d/%m/%Y}" in html  # both signed after their deadline
    assert f"{TWELFTH:%d/%m/%Y}" in html.split('id="days-missing"')[1].split("</dd>")[0]
    assert re.search(r'id="late-dossiers">1<', html) and "Nguyễn Thị Lan" in html
    assert 'id="month-sign-form"' in html and 'id="month-unsigned"' in html
    # The PDF list links the leader to the last month that can be signed.
    listing = signed_in(app, "leader").get("/pdf/").get_data(as_text=True)
    assert f'href="/pdf/month/{MONTH}/sign" id="month-sign-link">Ký tài liệu tháng {LAST_MONTH:%m/%Y}<' in listing
    assert 'id="month-sign-link"' not in signed_in(app, "reviewer").get("/pdf/").get_data(as_text=True)


def test_the_current_month_cannot_be_signed(app, month_days):
    leader = signed_in(app, "leader")
    this_month = f"{TODAY:%Y-%m}"

    page = leader.get(f"/pdf/month/{this_month}/sign")
    refused = leader.post(f"/pdf/month/{this_month}/sign")

    assert page.status_code == 200 and 'id="month-not-ended"' in page.get_data(as_text=True)
    assert 'id="month-sign-form"' not in page.get_data(as_text=True)
    assert refused.status_code == 409
    assert f"Tháng {TODAY:%m/%Y} chưa kết thúc" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(MonthDocument.id))) == 0
    assert leader.get(f"/pdf/month/{(TODAY + dt.timedelta(days=40)):%Y-%m}/sign").status_code == 404


def test_a_signed_month_cannot_be_signed_again_until_a_day_changes(app, commune, users, month_days):
    assert sign_month(app).status_code == 303
    page = signed_in(app, "leader").get(f"/pdf/month/{MONTH}/sign").get_data(as_text=True)
    assert 'id="month-sign-form"' not in page and 'id="month-changed"' not in page

    again = sign_month(app)

    assert again.status_code == 409 and "đã được ký" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(MonthDocument.id))) == 2


def test_a_day_corrected_after_signing_leads_to_a_new_edition_and_the_old_one_is_kept(
    app, commune, users, month_days, frozen_clock
):
    sign_month(app)
    first = {kind: current(kind) for kind in months.KINDS}
    first_files = {kind: operations.month_file(doc).read_bytes() for kind, doc in first.items()}
    later = clock.now().replace(microsecond=0) + dt.timedelta(hours=1)
    frozen_clock.move_to(later, tick=False)  # stands still: the new edition is signed at ``later``
    second = correct(
        commune, month_days[TENTH].report, users, "Bổ sung số liệu theo yêu cầu của thành phố.", LATE_REASON
    )

    page = signed_in(app, "leader").get(f"/pdf/month/{MONTH}/sign").get_data(as_text=True)
    assert 'id="month-changed"' in page and f'data-changed="{TENTH.isoformat()}"' in page
    assert second.report_key in page and 'id="month-sign-form"' in page

    assert sign_month(app).status_code == 303

    new = {kind: current(kind) for kind in months.KINDS}
    # New numbers after the correction's (05); the old editions kept, marked superseded.
    assert (new[months.SUMMARY].document_number, new[months.LATE_LIST].document_number) == (
        "06/BC-UBND",
        "07/BC-UBND",
    )
    for kind in months.KINDS:
        db.session.refresh(first[kind])
        assert first[kind].superseded_by == new[kind].document_id and not first[kind].current
        assert operations.month_file(first[kind]).read_bytes() == first_files[kind]
        pdf = downloaded(app, kind)
        document = embedded_month(pdf)
        assert document["edition"] == 2 and document["supersedes"] == first[kind].document_number
        assert [d["report_id"] for d in document["days"]][1] == second.report_key
        assert {s.signing_time for s in verification.check_pdf(pdf, [commune_certificate()]).signatures} == {
            later.astimezone(dt.UTC)
        }
    page = signed_in(app, "leader").get(f"/pdf/month/{MONTH}/sign").get_data(as_text=True)
    assert page.count("Đã bị thay thế") == 2 and 'id="month-changed"' not in page


def test_a_pdf_that_cannot_be_built_signs_nothing(app, month_days, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(signature, "sign_document", broken)

    response = sign_month(app)

    assert response.status_code == 409 and "PDF" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(MonthDocument.id))) == 0
    assert db.session.scalar(db.select(db.func.count(RegisterEntry.register_number))) == 2
    folder = operations.month_dir()
    assert not [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else True


def test_the_leaders_page_reads_in_english(app, month_days, users):
    users["leader"].locale = "en"
    db.session.commit()

    html = signed_in(app, "leader").get(f"/pdf/month/{MONTH}/sign").get_data(as_text=True)

    assert f"Sign the documents of {LAST_MONTH:%m/%Y}" in html
    assert "Ký tài liệu tháng" not in html


def test_a_day_whose_number_was_taken_meanwhile_is_not_signed_and_can_be_signed_again(
    app, commune, users, month_days, monkeypatch
):
    """Two documents signed at the same moment read the same next number; the register's key lets one
    through and the other is refused with a message (not mistaken for a double click)."""
    assert sign_month(app).status_code == 303  # numbers 03 and 04
    report = day_ready(commune, users, TODAY)
    monkeypatch.setattr(signing_operations, "next_register_number", lambda year: 4)  # read before the month took it
    leader = signed_in(app, "leader")

    # A reason in case the suite runs after the day's deadline (a late signature needs one).
    form = {"late_reason": "Ký sau giờ vì mất điện."}
    refused = leader.post(f"/reports/{TODAY.isoformat()}/sign", data=form)

    assert refused.status_code == 422 and "hãy bấm ký lại" in refused.get_data(as_text=True)
    db.session.refresh(report)
    assert not report.frozen and report.signed_revisions == 0
    monkeypatch.undo()
    assert leader.post(f"/reports/{TODAY.isoformat()}/sign", data=form).status_code == 303
    db.session.refresh(report)
    assert report.frozen


def test_a_month_whose_number_was_taken_meanwhile_is_not_signed(app, commune, users, month_days, monkeypatch):
    monkeypatch.setattr(operations, "next_register_number", lambda year: 2)  # read before the 10th took it

    refused = sign_month(app)

    assert refused.status_code == 409 and "hãy xem lại trang này rồi bấm ký lại" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(MonthDocument.id))) == 0
    assert (
        not [p for p in operations.month_dir().rglob("*") if p.is_file()] if operations.month_dir().exists() else True
    )
    monkeypatch.undo()
    assert sign_month(app).status_code == 303
    assert current(months.SUMMARY).document_number == "03/BC-UBND"
