"""Server-side SVG line charts (wardapp/dashboard/charts.py)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from wardapp.core import svg as charts
from wardapp.core.svg import line_chart

SVG = "{http://www.w3.org/2000/svg}"
START = dt.date(2025, 7, 1)


def label(value: float) -> str:
    return f"{value * 100:.0f}%"


def days(*values: float | None) -> list[tuple[dt.date, float | None]]:
    return [(START + dt.timedelta(days=i), v) for i, v in enumerate(values)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own SVG


def polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    return [
        [tuple(float(c) for c in pair.split(",")) for pair in line.get("points").split()]
        for line in root.iter(f"{SVG}polyline")
    ]


def circles(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}circle"))


def test_it_draws_well_formed_svg():
    root = parse(line_chart(days(0.5, 0.6, 0.7), "Tỷ lệ đúng hạn", label))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"


def test_it_gives_the_chart_a_title_for_screen_readers():
    root = parse(line_chart(days(0.5, 0.6), "Tỷ lệ đúng hạn", label))
    assert root.find(f"{SVG}title").text == "Tỷ lệ đúng hạn"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Tỷ lệ đúng hạn"


def test_it_escapes_markup_in_the_title_and_labels():
    root = parse(line_chart(days(0.5, 0.6), 'Trễ & "quá" <hạn>', lambda v: f"<{v}>"))
    assert root.find(f"{SVG}title").text == 'Trễ & "quá" <hạn>'
    assert root.get("aria-label") == 'Trễ & "quá" <hạn>'


def test_it_draws_one_line_through_consecutive_days():
    root = parse(line_chart(days(0.2, 0.4, 0.6, 0.8), "t", label))
    lines = polylines(root)
    assert len(lines) == 1
    assert len(lines[0]) == 4
    xs = [x for x, _ in lines[0]]
    assert xs == sorted(xs)  # left to right, oldest first


def test_it_leaves_a_gap_for_a_day_without_data():
    root = parse(line_chart(days(0.5, 0.6, None, 0.7, 0.8), "t", label))
    lines = polylines(root)
    assert [len(line) for line in lines] == [2, 2]
    assert lines[0][-1][0] < lines[1][0][0]


def test_it_does_not_draw_days_without_data_as_zero():
    root = parse(line_chart(days(0.5, None, 0.5), "t", label))
    assert polylines(root) == []  # two lone days, no line between them
    assert len(circles(root)) == 2
    bottom = f"{charts._y(0.0):.1f}"
    assert all(c.get("cy") != bottom for c in circles(root))


def test_it_shows_a_lone_day_as_a_dot():
    root = parse(line_chart(days(None, 0.4, None, 0.5, 0.6), "t", label))
    assert [len(line) for line in polylines(root)] == [2]
    assert len(circles(root)) == 3


def test_it_ignores_missing_days_at_either_end():
    root = parse(line_chart(days(None, None, 0.3, 0.4, None), "t", label))
    assert [len(line) for line in polylines(root)] == [2]


def test_it_draws_only_the_axis_when_every_day_is_missing():
    root = parse(line_chart(days(None, None, None), "t", label))
    assert polylines(root) == []
    assert circles(root) == []


def test_it_draws_an_empty_chart_without_days():
    root = parse(line_chart([], "Không có dữ liệu", label))
    assert root.find(f"{SVG}title").text == "Không có dữ liệu"
    assert polylines(root) == [] and circles(root) == []


def test_it_centres_a_single_day():
    root = parse(line_chart(days(0.5), "t", label))
    (dot,) = circles(root)
    assert float(dot.get("cx")) == pytest.approx((charts.LEFT + charts.WIDTH - charts.RIGHT) / 2)


@pytest.mark.parametrize("value, shown_as", [(1.7, 1.0), (1.0, 1.0), (-0.3, 0.0), (0.0, 0.0)])
def test_it_keeps_values_between_zero_and_one_hundred_percent(value, shown_as):
    root = parse(line_chart(days(value, shown_as), "t", label))
    first, second = circles(root)
    assert first.get("cy") == second.get("cy")
    assert charts.TOP <= float(first.get("cy")) <= charts.HEIGHT - charts.BOTTOM


def test_it_puts_higher_rates_higher_on_the_chart():
    root = parse(line_chart(days(0.2, 0.9), "t", label))
    low, high = circles(root)
    assert float(high.get("cy")) < float(low.get("cy"))  # SVG y grows downwards


def test_it_labels_the_axis_at_zero_fifty_and_one_hundred_percent():
    root = parse(line_chart(days(0.5, 0.6), "t", label))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:3] == ["0%", "50%", "100%"]


def test_it_labels_the_first_and_last_day():
    root = parse(line_chart(days(*[0.5] * 31), "t", label))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[-2:] == ["01/07", "31/07"]


def test_it_gives_every_dot_a_tooltip_with_date_and_rate():
    root = parse(line_chart(days(0.25, None, 0.5), "t", label))
    tips = [c.find(f"{SVG}title").text for c in circles(root)]
    assert tips == ["01/07/2025: 25%", "03/07/2025: 50%"]


def test_it_uses_no_inline_styles_so_the_csp_stays_strict():
    svg = line_chart(days(0.5, None, 0.6, 0.7), "t", label)
    assert "style=" not in svg
    assert "<script" not in svg
