"""The files of `jtbd track`: track.md (a table a person reads), track.html (a chart per query), track.csv (one row
per query, way of matching, unit and period) and track.json (everything, with each series' growth and turns).

Query names and phrases are the user's own text; they are escaped like corpus text all the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jtbd.records import growth_to_json
from jtbd.report import csv_text, json_text, write_texts
from jtbd.report_svg import COLOUR, dated_runs, esc, nice_top, share_grid, share_label, svg_points, wilson
from jtbd.report_text import md_cell, pct, sparkline, trend_cell
from jtbd.track import MATCHES, UNITS, Series, TrackRun

TRACK_FILES = frozenset({"track.md", "track.html", "track.csv", "track.json"})
SERIES_COLOUR = {"keywords": "#2c6fbb", "meaning": "#d9822b"}


def write_track_files(folder: Path, run: TrackRun) -> None:
    write_texts(
        folder,
        {
            "track.json": json_text(track_json(run)),
            "track.csv": track_csv(run),
            "track.md": track_markdown(run),
            "track.html": track_html(run),
        },
    )


def summary_lines(run: TrackRun) -> list[str]:
    """One line per query for the terminal: documents matched by keywords, their growth and their turns."""
    out = []
    for query in run.queries:
        s = run.find(query.name, "keywords", "documents")
        out.append(
            f"{query.name}: {sum(s.raw):,} documents; growth {_growth_cell(s)} per year, {s.growth.trend}; "
            f"turns: {_turns_text(s)}"
        )
    return out


def track_json(run: TrackRun) -> dict[str, Any]:
    config = run.config
    return {
        "corpus": run.corpus,
        "settings": {
            "period": config.period,
            "window": config.window,
            "similarity": config.similarity,
            "model": config.model,
            "detector": config.detector,
        },
        "queries": [{"name": q.name, "phrases": list(q.phrases)} for q in run.queries],
        "series": [
            {
                "query": s.query,
                "match": s.match,
                "unit": s.unit,
                "growth": growth_to_json(s.growth),
                "turns": [{"period": t.period, "low": t.low, "high": t.high} for t in s.turns],
                "segments": [vars(segment) for segment in s.segments],
                "periods": [
                    {"period": p, "count": c, "total": t, "share": round(c / t, 6) if t else None, "plain": r}
                    for p, c, t, r in zip(s.periods, s.counts, s.totals, s.raw)
                ],
            }
            for s in run.series
        ],
        "warnings": run.warnings,
    }


def track_csv(run: TrackRun) -> str:
    columns = ["query", "match", "unit", "period", "count", "total", "share", "plain_count"]
    rows = [
        [s.query, s.match, s.unit, p, c, t, round(c / t, 6) if t else "", r]
        for s in run.series
        for p, c, t, r in zip(s.periods, s.counts, s.totals, s.raw)
    ]
    return csv_text(columns, rows)


def _turns_text(s: Series) -> str:
    if not s.turns:
        return "none"
    return "; ".join(t.period + (f" ({t.low} to {t.high})" if t.low != t.high else "") for t in s.turns)


def _segments_text(s: Series) -> str:
    return "; ".join(
        f"{g.first}–{g.last}: {share_label(g.share_start, 1)} → {share_label(g.share_end, 1)} ({pct(g.rate)}/yr)"
        for g in s.segments
    )


def _growth_cell(s: Series) -> str:
    g = s.growth
    return "n/a" if g.rate is None else f"{pct(g.rate)} ({pct(g.low)} to {pct(g.high)})"


def track_markdown(run: TrackRun) -> str:
    config = run.config
    first = run.series[0] if run.series else None
    span = f"{first.periods[0]} to {first.periods[-1]}" if first and first.periods else "no dated periods"
    out = [
        f"# Tracking {len(run.queries)} {'query' if len(run.queries) == 1 else 'queries'} in {md_cell(run.corpus)}",
        "",
        f"Per {config.period}, {span}. **Share** = the documents (or job statements) that match, each author counted "
        f"at most 3 times a {config.period}, over all of them counted the same way. **By keywords**: the text holds "
        f"a phrase of the query as whole words. **By meaning**: a job statement's vector is within cosine "
        f"{config.similarity} of the query's (a document matches when one of its statements does). **Growth**: the "
        f"yearly change of the share over the last {config.window} {config.period}s, with its 95% interval, called "
        "only when it survives false-discovery control over every series here. **Turns**: periods where the series "
        "changed level or direction, with the span each could lie in (95%).",
        "",
    ]
    for query in run.queries:
        out += [f"## {md_cell(query.name)}", "", f"Phrases: {md_cell(', '.join(query.phrases))}.", ""]
        out += [
            "| Matched | Counted | Trend | Growth / year (95% CI) | Turns | Share per period |",
            "|---|---|---|---|---|---|",
        ]
        for match in MATCHES:
            for unit in UNITS:
                s = run.find(query.name, match, unit)
                spark = sparkline([v or 0.0 for v in s.shares])
                out.append(
                    f"| by {match} | {unit} | {trend_cell(s.growth)} | {_growth_cell(s)} | {_turns_text(s)} "
                    f"| `{spark}` |"
                )
        out.append("")
        main = run.find(query.name, "keywords", "documents")
        out += [f"Segments (documents by keywords): {_segments_text(main)}.", ""]
        meaning = run.find(query.name, "meaning", "documents")
        out += [
            "| Period | Documents | By keywords | Share | By meaning | Share |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for i, period in enumerate(main.periods):
            out.append(
                f"| {period} | {main.totals[i]:,} | {main.raw[i]:,} | {_share(main, i)} | {meaning.raw[i]:,} "
                f"| {_share(meaning, i)} |"
            )
        out.append("")
    if run.warnings:
        out += ["## Notes", "", *(f"- {md_cell(w)}" for w in run.warnings), ""]
    return "\n".join(out)


def _share(s: Series, i: int) -> str:
    return share_label(s.counts[i] / s.totals[i], 1) if s.totals[i] else "–"


def track_html(run: TrackRun) -> str:
    body = []
    for query in run.queries:
        rows = []
        for match in MATCHES:
            for unit in UNITS:
                s = run.find(query.name, match, unit)
                rows.append(
                    f"<tr><td>by {esc(match)}</td><td>{esc(unit)}</td><td>{esc(s.growth.trend)}</td>"
                    f"<td>{esc(_growth_cell(s))}</td><td>{esc(_turns_text(s))}</td></tr>"
                )
        series = [run.find(query.name, match, "documents") for match in MATCHES]
        body.append(
            f"<section><h2>{esc(query.name)}</h2><p>Phrases: {esc(', '.join(query.phrases))}</p>"
            f"{track_svg(series, run.config.period)}"
            "<table><thead><tr><th>Matched</th><th>Counted</th><th>Trend</th><th>Growth / year (95% CI)</th>"
            f"<th>Turns</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    style = (
        "body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1d2330}"
        "svg{width:100%;height:auto}table{border-collapse:collapse;margin:1em 0}"
        "td,th{padding:4px 10px;border-bottom:1px solid #e3e6ec;text-align:left}.caption{color:#5a6272;font-size:13px}"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>jtbd track: {esc(run.corpus)}</title><style>{style}</style></head><body>"
        f"<h1>Tracking in {esc(run.corpus)}</h1>"
        f'<p class="caption">Share of documents per {esc(run.config.period)} that match each query, by keywords '
        f"(blue) and by meaning (orange, cosine ≥ {esc(run.config.similarity)}); bands: 95% intervals; grey spans: "
        "where each turn could lie (95%); dashed: the fitted segments.</p>"
        f"{''.join(body)}</body></html>\n"
    )


def track_svg(series: list[Series], period: str) -> str:
    """The share per period of each series with its Wilson band, the fitted segments of the first one, and its
    turns with their confidence spans."""
    if not series or not series[0].periods:
        return '<p class="caption">No dated documents: nothing to draw.</p>'
    periods = series[0].periods
    width, height, left, right, top_pad, bottom = 900, 260, 52, 12, 14, 30
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max((c / t for s in series for c, t in zip(s.counts, s.totals) if t), default=0.0)
    y_max = nice_top(max(peak * 1.2, 0.001))
    step = plot_w / max(len(periods) - 1, 1)
    where = {p: i for i, p in enumerate(periods)}

    def xy(i: float, share: float) -> tuple[float, float]:
        return left + i * step, top_pad + plot_h * (1 - min(share, y_max) / y_max)

    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="share per {esc(period)}">']
    for turn in series[0].turns:
        x0, _ = xy(where[turn.low] - 0.5, 0)
        x1, _ = xy(where[turn.high] + 0.5, 0)
        out.append(
            f'<rect x="{x0:.1f}" y="{top_pad}" width="{x1 - x0:.1f}" height="{plot_h}" fill="#1d2330" '
            f'fill-opacity="0.08"><title>{esc(f"turn at {turn.period} ({turn.low} to {turn.high})")}</title></rect>'
        )
    ticks = (0, y_max / 2, y_max)
    out += share_grid([xy(0, tick)[1] for tick in ticks], ticks, left, width - right, digits=1)
    every = max(1, -(-len(periods) // 8))
    for i in range(0, len(periods), every):
        x, _ = xy(i, 0)
        out.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#8a92a3">'
            f"{esc(periods[i])}</text>"
        )
    for s in series:
        colour = SERIES_COLOUR.get(s.match, COLOUR["unknown"])
        values: list[float | None] = list(s.shares)
        bands = {i: wilson(c, t) for i, (c, t) in enumerate(zip(s.counts, s.totals)) if t}
        for run in dated_runs(values):
            upper = [xy(i, bands[i][1]) for i in run]
            lower = [xy(i, bands[i][0]) for i in reversed(run)]
            out.append(f'<polygon points="{svg_points(upper + lower)}" fill="{colour}" fill-opacity="0.12"/>')
        for run in dated_runs(values):
            out.append(
                f'<polyline points="{svg_points([xy(i, values[i] or 0) for i in run])}" fill="none" stroke="{colour}" '
                'stroke-width="1.8"/>'
            )
    for g in series[0].segments:
        a, b = where[g.first], where[g.last]
        out.append(
            f'<polyline points="{svg_points([xy(a, g.share_start), xy(b, g.share_end)])}" fill="none" stroke="#1d2330" '
            'stroke-width="1.4" stroke-dasharray="5 4"/>'
        )
    out.append("</svg>")
    return "".join(out)
