"""ReportLab paragraphs made and laid out with less work, drawing exactly what ReportLab's draw.

A report is some 230 paragraphs, most of them table cells holding plain text, and two costs of
ReportLab's ``Paragraph`` were a third of a daily report's build (bench/pdf.py):

- every paragraph runs its markup through an HTML parser, even a cell holding "12" or a name;
  text without markup becomes the single fragment the parser would make, copied from one parsed
  once per style;
- a table measures each cell to size its rows, then again to draw it, again when it is split
  across pages or kept with its neighbours: the same paragraph broken into lines two or three
  times at the same width. A paragraph keeps its lines for each width it was given.

The bytes of the documents are unchanged (tests/pdf/test_paragraphs.py builds both ways).
"""

from __future__ import annotations

import weakref
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaParser
from reportlab.rl_config import _FUZZ  # the width below which ReportLab breaks no lines

_MARKUP = ("<", "&")  # a tag or an entity: the parser's work
_SAME_WIDTH = 1e-6  # points


def _template(style: ParagraphStyle) -> Any:
    """The fragment ReportLab's parser makes for plain text in ``style``, parsed once per style
    (a fragment says font, size and colour, not the text). Held as long as the style is: the
    documents' styles are module constants, and a style made per call leaves with its call."""
    template = _templates.get(style)
    if template is None:
        _style, frags, _bullets = ParaParser().parse("x", style)
        template = _templates[style] = frags[0]
    return template


_templates: weakref.WeakKeyDictionary[ParagraphStyle, Any] = weakref.WeakKeyDictionary()


def _transforms(style: ParagraphStyle) -> bool:
    """Whether the parser would do more than make one fragment (a bullet, a text transform)."""
    return bool(getattr(style, "bulletText", None) or getattr(style, "textTransform", None))


class Para(Paragraph):  # type: ignore[misc]  # ReportLab is untyped
    """A ``Paragraph`` (same arguments, same drawing) that skips the parser for plain text and
    breaks its lines once per width."""

    def __init__(self, text: str | None, style: ParagraphStyle, bulletText: Any = None, frags: Any = None, **kw: Any):
        self._lines_by_width: dict[float, tuple[float, Any, list[float]]] = {}
        if frags is None and isinstance(text, str) and style is not None and not kw and bulletText is None:
            plain = cleanBlockQuotedText(text)
            if plain and not any(mark in plain for mark in _MARKUP) and not _transforms(style):
                # A fresh copy of the lists a fragment carries (links, underlines), as the parser makes.
                frags = [_template(style).clone(text=plain, link=[], us_lines=[])]
                text = plain
        super().__init__(text, style, bulletText=bulletText, frags=frags, **kw)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if not getattr(self, "_splitpara", 0):  # the first part of a split paragraph: ReportLab's way
            for width, (height, lines, widths) in self._lines_by_width.items():
                # A table hands its cell the column's width summed anew each time: equal but for the
                # last bits of a float. A millionth of a point breaks no line differently.
                if abs(width - availWidth) < _SAME_WIDTH:
                    self.width, self.height, self.blPara, self._wrapWidths = availWidth, height, lines, widths
                    return availWidth, height
        width, height = super().wrap(availWidth, availHeight)
        # Kept only when lines were broken at this width (ReportLab gives up below a hair's width).
        if availWidth >= _FUZZ and not getattr(self, "_splitpara", 0):
            self._lines_by_width[availWidth] = (self.height, self.blPara, self._wrapWidths)
        return width, height
