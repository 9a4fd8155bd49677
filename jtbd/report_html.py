"""Render report.html from a run's results (`HtmlReport`): one self-contained page that works offline.

CSS and JS come from `jtbd/report_assets/` and are inlined; every chart is inline SVG; there is no CDN, font or
script from elsewhere. All content is in the HTML itself, so the page reads the same without JavaScript (the
script only sorts the table). Every piece of user text goes through `esc`, and only http(s) links become links.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from jtbd.periods import growth_order
from jtbd.records import ClusterRecord, Quote, Results
from jtbd.report_svg import (
    COLOUR,
    TRENDS,
    chart_svg,
    esc,
    interval_span,
    interval_svg,
    map_svg,
    spark_svg,
    trend_of,
)
from jtbd.report_text import (
    NOT_CALLED,
    among_text,
    broad_themes,
    interval_text,
    not_called,
    notes,
    pct,
    q_text,
    series_title,
    share_of,
    uncalled_q,
    window_text,
)
from jtbd.types import Growth

TREND_SYMBOL = {"emerging": "★", "rising": "▲", "stable": "●", "declining": "▼", "fading": "▽", "unknown": "?"}


def _asset(name: str) -> str:
    return resources.files("jtbd").joinpath("report_assets", name).read_text(encoding="utf-8")


def _growth(g: Growth, *, among: bool = True, bar: str = "") -> str:
    """Rate and interval; `among` names the series when it is one kind's (not where a row's label already does).
    With a `bar` (the ranking's interval_svg) it follows the rate, and the interval goes on a line of its own
    (CSS): on one line, a mixed corpus's "(+61% to +162%) among discussions" squeezed the job titles to four lines
    and pushed the score out of sight."""
    if g.rate is None:
        return "n/a"
    named = esc(among_text(g)) if among else ""
    return f"{pct(g.rate)}/yr {bar}<small>({pct(g.low)} to {pct(g.high)}){named}</small>"


def _q(g: Growth) -> str:
    """The q-value beside a "stable" pill whose interval excludes flat (`report_text.uncalled_q`), else ""."""
    return f' <small class="q">{q}</small>' if (q := uncalled_q(g)) else ""


def _pill(trend: str) -> str:
    trend = trend if trend in COLOUR else "unknown"
    return f'<span class="pill t-{trend}">{TREND_SYMBOL[trend]} {trend}</span>'


class HtmlReport:
    """report.html: summary, ranked table, map of jobs, then one card per job with its trend chart."""

    files = ("report.html",)

    def render(self, results: Results) -> dict[str, str]:
        return {"report.html": render_html(results)}


def render_html(results: Results) -> str:
    """report.html: summary, ranked table, map of clusters, then one card per cluster with its trend chart."""
    run, clusters = results.run, results.clusters
    name, period = run.corpus_name, run.config.period
    first_last = _span(clusters)
    by_trend = {t: sum(trend_of(c) == t for c in clusters) for t in TRENDS}
    share, counting = share_of(results.counting)
    lede = (
        f"{run.count('documents'):,} documents → {run.count('statements'):,} job statements → "
        f"{len(clusters)} recurring jobs. Growth is the change per year of a job's <em>{share}</em> ({counting}) "
        f"over {esc(window_text(results))}{first_last}, with {interval_text(clusters)}; "
        "a trend is called only after false-discovery control across all jobs."
    )
    stats = [
        (f"{len(clusters)}", "jobs found"),
        (f"{by_trend['rising'] + by_trend['emerging']}", "rising or emerging"),
        (f"{by_trend['declining'] + by_trend['fading']}", "declining or fading"),
        (f"{run.count('statements'):,}", "job statements"),
        (f"{run.count('noise_share'):.0%}", "left unclustered"),
    ]
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Jobs to be done in {esc(name)}</title>\n<style>\n{_asset('report.css')}</style>\n</head>",
        f'<body>\n<main>\n<header>\n<h1>Jobs to be done in {esc(name)}</h1>\n<p class="lede">{lede}</p>',
        '<div class="stats">' + "".join(f'<div class="stat"><b>{v}</b><span>{k}</span></div>' for v, k in stats),
        "</div>",
        *(f'<p class="note">{esc(note)}</p>' for note in notes(results)),
        "</header>",
    ]
    weights = run.score_weights or run.config.weights
    if not clusters:
        parts.append('<div class="card"><p>No clusters were found.</p></div>')
    else:
        customers = [c for c in clusters if c.side == "customer"]
        staff = [c for c in clusters if c.side == "role_work"]
        if broad := broad_themes(results.themes):
            alone = len(results.themes) - len(broad)
            parts += [
                '<h2 id="themes">Themes</h2>\n<div class="card">',
                '<p class="caption">Topics that span several jobs, each job in one theme: a theme grows when its '
                "jobs together do, even where no job alone has the voices to show it. Ranked as jobs are"
                + (f"; the {alone} jobs that are a theme of their own are not repeated here." if alone else ".")
                + "</p>",
                f'<div class="scroll">{_themes_table(broad, {c.id: c for c in clusters})}</div>',
                "</div>",
            ]
        parts += [
            '<h2 id="ranking">Ranking</h2>\n<div class="card">',
            f'<p class="caption">{_how_to_read(weights, interval_span(clusters))}'
            + (f" {esc(NOT_CALLED)}" if any(not_called(c.growth) for c in clusters) else "")
            + " Customer jobs (what people need, struggle with, look for or buy) and role work (what companies pay "
            "staff to do) are ranked apart.</p>",
            f'<h3>Customer jobs</h3><div class="scroll">{_table(customers)}</div>' if customers else "",
            f'<h3 id="role-work">Role work</h3><div class="scroll">{_table(staff)}</div>' if staff else "",
            "</div>",
            '<h2 id="map">Map of jobs</h2>\n<div class="card map">',
            map_svg(clusters),
            "</div>",
            '<h2 id="jobs">Jobs</h2>',
        ]
        parts += [_card(c, period, weights, results.counting) for c in clusters]
    started = run.started_at[:16].replace("T", " ")
    parts += [
        f"<footer>jtbd {esc(run.versions.get('jtbd', ''))} · run started {esc(started)} UTC · "
        f"model {esc(run.config.model)}, unit {esc(run.config.unit)}, seed "
        f"{esc(run.seed if run.seed is not None else '')} · re-render with <code>jtbd report "
        f"{esc(run.out_dir or 'RUN_DIR')}</code>"
        "</footer>\n</main>",
        f"<script>\n{_asset('report.js')}</script>\n</body>\n</html>\n",
    ]
    return "\n".join(parts)


def _how_to_read(weights: dict[str, float] | None, span: float) -> str:
    formula = (
        " + ".join(f"{w:g}·{esc(name)}" for name, w in weights.items()) if weights else "growth, reach, pain, supply"
    )
    return (
        f"Ranked by score = {formula} (each job's card shows the parts). The bar beside growth is its 95% interval "
        f"on a scale from {pct(1 / span)} (left) to {pct(span)} (right) per year; the tick marks flat. Click a "
        "column to sort."
    )


def _span(clusters: Sequence[ClusterRecord]) -> str:
    periods = [p.period for p in clusters[0].series if p.total] if clusters else []
    return f" ({esc(periods[0])} to {esc(periods[-1])})" if periods else ""


def _themes_table(themes: Sequence[ClusterRecord], jobs: dict[int, ClusterRecord]) -> str:
    head = (
        '<table class="rank themes">\n<thead><tr><th class="n" data-num aria-sort="ascending">#</th><th>Theme</th>'
        '<th data-num title="Sorts rising first">Trend</th><th class="n" data-num title="Sorts by the lower bound of '
        'the interval">Growth / year (95% CI)</th><th>Jobs</th><th class="n" data-num>Authors</th>'
        '<th class="n" data-num>Score</th></tr></thead>\n<tbody>'
    )
    rows, span = [], interval_span(themes)
    for t in themes:
        members = "; ".join(f'<a href="#cluster-{esc(j)}">{esc(jobs[j].label)}</a>' for j in t.jobs if j in jobs)
        rows.append(
            f'<tr id="theme-{esc(t.id)}"><td class="n" data-v="{esc(t.rank)}">{esc(t.rank)}</td>'
            f'<td class="job" data-v="{esc(t.label)}">{esc(t.label)}<br><small>{esc(", ".join(t.keywords[:4]))}'
            f"</small></td>{_trend_cells(t, span)}<td><small>{members}</small></td>"
            f'<td class="n" data-v="{esc(t.n_authors)}">{t.n_authors:,}</td>'
            f'<td class="n" data-v="{esc(t.score)}">{t.score:.2f}</td></tr>'
        )
    return head + "\n".join(rows) + "</tbody></table>"


def _trend_cells(c: ClusterRecord, span: float) -> str:
    """A ranking row's Trend and Growth cells. By growth means by the surest growth (`growth_order`), not by a wild
    point rate."""
    g, trend = c.growth, trend_of(c)
    return (
        f'<td data-v="{len(TRENDS) - TRENDS.index(trend) if trend in TRENDS else 0}">{_pill(trend)}{_q(g)}</td>'
        f'<td class="n ci" data-v="{growth_order(g.low)}">{_growth(g, bar=interval_svg(g, trend, span))}</td>'
    )


def _table(clusters: Sequence[ClusterRecord]) -> str:
    head = (
        '<table class="rank jobs">\n<thead><tr><th class="n" data-num aria-sort="ascending">#</th><th>Job</th>'
        '<th data-num title="Sorts rising first">Trend</th><th class="n" data-num title="Sorts by the lower bound of '
        'the interval: the growth most certain first">Growth / year (95% CI)</th>'
        '<th data-num title="Sorts by momentum">Share per period</th><th class="n" data-num>Authors</th>'
        '<th class="n" data-num>Statements</th><th class="n" data-num>Score</th></tr></thead>\n<tbody>'
    )
    rows, span = [], interval_span(clusters)
    for c in clusters:
        rows.append(
            f'<tr id="row-{esc(c.id)}"><td class="n" data-v="{esc(c.rank)}">{esc(c.rank)}</td>'
            f'<td class="job" data-v="{esc(c.label)}"><a href="#cluster-{esc(c.id)}">{esc(c.label)}</a></td>'
            f"{_trend_cells(c, span)}"
            f'<td data-v="{esc(c.growth.momentum or 0)}">{spark_svg(c.series, trend_of(c))}</td>'
            f'<td class="n" data-v="{esc(c.n_authors)}">{c.n_authors:,}</td>'
            f'<td class="n" data-v="{esc(c.size)}">{c.size:,}</td>'
            f'<td class="n" data-v="{esc(c.score)}">{c.score:.2f}</td></tr>'
        )
    return head + "\n".join(rows) + "</tbody></table>"


def _card(c: ClusterRecord, period: str, weights: dict[str, float] | None, counting: str) -> str:
    g, trend = c.growth, trend_of(c)
    facts = [("Growth", f"{_growth(g)}" + (f" · q {esc(q_text(g.q_value))}" if g.q_value is not None else ""))]
    if g.momentum is not None:
        facts.append(("Momentum", f"{g.momentum:.2f}× <small>(last quarter vs. its usual share)</small>"))
    for kind, kg in sorted(c.growth_by_kind.items()):
        if kind != (g.among or "all"):  # the headline's own series is the Growth row above
            facts.append((esc(series_title(kind)), f"{_growth(kg, among=False)} {_pill(kg.trend or 'unknown')}"))
    facts += [
        ("Reach", f"{c.n_authors:,} authors · {c.n_docs:,} documents · {c.size:,} statements"),
        ("Kinds", esc(", ".join(f"{k} {v:,}" for k, v in c.kinds.items()))),
    ]
    if c.stability is not None:
        flag = " <strong>⚠ unstable</strong>" if c.unstable else ""
        facts.append(("Stability", f"{c.stability:.2f}{flag} <small>(best-match Jaccard when re-clustered)</small>"))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    chips = "".join(f'<span class="chip">{esc(k)}</span>' for k in c.keywords)
    related = "; ".join(esc(j) for j in c.top_jobs)
    return (
        f'<section class="cluster card" id="cluster-{esc(c.id)}">\n<div class="head">'
        f'<span class="rk">#{esc(c.rank)}</span><h2>{esc(c.label)}</h2>{_pill(trend)}'
        f'<span class="id">cluster {esc(c.id)} · score {c.score:.2f} · <a href="#ranking">ranking ↑</a>'
        "</span></div>\n"
        f'<div class="chips">{chips}</div>\n<div class="grid"><div class="chart">{chart_svg(c, period, counting)}</div>'
        f'<div><dl class="facts">{dl}</dl>{_parts(c, weights)}</div></div>\n'
        + (f'<p class="related"><b>Related jobs:</b> {related}</p>\n' if related else "")
        + f'<ul class="quotes">{"".join(_quote(q) for q in c.quotes)}</ul>\n</section>'
    )


def _parts(c: ClusterRecord, weights: dict[str, float] | None) -> str:
    rows = []
    for name, value in c.score_parts.items():
        weight = (weights or {}).get(name)
        width, left = min(abs(value), 1) * 50, 50 if value >= 0 else 50 - min(abs(value), 1) * 50
        colour = COLOUR["rising"] if value >= 0 else COLOUR["fading"]
        value = round(value, 2) + 0.0  # no "-0.00"
        shown = f"{weight:g} × {value:+.2f}" if weight is not None else f"{value:+.2f}"
        rows.append(
            f'<div class="part"><span>{esc(name)}</span><div class="bar"><span style="left:{left:.0f}%;'
            f'width:{width:.0f}%;background:{colour}"></span></div><span class="v">{esc(shown)}</span></div>'
        )
    return f'<div class="parts"><h3>Score {c.score:.2f}</h3>{"".join(rows)}</div>' if rows else ""


def _quote(q: Quote) -> str:
    url = q.url or ""
    source = f'<a href="{esc(url)}">{esc(q.doc_id)}</a>' if url.startswith(("https://", "http://")) else esc(q.doc_id)
    bits = [source]
    if q.created_at:
        bits.append(esc(q.created_at.isoformat()[:10]))
    if q.kind:
        bits.append(esc(q.kind))
    if q.start is not None:
        bits.append(f"characters {esc(q.start)}–{esc(q.end)}")
    return f'<li><q>{esc(q.text)}</q><span class="src">{" · ".join(bits)}</span></li>'
