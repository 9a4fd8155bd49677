"""Inline SVG for report.html: the trend chart with its interval band and counts, the table's sparklines.

Everything drawn is escaped with `esc`; nothing refers to a file or a font outside the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from jtbd.periods import PERIODS_PER_YEAR
from jtbd.records import ClusterRecord
from jtbd.report_text import share_of, thin_periods
from jtbd.types import Growth, PeriodCount

TRENDS = ("emerging", "rising", "stable", "declining", "fading", "unknown")
COLOUR = {
    "rising": "#1a8f55",
    "emerging": "#7b3fd1",
    "stable": "#6f7b8f",
    "declining": "#d9822b",
    "fading": "#c8363d",
    "unknown": "#b5bcc8",
}
Z95 = 1.959964


def esc(value: Any) -> str:
    return escape(str(value), quote=True)


def trend_of(c: ClusterRecord) -> str:
    return c.growth.trend or "unknown"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval of the proportion k/n (n > 0)."""
    centre, denominator = k + z * z / 2, n + z * z
    half = z * math.sqrt(max(k * (n - k) / n, 0.0) + z * z / 4)
    return max(0.0, (centre - half) / denominator), min(1.0, (centre + half) / denominator)


def spark_svg(series: Sequence[PeriodCount], trend: str, width: int = 120, height: int = 26) -> str:
    """A small line of the share per period; periods with nobody at all, or too few to estimate a share
    (`thin_periods`), are gaps."""
    thin = thin_periods(series)
    shares = [p.share if p.total and i not in thin else None for i, p in enumerate(series)]
    top = max((s for s in shares if s is not None), default=0) or 1
    step = width / max(len(shares) - 1, 1)
    points = [(i * step, height - 2 - (s or 0) / top * (height - 4)) for i, s in enumerate(shares)]
    paths = "".join(f'<polyline points="{svg_points([points[i] for i in run])}"/>' for run in dated_runs(shares))
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="share per period"><g fill="none" stroke="{COLOUR.get(trend, COLOUR["unknown"])}" '
        f'stroke-width="1.6" stroke-linejoin="round">{paths}</g></svg>'
    )


