"""Track a question over time: the share of documents and of statements that match a query, per period, its growth
with the same fit and interval as a job's, and the periods where the series turned.

A query is one or more phrases ("deep learning", "neural network"). A text matches it **by keywords** when it holds
one of the phrases as whole words (any case), and **by meaning** when a job statement's vector is within
`similarity` (cosine) of the query's vector, the mean of its phrases' vectors; a document matches by meaning when one
of its statements does. Each series is a count per period against everything counted in that period, each author
counted at most `periods.MAX_PER_AUTHOR` times a period, as for jobs (`rank.rank_clusters`).

Turning points: the series is cut into segments, each with its own level and growth (a Poisson fit, log-linear in
time, with the period's total as exposure); a cut must lower the deviance, scaled by the series' overdispersion, by
PENALTY x log(periods). PELT (the `ruptures` package) finds the best cuts; each cut's confidence set is every
period where it could sit with a deviance no worse than the chi-square(1) 95% quantile (a profile likelihood).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import ruptures
from ruptures.base import BaseCost

from jtbd.clustering import unit_rows
from jtbd.config import Config
from jtbd.errors import ConfigError
from jtbd.growth import VoiceCounts, benjamini_hochberg, moderated_tests, poisson_fit
from jtbd.periods import MAX_PER_AUTHOR, MIN_VOICES_TO_FIT, PERIODS_PER_YEAR, period_key, period_range
from jtbd.rank import growth_from_fit
from jtbd.stages import Embedder
from jtbd.types import Document, Growth, Statement

#: How the texts of a query are matched, and what is counted.
MATCHES = ("keywords", "meaning")
UNITS = ("documents", "statements")
#: The chi-square(1) 95% quantile: how much worse a cut may fit and stay in its confidence set.
CHI2_95 = 3.841459
#: The median of chi-square(1): scales a median of squared z-scores to a variance.
CHI2_MEDIAN = 0.454936
#: A cut must lower the scaled deviance by this times log(periods): the lowest penalty that kept false turns under
#: 5% of steady, overdispersed simulated series (benchmarks/turns.py; docs/method.md, "Tracking a question").
PENALTY = 5.0
#: The steepest growth a segment's fit may have (log per year): e^8, about x3,000 a year.
MAX_SLOPE = 8.0


@dataclass(frozen=True)
class Query:
    """What to track: a name, and the phrases that say it."""

    name: str
    phrases: tuple[str, ...]

    def pattern(self) -> re.Pattern[str]:
        words = (r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in self.phrases)
        return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """A period where the series turned: the first period of the new segment, and its 95% confidence set (first
    and last period where the cut could sit)."""

    period: str
    low: str
    high: str


@dataclass(frozen=True)
class Segment:
    """A stretch between turns: its first and last period, the fitted share at both ends, and its growth per year."""

    first: str
    last: str
    share_start: float
    share_end: float
    rate: float


@dataclass(frozen=True)
class Series:
    """One query counted one way: per period, the matching count (each author at most MAX_PER_AUTHOR times), the
    total counted the same way, and the plain number of matching texts (no author cap, no total)."""

    query: str
    match: str  # keywords | meaning
    unit: str  # documents | statements
    periods: list[str]
    counts: list[int]
    totals: list[int]
    raw: list[int]
    growth: Growth
    turns: list[Turn]
    segments: list[Segment]

    @property
    def shares(self) -> list[float | None]:
        return [c / t if t else None for c, t in zip(self.counts, self.totals)]


@dataclass(frozen=True)
class TrackRun:
    """What `jtbd track` found: the settings, the queries and their series; the files are under `out_dir`."""

    out_dir: Path
    config: Config
    corpus: str
    queries: list[Query]
    series: list[Series]
    warnings: list[str]

    def find(self, query: str, match: str, unit: str) -> Series:
        return next(s for s in self.series if (s.query, s.match, s.unit) == (query, match, unit))


def parse_queries(queries: Sequence[str], query_file: Path | None = None) -> list[Query]:
    """Queries from the command line (each one phrase) and from a file: one query a line, `name: phrase, phrase`
    or just `phrase`; blank lines and lines starting with # are skipped."""
    out = [Query(q.strip(), (q.strip(),)) for q in queries if q.strip()]
    if query_file is not None:
        try:
            lines = Path(query_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"Cannot read --query-file '{query_file}': {error}. Pass a UTF-8 text file.") from error
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, rest = line.partition(":") if ":" in line else ("", "", line)
            phrases = tuple(p.strip() for p in rest.split(",") if p.strip())
            if not phrases:
                raise ConfigError(
                    f"{query_file}:{number}: no phrase after '{name}:'. Write `name: phrase, phrase` or one phrase."
                )
            out.append(Query(name.strip() or phrases[0], phrases))
    if not out:
        raise ConfigError('No query. Pass one (jtbd track "deep learning" corpus/) or --query-file.')
    names = Counter(q.name for q in out)
    if repeated := [name for name, n in names.items() if n > 1]:
        raise ConfigError(f"Query {repeated[0]!r} is given twice. Give each query its own name.")
    return out


