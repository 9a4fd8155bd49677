"""Rank clusters by how fast their share of what people say is growing, and how sure we are of it.

A cluster's count in each period (its statements, at most MAX_PER_AUTHOR per author) is compared with everything said
in that period counted the same way (the exposure), so a month with twice the posts, or a partial month, does not
look like growth. Growth per year comes from a Poisson regression with log(period total) as offset; its interval is
widened by the observed overdispersion (quasi-Poisson, each cluster's shrunk toward the run's median) and, where
wider, by how much the trend rests on a few authors who keep posting (standard errors clustered by author), and
p-values are corrected across clusters with Benjamini-Hochberg so small clusters do not top the list by chance.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from scipy.special import stdtr, stdtrit

from jtbd.errors import ConfigError
from jtbd.types import PAIN_KINDS, SUPPLY_KINDS, ClusterLabel, Growth, PeriodCount, RankedCluster, Statement

PERIODS_PER_YEAR = {"week": 52.18, "month": 12.0, "quarter": 4.0}
DEFAULT_WEIGHTS = {"growth": 1.0, "reach": 0.5, "pain": 0.5, "supply": 0.3}
#: A trend is called only when its Benjamini-Hochberg q-value is below this.
FDR = 0.05
#: Growth intervals cover the true rate this often. When a corpus mixes kinds, each cluster has three fits (all
#: documents, discussions, postings) and the headline is picked from them, so each fit's own interval is widened
#: (Bonferroni) until all three cover together this often.
CONFIDENCE = 0.95
#: Growth counts a cluster's statements, but at most this many per author and period. A question or posting that
#: states a job two or three times is about that job, and one that mentions it once in passing is not; a commenter's
#: twentieth reply in a month still counts 3. Against counting one per author, this finds more of the trends planted
#: by benchmarks/trends.py (README, "Trend benchmark").
MAX_PER_AUTHOR = 3
#: A cluster's overdispersion, estimated from its own 24 or so periods, is noisy: an unlucky estimate can double its
#: interval. It is shrunk toward the median of every fit in the run, weighted as this many periods of evidence
#: (empirical Bayes, as limma and edgeR do for variances). Chosen before measuring; README "Trend benchmark".
PRIOR_DF = 10.0
#: Fewer voices than this in the window give no growth fit: with four voices in 24 months the interval runs from
#: -40% to +300,000% a year, which says nothing and fills the table with noise.
MIN_VOICES = 10
#: Pain and supply are shares of a cluster's voices (`_voice_shares`), and a handful of authors can make either
#: extreme: on the whole HN corpus, one company's pitch reposted monthly ("suffer from old and outdated software", 4
#: authors) ranked 3rd to 6th of 158 on pain alone. Each share is shrunk toward the corpus-wide share as if this many
#: more authors had spoken at it.
PRIOR_AUTHORS = 10


#: The growth window when `--window` is not given: the last 24 months, in periods of each size.
WINDOW_MONTHS = 24
DEFAULT_WINDOW = {"week": 104, "month": WINDOW_MONTHS, "quarter": WINDOW_MONTHS // 3}
#: With `--period auto` (the default), a corpus whose dates span fewer months than this is fitted per week: 3
#: months give a monthly fit 3 points, too few for any interval, and 13 weekly ones.
MIN_MONTHS_FOR_MONTHLY = 6
#: The span `choose_period` measures starts at this quantile of the dates, so that a few stray old documents (a
#: pinned post, a mis-dated record) do not make ten weeks of data look like years.
SPAN_QUANTILE = 0.05


def growth_window(period: str, window: int | None) -> int:
    """`window` periods, or when None the last WINDOW_MONTHS months counted in `period`s."""
    return window or DEFAULT_WINDOW[period]


def choose_period(dates: Sequence[datetime | None]) -> str:
    """The period `--period auto` fits growth by: month, unless the dates (from their SPAN_QUANTILE on) span fewer
    than MIN_MONTHS_FOR_MONTHLY calendar months; then week. Undated corpora get month (no growth is fitted anyway)."""
    dated = sorted(d for d in dates if d is not None)
    if not dated:
        return "month"
    first = dated[int(SPAN_QUANTILE * (len(dated) - 1))]
    months = period_range(period_key(first, "month"), period_key(dated[-1], "month"), "month")
    return "week" if len(months) < MIN_MONTHS_FOR_MONTHLY else "month"


def resolve_period(period: str, dates: Sequence[datetime | None]) -> str:
    """The period growth is fitted by: `period` itself, or for "auto" the one `choose_period` picks from `dates`."""
    return choose_period(dates) if period == "auto" else period


def period_key(when: datetime, period: str) -> str:
    if period == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "quarter":
        return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    return f"{when.year}-{when.month:02d}"


def period_range(first: str, last: str, period: str) -> list[str]:
    """Every period from first to last inclusive, so empty periods show as gaps, not as nothing."""
    out = [first]
    while out[-1] != last:
        out.append(_next_period(out[-1], period))
    return out


def _next_period(key: str, period: str) -> str:
    if period == "month":
        year, month = map(int, key.split("-"))
        return f"{year + month // 12}-{month % 12 + 1:02d}"
    if period == "quarter":
        year, quarter = int(key[:4]), int(key[-1])
        return f"{year + quarter // 4}-Q{quarter % 4 + 1}"
    year, week = int(key[:4]), int(key[-2:])
    last_week = datetime(year, 12, 28).isocalendar()[1]
    return f"{year + 1}-W01" if week >= last_week else f"{year}-W{week + 1:02d}"


@dataclass(frozen=True)
class Trend:
    """A tested growth fit: slope per year, its standard error, two-sided p-value, and the multiplier of the standard
    error that gives the interval at the test's confidence (a t quantile: the dispersion is estimated, so not 1.96
    at 95%)."""

    slope: float
    se: float
    p_value: float
    critical: float


@dataclass(frozen=True)
class VoiceCounts:
    """A series' counted statements by who said them: one entry per (voice, period), with that voice's statements
    in that period (at most MAX_PER_AUTHOR). Voices are numbered from 0; periods index the series' window."""

    voice: np.ndarray
    period: np.ndarray
    count: np.ndarray

    @property
    def n_voices(self) -> int:
        return int(self.voice.max()) + 1 if len(self.voice) else 0


