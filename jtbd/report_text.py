"""Render a run's results as text: report.md (`MarkdownReport`), and one cluster for the terminal (`jtbd show`)."""

from __future__ import annotations

import html
import statistics
from collections.abc import Sequence
from dataclasses import replace

from jtbd.periods import MAX_PER_AUTHOR, MIN_VOICES_TO_FIT
from jtbd.records import ClusterRecord, Results
from jtbd.types import Growth, PeriodCount

SPARK = "▁▂▃▄▅▆▇█"
#: How each trend class reads in the reports. "stable" in clusters.json means that no trend passed the tests, not
#: that the share was shown to stay level, so the reports say "no clear trend".
TREND_WORDS = {
    "emerging": "emerging",
    "rising": "rising",
    "stable": "no clear trend",
    "declining": "declining",
    "fading": "fading",
    "unknown": "unknown",
}
TREND_MARK = {
    "emerging": "🆕 emerging",
    "rising": "▲ rising",
    "stable": "● no clear trend",
    "declining": "▼ declining",
    "fading": "▽ fading",
    "unknown": "? unknown",
}
#: The classes whose growth is a finding: the point estimate is shown only for these.
CALLED = frozenset({"emerging", "rising", "declining", "fading"})


#: Why a job can show an interval that excludes flat and still be "stable" (report.md, report.html, `jtbd show`).
NOT_CALLED = (
    "q: the job's own 95% interval excludes flat, but among many jobs some intervals do so by chance; a trend is "
    "called only when its false-discovery q-value is below 0.05."
)


#: Every word the reports use that a reader may not know, defined in a line (report.md and report.html).
GLOSSARY = (
    ("Job", "What people are trying to get done, in their words: a group of statements saying much the same."),
    ("Theme", "A topic that spans several jobs; every job is in exactly one theme."),
    (
        "Trend",
        "Rising or declining: the share grew or shrank over the window, and the false-discovery test passed "
        "(q below 0.05). Emerging: rising, and first said in the last third of the window. Fading: declining to "
        "nearly nothing. No clear trend: the test did not pass; the share may still move, the data cannot vouch "
        "for it. Unknown: too few authors in the window to fit.",
    ),
    (
        "Growth / year",
        "How fast the job's share of everything said changes per year, as a 95% range: the true rate lies in "
        "it 95 times in 100. A range that spans 0% means no direction is shown.",
    ),
    ("q", "The p-value after false-discovery control across all jobs: below 0.05, the trend is called."),
    ("Share per period", "The job's share of what was said in each period (each author counted at most 3 times)."),
    ("Momentum", "Last quarter's share over the job's usual share in the window: 1.5× = half again as often."),
    ("Reach", "How many distinct authors state the job, against the job stated by most; a part of the score."),
    ("Pain", "The share of its authors who state it as a problem, a frustration or a workaround."),
    ("Supply", "The share of its authors who offer a solution (a company's pitch): counts against the score."),
    ("Specificity", "How far the job is from the corpus's generic centre: 'write good code' is near it."),
    (
        "Kinds",
        "need (I need…), pain (I struggle to…), search (looking for…), workaround (we hacked…), question, "
        "request (please add…), offering (we help…), role_work (you will build…: what a company hires for).",
    ),
    ("Customer jobs / role work", "What customers need or buy, ranked apart from what companies hire staff to do."),
)


def not_called(growth: Growth) -> bool:
    """A stable job whose own 95% interval lies above or below flat: the trend did not pass the false-discovery
    control. The reports show its q-value so the interval and the class do not seem to contradict each other."""
    low, high = growth.low, growth.high
    if growth.trend != "stable" or low is None or high is None:
        return False
    return round((low - 1) * 100) > 0 or round((high - 1) * 100) < 0  # as printed: a bound shown as "+0%" is flat


def q_text(q: float) -> str:
    """A q-value as printed: "0.09", "0.0031", or "< 0.0001" (q is stored rounded to 6 decimals, and "q = 0"
    would claim certainty)."""
    return "< 0.0001" if q < 0.0001 else f"{q:.2g}"


def uncalled_q(growth: Growth) -> str:
    """ "q 0.09" for a stable job whose own interval excludes flat (`not_called`), shown beside its class; else ""."""
    return f"q {q_text(growth.q_value)}" if not_called(growth) and growth.q_value is not None else ""