def query_similarities(embedder: Embedder, queries: Sequence[Query], vectors: np.ndarray) -> np.ndarray:
    """Each statement's cosine (rows of `vectors`) to each query's vector, the mean of its phrases' unit vectors:
    statements x queries. All phrases are embedded in one call."""
    phrases = [phrase for query in queries for phrase in query.phrases]
    phrase_vectors = unit_rows(embedder.embed(phrases).astype(np.float64))
    ends = np.cumsum([len(query.phrases) for query in queries])
    centres = unit_rows(np.stack([phrase_vectors[a:b].mean(axis=0) for a, b in zip([0, *ends[:-1]], ends)]))
    return unit_rows(vectors.astype(np.float64)) @ centres.T


def track_series(
    queries: Sequence[Query],
    documents: Sequence[Document],
    statements: Sequence[Statement],
    similarities: np.ndarray,
    *,
    similarity: float,
    period: str,
    window: int,
) -> list[Series]:
    """Every query's four series (keywords or meaning, documents or statements), tested together: one
    Benjamini-Hochberg family over all their growth fits, as the jobs of a run are.

    `similarities` holds each statement's cosine to each query (statements x queries)."""
    dated_docs = [d for d in documents if d.created_at is not None]
    if not dated_docs:
        raise ConfigError(
            "No document has a date, so there is nothing to track over time. Pass --time-field naming the date column."
        )
    keys = [period_key(d.created_at, period) for d in dated_docs]  # type: ignore[arg-type]
    periods = period_range(min(keys), max(keys), period)
    doc_rows = {d.id: i for i, d in enumerate(dated_docs)}
    doc_voices = [d.author or d.id for d in dated_docs]
    stmt_rows = [i for i, s in enumerate(statements) if s.created_at is not None and s.doc_id in doc_rows]
    stmt_keys = [period_key(statements[i].created_at, period) for i in stmt_rows]  # type: ignore[arg-type]
    stmt_voices = [statements[i].voice for i in stmt_rows]
    per_year = PERIODS_PER_YEAR[period]
    raw = []
    for q, query in enumerate(queries):
        pattern = query.pattern()
        near = similarities[:, q] >= similarity if len(statements) else np.zeros(0, dtype=bool)
        by_meaning = {statements[i].doc_id for i in stmt_rows if near[i]}
        matched = {
            ("keywords", "documents"): [bool(pattern.search(d.text)) for d in dated_docs],
            ("meaning", "documents"): [d.id in by_meaning for d in dated_docs],
            ("keywords", "statements"): [bool(pattern.search(statements[i].text)) for i in stmt_rows],
            ("meaning", "statements"): [bool(near[i]) for i in stmt_rows],
        }
        for (match, unit), hits in matched.items():
            unit_keys, voices = (keys, doc_voices) if unit == "documents" else (stmt_keys, stmt_voices)
            counted = _counted(hits, unit_keys, voices, periods, window)
            raw.append((query.name, match, unit, counted))
    fits = [poisson_fit(c.counts[-window:], c.totals[-window:], per_year, c.voices) if c.fit else None for *_, c in raw]
    tested = moderated_tests(fits)
    q_values = benjamini_hochberg([t.p_value if t else None for t in tested])
    out = []
    for (name, match, unit, c), trend, q_value in zip(raw, tested, q_values):
        growth = growth_from_fit(trend, q_value, c.counts[-window:], c.totals[-window:], per_year)
        turns, segments = turning_points(c.counts, c.totals, periods, per_year)
        out.append(
            Series(name, match, unit, periods, c.counts.tolist(), c.totals.tolist(), c.raw, growth, turns, segments)
        )
    return out