@dataclass(frozen=True)
class PoissonFit:
    """A Poisson growth fit before its interval is scaled: slope per year, its Poisson variance, the Pearson
    dispersion of the residuals with its degrees of freedom (how much noisier than Poisson the series is) and,
    when the fit was given who said what, the slope's variance clustered by voice and the number of voices."""

    slope: float
    variance: float
    dispersion: float
    df: int
    voice_variance: float = 0.0
    n_voices: int = 0  # 0: not known

    def test(
        self, pooled_dispersion: float = 1.0, prior_df: float = 0.0, confidence: float = CONFIDENCE
    ) -> Trend | None:
        """The slope's standard error scaled by the dispersion, shrunk toward `pooled_dispersion` as if that were
        `prior_df` more periods of evidence and never below Poisson; p-value and interval from Student's t with
        the residual plus prior degrees of freedom. With a normal reference (z), 7-8% of the calls at q < 0.05 were
        false in simulated overdispersed series; with t, 4.6-4.9% (tests/test_rank.py, README).

        When the voice-clustered variance is larger it is used instead, with at most (voices - 1) degrees of
        freedom: statements of one author in different periods are not independent draws, and on real HN postings
        the quasi-Poisson interval alone was about 30% too narrow (benchmarks/calibration.py, README)."""
        dispersion = (prior_df * pooled_dispersion + self.df * self.dispersion) / (prior_df + self.df)
        se = math.sqrt(max(self.variance * max(1.0, dispersion), self.voice_variance))
        if not math.isfinite(se) or se == 0:
            return None
        df = self.df + prior_df
        if self.n_voices:
            if self.n_voices < 2:
                return None  # one voice, however often it speaks, shows no trend in what people say
            df = min(df, self.n_voices - 1)
        p_value = 2.0 * float(stdtr(df, -abs(self.slope / se)))
        return Trend(self.slope, se, p_value, float(stdtrit(df, 0.5 + confidence / 2)))


