"""Paragraph and table styles shared by every wardapp PDF."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from wardapp.core.pdf import fonts

INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6675")
RED = colors.HexColor("#b3261e")


def esc(text: object) -> str:
    """Text for a ReportLab Paragraph: markup characters escaped, line breaks kept."""
    return escape(str(text or "")).replace("\n", "<br/>")


def _style(name: str, size: float = 9.5, align=TA_LEFT, font=fonts.REGULAR, color=INK, leading=None, **kw):
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=leading or size * 1.3, alignment=align, textColor=color, **kw
    )


STYLES = {
    "head_center": _style("head_center", 9.5, TA_CENTER),
    "small_center": _style("small_center", 8.5, TA_CENTER),
    "tiny_center": _style("tiny_center", 6.5, TA_CENTER, color=MUTED),
    "title": _style("title", 14, TA_CENTER, fonts.BOLD, spaceBefore=2, spaceAfter=2),
    "subtitle": _style("subtitle", 10, TA_CENTER, fonts.ITALIC, spaceAfter=2),
    "section": _style("section", 10.5, TA_LEFT, fonts.BOLD, spaceBefore=9, spaceAfter=4, keepWithNext=1),
    "subsection": _style("subsection", 9.5, TA_LEFT, fonts.BOLD, spaceBefore=6, spaceAfter=3, keepWithNext=1),
    "body": _style("body", 9.5, TA_JUSTIFY, spaceAfter=3),
    "indent": _style("indent", 9.5, TA_JUSTIFY, leftIndent=10, spaceAfter=1),
    "item": _style("item", 9.5, TA_LEFT, spaceBefore=4, spaceAfter=1),  # an explanation's heading
    "cell": _style("cell", 8.5),
    "cell_head": _style("cell_head", 7.5, TA_CENTER, fonts.BOLD),
    "cell_num": _style("cell_num", 8.5, TA_RIGHT),
    "small": _style("small", 8, color=MUTED),
    "tiny": _style("tiny", 6.5, color=MUTED),
    "flag": _style("flag", 7.5, color=RED),
    "late": _style("late", 10, TA_CENTER, color=RED, spaceBefore=3),
    "sign_center": _style("sign_center", 10, TA_CENTER),
}


def grid_style(header_rows: int = 1) -> TableStyle:
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    if header_rows:
        style.add("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eef1f5"))
    return style
