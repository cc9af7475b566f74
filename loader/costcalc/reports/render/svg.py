"""Charts drawn as inline SVG: no library, no script, nothing fetched.

Bars are horizontal (long service names stay readable), grouped when a chart has
several series; a line chart draws one line per series, broken where a value is
missing (suppressed). Every bar and point is an element with class ``bar`` or
``point``, a ``data-value`` and a ``<title>`` (its tooltip); every text is
escaped, so a service named ``<script>`` is shown, never run.
"""

from __future__ import annotations

import math
from html import escape

from costcalc.reports.output import _cell
from costcalc.reports.render.charts import Chart
from costcalc.reports.results import MONEY
from costcalc.safe_output import terminal_text

PALETTE = ("#1f4e79", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b7950b")
WIDTH = 820
LABEL_W = 300
BAR_H = 16
GROUP_GAP = 10


def _e(text) -> str:
    """Text for the page: control characters removed (a NUL or ESC from a provider's file), then escaped."""
    return escape(terminal_text(text), quote=True)


def _fmt(value: float, kind: str) -> str:
    return _cell(value, kind)


def _tick(value: float, kind: str) -> str:
    """An axis label: whole pounds without pence (``£2,000,000``)."""
    if kind == MONEY and float(value).is_integer():
        return _fmt(value, kind)[:-3]
    return _fmt(value, kind)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    ticks = [math.floor(lo / step) * step]
    while ticks[-1] < hi - step * 1e-9:  # the last tick at or beyond the biggest value
        ticks.append(ticks[0] + len(ticks) * step)
    return [round(t, 10) for t in ticks]


def _legend(chart: Chart, x: int, y: int) -> list[str]:
    out = []
    for k, s in enumerate(chart.series):
        out.append(f'<rect x="{x}" y="{y + k * 18}" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>'
                   f'<text x="{x + 18}" y="{y + k * 18 + 10}" class="legend">{_e(s.name)}</text>')
    return out


def bar_svg(chart: Chart) -> str:
    n_series = len(chart.series)
    values = [v for s in chart.series for v in s.values if v is not None]
    ticks = _nice_ticks(min(0.0, min(values)), max(0.0, max(values)))
    lo, hi = ticks[0], ticks[-1]
    legend_h = 18 * n_series + 6 if n_series > 1 else 0
    group_h = n_series * BAR_H + GROUP_GAP
    top = 16 + legend_h
    plot_w = WIDTH - LABEL_W - 110
    height = top + group_h * len(chart.categories) + 30

    def x_of(v: float) -> float:
        return LABEL_W + (v - lo) / (hi - lo) * plot_w

    parts = [f'<svg class="chart bar-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-label="{_e(chart.title)}">',
             f'<title>{_e(chart.title)}</title>']
    if n_series > 1:
        parts += _legend(chart, LABEL_W, 6)
    for t in ticks:
        x = x_of(t)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height - 24}" class="grid"/>'
                     f'<text x="{x:.1f}" y="{height - 8}" class="tick" text-anchor="middle">'
                     f'{_e(_tick(t, chart.value_kind))}</text>')
    for i, cat in enumerate(chart.categories):
        gy = top + i * group_h
        label = cat if len(cat) <= 40 else cat[:38] + "…"
        parts.append(f'<text x="{LABEL_W - 8}" y="{gy + n_series * BAR_H / 2 + 4:.1f}" class="label" '
                     f'text-anchor="end"><title>{_e(cat)}</title>{_e(label)}</text>')
        for k, s in enumerate(chart.series):
            v = s.values[i]
            if v is None:
                continue
            x0, x1 = sorted((x_of(0.0), x_of(v)))
            y = gy + k * BAR_H
            text = _fmt(v, chart.value_kind)
            parts.append(f'<rect class="bar" x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 0.5):.1f}" '
                         f'height="{BAR_H - 2}" fill="{PALETTE[k % len(PALETTE)]}" data-value="{v!r}">'
                         f'<title>{_e(cat)} ({_e(s.name)}): {_e(text)}</title></rect>'
                         f'<text x="{x1 + 4:.1f}" y="{y + BAR_H - 5}" class="value">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_svg(chart: Chart) -> str:
    n = len(chart.categories)
    values = [v for s in chart.series for v in s.values if v is not None]
    ticks = _nice_ticks(min(0.0, min(values)), max(0.0, max(values)))
    lo, hi = ticks[0], ticks[-1]
    left, right, top = 90, 44, 16
    legend_h = 18 * len(chart.series) + 6 if len(chart.series) > 1 else 0
    plot_h = 260
    height = top + plot_h + 60 + legend_h
    plot_w = WIDTH - left - right

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y_of(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    parts = [f'<svg class="chart line-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-label="{_e(chart.title)}">',
             f'<title>{_e(chart.title)}</title>']
    for t in ticks:
        y = y_of(t)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">'
                     f'{_e(_tick(t, chart.value_kind))}</text>')
    every = max(1, math.ceil(n / 12))
    radius = 3 if n <= 40 else 1.5
    for i, cat in enumerate(chart.categories):
        if i % every == 0:
            parts.append(f'<text x="{x_of(i):.1f}" y="{top + plot_h + 18}" class="tick" text-anchor="middle">'
                         f'{_e(cat)}</text>')
    for k, s in enumerate(chart.series):
        colour = PALETTE[k % len(PALETTE)]
        segment: list[str] = []
        segments = []
        for i, v in enumerate(s.values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x_of(i):.1f},{y_of(v):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            parts.append(f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{" ".join(seg)}"/>')
        for i, v in enumerate(s.values):
            if v is None:
                continue
            parts.append(f'<circle class="point" cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="{radius}" fill="{colour}" '
                         f'data-value="{v!r}"><title>{_e(s.name)}, {_e(chart.categories[i])}: '
                         f'{_e(_fmt(v, chart.value_kind))}</title></circle>')
    if len(chart.series) > 1:
        parts += _legend(chart, left, top + plot_h + 34)
    parts.append("</svg>")
    return "".join(parts)


def chart_svg(chart: Chart) -> str:
    return line_svg(chart) if chart.kind == "line" else bar_svg(chart)
