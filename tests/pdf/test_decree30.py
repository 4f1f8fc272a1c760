"""The documents read back as Decree 30/2020/NĐ-CP (Appendix I) lays them out, and archive as PDF/A-3b.

Measured from the PDF itself with pdfplumber (every character's font, size and position) and
pikepdf (the file's structure), the way a reviewer's tools would see it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
from collections import Counter

import pdfplumber
import pikepdf
import pytest

from wardapp.core import clock, payload
from wardapp.core.pdf import archive, document, official
from wardapp.extensions import db
from wardapp.signing import documents

from ..helpers import signed_in
from .conftest import (
    LEADER_NAME,
    TODAY,
    YESTERDAY,
    correct,
    day_ready,
    flat,
    name_leader,
    sign,
)

MM = 72 / 25.4
SERIF = ("LiberationSerif", "Tinos")


def chars_of(pdf: bytes) -> list[list[dict]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [[dict(c) for c in page.chars if c["text"].strip()] for page in doc.pages]


def lines_of(pdf: bytes) -> list[list[str]]:
    """The lines of each page as a person reads them: a draft's diagonal "BẢN NHÁP" watermark (72 pt,
    far above any size the decree allows) is not part of any line."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [[flat(line["text"]) for line in page.filter(_not_watermark).extract_text_lines()] for page in doc.pages]


def _not_watermark(obj: dict) -> bool:
    return obj.get("object_type") != "char" or obj.get("size", 0) < 40


def line_chars(chars: list[dict], text: str) -> list[dict]:
    """The characters of the first text line that contains ``text``."""
    rows: dict[int, list[dict]] = {}
    for c in chars:
        rows.setdefault(round(c["top"]), []).append(c)
    for _top, row in sorted(rows.items()):
        row.sort(key=lambda c: c["x0"])
        joined = "".join(c["text"] for c in row)
        if text.replace(" ", "") in joined:
            start = joined.index(text.replace(" ", ""))
            return row[start : start + len(text.replace(" ", ""))]
    raise AssertionError(f"{text!r} not found")


def font_of(chars: list[dict]) -> tuple[str, float]:
    names = {c["fontname"].split("+")[-1] for c in chars}
    sizes = {round(c["size"], 1) for c in chars}
    assert len(names) == 1 and len(sizes) == 1, (names, sizes)
    return names.pop(), sizes.pop()


@pytest.fixture
def daily(signed) -> bytes:
    return documents.revision_pdf(signed)


# --- Wording the decree fixes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 5), "Hải Châu, ngày 05 tháng 11 năm 2026"),
        (dt.date(2026, 1, 1), "Hải Châu, ngày 01 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "Hải Châu, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 9), "Hải Châu, ngày 09 tháng 3 năm 2026"),
        (dt.date(2026, 12, 10), "Hải Châu, ngày 10 tháng 12 năm 2026"),
    ],
)
def test_the_date_line_pads_days_below_10_and_only_january_and_february(day, expected):
    assert official.place_date_line("Hải Châu", day) == expected


def test_the_signature_block_words_the_authority_for_the_signers_position():
    assert official.signer_titles("Phó Chủ tịch UBND phường") == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert official.signer_titles("Chủ tịch UBND xã") == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert official.document_number(5, "BC-UBND") == "05/BC-UBND"
    assert official.document_number(123, "BC-UBND") == "123/BC-UBND"


# --- The daily report, read back ---------------------------------------------------------------


def test_the_daily_report_is_set_in_the_serif_at_the_decrees_sizes(daily):
    pages = chars_of(daily)
    first = pages[0]
    everything = [c for page in pages for c in page]
    assert {c["fontname"].split("+")[-1].split("-")[0] for c in everything} <= set(SERIF)
    assert all(c["non_stroking_color"] in ((0,), (0, 0, 0), 0, None, [0], [0, 0, 0]) for c in everything)
    assert font_of(line_chars(first, "ỦY BAN NHÂN DÂN")) == ("LiberationSerif-Bold", 13.0)
    assert font_of(line_chars(first, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))[1] in (12.0, 13.0)
    assert font_of(line_chars(first, "Độc lập - Tự do - Hạnh phúc"))[0] == "LiberationSerif-Bold"
    assert font_of(line_chars(first, "Số:")) == ("LiberationSerif", 13.0)
    assert font_of(line_chars(first, "Hải Châu, ngày"))[0] == "LiberationSerif-Italic"
    assert font_of(line_chars(first, "BÁO CÁO")) == ("LiberationSerif-Bold", 14.0)
    # The body text (everything outside tables) is 13–14 pt; tables and "Nơi nhận" are 11–12 pt.
    sizes = Counter(round(c["size"]) for c in everything)
    assert sizes.most_common(1)[0][0] in (11, 13)
    assert set(sizes) <= {9, 11, 12, 13, 14}  # 9: the trend chart's axis labels only
    opening = line_chars(first, "báo cáo tình hình hoạt động")
    assert font_of(opening) == ("LiberationSerif", 13.0)


