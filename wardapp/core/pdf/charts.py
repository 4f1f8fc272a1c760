"""Trend charts drawn with ReportLab graphics (vector, no image library)."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors

from wardapp.core.pdf import fonts

SERIES_COLOURS = ("#1f6feb", "#1a7f37", "#b3261e")


@dataclass(frozen=True)
class Trend:
    days: list[str]  # dd/mm labels, oldest first
    series: list[tuple[str, list[float | None]]]  # (label, values 0..1 or None)
    percent_labels: tuple[str, str, str] = ("0%", "50%", "100%")


def trend_drawing(trend: Trend, width: float, height: float) -> Drawing:
    fonts.register()
    drawing = Drawing(width, height)
    left, right, bottom, top = 40, 6, 28, 6  # room for "100,0%" at 9 pt inside the drawing
    plot_w, plot_h = width - left - right, height - bottom - top
    count = max(len(trend.days), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return bottom + plot_h * max(0.0, min(1.0, v))

    for level, label in zip((0.0, 0.5, 1.0), trend.percent_labels):
        drawing.add(
            Line(left, y(level), left + plot_w, y(level), strokeColor=colors.HexColor("#d9dee5"), strokeWidth=0.5)
        )
        drawing.add(
            String(
                left - 3,
                y(level) - 2.5,
                label,
                fontName=fonts.REGULAR,
                fontSize=9,
                textAnchor="end",
                fillColor=colors.black,  # Decree 30: black text
            )
        )
    if trend.days:
        drawing.add(String(left, bottom - 9, trend.days[0], fontName=fonts.REGULAR, fontSize=9))
        drawing.add(
            String(left + plot_w, bottom - 9, trend.days[-1], fontName=fonts.REGULAR, fontSize=9, textAnchor="end")
        )
    for index, (label, values) in enumerate(trend.series):
        colour = colors.HexColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])
        segment: list[float] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                if len(segment) >= 4:
                    drawing.add(PolyLine(segment, strokeColor=colour, strokeWidth=1.2))
                elif segment:  # a day with no neighbour (the first report, a gap around it): a dot, not nothing
                    drawing.add(Circle(segment[0], segment[1], 1.6, fillColor=colour, strokeColor=None))
                segment = []
            else:
                segment += [x(i), y(value)]
        legend_x = left + index * (plot_w / 3)
        drawing.add(Line(legend_x, 4, legend_x + 12, 4, strokeColor=colour, strokeWidth=2))
        drawing.add(String(legend_x + 15, 1.5, label, fontName=fonts.REGULAR, fontSize=9))
    return drawing
