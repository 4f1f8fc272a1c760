"""The daily report PDF read back as text: what it says, in Vietnamese, exactly as entered."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

from pypdf import PdfReader

from wardapp.core import clock
from wardapp.core.pdf import document, official, signature
from wardapp.core.pdf.charts import Trend
from wardapp.core.pdf.document import DailyInput, PhotoInput
from wardapp.signing import documents

from .. import factories
from ..helpers import signed_in
from ..sending import support
from .conftest import (
    CAUSE,
    DIFFICULTIES,
    HIGHLIGHTS,
    LEADER_NAME,
    LEADER_POSITION,
    OFFICERS,
    PROCEDURES,
    PROPOSALS,
    REMEDY,
    RESPONSIBLE,
    TODAY,
    YESTERDAY,
    commune_certificate,
    correct,
    day_ready,
    image_count,
    name_leader,
    nfc,
    page_texts,
    sign,
    signature_fields,
    text_of,
)

DAY = TODAY.isoformat()
# Figures in the thousands: Vietnamese groups digits with "." (2.240), and nothing may be rounded.
BIG = {
    "received_in_person": 1016,
    "received_online": 1212,
    "online_full_process": 1000,
    "online_partial": 212,
    "received_postal": 2,
    "carried_over": 10,
    "resolved_early": 808,
    "resolved_on_time": 1019,
    "pending_within": 412,
    "pending_overdue": 0,
}


def body_text(pdf: bytes) -> str:
    """The text of every page without the page numbers (top centre from page 2), pages joined."""
    pages = page_texts(pdf)
    return " ".join([pages[0]] + [re.sub(r"^\d+ ", "", page) for page in pages[1:]])


def test_it_prints_the_commune_the_national_heading_and_the_day(signed):
    text = text_of(documents.revision_pdf(signed))

    assert "ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Trung tâm Phục vụ hành chính công ngày {TODAY:%d/%m/%Y}" in text
    assert official.place_date_line("Hải Châu", TODAY) in text  # the day of issue: signed today
    assert f"Số: {signed.document_number}" in text and signed.document_number.endswith("/BC-UBND")


def test_it_prints_figures_and_texts_exactly_as_entered(app, commune, users):
    report = day_ready(commune, users, TODAY, photos=1, late=1, **BIG)

    text = text_of(documents.revision_pdf(sign(commune, report, users)))

    # Form II.06a: to handle (total, online, in person + postal, carried over), resolved (total,
    # early, on time, late), pending (total, within, overdue).
    assert "2.240 1.212 1.018 10 1.828 808 1.019 1 412 412 0" in text
    assert "Tiếp nhận trực tiếp 1.016 hồ sơ" in text
    assert "Trực tuyến toàn trình 1.000 hồ sơ" in text
    for entered in (
        HIGHLIGHTS,
        DIFFICULTIES,
        PROPOSALS,
        CAUSE,
        REMEDY,
        RESPONSIBLE,
        OFFICERS[0][0],
        OFFICERS[0][1],
        PROCEDURES[0],
        "Quầy số 1: người dân chờ tiếp nhận hồ sơ",
    ):
        assert nfc(entered) in text, entered
    assert f"Khó khăn, vướng mắc: {DIFFICULTIES}" in text
    assert f"Nguyên nhân: {CAUSE}" in text
    assert f"Biện pháp khắc phục: {REMEDY}" in text


def test_it_gives_back_vietnamese_as_precomposed_text_with_every_diacritic(signed):
    raw = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(documents.revision_pdf(signed))).pages
    )

    # No NFC here on purpose: pypdf reads ReportLab's ToUnicode maps back as precomposed letters,
    # so the typed text is found as it is (the other tests normalise both sides anyway).
    assert "Đường truyền chập chờn, phải khởi động lại máy chủ lúc 9 giờ" in raw
    assert "Phường Hải Châu" in raw
    assert "Duong truyen" not in raw and "Phuong Hai Chau" not in raw
    typed = {c for c in HIGHLIGHTS + DIFFICULTIES + PROPOSALS + CAUSE + REMEDY + LEADER_NAME if ord(c) > 127}
    assert len(typed) > 30 and typed <= set(raw)  # every accented letter typed comes back


def test_it_builds_a_revision_into_the_same_bytes_every_time(signed):
    first = document.build_daily(documents.revision_input(signed))
    second = document.build_daily(documents.revision_input(signed))

    assert first.data == second.data
    assert first.pages == second.pages and first.signature_rect == second.signature_rect


def test_it_builds_the_same_bytes_from_the_same_input_a_second_later(signed):
    data = documents.revision_input(signed)
    first = document.build_daily(data).data
    time.sleep(1.1)  # a document dated "now" or with a time-based id would differ by now

    assert document.build_daily(data).data == first


def plain_input(**changes) -> DailyInput:
    """A DailyInput made by hand: the builder needs no Flask, no database, no app."""
    values = dict(
        heading=official.Heading(
            issuer=official.issuer_of("Phường Hải Châu"),
            number="05/BC-UBND",
            symbol="BC-UBND",
            place_date=official.place_date_line("Hải Châu", dt.date(2026, 11, 21)),
            doc_type="BÁO CÁO",
            summary="Tình hình hoạt động của Trung tâm Phục vụ hành chính công ngày 21/11/2026",
        ),
        signer=official.Signer(
            titles=official.signer_titles(LEADER_POSITION),
            name=LEADER_NAME,
            recipients=("Ủy ban nhân dân Thành phố Đà Nẵng (để báo cáo)",),
            archive_line="Lưu: VT, TTPVHCC",
        ),
        meta=official.Archival(
            title="Báo cáo ngày 21/11/2026",
            author="Ủy ban nhân dân Phường Hải Châu",
            subject="20242:2026-11-21:r1",
            issued_at=dt.datetime(2026, 11, 21, 16, 30, tzinfo=clock.TZ),
        ),
        commune_name="Phường Hải Châu",
        date_text="21/11/2026",
        report_id="20242:2026-11-21:r1",
        revision=1,
        supersedes=None,
        correction_reason="",
        late=False,
        late_reason="",
        summary_table=[["a"] + [""] * 10, ["b"] * 11, [f"({i})" for i in range(1, 12)], ["1"] * 11],
        other_figures=[("Nhóm", [("Chỉ tiêu", "3 hồ sơ")])],
        rates=[("Tỷ lệ đúng hạn", "92,9%")],
        trend=Trend(days=["20/11", "21/11"], series=[("Tỷ lệ đúng hạn", [0.9, 0.95])]),
        photos=[
            PhotoInput(
                jpeg=support.jpeg(),
                width=64,
                height=48,
                category="Quầy",
                caption="Quầy số 1",
                taken_at="08:30 21/11/2026",
                verifiable=True,
            )
        ],
        team_lines=["Chưa thành lập Tổ phản ứng nhanh."],
        team_members=[],
        tasks=[],
        explanations=[],
        late_dossiers=[],
        narrative=[("Khó khăn, vướng mắc", DIFFICULTIES)],
        signed_at_text="16:30 21/11/2026",
        key_thumbprint="kid",
        payload_sha256="0" * 64,
        verify_target="https://giamsat.example.vn/verify/20242:2026-11-21:r1?sha256=" + "0" * 64,
    )
    return DailyInput(**(values | changes))


def test_it_is_a_pure_function_of_its_input():
    data = plain_input()

    first, second = document.build_daily(data), document.build_daily(data)
    other = document.build_daily(plain_input(narrative=[("Khó khăn, vướng mắc", "Không có.")]))

    assert first.data == second.data
    assert other.data != first.data
    assert DIFFICULTIES in text_of(first.data)


def test_it_shows_each_photo_as_an_image_with_its_caption_and_time(app, commune, users):
    report = day_ready(commune, users, TODAY, photos=3)

    pdf = documents.revision_pdf(sign(commune, report, users))

    assert image_count(pdf) == 3
    text = text_of(pdf)
    assert "III. HÌNH ẢNH TRUNG TÂM (3 ảnh)" in text
    for i in (1, 2, 3):
        assert f"Quầy số {i}: người dân chờ tiếp nhận hồ sơ" in text
    assert f"Chụp lúc 07:02 {TODAY:%d/%m/%Y}" in text


def test_it_says_so_when_a_day_has_no_photo(app, commune, users):
    report = day_ready(commune, users, TODAY, photos=0)

    pdf = documents.revision_pdf(sign(commune, report, users))

    assert image_count(pdf) == 0
    assert "III. HÌNH ẢNH TRUNG TÂM (0 ảnh) Không có ảnh." in text_of(pdf)


PHRASES = [
    "hồ sơ gốc phải xác minh thêm với Sở Tài nguyên và Môi trường",
    "đường truyền chập chờn, phải khởi động lại máy chủ lúc 9 giờ",
    "cán bộ phụ trách nghỉ ốm đột xuất, chưa bố trí được người thay thế",
    "người dân bổ sung giấy tờ chậm so với lịch hẹn đã thống nhất",
    "phần mềm một cửa điện tử báo lỗi đồng bộ dữ liệu với Cổng Dịch vụ công quốc gia",
    "chữ ký số của lãnh đạo hết hạn, phải gia hạn với nhà cung cấp",
]


def long_explanation(index: int) -> tuple[list[str], list[str]]:
    """Sentences of a cause and a remedy, each sentence unique in the whole document."""
    cause = [
        f"Lần kiểm tra thứ {index}.{n}: {phrase}, ảnh hưởng đến tiến độ giải quyết của bộ phận."
        for n, phrase in enumerate(PHRASES, 1)
    ]
    remedy = [
        f"Biện pháp {index}.{n}: khắc phục việc {phrase}, báo cáo kết quả cho Chủ tịch UBND phường trước "
        f"ngày làm việc tiếp theo."
        for n, phrase in enumerate(PHRASES, 1)
    ]
    return cause, remedy


def test_it_flows_twenty_photos_and_long_explanations_over_several_pages_without_losing_text(app, commune, users):
    sentences = [long_explanation(i) for i in range(1, 6)]
    report = day_ready(
        commune,
        users,
        TODAY,
        photos=20,
        late=5,
        explanations=[(" ".join(cause), " ".join(remedy)) for cause, remedy in sentences],
    )
    written = [s for cause, remedy in sentences for s in cause + remedy]
    assert sum(len(s) for s in written) > 5000  # several thousand characters of Vietnamese

    pdf = documents.revision_pdf(sign(commune, report, users))

    pages = page_texts(pdf)
    total = len(pages)
    assert total > 2
    for number, page in enumerate(pages[1:], 2):
        assert page.startswith(f"{number} ")
    assert image_count(pdf) == 20
    body = body_text(pdf)
    missing = [s for s in written if nfc(s) not in body]
    assert missing == []
    for i in range(1, 21):
        assert f"Quầy số {i}: người dân chờ tiếp nhận hồ sơ" in body
    for officer, unit in OFFICERS:
        assert f"{officer}, {unit}" in body
    assert body.index("VI. GIẢI TRÌNH CỦA LÃNH ĐẠO") < body.index(written[0]) < body.index("VII. TÌNH HÌNH")


def test_it_watermarks_the_draft_of_an_unsigned_day_and_never_signs_it(app, commune, users):
    report = factories.make_report(commune, TODAY, users["staff"], difficulties=DIFFICULTIES)
    staff = signed_in(app, "staff")

    response = staff.get(f"/pdf/daily/{DAY}.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    pages = page_texts(pdf)
    assert all("BẢN NHÁP" in page for page in pages)  # the watermark, on every page
    assert "BẢN NHÁP — CHƯA KÝ, KHÔNG CÓ GIÁ TRỊ BÁO CÁO" in pages[0]
    assert DIFFICULTIES in text_of(pdf)
    assert signature_fields(pdf) == []
    assert b"/ByteRange" not in pdf
    documents.ensure_certificate(commune)
    assert not signature.verify_pdf(pdf, [commune_certificate()])
    kept = Path(app.instance_path) / "pdfs"
    assert not kept.exists() or list(kept.iterdir()) == []  # a draft is never kept as a signed file
    assert report.signed_revisions == 0


def test_it_serves_the_signed_pdf_instead_of_the_draft_once_the_day_is_signed(app, signed):
    pdf = signed_in(app, "staff").get(f"/pdf/daily/{DAY}.pdf").get_data()

    assert pdf == documents.revision_pdf(signed)
    assert "BẢN NHÁP" not in text_of(pdf)
    assert signature_fields(pdf) == [signature.SIGNER_FIELD, signature.ORGANISATION_FIELD]
    assert signature.verify_pdf(pdf, [commune_certificate()])


def test_it_prints_the_signature_block_with_signer_key_report_and_payload_hash(signed):
    pdf = documents.revision_pdf(signed)
    last = page_texts(pdf)[-1]

    assert LEADER_NAME in last
    assert "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in last  # the leader is a vice-chair
    assert f"Mã báo cáo: {signed.report_key}" in last
    assert f"SHA-256 nội dung: {signed.payload_sha256}" in last
    assert "bản sửa đổi" not in text_of(pdf)
    assert "Ký sau hạn" not in text_of(pdf)


def test_it_marks_a_late_revision_and_prints_the_reason(app, commune, users):
    name_leader(users)
    reason = "Lãnh đạo đi công tác ở huyện đảo, ký vào sáng hôm sau."
    revision = sign(commune, day_ready(commune, users, YESTERDAY), users, late_reason=reason)
    assert revision.late

    text = text_of(documents.revision_pdf(revision))

    assert f"Ký sau hạn báo cáo. Lý do: {reason}" in text
    assert f"Trung tâm Phục vụ hành chính công ngày {YESTERDAY:%d/%m/%Y}" in text


def test_it_says_which_revision_a_correction_supersedes_and_why(app, commune, users, signed):
    report = signed.report
    reason = "Bổ sung kết quả nổi bật theo yêu cầu của Sở Khoa học và Công nghệ."

    second = correct(commune, report, users, reason)

    text = text_of(documents.revision_pdf(second))
    assert second.revision == 2
    assert f"bản sửa đổi lần 1, thay thế bản {signed.report_key}. Lý do sửa đổi: {reason}" in text
    assert "Bổ sung: hoàn thành số hóa hồ sơ hộ tịch trong ngày." in text
    reviewer = signed_in(app, "reviewer")
    assert reviewer.get(f"/pdf/daily/{DAY}.pdf").get_data() == documents.revision_pdf(second)
    assert reviewer.get(f"/pdf/daily/{DAY}/r1.pdf").get_data() == documents.revision_pdf(signed)
    assert "bản sửa đổi" not in text_of(documents.revision_pdf(signed))
