"""Rank clusters: fit each one's growth over the growth window, then score it as an opportunity.

`GrowthRanker` is the rank stage. It is fitted to the corpus's dates (which period and window growth is fitted
over), ranks clusters by the score, and re-scores a finished run's clusters under other weights. The statistics are
in `growth.py`; how time and voices are counted in `periods.py`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from jtbd.config import DEFAULT_WEIGHTS, Config
from jtbd.errors import ConfigError, JtbdError
from jtbd.growth import (
    CONFIDENCE,
    FDR,
    FDR_METHODS,
    PoissonFit,
    Trend,
    VoiceCounts,
    benjamini_hochberg,
    level_q_values,
    moderated_tests,
    momentum,
    poisson_fit,
)
from jtbd.periods import (
    MAX_PER_AUTHOR,
    MIN_VOICES_TO_FIT,
    PERIODS_PER_YEAR,
    growth_window,
    period_key,
    resolve_period,
    window_periods,
)
from jtbd.records import ClusterRecord
from jtbd.types import PAIN_KINDS, SUPPLY_KINDS, ClusterLabel, Growth, PeriodCount, RankedCluster, Statement

#: Pain and supply are shares of a cluster's voices (`_voice_shares`), and a handful of authors can make either
#: extreme (one company's pitch reposted monthly ranked high on pain alone). Each share is shrunk toward the
#: corpus-wide share as if this many more authors had spoken at it.
PRIOR_AUTHORS = 10
#: Score parts added after output folders were first written: an older folder's jobs get 0 for them when re-scored.
LATER_PARTS = frozenset({"specificity"})


class GrowthRanker:
    """The rank stage: growth per `period` over the last `window` periods, and a score weighted by `weights`.

    `fit(dates)` resolves `period="auto"` (month, or week for a corpus spanning under six months) and the default
    window (the last 24 months) into `period_` and `window_`.
    """

    def __init__(
        self,
        period: str = Config.period,
        window: int | None = Config.window,
        weights: dict[str, float] | None = Config.weights,
        fdr: str = Config.fdr,
    ) -> None:
        self.period = period
        self.window = window
        self.weights = weights
        self.fdr = fdr
        if fdr not in FDR_METHODS:
            raise ConfigError(f"fdr must be one of {', '.join(FDR_METHODS)}. Got {fdr!r}.")

    @classmethod
    def from_config(cls, config: Config) -> GrowthRanker:
        return cls(config.period, config.window, config.weights, config.fdr)

    def fit(self, dates: Sequence[datetime | None]) -> GrowthRanker:
        self.period_ = resolve_period(self.period, dates)
        self.window_ = growth_window(self.period_, self.window)
        return self

    def in_window(self, statements: Sequence[Statement]) -> np.ndarray:
        return in_growth_window(statements, self.period_, self.window_)

    def rank(
        self,
        statements: Sequence[Statement],
        labels: np.ndarray,
        cluster_labels: dict[int, ClusterLabel],
        *,
        specificity: dict[int, float] | None = None,
    ) -> list[RankedCluster]:
        return rank_clusters(
            statements,
            labels,
            cluster_labels,
            period=self.period_,
            window=self.window_,
            weights=self.weights,
            specificity=specificity,
        )

    def rank_levels(
        self,
        statements: Sequence[Statement],
        jobs: tuple[np.ndarray, dict[int, ClusterLabel], dict[int, float] | None],
        themes: tuple[np.ndarray, dict[int, ClusterLabel], dict[int, float] | None],
    ) -> tuple[list[RankedCluster], list[RankedCluster]]:
        """Jobs and themes ranked together, their false discoveries controlled as `fdr` says (`rank_levels`)."""
        return rank_levels(
            statements, jobs, themes, fdr=self.fdr, period=self.period_, window=self.window_, weights=self.weights
        )

    def rescore(self, clusters: Sequence[ClusterRecord]) -> list[ClusterRecord]:
        """The clusters with each score recomputed from its reported parts under this ranker's weights, in rank
        order: exactly the ranking a fresh run with those weights gives."""
        weights = {**DEFAULT_WEIGHTS, **(self.weights or {})}
        for c in clusters:
            if (set(DEFAULT_WEIGHTS) - LATER_PARTS) - set(c.score_parts) or set(c.score_parts) - set(DEFAULT_WEIGHTS):
                raise JtbdError(
                    f"Cluster {c.id} in clusters.json has no score parts {sorted(DEFAULT_WEIGHTS)}. "
                    "Run `jtbd cluster` again to rewrite it."
                )
        scored = sorted(
            (
                replace(c, score_parts=parts, score=weighted_score(parts, weights))
                for c in clusters
                for parts in [{**dict.fromkeys(LATER_PARTS, 0.0), **c.score_parts}]
            ),
            key=lambda c: (not c.pinned, c.hidden, *score_order(c.score, c.size, c.id)),  # a reviewer's pins first
        )
        return [replace(c, rank=i) for i, c in enumerate(scored, start=1)]


@dataclass(frozen=True)
class _Window:
    """The last `window` periods and, per period, how many distinct voices (authors) said anything."""

    periods: list[str]
    index: dict[str, int]
    totals: np.ndarray  # counted statements per period, all clusters and noise together (the exposure)


def in_growth_window(statements: Sequence[Statement], period: str, window: int) -> np.ndarray:
    """Whether each statement falls in the growth window (undated ones do not)."""
    keys = [period_key(s.created_at, period) if s.created_at else None for s in statements]
    periods = set(window_periods(keys, period, window))
    return np.array([key in periods for key in keys], dtype=bool)


def _make_window(
    keys: Sequence[str | None], voices: Sequence[str], labels: Sequence[int], period: str, window: int
) -> _Window:
    periods = window_periods(keys, period, window)
    index = {p: i for i, p in enumerate(periods)}
    totals = np.zeros(len(periods))
    for (key, _voice, _label), n in Counter(zip(keys, voices, labels)).items():
        if key in index:
            totals[index[key]] += min(n, MAX_PER_AUTHOR)
    return _Window(periods, index, totals)


def _period_counts(
    rows: Sequence[int], keys: Sequence[str | None], voices: Sequence[str], window: _Window
) -> tuple[np.ndarray, np.ndarray, VoiceCounts]:
    """The cluster's counted statements (at most MAX_PER_AUTHOR per author) and its distinct authors, per period:
    a company reposting monthly is one voice a month, a loud commenter counts MAX_PER_AUTHOR at most; and the same
    counts by voice."""
    entries = [
        (voice, window.index[key], min(n, MAX_PER_AUTHOR))
        for (key, voice), n in Counter((keys[r], voices[r]) for r in rows).items()
        if key in window.index
    ]
    numbered: dict[str, int] = {}
    by_voice = VoiceCounts(
        np.array([numbered.setdefault(voice, len(numbered)) for voice, _, _ in entries], dtype=np.int64),
        np.array([period for _, period, _ in entries], dtype=np.int64),
        np.array([n for _, _, n in entries], dtype=float),
    )
    n_periods = len(window.periods)
    counted = np.bincount(by_voice.period, weights=by_voice.count, minlength=n_periods)
    authors = np.bincount(by_voice.period, minlength=n_periods).astype(float)
    return counted, authors, by_voice


def rank_clusters(
    statements: Sequence[Statement],
    labels: np.ndarray,
    cluster_labels: dict[int, ClusterLabel],
    *,
    period: str = "month",
    window: int = 24,
    weights: dict[str, float] | None = None,
    specificity: dict[int, float] | None = None,
) -> list[RankedCluster]:
    """Score and order clusters; the first is the best opportunity. Noise (-1) is never ranked.

    `specificity` (cluster id -> 0..1, `clustering.specificity`) is a part of the score: a job any company or
    anyone could state ranks below one that names its customers, domain or object.

    Growth counts statements per period (at most MAX_PER_AUTHOR per author) against everything said in that period,
    counted the same way, over all documents and, when the corpus mixes kinds, separately among discussions (demand)
    and postings (money being spent); the cluster's growth is the series whose growth is surest (`_headline`).
    Undated statements count toward size and reach but not toward growth.
    """
    level = _fit_level(statements, labels, list(cluster_labels), period, window)
    fits = level.growths(benjamini_hochberg([p for _, p in level.fits]))
    return _rank_level(level, fits, statements, cluster_labels, weights, specificity)


def rank_levels(
    statements: Sequence[Statement],
    jobs: tuple[np.ndarray, dict[int, ClusterLabel], dict[int, float] | None],
    themes: tuple[np.ndarray, dict[int, ClusterLabel], dict[int, float] | None],
    *,
    fdr: str = "separate",
    period: str = "month",
    window: int = 24,
    weights: dict[str, float] | None = None,
) -> tuple[list[RankedCluster], list[RankedCluster]]:
    """Jobs and themes ranked as `rank_clusters` ranks each, with the false discoveries of the two levels
    controlled by `fdr` (growth.FDR_METHODS). Each of `jobs` and `themes` is (labels per statement, names by
    cluster id, specificity by cluster id); every job's statements lie in one theme."""
    (job_labels, job_names, job_specificity), (theme_labels, theme_names, theme_specificity) = jobs, themes
    job_level = _fit_level(statements, job_labels, list(job_names), period, window)
    theme_level = _fit_level(statements, theme_labels, list(theme_names), period, window)
    theme_of_job = {int(j): int(t) for j, t in zip(job_labels.tolist(), theme_labels.tolist()) if j >= 0 and t >= 0}
    job_q, theme_q = level_q_values(job_level.fits, theme_level.fits, theme_of_job, fdr)
    return (
        _rank_level(job_level, job_level.growths(job_q), statements, job_names, weights, job_specificity),
        _rank_level(theme_level, theme_level.growths(theme_q), statements, theme_names, weights, theme_specificity),
    )


