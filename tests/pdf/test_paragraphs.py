"""The documents' paragraphs (core/pdf/paragraphs.Para): cheaper to make and lay out, and the
documents they make are byte for byte those ReportLab's own paragraphs make."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, Table
from reportlab.platypus import paragraph as reportlab_paragraph

from wardapp.core.pdf import consolidated, document, fonts, inputs, monthly, official
from wardapp.core.pdf.paragraphs import Para
from wardapp.core.pdf.style import STYLES, esc

from .. import factories
from .test_daily_document import plain_input

LONG = "Đường truyền mạng chập chờn buổi chiều; hồ sơ liên thông chưa đồng bộ với Cổng quốc gia. " * 40


def rich_input() -> document.DailyInput:
    """Every table of the report, markup characters, line breaks, and a narrative long enough to be
    split across pages."""
    return plain_input(
        team_lines=["Quyết định 125/QĐ-UBND ngày 15/07/2025 <của Chủ tịch> & các thành viên:"],
        team_members=[
            ["Lê Thị Hằng", "Phó Chủ tịch UBND", "UBND phường", "Cả hai"],
            ["Trần Minh Quân", "Chuyên viên CNTT", "Trung tâm PVHCC", "Công nghệ"],
        ],
        tasks=[
            ["NV-01", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực", "05/12/2026", "80%", ""],
            ["NV-02", "Niêm yết thủ tục\nsau sắp xếp & sáp nhập", "30/11/2026", "60%", "Chậm tiến độ"],
        ],
        explanations=[
            ("Nhiệm vụ NV-02 chậm tiến độ", "Thiếu máy quét A3 <khổ lớn>", "Bố trí thêm", "07/12/2026", "Ông A")
        ],
        late_dossiers=[["Giải quyết trễ", "2", "Đăng ký khai sinh", "Nguyễn Thị Lan", "Chờ xác minh", "Có"]],
        narrative=[("Kết quả nổi bật", LONG), ("Khó khăn, vướng mắc", "Không có."), ("Đề xuất, kiến nghị", "—")],
    )


def month_data() -> inputs.MonthInput:
    first = dt.date(2026, 10, 1)
    days = {
        first + dt.timedelta(days=i): inputs.SignedDay(
            factories.figures(received_in_person=14 + i % 5, resolved_on_time=16 + i % 5), i % 9 == 0, 1 + (i % 11 == 0)
        )
        for i in range(31)
    }
    now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    return inputs.month_input("Phường Hải Châu", "Thành phố Đà Nẵng", "20242", first, days, now, dt.time(17, 0))


def with_reportlab_paragraphs(monkeypatch) -> None:
    for module in (document, official, monthly, consolidated):
        monkeypatch.setattr(module, "Para", Paragraph)


def test_the_daily_report_is_the_same_bytes_as_with_reportlabs_paragraphs(monkeypatch):
    data = rich_input()
    ours = document.build_daily(data)
    assert ours.pages >= 3  # the long narrative went over pages: paragraphs were split

    with_reportlab_paragraphs(monkeypatch)
    theirs = document.build_daily(data)

    assert ours.data == theirs.data
    assert ours.signature_rect == theirs.signature_rect


def test_the_month_summary_is_the_same_bytes_as_with_reportlabs_paragraphs(monkeypatch):
    data = month_data()
    ours = monthly.build_month(data)

    with_reportlab_paragraphs(monkeypatch)

    assert monthly.build_month(data).data == ours.data


def test_plain_text_skips_the_parser_and_markup_does_not():
    fonts.register()
    for style in STYLES.values():
        for text in ("12", "Nguyễn Văn  Lãnh\n  (Phó Chủ tịch)", "42,5%"):
            ours, theirs = Para(text, style), Paragraph(text, style)
            assert ours.text == theirs.text
            assert [f.__dict__ for f in ours.frags] == [f.__dict__ for f in theirs.frags]

    marked = f"<b>{esc('A & B')}</b> thường"
    bold = Para(marked, STYLES["cell"])
    assert "".join(f.text for f in bold.frags) == "A & B thường"
    assert [f.bold for f in bold.frags] == [1, 1, 1, 0]
    assert [f.__dict__ for f in bold.frags] == [f.__dict__ for f in Paragraph(marked, STYLES["cell"]).frags]


def test_a_table_breaks_each_cell_into_lines_once(monkeypatch):
    """ReportLab measures a cell to size its row, then again to draw it: the second time the lines
    are the ones already broken."""
    fonts.register()
    broken = []
    original = reportlab_paragraph.Paragraph.breakLines

    def counting(self, widths):
        broken.append(self.text)
        return original(self, widths)

    monkeypatch.setattr(reportlab_paragraph.Paragraph, "breakLines", counting)
    cells = [[Para(f"Ô {r}.{c}: {LONG[:80]}", STYLES["cell"]) for c in range(3)] for r in range(4)]
    table = Table(cells, colWidths=[120, 150, 130])
    page = canvas.Canvas(io.BytesIO())
    table.wrapOn(page, 400, 700)
    table.drawOn(page, 20, 20)
    page.save()

    assert sorted(broken) == sorted(p.text for row in cells for p in row)
    assert all(p.height > STYLES["cell"].leading for row in cells for p in row)  # several lines each


def test_a_width_too_narrow_to_break_lines_is_not_remembered():
    fonts.register()
    cell = Para(f"Ô: {LONG[:120]}", STYLES["cell"])
    theirs = Paragraph(f"Ô: {LONG[:120]}", STYLES["cell"])

    assert cell.wrap(150, 500) == theirs.wrap(150, 500)
    assert cell.wrap(0, 500) == theirs.wrap(0, 500) == (0, 0x7FFFFFFF)  # ReportLab's "cannot fit here"
    assert cell.wrap(0, 500) == (0, 0x7FFFFFFF)  # asked again: still no lines
    assert cell.wrap(90, 500) == theirs.wrap(90, 500)
    assert cell.wrap(150, 500) == theirs.wrap(150, 500)
    assert len(cell.blPara.lines) == len(theirs.blPara.lines) > 1