def test_the_margins_are_the_decrees(daily):
    for number, page in enumerate(chars_of(daily), 1):
        with pdfplumber.open(io.BytesIO(daily)) as doc:
            width, height = doc.pages[number - 1].width, doc.pages[number - 1].height
        body = [c for c in page if c["top"] > 20 * MM - 1]  # the page number sits in the top margin
        assert min(c["x0"] for c in body) >= 30 * MM - 0.5, number  # left 30–35 mm
        assert width - max(c["x1"] for c in body) >= 15 * MM - 0.5, number  # right 15–20 mm
        assert height - max(c["bottom"] for c in page) >= 20 * MM - 0.5, number  # bottom 20–25 mm
        assert min(c["top"] for c in body) <= 30 * MM  # the text starts near the top margin
    assert min(c["top"] for c in chars_of(daily)[0]) >= 20 * MM - 0.5  # page 1: nothing above 20 mm


def test_the_daily_report_has_the_heading_number_title_signer_and_recipients(signed, daily):
    lines = lines_of(daily)
    first = " | ".join(lines[0])
    assert "ỦY BAN NHÂN DÂN | PHƯỜNG HẢI CHÂU" in first or "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Độc lập - Tự do - Hạnh phúc" in first
    assert f"Số: {signed.document_number}" in first
    assert official.place_date_line("Hải Châu", TODAY) in first
    assert "| BÁO CÁO |" in first
    assert f"Tình hình hoạt động của Trung tâm Phục vụ hành chính công ngày {TODAY:%d/%m/%Y}" in first.replace(
        " | ", " "
    )
    last = " | ".join(lines[-1])
    assert "Nơi nhận:" in last and "TM. ỦY BAN NHÂN DÂN" in last
    assert "KT. CHỦ TỊCH" in last and "PHÓ CHỦ TỊCH" in last and LEADER_NAME in last
    assert "- Lưu: VT, TTPVHCC." in last
    # The issuer in the header and the signature block name the same body.
    assert "UBND" not in first.split("|")[0]


def test_page_numbers_start_on_page_2_at_the_top_centre(daily):
    with pdfplumber.open(io.BytesIO(daily)) as doc:
        assert len(doc.pages) > 1
        first_top = [w for w in doc.pages[0].extract_words() if w["top"] < 20 * MM]
        assert first_top == []  # nothing in page 1's top margin
        for number, page in enumerate(doc.pages[1:], 2):
            top = [w for w in page.extract_words() if w["top"] < 20 * MM]
            assert [w["text"] for w in top] == [str(number)]
            centre = (top[0]["x0"] + top[0]["x1"]) / 2
            text_centre = 30 * MM + (page.width - 45 * MM) / 2
            assert abs(centre - text_centre) < 2
            bottom = [w for w in page.extract_words() if w["bottom"] > page.height - 20 * MM]
            assert bottom == []  # no footer any more


def test_no_page_holds_only_the_signature_block(app, commune, users):
    """Whatever the length of the body, the signature block comes with body text on its page."""
    name_leader(users)
    for photos in (1, 4, 7):
        day = TODAY - dt.timedelta(days=photos)
        revision = sign(commune, day_ready(commune, users, day, photos=photos, late=photos % 3), users, "Muộn.")
        pages = lines_of(documents.revision_pdf(revision))
        last = pages[-1]
        where = next(i for i, line in enumerate(last) if "Nơi nhận" in line)
        before = [line for line in last[:where] if not line.isdigit()]
        assert before, (photos, last)  # at least the closing line sits above the block