def _rank_level(
    level: _Level,
    fits: dict[int, dict[str, Growth]],
    statements: Sequence[Statement],
    cluster_labels: dict[int, ClusterLabel],
    weights: dict[str, float] | None,
    specificity: dict[int, float] | None,
) -> list[RankedCluster]:
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    members, keys, overall, period_counts = level.members, level.keys, level.overall, level.period_counts
    authors_of = {c: _n_authors(statements, rows) for c, rows in members.items()}
    max_authors = max(authors_of.values(), default=1)
    baseline = _voice_shares(statements, [r for rows in members.values() for r in rows])
    ranked = []
    for cluster_id, label in cluster_labels.items():
        rows = members[cluster_id]
        by_series = fits[cluster_id]
        growth = _headline(by_series)
        counted, authors = period_counts[cluster_id]
        statement_counts = np.zeros(len(overall.periods))
        for row in rows:
            key = keys[row]
            if key is not None and key in overall.index:
                statement_counts[overall.index[key]] += 1
        series = [
            PeriodCount(p, int(statement_counts[i]), int(overall.totals[i]), int(authors[i]), int(counted[i]))
            for i, p in enumerate(overall.periods)
        ]
        n_authors = authors_of[cluster_id]
        kinds: dict[str, int] = defaultdict(int)
        for row in rows:
            kinds[statements[row].kind] += 1
        parts = _score_parts(growth, n_authors, max_authors, _voice_shares(statements, rows), baseline)
        parts["specificity"] = round((specificity or {}).get(cluster_id, 0.0), 4)
        ranked.append(
            RankedCluster(
                id=cluster_id,
                rank=0,
                label=label,
                members=rows,
                size=len(rows),
                n_authors=n_authors,
                n_docs=len({statements[r].doc_id for r in rows}),
                growth=growth,
                score=weighted_score(parts, weights),
                score_parts=parts,
                series=series,
                kind_counts=dict(sorted(kinds.items())),
                growth_by_kind=by_series if len(by_series) > 1 else {},
            )
        )
    ranked.sort(key=lambda c: score_order(c.score, c.size, c.id))
    return [replace(c, rank=i) for i, c in enumerate(ranked, start=1)]