def poisson_fit(
    counts: np.ndarray, totals: np.ndarray, periods_per_year: float, voices: VoiceCounts | None = None
) -> PoissonFit | None:
    """Fit log E[count] = log(total) + a + b*t by Newton's method; None when there is no finite estimate.

    Periods with a zero total carry no information and are left out. With `voices` (who said the `counts`), the
    fit also gets the slope's variance clustered by voice (`_voice_variance`).
    """
    keep = totals > 0
    y, exposure = counts[keep].astype(float), totals[keep].astype(float)
    t = np.flatnonzero(keep).astype(float) / periods_per_year
    if len(y) < 3 or y.sum() == 0:
        return None
    X = np.column_stack([np.ones_like(t), t - t.mean()])
    offset = np.log(exposure)
    beta = np.array([math.log(y.sum() / exposure.sum()), 0.0])
    for _ in range(50):
        mu = np.exp(offset + X @ beta)
        hessian = X.T @ (X * mu[:, None])
        try:
            step = np.linalg.solve(hessian, X.T @ (y - mu))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        beta += np.clip(step, -5.0, 5.0)  # damped: separated data (all counts at one end) must not overflow
        if np.abs(step).max() < 1e-8:
            break
    mu = np.exp(offset + X @ beta)
    try:
        covariance = np.linalg.inv(X.T @ (X * mu[:, None]))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(mu)) or mu.min() <= 0 or not covariance[1, 1] > 0 or abs(beta[1]) > 50:
        return None  # no finite estimate: the trend is undetermined, not infinite
    df = max(len(y) - 2, 1)
    dispersion = float(((y - mu) ** 2 / mu).sum() / df)
    if voices is None:
        return PoissonFit(float(beta[1]), float(covariance[1, 1]), dispersion, df)
    times = np.arange(len(totals)) / periods_per_year
    variance = _voice_variance(voices, times, t, mu)
    return PoissonFit(float(beta[1]), float(covariance[1, 1]), dispersion, df, variance, voices.n_voices)


def _voice_variance(voices: VoiceCounts, times: np.ndarray, fitted_times: np.ndarray, mu: np.ndarray) -> float:
    """The slope's sandwich variance with each voice as one cluster (as Stata's `vce(cluster author)`).

    With the intercept profiled out, a voice's share of the score is the sum of its counts weighted by their time
    from the fit's mean time: a voice that speaks evenly through the window adds nothing, one that only speaks late
    pulls toward growth. Their squares, summed over voices and scaled by the Fisher information, estimate how much
    the slope would move with other voices. Many voices that each speak once give about the Poisson variance; a
    company reposting for the last year of the window alone gives a very wide one.
    """
    n = voices.n_voices
    centre = float((fitted_times * mu).sum() / mu.sum())
    information = float(((fitted_times - centre) ** 2 * mu).sum())
    if n < 2 or information <= 0:
        return 0.0
    scores = np.bincount(voices.voice, weights=(times[voices.period] - centre) * voices.count, minlength=n)
    return n / (n - 1) * float((scores**2).sum()) / information**2


def moderated_tests(fits: Sequence[PoissonFit | None], confidence: float = CONFIDENCE) -> list[Trend | None]:
    """Test every fit of a run together: each one's dispersion is shrunk toward the median over all of them (never
    below Poisson), worth PRIOR_DF periods of evidence."""
    dispersions = [fit.dispersion for fit in fits if fit]
    pooled = max(1.0, float(np.median(dispersions))) if dispersions else 1.0
    return [fit.test(pooled, PRIOR_DF, confidence) if fit else None for fit in fits]


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """q-values controlling the false discovery rate across clusters; None stays None."""
    indexed = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    q: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(len(indexed), 0, -1):
        p, i = indexed[rank - 1]
        running = min(running, p * len(indexed) / rank)
        q[i] = running
    return q


