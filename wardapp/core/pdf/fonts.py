"""The documents' font: a Times-metric serif with full Vietnamese coverage, as Decree 30 asks.

Decree 30/2020/NĐ-CP (Appendix I) prescribes a Unicode Vietnamese font in the Times New Roman
style. Liberation Serif 2 (Debian ``fonts-liberation2``) and Tinos (Debian ``fonts-croscore``)
have Times New Roman's metrics and every Vietnamese letter; both come from the system's package
manager (listed in ``.ci/system-packages.txt``) and are looked up at their Debian paths, never
copied into the repository. ReportLab's built-in fonts have no Vietnamese and are never embedded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics import shapes
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

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


# Every character a document is expected to hold, in a fixed order: printable ASCII, then every
# Vietnamese letter, then the punctuation Vietnamese typesetting uses. See ``_Font``.
ALPHABET = (
    "".join(map(chr, range(32, 127)))
    + "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    + "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
    + "–—‘’“”…•°×"
)
_KEPT_SUBSETS = 16  # per face: a few documents' worth, should some text leave the alphabet
_keeping = threading.Lock()  # PDFs are built in several threads of a worker


def _keep(kept: dict[Any, bytes], key: Any, make: Callable[[], bytes]) -> bytes:
    """``kept[key]``, made with ``make()`` the first time; the oldest entries make room."""
    with _keeping:
        done = kept.get(key)
    if done is None:
        done = make()
        with _keeping:
            while len(kept) >= _KEPT_SUBSETS:
                kept.pop(next(iter(kept)))
            kept[key] = done
    return done


class _Font(TTFont):  # type: ignore[misc]  # ReportLab is untyped
    """A TrueType font whose characters are numbered in ``ALPHABET``'s order in every document.

    ReportLab numbers a font's characters in the order a document first draws them and embeds, per
    style, the subset of glyphs so numbered: a subset that differed with every document's wording,
    made and compressed anew each time (some 4 ms of a daily report's 40, bench/pdf.py). Numbered
    first in one fixed order, every document that keeps to the alphabet embeds the same subsets,
    made once per process (``_Face``, ``_KeptFlate``); they carry some glyphs a document may not
    use (about 5% more bytes). A character outside the alphabet is numbered after it, as before,
    and a style a document never draws is not embedded at all."""

    def __init__(self, name: str, filename: str):
        super().__init__(name, filename)
        # TTFont makes its face itself: the same object, given the subset-keeping methods.
        self.face.__class__ = _Face
        self.face._subsets = {}

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> Any:
        state = self._assignState(doc)
        if not getattr(state, "alphabet", False):
            state.alphabet = True
            super().splitString(ALPHABET, doc)
        return super().splitString(text, doc, encoding)


class _Face(TTFontFace):  # type: ignore[misc]  # ReportLab is untyped
    """A font face that keeps the subsets it made, and their compressed bytes, for reuse."""

    def makeSubset(self, subset: list[int]) -> bytes:
        return _keep(self._subsets, tuple(subset), lambda: bytes(super(_Face, self).makeSubset(subset)))

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        descriptor = super().addSubsetObjects(doc, fontname, subset)
        # The font file's stream, under the name ReportLab's addSubsetObjects gives it; were that
        # name to change, the subset would only be compressed anew each time, as before.
        stream = doc.idToObject.get(f"fontFile:{self.filename}({fontname})")
        if stream is not None and stream.filters:
            stream.filters = [_KEPT_FLATE]
        return descriptor


class _KeptFlate(pdfdoc.PDFStreamFilterZCompress):  # type: ignore[misc]
    """Flate, as ReportLab's, remembering the last font subsets it compressed (same bytes in,
    same bytes out: the document stays the same for the same input)."""

    def __init__(self) -> None:
        self._kept: dict[bytes, bytes] = {}

    def encode(self, text: bytes | str) -> bytes:
        if not isinstance(text, bytes):
            return bytes(super().encode(text))
        return _keep(self._kept, text, lambda: bytes(super(_KeptFlate, self).encode(text)))


_KEPT_FLATE = _KeptFlate()


@cache
def register() -> str:
    """Register the family once per process; returns the regular font's name."""
    for name, style in STYLES.items():
        pdfmetrics.registerFont(_Font(name, str(font_path(style))))
    addMapping(FAMILY, 0, 0, REGULAR)
    addMapping(FAMILY, 1, 0, BOLD)
    addMapping(FAMILY, 0, 1, ITALIC)
    addMapping(FAMILY, 1, 1, BOLD_ITALIC)
    # ReportLab's graphics renderer opens every drawing (the trend charts) by setting its default
    # font, Helvetica, which would then be referenced unembedded: PDF/A forbids that.
    shapes.STATE_DEFAULTS["fontName"] = REGULAR
    return REGULAR
