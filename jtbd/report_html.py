"""Render report.html from a run's results (`HtmlReport`): one self-contained page that works offline.

CSS and JS come from `jtbd/report_assets/` and are inlined; every chart is inline SVG; there is no CDN, font or
script from elsewhere. All content is in the HTML itself, so the page reads the same without JavaScript (the
script sorts the tables, filters jobs by the search box and the menus, and folds the job cards on a phone). Every
piece of user text goes through `esc`, and only http(s) links become links.
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
    spark_svg,
    trend_of,
)
from jtbd.report_text import (
    CALLED,
    GLOSSARY,
    NOT_CALLED,
    among_text,
    broad_themes,
    decision_text,
    growth_range,
    headline_groups,
    interval_text,
    not_called,
    notes,
    pct,
    pcts,
    q_text,
    series_title,
    share_of,
    shown,
    trend_words,
    uncalled_q,
    window_text,
)
from jtbd.types import Growth

TREND_SYMBOL = {"emerging": "★", "rising": "▲", "stable": "●", "declining": "▼", "fading": "▽", "unknown": "?"}


def _asset(name: str) -> str:
    return resources.files("jtbd").joinpath("report_assets", name).read_text(encoding="utf-8")


#: The statements of one job listed in full in its card, newest first; the rest are in assignments.csv.
MAX_LISTED = 300
#: A job is listed under a statement kind in the filter when at least this share of its statements is that kind.
KIND_FILTER_SHARE = 0.1
KIND_WORDS = {
    "need": "needs",
    "pain": "pains",
    "search": "searches",
    "workaround": "workarounds",
    "question": "questions",
    "request": "requests",
    "offering": "offerings",
    "role_work": "role work",
}


def _growth(g: Growth, *, among: bool = True, bar: str = "") -> str:
    """Growth as a ranking cell or a card shows it: the 95% interval first (what the column sorts by is its low
    end), then, for a called trend only, the point estimate; `among` names the series when it is one kind's. With
    a `bar` (the ranking's interval_svg) the text wraps under it (CSS), so a mixed corpus's long cells do not
    squeeze the job titles."""
    if g.rate is None:
        return "n/a"
    named = esc(among_text(g)) if among else ""
    point = f"<small>about {pcts(g.rate, g.low, g.high)[0]}/yr{named}</small>" if g.trend in CALLED else ""
    named = "" if point else (f"<small>{named.strip()}</small>" if named else "")
    return f'{bar}<span class="range">{growth_range(g)}</span>{point}{named}'


def _q(g: Growth) -> str:
    """The q-value beside a "no clear trend" pill whose interval excludes flat (`report_text.uncalled_q`), else
    ""."""
    return f' <small class="q">{q}</small>' if (q := uncalled_q(g)) else ""


def _pill(trend: str) -> str:
    trend = trend if trend in COLOUR else "unknown"
    return f'<span class="pill t-{trend}">{TREND_SYMBOL[trend]} {esc(trend_words(trend))}</span>'


class HtmlReport:
    """report.html: summary, glossary, filters, the rankings, then one card per job with its trend chart."""

    files = ("report.html",)

    def render(self, results: Results) -> dict[str, str]:
        return {"report.html": render_html(results)}


def render_html(results: Results) -> str:
    """report.html: summary, glossary, filters, the rankings, then one card per cluster with its trend chart."""
    results = shown(results)
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
    called = by_trend["rising"] + by_trend["emerging"] + by_trend["declining"] + by_trend["fading"]
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
        *([f'<p class="note">{_no_trend(results)}</p>'] if clusters and not called else []),
        _headlines(results),
        *(f'<p class="note">{esc(note)}</p>' for note in notes(results)),
        _glossary(),
        "</header>",
    ]
    weights = run.score_weights or run.config.weights
    if not clusters:
        parts.append('<div class="card"><p>No clusters were found.</p></div>')
    else:
        customers = [c for c in clusters if c.side == "customer"]
        staff = [c for c in clusters if c.side == "role_work"]
        broad = broad_themes(results.themes)
        parts.append(_filters(clusters, broad, results.members))
        if broad:
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
            '<h2 id="jobs">Jobs</h2>',
        ]
        theme_of = {j: t.id for t in broad for j in t.jobs}
        parts += [
            _card(c, period, weights, results.counting, results.members.get(c.id), theme_of.get(c.id)) for c in clusters
        ]
    started = run.started_at[:16].replace("T", " ")
    parts += [
        f"<footer>jtbd {esc(run.versions.get('jtbd', ''))} · run started {esc(started)} UTC · "
        f"model {esc(run.config.model)}, unit {esc(run.config.unit)}, seed "
        f"{esc(run.seed if run.seed is not None else '')} · every statement and its job: "
        '<a href="assignments.csv">assignments.csv</a> · re-render with <code>jtbd report '
        f"{esc(run.out_dir or 'RUN_DIR')}</code>"
        "</footer>\n</main>",
        f"<script>\n{_asset('report.js')}</script>\n</body>\n</html>\n",
    ]
    return "\n".join(parts)


def _headlines(results: Results) -> str:
    """What a reader came for, first: the jobs and themes called rising and declining, surest first, each linked to
    its card or row ("" when none is called)."""
    lines = []
    for word, jobs, themes in headline_groups(results):
        items = [
            f'<a href="#cluster-{esc(c.id)}">{esc(c.label)}</a> <small>{growth_range(c.growth)}/yr</small>'
            for c in jobs
        ]
        items += [
            f'<a href="#theme-{esc(t.id)}">{esc(t.label)}</a> <small>theme, {growth_range(t.growth)}/yr</small>'
            for t in themes
        ]
        if items:
            lines.append(f"<p><b>{word}:</b> " + " · ".join(items) + "</p>")
    return f'<div class="headlines card">{"".join(lines)}</div>' if lines else ""


def _no_trend(results: Results) -> str:
    """What it means when no job trends, and what to try."""
    unknown = sum(trend_of(c) == "unknown" for c in results.clusters)
    return (
        f"No job is called rising or declining over {esc(window_text(results))}: no job's share changed by more "
        "than chance would explain among this many jobs. That is a finding (these needs held steady), not a "
        "failure; a trend may still be there but too small for this many voices. "
        + (f"{unknown} jobs had too few authors in the window to fit. " if unknown else "")
        + f"To look over a longer span: <code>jtbd report {esc(results.run.out_dir or 'RUN_DIR')} --window "
        f"{(results.run.config.window or 24) * 2}</code>."
    )


def _glossary() -> str:
    rows = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in GLOSSARY)
    return f'<details class="glossary" id="glossary"><summary>What the words mean</summary><dl>{rows}</dl></details>'


def _filters(
    clusters: Sequence[ClusterRecord], themes: Sequence[ClusterRecord], members: dict[int, list[Quote]]
) -> str:
    """The search box and the menus that narrow the rankings and the cards (report.js); hidden without JS."""

    def menu(key: str, label: str, options: Sequence[tuple[str, str]]) -> str:
        items = "".join(f'<option value="{esc(v)}">{esc(text)}</option>' for v, text in options)
        return f'<label>{esc(label)} <select data-filter="{key}"><option value="">all</option>{items}</select></label>'

    trends = [("called", "rising or declining"), ("rising", "rising or emerging"), ("declining", "declining or fading")]
    trends += [("stable", "no clear trend"), ("unknown", "unknown")]
    kinds = sorted({k for c in clusters for k in _kinds(c)})
    sources = sorted({q.doc_kind for quotes in members.values() for q in quotes if q.doc_kind})
    parts = [
        '<div class="filters card" hidden>',
        '<label class="search">Search <input type="search" id="search" placeholder="words in a job, its keyphrases '
        'or its statements" autocomplete="off"></label>',
        menu("trend", "Trend", trends),
        menu("kind", "Kind", [(k, KIND_WORDS.get(k, k)) for k in kinds]),
    ]
    if themes:
        parts.append(menu("theme", "Theme", [(str(t.id), t.label) for t in themes]))
    if len(sources) > 1:
        parts.append(menu("source", "Source", [(s, f"{s}s") for s in sources]))
    parts.append('<span class="shown" aria-live="polite"></span></div>')
    return "".join(parts)


def _kinds(c: ClusterRecord) -> list[str]:
    """The statement kinds that make up at least KIND_FILTER_SHARE of a job: what the Kind menu matches."""
    return [k for k, n in c.kinds.items() if n >= KIND_FILTER_SHARE * max(c.size, 1)]


def _data(c: ClusterRecord, members: Sequence[Quote] | None, theme: int | None) -> str:
    """The attributes report.js filters a job's row and card by."""
    trend = trend_of(c)
    group = "rising" if trend in ("rising", "emerging") else "declining" if trend in ("declining", "fading") else trend
    sources = sorted({q.doc_kind for q in members or [] if q.doc_kind})
    return (
        f' data-job="{esc(c.id)}" data-trend="{esc(group)}" data-kind="{esc(" ".join(_kinds(c)))}"'
        f' data-theme="{esc("" if theme is None else theme)}" data-source="{esc(" ".join(sources))}"'
    )


def _how_to_read(weights: dict[str, float] | None, span: float) -> str:
    formula = (
        " + ".join(f"{w:g}·{esc(name)}" for name, w in weights.items()) if weights else "growth, reach, pain, supply"
    )
    return (
        f"Ranked by score = {formula} (each job's card shows the parts). Growth shows its 95% range, and sorts by "
        f"the range's low end (the growth most certain first); its bar runs from {pct(1 / span)} (left) to "
        f"{pct(span)} (right) per year, the tick marks flat. Share per period sorts by momentum (the number under "
        "it). Click a column to sort."
    )


def _span(clusters: Sequence[ClusterRecord]) -> str:
    periods = [p.period for p in clusters[0].series if p.total] if clusters else []
    return f" ({esc(periods[0])} to {esc(periods[-1])})" if periods else ""


def _themes_table(themes: Sequence[ClusterRecord], jobs: dict[int, ClusterRecord]) -> str:
    head = (
        '<table class="rank themes">\n<thead><tr><th class="n" data-num aria-sort="ascending">#</th><th>Theme</th>'
        '<th data-num title="Sorts rising first">Trend</th><th class="n" data-num>Growth / year<small>95% range, '
        'sorts by low end</small></th><th>Jobs</th><th class="n" data-num>Authors</th>'
        '<th class="n" data-num>Score</th></tr></thead>\n<tbody>'
    )
    rows, span = [], interval_span(themes)
    for t in themes:
        members = "; ".join(f'<a href="#cluster-{esc(j)}">{esc(jobs[j].label)}</a>' for j in t.jobs if j in jobs)
        rows.append(
            f'<tr id="theme-{esc(t.id)}" data-theme="{esc(t.id)}"><td class="n" data-v="{esc(t.rank)}">'
            f'{esc(t.rank)}</td><td class="job" data-v="{esc(t.label)}">{esc(t.label)}<br>'
            f"<small>{esc(', '.join(t.keywords[:4]))}</small></td>{_trend_cells(t, span)}"
            f'<td data-label="Jobs"><small>{members}</small></td>'
            f'<td class="n" data-v="{esc(t.n_authors)}" data-label="Authors">{t.n_authors:,}</td>'
            f'<td class="n" data-v="{esc(t.score)}" data-label="Score">{t.score:.2f}</td></tr>'
        )
    return head + "\n".join(rows) + "</tbody></table>"


def _trend_cells(c: ClusterRecord, span: float) -> str:
    """A ranking row's Trend and Growth cells. By growth means by the surest growth (`growth_order`), not by a wild
    point rate."""
    g, trend = c.growth, trend_of(c)
    return (
        f'<td data-v="{len(TRENDS) - TRENDS.index(trend) if trend in TRENDS else 0}">{_pill(trend)}{_q(g)}</td>'
        f'<td class="n ci" data-v="{growth_order(g.low)}" data-label="Growth / year">'
        f"{_growth(g, bar=interval_svg(g, trend, span))}</td>"
    )


def _table(clusters: Sequence[ClusterRecord]) -> str:
    head = (
        '<table class="rank jobs">\n<thead><tr><th class="n" data-num aria-sort="ascending">#</th><th>Job</th>'
        '<th data-num title="Sorts rising first">Trend</th><th class="n" data-num>Growth / year<small>95% range, '
        "sorts by low end</small></th><th data-num>Share per period<small>sorts by momentum</small></th>"
        '<th class="n" data-num>Authors</th><th class="n" data-num>Statements</th><th class="n" data-num>Score</th>'
        "</tr></thead>\n<tbody>"
    )
    rows, span = [], interval_span(clusters)
    for c in clusters:
        momentum = c.growth.momentum
        rows.append(
            f'<tr id="row-{esc(c.id)}" data-row="{esc(c.id)}"><td class="n" data-v="{esc(c.rank)}">{esc(c.rank)}</td>'
            f'<td class="job" data-v="{esc(c.label)}"><a href="#cluster-{esc(c.id)}">{esc(c.label)}</a></td>'
            f"{_trend_cells(c, span)}"
            f'<td class="spk" data-v="{esc(momentum or 0)}" data-label="Share per period">'
            f"{spark_svg(c.series, trend_of(c))}"
            + (f"<small>momentum {momentum:.2f}×</small>" if momentum is not None else "")
            + "</td>"
            f'<td class="n" data-v="{esc(c.n_authors)}" data-label="Authors">{c.n_authors:,}</td>'
            f'<td class="n" data-v="{esc(c.size)}" data-label="Statements">{c.size:,}</td>'
            f'<td class="n" data-v="{esc(c.score)}" data-label="Score">{c.score:.2f}</td></tr>'
        )
    return head + "\n".join(rows) + "</tbody></table>"


def _card(
    c: ClusterRecord,
    period: str,
    weights: dict[str, float] | None,
    counting: str,
    members: Sequence[Quote] | None = None,
    theme: int | None = None,
) -> str:
    g, trend = c.growth, trend_of(c)
    facts = [("Growth", f"{_growth(g)}" + (f" · q {esc(q_text(g.q_value))}" if g.q_value is not None else ""))]
    if g.trend in CALLED:
        facts.append(("Why", esc(_why(c))))
    if g.momentum is not None:
        facts.append(("Momentum", f"{g.momentum:.2f}× <small>(last quarter vs. its usual share)</small>"))
    for kind, kg in sorted(c.growth_by_kind.items()):
        if kind != (g.among or "all"):  # the headline's own series is the Growth row above
            facts.append((esc(series_title(kind)), f"{_growth(kg, among=False)} {_pill(kg.trend or 'unknown')}"))
    if decided := decision_text(c):
        facts.insert(0, ("Decision", esc(decided)))
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
        f'<details class="cluster card" id="cluster-{esc(c.id)}"{_data(c, members, theme)} open>\n'
        f'<summary class="head"><span class="rk">#{esc(c.rank)}</span><h2 dir="auto">{esc(c.label)}</h2>{_pill(trend)}'
        f'<span class="id">cluster {esc(c.id)} · score {c.score:.2f} · <a href="#ranking">ranking ↑</a>'
        "</span></summary>\n"
        f'<div class="chips">{chips}</div>\n<div class="grid"><div class="chart">{chart_svg(c, period, counting)}</div>'
        f'<div><dl class="facts">{dl}</dl>{_parts(c, weights)}</div></div>\n'
        + (f'<p class="related"><b>Related jobs:</b> {related}</p>\n' if related else "")
        + f'<ul class="quotes">{"".join(_quote(q) for q in c.quotes)}</ul>\n'
        + _all_statements(members)
        + "</details>"
    )