def trend_cell(growth: Growth) -> str:
    """The class as the ranking table shows it: "▲ rising", or "● stable (q 0.09)" when the trend was not called."""
    mark = TREND_MARK.get(growth.trend or "unknown", "? unknown")
    return f"{mark} ({q})" if (q := uncalled_q(growth)) else mark


def notes(results: Results) -> list[str]:
    """The run's notes, and one about jobs left without a growth fit because they were said before the window:
    it names the command that fits a longer span without clustering again."""
    run, clusters = results.run, results.clusters
    earlier = [
        c
        for c in clusters
        if c.growth.trend == "unknown"
        and c.n_authors >= MIN_VOICES_TO_FIT
        and sum(p.n_authors for p in c.series) < MIN_VOICES_TO_FIT
    ]
    window, period = run.config.window, run.config.period
    if not earlier or window is None:
        return list(run.notes)
    return [
        *run.notes,
        f"{len(earlier)} of {len(clusters)} jobs have {MIN_VOICES_TO_FIT} or more authors in all but fewer than "
        f"{MIN_VOICES_TO_FIT} voices in the last {window} {period}s, too few to fit their growth (trend unknown). To "
        f"fit a longer span without clustering again: jtbd report {run.out_dir or 'RUN_DIR'} --window {window * 2}",
    ]


def share_of(counting: str = "statements") -> tuple[str, str]:
    """What growth is a share of, as (name, what it counts), for the reports' opening lines and chart captions;
    `counting` is `Results.counting`."""
    if counting == "voices":
        return "share of voices", "distinct authors"
    return "share of statements", f"each author counted at most {MAX_PER_AUTHOR} times a period"


def interval_text(clusters: Sequence[ClusterRecord]) -> str:
    """How the growth interval reads: when discussions and postings are fitted apart, the one shown was picked from
    three series, so each interval is widened (Bonferroni) for the pick to stay a 95% statement."""
    if any(c.growth_by_kind for c in clusters):
        return (
            "its 95% interval (fitted among all documents, discussions and postings apart; the surest of the three "
            "is shown, each interval widened so that the pick stays 95%)"
        )
    return "its 95% interval"


def window_text(results: Results) -> str:
    """The periods the growth fit covers, as "the last 24 months": fewer than `--window` when the corpus spans
    less (a ten-week corpus is fitted over its 10 weeks, not "the last 104")."""
    config, clusters = results.run.config, results.clusters
    series = clusters[0].series if clusters else None
    return f"the last {len(series) if series else config.window or '?'} {config.period}s"


def sparkline(values: Sequence[float]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1) + 0.5))] for v in values)


#: A period whose total is below this share of the window's median period total holds too few posts to estimate a
#: share (a corpus that ends on the 2nd of a month): the charts draw it hollow and grey, off the line, and the
#: sparklines leave a gap. The growth fit needs no such rule: it weighs each period by its total.
THIN_SHARE_OF_MEDIAN = 0.25


def thin_periods(series: Sequence[PeriodCount]) -> set[int]:
    """Indices of the periods with posts but too few to estimate a share (THIN_SHARE_OF_MEDIAN)."""
    totals = [p.total for p in series if p.total]
    limit = THIN_SHARE_OF_MEDIAN * statistics.median(totals) if totals else 0.0
    return {i for i, p in enumerate(series) if 0 < p.total < limit}


def share_sparkline(series: Sequence[PeriodCount]) -> str:
    """A cluster's share per period as a sparkline; a period with no documents at all, or too few to estimate a
    share (`thin_periods`), is a gap (a space), not a drop to zero or a spike."""
    thin = thin_periods(series)
    shares = sparkline([0.0 if i in thin else p.share for i, p in enumerate(series)])
    return "".join(mark if p.total and i not in thin else " " for i, (mark, p) in enumerate(zip(shares, series)))


def growth_range(growth: Growth) -> str:
    """The 95% interval of yearly growth, both ends in one notation (`pcts`): "−46% to +60%", "×0.45 to ×40"."""
    low, high = pcts(growth.low, growth.high)
    return f"{low} to {high}"


def growth_text(growth: Growth) -> str:
    """Yearly growth as the reports print it: "+58% (+12% to +193%)" for a called trend; only the interval,
    "−46% to +60%", when no trend was called (a point estimate beside "no clear trend" reads as the finding)."""
    if growth.rate is None:
        return "n/a"
    if growth.trend in CALLED:
        return f"{pcts(growth.rate, growth.low, growth.high)[0]} ({growth_range(growth)})"
    return growth_range(growth)