@dataclass(frozen=True)
class _Window:
    """The last `window` periods and, per period, how many distinct voices (authors) said anything."""

    periods: list[str]
    index: dict[str, int]
    totals: np.ndarray  # counted statements per period, all clusters and noise together (the exposure)


def window_periods(keys: Sequence[str | None], period: str, window: int) -> list[str]:
    """The growth window: the last `window` periods up to the latest dated statement (`keys` from `period_key`)."""
    dated = sorted({k for k in keys if k})
    return period_range(dated[0], dated[-1], period)[-window:] if dated else []


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


def momentum(counts: np.ndarray, totals: np.ndarray, per_year: float, *, prior: float = 5.0) -> float | None:
    """Last quarter's share against the window's baseline share, shrunk toward 1 by `prior` pseudo-voices.

    1.5 means the last quarter ran 50% above the cluster's usual share; a 3-voice cluster stays near 1.
    """
    recent = max(1, round(per_year / 4))
    if totals.sum() == 0 or len(totals) <= recent:
        return None
    base_share = counts.sum() / totals.sum()
    expected = base_share * totals[-recent:].sum()
    return (
        round((counts[-recent:].sum() + prior * base_share) / (expected + prior * base_share), 4)
        if base_share
        else None
    )


def rank_clusters(
    statements: Sequence[Statement],
    labels: np.ndarray,
    cluster_labels: dict[int, ClusterLabel],
    *,
    period: str = "month",
    window: int = 24,
    weights: dict[str, float] | None = None,
) -> list[RankedCluster]:
    """Score and order clusters; the first is the best opportunity. Noise (-1) is never ranked.

    Growth counts statements per period (at most MAX_PER_AUTHOR per author) against everything said in that period,
    counted the same way, over all documents and, when the corpus mixes kinds, separately among discussions (demand)
    and postings (money being spent); the cluster's growth is the series whose growth is surest (`_headline`).
    Undated statements count toward size and reach but not toward growth.
    """
    weights = resolve_weights(weights)
    per_year = PERIODS_PER_YEAR[period]
    keys = [period_key(s.created_at, period) if s.created_at else None for s in statements]
    voices = [s.voice for s in statements]
    members = {c: [int(r) for r in np.flatnonzero(labels == c)] for c in cluster_labels}

    overall = _make_window(keys, voices, labels.tolist(), period, window)
    fits, period_counts = _fit_series(members, statements, keys, voices, labels, overall, period, window, per_year)

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


def resolve_weights(weights: dict[str, float] | None) -> dict[str, float]:
    """Every score weight: the defaults, overridden by `weights`; an unknown part name is an error."""
    unknown = set(weights or {}) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ConfigError(f"Unknown score weight(s) {sorted(unknown)}. Known: {', '.join(DEFAULT_WEIGHTS)}.")
    return {**DEFAULT_WEIGHTS, **(weights or {})}


def weighted_score(parts: dict[str, float], weights: dict[str, float]) -> float:
    """The opportunity score from its (rounded, as reported) parts, so a report re-weighted from clusters.json
    gets exactly the score a fresh run with those weights would."""
    return round(sum(weights[name] * value for name, value in parts.items()), 4)


def score_order(score: float, size: int, cluster_id: int) -> tuple[float, int, int]:
    """Sort key of the ranking: best score first, then the larger cluster, then the lower id."""
    return (-score, -size, cluster_id)


def growth_order(low: float | None) -> float:
    """Sort value of a job "by growth" (the report's Growth column, benchmarks/trends.py's top 3): the lower bound of
    its growth interval, the growth we are 95% sure of; a job with no fit sorts last. A point rate puts a handful of
    lucky voices first: on the trend benchmark, ordering by it found the growing plant in the top 3 in 49 of 120
    plants, against 70 by the lower bound (README, "Trend benchmark")."""
    return low if low is not None else -1.0


