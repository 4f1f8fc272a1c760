"""Monthly documents: the month summary and the month's list of late dossiers and explanations.

Pure builders from plain data, like ``document.build_daily``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from wardapp.core.pdf import charts, fonts
from wardapp.core.pdf.document import _decorator_for, _PagedCanvas
from wardapp.core.pdf.style import STYLES, esc, grid_style


@dataclass(frozen=True)
class MonthInput:
    commune_name: str
    province_name: str
    month_text: str  # mm/yyyy
    doc_id: str
    header: list[str]
    rows: list[list[str]]  # one per day of the month
    totals: list[str]
    rates: list[tuple[str, str]]
    estimate_rows: list[list[str]]  # group, indicator, rate, points
    estimate_summary: str
    trend: charts.Trend | None
    missing_days: str
    late_days: str


@dataclass(frozen=True)
class LateListInput:
    commune_name: str
    province_name: str
    month_text: str
    doc_id: str
    groups: list[tuple[str, list[list[str]]]]  # ("officer, unit (n hồ sơ)", rows)


def _frame(title: str, commune: str, province: str, doc_id: str, story: list, pagesize) -> bytes:
    fonts.register()
    out = io.BytesIO()
    width = pagesize[0] - 30 * mm
    head = [
        Paragraph(f"UBND {esc(commune.upper())} — {esc(province)}", STYLES["small_center"]),
        Paragraph(esc(title), STYLES["title"]),
        Spacer(1, 2 * mm),
    ]
    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"{title} — {commune}",
        author=commune,
        subject=doc_id,
        creator="wardapp",
        producer="wardapp (ReportLab)",
        invariant=1,
        lang="vi-VN",
    )
    decorate = _decorator_for(doc_id, draft=False, page_width=pagesize[0], page_height=pagesize[1])
    doc.build(
        head + story(width) if callable(story) else head + story,
        canvasmaker=lambda *a, **kw: _PagedCanvas(*a, decorate=decorate, **kw),
    )
    return out.getvalue()


def _table(
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    width: float,
    bold_last=False,
    numbers_from: int | None = None,
) -> Table:
    """A grid; columns from ``numbers_from`` on hold figures and are right-aligned so digits line up."""

    def style(column: int):
        return STYLES["cell_num"] if numbers_from is not None and column >= numbers_from else STYLES["cell"]

    body = [[Paragraph(esc(h), STYLES["cell_head"]) for h in header]]
    body += [[Paragraph(esc(c), style(i)) for i, c in enumerate(row)] for row in rows]
    table = Table(body, colWidths=[w * width for w in widths], repeatRows=1, hAlign="LEFT")
    style = grid_style(1)
    if bold_last:
        style.add("BACKGROUND", (0, len(body) - 1), (-1, len(body) - 1), "#eef1f5")
    table.setStyle(style)
    return table


def _day_widths(columns: int) -> list[float]:
    """The date and the state get more room than a figure."""
    if columns != 10:
        return [1 / columns] * columns
    return [0.1, 0.11, 0.09, 0.09, 0.1, 0.08, 0.1, 0.11, 0.11, 0.11]


def build_month(data: MonthInput) -> bytes:
    def story(width: float) -> list:
        flow = [
            Paragraph(f"Tháng {esc(data.month_text)}", STYLES["subtitle"]),
            Paragraph("I. SỐ LIỆU THEO NGÀY", STYLES["section"]),
            _table(
                data.header,
                [*data.rows, data.totals],
                _day_widths(len(data.header)),
                width,
                bold_last=True,
                numbers_from=2,
            ),
            Spacer(1, 2 * mm),
            Paragraph(f"Ngày chưa báo cáo: {esc(data.missing_days) or 'không có'}", STYLES["body"]),
            Paragraph(f"Ngày ký muộn: {esc(data.late_days) or 'không có'}", STYLES["body"]),
            Paragraph("II. TỶ LỆ CỦA THÁNG (TÍNH TRÊN TỔNG SỐ LIỆU)", STYLES["section"]),
            _table(["Chỉ tiêu", "Tỷ lệ"], [list(r) for r in data.rates], [0.7, 0.3], width * 0.6, numbers_from=1),
        ]
        if data.trend is not None:
            flow.append(
                KeepTogether(
                    [
                        Spacer(1, 4 * mm),
                        Paragraph("Xu hướng trong tháng", STYLES["cell"]),
                        charts.trend_drawing(data.trend, width, 50 * mm),
                    ]
                )
            )
        flow += [
            KeepTogether(
                [
                    Paragraph("III. ƯỚC TÍNH BỘ CHỈ SỐ 766 (PHẦN ĐO ĐƯỢC)", STYLES["section"]),
                    Paragraph(esc(data.estimate_summary), STYLES["body"]),
                    _table(
                        ["Nhóm", "Chỉ tiêu", "Tỷ lệ", "Điểm"],
                        data.estimate_rows,
                        [0.18, 0.52, 0.12, 0.18],
                        width,
                        numbers_from=2,
                    ),
                    Spacer(1, 1.5 * mm),
                    Paragraph(
                        "Đây là ước tính phần đo được từ số liệu hằng ngày của xã/phường, không phải điểm chính thức "
                        "do Cổng Dịch vụ công quốc gia công bố. (*) trọng số là giả định của ứng dụng.",
                        STYLES["small"],
                    ),
                ]
            )
        ]
        return flow

    return _frame("BÁO CÁO TỔNG HỢP THÁNG", data.commune_name, data.province_name, data.doc_id, story, landscape(A4))


def build_late_list(data: LateListInput) -> bytes:
    def story(width: float) -> list:
        flow = [Paragraph(f"Tháng {esc(data.month_text)} — công khai theo cán bộ, đơn vị", STYLES["subtitle"])]
        if not data.groups:
            flow.append(Paragraph("Trong tháng không có hồ sơ trễ hạn.", STYLES["body"]))
        for heading, rows in data.groups:
            flow += [
                Paragraph(esc(heading), STYLES["section"]),
                _table(
                    ["Ngày", "Loại", "Số HS", "Thủ tục", "Nguyên nhân", "Giải trình của lãnh đạo"],
                    rows,
                    [0.09, 0.13, 0.06, 0.22, 0.22, 0.28],
                    width,
                ),
            ]
        return flow

    return _frame(
        "DANH SÁCH HỒ SƠ TRỄ HẠN VÀ GIẢI TRÌNH",
        data.commune_name,
        data.province_name,
        data.doc_id,
        story,
        landscape(A4),
    )
