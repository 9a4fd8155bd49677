"""Tests for jtbd.rank: share-normalised growth of clusters, their trend calls, reach, score and ordering."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from factories import statement
from hypothesis import given, settings
from hypothesis import strategies as st

from jtbd.growth import benjamini_hochberg, poisson_fit
from jtbd.rank import GrowthRanker, in_growth_window, rank_clusters
from jtbd.types import ClusterLabel, Statement


def _statement(
    n: int, when: datetime | None, *, author: str | None = None, kind: str = "need", doc_kind: str = "discussion"
) -> Statement:
    return statement(n, kind=kind, doc_kind=doc_kind, created_at=when, author=author if author is not None else f"a{n}")


def _month(index: int) -> datetime:
    """The 15th of the index-th month after January 2022."""
    return datetime(2022 + index // 12, index % 12 + 1, 15, tzinfo=UTC)


def _build(counts_per_cluster: dict[int, list[int]]) -> tuple[list[Statement], np.ndarray, dict[int, ClusterLabel]]:
    """Statements whose count in month i of cluster c is counts_per_cluster[c][i] (-1 is noise)."""
    statements, labels = [], []
    for cluster_id, counts in counts_per_cluster.items():
        for month, count in enumerate(counts):
            for _ in range(count):
                statements.append(_statement(len(statements), _month(month)))
                labels.append(cluster_id)
    cluster_labels = {c: ClusterLabel(f"job {c}", [], []) for c in counts_per_cluster if c >= 0}
    return statements, np.array(labels), cluster_labels


def _by_id(ranked):
    return {c.id: c for c in ranked}


def test_rank_series_fills_gaps_with_zero_counts():
    statements = [_statement(0, _month(0)), _statement(1, _month(0)), _statement(2, _month(3))]
    ranked = rank_clusters(statements, np.array([0, 0, 0]), {0: ClusterLabel("job", [], [])})
    series = ranked[0].series
    assert [p.period for p in series] == ["2022-01", "2022-02", "2022-03", "2022-04"]
    assert [p.count for p in series] == [2, 0, 0, 1]
    assert [p.total for p in series] == [2, 0, 0, 1]
    assert series[1].share == 0.0


def test_rank_window_keeps_the_last_periods():
    statements, labels, cluster_labels = _build({0: [2] * 30})
    ranked = rank_clusters(statements, labels, cluster_labels, window=12)
    assert [p.period for p in ranked[0].series] == [f"2023-{m:02d}" for m in range(7, 13)] + [
        f"2024-{m:02d}" for m in range(1, 7)
    ]
    assert ranked[0].size == 60  # the window limits growth, not size


# Growth on shares


def test_rank_count_doubling_with_the_total_is_not_rising():
    # Both clusters double over two years only because everything doubles: their share stays 1/2.
    volume = [10 + round(10 * m / 23) for m in range(24)]
    statements, labels, cluster_labels = _build({0: volume, 1: volume})
    for cluster in rank_clusters(statements, labels, cluster_labels):
        assert cluster.series[-1].count == 2 * cluster.series[0].count
        assert cluster.growth.trend == "stable"
        assert cluster.growth.rate == pytest.approx(1.0, abs=0.02)
        assert cluster.growth.low < 1 < cluster.growth.high


def test_rank_growing_share_is_rising_with_low_above_one():
    # Cluster 0 goes from 10% to 70% of a constant 50 statements a month.
    rising = [round(50 * (0.1 + 0.6 * m / 23)) for m in range(24)]
    statements, labels, cluster_labels = _build({0: rising, 1: [50 - r for r in rising]})
    ranked = _by_id(rank_clusters(statements, labels, cluster_labels))
    growth = ranked[0].growth
    assert growth.trend == "rising"
    assert growth.rate > 1 and growth.low > 1
    assert growth.q_value is not None and growth.q_value < 0.05
    assert ranked[1].growth.trend in ("declining", "fading")
    assert ranked[1].growth.high < 1
    assert ranked[0].rank == 1


def test_rank_partial_last_period_does_not_create_growth_or_decline():
    # A constant 30% share; the last month has only just begun (3 statements, 2 of them in cluster 0).
    statements, labels, cluster_labels = _build({0: [12] * 23 + [2], 1: [28] * 23 + [1]})
    ranked = _by_id(rank_clusters(statements, labels, cluster_labels))
    for cluster in ranked.values():
        assert cluster.growth.trend == "stable"
        assert cluster.growth.low < 1 < cluster.growth.high
    assert ranked[0].series[-1].total == 3


def test_rank_tiny_noisy_cluster_is_not_called_rising():
    tiny = [0] * 9 + [1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1]  # ten voices: just enough to fit
    clusters = {c: [20] * 24 for c in range(4)} | {4: tiny}
    statements, labels, cluster_labels = _build(clusters)
    ranked = _by_id(rank_clusters(statements, labels, cluster_labels))
    growth = ranked[4].growth
    # On its own the tiny cluster looks significant; corrected across the five clusters it is not.
    assert growth.p_value < 0.05 and growth.low > 1
    assert growth.q_value >= 0.05
    assert growth.trend not in ("rising", "emerging")
    assert ranked[4].size == sum(tiny)


def test_rank_too_few_voices_in_the_window_give_no_fit():
    # Nine voices, all late: alone it would read as thousands of percent a year with a meaningless interval.
    clusters = {0: [20] * 24, 1: [0] * 18 + [1, 1, 2, 1, 2, 2]}
    growth = _by_id(rank_clusters(*_build(clusters)))[1].growth
    assert growth.trend == "unknown" and growth.rate is None and growth.q_value is None


def test_rank_too_few_dated_statements_gives_unknown_trend():
    statements = [_statement(0, _month(0)), _statement(1, _month(1)), _statement(2, None)]
    ranked = rank_clusters(statements, np.array([0, 0, 0]), {0: ClusterLabel("job", [], [])})
    growth = ranked[0].growth
    assert growth.trend == "unknown"
    assert growth.rate is None and growth.low is None and growth.q_value is None


def test_rank_one_voice_reposting_for_a_year_is_not_a_trend():
    # One company posts the job three times a month through the window's second year; beside it, steady jobs said
    # by 40 different people a month. The same counts from 36 different people are a real new trend.
    late = [0] * 12 + [3] * 12
    for voice, trend in ((lambda n: "acme", {"unknown"}), (lambda n: f"p{n}", {"rising", "emerging"})):
        statements, labels = [], []
        for month in range(24):
            for n in range(40):
                statements.append(_statement(len(statements), _month(month), author=f"m{month}-{n}"))
                labels.append(n % 2)
            for n in range(late[month]):
                statements.append(_statement(len(statements), _month(month), author=voice(3 * month + n)))
                labels.append(2)
        names = {c: ClusterLabel(f"job {c}", [], []) for c in range(3)}
        growth = _by_id(rank_clusters(statements, np.array(labels), names))[2].growth
        assert growth.trend in trend


# False discovery control


# Reach, kinds and ordering


def test_rank_reposting_author_counts_once():
    statements = [_statement(n, _month(n % 3), author="spammer") for n in range(5)]
    statements.append(_statement(5, _month(0), author="ann"))
    statements.append(_statement(6, _month(1), author=""))  # no author: the document stands in for one
    ranked = rank_clusters(statements, np.zeros(7, dtype=int), {0: ClusterLabel("job", [], [])})
    cluster = ranked[0]
    assert cluster.size == 7
    assert cluster.n_authors == 3
    assert cluster.n_docs == 7
    assert [p.n_authors for p in cluster.series] == [2, 2, 1]
    assert [p.counted for p in cluster.series] == [3, 3, 1]  # the spammer's 2, 2 and 1 statements, ann, the doc


def test_rank_growth_counts_a_loud_author_at_most_three_times_a_period():
    loud = [_statement(n, _month(0), author="loud") for n in range(10)]  # ten replies in one month
    others = [_statement(10 + n, _month(n % 2), author=f"b{n}") for n in range(4)]
    labels = np.array([0] * 10 + [0, 1, 0, 1])
    ranked = _by_id(rank_clusters(loud + others, labels, {0: ClusterLabel("a", [], []), 1: ClusterLabel("b", [], [])}))
    first = ranked[0].series[0]
    assert (first.count, first.n_authors, first.counted, first.total) == (12, 3, 5, 5)  # 3 of loud's 10, b0, b2
    assert ranked[1].series[1].total == 2 and ranked[1].series[1].share == 1.0  # b1 and b3, both in cluster 1


def test_rank_undated_statements_count_for_size_not_growth():
    statements = [_statement(n, _month(n)) for n in range(4)] + [_statement(9, None)]
    ranked = rank_clusters(statements, np.zeros(5, dtype=int), {0: ClusterLabel("job", [], [])})
    assert ranked[0].size == 5
    assert sum(p.count for p in ranked[0].series) == 4


def test_rank_noise_is_never_ranked():
    statements, labels, cluster_labels = _build({0: [3] * 6, -1: [9] * 6, 1: [2] * 6})
    ranked = rank_clusters(statements, labels, cluster_labels)
    assert sorted(c.id for c in ranked) == [0, 1]
    assert all(labels[m] == c.id for c in ranked for m in c.members)
    # The noise still counts in the exposure: it was said in that period.
    assert ranked[0].series[0].total == 3 + 9 + 2


def test_rank_kind_counts_feed_pain_and_supply():
    when = _month(0)
    statements = [
        _statement(0, when, kind="need"),
        _statement(1, when, kind="pain"),
        _statement(2, when, kind="offering"),
        _statement(3, when, kind="role_work"),
    ]
    ranked = rank_clusters(statements, np.zeros(4, dtype=int), {0: ClusterLabel("job", [], [])})
    cluster = ranked[0]
    assert cluster.kind_counts == {"need": 1, "offering": 1, "pain": 1, "role_work": 1}
    assert cluster.score_parts["pain"] == pytest.approx(0.5)
    assert cluster.score_parts["supply"] == pytest.approx(-0.5)


def test_rank_pain_tells_apart_clusters_of_a_question_forum():
    # Every statement comes from a question; one cluster's askers also say what they need, the other's only ask.
    when = _month(0)
    statements = [_statement(n, when, kind="question" if n % 2 else "need") for n in range(20)]
    statements += [_statement(n, when, kind="question") for n in range(20, 40)]
    labels = np.array([0] * 20 + [1] * 20)
    ranked = rank_clusters(statements, labels, {0: ClusterLabel("a", [], []), 1: ClusterLabel("b", [], [])})
    pain = {c.id: c.score_parts["pain"] for c in ranked}
    # A plain question is not pain: otherwise both clusters would read 1.0. Shrunk toward the corpus's 10/40.
    assert pain[0] == pytest.approx((20 * 0.5 + 10 * 0.25) / 30, abs=1e-4)
    assert pain[1] == pytest.approx((20 * 0.0 + 10 * 0.25) / 30, abs=1e-4)


def test_rank_orders_by_score_and_numbers_from_one():
    rising = [round(50 * (0.1 + 0.6 * m / 23)) for m in range(24)]
    statements, labels, cluster_labels = _build({0: [50 - r for r in rising], 1: rising, 2: [5] * 24})
    ranked = rank_clusters(statements, labels, cluster_labels)
    assert [c.rank for c in ranked] == [1, 2, 3]
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert ranked[0].id == 1


def test_rank_does_not_depend_on_input_order():
    rising = [round(30 * (0.1 + 0.6 * m / 23)) for m in range(24)]
    statements, labels, cluster_labels = _build({0: rising, 1: [30 - r for r in rising], 2: [4] * 24})
    order = list(range(len(statements)))
    random.Random(7).shuffle(order)
    shuffled = rank_clusters([statements[i] for i in order], labels[order], cluster_labels)
    original = rank_clusters(statements, labels, cluster_labels)
    assert [(c.id, c.score, c.size, c.growth) for c in shuffled] == [
        (c.id, c.score, c.size, c.growth) for c in original
    ]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 23), st.integers(-1, 3)), min_size=1, max_size=120), st.randoms())
def test_rank_ranking_does_not_depend_on_input_order_property(points, rnd):
    statements = [_statement(n, _month(month)) for n, (month, _) in enumerate(points)]
    labels = np.array([label for _, label in points])
    cluster_labels = {c: ClusterLabel(f"job {c}", [], []) for c in set(labels.tolist()) if c >= 0}
    order = list(range(len(points)))
    rnd.shuffle(order)
    original = rank_clusters(statements, labels, cluster_labels)
    shuffled = rank_clusters([statements[i] for i in order], labels[order], cluster_labels)
    assert [(c.id, c.rank, c.score, c.size, c.n_authors, c.growth) for c in shuffled] == [
        (c.id, c.rank, c.score, c.size, c.n_authors, c.growth) for c in original
    ]
    assert sorted(c.id for c in original) == sorted(cluster_labels)
    assert sum(c.size for c in original) == int((labels >= 0).sum())


def test_rank_separated_counts_give_no_trend_instead_of_crashing():
    # Found by Hypothesis: one cluster has every statement of its periods (share 1), the rest of the window is empty.
    points = [(2, 1), (2, 1), (2, 1), (14, 0), (19, 0)]
    statements = [_statement(n, _month(month)) for n, (month, _) in enumerate(points)]
    labels = np.array([label for _, label in points])
    cluster_labels = {c: ClusterLabel(f"job {c}", [], []) for c in (0, 1)}
    ranked = rank_clusters(statements, labels, cluster_labels)
    assert {c.id for c in ranked} == {0, 1}
    assert all(c.growth.trend in ("unknown", "stable", "rising", "declining", "fading", "emerging") for c in ranked)


def test_rank_a_few_authors_cannot_top_the_score_on_pain_alone():
    # One company's pitch reposted monthly: 4 authors, 30 pain statements, beside a job 300 authors offer.
    pitch = [statement(n, kind="pain", author=f"p{n % 4}", created_at=_month(n % 24)) for n in range(30)]
    offered = [statement(30 + n, kind="offering", author=f"o{n}", created_at=_month(n % 24)) for n in range(300)]
    labels = np.array([1] * 30 + [0] * 300)
    names = {0: ClusterLabel("offered", [], []), 1: ClusterLabel("pitch", [], [])}
    ranked = rank_clusters(pitch + offered, labels, names)
    assert [c.id for c in ranked] == [0, 1]
    pitch_parts = _by_id(ranked)[1].score_parts
    # Its own pain share is 1.0; shrunk toward the corpus's (4 of 304 voices) as if 10 more authors had spoken at it.
    assert pitch_parts["pain"] == pytest.approx((4 * 1.0 + 10 * 4 / 304) / 14, abs=1e-4)
    assert pitch_parts["supply"] == pytest.approx(-(10 * 300 / 304) / 14, abs=1e-4)


def test_rank_pain_and_supply_count_voices_not_reposts():
    # One company reposts its pain line 40 times into a job 20 other authors offer: by statements the cluster's pain
    # share was 40/60; by voices it is 1 of 21. On HN's postings and replies such a cluster ("access credit cards",
    # 51 of its 82 pain statements from one author) ranked 3rd of 110 on pain.
    reposts = [statement(n, kind="pain", author="loud", created_at=_month(n % 24)) for n in range(40)]
    offers = [statement(40 + n, kind="offering", author=f"o{n}", created_at=_month(n % 24)) for n in range(20)]
    mixed = [statement(60, kind="pain", author="o0"), statement(61, kind="pain", author="o0")]  # o0: 2 of 3 pain
    ranked = rank_clusters(reposts + offers + mixed, np.zeros(62, dtype=int), {0: ClusterLabel("job", [], [])})
    parts = ranked[0].score_parts
    # Its own share is the corpus's here, so shrinking leaves it: (1 + 2/3) / 21 and (19 + 1/3) / 21.
    assert parts["pain"] == pytest.approx((1 + 2 / 3) / 21, abs=1e-4)
    assert parts["supply"] == pytest.approx(-(19 + 1 / 3) / 21, abs=1e-4)


def test_rank_growth_earns_score_only_after_false_discovery_control():
    from jtbd.rank import _score_parts
    from jtbd.types import Growth

    lucky = Growth(4.9, 1.5, 16.0, 0.01, 24, "stable", q_value=0.2)  # wide interval above flat, not confirmed
    confirmed = Growth(1.6, 1.3, 2.0, 0.0001, 24, "rising", q_value=0.001)
    assert _score_parts(lucky, 10, 100, (1.0, 0.0))["growth"] == 0.0
    assert _score_parts(confirmed, 10, 100, (1.0, 0.0))["growth"] == pytest.approx(math.log(1.3), abs=1e-4)


# Growth per source kind


def _mixed(per_cluster: dict[int, dict[str, list[int]]]) -> tuple[list[Statement], np.ndarray, dict[int, ClusterLabel]]:
    """Statements whose count in month i of cluster c among documents of kind k is per_cluster[c][k][i]."""
    statements, labels = [], []
    for cluster_id, by_kind in per_cluster.items():
        for doc_kind, counts in by_kind.items():
            for month, count in enumerate(counts):
                for _ in range(count):
                    statements.append(_statement(len(statements), _month(month), doc_kind=doc_kind))
                    labels.append(cluster_id)
    return statements, np.array(labels), {c: ClusterLabel(f"job {c}", [], []) for c in per_cluster}


def _rising_need_among_flat_postings() -> tuple[list[Statement], np.ndarray, dict[int, ClusterLabel]]:
    """Cluster 0: a need rising 1 -> 12 voices a month in discussions, beside 40 flat postings a month."""
    return _mixed(
        {
            0: {"posting": [40] * 24, "discussion": [1 + i // 2 for i in range(24)]},
            1: {"posting": [200] * 24, "discussion": [30] * 24},
        }
    )


def test_rank_need_rising_among_discussions_is_not_drowned_by_flat_postings():
    c = _by_id(rank_clusters(*_rising_need_among_flat_postings()))[0]
    assert set(c.growth_by_kind) == {"all", "discussion", "posting"}
    assert c.growth.among == "discussion" and c.growth.trend == "rising"
    assert c.growth == c.growth_by_kind["discussion"]
    assert c.growth_by_kind["posting"].trend == "stable"
    # Among all documents the same rise is a much smaller share change: weaker evidence, a lower rate.
    everyone = c.growth_by_kind["all"]
    assert everyone.p_value > c.growth.p_value and everyone.rate < c.growth.rate


def test_rank_single_kind_corpus_fits_all_voices_only():
    statements, labels, cluster_labels = _build({0: [5 + i for i in range(24)], 1: [30] * 24})
    for c in rank_clusters(statements, labels, cluster_labels):
        assert c.growth.among == "all" and c.growth_by_kind == {}


def test_rank_false_discovery_control_spans_every_series_of_every_cluster():
    ranked = rank_clusters(*_rising_need_among_flat_postings())
    fits = [g for c in ranked for g in c.growth_by_kind.values()]
    assert len(fits) == 6  # 2 clusters x (all, discussion, posting): one family
    expected = benjamini_hochberg([g.p_value for g in fits])
    assert [g.q_value for g in fits] == pytest.approx(expected, rel=1e-3, abs=2e-6)  # p and q rounded to 1e-6


def test_rank_headline_is_the_surest_growth_and_prefers_discoveries():
    from jtbd.rank import _headline
    from jtbd.types import Growth

    everyone = Growth(1.05, 0.9, 1.2, 0.5, 24, "stable", q_value=0.7)
    lucky = Growth(11.0, 0.8, 150.0, 0.04, 24, "stable", q_value=0.3, among="discussion")  # 11 voices: wide
    diluted = Growth(1.3, 1.02, 1.7, 0.03, 24, "stable", q_value=0.2)
    clearer = Growth(2.4, 1.2, 4.8, 0.01, 24, "stable", q_value=0.1, among="discussion")
    found = Growth(2.1, 1.4, 3.1, 0.0004, 24, "rising", q_value=0.01, among="discussion")
    flat_postings = Growth(1.0, 0.9, 1.1, 0.9, 24, "stable", q_value=0.9, among="posting")
    # A huge rate on a handful of voices does not beat a flat all-documents fit: its lower bound is lower.
    assert _headline({"all": everyone, "discussion": lucky, "posting": flat_postings}) is everyone
    # Without any discovery, the series whose growth is surest (highest lower bound) heads the row when that bound
    # is above flat; a stable kind's series with a slightly higher bound does not displace all documents.
    assert _headline({"all": diluted, "discussion": clearer, "posting": flat_postings}) is clearer
    assert _headline({"all": everyone, "discussion": replace(everyone, low=0.95, among="discussion")}) is everyone
    assert _headline({"all": everyone, "discussion": replace(clearer, low=1.01)}).among == "discussion"
    # A discovery beats every fit that is not one, whatever their bounds; a tie goes to all documents.
    assert _headline({"all": everyone, "discussion": found, "posting": replace(found, low=1.6, q_value=0.2)}) is found
    assert _headline({"all": replace(found, among="all"), "discussion": found}).among == "all"
    # Nothing fitted: the all-documents series, unknown.
    unknown = Growth(None, None, None, None, 3, "unknown")
    assert _headline({"all": unknown, "discussion": unknown}) is unknown


def test_rank_intervals_are_widened_for_picking_one_of_three_series(monkeypatch):
    """Mixed kinds: each fit's interval is a 98.3% one (Bonferroni over three), so the picked one is still 95%."""
    from scipy.special import stdtrit

    from jtbd import rank

    fit = poisson_fit(np.array([3, 5, 4, 6, 8, 7, 9, 12, 10, 13]), np.full(10, 100), 12.0)
    assert fit is not None
    for confidence in (0.95, 1 - 0.05 / 3):
        trend = fit.test(confidence=confidence)
        assert trend is not None and trend.critical == pytest.approx(stdtrit(fit.df, 0.5 + confidence / 2))
    levels: list[float] = []
    real = rank.moderated_tests
    monkeypatch.setattr(
        rank, "moderated_tests", lambda fits, confidence: levels.append(confidence) or real(fits, confidence)
    )
    rank_clusters(*_rising_need_among_flat_postings())
    rank_clusters(*_build({0: [5 + i for i in range(24)], 1: [30] * 24}))
    assert levels == pytest.approx([1 - 0.05 / 3, 0.95])