def dated_runs(values: Sequence[float | None]) -> list[list[int]]:
    """Indices of consecutive periods that have a value: a period with nobody at all breaks the line."""
    out: list[list[int]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if out[-1]:
                out.append([])
        else:
            out[-1].append(i)
    return [run for run in out if run]


def svg_points(points: Sequence[tuple[float, float]]) -> str:
    """An SVG `points` attribute, to a tenth of a pixel."""
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def interval_span(clusters: Sequence[ClusterRecord]) -> float:
    """The yearly factor the table's interval bars reach each way: 1.5, 2, 3 or 4, to fit the estimates."""
    rates = [c.growth.rate for c in clusters if c.growth.rate]
    widest = max((max(r, 1 / r) for r in rates), default=1.0)
    return next((span for span in (1.5, 2.0, 3.0) if span >= widest), 4.0)


def interval_svg(g: Growth, trend: str, span: float = 1.5, width: int = 96, height: int = 14) -> str:
    """The growth interval on a log scale from 1/span to span per year (beyond is clipped); the tick marks flat."""
    if g.rate is None or g.low is None or g.high is None:
        return ""

    def x(rate: float) -> float:  # a bound that older runs wrote as 0 goes as far left as the bar does
        return 2 + (min(max(math.log(max(rate, 1e-300)) / math.log(span), -1.0), 1.0) + 1) / 2 * (width - 4)

    colour = COLOUR.get(trend, COLOUR["unknown"])
    return (
        f'<svg class="iv" width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-hidden="true">'
        f'<line x1="{x(1):.1f}" x2="{x(1):.1f}" y1="1" y2="{height - 1}" stroke="#b5bcc8"/>'
        f'<line x1="{x(g.low):.1f}" x2="{x(g.high):.1f}" y1="{height / 2}" y2="{height / 2}" '
        f'stroke="{colour}" stroke-width="3" stroke-linecap="round" opacity="0.55"/>'
        f'<circle cx="{x(g.rate):.1f}" cy="{height / 2}" r="3" fill="{colour}"/></svg>'
    )


def chart_svg(c: ClusterRecord, period: str, counting: str = "statements") -> str:
    """Share per period (dots and line), its 95% Wilson band, and the fitted yearly trend (dashed)."""
    series = c.series
    width, height, left, right, top_pad, bottom, strip = 600, 262, 48, 12, 14, 30, 26
    plot_w, plot_h = width - left - right, height - top_pad - bottom - strip
    thin = thin_periods(series)
    dated = [(i, p, wilson(p.counted, p.total)) for i, p in enumerate(series) if p.total]
    known = [(i, p, band) for i, p, band in dated if i not in thin]
    colour = COLOUR.get(trend_of(c), COLOUR["unknown"])
    if not known:
        return '<p class="caption">No dated statements: no trend to draw.</p>'
    peak = max(p.share for _, p, _ in known)
    y_max = nice_top(min(max(hi for _, _, (_, hi) in known), max(peak * 1.35, 0.02)))
    step = plot_w / max(len(series) - 1, 1)

    def xy(i: int, share: float) -> tuple[float, float]:
        return left + i * step, top_pad + plot_h * (1 - min(share, y_max) / y_max)

    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="share per {esc(period)}">']
    ticks = (0, y_max / 2, y_max)
    out += share_grid([xy(0, tick)[1] for tick in ticks], ticks, left, width - right)
    every, last = max(1, math.ceil(len(series) / 6)), len(series) - 1
    for i, p in enumerate(series):
        if i % every == 0 or (i == last and last % every > every / 2):
            x, _ = xy(i, 0)
            anchor = "start" if i == 0 else "end" if i == last else "middle"  # the ends stay inside the chart
            out.append(
                f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="11" fill="#8a92a3">'
                f"{esc(p.period)}</text>"
            )
    # Posts per period (the share's denominator) as grey bars under the plot: a share from few posts is weak.
    most, base = max(p.total for p in series), top_pad + plot_h + strip + 2
    for i, p in enumerate(series):
        if p.total:
            x, bar = xy(i, 0)[0], (strip - 6) * p.total / most
            out.append(
                f'<rect x="{x - max(step * 0.35, 1):.1f}" y="{base - bar:.1f}" width="{max(step * 0.7, 2):.1f}" '
                f'height="{bar:.1f}" fill="#c9ced8"><title>{esc(p.period)}: {p.total:,} counted in all'
                "</title></rect>"
            )
    values: list[float | None] = [p.share if p.total and i not in thin else None for i, p in enumerate(series)]
    bands = {i: band for i, _, band in known}
    for run in dated_runs(values):
        upper = [xy(i, bands[i][1]) for i in run]
        lower = [xy(i, bands[i][0]) for i in reversed(run)]
        out.append(f'<polygon points="{svg_points(upper + lower)}" fill="{colour}" fill-opacity="0.14"/>')
    fit = _fitted(c, period)
    if fit:
        out.append(
            f'<polyline points="{svg_points([xy(i, s) for i, s in enumerate(fit)])}" fill="none" stroke="#1d2330" '
            'stroke-width="1.3" stroke-dasharray="5 4" opacity="0.7"/>'
        )
    for run in dated_runs(values):
        line = svg_points([xy(i, values[i] or 0) for i in run])
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for i, p, (low, high) in known:
        x, y = xy(i, p.share)
        tip = (
            f"{p.period}: {p.counted:,} of {p.total:,} counted ({share_label(p.share, 1)}; "
            f"95% interval {share_label(low, 1)} to {share_label(high, 1)}), {p.count:,} statements by "
            f"{p.n_authors:,} authors"
        )
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{esc(tip)}</title></circle>')
    for i in sorted(thin):
        p = series[i]
        x, y = xy(i, p.share)
        tip = f"{p.period}: only {p.total:,} counted in all, too few to estimate a share ({p.counted:,} for this job)"
        out.append(
            f'<circle class="thin" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#fff" stroke="#8a92a3" '
            f'stroke-width="1.5"><title>{esc(tip)}</title></circle>'
        )
    out.append("</svg>")
    share, what = share_of(counting)
    out.append(
        f'<p class="caption">{share.capitalize()} ({what}) that state this job; band: 95% interval; '
        "dashed: fitted yearly growth; grey bars: how much was said per period in all. Gaps are periods with no "
        "posts at all"
        + (
            f"; hollow: {len(thin)} period{'s' if len(thin) > 1 else ''} with too few posts to estimate a share"
            if thin
            else ""
        )
        + ".</p>"
    )
    return "".join(out)


def share_grid(ys: Sequence[float], ticks: Sequence[float], left: float, right: float, digits: int = 0) -> list[str]:
    """A chart's horizontal grid lines at heights `ys`, each labelled on the left with its share."""
    return [
        f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ec"/>'
        f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#8a92a3">'
        f"{share_label(tick, digits)}</text>"
        for y, tick in zip(ys, ticks)
    ]


def _fitted(c: ClusterRecord, period: str) -> list[float] | None:
    """The growth fit's expected share per period: slope from `rate`, level so that it explains every voice. The
    chart shows all documents, so it draws the all-documents fit even where the headline growth is one kind's."""
    rate = c.growth_by_kind.get("all", c.growth).rate
    series = c.series
    if not rate or period not in PERIODS_PER_YEAR:
        return None
    slope = math.log(rate) / PERIODS_PER_YEAR[period]
    exposure = sum(p.total * math.exp(slope * i) for i, p in enumerate(series))
    level = sum(p.counted for p in series) / exposure if exposure else 0.0
    return [level * math.exp(slope * i) for i in range(len(series))]


def nice_top(value: float) -> float:
    """The next round number at or above value (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten)."""
    if value <= 0:
        return 0.01
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * power >= value - 1e-12)


def share_label(share: float, digits: int = 0) -> str:
    """A share in percent: whole percents, one decimal where that would hide a difference (7.5%, 0.4%)."""
    value = share * 100
    return f"{value:.{max(digits, 0 if abs(value - round(value)) < 1e-9 else 1)}f}%"