def trend_words(trend: str | None) -> str:
    """A trend class as the reports say it ("no clear trend" for stable)."""
    return TREND_WORDS.get(trend or "unknown", "unknown")


def _other_series(c: ClusterRecord) -> str:
    """The growth series beside the headline ("among discussions +37% (+0% to +88%), stable; ..."), or ""."""
    headline = c.growth.among or "all"
    return "; ".join(
        f"{series_title(kind).lower()} {growth_text(g)}, {trend_words(g.trend)}"
        for kind, g in sorted(c.growth_by_kind.items())
        if kind != headline
    )


def among_text(growth: Growth) -> str:
    """ " among discussions" when the growth shown counts one source kind's voices only, else ""."""
    among = growth.among or "all"
    return "" if among == "all" else f" among {among}s"


def series_title(key: str) -> str:
    """How a growth series is named beside its figures: "All documents", "Among discussions"."""
    return "All documents" if key == "all" else f"Among {key}s"


def pcts(*rates: float | None) -> list[str]:
    """Several yearly factors (a rate and its interval) in one notation: all as changes ("+30%") or, when any is
    tenfold or more, all as factors ("×0.45", "×40"), so an interval never reads "+865% to ×12"."""
    if all(r is None or r < 10 for r in rates):
        return [pct(r) for r in rates]
    return ["n/a" if r is None else pct(r) if r >= 10 else f"×{r:.2g}" for r in rates]


def pct(rate: float | None, digits: int = 0) -> str:
    """A yearly growth factor as a change: 1.3 -> "+30%", 0.6 -> "−40%"; beyond tenfold as a factor ("×40"),
    since "+3,900%" reads as noise, and beyond a million in powers of ten ("×3e12": the upper bound of a fit on a
    few authors)."""
    if rate is None:
        return "n/a"
    if rate >= 1e6:
        return f"×{rate:.0e}".replace("e+", "e")
    if rate >= 10:
        return f"×{rate:,.0f}"
    return f"{round((rate - 1) * 100, digits) + 0.0:+.{digits}f}%".replace("-", "−")  # + 0.0: no "−0%"


def broad_themes(themes: Sequence[ClusterRecord]) -> list[ClusterRecord]:
    """The themes the reports list: those of two jobs or more (a one-job theme is its job, ranked below)."""
    return [t for t in themes if len(t.jobs) > 1]


def md_cell(text: str) -> str:
    """Corpus text for report.md, on one line: HTML escaped (a renderer with HTML on must not run it), and the
    characters that would end a table cell, start emphasis or a link escaped."""
    text = html.escape(text, quote=False)
    for char in "|*_[]`":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def _score_terms(parts: dict[str, float], weights: dict[str, float] | None) -> str:
    """`1×growth +0.20 + 0.5×reach +0.90 ...` (weights are in clusters.json since they became settable)."""
    if not weights:
        return " + ".join(f"{k} {v:+.2f}" for k, v in parts.items())
    return " + ".join(f"{weights.get(k, 0):g}×{k} {round(v, 2) + 0.0:+.2f}" for k, v in parts.items())


class MarkdownReport:
    """report.md: the ranking table, then one section per job with keyphrases, trend and quotes."""

    files = ("report.md",)

    def render(self, results: Results) -> dict[str, str]:
        return {"report.md": render_markdown(results)}


#: The surest first: rising by the interval's low end, declining by its high end.
HEADLINE_ORDER = {"Rising": lambda c: -(c.growth.low or 0.0), "Declining": lambda c: c.growth.high or 0.0}


def headline_groups(results: Results) -> list[tuple[str, list[ClusterRecord], list[ClusterRecord]]]:
    """("Rising", jobs, themes) and ("Declining", jobs, themes) called so, each list surest first: what the
    reports open with."""
    groups = {"Rising": ("rising", "emerging"), "Declining": ("declining", "fading")}
    return [
        (
            word,
            sorted((c for c in results.clusters if c.growth.trend in group), key=HEADLINE_ORDER[word]),
            sorted((t for t in broad_themes(results.themes) if t.growth.trend in group), key=HEADLINE_ORDER[word]),
        )
        for word, group in groups.items()
    ]


