"""The daily report as a Vietnamese administrative document: a pure function from plain data to bytes.

No Flask here: the commune app and the city intake both call ``build_daily`` with a
``DailyInput`` (see ``inputs.py``). The frame (Decree 30 layout, PDF/A-3b) is ``official.py``;
ReportLab's invariant mode and pikepdf's content-derived /ID make the same input give the same
bytes, so a signed revision's document can be rebuilt at any time and compared.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from wardapp.core.pdf import charts, fonts, official
from wardapp.core.pdf.official import CONTENT_W, PAGE_H, PAGE_W, SIGNATURE_BOX, Sink, Story  # noqa: F401 (re-exported)
from wardapp.core.pdf.paragraphs import Para
from wardapp.core.pdf.style import STYLES, esc, grid_style, layout_style


@dataclass(frozen=True)
class PhotoInput:
    jpeg: bytes | None  # a ready-sized JPEG (thumbnail); None when the file is not available
    width: int
    height: int
    category: str
    caption: str
    taken_at: str  # already formatted, dd/mm/yyyy HH:MM, or ""
    verifiable: bool


@dataclass(frozen=True)
class DailyInput:
    """Everything printed, as plain strings and numbers (formatting done by the caller)."""

    heading: official.Heading
    signer: official.Signer
    meta: official.Archival
    commune_name: str
    date_text: str  # dd/mm/yyyy: the day reported on
    report_id: str
    revision: int
    supersedes: str | None
    correction_reason: str
    late: bool
    late_reason: str
    summary_table: list[list[str]]  # form II.06a: header rows, the column numbers, the values row
    other_figures: list[tuple[str, list[tuple[str, str]]]]  # (group label, [(label, value)])
    rates: list[tuple[str, str]]  # (label, "42,5%")
    trend: charts.Trend | None  # only the trend the signed payload carries
    photos: list[PhotoInput]
    team_lines: list[str]
    team_members: list[list[str]]
    tasks: list[list[str]]  # code, title, deadline, percent, state
    explanations: list[tuple[str, str, str, str, str]]  # item, cause, remedy, new date, responsible
    late_dossiers: list[list[str]]
    narrative: list[tuple[str, str]]  # (heading, text)
    signed_at_text: str
    key_thumbprint: str
    payload_sha256: str
    verify_target: str  # what the QR code holds: the city's verification URL, or a text fallback
    draft: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    # Where the figures came from (dossier log, overridden with a reason, typed); empty without a log.
    figure_sources: list[str] = field(default_factory=list)


# The result type the callers know (an alias: the frame's result carries the signature place).
BuiltPdf = official.Built


class _JpegReader(ImageReader):  # type: ignore[misc]  # ReportLab is untyped
    """A ready-sized JPEG that ReportLab embeds as it is (DCTDecode), named by its own bytes.

    ``canvas.drawImage`` names each image by the MD5 of ``getRGBData()``, which for a plain
    ImageReader decodes every pixel, only to embed the JPEG file unchanged all the same. Naming it
    by the file's bytes gives the same page for a fraction of the cost (measured: ~2.5 ms per
    thumbnail, ~15 ms of a report with six photos; bench/pdf.py). Not a JPEG: the usual way.
    """

    def getRGBData(self) -> Any:
        if getattr(self._image, "format", None) != "JPEG":
            return super().getRGBData()
        self._dataA = None  # no alpha channel (drawImage reads this after getRGBData)
        return self.fp.getvalue()


class Photo(Flowable):  # type: ignore[misc]
    """A JPEG photo drawn at a fixed size (platypus ``Image`` would decode it: see _JpegReader)."""

    def __init__(self, jpeg: bytes, width: float, height: float):
        super().__init__()
        self.reader = _JpegReader(io.BytesIO(jpeg))
        self.width, self.height = width, height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height, mask="auto")


QR_MASK = 0


def _keep_qr_generator_polynomials() -> None:
    """ReportLab's QR encoder rebuilds the Reed-Solomon generator polynomial, a product of as
    many factors as error-correction codewords, for every block of every code: a third of the
    code's time (about 0.9 ms per PDF). It depends on the codeword count alone and is never
    changed once made (its arithmetic makes new polynomials), so each is made once per process."""
    util = qrencoder.QRUtil
    if not hasattr(util.getErrorCorrectPolynomial, "cache_info"):
        util.getErrorCorrectPolynomial = staticmethod(functools.cache(util.getErrorCorrectPolynomial))


_keep_qr_generator_polynomials()


class QrCode(Flowable):  # type: ignore[misc]
    """A QR code drawn as one filled path (ReportLab's widget draws a shape per module: slow)."""

    def __init__(self, text: str, size: float):
        super().__init__()
        qr = QrCodeWidget(text, barLevel="M").qr
        # One fixed mask pattern instead of ReportLab's search of all eight for the best-scoring
        # one (about 20 ms of pure Python per PDF): any mask decodes, and the bytes stay the same.
        qr.version = qr.version or qr.calculate_version()
        qr.makeImpl(False, QR_MASK)
        self.modules = qr.modules
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        count = len(self.modules)
        box = self.size / (count + 2)  # a quiet zone of one module
        path = self.canv.beginPath()
        for r, row in enumerate(self.modules):
            for c, dark in enumerate(row):
                if dark:
                    path.rect((c + 1) * box, self.size - (r + 2) * box, box, box)
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def _opening(data: DailyInput) -> Story:
    """The first paragraph says what the document reports on and, when so, that it corrects an
    earlier revision or was signed after the deadline."""
    flow = [
        Para(
            f"Ủy ban nhân dân {esc(data.commune_name)} báo cáo tình hình hoạt động của Trung tâm Phục vụ "
            f"hành chính công ngày {esc(data.date_text)} như sau:",
            STYLES["body"],
        )
    ]
    if data.supersedes:
        flow.append(
            Para(
                f"Báo cáo này là bản sửa đổi lần {data.revision - 1}, thay thế bản {esc(data.supersedes)}. "
                f"Lý do sửa đổi: {esc(data.correction_reason)}",
                STYLES["note"],
            )
        )
    if data.late and not data.draft:
        flow.append(Para(f"Ký sau hạn báo cáo. Lý do: {esc(data.late_reason)}", STYLES["late"]))
    if data.draft:
        flow.append(Para("BẢN NHÁP — CHƯA KÝ, KHÔNG CÓ GIÁ TRỊ BÁO CÁO", STYLES["late"]))
    return flow


def _section(title: str) -> Paragraph:
    return Para(esc(title), STYLES["section"])


def _summary(data: DailyInput) -> Table:
    """Form II.06a with its numbered columns: group heads, column heads, (1)…(11), values."""
    widths = [CONTENT_W / 11] * 11
    heads = data.summary_table[:-2]
    rows = [[Para(esc(c), STYLES["cell_head"]) if c else "" for c in row] for row in heads]
    rows.append([Para(esc(c), STYLES["cell_index"]) for c in data.summary_table[-2]])
    rows.append([Para(esc(c), STYLES["cell_num"]) for c in data.summary_table[-1]])
    table = Table(rows, colWidths=widths, repeatRows=len(rows) - 1)
    style = grid_style()
    style.add("SPAN", (0, 0), (3, 0))
    style.add("SPAN", (4, 0), (7, 0))
    style.add("SPAN", (8, 0), (10, 0))
    table.setStyle(style)
    return table


def _pairs_table(groups: list[tuple[str, list[tuple[str, str]]]]) -> Table:
    """Figures as label/value rows, one group after the other, in one grid."""
    rows: list[list[Any]] = []
    style = grid_style()
    for group, pairs in groups:
        style.add("SPAN", (0, len(rows)), (1, len(rows)))
        rows.append([Para(f"<b>{esc(group)}</b>", STYLES["cell"]), ""])
        rows += [[Para(esc(label), STYLES["cell"]), Para(esc(value), STYLES["cell_num"])] for label, value in pairs]
    table = Table(rows, colWidths=[CONTENT_W * 0.74, CONTENT_W * 0.26])
    table.setStyle(style)
    return table


def _rows_table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    body = [[Para(esc(h), STYLES["cell_head"]) for h in header]]
    body += [[Para(esc(c), STYLES["cell"]) for c in row] for row in rows]
    table = Table(body, colWidths=[w * CONTENT_W for w in widths], repeatRows=1)
    table.setStyle(grid_style())
    return table


def _photos(photos: list[PhotoInput]) -> Story:
    cell_w = (CONTENT_W - 6 * mm) / 2
    cells: list[Any] = []  # one list of flowables per photo, "" for an empty cell
    for photo in photos:
        parts: Story = []
        if photo.jpeg:
            height = cell_w * photo.height / photo.width if photo.width else cell_w * 0.75
            height = min(height, 58 * mm)
            parts.append(
                Photo(photo.jpeg, width=height * photo.width / photo.height if photo.height else cell_w, height=height)
            )
        else:
            parts.append(Para("(không có tệp ảnh)", STYLES["small"]))
        parts.append(Para(f"<b>{esc(photo.category)}</b>", STYLES["cell"]))
        if photo.caption:
            parts.append(Para(esc(photo.caption), STYLES["cell"]))
        taken = f"Chụp lúc {esc(photo.taken_at)}" if photo.taken_at else "Không có thời điểm chụp"
        parts.append(Para(taken, STYLES["small"]))
        if not photo.verifiable:
            parts.append(Para("KHÔNG XÁC THỰC ĐƯỢC: không chụp trong ngày báo cáo", STYLES["flag"]))
        cells.append(parts)
    if len(cells) % 2:
        cells.append("")
    flow = []
    for i in range(0, len(cells), 2):  # one table per row: a page break never splits a photo from its caption
        table = Table([cells[i : i + 2]], colWidths=[cell_w + 3 * mm] * 2)
        table.setStyle(layout_style(("BOTTOMPADDING", (0, 0), (-1, -1), 5)))
        flow.append(table)
    return flow


def verification_flow(target: str, report_id: str, payload_sha256: str) -> Table:
    """The QR code and, beside it, the same in readable text: where and how to check this copy."""
    if target.startswith(("http://", "https://")):
        lines = f"Kiểm tra văn bản này tại:<br/>{esc(target)}"
    else:
        lines = "Kiểm tra: mã SHA-256 dưới đây phải bằng mã của tệp nội dung đính kèm văn bản."
    text = Para(
        f"{lines}<br/>Mã báo cáo: {esc(report_id)}<br/>SHA-256 nội dung: {esc(payload_sha256)}", STYLES["verify"]
    )
    table = Table([[QrCode(target, 28 * mm), text]], colWidths=[31 * mm, CONTENT_W - 31 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
            ]
        )
    )
    return table