def weighted_score(parts: dict[str, float], weights: dict[str, float]) -> float:
    """The opportunity score from its (rounded, as reported) parts, so a report re-weighted from clusters.json
    gets exactly the score a fresh run with those weights would."""
    return round(sum(weights[name] * value for name, value in parts.items()), 4)


def score_order(score: float, size: int, cluster_id: int) -> tuple[float, int, int]:
    """Sort key of the ranking: best score first, then the larger cluster, then the lower id."""
    return (-score, -size, cluster_id)


@dataclass
class _Level:
    """One level's clusters (jobs, or themes) fitted but not yet put through the false-discovery control."""

    members: dict[int, list[int]]
    keys: list[str | None]
    overall: _Window
    per_year: float
    raw: dict[
        tuple[int, str], tuple[PoissonFit | None, np.ndarray, np.ndarray]
    ]  # (cluster, series) -> fit, counts, totals
    tested: dict[tuple[int, str], Trend | None]
    period_counts: dict[int, tuple[np.ndarray, np.ndarray]]

    @property
    def fits(self) -> list[tuple[int, float | None]]:
        """(cluster id, p-value) of every fit, in `tested`'s order: what the false-discovery control sees."""
        return [(cluster_id, t.p_value if t else None) for (cluster_id, _), t in self.tested.items()]

    def growths(self, q_values: Sequence[float | None]) -> dict[int, dict[str, Growth]]:
        """Each cluster's growth per series, given the q-value of every fit (in `fits`' order)."""
        out: dict[int, dict[str, Growth]] = {cluster_id: {} for cluster_id in self.members}
        for (key, (_, counts, totals)), q in zip(self.raw.items(), q_values):
            growth = growth_from_fit(self.tested[key], q, counts, totals, self.per_year)
            out[key[0]][key[1]] = replace(growth, among=key[1])
        return out