def test_the_stamp_and_every_font_are_embedded_with_no_helvetica(daily):
    pdffonts = shutil.which("pdffonts")
    assert pdffonts, "poppler-utils is required (.ci/system-packages.txt)"
    out = subprocess.run([pdffonts, "-"], input=daily, capture_output=True, check=True).stdout.decode()
    rows = out.splitlines()[2:]
    assert rows and "Helvetica" not in out
    assert all(row.split()[-5] == "yes" for row in rows), out  # the "emb" column


# --- Archivable: PDF/A-3b and its associated files ------------------------------------------------


def test_the_daily_report_is_pdf_a_3b_with_the_signed_payload_and_jws_attached(signed, daily):
    with pikepdf.open(io.BytesIO(daily)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
        assert bytes(intent.DestOutputProfile.read_bytes())[36:40] == b"acsp"  # an ICC profile
        assert str(pdf.docinfo.Title) == meta["dc:title"]
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.get("/FontDescriptor")
                assert descriptor is not None and "/FontFile2" in descriptor, font.BaseFont
        relationships = {str(spec.UF): str(spec.AFRelationship) for spec in pdf.Root.AF}
        names = list(pdf.Root.Names.EmbeddedFiles.Names)
        assert {str(n) for n in names[::2]} == set(relationships)
    attached = archive.attachments_of(daily)
    stem = signed.report_key.replace(":", "_")
    assert relationships == {f"{stem}.payload.json": "/Source", f"{stem}.jws": "/Supplement"}
    body = attached[f"{stem}.payload.json"]
    assert body == signed.payload
    assert hashlib.sha256(body).hexdigest() == signed.payload_sha256
    jws = attached[f"{stem}.jws"].decode()
    assert jws == signed.jws
    part = jws.split(".")[1]
    assert base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) == body