def test_rank_in_growth_window_marks_the_last_periods():
    when = [datetime(2023, 1, 5, tzinfo=UTC), datetime(2024, 6, 5, tzinfo=UTC), datetime(2024, 8, 5, tzinfo=UTC), None]
    statements = [_statement(n, w) for n, w in enumerate(when)]
    assert in_growth_window(statements, "month", 3).tolist() == [False, True, True, False]  # 2024-06..2024-08
    assert in_growth_window(statements, "quarter", 8).tolist() == [True, True, True, False]


def test_rank_growth_bounds_are_never_written_as_zero():
    from jtbd.rank import Trend, growth_from_fit

    counts, totals = np.array([3.0, 0, 0, 1, 0, 0]), np.full(6, 100.0)
    growth = growth_from_fit(Trend(slope=-3.0, se=5.0, p_value=0.5, critical=12.7), 0.5, counts, totals, 12.0)
    assert 0 < growth.low < 1e-4 and growth.high > 1
    wide = growth_from_fit(Trend(slope=10.0, se=30.0, p_value=0.5, critical=38.2), 0.5, counts, totals, 12.0)
    assert math.isfinite(wide.high) and wide.low > 0  # exp(10 + 38.2 * 30) would overflow


# --- periods chosen from the corpus span --------------------------------------------------------------------------