def _fit_level(
    statements: Sequence[Statement], labels: np.ndarray, cluster_ids: Sequence[int], period: str, window: int
) -> _Level:
    """Growth fits of every cluster among all documents (in the growth window) and, when the corpus mixes kinds,
    among each kind's voices alone; and each cluster's counted statements and authors per period of the window.
    A series with fewer than MIN_VOICES_TO_FIT authors (summed over periods) in the window gets no fit.

    A kind's series has that kind's voices as exposure, so a need rising in discussions is not drowned by a larger,
    flat volume of postings in the same cluster (and vice versa). Every fit of every cluster is one test of the
    false-discovery control, so looking at three series per cluster does not buy extra discoveries. Each fit's
    overdispersion is shrunk toward the median over all fits of the level (PRIOR_DF).
    """
    per_year = PERIODS_PER_YEAR[period]
    keys = [period_key(s.created_at, period) if s.created_at else None for s in statements]
    voices = [s.voice for s in statements]
    members = {c: [int(r) for r in np.flatnonzero(labels == c)] for c in cluster_ids}
    overall = _make_window(keys, voices, labels.tolist(), period, window)
    series = {"all": keys}
    doc_kinds = sorted({s.doc_kind for s in statements})
    if len(doc_kinds) > 1:
        for doc_kind in doc_kinds:
            series[doc_kind] = [k if s.doc_kind == doc_kind else None for k, s in zip(keys, statements)]
    raw, period_counts = {}, {}
    for name, series_keys in series.items():
        series_window = overall if name == "all" else _make_window(series_keys, voices, labels.tolist(), period, window)
        for cluster_id, rows in members.items():
            counts, authors, by_voice = _period_counts(rows, series_keys, voices, series_window)
            totals = series_window.totals
            fit = poisson_fit(counts, totals, per_year, by_voice) if authors.sum() >= MIN_VOICES_TO_FIT else None
            raw[cluster_id, name] = (fit, counts, totals)
            if name == "all":
                period_counts[cluster_id] = (counts, authors)
    # One headline is picked from the series (`_headline`): Bonferroni-widened intervals keep the picked one a 95%
    # statement (all of them cover together at least 95% of the time).
    confidence = 1 - (1 - CONFIDENCE) / len(series)
    tested = dict(zip(raw, moderated_tests([fit for fit, _, _ in raw.values()], confidence)))
    return _Level(members, keys, overall, per_year, raw, tested, period_counts)


def _headline(by_series: dict[str, Growth]) -> Growth:
    """The series that says most about how fast the cluster grows: what the trend class, the ranking and the score
    use; the others stay in `growth_by_kind`.

    Among the fits that pass the false-discovery control (else among those whose lower bound is above flat), the
    one with the highest lower bound, ties going to all documents; all documents when there is none, so a stable
    row does not switch series over noise. A need rising among discussions next to a larger, flat stream of
    postings about the same job is diluted in the all-documents series, which would rank it by the wrong, lower
    bound. A lucky fit on a handful of voices has a wide interval, so its lower bound does not win by luck; the
    intervals are Bonferroni-widened for the pick (CONFIDENCE; docs/method.md, "Growth").
    """
    fitted = [g for g in by_series.values() if g.low is not None]
    discoveries = [g for g in fitted if g.q_value is not None and g.q_value < FDR]
    growing = [g for g in fitted if (g.low or 0.0) > 1.0]
    return max(discoveries or growing, key=lambda g: g.low or 0.0, default=by_series["all"])


