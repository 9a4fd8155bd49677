"""Themes over jobs (`jtbd.themes`), the two rankings (customer jobs, role work) and specificity."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from factories import statement

from jtbd.clustering import specificity
from jtbd.errors import ConfigError
from jtbd.rank import GrowthRanker, rank_clusters, rank_levels
from jtbd.records import ClusterRecord
from jtbd.themes import ThemeClusterer, theme_members
from jtbd.types import ClusterLabel

DIMS = 32


def _directions(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` random unit vectors, nearly orthogonal in DIMS dimensions."""
    q, _ = np.linalg.qr(rng.normal(size=(DIMS, DIMS)))
    return q[:n]


def _points(rng: np.random.Generator, centre: np.ndarray, n: int, spread: float = 0.05) -> np.ndarray:
    rows = centre + rng.normal(scale=spread, size=(n, DIMS))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _job_centres(rng: np.random.Generator) -> np.ndarray:
    """Jobs 0-3 close to one topic (cosine ~0.8 between them); jobs 4-7 each a topic of their own."""
    axes = _directions(rng, 8)
    topic = axes[0]
    near = [topic * 0.9 + axes[i] * 0.45 for i in range(1, 5)]
    centres = np.array([*near, *axes[4:8]])
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


@pytest.mark.parametrize("method", ["agglomerative", "leiden"])
def test_themes_nest_every_job_in_one_theme(method):
    rng = np.random.default_rng(0)
    centres = _job_centres(rng)
    labels = np.repeat(np.arange(8), 40)
    vectors = np.vstack([_points(rng, centres[j], 40) for j in range(8)])
    labels[::17] = -1  # noise stays noise
    themes = ThemeClusterer(method, distance=0.4, resolution=0.3, random_state=0).fit(vectors, labels)
    assert len(themes.theme_of_job_) == 8
    clustered = labels >= 0
    assert (themes.labels_[clustered] == themes.theme_of_job_[labels[clustered]]).all()
    assert (themes.labels_[~clustered] == -1).all()
    members = theme_members(themes.theme_of_job_)
    assert sorted(j for jobs in members.values() for j in jobs) == list(range(8))
    if method == "agglomerative":  # the four jobs of one topic share a theme; the others each have their own
        assert len({themes.theme_of_job_[j] for j in range(4)}) == 1
        assert len(set(themes.theme_of_job_.tolist())) == 5


