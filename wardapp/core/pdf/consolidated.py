"""The city's consolidated report for a period and its provinces, laid out as Decree 30/2020
(Appendix I) lays out an official report (``official.py``): the department's heading, its number
and the place-and-date line, the report itself in the order a reader needs it (the province's
figures, who needs attention), the signature block with "Nơi nhận", then the detail as annexes on
landscape pages: the II.06a table of the connected communes and the leaders' explanations.

A pure builder from plain data like ``monthly.build_month``; the city signs the result with the
department's certificate (``signature.sign_document``), on the page of the signature block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import NextPageTemplate, PageBreak, Paragraph, Spacer, Table

from wardapp.core.pdf import fonts, official
from wardapp.core.pdf.document import verification_flow
from wardapp.core.pdf.official import CONTENT_W, WIDE_CONTENT_W
from wardapp.core.pdf.paragraphs import Para
from wardapp.core.pdf.style import STYLES, esc, grid_style

# The annex table's cells: smaller than the body (a table is not sized by the decree), and its
# headings never break inside a word ("Trước/hạn", never "Trướ/c hạn").
HEAD = ParagraphStyle(
    "consolidated_head", parent=STYLES["cell_head"], fontSize=9, leading=10.5, splitLongWords=0, alignment=TA_CENTER
)
NUMBER = ParagraphStyle("consolidated_number", parent=STYLES["cell_index"], fontSize=8.5, leading=10)
CELL = ParagraphStyle("consolidated_cell", parent=STYLES["cell"], fontSize=9.5, leading=11, splitLongWords=0)
CELL_NUM = ParagraphStyle("consolidated_num", parent=STYLES["cell_num"], fontSize=9.5, leading=11)
CELL_BOLD = ParagraphStyle("consolidated_bold", parent=CELL, fontName=fonts.BOLD)
CELL_NUM_BOLD = ParagraphStyle("consolidated_num_bold", parent=CELL_NUM, fontName=fonts.BOLD)
LIST_HEAD = ParagraphStyle("consolidated_list_head", parent=STYLES["cell_head"], splitLongWords=0)


@dataclass(frozen=True)
class TableInput:
    groups: list[tuple[str, int]]  # upper headings over the count columns and how many each spans
    labels: list[str]  # the lower headings: TT, unit, the count columns, the rates
    numbers: list[str]  # "(1)", "(2)", … as the form numbers its columns; "" for the rates
    rows: list[list[str]]  # already formatted
    total: list[str]
    counts: int  # how many count columns follow TT and the unit


@dataclass(frozen=True)
class ConsolidatedInput:
    heading: official.Heading
    signer: official.Signer
    meta: official.Archival
    authority: str  # "Sở Khoa học và Công nghệ": the annexes say whose report they go with
    facts: list[str]  # sentences: the scope, reports received, late, missing
    not_connected: str  # one sentence naming the units not connected ("" when all are)
    rates: list[tuple[str, str, str]]  # label, value, how it is computed
    attention: list[list[str]]  # TT, unit, days missing, days late, days returned
    closing: str  # the last sentence before the signature
    table: TableInput
    explanations: list[list[str]]  # unit, day, item, cause, remedy, responsible
    draft: bool = False
    annex_reference: str = ""  # "(Kèm theo Báo cáo số 05/BC-SKHCN ngày 01/12/2026 của …)"
    notes: list[str] = field(default_factory=list)  # printed under the facts (e.g. a "to date" period)
    # The signed edition's QR code: the public page that says whether it is authentic and current.
    verify_target: str = ""
    document_id: str = ""
    payload_sha256: str = ""  # of the embedded JSON


def _section(title: str) -> Paragraph:
    return Para(esc(title), STYLES["section"])


def _grid(header: list[str], rows: list[list[str]], widths: list[float], numeric: tuple[int, ...] = ()) -> Table:
    """A simple grid on the portrait page; the ``numeric`` columns are right-aligned."""

    def cell(text: str, column: int) -> Paragraph:
        return Para(esc(text), STYLES["cell_num" if column in numeric else "cell"])

    body = [[Para(esc(h), LIST_HEAD) for h in header]]
    body += [[cell(c, i) for i, c in enumerate(row)] for row in rows]
    table = Table(body, colWidths=[w * CONTENT_W for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(grid_style(1))
    return table


def _widths(t: TableInput) -> list[float]:
    """TT, the unit's name, the counts, the rates: in points, filling the landscape text width."""
    rest = len(t.labels) - 2 - t.counts
    tt, unit, count, rate = 22.0, 118.0, 40.0, 0.0
    rate = (WIDE_CONTENT_W - tt - unit - count * t.counts) / max(rest, 1)
    return [tt, unit] + [count] * t.counts + [rate] * rest


