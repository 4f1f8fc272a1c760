"""The city's consolidated report for a period: the II.06a table across its units, the province's
rates, the communes late or missing and the explanations their leaders gave.

A pure builder from plain data like ``document.build_daily``; the city signs the result with its
department's certificate (``signature.sign_pdf``). Layout choices (margins, orientation, heading)
sit at the top and in ``_heading``/``_signature`` so the official-document layout can replace them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as canvas_module
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from wardapp.core.pdf import fonts
from wardapp.core.pdf.official import Built as BuiltPdf
from wardapp.core.pdf.official import SignatureSlot
from wardapp.core.pdf.paragraphs import Para
from wardapp.core.pdf.style import STYLES, esc, grid_style

PAGE = landscape(A4)  # the II.06a table needs the width
LEFT, RIGHT, TOP, BOTTOM = 30 * mm, 15 * mm, 20 * mm, 20 * mm  # Decree 30 margins
CONTENT_W = PAGE[0] - LEFT - RIGHT
SIGNATURE_BOX = (80 * mm, 26 * mm)


@dataclass(frozen=True)
class TableInput:
    groups: list[tuple[str, int]]  # upper headings over the count columns and how many each spans
    labels: list[str]  # the lower headings: TT, unit, the count columns, the rates
    numbers: list[str]  # "(1)", "(2)", …
    rows: list[list[str]]  # already formatted
    total: list[str]
    counts: int  # how many count columns follow TT and the unit


@dataclass(frozen=True)
class ConsolidatedInput:
    parent_authority: str  # "UBND THÀNH PHỐ ĐÀ NẴNG"
    authority: str  # "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    number_line: str  # "Số: …/BC-SKHCN"
    place_date_line: str  # "Đà Nẵng, ngày 30 tháng 11 năm 2026"
    summary_line: str  # what the report is about, for which period
    doc_id: str
    rates: list[tuple[str, str, str]]  # label, value, how it is computed
    facts: list[str]  # sentences: reports received, late, missing
    table: TableInput
    late_or_missing: list[list[str]]  # TT, unit, days missing, days late, days returned
    explanations: list[list[str]]  # unit, day, item, cause, remedy, responsible
    signer_position: str
    signer_name: str
    recipients: list[str] = field(default_factory=list)


def _heading(data: ConsolidatedInput) -> list[Any]:
    s = STYLES
    left = [
        Para(esc(data.parent_authority.upper()), s["head_center"]),
        Para(f"<b>{esc(data.authority.upper())}</b>", s["head_center"]),
        Para(esc(data.number_line), s["small_center"]),
    ]
    right = [
        Para("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", s["head_center"]),
        Para("<b><u>Độc lập - Tự do - Hạnh phúc</u></b>", s["head_center"]),
        Para(f"<i>{esc(data.place_date_line)}</i>", s["small_center"]),
    ]
    table = Table([[left, right]], colWidths=[CONTENT_W * 0.42, CONTENT_W * 0.58])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [
        table,
        Spacer(1, 5 * mm),
        Para("BÁO CÁO", s["title"]),
        Para(f"<b>{esc(data.summary_line)}</b>", s["subtitle"]),
        Spacer(1, 3 * mm),
    ]


def _section(title: str) -> Paragraph:
    return Para(esc(title), STYLES["section"])


def _grid(header: list[str], rows: list[list[str]], widths: list[float], numeric: tuple[int, ...] = ()) -> Table:
    """A simple grid; the ``numeric`` columns are right-aligned so digits line up."""

    def cell(text: str, column: int) -> Paragraph:
        return Para(esc(text), STYLES["cell_num" if column in numeric else "cell"])

    body = [[Para(esc(h), STYLES["cell_head"]) for h in header]]
    body += [[cell(c, i) for i, c in enumerate(row)] for row in rows]
    table = Table(body, colWidths=[w * CONTENT_W for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(grid_style(1))
    return table


def _ii06a(t: TableInput) -> Table:
    """Two heading rows (the groups merged over their columns) and the row of column numbers."""
    rest = len(t.labels) - 2 - t.counts
    widths = [0.035, 0.16] + [0.047] * t.counts + [(1 - 0.195 - 0.047 * t.counts) / rest] * rest
    head = STYLES["cell_head"]
    top: list[Any] = [Para(esc(t.labels[0]), head), Para(esc(t.labels[1]), head)]
    for label, span in t.groups:
        top += [Para(esc(label), head)] + [""] * (span - 1)
    top += [Para("Tỷ lệ (tính từ số liệu)", head)] + [""] * (rest - 1)
    sub = ["", ""] + [Para(esc(label), head) for label in t.labels[2:]]
    numbers = [Para(esc(n), STYLES["tiny_center"]) for n in t.numbers]

    def line(values: list[str]) -> list[Any]:
        return [Para(esc(v), STYLES["cell_num" if i >= 2 else "cell"]) for i, v in enumerate(values)]

    body = [top, sub, numbers] + [line(r) for r in t.rows] + [line(t.total)]
    table = Table(body, colWidths=[w * CONTENT_W for w in widths], repeatRows=3, hAlign="LEFT")
    style = grid_style(2)
    style.add("SPAN", (0, 0), (0, 1))
    style.add("SPAN", (1, 0), (1, 1))
    col = 2
    for _label, span in t.groups:
        style.add("SPAN", (col, 0), (col + span - 1, 0))
        col += span
    style.add("SPAN", (col, 0), (col + rest - 1, 0))
    style.add("BACKGROUND", (0, len(body) - 1), (-1, len(body) - 1), "#eef1f5")
    table.setStyle(style)
    return table


def _signature(data: ConsolidatedInput, sink: dict[str, Any]) -> KeepTogether:
    left = [Para("<b><i>Nơi nhận:</i></b>", STYLES["small"])]
    left += [Para(f"- {esc(r)};", STYLES["small"]) for r in data.recipients]
    left.append(Para(f"- Lưu: VT, {esc(data.authority)}.", STYLES["small"]))
    right = [
        Para(f"<b>{esc(data.signer_position.upper())}</b>", STYLES["sign_center"]),
        Para("(Đã ký số)", STYLES["small_center"]),
        SignatureSlot(*SIGNATURE_BOX, sink),
        Spacer(1, 1.5 * mm),
        Para(f"<b>{esc(data.signer_name)}</b>", STYLES["sign_center"]),
    ]
    table = Table([[left, right]], colWidths=[CONTENT_W * 0.5, CONTENT_W * 0.5])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return KeepTogether([Spacer(1, 5 * mm), table])


def _story(data: ConsolidatedInput, sink: dict[str, Any]) -> list[Any]:
    story = _heading(data)
    story.append(_section("I. TÌNH HÌNH BÁO CÁO"))
    story += [Para(esc(sentence), STYLES["body"]) for sentence in data.facts]
    story.append(_section("II. CÁC TỶ LỆ CỦA TOÀN ĐỊA BÀN"))
    story.append(_grid(["Chỉ tiêu", "Kết quả", "Cách tính"], [list(r) for r in data.rates], [0.3, 0.12, 0.58], (1,)))
    story.append(_section("III. TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH (MẪU II.06a)"))
    story.append(_ii06a(data.table))
    story.append(_section("IV. ĐƠN VỊ BÁO CÁO MUỘN HOẶC CHƯA BÁO CÁO"))
    if data.late_or_missing:
        header = ["TT", "Đơn vị", "Số ngày chưa báo cáo", "Số ngày nộp muộn", "Số báo cáo bị trả lại"]
        story.append(_grid(header, data.late_or_missing, [0.05, 0.41, 0.18, 0.18, 0.18], (2, 3, 4)))
    else:
        story.append(Para("Mọi đơn vị đã báo cáo đúng hạn trong kỳ.", STYLES["body"]))
    story.append(_section("V. GIẢI TRÌNH CỦA LÃNH ĐẠO CÁC ĐƠN VỊ"))
    if data.explanations:
        header = ["Đơn vị", "Ngày", "Nội dung chậm", "Nguyên nhân", "Biện pháp khắc phục", "Người chịu trách nhiệm"]
        story.append(_grid(header, data.explanations, [0.16, 0.08, 0.2, 0.2, 0.2, 0.16]))
    else:
        story.append(Para("Không có giải trình trong kỳ.", STYLES["body"]))
    story.append(_signature(data, sink))
    return story


# The page frame this report had before the Decree 30 rewrite of the daily and month documents
# (issue 10); moving the consolidated report onto ``official.py`` is still to do.
MARGIN = 18 * mm


class _PagedCanvas(canvas_module.Canvas):  # type: ignore[misc]  # ReportLab has no types
    """Holds every page until the end so each can say "Trang x/y" in a single layout pass."""

    def __init__(self, *args: Any, decorate: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._decorate = decorate

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(self, self._pageNumber, total)
            super().showPage()
        super().save()


def _decorator_for(
    doc_id: str, *, draft: bool, page_width: float = PAGE[0], page_height: float = PAGE[1]
) -> Callable[[Any, int, int], None]:
    """Footer (document id, "Trang x/y") and, for drafts, the watermark."""

    def decorate(canvas: Any, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont(fonts.REGULAR, 7.5)
        canvas.setFillColor(colors.HexColor("#5b6675"))
        canvas.drawString(MARGIN * 0.8, 10 * mm, f"{doc_id} · wardapp")
        canvas.drawRightString(page_width - MARGIN * 0.8, 10 * mm, f"Trang {page}/{total}")
        if draft:
            canvas.setFont(fonts.BOLD, 72)
            canvas.setFillColor(colors.Color(0.8, 0.13, 0.18, alpha=0.13))
            canvas.translate(page_width / 2, page_height / 2)
            canvas.rotate(40)
            canvas.drawCentredString(0, 0, "BẢN NHÁP")
        canvas.restoreState()

    return decorate


def build_consolidated(data: ConsolidatedInput) -> BuiltPdf:
    """The consolidated report, unsigned; ``signature_rect`` says where the signature goes."""
    fonts.register()
    sink: dict[str, Any] = {}
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=data.summary_line,
        author=data.authority,
        subject=data.doc_id,
        creator="wardapp",
        producer="wardapp (ReportLab)",
        invariant=1,
        lang="vi-VN",
    )
    decorate = _decorator_for(data.doc_id, draft=False, page_width=PAGE[0], page_height=PAGE[1])
    try:
        doc.build(_story(data, sink), canvasmaker=lambda *a, **kw: _PagedCanvas(*a, decorate=decorate, **kw))
    except LayoutError as error:
        raise ValueError(f"the consolidated report cannot be laid out: {error}") from error
    rect = sink.get("rect") if sink.get("page") == doc.page else None
    return BuiltPdf(out.getvalue(), doc.page, rect)