def test_the_qr_code_holds_the_city_verification_url_with_the_payload_hash(app, commune, users, tmp_path):
    zbarimg, pdftoppm = shutil.which("zbarimg"), shutil.which("pdftoppm")
    assert zbarimg and pdftoppm, "zbar-tools and poppler-utils are required (.ci/system-packages.txt)"
    app.config["CITY_URL"] = "https://giamsat.danang.example.vn/"
    name_leader(users)
    revision = sign(commune, day_ready(commune, users, TODAY), users)
    pdf = documents.revision_pdf(revision)
    (tmp_path / "d.pdf").write_bytes(pdf)
    pages = len(lines_of(pdf))
    subprocess.run(
        [
            pdftoppm,
            "-r",
            "200",
            "-png",
            "-f",
            str(pages),
            "-l",
            str(pages),
            str(tmp_path / "d.pdf"),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    image = next(tmp_path.glob("p*.png"))
    found = subprocess.run([zbarimg, "-q", "--raw", str(image)], capture_output=True, check=True).stdout.decode()
    embedded = archive.attachments_of(pdf)[revision.report_key.replace(":", "_") + ".payload.json"]
    digest = hashlib.sha256(embedded).hexdigest()
    url = f"https://giamsat.danang.example.vn/xac-thuc/{revision.report_key}?sha256={digest}"
    assert found.strip() == url
    assert url in " ".join(" ".join(page) for page in lines_of(pdf)).replace(" ", "") or url[:60] in " ".join(
        lines_of(pdf)[-1]
    )


# --- A function of what was signed -------------------------------------------------------------


def test_rebuilding_a_signed_revision_after_other_days_change_gives_the_same_bytes(app, commune, users):
    name_leader(users)
    earlier = day_ready(commune, users, YESTERDAY - dt.timedelta(days=1))
    revision = sign(commune, day_ready(commune, users, YESTERDAY), users, "Ký muộn vì mất điện.")
    first = document.build_daily(documents.revision_input(revision)).data
    trend = json.loads(revision.payload)["trend"]
    assert len(trend["days"]) == 30 and trend["days"][-1] == YESTERDAY.isoformat()

    earlier.received_online += 7  # another day changes after the signature
    day_ready(commune, users, TODAY)  # and a new day is entered
    db.session.commit()

    assert document.build_daily(documents.revision_input(revision)).data == first


# --- The register ------------------------------------------------------------------------------


def test_each_signature_takes_the_next_number_of_the_year_with_the_communes_symbol(app, commune, users):
    name_leader(users)
    commune.document_symbol = "BC-TTPVHCC"
    db.session.commit()
    first = sign(commune, day_ready(commune, users, YESTERDAY), users, "Muộn.")
    second = sign(commune, day_ready(commune, users, TODAY), users)

    year = clock.now().year
    assert (first.register_year, first.register_number, first.document_number) == (year, 1, "01/BC-TTPVHCC")
    assert (second.register_number, second.document_number) == (2, "02/BC-TTPVHCC")
    assert json.loads(second.payload)["document_number"] == "02/BC-TTPVHCC"
    assert payload.sha256(second.payload) == second.payload_sha256
    text = " ".join(lines_of(documents.revision_pdf(second))[0])
    assert "Số: 02/BC-TTPVHCC" in text


def test_the_admin_sets_the_symbol_and_a_bad_one_is_refused_next_to_the_field(app, commune, users):
    admin = signed_in(app, "admin")
    bad = admin.post("/settings", data={"deadline": "17:00", "document_symbol": "bc ủy ban!"})
    assert bad.status_code == 422 and "Ký hiệu gồm chữ in hoa" in bad.get_data(as_text=True)
    db.session.refresh(commune)
    assert commune.document_symbol == "BC-UBND"
    good = admin.post("/settings", data={"deadline": "17:00", "document_symbol": "bc-ubnd-tt"})
    assert good.status_code == 303
    db.session.refresh(commune)
    assert commune.document_symbol == "BC-UBND-TT"


# --- Month documents ---------------------------------------------------------------------------


def test_the_month_summary_starts_with_text_and_separates_late_signatures_from_corrections(
    app, commune, users, frozen_clock
):
    name_leader(users)
    late = sign(commune, day_ready(commune, users, YESTERDAY), users, "Mất điện.")
    on_time = sign(commune, day_ready(commune, users, TODAY), users)
    assert late.late and not on_time.late
    # The city returns today's report; the leader corrects it in the evening, after the deadline.
    frozen_clock.move_to(dt.datetime.combine(TODAY, dt.time(20, 0), tzinfo=clock.TZ))
    corrected = correct(commune, on_time.report, users, "Thành phố yêu cầu bổ sung.", "Sửa theo yêu cầu.")
    assert corrected.late  # the revision itself came after the deadline...

    pdf = signed_in(app, "leader").get(f"/pdf/month/{TODAY:%Y-%m}.pdf").get_data()
    lines = lines_of(pdf)
    assert len(lines[0]) > 10  # page 1 holds the heading and the opening text, never blank
    text = " ".join(" ".join(page) for page in lines)
    assert "Số: /BC-UBND" in text
    # ...but the day's first signature was on time: a correction, not "Ký muộn".
    assert f"{TODAY:%d/%m} Đã ký, bản 2" in text and f"{TODAY:%d/%m} Ký muộn" not in text
    assert f"{YESTERDAY:%d/%m} Ký muộn" in text
    assert "Nơi nhận:" in text and "TM. ỦY BAN NHÂN DÂN" in text


def test_today_is_not_yet_due_before_the_deadline(app, commune, users):
    pdf = signed_in(app, "leader").get(f"/pdf/month/{TODAY:%Y-%m}.pdf").get_data()
    text = " ".join(" ".join(page) for page in lines_of(pdf))
    assert f"{TODAY:%d/%m} Chưa đến hạn" in text  # noon, the deadline is 17:00
    if TODAY.day > 1:
        assert f"{YESTERDAY:%d/%m} Chưa báo cáo" in text


def test_the_longest_unit_name_stays_inside_the_margins():
    """ "Phường Văn Miếu - Quốc Tử Giám" is the widest name: the issuer wraps, the date line shifts."""
    from .test_daily_document import plain_input

    name = "Phường Văn Miếu - Quốc Tử Giám"
    heading = official.Heading(
        issuer=official.issuer_of(name),
        number="05/BC-UBND",
        symbol="BC-UBND",
        place_date=official.place_date_line(official.place_name(name), dt.date(2026, 12, 28)),
        doc_type="BÁO CÁO",
        summary="Tình hình hoạt động",
    )
    pdf = document.build_daily(plain_input(heading=heading, commune_name=name)).data
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        chars = [c for c in page.chars if c["text"].strip()]
        assert min(c["x0"] for c in chars) >= 30 * MM - 0.5
        assert page.width - max(c["x1"] for c in chars) >= 15 * MM - 0.5
        text = flat(page.extract_text())
    assert (
        "PHƯỜNG VĂN MIẾU" in text
        and "QUỐC TỬ GIÁM" in text
        and "Văn Miếu - Quốc Tử Giám, ngày 28 tháng 12 năm 2026" in text
    )
