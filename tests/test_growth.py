"""Tests for jtbd.growth: the Poisson fit, its voice-clustered variance, and false-discovery control."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jtbd.growth import FDR, VoiceCounts, benjamini_hochberg, level_q_values, moderated_tests, poisson_fit


def test_growth_poisson_fit_recovers_known_rate():
    periods = np.arange(36)
    totals = np.full(36, 1000.0)
    counts = np.round(100 * 2.0 ** (periods / 12))  # share doubles every year
    trend = poisson_fit(counts, totals, 12.0).test()
    assert np.exp(trend.slope) == pytest.approx(2.0, rel=0.02)
    assert trend.se > 0 and trend.p_value < 1e-6
    assert trend.critical == pytest.approx(2.03, abs=0.01)  # Student's t, 34 degrees of freedom


def test_growth_poisson_fit_skips_empty_periods_and_needs_three():
    assert poisson_fit(np.array([1.0, 1.0]), np.array([5.0, 5.0]), 12.0) is None
    assert poisson_fit(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 5.0, 0.0, 5.0]), 12.0) is None


def _voices(counts: list[int], voice_of_period) -> VoiceCounts:
    """VoiceCounts for `counts` per period, every statement of period i said by voice `voice_of_period(i, j)`."""
    entries = [(voice_of_period(i, j), i) for i, n in enumerate(counts) for j in range(n)]
    numbered: dict[str, int] = {}
    voice = [numbered.setdefault(v, len(numbered)) for v, _ in entries]
    return VoiceCounts(np.array(voice), np.array([i for _, i in entries]), np.ones(len(entries)))


def test_growth_voice_variance_is_poisson_when_every_voice_speaks_once():
    rng = np.random.default_rng(3)
    counts = rng.poisson(20 * 1.5 ** (np.arange(24) / 12)).astype(float)
    fit = poisson_fit(counts, np.full(24, 400.0), 12.0, _voices(counts.astype(int).tolist(), lambda i, j: f"{i}-{j}"))
    assert fit.n_voices == counts.sum()
    assert fit.voice_variance == pytest.approx(fit.variance, rel=0.15)


def test_growth_voice_variance_grows_when_few_voices_say_it_all():
    # The same counts said by three companies, each posting a steady few statements a month over part of the window:
    # which companies happen to be posting, not how many people say it, makes the trend.
    counts = [2] * 8 + [4] * 8 + [6] * 8
    voices = _voices(counts, lambda i, j: f"company-{min(j // 2, i // 8)}")
    fit = poisson_fit(np.array(counts, dtype=float), np.full(24, 400.0), 12.0, voices)
    assert fit.n_voices == 3
    assert fit.voice_variance > 3 * fit.variance
    trend = fit.test()
    assert trend.se == pytest.approx(math.sqrt(fit.voice_variance))
    assert trend.critical == pytest.approx(4.30, abs=0.01)  # Student's t with voices - 1 = 2 degrees of freedom


def test_growth_benjamini_hochberg_matches_hand_computation():
    # Sorted p: .001 (rank 1), .03 (2), .04 (3), .2 (4); p*m/rank = .004, .06, .0533, .2; then the running
    # minimum from the largest rank down turns .06 into .0533.
    q = benjamini_hochberg([0.001, 0.04, 0.03, 0.2, None])
    assert q[0] == pytest.approx(0.004)
    assert q[1] == pytest.approx(0.04 * 4 / 3)
    assert q[2] == pytest.approx(0.04 * 4 / 3)
    assert q[3] == pytest.approx(0.2)
    assert q[4] is None


def test_growth_false_discoveries_stay_near_five_percent_in_overdispersed_series():
    # 400 runs of 50 clusters, 24 months; each series is 1-4x noisier than Poisson (gamma-Poisson), 10% of them
    # double a year. Over all runs, the share of clusters called (q < 0.05) that do not grow stays at the nominal
    # 5% (4.6-4.9% over four seeds); a normal reference (z) instead of Student's t called 7.4-8.1% false.
    rng = np.random.default_rng(0)
    called = false = 0
    for _ in range(400):
        fits, grows = [], []
        for _ in range(50):
            totals, trend = np.full(24, 3000.0), rng.random() < 0.1
            mean = totals * rng.uniform(0.003, 0.02) * (2.0 if trend else 1.0) ** (np.arange(24) / 12)
            dispersion = math.exp(rng.uniform(0.0, math.log(4.0)))
            noisy = rng.gamma(mean / (dispersion - 1), dispersion - 1) if dispersion > 1.0001 else mean
            fits.append(poisson_fit(rng.poisson(noisy).astype(float), totals, 12.0))
            grows.append(trend)
        q_values = benjamini_hochberg([t.p_value if t else None for t in moderated_tests(fits)])
        for q, grew in zip(q_values, grows):
            if q is not None and q < 0.05:
                called, false = called + 1, false + (not grew)
    assert called > 1900  # nearly all of the ~2,000 real trends are found ...
    assert false / called < 0.055  # ... and false calls stay at the nominal rate


def test_growth_benjamini_hochberg_caps_at_one_and_keeps_order():
    assert benjamini_hochberg([0.9, 0.8]) == [pytest.approx(0.9), pytest.approx(0.9)]
    assert benjamini_hochberg([0.7, 0.9, 0.95]) == [pytest.approx(0.95)] * 3
    assert benjamini_hochberg([]) == []
    assert benjamini_hochberg([None]) == [None]


# Jobs 0-2 in theme 10, jobs 3-4 in theme 11; job 3 has the smallest p of all but its theme is flat.
JOB_FITS = [(0, 0.001), (0, 0.2), (1, 0.004), (2, 0.6), (3, 0.0001), (4, None)]
THEME_FITS = [(10, 0.0005), (11, 0.5), (11, 0.3)]
THEME_OF_JOB = {0: 10, 1: 10, 2: 10, 3: 11, 4: 11}


def test_growth_separate_fdr_is_one_family_per_level():
    jobs, themes = level_q_values(JOB_FITS, THEME_FITS, THEME_OF_JOB, "separate")
    assert jobs == benjamini_hochberg([p for _, p in JOB_FITS])
    assert themes == benjamini_hochberg([p for _, p in THEME_FITS])


def test_growth_pooled_fdr_is_one_family_over_both_levels():
    jobs, themes = level_q_values(JOB_FITS, THEME_FITS, THEME_OF_JOB, "pooled")
    assert jobs + themes == benjamini_hochberg([p for _, p in JOB_FITS + THEME_FITS])
    assert jobs[0] > benjamini_hochberg([p for _, p in JOB_FITS])[0]  # more tests, larger q


def test_growth_hierarchical_fdr_tests_jobs_only_inside_discovered_themes():
    jobs, themes = level_q_values(JOB_FITS, THEME_FITS, THEME_OF_JOB, "hierarchical")
    assert themes == benjamini_hochberg([p for _, p in THEME_FITS])
    # Theme 10 is selected (q 0.0015), theme 11 not: R = 1 of m = 2 themes, so theme 10's jobs are tested by BH
    # among their own four fits at FDR / 2 (their q doubled).
    within = benjamini_hochberg([0.001, 0.2, 0.004, 0.6])
    assert jobs[0] == pytest.approx(2 * within[0]) and jobs[0] < FDR
    assert jobs[2] == pytest.approx(2 * within[2]) and jobs[2] < FDR
    assert jobs[1] >= FDR and jobs[3] >= FDR
    # Job 3's own p is the smallest of all, but its theme is not a discovery: never called.
    assert jobs[4] >= FDR and jobs[4] == pytest.approx(0.45)  # theme 11's smaller q
    assert jobs[5] is None
    # Every job's q is at least its theme's: a job is never a discovery in a theme that is not.
    assert all(q is None or q >= themes[0] for q in jobs)


def test_growth_unknown_fdr_method_is_refused():
    with pytest.raises(ValueError, match="hierarchical"):
        level_q_values(JOB_FITS, THEME_FITS, THEME_OF_JOB, "bonferroni")