def _story(data: DailyInput, sink: Sink) -> Story:
    story = official.heading_flow(data.heading)
    story += _opening(data)
    story += [
        _section("I. KẾT QUẢ TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ"),
        Para("1. Tổng hợp theo mẫu II.06a", STYLES["subsection"]),
        _summary(data),
        Para("2. Các số liệu khác", STYLES["subsection"]),
        _pairs_table(data.other_figures),
    ]
    if data.figure_sources:
        story.append(Para("Nguồn số liệu", STYLES["subsection"]))
        story += [Para(esc(line), STYLES["indent"]) for line in data.figure_sources]
    story += [_section("II. CÁC TỶ LỆ (TÍNH TỪ SỐ LIỆU)"), _pairs_table([("Tỷ lệ", data.rates)])]
    if data.trend is not None:
        # The trend the signed payload carries (what the leader saw when signing), nothing live.
        story.append(
            KeepTogether(
                [
                    Para("Xu hướng 30 ngày (theo số liệu đã ký)", STYLES["caption"]),
                    charts.trend_drawing(data.trend, CONTENT_W, 48 * mm),
                ]
            )
        )
    story.append(_section(f"III. HÌNH ẢNH TRUNG TÂM ({len(data.photos)} ảnh)"))
    story += _photos(data.photos) if data.photos else [Para("Không có ảnh.", STYLES["body"])]
    story.append(_section("IV. TỔ PHẢN ỨNG NHANH VỀ CÔNG NGHỆ VÀ CHUYÊN MÔN"))
    story += [Para(esc(line), STYLES["body"]) for line in data.team_lines]
    if data.team_members:
        story.append(
            _rows_table(["Họ và tên", "Chức vụ", "Đơn vị", "Lĩnh vực"], data.team_members, [0.28, 0.3, 0.24, 0.18])
        )
    story.append(_section("V. TIẾN ĐỘ NHIỆM VỤ"))
    story.append(
        _rows_table(["Mã", "Nhiệm vụ", "Hạn", "Tiến độ", "Tình trạng"], data.tasks, [0.1, 0.46, 0.15, 0.11, 0.18])
        if data.tasks
        else Para("Không có nhiệm vụ.", STYLES["body"])
    )
    explanations_heading = _section("VI. GIẢI TRÌNH CỦA LÃNH ĐẠO")
    if data.explanations:
        for index, (item, cause, remedy, new_date, responsible) in enumerate(data.explanations):
            # The section heading travels with the first explanation (it was left alone at a page foot).
            story.append(
                KeepTogether(
                    [explanations_heading] * (index == 0)
                    + [
                        Para(f"<b>{index + 1}. {esc(item)}</b>", STYLES["item"]),
                        Para(f"- Nguyên nhân: {esc(cause)}", STYLES["indent"]),
                        Para(f"- Biện pháp khắc phục: {esc(remedy)}", STYLES["indent"]),
                        Para(
                            f"- Thời hạn mới: {esc(new_date)}; người chịu trách nhiệm: {esc(responsible)}.",
                            STYLES["indent"],
                        ),
                    ]
                )
            )
    else:
        story += [explanations_heading, Para("Không có việc chậm tiến độ cần giải trình.", STYLES["body"])]
    if data.late_dossiers:
        story += [
            Para("Hồ sơ trễ hạn", STYLES["subsection"]),
            _rows_table(
                ["Loại", "Số HS", "Thủ tục", "Cán bộ, đơn vị", "Nguyên nhân", "Thư xin lỗi"],
                data.late_dossiers,
                [0.13, 0.07, 0.27, 0.2, 0.21, 0.12],
            ),
        ]
    story.append(_section("VII. TÌNH HÌNH, KHÓ KHĂN, ĐỀ XUẤT"))
    body = [Para(f"<b>{esc(heading)}:</b> {esc(text) or '—'}", STYLES["body"]) for heading, text in data.narrative]
    closing = Para(
        f"Trên đây là báo cáo ngày {esc(data.date_text)} của Ủy ban nhân dân {esc(data.commune_name)}./.",
        STYLES["body"],
    )
    story += body[:-1]
    # The last paragraph and the closing line go with the signature block: no page holds it alone.
    verification = [Spacer(1, 5 * mm), verification_flow(data.verify_target, data.report_id, data.payload_sha256)]
    tail = [*body[-1:], closing]
    story.append(official.signature_flow(data.signer, sink, draft=data.draft, tail=tail, after=verification))
    return story


def build_daily(data: DailyInput) -> BuiltPdf:
    """The daily report PDF (PDF/A-3b unless a draft). Same input, same bytes."""
    sink: Sink = {}
    return official.build(_story(data, sink), sink, meta=data.meta, draft=data.draft)