def test_a_theme_grows_while_none_of_its_jobs_does_alone():
    # 24 months. Four jobs of one topic each rise from ~1 to ~3 statements a month (too few voices to call alone:
    # q 0.10 to 0.35 in this fixed draw); four other jobs stay at 8 a month. Together the topic's share rises (q 0.001).
    rng = np.random.default_rng(0)
    centres = _job_centres(rng)
    statements, rows, labels = [], [], []
    for month in range(24):
        when = datetime(2022 + month // 12, month % 12 + 1, 10, tzinfo=UTC)
        for job in range(8):
            mean = 1.0 + 2.0 * month / 23 if job < 4 else 8.0
            for _ in range(rng.poisson(mean)):
                n = len(statements)
                statements.append(statement(n, created_at=when, author=f"a{n}"))
                rows.append(_points(rng, centres[job], 1)[0])
                labels.append(job)
    vectors, labels_array = np.array(rows), np.array(labels)
    names = {j: ClusterLabel(f"job {j}", [], [], []) for j in range(8)}
    jobs = rank_clusters(statements, labels_array, names, period="month", window=24)
    assert not any(c.growth.trend == "rising" for c in jobs if c.id < 4)
    themes = ThemeClusterer("agglomerative", distance=0.4).fit(vectors, labels_array)
    topic = int(themes.theme_of_job_[0])
    theme_names = {t: ClusterLabel(f"theme {t}", [], [], []) for t in set(themes.theme_of_job_.tolist())}
    ranked = rank_clusters(statements, themes.labels_, theme_names, period="month", window=24)
    grown = next(t for t in ranked if t.id == topic)
    assert grown.growth.trend == "rising"
    assert not any(t.growth.trend in ("rising", "declining") for t in ranked if t.id != topic)

    # Ranked as two levels, "separate" gives each level exactly what ranking it alone gives.
    levels = {}
    for fdr in ("separate", "pooled", "hierarchical"):
        levels[fdr] = rank_levels(
            statements,
            (labels_array, names, None),
            (themes.labels_, theme_names, None),
            fdr=fdr,
            period="month",
            window=24,
        )
    assert levels["separate"] == (jobs, ranked)
    for fdr in ("pooled", "hierarchical"):
        job_level, theme_level = levels[fdr]
        assert next(t for t in theme_level if t.id == topic).growth.trend == "rising"
        assert not any(c.growth.trend == "rising" for c in job_level if c.id < 4)
    # Under the hierarchical control, no job is called in a theme that is not.
    job_level, theme_level = levels["hierarchical"]
    theme_trend = {t.id: t.growth.trend for t in theme_level}
    for c in job_level:
        if c.growth.trend != "stable" and c.growth.trend != "unknown":
            assert theme_trend[int(themes.theme_of_job_[c.id])] == c.growth.trend


def test_an_unknown_fdr_method_is_refused_before_anything_runs():
    with pytest.raises(ConfigError, match="fdr must be one of"):
        GrowthRanker(fdr="bonferroni")


def test_specificity_puts_the_generic_line_at_the_centre():
    # Five jobs about distinct things, and one "generic" job whose statements are the average of everything said.
    rng = np.random.default_rng(1)
    axes = _directions(rng, 5)
    generic = axes.sum(axis=0) / np.linalg.norm(axes.sum(axis=0))
    centres = np.vstack([axes, generic])
    vectors = np.vstack([_points(rng, c, 30) for c in centres])
    labels = np.repeat(np.arange(6), 30)
    scores = specificity(vectors, labels)
    assert scores[5] < 0.2
    assert min(scores[j] for j in range(5)) > 0.8 and max(scores.values()) == 1.0


def test_specificity_does_not_let_one_large_job_define_the_centre():
    rng = np.random.default_rng(2)
    axes = _directions(rng, 3)
    vectors = np.vstack([_points(rng, axes[0], 300), _points(rng, axes[1], 20), _points(rng, axes[2], 20)])
    labels = np.repeat([0, 1, 2], [300, 20, 20])
    assert min(specificity(vectors, labels).values()) > 0.9


def test_a_job_mostly_of_role_work_is_ranked_as_role_work():
    base = {"id": 0, "rank": 1, "label": "x", "keywords": [], "size": 10, "n_authors": 10, "n_docs": 10}
    staff = ClusterRecord.from_json({**base, "kinds": {"role_work": 6, "offering": 4}, "growth": {}, "score": 0})
    pitch = ClusterRecord.from_json({**base, "kinds": {"role_work": 4, "offering": 6}, "growth": {}, "score": 0})
    assert (staff.side, pitch.side) == ("role_work", "customer")


def test_an_older_folder_without_specificity_is_rescored_as_it_was():
    from jtbd.rank import GrowthRanker

    parts = {"growth": 0.1, "reach": 0.8, "pain": 0.4, "supply": -0.2}
    base = {"rank": 1, "label": "x", "keywords": [], "size": 10, "n_authors": 10, "n_docs": 10, "growth": {}}
    old = [ClusterRecord.from_json({**base, "id": i, "score": 0, "score_parts": parts}) for i in range(2)]
    rescored = GrowthRanker().rescore(old)
    assert [c.score for c in rescored] == [round(0.1 + 0.4 + 0.2 - 0.06, 4)] * 2
    assert rescored[0].score_parts["specificity"] == 0.0


def test_role_work_and_customer_jobs_are_clustered_apart():
    from jtbd.clustering import JobClusterer, cluster_statements, statement_side

    # The same two topics said by customers and by employers hiring for them: four jobs, none mixing the sides.
    rng = np.random.default_rng(4)
    axes = _directions(rng, 2)
    vectors = np.vstack([_points(rng, axes[t], 60, spread=0.02) for t in (0, 1, 0, 1)])
    kinds = ["need"] * 120 + ["role_work"] * 120
    sides = [statement_side(k) for k in kinds]
    voices = [f"v{i}" for i in range(240)]
    together = cluster_statements(JobClusterer(min_cluster_size=10), vectors, voices).labels
    apart = cluster_statements(JobClusterer(min_cluster_size=10), vectors, voices, groups=sides).labels
    assert len(set(together.tolist()) - {-1}) == 2
    assert len(set(apart.tolist()) - {-1}) == 4
    for label in set(apart.tolist()) - {-1}:
        assert len({sides[i] for i in np.flatnonzero(apart == label)}) == 1
