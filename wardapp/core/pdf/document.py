"""The daily report as a Vietnamese official document: a pure function from plain data to bytes.

No Flask here: the commune app and the city intake both call ``build_daily`` with a
``DailyInput`` (see ``inputs.py``). ReportLab's invariant mode fixes the document id and dates,
so the same input always gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as canvas_module
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from wardapp.core.pdf import charts, fonts
from wardapp.core.pdf.style import STYLES, esc, grid_style

# Binary streams instead of ASCII85: ReportLab's ASCII85 encoder is pure Python here and was
# the single largest cost of a report with photos (measured: ~40% of the build).
rl_config.useA85 = 0

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
SIGNATURE_BOX = (72 * mm, 26 * mm)  # where the PAdES signature appearance goes on the last page


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

    commune_name: str
    province_name: str
    date_text: str  # dd/mm/yyyy
    place_date_line: str  # "Hải Châu, ngày 21 tháng 11 năm 2026"
    report_id: str
    revision: int
    supersedes: str | None
    correction_reason: str
    late: bool
    late_reason: str
    summary_table: list[list[str]]  # form II.06a: header rows then the values row
    other_figures: list[tuple[str, list[tuple[str, str]]]]  # (group label, [(label, value)])
    rates: list[tuple[str, str]]  # (label, "42,5%")
    trend: charts.Trend | None
    photos: list[PhotoInput]
    team_lines: list[str]
    team_members: list[list[str]]
    tasks: list[list[str]]  # code, title, deadline, percent, state
    explanations: list[tuple[str, str, str, str, str]]  # item, cause, remedy, new date, responsible
    late_dossiers: list[list[str]]
    narrative: list[tuple[str, str]]  # (heading, text)
    signer_name: str
    signer_position: str
    signed_at_text: str
    key_thumbprint: str
    payload_sha256: str
    draft: bool = False
    # Set when the city renders the document from a verified payload (the commune sent no PDF):
    # there is no PDF signature then, only the verified JWS, and the page says so.
    rendered_note: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # section headings, in the document's language


@dataclass(frozen=True)
class BuiltPdf:
    data: bytes
    pages: int
    signature_rect: tuple[float, float, float, float] | None  # x1, y1, x2, y2 on the last page


class SignatureSlot(Flowable):
    """Reserves the space of the visible PDF signature and remembers where it landed."""

    def __init__(self, width: float, height: float, sink: dict):
        super().__init__()
        self.width, self.height, self.sink = width, height, sink

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.sink["rect"] = (x, y, x + self.width, y + self.height)
        self.sink["page"] = self.canv.getPageNumber()
        self.canv.setStrokeColor(colors.HexColor("#9aa5b1"))
        self.canv.setDash(2, 2)
        self.canv.rect(0, 0, self.width, self.height)


class _JpegReader(ImageReader):
    """A ready-sized JPEG that ReportLab embeds as it is (DCTDecode), named by its own bytes.

    ``canvas.drawImage`` names each image by the MD5 of ``getRGBData()``, which for a plain
    ImageReader decodes every pixel, only to embed the JPEG file unchanged all the same. Naming it
    by the file's bytes gives the same page for a fraction of the cost (measured: ~2.5 ms per
    thumbnail, ~15 ms of a report with six photos; bench/pdf.py). Not a JPEG: the usual way.
    """

    def getRGBData(self):
        if getattr(self._image, "format", None) != "JPEG":
            return super().getRGBData()
        self._dataA = None  # no alpha channel (drawImage reads this after getRGBData)
        return self.fp.getvalue()


class Photo(Flowable):
    """A JPEG photo drawn at a fixed size (platypus ``Image`` would decode it: see _JpegReader)."""

    def __init__(self, jpeg: bytes, width: float, height: float):
        super().__init__()
        self.reader = _JpegReader(io.BytesIO(jpeg))
        self.width, self.height = width, height

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height, mask="auto")


QR_MASK = 0


class QrCode(Flowable):
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

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        count = len(self.modules)
        box = self.size / (count + 2)  # a quiet zone of one module
        path = self.canv.beginPath()
        for r, row in enumerate(self.modules):
            for c, dark in enumerate(row):
                if dark:
                    path.rect((c + 1) * box, self.size - (r + 2) * box, box, box)
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def _heading(data: DailyInput) -> list:
    s = STYLES
    left = [
        Paragraph(f"UBND {esc(data.commune_name.upper())}", s["head_center"]),
        Paragraph("<b>TRUNG TÂM PHỤC VỤ<br/>HÀNH CHÍNH CÔNG</b>", s["head_center"]),
        Paragraph(f"Số: {esc(data.report_id)}", s["small_center"]),
    ]
    right = [
        Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", s["head_center"]),
        Paragraph("<b><u>Độc lập - Tự do - Hạnh phúc</u></b>", s["head_center"]),
        Paragraph(f"<i>{esc(data.place_date_line)}</i>", s["small_center"]),
    ]
    table = Table([[left, right]], colWidths=[CONTENT_W * 0.42, CONTENT_W * 0.58])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    flow = [
        table,
        Spacer(1, 6 * mm),
        Paragraph(f"BÁO CÁO NGÀY {esc(data.date_text)}", s["title"]),
        Paragraph(
            f"Tình hình hoạt động của Trung tâm Phục vụ hành chính công {esc(data.commune_name)}, "
            f"{esc(data.province_name)}",
            s["subtitle"],
        ),
    ]
    revision = f"Phiên bản {data.revision}"
    if data.supersedes:
        revision += f", thay thế {esc(data.supersedes)}. Lý do sửa đổi: {esc(data.correction_reason)}"
    flow.append(Paragraph(revision, s["small_center"]))
    if data.late and not data.draft:
        flow.append(Paragraph(f"<b>KÝ SAU HẠN BÁO CÁO.</b> Lý do: {esc(data.late_reason)}", s["late"]))
    if data.draft:
        flow.append(Paragraph("<b>BẢN NHÁP — CHƯA KÝ, KHÔNG CÓ GIÁ TRỊ BÁO CÁO</b>", s["late"]))
    return flow


def _section(title: str) -> Paragraph:
    return Paragraph(esc(title), STYLES["section"])


def _summary(data: DailyInput) -> Table:
    widths = [CONTENT_W / 11] * 11
    rows = [[Paragraph(esc(c), STYLES["cell_head"]) if c else "" for c in row] for row in data.summary_table[:-1]]
    rows.append([Paragraph(esc(c), STYLES["cell_num"]) for c in data.summary_table[-1]])
    table = Table(rows, colWidths=widths, repeatRows=len(rows) - 1)
    style = grid_style(header_rows=len(rows) - 1)
    style.add("SPAN", (0, 0), (3, 0))
    style.add("SPAN", (4, 0), (7, 0))
    style.add("SPAN", (8, 0), (10, 0))
    table.setStyle(style)
    return table


def _pairs_table(groups: list[tuple[str, list[tuple[str, str]]]]) -> Table:
    cells = []
    for group, pairs in groups:
        block = [[Paragraph(f"<b>{esc(group)}</b>", STYLES["cell"]), ""]]
        block += [
            [Paragraph(esc(label), STYLES["cell"]), Paragraph(esc(value), STYLES["cell_num"])] for label, value in pairs
        ]
        inner = Table(block, colWidths=[CONTENT_W / 2 * 0.64, CONTENT_W / 2 * 0.3])
        inner.setStyle(
            TableStyle(
                [
                    ("SPAN", (0, 0), (1, 0)),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dee5")),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        cells.append(inner)
    if len(cells) % 2:
        cells.append("")
    table = Table([cells[i : i + 2] for i in range(0, len(cells), 2)], colWidths=[CONTENT_W / 2] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _rows_table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    body = [[Paragraph(esc(h), STYLES["cell_head"]) for h in header]]
    body += [[Paragraph(esc(c), STYLES["cell"]) for c in row] for row in rows]
    table = Table(body, colWidths=[w * CONTENT_W for w in widths], repeatRows=1)
    table.setStyle(grid_style(header_rows=1))
    return table


def _photos(photos: list[PhotoInput]) -> list:
    cell_w = (CONTENT_W - 6 * mm) / 2
    cells = []
    for photo in photos:
        parts = []
        if photo.jpeg:
            height = cell_w * photo.height / photo.width if photo.width else cell_w * 0.75
            height = min(height, 62 * mm)
            parts.append(
                Photo(photo.jpeg, width=height * photo.width / photo.height if photo.height else cell_w, height=height)
            )
        else:
            parts.append(Paragraph("(không có tệp ảnh)", STYLES["small"]))
        parts.append(Paragraph(f"<b>{esc(photo.category)}</b>", STYLES["cell"]))
        if photo.caption:
            parts.append(Paragraph(esc(photo.caption), STYLES["cell"]))
        taken = f"Chụp lúc {esc(photo.taken_at)}" if photo.taken_at else "Không có thời điểm chụp"
        parts.append(Paragraph(taken, STYLES["small"]))
        if not photo.verifiable:
            parts.append(Paragraph("<b>KHÔNG XÁC THỰC ĐƯỢC</b>: không chụp trong ngày báo cáo", STYLES["flag"]))
        cells.append(parts)
    if len(cells) % 2:
        cells.append("")
    rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
    flow = []
    for row in rows:  # one table per row so a page break never splits a photo from its caption
        table = Table([row], colWidths=[cell_w + 3 * mm] * 2)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        flow.append(table)
    return flow


def _signature(data: DailyInput, sink: dict) -> KeepTogether:
    qr_text = f"{data.report_id}\nSHA-256:{data.payload_sha256}"
    left = [
        Paragraph("<b><i>Nơi nhận:</i></b>", STYLES["small"]),
        Paragraph("- Hệ thống giám sát, đánh giá thực hiện Nghị quyết 57-NQ/TW của thành phố;", STYLES["small"]),
        Paragraph("- Lưu: Trung tâm Phục vụ hành chính công.", STYLES["small"]),
        Spacer(1, 3 * mm),
        QrCode(qr_text, 26 * mm),
        Paragraph(
            f"Mã báo cáo: {esc(data.report_id)}<br/>SHA-256 nội dung:<br/>{esc(data.payload_sha256[:32])}"
            f"<br/>{esc(data.payload_sha256[32:])}",
            STYLES["tiny"],
        ),
    ]
    if data.draft:
        right = [Paragraph("<b>BẢN NHÁP — CHƯA KÝ</b>", STYLES["sign_center"])]
    else:
        right = [
            Paragraph(f"<b>{esc(data.signer_position.upper())}</b>", STYLES["sign_center"]),
            Paragraph("(Đã ký số)", STYLES["small_center"]),
            Paragraph(esc(data.rendered_note), STYLES["small_center"])
            if data.rendered_note
            else SignatureSlot(*SIGNATURE_BOX, sink),
            Spacer(1, 1.5 * mm),
            Paragraph(f"<b>{esc(data.signer_name)}</b>", STYLES["sign_center"]),
            Paragraph(f"Ký lúc {esc(data.signed_at_text)}", STYLES["small_center"]),
            Paragraph(f"Khóa ký: {esc(data.key_thumbprint)}", STYLES["tiny_center"]),
        ]
    table = Table([[left, right]], colWidths=[CONTENT_W * 0.45, CONTENT_W * 0.55])
    # ALIGN centres the signature box under the centred position and name (it sat at the left).
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return KeepTogether([Spacer(1, 4 * mm), table])


def _story(data: DailyInput, sink: dict) -> list:
    story = _heading(data)
    story += [
        _section("I. KẾT QUẢ TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ"),
        _summary(data),
        Spacer(1, 3 * mm),
        _pairs_table(data.other_figures),
    ]
    story += [_section("II. CÁC TỶ LỆ (TÍNH TỪ SỐ LIỆU)"), _pairs_table([("Tỷ lệ", data.rates)])]
    if data.trend is not None:
        # The caption and its chart together: a caption alone at the foot of page 1 read as a stray line.
        story.append(
            KeepTogether(
                [Paragraph("Xu hướng 30 ngày", STYLES["cell"]), charts.trend_drawing(data.trend, CONTENT_W, 48 * mm)]
            )
        )
    story.append(_section(f"III. HÌNH ẢNH TRUNG TÂM ({len(data.photos)} ảnh)"))
    story += _photos(data.photos) if data.photos else [Paragraph("Không có ảnh.", STYLES["body"])]
    story.append(_section("IV. TỔ PHẢN ỨNG NHANH VỀ CÔNG NGHỆ VÀ CHUYÊN MÔN"))
    story += [Paragraph(esc(line), STYLES["body"]) for line in data.team_lines]
    if data.team_members:
        story.append(
            _rows_table(["Họ và tên", "Chức vụ", "Đơn vị", "Lĩnh vực"], data.team_members, [0.28, 0.3, 0.24, 0.18])
        )
    story.append(_section("V. TIẾN ĐỘ NHIỆM VỤ"))
    story.append(
        _rows_table(["Mã", "Nhiệm vụ", "Hạn", "Tiến độ", "Tình trạng"], data.tasks, [0.1, 0.5, 0.13, 0.1, 0.17])
        if data.tasks
        else Paragraph("Không có nhiệm vụ.", STYLES["body"])
    )
    explanations_heading = _section("VI. GIẢI TRÌNH CỦA LÃNH ĐẠO")
    if data.explanations:
        for index, (item, cause, remedy, new_date, responsible) in enumerate(data.explanations):
            # The section heading travels with the first explanation (it was left alone at a page foot).
            story.append(
                KeepTogether(
                    [explanations_heading] * (index == 0)
                    + [
                        Paragraph(f"<b>{esc(item)}</b>", STYLES["item"]),
                        Paragraph(f"Nguyên nhân: {esc(cause)}", STYLES["indent"]),
                        Paragraph(f"Biện pháp khắc phục: {esc(remedy)}", STYLES["indent"]),
                        Paragraph(
                            f"Thời hạn mới: {esc(new_date)} · Người chịu trách nhiệm: {esc(responsible)}",
                            STYLES["indent"],
                        ),
                    ]
                )
            )
    else:
        story += [explanations_heading, Paragraph("Không có việc chậm tiến độ cần giải trình.", STYLES["body"])]
    if data.late_dossiers:
        # "Thủ tục" is wide enough for a procedure followed by its dossier code on one line.
        story += [
            Paragraph("Hồ sơ trễ hạn", STYLES["subsection"]),
            _rows_table(
                ["Loại", "Số HS", "Thủ tục", "Cán bộ, đơn vị", "Nguyên nhân", "Thư xin lỗi"],
                data.late_dossiers,
                [0.12, 0.06, 0.3, 0.2, 0.22, 0.1],
            ),
        ]
    story.append(_section("VII. TÌNH HÌNH, KHÓ KHĂN, ĐỀ XUẤT"))
    for heading, text in data.narrative:
        story.append(Paragraph(f"<b>{esc(heading)}:</b> {esc(text) or '—'}", STYLES["body"]))
    story.append(_signature(data, sink))
    return story


class _PagedCanvas(canvas_module.Canvas):
    """Holds every page until the end so each can say "Trang x/y" in a single layout pass."""

    def __init__(self, *args, decorate=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._decorate = decorate

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(self, self._pageNumber, total)
            super().showPage()
        super().save()


def _decorator_for(doc_id: str, *, draft: bool, page_width: float = PAGE_W, page_height: float = PAGE_H):
    """Footer (document id, "Trang x/y") and, for drafts, the watermark."""

    def decorate(canvas, page: int, total: int):
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


def build_daily(data: DailyInput) -> BuiltPdf:
    """The daily report PDF. Same input, same bytes (ReportLab invariant mode, fixed metadata)."""
    fonts.register()
    sink: dict = {}
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=f"Báo cáo ngày {data.date_text} — {data.commune_name}",
        author=data.commune_name,
        subject=data.report_id,
        creator="wardapp",
        producer="wardapp (ReportLab)",
        invariant=1,
        lang="vi-VN",
    )
    decorate = _decorator_for(data.report_id, draft=data.draft)
    try:
        doc.build(_story(data, sink), canvasmaker=lambda *a, **kw: _PagedCanvas(*a, decorate=decorate, **kw))
    except LayoutError as error:  # a single flowable taller than a page: say what, never crash silently
        raise ValueError(f"the daily report cannot be laid out: {error}") from error
    pages = doc.page
    rect = sink.get("rect") if sink.get("page") == pages else None
    return BuiltPdf(out.getvalue(), pages, rect)
