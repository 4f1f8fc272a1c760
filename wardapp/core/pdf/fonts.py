"""A font with full Vietnamese coverage for every PDF (ReportLab's built-in fonts have none).

Be Vietnam Pro comes from the ``fontpkg-be-vietnam-pro`` package (installed by pip, never copied
into the repository).
"""

from __future__ import annotations

from functools import cache

import fontpkg_be_vietnam_pro
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "BeVietnamPro"
REGULAR, BOLD, ITALIC, BOLD_ITALIC = FAMILY, f"{FAMILY}-Bold", f"{FAMILY}-Italic", f"{FAMILY}-BoldItalic"
FILES = {REGULAR: "Regular", BOLD: "SemiBold", ITALIC: "Italic", BOLD_ITALIC: "SemiBoldItalic"}


def font_path(style: str = "Regular"):
    return fontpkg_be_vietnam_pro.ROOT / "files" / f"BeVietnamPro-{style}.ttf"


@cache
def register() -> str:
    """Register the family once per process; returns the regular font's name."""
    for name, style in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_path(style))))
    addMapping(FAMILY, 0, 0, REGULAR)
    addMapping(FAMILY, 1, 0, BOLD)
    addMapping(FAMILY, 0, 1, ITALIC)
    addMapping(FAMILY, 1, 1, BOLD_ITALIC)
    return REGULAR
