"""The documents' font: a Times-metric serif with full Vietnamese coverage, as Decree 30 asks.

Decree 30/2020/NĐ-CP (Appendix I) prescribes a Unicode Vietnamese font in the Times New Roman
style. Liberation Serif 2 (Debian ``fonts-liberation2``) and Tinos (Debian ``fonts-croscore``)
have Times New Roman's metrics and every Vietnamese letter; both come from the system's package
manager (listed in ``.ci/system-packages.txt``) and are looked up at their Debian paths, never
copied into the repository. ReportLab's built-in fonts have no Vietnamese and are never embedded.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from reportlab.graphics import shapes
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "DocSerif"
REGULAR, BOLD, ITALIC, BOLD_ITALIC = FAMILY, f"{FAMILY}-Bold", f"{FAMILY}-Italic", f"{FAMILY}-BoldItalic"
STYLES = {REGULAR: "Regular", BOLD: "Bold", ITALIC: "Italic", BOLD_ITALIC: "BoldItalic"}
# (folder, file name pattern) in order of preference; WARDAPP_FONT_DIR may point at a folder
# holding LiberationSerif-*.ttf or Tinos-*.ttf on a system laid out differently.
CANDIDATES = (
    ("/usr/share/fonts/truetype/liberation2", "LiberationSerif-{style}.ttf"),
    ("/usr/share/fonts/truetype/croscore", "Tinos-{style}.ttf"),
)


class FontMissing(RuntimeError):
    """No Times-metric Vietnamese serif is installed."""


def _candidates() -> list[tuple[str, str]]:
    extra = os.environ.get("WARDAPP_FONT_DIR")
    found = list(CANDIDATES)
    if extra:
        found = [(extra, "LiberationSerif-{style}.ttf"), (extra, "Tinos-{style}.ttf"), *found]
    return found


@cache
def font_folder() -> tuple[Path, str]:
    """The first folder holding all four styles of a supported serif."""
    for folder, pattern in _candidates():
        if all((Path(folder) / pattern.format(style=s)).is_file() for s in STYLES.values()):
            return Path(folder), pattern
    raise FontMissing(
        "No Times-metric Vietnamese serif font found: install Debian's fonts-liberation2 "
        "(Liberation Serif) or fonts-croscore (Tinos), e.g. `apt-get install fonts-liberation2`, "
        "or set WARDAPP_FONT_DIR to a folder holding LiberationSerif-Regular.ttf and its styles."
    )


def font_path(style: str = "Regular") -> Path:
    """The TrueType file of one style: Regular, Bold, Italic or BoldItalic."""
    folder, pattern = font_folder()
    return folder / pattern.format(style=style)


@cache
def register() -> str:
    """Register the family once per process; returns the regular font's name."""
    for name, style in STYLES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_path(style))))
    addMapping(FAMILY, 0, 0, REGULAR)
    addMapping(FAMILY, 1, 0, BOLD)
    addMapping(FAMILY, 0, 1, ITALIC)
    addMapping(FAMILY, 1, 1, BOLD_ITALIC)
    # ReportLab's graphics renderer opens every drawing (the trend charts) by setting its default
    # font, Helvetica, which would then be referenced unembedded: PDF/A forbids that.
    shapes.STATE_DEFAULTS["fontName"] = REGULAR
    return REGULAR