def _n_authors(statements: Sequence[Statement], rows: Sequence[int]) -> int:
    return len({statements[r].voice for r in rows})


def growth_from_fit(
    fit: Trend | None, q: float | None, counts: np.ndarray, totals: np.ndarray, per_year: float
) -> Growth:
    n_periods = int((totals > 0).sum())
    if fit is None or q is None:
        return Growth(None, None, None, None, n_periods, "unknown", momentum=momentum(counts, totals, per_year))
    slope, p_value, half = fit.slope, fit.p_value, fit.critical * fit.se
    # With t on one or two degrees of freedom (a fit on two or three authors) the bound can pass what a float holds.
    rate, low, high = (math.exp(min(value, 700.0)) for value in (slope, slope - half, slope + half))
    nonzero = np.flatnonzero(counts > 0)
    new = len(nonzero) and nonzero[0] >= len(counts) * 2 / 3
    if q < FDR and low > 1:
        trend = "emerging" if new else "rising"
    elif q < FDR and high < 1:
        recent = counts[-max(1, int(per_year / 4)) :].sum()
        trend = "fading" if recent == 0 or rate < 0.5 else "declining"
    else:
        trend = "stable"
    return Growth(
        _factor(rate),
        _factor(low),
        _factor(high),
        round(p_value, 6),
        n_periods,
        trend,
        q_value=round(q, 6),
        momentum=momentum(counts, totals, per_year),
    )


def _factor(value: float) -> float:
    """A yearly growth factor as reported: 4 decimals, but never 0. The lower bound of a fit on a few authors can be
    below 0.00005 (t on one or two degrees of freedom), and the score and the report's interval bar take its log."""
    return round(value, 4) if value >= 1e-4 else max(float(f"{value:.2g}"), 1e-300)


def _voice_shares(statements: Sequence[Statement], rows: Sequence[int]) -> tuple[float, float]:
    """(pain share, supply share) of `rows`, each voice weighing one: a voice's share of its own statements of that
    kind, averaged over the voices. A company that reposts its pain line every month is one voice with a pain share
    of 1, not 50 pain statements."""
    said: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # voice -> [statements, pain, supply]
    for row in rows:
        statement = statements[row]
        counts = said[statement.voice]
        counts[0] += 1
        counts[1] += statement.kind in PAIN_KINDS
        counts[2] += statement.kind in SUPPLY_KINDS
    if not said:
        return 0.0, 0.0
    pain = sum(p / n for n, p, _ in said.values()) / len(said)
    return pain, sum(q / n for n, _, q in said.values()) / len(said)


def _score_parts(
    growth: Growth,
    n_authors: int,
    max_authors: int,
    shares: tuple[float, float],
    baseline: tuple[float, float] = (0.0, 0.0),
) -> dict[str, float]:
    """The parts of the opportunity score, each on a comparable 0..1-ish scale and rounded as reported
    (docs/method.md, "Score").
    `shares` is the cluster's own (pain, supply) share of its voices (`_voice_shares`), `baseline` the corpus-wide
    one that a small cluster's shares are shrunk toward."""
    # The most cautious reading of the interval: its bound nearest to "flat", and 0 when it spans flat or when the
    # trend does not survive the false-discovery control (a small cluster's wide but lucky interval earns nothing).
    if growth.q_value is None or growth.q_value >= FDR:
        growth_part = 0.0
    elif growth.low is not None and growth.low > 1:
        growth_part = math.log(growth.low)
    elif growth.high is not None and growth.high < 1:
        growth_part = math.log(growth.high)
    else:
        growth_part = 0.0
    pain, supply = (
        (n_authors * own + PRIOR_AUTHORS * base) / (n_authors + PRIOR_AUTHORS) for own, base in zip(shares, baseline)
    )
    parts = {
        "growth": max(-1.0, min(1.0, growth_part)),
        "reach": math.log1p(n_authors) / math.log1p(max(max_authors, 1)),
        "pain": pain,
        "supply": -supply,
    }
    return {k: round(v, 4) for k, v in parts.items()}