def shown(results: Results) -> Results:
    """The results as the reports show them: jobs a reviewer hid left out, and named in a note."""
    hidden = [c for c in results.clusters if c.hidden]
    if not hidden:
        return results
    named = "; ".join(f"#{c.id} {c.label} ({c.decision['hide']})" for c in hidden)
    run = replace(
        results.run, notes=[*results.run.notes, f"{len(hidden)} jobs hidden by a reviewer's decision: {named}."]
    )
    return replace(results, run=run, clusters=[c for c in results.clusters if not c.hidden])


def decision_text(c: ClusterRecord) -> str:
    """A reviewer's decision about a job in words ("pinned · owner ana · exploring · renamed from …"), or ""."""
    d = c.decision
    parts = ["pinned" if d.get("pin") else "", f"owner {d['owner']}" if d.get("owner") else "", d.get("status", "")]
    parts.append(f"renamed from “{d['original_label']}”" if d.get("original_label") else "")
    return " · ".join(p for p in parts if p)


def render_markdown(results: Results) -> str:
    """report.md: the ranking table, then one section per cluster with keyphrases, trend and quotes."""
    results = shown(results)
    run, clusters = results.run, results.clusters
    share, counting = share_of(results.counting)
    lines = [
        f"# Jobs to be done in {md_cell(run.corpus_name)}",
        "",
        f"{run.count('documents'):,} documents → {run.count('statements'):,} job statements → "
        f"{len(clusters)} clusters ({run.count('noise_share'):.0%} of statements left unclustered). "
        f"Growth is the change per year of a cluster's *{share}* ({counting}), over {window_text(results)}, with "
        f"{interval_text(clusters)}; trends are called only after false-discovery control across clusters.",
        "",
    ]
    if clusters and not any(c.growth.trend in CALLED for c in clusters):
        lines += [
            f"> No job is called rising or declining over {window_text(results)}: no job's share changed by more "
            "than chance would explain among this many jobs. These needs held steady, or changed too little for "
            f"this many voices to show. To look over a longer span: `jtbd report {run.out_dir or 'RUN_DIR'} "
            f"--window {(run.config.window or 24) * 2}`.",
            "",
        ]
    for word, called_jobs, called_themes in headline_groups(results):
        if called := sorted(called_jobs + called_themes, key=HEADLINE_ORDER[word]):
            lines += [
                f"**{word}:** "
                + "; ".join(
                    f"{md_cell(c.label)}{' (theme)' if c.jobs else ''} {growth_range(c.growth)}/yr" for c in called
                ),
                "",
            ]
    for note in notes(results):
        lines += [f"> {md_cell(note)}", ""]
    if not clusters:
        return "\n".join(lines + ["No clusters were found.", ""])
    if broad := broad_themes(results.themes):
        by_id = {c.id: c for c in clusters}
        alone = len(results.themes) - len(broad)
        lines += [
            "## Themes",
            "",
            "Topics that span several jobs (each job in one theme), ranked as jobs are"
            + (f"; the {alone} jobs that are a theme of their own are not repeated here." if alone else "."),
            "",
            "| # | Theme | Trend | Growth / year (95% CI) | Authors | Jobs | Score |",
            "|---:|---|---|---|---:|---|---:|",
        ]
        for t in broad:
            jobs = "; ".join(f"[{md_cell(by_id[j].label)}](#cluster-{j})" for j in t.jobs[:6] if j in by_id)
            more = f" and {len(t.jobs) - 6} more" if len(t.jobs) > 6 else ""
            lines.append(
                f"| {t.rank} | {md_cell(t.label)} | {trend_cell(t.growth)} | {growth_text(t.growth)}"
                f"{among_text(t.growth)} | {t.n_authors:,} | {jobs}{more} | {t.score:.2f} |"
            )
        lines.append("")
    for side, title in (("customer", "Customer jobs"), ("role_work", "Role work")):
        ranked = [c for c in clusters if c.side == side]
        if not ranked:
            continue
        lines += [
            f"## {title}",
            "",
            "| # | Job | Trend | Growth / year (95% CI) | Authors | Statements | Score |",
            "|---:|---|---|---|---:|---:|---:|",
        ]
        for c in ranked:
            growth = growth_text(c.growth) + among_text(c.growth)
            lines.append(
                f"| {c.rank} | [{md_cell(c.label)}](#cluster-{c.id}){' ⚠ unstable' if c.unstable else ''} | "
                f"{trend_cell(c.growth)} | {growth} | {c.n_authors:,} | {c.size:,} | {c.score:.2f} |"
            )
        lines.append("")
    if any(not_called(c.growth) for c in clusters):
        lines += [NOT_CALLED, ""]
    for c in clusters:
        growth = f"{growth_text(c.growth)} per year{among_text(c.growth)}"
        lines += [
            f'## <a id="cluster-{c.id}"></a>{c.rank}. {md_cell(c.label)}',
            "",
            f"**Keyphrases:** {md_cell(', '.join(c.keywords))}  ",
            *([f"**Decision:** {md_cell(decided)}  "] if (decided := decision_text(c)) else []),
            *(
                [f"**⚠ Unstable:** comes back in re-clustered subsamples with Jaccard {c.stability:.2f} only  "]
                if c.unstable
                else []
            ),
            f"**Trend:** {trend_cell(c.growth)}, {growth} · **Share per period:** `{share_sparkline(c.series)}`  ",
            *([f"**Other series:** {other}  "] if (other := _other_series(c)) else []),
            f"**Reach:** {c.n_authors:,} authors, {c.n_docs:,} documents, {c.size:,} statements · "
            f"**Kinds:** {', '.join(f'{k} {v}' for k, v in c.kinds.items())}  ",
            f"**Score:** {c.score:.2f} = " + _score_terms(c.score_parts, run.score_weights),
            "",
            f"**Related jobs:** {'; '.join(md_cell(j) for j in c.top_jobs[:5])}",
            "",
        ]
        for q in c.quotes:
            when = f" ({q.created_at.isoformat()[:10]})" if q.created_at else ""
            name = md_cell(q.title or q.doc_id)
            url = (q.url or "").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
            source = f"[{name}](<{url}>)" if url.startswith(("https://", "http://")) else name
            lines.append(f"- “{md_cell(q.text)}” — {source}{when}")
        lines.append("")
    lines += [
        "## What the words mean",
        "",
        *(f"- **{term}:** {text}" for term, text in GLOSSARY),
        "",
    ]
    return "\n".join(lines)