def _why(c: ClusterRecord) -> str:
    """Why a trend was called, in words: its first and last year's share and the test it passed."""
    dated = [p for p in c.series if p.total]
    g = c.growth
    if not dated or g.q_value is None:
        return ""
    year = max(1, len(dated) // 2) if len(dated) < 24 else 12
    first, last = dated[:year], dated[-year:]
    share = [sum(p.counted for p in part) / max(sum(p.total for p in part), 1) for part in (first, last)]
    return (
        f"its share went from {share[0]:.1%} ({first[0].period} to {first[-1].period}) to {share[1]:.1%} "
        f"({last[0].period} to {last[-1].period}); the fitted change, {growth_range(g)} a year, excludes flat and "
        f"passed the false-discovery test (q {q_text(g.q_value)} < 0.05)."
    )


def _all_statements(members: Sequence[Quote] | None) -> str:
    """Every statement of the job (newest first, at most MAX_LISTED), folded, with a box that filters them."""
    if not members:
        return ""
    shown = members[:MAX_LISTED]
    rest = (
        f'<p class="caption">The {len(members) - len(shown):,} older ones are in '
        '<a href="assignments.csv">assignments.csv</a> (column cluster_id).</p>'
        if len(members) > len(shown)
        else ""
    )
    return (
        f'<details class="all"><summary>All {len(members):,} statements</summary>'
        '<input type="search" class="within" placeholder="Filter these statements" hidden>'
        f'<ul class="quotes members">{"".join(_quote(q) for q in shown)}</ul>{rest}</details>\n'
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
    url, name = q.url or "", q.title or q.doc_id
    source = f'<a href="{esc(url)}">{esc(name)}</a>' if url.startswith(("https://", "http://")) else esc(name)
    bits = [source]
    if q.created_at:
        bits.append(esc(q.created_at.isoformat()[:10]))
    if q.kind:
        bits.append(esc(q.kind))
    return f'<li><q dir="auto">{esc(q.text)}</q><span class="src">{" · ".join(bits)}</span></li>'