@dataclass(frozen=True)
class _Counted:
    counts: np.ndarray
    totals: np.ndarray
    raw: list[int]
    voices: VoiceCounts
    fit: bool  # enough voices in the window to fit growth


def _counted(
    hits: Sequence[bool], keys: Sequence[str], voices: Sequence[str], periods: list[str], window: int
) -> _Counted:
    """Per period, matching texts and all texts, each voice counted at most MAX_PER_AUTHOR times a period; the
    window's matching counts by voice for the growth fit's clustered variance."""
    index = {p: i for i, p in enumerate(periods)}
    per_voice: Counter[tuple[str, int]] = Counter()
    all_voice: Counter[tuple[str, int]] = Counter()
    raw = [0] * len(periods)
    for hit, key, voice in zip(hits, keys, voices):
        all_voice[voice, index[key]] += 1
        if hit:
            per_voice[voice, index[key]] += 1
            raw[index[key]] += 1
    counts, totals = np.zeros(len(periods), dtype=int), np.zeros(len(periods), dtype=int)
    for (_, p), n in all_voice.items():
        totals[p] += min(n, MAX_PER_AUTHOR)
    start = max(len(periods) - window, 0)
    names: dict[str, int] = {}
    v, w, k = [], [], []
    for (voice, p), n in per_voice.items():
        counts[p] += min(n, MAX_PER_AUTHOR)
        if p >= start:
            v.append(names.setdefault(voice, len(names)))
            w.append(p - start)
            k.append(min(n, MAX_PER_AUTHOR))
    by_voice = VoiceCounts(np.array(v, dtype=int), np.array(w, dtype=int), np.array(k, dtype=float))
    n_voices = sum(1 for (_, p) in per_voice if p >= start)
    return _Counted(counts, totals, raw, by_voice, n_voices >= MIN_VOICES_TO_FIT)


def turning_points(
    counts: np.ndarray, totals: np.ndarray, periods: Sequence[str], per_year: float
) -> tuple[list[Turn], list[Segment]]:
    """Where the series turned (`Turn`s, in order) and the segments between (module docstring)."""
    keep = np.flatnonzero(totals > 0)
    y, exposure = counts[keep].astype(float), totals[keep].astype(float)
    n = len(y)
    min_size = max(3, round(per_year / 2))
    if n < 2 * min_size or y.sum() == 0:
        return [], _segments(y, exposure, keep, periods, per_year, [n]) if n >= 2 else []
    cost = SegmentCost(per_year, overdispersion(y, exposure))
    signal = np.column_stack([y, exposure, keep / per_year])
    search = ruptures.Pelt(custom_cost=cost, min_size=min_size, jump=1).fit(signal)
    cuts = search.predict(pen=PENALTY * math.log(n))
    turns = []
    for k, cut in enumerate(cuts[:-1]):
        before, after = (cuts[k - 1] if k else 0), cuts[k + 1]
        candidates = range(before + min_size, after - min_size + 1)
        fits = np.array([cost.error(before, t) + cost.error(t, after) for t in candidates])
        inside = [t for t, value in zip(candidates, fits) if value - fits.min() <= CHI2_95]
        turns.append(Turn(periods[keep[cut]], periods[keep[min(inside)]], periods[keep[max(inside)]]))
    return turns, _segments(y, exposure, keep, periods, per_year, cuts)


