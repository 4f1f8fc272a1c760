"""Monthly documents: the month summary and the month's list of late dossiers and explanations.

Pure builders from plain data, like ``document.build_daily``, on the same Decree 30 frame
(``official.py``): heading, number, title, signer block, "Nơi nhận", page numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer, Table

from wardapp.core.pdf import charts, official
from wardapp.core.pdf.official import CONTENT_W
from wardapp.core.pdf.paragraphs import Para
from wardapp.core.pdf.style import STYLES, esc, grid_style


@dataclass(frozen=True)
class MonthInput:
    heading: official.Heading
    signer: official.Signer
    meta: official.Archival
    commune_name: str
    month_text: str  # mm/yyyy
    header: list[str]
    rows: list[list[str]]  # one per day of the month, up to today
    totals: list[str]
    rates: list[tuple[str, str]]
    estimate_rows: list[list[str]]  # group, indicator, rate, points
    estimate_summary: str
    trend: charts.Trend | None
    overview: list[str]  # the opening paragraphs: days signed, late, corrected, missing, not yet due
    draft: bool = False  # the commune's unsigned preview: watermarked, never PDF/A, never signed
    rendered_note: str = ""  # the city's rendering says so, and has no number or signature block


@dataclass(frozen=True)
class LateListInput:
    heading: official.Heading
    signer: official.Signer
    meta: official.Archival
    commune_name: str
    month_text: str
    groups: list[tuple[str, list[list[str]]]]  # ("officer, unit (n hồ sơ)", rows)
    draft: bool = False


def _table(
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    width: float,
    bold_last: bool = False,
    numbers_from: int | None = None,
    small: bool = False,
) -> Table:
    """A grid; columns from ``numbers_from`` on hold figures and are right-aligned so digits line up."""

    def style(column: int) -> ParagraphStyle:
        return STYLES["cell_num"] if numbers_from is not None and column >= numbers_from else STYLES["cell"]

    body = [[Para(esc(h), STYLES["cell_head"]) for h in header]]
    body += [[Para(esc(c), style(i)) for i, c in enumerate(row)] for row in rows]
    if bold_last:
        body[-1] = [Para(f"<b>{esc(c)}</b>", style(i)) for i, c in enumerate(rows[-1])]
    table = Table(body, colWidths=[w * width for w in widths], repeatRows=1, hAlign="LEFT")
    grid = grid_style()
    if small:
        grid.add("LEFTPADDING", (0, 0), (-1, -1), 2)
        grid.add("RIGHTPADDING", (0, 0), (-1, -1), 2)
    table.setStyle(grid)
    return table


def _day_widths(columns: int) -> list[float]:
    """The date and the state get more room than a figure."""
    if columns != 10:
        return [1 / columns] * columns
    return [0.08, 0.17, 0.09, 0.09, 0.09, 0.08, 0.1, 0.1, 0.1, 0.1]


def build_month(data: MonthInput) -> official.Built:
    """The month summary: the overview first (page 1 always has text), the days, the rates, and
    the 766 estimate kept with the signature block (no page holds the signature alone)."""
    sink: official.Sink = {}
    story = official.heading_flow(data.heading)
    if data.rendered_note:
        story.append(Para(esc(data.rendered_note), STYLES["late"]))
    story += [Para(esc(line), STYLES["body"]) for line in data.overview]
    story += [
        # The day table starts under the overview and runs on to page 2 (kept with its heading it
        # would move whole to page 2 and leave page 1 mostly empty); the heading is never left
        # alone at the foot of a page.
        CondPageBreak(40 * mm),
        Para("I. SỐ LIỆU THEO NGÀY", STYLES["subsection"]),
        _table(
            data.header,
            [*data.rows, data.totals],
            _day_widths(len(data.header)),
            CONTENT_W,
            bold_last=True,
            numbers_from=2,
            small=True,
        ),
        Para("II. TỶ LỆ CỦA THÁNG (TÍNH TRÊN TỔNG SỐ LIỆU CÁC NGÀY ĐÃ KÝ)", STYLES["section"]),
        _table(["Chỉ tiêu", "Tỷ lệ"], [list(r) for r in data.rates], [0.72, 0.28], CONTENT_W, numbers_from=1),
    ]
    if data.trend is not None:
        story.append(
            KeepTogether(
                [
                    Spacer(1, 3 * mm),
                    Para("Xu hướng trong tháng (các ngày đã ký)", STYLES["caption"]),
                    charts.trend_drawing(data.trend, CONTENT_W, 48 * mm),
                ]
            )
        )
    estimate = [
        Para("III. ƯỚC TÍNH BỘ CHỈ SỐ 766 (PHẦN ĐO ĐƯỢC)", STYLES["section"]),
        Para(esc(data.estimate_summary), STYLES["body"]),
        _table(
            ["Nhóm", "Chỉ tiêu", "Tỷ lệ", "Điểm"], data.estimate_rows, [0.2, 0.5, 0.13, 0.17], CONTENT_W, numbers_from=2
        ),
        Spacer(1, 2 * mm),
        Para(
            "Đây là ước tính phần đo được từ số liệu hằng ngày đã ký của xã/phường, không phải điểm chính thức "
            "do Cổng Dịch vụ công quốc gia công bố. (*) trọng số là giả định của ứng dụng.",
            STYLES["note"],
        ),
    ]
    if data.rendered_note:  # no closing in the commune's name, no signature block: it is not theirs
        story.append(KeepTogether(estimate))
        return official.build(story, sink, meta=data.meta, draft=data.draft)
    estimate.append(
        Para(
            f"Trên đây là báo cáo tổng hợp tháng {esc(data.month_text)} của Ủy ban nhân dân "
            f"{esc(data.commune_name)}./.",
            STYLES["body"],
        )
    )
    story.append(official.signature_flow(data.signer, sink, draft=data.draft, tail=estimate))
    return official.build(story, sink, meta=data.meta, draft=data.draft)


def build_late_list(data: LateListInput) -> official.Built:
    sink: official.Sink = {}
    story = official.heading_flow(data.heading)
    story.append(
        Para(
            f"Ủy ban nhân dân {esc(data.commune_name)} công khai danh sách hồ sơ trễ hạn trong tháng "
            f"{esc(data.month_text)} theo cán bộ, đơn vị, cùng giải trình của lãnh đạo, từ các báo cáo ngày đã ký, "
            "như sau:",
            STYLES["body"],
        )
    )
    if not data.groups:
        story.append(Para("Trong tháng không có hồ sơ trễ hạn.", STYLES["body"]))
    for index, (heading, rows) in enumerate(data.groups, start=1):
        story += [
            Para(f"{index}. {esc(heading)}", STYLES["subsection"]),
            _table(
                ["Ngày", "Loại", "Số HS", "Thủ tục", "Nguyên nhân", "Giải trình của lãnh đạo"],
                rows,
                [0.14, 0.13, 0.07, 0.2, 0.2, 0.26],
                CONTENT_W,
                small=True,
            ),
        ]
    closing = Para("Danh sách này được công khai theo quy định./.", STYLES["body"])
    story.append(official.signature_flow(data.signer, sink, draft=data.draft, tail=[Spacer(1, 3 * mm), closing]))
    return official.build(story, sink, meta=data.meta, draft=data.draft)
