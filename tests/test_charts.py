"""The L&D dashboard's SVG charts, their CSS and its tables, as pure units: no server, no model."""

from __future__ import annotations

import re
from pathlib import Path

from web.charts import line_chart
from web.pages.render import templates

CSS = Path(__file__).resolve().parent.parent / "web" / "static" / "knowhow.css"
SHAPES = {"line", "polyline", "circle", "path", "rect"}


def _rules(css: str) -> list[tuple[list[str], str]]:
    """(selectors, declarations) of every plain rule, media queries flattened."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return [([s.strip() for s in selectors.split(",")], body)
            for selectors, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css)]


def test_line_chart_single_day_is_one_point_with_one_label():
    svg = str(line_chart("Searches per day", ["2026-11-02"], {"searches": [4], "answered": [3]}))
    assert svg.count("2026-11-02") == 2  # the label, and the description read by screen readers
    assert re.findall(r'<text[^>]*>2026-11-02</text>', svg) == [
        '<text x="320.0" y="174" text-anchor="middle" class="axis-label">2026-11-02</text>']
    assert "<polyline" not in svg
    assert re.findall(r"<circle[^>]*>", svg) == [
        '<circle class="series-0" cx="320.0" cy="28.0" r="3"/>',
        '<circle class="series-1" cx="320.0" cy="59.0" r="3"/>',
    ]
    assert "<desc>searches, answered per day on 2026-11-02; peak 4</desc>" in svg


def test_line_chart_several_days_label_both_ends():
    svg = str(line_chart("Searches per day", ["2026-11-02", "2026-11-03"], {"searches": [1, 2]}))
    assert re.findall(r"<text[^>]*>(2026-[^<]*)</text>", svg) == ["2026-11-02", "2026-11-03"]
    assert svg.count("<polyline") == 1 and "<circle" not in svg


def test_chart_strokes_apply_to_lines_only():
    """A stroke on the legend's text smeared its letters: every selector that strokes names a shape."""
    stroked = [selector for selectors, body in _rules(CSS.read_text()) if re.search(r"(^|;)\s*stroke", body)
               for selector in selectors]
    assert stroked, "the charts' lines need a stroke"
    not_shapes = [s for s in stroked if re.split(r"[.\[:#]", s.split()[-1])[0] not in SHAPES]
    assert not_shapes == []


def test_rate_columns_show_percentages():
    html = templates.env.get_template("_table.html").render(
        table_id="daily", table_title="Per day", csv=None, percent=["answer_rate"],
        rows=[{"day": "2026-11-02", "answer_rate": 0.696}, {"day": "2026-11-03", "answer_rate": None}],
        columns=[("day", "Day"), ("answer_rate", "Answer rate")])
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells == ["2026-11-02", "69.6%", "2026-11-03", "–"]


def test_dashboard_tables_show_answer_rates_as_percentages():
    source = (Path(templates.env.loader.searchpath[0]) / "lnd_dashboard.html").read_text()
    tables = re.findall(r"{% with (.*?) %}", source, flags=re.DOTALL)
    with_rates = [t for t in tables if '"answer_rate"' in t]
    assert len(with_rates) == 3
    assert all('percent=["answer_rate"]' in t for t in with_rates)
