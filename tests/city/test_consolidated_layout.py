"""The consolidated report laid out as Decree 30 lays out an official report, read back from the
signed PDF: its order, its page numbers, its fonts, its annex table (unconnected communes in one
sentence, headings broken between words), a PDF/A-3b file whose version and metadata agree."""

from __future__ import annotations

import io
import re

import pikepdf
from pypdf import PdfReader

from tests.factories import figures
from wardapp.core import ii06a
from wardapp.core.pdf import inputs

from .test_consolidated_signing import OCTOBER, director, october, sign  # noqa: F401 (fixtures)


def signed_pdf(director) -> bytes:  # noqa: F811
    assert sign(director).status_code == 303
    return director.get("/consolidated.pdf", query_string=OCTOBER).data


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_report_reads_in_the_order_a_reader_needs_and_the_detail_is_an_annex(city, october, director):  # noqa: F811
    pdf = signed_pdf(director)
    pages = pages_text(pdf)
    flat = " ".join(" ".join(p.split()) for p in pages)
    order = [
        "BÁO CÁO",
        "I. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ",
        "II. KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TRÊN TOÀN ĐỊA BÀN",
        "III. CÁC ĐƠN VỊ CẦN CHÚ Ý",
        "Nơi nhận:",
        "Phụ lục I TÌNH HÌNH, KẾT QUẢ",
    ]
    positions = [flat.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "(Kèm theo Báo cáo số 01/BC-SKHCN" in flat
    # Page numbers at the top from page 2 on; no "Trang n/N", no product name anywhere.
    assert not pages[0].strip().startswith("1")
    for number, text in enumerate(pages[1:], start=2):
        assert text.strip().split()[0] == str(number)
    assert "Trang " not in flat and "wardapp" not in flat.lower()
    # The signatures sit on the page of the signature block, before the annex.
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        signed_pages = {
            index
            for index, page in enumerate(opened.pages)
            for annot in page.get("/Annots") or []
            if annot.get("/FT") == "/Sig"
        }
    block = next(i for i, p in enumerate(pages) if "Nơi nhận" in p)
    annex = next(i for i, p in enumerate(pages) if "Phụ lục I" in p and "(Kèm theo" in p)
    assert signed_pages == {block} and block < annex


def test_unconnected_communes_are_one_sentence_and_the_table_lists_the_connected(city, october, director):  # noqa: F811
    pages = pages_text(signed_pdf(director))
    annex = " ".join(" ".join(p.split()) for p in pages if "(Kèm theo" in p)
    sentence = re.search(r"Chưa kết nối hệ thống \(không có số liệu\): (\d+) đơn vị, gồm: ([^.]*)\.", annex)
    assert sentence is not None and int(sentence.group(1)) == 94 - 3  # Đà Nẵng: 94 communes, 3 connected
    assert "Phường Hòa Khánh" in sentence.group(2) or "Phường Hoà Khánh" in sentence.group(2)
    table = annex[: sentence.start()]
    assert "Phường Hải Châu" in table and "Phường Liên Chiểu" in table  # connected (one silent) are rows
    assert "Khánh" not in table  # an unconnected commune is no row of dashes
    # Every column of the form numbered as the form numbers it, (1)–(13).
    assert all(f"({n})" in table for n in range(1, 14))


def test_the_tables_headings_break_between_words_only(city, october, director):  # noqa: F811
    pages = pages_text(signed_pdf(director))
    annex = next(p for p in pages if "(Kèm theo" in p)
    words = set(annex.split())
    for column in ii06a.COLUMNS:
        for word in str(column.label).replace(":", " ").replace(",", " ").split():
            assert word in {w.strip(":,") for w in words}, word


def test_the_signed_file_is_pdfa_3b_at_version_1_7_with_one_producer_and_embedded_serif_fonts(
    city,
    october,  # noqa: F811
    director,  # noqa: F811
):
    pdf = signed_pdf(director)
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        assert opened.pdf_version == "1.7" and "/Version" not in opened.Root and "/Extensions" not in opened.Root
        meta = opened.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert str(opened.docinfo["/Producer"]) == meta["pdf:Producer"]
        fonts = set()
        for page in opened.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                fonts.add(str(font.BaseFont))
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert "/FontFile2" in descriptor, font.BaseFont  # embedded
    assert fonts and all("LiberationSerif" in name for name in fonts), fonts


def test_the_communes_daily_document_numbers_the_form_columns_3_to_13():
    numbers = inputs.summary_table(figures())[2]
    assert numbers == [f"({n})" for n in range(3, 14)]
