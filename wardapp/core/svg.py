"""Small line charts drawn on the server as SVG: no chart library in the browser.

Pure: takes points, returns SVG markup. Days without data leave a gap in the line rather than
pretending to be zero. Presentation attributes (not ``style``) keep the page's CSP strict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 8, 20


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(0.0, min(1.0, value)))


def line_chart(points: list[tuple[dt.date, float | None]], title: str, percent_label: Callable[[float], str]) -> str:
    """A 0–100% line over the given days; ``percent_label`` formats the axis and tooltips."""
    count = len(points)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for level in (0.0, 0.5, 1.0):
        y = _y(level)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dee5" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="9" fill="#5b6675">'
            f'{escape(percent_label(level))}</text>'
        )
    segments: list[list[str]] = [[]]
    for i, (_day, value) in enumerate(points):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(f"{_x(i, count):.1f},{_y(value):.1f}")
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="#1f6feb" stroke-width="2" '
                'stroke-linejoin="round"/>'
            )
    for i, (day, value) in enumerate(points):
        if value is not None:
            parts.append(
                f'<circle cx="{_x(i, count):.1f}" cy="{_y(value):.1f}" r="2.2" fill="#1f6feb">'
                f'<title>{day.strftime("%d/%m/%Y")}: {escape(percent_label(value))}</title></circle>'
            )
    if points:
        for i in (0, count - 1):
            anchor = "start" if i == 0 else "end"
            parts.append(
                f'<text x="{_x(i, count):.1f}" y="{HEIGHT - 5}" text-anchor="{anchor}" font-size="9" '
                f'fill="#5b6675">{points[i][0].strftime("%d/%m")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
