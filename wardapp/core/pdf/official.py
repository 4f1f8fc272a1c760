"""The frame of a Vietnamese administrative document (Decree 30/2020/NĐ-CP, Appendix I).

Every wardapp document (daily report, month summary, late-dossier list) is laid out here: A4, the
decree's margins, the issuing authority and the national motto with their rules, "Số: …/BC-…"
and the place-and-date line, the type name and summary line, the body, the signature block with
its TM./KT. wording and "Nơi nhận", page numbers from page 2 at the top centre. Pure functions of
plain data: no Flask, no database, the same input always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
)
from reportlab.platypus.doctemplate import BaseDocTemplate, LayoutError
from reportlab.platypus.frames import Frame

from wardapp.core.pdf import archive, fonts
from wardapp.core.pdf.paragraphs import Para
from wardapp.core.pdf.style import STYLES, esc, layout_style

# Binary streams instead of ASCII85: ReportLab's ASCII85 encoder is pure Python here and was
# the single largest cost of a report with photos (measured: ~40% of the build).
rl_config.useA85 = 0

PAGE_W, PAGE_H = A4
WIDE = landscape(A4)  # the page template "wide": an annex's wide table inside the portrait document
# Appendix I, I.2: top 20–25 mm, bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
TOP, BOTTOM, LEFT, RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
CONTENT_W = PAGE_W - LEFT - RIGHT
WIDE_CONTENT_W = WIDE[0] - LEFT - RIGHT
# Sizes (pt) the decree fixes, each within its range: motto 12–13 / 13–14, authority 12–13,
# "Số" 13, place and date 13–14, type name and summary 13–14, body 13–14, signer 13–14,
# "Nơi nhận:" 12 and its list 11, page number 13–14.
SIZE_AUTHORITY = 13
SIZE_MOTTO = 13
SIZE_MOTTO_2 = 14
SIZE_NUMBER = 13
SIZE_PAGE_NUMBER = 13
SIGNATURE_BOX = (62 * mm, 24 * mm)  # where the PAdES signature appearance goes
Story = list[Any]  # ReportLab flowables (ReportLab has no type hints)
Sink = dict[str, Any]  # where the signature slot records its page and rectangle
PageHook = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Heading:
    """The document's identity as printed at its head."""

    issuer: tuple[str, ...]  # the issuing body, upper case, bold: ("ỦY BAN NHÂN DÂN", "PHƯỜNG HẢI CHÂU")
    number: str  # "05/BC-UBND"; "" while the document has no number yet
    symbol: str  # "BC-UBND": printed after a blank number when ``number`` is ""
    place_date: str  # "Hải Châu, ngày 05 tháng 11 năm 2026"
    doc_type: str  # "BÁO CÁO"
    summary: str  # the summary line (trích yếu) under the type name


@dataclass(frozen=True)
class Signer:
    titles: tuple[str, ...]  # ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    name: str  # "" when the document is not signed yet
    recipients: tuple[str, ...]  # "Nơi nhận" lines, without the dash and the end punctuation
    archive_line: str  # "Lưu: VT, TTPVHCC"
    note: str = ""  # printed where the signature goes when no PDF signature will be made


@dataclass(frozen=True)
class Archival:
    """What makes the file PDF/A-3b and checkable from itself alone."""

    title: str
    author: str
    subject: str
    issued_at: dt.datetime  # aware: the document's own time (its signing), never the build time
    attachments: tuple[archive.Attachment, ...] = ()


@dataclass(frozen=True)
class Built:
    data: bytes
    pages: int
    signature_rect: tuple[float, float, float, float] | None  # x1, y1, x2, y2 on the last page
    signature_page: int | None = None


# --- Wording ----------------------------------------------------------------------------------