def overdispersion(y: np.ndarray, exposure: np.ndarray) -> float:
    """How much noisier than Poisson the series is, from neighbouring periods (robust to the turns themselves: the
    median squared z of each period's share against the next's, never below 1)."""
    pooled = (y[:-1] + y[1:]) / (exposure[:-1] + exposure[1:])
    variance = pooled * (1 / exposure[:-1] + 1 / exposure[1:])
    ok = variance > 0
    if not ok.any():
        return 1.0
    z2 = (y[:-1] / exposure[:-1] - y[1:] / exposure[1:])[ok] ** 2 / variance[ok]
    return max(1.0, float(np.median(z2)) / CHI2_MEDIAN)


def _loglinear(y: np.ndarray, exposure: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, float]:
    """Poisson fit of log E[y] = log(exposure) + a + b t by Newton's method: fitted means and b (per unit of t).

    b is bounded by MAX_SLOPE (a segment whose counts all sit at one end has no finite estimate), and `a` is then
    refitted given b, so the fitted counts always add up to the observed ones."""
    if y.sum() == 0:
        return np.zeros_like(y), 0.0
    X = np.column_stack([np.ones_like(t), t - t.mean()])
    beta = np.array([math.log(y.sum() / exposure.sum()), 0.0])
    for _ in range(30):
        mu = exposure * np.exp(X @ beta)
        try:
            step = np.linalg.solve(X.T @ (X * mu[:, None]), X.T @ (y - mu))
        except np.linalg.LinAlgError:
            break
        beta = beta + np.clip(step, -3.0, 3.0)
        beta[1] = float(np.clip(beta[1], -MAX_SLOPE, MAX_SLOPE))
        if np.abs(step).max() < 1e-7:
            break
    shape = exposure * np.exp(beta[1] * X[:, 1])
    return shape * (y.sum() / shape.sum()), float(beta[1])


def deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance: twice the log-likelihood lost against a perfect fit."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    return float(2 * term.sum())


class SegmentCost(BaseCost):
    """ruptures' cost of a segment: the deviance of its own log-linear Poisson fit, over the overdispersion. The
    signal's columns are the count, the exposure (the period's total) and the time in years."""

    model = "poisson-loglinear"
    min_size = 3

    def __init__(self, per_year: float, dispersion: float = 1.0) -> None:
        self.per_year = per_year
        self.dispersion = dispersion
        self._cache: dict[tuple[int, int], float] = {}

    def fit(self, signal: np.ndarray) -> SegmentCost:
        self.signal = signal
        self._cache = {}
        return self

    def error(self, start: int, end: int) -> float:
        if (start, end) not in self._cache:
            y, exposure, t = self.signal[start:end].T
            mu, _ = _loglinear(y, exposure, t)
            self._cache[start, end] = deviance(y, mu) / self.dispersion
        return self._cache[start, end]


def _segments(
    y: np.ndarray, exposure: np.ndarray, keep: np.ndarray, periods: Sequence[str], per_year: float, cuts: list[int]
) -> list[Segment]:
    out = []
    for start, end in zip([0, *cuts[:-1]], cuts):
        t = keep[start:end] / per_year
        mu, slope = _loglinear(y[start:end], exposure[start:end], t)
        shares = mu / exposure[start:end]
        rate = math.exp(slope)
        out.append(Segment(periods[keep[start]], periods[keep[end - 1]], float(shares[0]), float(shares[-1]), rate))
    return out