def test_rank_growth_ranker_resolves_period_and_window_from_the_dates():
    ten_weeks = [datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 5, 10, tzinfo=UTC), None]
    ranker = GrowthRanker().fit(ten_weeks)
    assert (ranker.period, ranker.window) == ("auto", None)  # what it was given stays
    assert (ranker.period_, ranker.window_) == ("week", 104)
    assert (GrowthRanker("quarter", 6).fit(ten_weeks).period_, GrowthRanker("quarter", 6).fit([]).window_) == (
        "quarter",
        6,
    )


def test_rank_growth_ranker_rescore_orders_as_a_fresh_ranking_would():
    from jtbd.records import ClusterRecord

    statements, labels, names = _build({0: [5 + i for i in range(24)], 1: [30] * 24, 2: [40 - i for i in range(24)]})
    ranker = GrowthRanker().fit([s.created_at for s in statements])
    records = [ClusterRecord.from_ranked(c, statements) for c in ranker.rank(statements, labels, names)]
    punished = GrowthRanker(weights={"growth": -5.0}).fit([s.created_at for s in statements])
    fresh = [(c.id, c.score) for c in punished.rank(statements, labels, names)]
    assert [(c.id, c.score) for c in punished.rescore(records)] == fresh
    assert [c.rank for c in punished.rescore(records)] == [1, 2, 3]