def place_date_line(place: str, day: dt.date) -> str:
    """ "Hải Châu, ngày 05 tháng 02 năm 2026": Appendix I writes days below 10 and the months
    January and February with a leading zero, and every other month as it is."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def place_name(commune_name: str) -> str:
    """The place in the date line is the unit's own name, without "Xã"/"Phường"/"Đặc khu"."""
    for prefix in ("Đặc khu ", "Phường ", "Xã ", "Thị trấn "):
        if commune_name.startswith(prefix):
            return commune_name[len(prefix) :]
    return commune_name


def issuer_of(commune_name: str) -> tuple[str, ...]:
    return ("ỦY BAN NHÂN DÂN", commune_name.upper())


def document_number(number: int, symbol: str) -> str:
    """ "05/BC-UBND": numbers below 10 take a leading zero (Appendix I, II.3)."""
    return f"{number:02d}/{symbol}"


def signer_titles(position: str) -> tuple[str, ...]:
    """The authority lines of the signature block, for a document of the commune People's
    Committee (a collegial body: "TM."), as Appendix I words them for the signer's position."""
    lower = " ".join((position or "").lower().split())
    if "phó chủ tịch" in lower:
        return ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    if "chủ tịch" in lower:
        return ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    return ("TM. ỦY BAN NHÂN DÂN", "TL. CHỦ TỊCH", (position or "").upper())


# --- Flowables --------------------------------------------------------------------------------


class Rule(Flowable):  # type: ignore[misc]  # ReportLab is untyped
    """A centred horizontal rule of a given length (under the motto, the issuer, the summary)."""

    def __init__(self, length: float, width: float, space_before: float = 1, space_after: float = 2):
        super().__init__()
        self.length, self.width = length, width
        self.height = space_before + space_after + 0.6
        self.space_after = space_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        y = self.space_after
        self.canv.setStrokeColor(colors.black)
        self.canv.setLineWidth(0.6)
        self.canv.line((self.width - self.length) / 2, y, (self.width + self.length) / 2, y)


