"""Render a run's results as text: report.md (`MarkdownReport`), and one cluster for the terminal (`jtbd show`)."""

from __future__ import annotations

from collections.abc import Sequence

from jtbd.periods import MAX_PER_AUTHOR, MIN_VOICES_TO_FIT
from jtbd.records import ClusterRecord, Results
from jtbd.types import Growth, PeriodCount

SPARK = "▁▂▃▄▅▆▇█"
TREND_MARK = {
    "emerging": "🆕 emerging",
    "rising": "▲ rising",
    "stable": "● stable",
    "declining": "▼ declining",
    "fading": "▽ fading",
    "unknown": "? unknown",
}


#: Why a job can show an interval that excludes flat and still be "stable" (report.md, report.html, `jtbd show`).
NOT_CALLED = (
    "q: the job's own 95% interval excludes flat, but among many jobs some intervals do so by chance; a trend is "
    "called only when its false-discovery q-value is below 0.05."
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


def share_sparkline(series: Sequence[PeriodCount]) -> str:
    """A cluster's share per period as a sparkline; a period with no documents at all is a gap (a space), not a
    drop to zero."""
    shares = sparkline([p.share for p in series])
    return "".join(mark if p.total else " " for mark, p in zip(shares, series))


def _growth_text(growth: Growth) -> str:
    if growth.rate is None:
        return "n/a"
    return f"{pct(growth.rate)} ({pct(growth.low)} to {pct(growth.high)})"


def _other_series(c: ClusterRecord) -> str:
    """The growth series beside the headline ("among discussions +37% (+0% to +88%), stable; ..."), or ""."""
    headline = c.growth.among or "all"
    return "; ".join(
        f"{series_title(kind).lower()} {_growth_text(g)}, {g.trend}"
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
    """Text as one Markdown table cell: on one line, with the characters that would end the cell or start
    emphasis escaped."""
    return " ".join(text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").split())


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


def render_markdown(results: Results) -> str:
    """report.md: the ranking table, then one section per cluster with keyphrases, trend and quotes."""
    run, clusters = results.run, results.clusters
    share, counting = share_of(results.counting)
    lines = [
        f"# Jobs to be done in {run.corpus_name}",
        "",
        f"{run.count('documents'):,} documents → {run.count('statements'):,} job statements → "
        f"{len(clusters)} clusters ({run.count('noise_share'):.0%} of statements left unclustered). "
        f"Growth is the change per year of a cluster's *{share}* ({counting}), over {window_text(results)}, with "
        f"{interval_text(clusters)}; trends are called only after false-discovery control across clusters.",
        "",
    ]
    for note in notes(results):
        lines += [f"> {note}", ""]
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
                f"| {t.rank} | {md_cell(t.label)} | {trend_cell(t.growth)} | {_growth_text(t.growth)}"
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
            growth = _growth_text(c.growth) + among_text(c.growth)
            lines.append(
                f"| {c.rank} | [{md_cell(c.label)}](#cluster-{c.id}){' ⚠ unstable' if c.unstable else ''} | "
                f"{trend_cell(c.growth)} | {growth} | {c.n_authors:,} | {c.size:,} | {c.score:.2f} |"
            )
        lines.append("")
    if any(not_called(c.growth) for c in clusters):
        lines += [NOT_CALLED, ""]
    for c in clusters:
        growth = f"{_growth_text(c.growth)} per year{among_text(c.growth)}"
        lines += [
            f'## <a id="cluster-{c.id}"></a>{c.rank}. {md_cell(c.label)}',
            "",
            f"**Keyphrases:** {', '.join(c.keywords)}  ",
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
            source = f"[{md_cell(q.doc_id)}]({q.url})" if q.url else md_cell(q.doc_id)
            lines.append(f"- “{md_cell(q.text)}” — {source}{when}")
        lines.append("")
    return "\n".join(lines)


def render_cluster_text(results: Results, cluster_id: int) -> str:
    """One cluster for the terminal: title, trend and growth, reach, keyphrases, share sparkline, quotes."""
    c = results.find(cluster_id)
    g = c.growth
    trend = f"{TREND_MARK.get(g.trend, g.trend)}, {_growth_text(g)} per year{among_text(g)}"
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
            lines.append(f"{'':<12}{series_title(kind).lower()}: {kg.trend}, {_growth_text(kg)} per year")
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
