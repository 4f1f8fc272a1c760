"""Paragraph and table styles shared by every wardapp document (Decree 30 sizes, black text)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import TableStyle

from wardapp.core.pdf import fonts

INK = colors.black
RED = colors.black  # Appendix I: black text throughout; emphasis is bold, never colour
BODY = 13  # Appendix I, II.9: the body is set in 13–14 pt
TABLE = 11  # tables are not sized by the decree; 11 pt keeps a table inside the text width


def esc(text: object) -> str:
    """Text for a ReportLab Paragraph: markup characters escaped, line breaks kept."""
    return escape(str(text or "")).replace("\n", "<br/>")


def _style(
    name: str,
    size: float = BODY,
    align: int = TA_LEFT,
    font: str = fonts.REGULAR,
    leading: float | None = None,
    **kw: Any,
) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=leading or size * 1.2, alignment=align, textColor=INK, **kw
    )


STYLES = {
    "title": _style("title", 14, TA_CENTER, fonts.BOLD, spaceBefore=0, spaceAfter=0),
    "summary": _style("summary", 14, TA_CENTER, fonts.BOLD, spaceAfter=1),
    "section": _style("section", BODY, TA_LEFT, fonts.BOLD, spaceBefore=6, spaceAfter=3, keepWithNext=1),
    # No keepWithNext: it would push a subsection and its whole long table to the next page.
    "subsection": _style("subsection", BODY, TA_LEFT, fonts.BOLD, spaceBefore=4, spaceAfter=3),
    # Paragraphs: first line indented 1–1.27 cm, at least 6 pt between paragraphs (II.9).
    "body": _style("body", BODY, TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6),
    "note": _style("note", BODY, TA_JUSTIFY, fonts.ITALIC, firstLineIndent=10 * mm, spaceAfter=6),
    "indent": _style("indent", BODY, TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=2),
    "item": _style("item", BODY, TA_JUSTIFY, firstLineIndent=10 * mm, spaceBefore=4, spaceAfter=2),
    "cell": _style("cell", TABLE),
    "cell_center": _style("cell_center", TABLE, TA_CENTER),
    "cell_head": _style("cell_head", TABLE, TA_CENTER, fonts.BOLD),
    "cell_num": _style("cell_num", TABLE, TA_RIGHT),
    "cell_index": _style("cell_index", TABLE, TA_CENTER, fonts.ITALIC),
    "small": _style("small", TABLE),
    "caption": _style("caption", TABLE, TA_CENTER, fonts.ITALIC),
    "flag": _style("flag", TABLE, font=fonts.BOLD),
    "late": _style("late", BODY, TA_JUSTIFY, fonts.BOLD, firstLineIndent=10 * mm, spaceAfter=6),
    "sign": _style("sign", 14, TA_CENTER, fonts.BOLD, leading=17),
    "sign_note": _style("sign_note", TABLE, TA_CENTER, fonts.ITALIC),
    "recipients_head": _style("recipients_head", 12, TA_LEFT, fonts.BOLD_ITALIC),
    "recipients": _style("recipients", 11, TA_LEFT, leading=13),
    "verify": _style("verify", TABLE, TA_LEFT, leading=13),
    # Used by the city's consolidated report (not yet on the Decree 30 frame).
    "tiny_center": _style("tiny_center", 9, TA_CENTER),
    "head_center": _style("head_center", 12, TA_CENTER),
    "subtitle": _style("subtitle", BODY, TA_CENTER, fonts.ITALIC, spaceAfter=2),
    "tiny": _style("tiny", 9),
    "small_center": _style("small_center", TABLE, TA_CENTER),
    "sign_center": _style("sign_center", BODY, TA_CENTER, fonts.BOLD),
}


def grid_style(header_rows: int = 1) -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            # A table draws even its empty cells with a font: ours, so no Helvetica is referenced.
            ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )


def layout_style(*commands: tuple[Any, ...]) -> TableStyle:
    """A table that only places things side by side (no grid): top-aligned, flush left, our font even
    in its empty cells (so no Helvetica is referenced); then ``commands``."""
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            *commands,
        ]
    )
