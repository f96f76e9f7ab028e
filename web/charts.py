"""Small server-rendered SVG charts for the L&D dashboard: readable without JavaScript, no chart library.

Every chart carries a <title> and <desc> for screen readers, and the page shows the same numbers in a
table next to it.
"""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 180, 28


def _scale(values: list[float]) -> float:
    top = max(values, default=0) or 1
    return (HEIGHT - 2 * PAD) / top


def line_chart(title: str, labels: list[str], series: dict[str, list[float]]) -> Markup:
    """One polyline per series over shared x labels (e.g. days)."""
    n = len(labels)
    if n == 0:
        return Markup(f'<p class="muted">No data for “{escape(title)}” in this period.</p>')
    every = [v for values in series.values() for v in values]
    scale = _scale(every)
    step = (WIDTH - 2 * PAD) / max(n - 1, 1)
    span = f"on {labels[0]}" if n == 1 else f"from {labels[0]} to {labels[-1]}"
    parts = [_open(title, f"{', '.join(series)} per day {span}; peak {max(every):g}")]
    parts.append(_axes(max(every)))
    for index, (name, values) in enumerate(series.items()):
        if n == 1:
            # One day is one point, in the middle: a polyline needs two, and both ends would name the same day.
            parts.append(f'<circle class="series-{index}" cx="{WIDTH / 2:.1f}" '
                         f'cy="{HEIGHT - PAD - values[0] * scale:.1f}" r="3"/>')
            continue
        points = " ".join(f"{PAD + i * step:.1f},{HEIGHT - PAD - v * scale:.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline class="series-{index}" fill="none" points="{points}"/>')
    if n == 1:
        parts.append(f'<text x="{WIDTH / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" class="axis-label">'
                     f'{escape(labels[0])}</text>')
    else:
        parts.append(f'<text x="{PAD}" y="{HEIGHT - 6}" class="axis-label">{escape(labels[0])}</text>')
        parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" text-anchor="end" class="axis-label">'
                     f'{escape(labels[-1])}</text>')
    legend = "".join(f'<tspan class="legend-{i}" dx="12">■ {escape(name)}</tspan>' for i, name in enumerate(series))
    parts.append(f'<text x="{PAD}" y="14" class="axis-label">{legend}</text>')
    return Markup("".join(parts) + "</svg>")


def calendar_days(rows: list[dict], series: dict[str, str]) -> tuple[list[str], dict[str, list[float]]]:
    """Per-day rows (an ISO `day` each) as day labels and series (name: row key) over every calendar day
    from the first row to the last, a day without a row counting 0: drawn over only the days that have
    rows, a quiet weekend would vanish and Friday would run straight into Monday."""
    values = {row["day"]: row for row in rows}
    if not values:
        return [], {name: [] for name in series}
    first, last = date.fromisoformat(min(values)), date.fromisoformat(max(values))
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    return days, {name: [(values[day].get(key) or 0) if day in values else 0 for day in days]
                  for name, key in series.items()}


def bar_chart(title: str, labels: list[str], values: list[float]) -> Markup:
    """Vertical bars, one per label (e.g. contributions per month)."""
    if not labels:
        return Markup(f'<p class="muted">No data for “{escape(title)}” in this period.</p>')
    scale = _scale(values)
    slot = (WIDTH - 2 * PAD) / len(labels)
    parts = [_open(title, "; ".join(f"{label}: {value:g}" for label, value in zip(labels, values))), _axes(max(values))]
    for i, (label, value) in enumerate(zip(labels, values)):
        height = value * scale
        x = PAD + i * slot + slot * 0.15
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{height:.1f}"><title>{escape(label)}: {value:g}</title></rect>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 6}" class="axis-label">{escape(labels[0])}</text>')
    parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" text-anchor="end" class="axis-label">{escape(labels[-1])}</text>')
    return Markup("".join(parts) + "</svg>")


def sparkline(values: list[float]) -> Markup:
    """A word-sized trend (e.g. a gap topic's questions per week)."""
    if not values:
        return Markup("")
    top = max(values) or 1
    width, height = 80, 20
    step = width / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - v / top * (height - 4):.1f}" for i, v in enumerate(values))
    label = ", ".join(f"{v:g}" for v in values)
    return Markup(f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'role="img" aria-label="per week: {escape(label)}"><polyline fill="none" points="{points}"/></svg>')


def _open(title: str, description: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="t-{id(title)}" '
            f'preserveAspectRatio="xMidYMid meet"><title id="t-{id(title)}">{escape(title)}</title>'
            f"<desc>{escape(description)}</desc>")


def _axes(top: float) -> str:
    return (f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}"/>'
            f'<line class="axis" x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}"/>'
            f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" class="axis-label">{top:g}</text>'
            f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" text-anchor="end" class="axis-label">0</text>')
