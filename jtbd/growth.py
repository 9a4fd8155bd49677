"""The statistics of growth: a Poisson fit of a cluster's counts against everything said per period, its honest
interval, and false-discovery control across all fits of a run.

A cluster's count in each period is compared with everything said in that period counted the same way (the
exposure), so a month with twice the posts, or a partial month, does not look like growth. Growth per year comes
from a Poisson regression with log(period total) as offset; its interval is widened by the observed overdispersion
(quasi-Poisson, each cluster's shrunk toward the run's median) and, where wider, by how much the trend rests on a
few authors who keep posting (standard errors clustered by author); p-values are corrected across clusters with
Benjamini-Hochberg. How each choice was measured: docs/method.md, "Growth".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtr, stdtrit

#: A trend is called only when its Benjamini-Hochberg q-value is below this.
FDR = 0.05
#: Growth intervals cover the true rate this often. When a corpus mixes kinds, each cluster has three fits (all
#: documents, discussions, postings) and the headline is picked from them, so each fit's own interval is widened
#: (Bonferroni) until all three cover together this often.
CONFIDENCE = 0.95
#: A cluster's overdispersion, estimated from its own 24 or so periods, is noisy: an unlucky estimate can double its
#: interval. It is shrunk toward the median of every fit in the run, weighted as this many periods of evidence
#: (empirical Bayes, as limma and edgeR do for variances). Chosen before measuring.
PRIOR_DF = 10.0


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
    in that period (at most `periods.MAX_PER_AUTHOR`). Voices are numbered from 0; periods index the series' window."""

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
        the residual plus prior degrees of freedom: the dispersion is estimated, and a normal reference calls too
        many false trends in overdispersed series (tests/test_growth.py).

        When the voice-clustered variance is larger it is used instead, with at most (voices - 1) degrees of
        freedom: statements of one author in different periods are not independent draws, and without it the
        interval is too narrow on real postings (benchmarks/calibration.py; docs/method.md, "Growth")."""
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


#: How the false discoveries of the two levels (themes and the jobs inside them) are controlled:
#: "separate": each level is its own Benjamini-Hochberg family (the default, docs/method.md "Themes");
#: "pooled": one family holding every fit of both levels;
#: "hierarchical": themes first, then the jobs of each discovered theme (Benjamini and Bogomolov 2014).
FDR_METHODS = ("separate", "pooled", "hierarchical")


def level_q_values(
    job_fits: Sequence[tuple[int, float | None]],
    theme_fits: Sequence[tuple[int, float | None]],
    theme_of_job: dict[int, int],
    method: str = "separate",
) -> tuple[list[float | None], list[float | None]]:
    """q-values of every (job, p-value) and (theme, p-value) fit, in the order given, under `method` (FDR_METHODS).

    "hierarchical" selects themes by BH over the theme fits (a theme is selected when any of its fits is below FDR),
    then runs BH over the fits of each selected theme's jobs at FDR x R / m (R themes selected of m fitted), which
    keeps the false discoveries among the jobs of the selected themes at FDR on average. A job's q-value is the
    larger of its theme's smallest q and its within-theme q scaled by m / R, so q < FDR exactly when both levels
    pass; the jobs of a theme that is not selected are never called, however small their own p.
    """
    if method not in FDR_METHODS:
        raise ValueError(f"Unknown false-discovery method {method!r}; use one of {', '.join(FDR_METHODS)}.")
    job_p = [p for _, p in job_fits]
    theme_p = [p for _, p in theme_fits]
    if method == "separate":
        return benjamini_hochberg(job_p), benjamini_hochberg(theme_p)
    if method == "pooled":
        pooled = benjamini_hochberg(job_p + theme_p)
        return pooled[: len(job_p)], pooled[len(job_p) :]
    theme_q = benjamini_hochberg(theme_p)
    best: dict[int, float] = {}
    for (theme, _), tq in zip(theme_fits, theme_q):
        if tq is not None:
            best[theme] = min(best.get(theme, 1.0), tq)
    n_selected = sum(value < FDR for value in best.values())
    scale = len(best) / max(n_selected, 1)
    job_q: list[float | None] = [None] * len(job_fits)
    by_theme: dict[int, list[int]] = {}
    for i, (job, _) in enumerate(job_fits):
        by_theme.setdefault(theme_of_job.get(job, -1), []).append(i)
    for theme, rows in by_theme.items():
        within = benjamini_hochberg([job_p[i] for i in rows])
        for i, jq in zip(rows, within):
            if jq is not None:
                job_q[i] = max(best.get(theme, 1.0), min(1.0, jq * scale))
    return job_q, theme_q


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