def _fit_series(
    members: dict[int, list[int]],
    statements: Sequence[Statement],
    keys: Sequence[str | None],
    voices: Sequence[str],
    labels: np.ndarray,
    overall: _Window,
    period: str,
    window: int,
    per_year: float,
) -> tuple[dict[int, dict[str, Growth]], dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Growth of every cluster among all documents (in the `overall` window) and, when the corpus mixes kinds, among
    each kind's voices alone; and each cluster's counted statements and authors per period of the overall window.
    A series with fewer than MIN_VOICES authors (summed over periods) in the window gets no fit.

    A kind's series has that kind's voices as exposure, so a need rising in discussions is not drowned by a larger,
    flat volume of postings in the same cluster (and vice versa). Every fit of every cluster is one test in a single
    Benjamini-Hochberg family, so looking at three series per cluster does not buy extra discoveries. Each fit's
    overdispersion is shrunk toward the median over all fits (PRIOR_DF).
    """
    series = {"all": list(keys)}
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
            fit = poisson_fit(counts, totals, per_year, by_voice) if authors.sum() >= MIN_VOICES else None
            raw[cluster_id, name] = (fit, counts, totals)
            if name == "all":
                period_counts[cluster_id] = (counts, authors)
    # One headline is picked from the series (`_headline`): Bonferroni-widened intervals keep the picked one a 95%
    # statement (all of them cover together at least 95% of the time).
    confidence = 1 - (1 - CONFIDENCE) / len(series)
    tested = dict(zip(raw, moderated_tests([fit for fit, _, _ in raw.values()], confidence)))
    p_values = [result.p_value if result else None for result in tested.values()]
    q_values = dict(zip(tested, benjamini_hochberg(p_values)))
    out: dict[int, dict[str, Growth]] = {cluster_id: {} for cluster_id in members}
    for (cluster_id, name), (_, counts, totals) in raw.items():
        growth = _growth(tested[cluster_id, name], q_values[cluster_id, name], counts, totals, per_year)
        out[cluster_id][name] = replace(growth, among=name)
    return out, period_counts


def _headline(by_series: dict[str, Growth]) -> Growth:
    """The series that says most about how fast the cluster grows: what the trend class, the ranking and the score
    use; the others stay in `growth_by_kind`.

    Among the fits that pass the false-discovery control (else among those whose lower bound is above flat), the
    one with the highest lower bound, ties going to all documents; all documents when there is none, so a stable
    row does not switch series over noise. A need rising among discussions next to a larger, flat stream of
    postings about the same job is diluted in the all-documents series, which would rank it by the wrong, lower
    bound. A lucky fit on a handful of voices has a wide interval, so its lower bound does not win by luck; the
    intervals are Bonferroni-widened for the pick (CONFIDENCE). On benchmarks/trends.py this put the growing plant
    in the top 3 in 64 of 120 plants instead of 54, with no plant's trend call changed (README).
    """
    fitted = [g for g in by_series.values() if g.low is not None]
    discoveries = [g for g in fitted if g.q_value is not None and g.q_value < FDR]
    growing = [g for g in fitted if (g.low or 0.0) > 1.0]
    return max(discoveries or growing, key=lambda g: g.low or 0.0, default=by_series["all"])


def _n_authors(statements: Sequence[Statement], rows: Sequence[int]) -> int:
    return len({statements[r].voice for r in rows})


def _growth(fit: Trend | None, q: float | None, counts: np.ndarray, totals: np.ndarray, per_year: float) -> Growth:
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
    of 1, not 50 pain statements: on HN's postings and replies, 51 of the 82 pain statements of "access credit
    cards" came from one author, and the cluster ranked 3rd of 110 on pain."""
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
    """The parts of the opportunity score, each on a comparable 0..1-ish scale and rounded as reported (README).
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