def render_cluster_text(results: Results, cluster_id: int) -> str:
    """One cluster for the terminal: title, trend and growth, reach, keyphrases, share sparkline, quotes."""
    c = results.find(cluster_id)
    g = c.growth
    trend = f"{TREND_MARK.get(g.trend, g.trend)}, {growth_text(g)} per year{among_text(g)}"
    if g.q_value is not None:
        trend += f", q {q_text(g.q_value)}" + (
            " (not called: above the 0.05 false-discovery bar)" if not_called(g) else ""
        )
    if g.momentum is not None:
        trend += f", momentum {g.momentum:.2f}x"
    lines = [f"#{c.rank} {c.label}  (cluster {c.id})", f"Trend:      {trend}"]
    for kind, kg in sorted(c.growth_by_kind.items()):
        if kind != (g.among or "all"):  # the headline's own series is the Trend line above
            # Under the Trend line, in its column: "Among discussions:" is wider than the labels' column.
            lines.append(f"{'':<12}{series_title(kind).lower()}: {trend_words(kg.trend)}, {growth_text(kg)} per year")
    lines += [
        f"Reach:      {c.n_authors:,} authors, {c.n_docs:,} documents, {c.size:,} statements",
        f"Keyphrases: {', '.join(c.keywords)}",
    ]
    dated = [p for p in c.series if p.total]
    if dated:
        spark = share_sparkline(c.series)
        lines.append(
            f"Share:      {c.series[0].period} {spark} {c.series[-1].period}  "
            f"(first {dated[0].share:.1%}, last {dated[-1].share:.1%}, peak {max(p.share for p in dated):.1%})"
        )
    parts = ", ".join(f"{k} {v:+.2f}" for k, v in c.score_parts.items())
    lines += [f"Score:      {c.score:.2f} ({parts})", f"Related:    {'; '.join(c.top_jobs[:5])}", "Quotes:"]
    for q in c.quotes:
        when = f" ({q.created_at.isoformat()[:10]})" if q.created_at else ""
        lines += [f"  “{' '.join(q.text.split())}”", f"    {q.url or q.doc_id}{when}"]
    return "\n".join(lines)