def _ii06a(t: TableInput) -> Table:
    """Two heading rows (the groups merged over their columns) and the row of column numbers,
    repeated on every page; one row per connected unit, then the total."""
    rest = len(t.labels) - 2 - t.counts
    top: list[Any] = [Para(esc(t.labels[0]), HEAD), Para(esc(t.labels[1]), HEAD)]
    for label, span in t.groups:
        top += [Para(esc(label), HEAD)] + [""] * (span - 1)
    top += [Para("Tỷ lệ (tính từ số liệu)", HEAD)] + [""] * (rest - 1)
    sub = ["", ""] + [Para(esc(label), HEAD) for label in t.labels[2:]]
    numbers = [Para(esc(n), NUMBER) for n in t.numbers]

    def line(values: list[str], bold: bool = False) -> list[Any]:
        text, num = (CELL_BOLD, CELL_NUM_BOLD) if bold else (CELL, CELL_NUM)
        return [Para(esc(v), num if i >= 2 or i == 0 else text) for i, v in enumerate(values)]

    body = [top, sub, numbers] + [line(r) for r in t.rows] + [line(t.total, bold=True)]
    table = Table(body, colWidths=_widths(t), repeatRows=3, hAlign="LEFT")
    style = grid_style(3)
    style.add("SPAN", (0, 0), (0, 1))
    style.add("SPAN", (1, 0), (1, 1))
    col = 2
    for _label, span in t.groups:
        style.add("SPAN", (col, 0), (col + span - 1, 0))
        col += span
    style.add("SPAN", (col, 0), (col + rest - 1, 0))
    style.add("LEFTPADDING", (0, 0), (-1, -1), 2)
    style.add("RIGHTPADDING", (0, 0), (-1, -1), 2)
    table.setStyle(style)
    return table


def _annex_heading(number: str, title: str, reference: str) -> list[Any]:
    return [
        Para(f"<b>Phụ lục {esc(number)}</b>", STYLES["title"]),
        Para(esc(title), STYLES["summary"]),
        Para(f"<i>{esc(reference)}</i>", STYLES["caption"]),
        Spacer(1, 4 * mm),
    ]


def _body(data: ConsolidatedInput) -> list[Any]:
    story: list[Any] = [_section("I. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ")]
    story += [Para(esc(sentence), STYLES["body"]) for sentence in data.facts]
    if data.not_connected:
        story.append(Para(esc(data.not_connected), STYLES["body"]))
    story += [Para(esc(note), STYLES["note"]) for note in data.notes]
    story.append(_section("II. KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TRÊN TOÀN ĐỊA BÀN"))
    story.append(_grid(["Chỉ tiêu", "Kết quả", "Cách tính"], [list(r) for r in data.rates], [0.34, 0.14, 0.52], (1,)))
    story.append(_section("III. CÁC ĐƠN VỊ CẦN CHÚ Ý"))
    if data.attention:
        story.append(
            Para(
                "Các đơn vị đã kết nối nhưng chưa báo cáo, báo cáo muộn hoặc có báo cáo bị trả lại trong kỳ:",
                STYLES["body"],
            )
        )
        header = ["TT", "Đơn vị", "Số ngày chưa báo cáo", "Số ngày nộp muộn", "Số báo cáo bị trả lại"]
        story.append(_grid(header, data.attention, [0.07, 0.45, 0.16, 0.16, 0.16], (0, 2, 3, 4)))
    else:
        story.append(Para("Mọi đơn vị đã kết nối đều báo cáo đúng hạn trong kỳ.", STYLES["body"]))
    story.append(_section("IV. SỐ LIỆU CHI TIẾT"))
    detail = "Số liệu của từng đơn vị theo mẫu II.06a tại Phụ lục I"
    detail += "; giải trình của lãnh đạo các đơn vị tại Phụ lục II." if data.explanations else "."
    story.append(Para(esc(detail), STYLES["body"]))
    if data.verify_target:
        story += [Spacer(1, 2 * mm), verification_flow(data.verify_target, data.document_id, data.payload_sha256)]
    return story


def _annexes(data: ConsolidatedInput) -> list[Any]:
    story: list[Any] = [NextPageTemplate("wide"), PageBreak()]
    story += _annex_heading(
        "I",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH CỦA CÁC ĐƠN VỊ (MẪU II.06a)",
        data.annex_reference,
    )
    story.append(_ii06a(data.table))
    if data.not_connected:
        story += [Spacer(1, 2 * mm), Para(esc(data.not_connected), STYLES["caption"])]
    if data.explanations:
        story += [PageBreak()]
        story += _annex_heading("II", "GIẢI TRÌNH CỦA LÃNH ĐẠO CÁC ĐƠN VỊ", data.annex_reference)
        header = ["Đơn vị", "Ngày", "Nội dung chậm", "Nguyên nhân", "Biện pháp khắc phục", "Người chịu trách nhiệm"]
        widths = [0.16, 0.08, 0.2, 0.2, 0.2, 0.16]
        body = [[Para(esc(h), LIST_HEAD) for h in header]]
        body += [[Para(esc(c), STYLES["cell"]) for c in row] for row in data.explanations]
        table = Table(body, colWidths=[w * WIDE_CONTENT_W for w in widths], repeatRows=1, hAlign="LEFT")
        table.setStyle(grid_style(1))
        story.append(table)
    return story


def build_consolidated(data: ConsolidatedInput) -> official.Built:
    """The consolidated report; ``signature_rect`` and ``signature_page`` say where the signature
    goes (the page of the signature block: the annexes follow it)."""
    sink: official.Sink = {}
    story = official.heading_flow(data.heading)
    story += _body(data)
    closing = [Para(esc(data.closing), STYLES["body"])]
    story.append(official.signature_flow(data.signer, sink, draft=data.draft, tail=closing))
    story += _annexes(data)
    return official.build(story, sink, meta=data.meta, draft=data.draft, annexed=True)