class HeadBlock(Flowable):  # type: ignore[misc]
    """The two columns at the head: issuer and number on the left, the national motto and the
    place-and-date line on the right, "Số" and the date on one baseline as the decree shows."""

    LEFT_SHARE = 0.4

    def __init__(self, heading: Heading, width: float):
        super().__init__()
        self.heading, self.width = heading, width
        self.left_w = width * self.LEFT_SHARE
        self.right_w = width - self.left_w
        self.motto_size = self._fit("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fonts.BOLD, (13, 12), self.right_w)
        self.issuer_size = min(self._fit(line, fonts.BOLD, (13, 12), self.left_w) for line in heading.issuer)
        self.issuer_lines = [w for line in heading.issuer for w in self._wrap(line, self.issuer_size)]
        self.height = 27 * mm

    @staticmethod
    def _fit(text: str, font: str, sizes: tuple[int, ...], width: float) -> int:
        for size in sizes:
            if stringWidth(text, font, size) <= width - 2:
                return size
        return sizes[-1]

    def _wrap(self, text: str, size: int) -> list[str]:
        """A unit name too long for the column ("PHƯỜNG VĂN MIẾU - QUỐC TỬ GIÁM") on two balanced
        lines, broken at a word (never leaving a dash to start a line)."""

        def width(line: str) -> float:
            return float(stringWidth(line, fonts.BOLD, size))

        if width(text) <= self.left_w - 2:
            return [text]
        words = text.split()
        splits = [
            (" ".join(words[:i]).removesuffix(" -"), " ".join(words[i:]))
            for i in range(1, len(words))
            if words[i] != "-"
        ]
        fitting = [pair for pair in splits if max(width(pair[0]), width(pair[1])) <= self.left_w - 2]
        if not fitting:
            return [text]
        best = min(fitting, key=lambda pair: max(width(pair[0]), width(pair[1])))
        return [best[0], best[1]]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c, h = self.canv, self.heading
        c.setFillColor(colors.black)
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.6)
        top = self.height - 12
        # Left: the issuing body (bold, upper case) with a rule of 1/3–1/2 of its line under it.
        lx = self.left_w / 2
        y = top
        widest = 0.0
        for line in self.issuer_lines:
            c.setFont(fonts.BOLD, self.issuer_size)
            c.drawCentredString(lx, y, line)
            widest = max(widest, stringWidth(line, fonts.BOLD, self.issuer_size))
            y -= self.issuer_size * 1.15
        rule = widest * 0.4
        c.line(lx - rule / 2, y + self.issuer_size * 0.75, lx + rule / 2, y + self.issuer_size * 0.75)
        # Right: the motto, its second line with a rule as long as the line.
        rx = self.left_w + self.right_w / 2
        y = top
        c.setFont(fonts.BOLD, self.motto_size)
        c.drawCentredString(rx, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        y -= self.motto_size * 1.2
        second = "Độc lập - Tự do - Hạnh phúc"
        c.setFont(fonts.BOLD, self.motto_size + 1)
        c.drawCentredString(rx, y, second)
        length = stringWidth(second, fonts.BOLD, self.motto_size + 1)
        c.line(rx - length / 2, y - 3, rx + length / 2, y - 3)
        # One baseline for "Số: …" and the place-and-date line.
        base = 4
        if h.number or h.symbol:  # a rendering that is nobody's numbered document has no "Số"
            number = h.number or f"{' ' * 6}/{h.symbol}"
            c.setFont(fonts.REGULAR, SIZE_NUMBER)
            c.drawCentredString(lx, base, f"Số: {number}")
        size = 13 if stringWidth(h.place_date, fonts.ITALIC, 14) > self.right_w - 2 else 14
        c.setFont(fonts.ITALIC, size)
        # A long place name: centred as far as the right margin allows, never past it.
        half = stringWidth(h.place_date, fonts.ITALIC, size) / 2
        c.drawCentredString(min(rx, self.width - half), base, h.place_date)


class SignatureSlot(Flowable):  # type: ignore[misc]
    """Reserves the space of the visible PDF signature and remembers where it landed."""

    def __init__(self, width: float, height: float, sink: Sink):
        super().__init__()
        self.width, self.height, self.sink = width, height, sink

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.sink["rect"] = (x, y, x + self.width, y + self.height)
        self.sink["page"] = self.canv.getPageNumber()


def heading_flow(heading: Heading, width: float = CONTENT_W) -> Story:
    fonts.register()
    return [
        HeadBlock(heading, width),
        Spacer(1, 8 * mm),
        Para(esc(heading.doc_type), STYLES["title"]),
        Para(esc(heading.summary), STYLES["summary"]),
        Rule(42 * mm, width, space_before=4),
        Spacer(1, 4 * mm),
    ]


def signature_flow(
    signer: Signer,
    sink: Sink,
    *,
    draft: bool,
    width: float = CONTENT_W,
    tail: Story | None = None,
    after: Story | None = None,
) -> KeepTogether:
    """ "Nơi nhận" on the left and the signer on the right, kept with the body's last lines so that
    no page holds the signature block alone."""
    recipients = [Para("<b><i>Nơi nhận:</i></b>", STYLES["recipients_head"])]
    lines = [f"- {r};" for r in signer.recipients] + [f"- {signer.archive_line}."]
    recipients += [Para(esc(line), STYLES["recipients"]) for line in lines]
    right: Story = [Para(f"<b>{esc(t)}</b>", STYLES["sign"]) for t in signer.titles]
    if draft:
        right += [Spacer(1, 6 * mm), Para("<b>BẢN NHÁP — CHƯA KÝ</b>", STYLES["sign"])]
    elif signer.note:
        right += [Spacer(1, 2 * mm), Para(esc(signer.note), STYLES["sign_note"]), Spacer(1, 2 * mm)]
    elif signer.name:
        right.append(SignatureSlot(*SIGNATURE_BOX, sink))
    else:  # not signed yet: the space a signature takes
        right.append(Spacer(1, SIGNATURE_BOX[1]))
    if signer.name:
        right.append(Para(f"<b>{esc(signer.name)}</b>", STYLES["sign"]))
    table = Table([[recipients, right]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(layout_style(("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "CENTER")))
    return KeepTogether([*(tail or []), Spacer(1, 4 * mm), table, *(after or [])])


# --- The document ------------------------------------------------------------------------------


def _page_number(canvas: Any, doc: Any) -> None:
    """Page numbers from page 2 on, centred in the top margin (Appendix I, II.11)."""
    canvas.saveState()
    canvas.setFont(fonts.REGULAR, SIZE_PAGE_NUMBER)
    canvas.setFillColor(colors.black)
    width = canvas._pagesize[0]
    height = canvas._pagesize[1]
    canvas.drawCentredString(LEFT + (width - LEFT - RIGHT) / 2, height - TOP / 2 - 2, str(canvas.getPageNumber()))
    canvas.restoreState()


def _watermark(canvas: Any) -> None:
    canvas.saveState()
    canvas.setFont(fonts.BOLD, 72)
    canvas.setFillColor(colors.Color(0.8, 0.13, 0.18, alpha=0.13))
    width, height = canvas._pagesize
    canvas.translate(width / 2, height / 2)
    canvas.rotate(40)
    canvas.drawCentredString(0, 0, "BẢN NHÁP")
    canvas.restoreState()


def _decorate(draft: bool) -> tuple[PageHook, PageHook]:
    def first(canvas: Any, doc: Any) -> None:
        if draft:
            _watermark(canvas)

    def later(canvas: Any, doc: Any) -> None:
        _page_number(canvas, doc)
        if draft:
            _watermark(canvas)

    return first, later


class _Doc(BaseDocTemplate):  # type: ignore[misc]
    """A4 portrait; the first page without a page number, the later ones with it. A story may
    switch to "wide" (A4 landscape, the same margins and page numbers) for an annex's table."""

    def __init__(self, out: io.BytesIO, draft: bool, **kw: Any):
        super().__init__(out, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP, bottomMargin=BOTTOM, **kw)
        first, later = _decorate(draft)
        frame = Frame(LEFT, BOTTOM, CONTENT_W, PAGE_H - TOP - BOTTOM, 0, 0, 0, 0, id="text")
        wide = Frame(LEFT, BOTTOM, WIDE_CONTENT_W, WIDE[1] - TOP - BOTTOM, 0, 0, 0, 0, id="wide")
        self.addPageTemplates(
            [
                PageTemplate("first", [frame], onPage=first, pagesize=A4, autoNextPageTemplate="later"),
                PageTemplate("later", [frame], onPage=later, pagesize=A4),
                PageTemplate("wide", [wide], onPage=later, pagesize=WIDE),
            ]
        )


def build(story: Story, sink: Sink, *, meta: Archival, draft: bool = False, annexed: bool = False) -> Built:
    """Lay ``story`` out on the Decree 30 frame and make it PDF/A-3b (drafts stay plain PDF).
    ``annexed``: annexes follow the signature block, so the signature may sit before the last page."""
    fonts.register()
    out = io.BytesIO()
    doc = _Doc(
        out,
        draft,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        creator="wardapp",
        producer="wardapp (ReportLab, pikepdf)",
        invariant=1,
        lang="vi-VN",
        initialFontName=fonts.REGULAR,  # no Helvetica reference on any page
        initialFontSize=13,
    )
    try:
        doc.build(story)
    except LayoutError as error:  # a single flowable taller than a page: say what, never crash silently
        raise ValueError(f"the document cannot be laid out: {error}") from error
    pages = doc.page
    data = out.getvalue()
    if not draft:
        data = archive.to_pdfa3(
            data,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            created=meta.issued_at,
            attachments=meta.attachments,
        )
    rect = sink.get("rect") if annexed or sink.get("page") == pages else None
    return Built(data, pages, rect, sink.get("page"))
