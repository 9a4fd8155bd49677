"""Tests for jtbd.clustering and jtbd.knn: kNN graph + Leiden on unit vectors, determinism and seeds, degenerate
input, numbering, noise assignment, merging near-duplicate clusters, the scikit-learn contract, stability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from jtbd.clustering import (
    JobClusterer,
    LeidenClusterer,
    assign_noise,
    cluster_stability,
    cluster_statements,
    cluster_sums,
    default_min_cluster_size,
    dissolve_few_voices,
    dissolve_incoherent,
    merge_near_duplicates,
    refit_copy,
    renumber_by_size,
)
from jtbd.config import Config
from jtbd.errors import ConfigError
from jtbd.knn import knn_cosine

MERGE_SIMILARITY = Config.merge_similarity


def cluster_vectors(
    X: np.ndarray, *, min_cluster_size: int | None = None, seed: int = 0, method: str = "leiden", resolution=2.0
) -> np.ndarray:
    """The base clustering alone: the cluster stage with its clean-up switched off."""
    bare = JobClusterer(
        method,
        min_cluster_size=min_cluster_size,
        resolution=resolution,
        noise_similarity=1.0,
        merge_similarity=1.0,
        min_cohesion_ratio=0.0,
        random_state=seed,
    )
    return bare.fit(X).labels_


def _unit_blobs(n_samples: int = 240, centers: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X, truth = make_blobs(n_samples=n_samples, centers=centers, n_features=16, cluster_std=0.6, random_state=seed)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), truth


def _cluster_and_merge(X: np.ndarray, **options) -> np.ndarray:
    """The pipeline's composition: the fine Leiden partition, then near-duplicate clusters merged."""
    return merge_near_duplicates(X, cluster_vectors(X, **options), min_similarity=MERGE_SIMILARITY)


def test_cluster_finds_blobs_deterministically():
    X, truth = _unit_blobs()
    first = _cluster_and_merge(X, min_cluster_size=10)
    second = _cluster_and_merge(X.copy(), min_cluster_size=10)
    assert np.array_equal(first, second)
    assert set(first.tolist()) - {-1} == {0, 1, 2, 3}
    clustered = first >= 0
    assert clustered.mean() > 0.8
    assert adjusted_rand_score(truth[clustered], first[clustered]) > 0.95


def test_cluster_partition_does_not_depend_on_input_order():
    X, _ = _unit_blobs(seed=3)
    order = np.random.default_rng(0).permutation(len(X))
    labels = _cluster_and_merge(X, min_cluster_size=10)
    permuted = _cluster_and_merge(X[order], min_cluster_size=10)
    assert adjusted_rand_score(labels[order], permuted) > 0.99


def test_cluster_no_cluster_below_min_cluster_size():
    X, _ = _unit_blobs(n_samples=300, centers=6, seed=5)
    labels = cluster_vectors(X, min_cluster_size=15)
    sizes = np.bincount(labels[labels >= 0])
    assert len(sizes) >= 2
    assert sizes.min() >= 15
    assert len(labels) == len(X)


@pytest.mark.parametrize("n_points", [0, 1, 9])
def test_cluster_too_few_points_are_all_noise(n_points):
    X, _ = _unit_blobs()
    labels = cluster_vectors(X[:n_points], min_cluster_size=5)
    assert labels.shape == (n_points,)
    assert (labels == -1).all()


def test_cluster_default_min_cluster_size_grows_slowly():
    assert default_min_cluster_size(10) == 5
    assert default_min_cluster_size(500) == 5
    sizes = [default_min_cluster_size(n) for n in (1_000, 5_000, 50_000, 500_000)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert 10 <= default_min_cluster_size(50_000) <= 50  # sub-linear: 0.05% of the statements at most


def test_cluster_job_clusterer_keeps_sklearn_contract():
    X, _ = _unit_blobs()
    clusterer = JobClusterer(min_cluster_size=12)
    assert clusterer.min_cluster_size == 12 and clusterer.get_params()["resolution"] == Config.resolution
    assert clusterer.fit(X.astype(np.float64)) is clusterer
    assert clusterer.labels_.shape == (len(X),) and clusterer.min_cluster_size_ == 12
    copy = clone(clusterer)  # constructors only store their arguments, so scikit-learn can clone it
    assert copy.get_params() == clusterer.get_params() and not hasattr(copy, "labels_")


def test_cluster_defaults_come_from_config():
    assert JobClusterer().random_state == Config.seed == LeidenClusterer().random_state
    assert JobClusterer().noise_similarity == Config.noise_similarity
    assert JobClusterer.from_config(Config(resolution=3.0, seed=7)).get_params()["random_state"] == 7


def test_cluster_job_clusterer_resolves_min_cluster_size_from_the_corpus():
    X, _ = _unit_blobs(n_samples=300)
    assert JobClusterer().fit(X).min_cluster_size_ == default_min_cluster_size(300)


def test_cluster_sklearn_estimator_drops_in():
    # The Clusterer protocol is sklearn's: fit(X) then .labels_; the cluster stage takes KMeans as it takes its own.
    X, truth = _unit_blobs()
    voices = [f"author-{i}" for i in range(len(X))]
    found = cluster_statements(KMeans(n_clusters=4, n_init=4, random_state=0), X, voices)
    assert adjusted_rand_score(truth, found.labels) > 0.95
    assert found.labels.tolist() == renumber_by_size(found.labels).tolist()  # numbered by size like our own


def test_cluster_refit_copy_sets_only_the_parameters_an_estimator_takes():
    kmeans = refit_copy(KMeans(n_clusters=4), random_state=3, min_cluster_size=9)
    assert kmeans.random_state == 3 and kmeans.n_clusters == 4
    ours = refit_copy(JobClusterer(), random_state=5, min_cluster_size=9)
    assert (ours.random_state, ours.min_cluster_size) == (5, 9)


def test_cluster_renumber_by_size_orders_largest_first():
    labels = np.array([2, 2, 0, 1, 1, 1, -1, 7])
    assert renumber_by_size(labels).tolist() == [1, 1, 2, 0, 0, 0, -1, 3]


def test_cluster_renumber_by_size_breaks_ties_by_first_appearance():
    assert renumber_by_size(np.array([5, 3, 5, 3, -1])).tolist() == [0, 1, 0, 1, -1]
    assert renumber_by_size(np.array([-1, -1])).tolist() == [-1, -1]
    assert renumber_by_size(np.array([], dtype=int)).tolist() == []


def test_cluster_assign_noise_joins_only_close_points():
    vectors = np.array([[1, 0, 0], [0.99, 0.14, 0], [0, 1, 0], [0.1, 0.99, 0], [0.95, 0.31, 0], [0, 0, 1]], dtype=float)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, -1, -1])
    assigned = assign_noise(vectors, labels, min_similarity=0.8)
    assert assigned.tolist() == [0, 0, 1, 1, 0, -1]  # the orthogonal point stays noise
    assert labels.tolist() == [0, 0, 1, 1, -1, -1]  # the input is not modified
    assert assign_noise(vectors, labels, min_similarity=1.0).tolist() == labels.tolist()
    assert assign_noise(vectors, np.full(6, -1), min_similarity=0.0).tolist() == [-1] * 6


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-1, max_value=6), max_size=60))
def test_cluster_renumber_by_size_invariants(labels):
    labels = np.array(labels, dtype=int)
    renumbered = renumber_by_size(labels)
    assert renumbered.shape == labels.shape
    assert ((renumbered == -1) == (labels == -1)).all()  # noise stays noise, nothing else becomes it
    if (labels >= 0).any():
        sizes = np.bincount(renumbered[renumbered >= 0])
        assert (sizes > 0).all() and (np.diff(sizes) <= 0).all()  # 0..k-1, largest first
        assert adjusted_rand_score(labels, renumbered) == pytest.approx(1.0)  # same partition


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=5, max_value=12))
def test_cluster_one_label_per_point_and_no_small_cluster(seed, min_cluster_size):
    X, _ = _unit_blobs(n_samples=90, centers=3, seed=seed)
    labels = cluster_vectors(X, min_cluster_size=min_cluster_size)
    assert labels.shape == (90,)
    clustered = labels[labels >= 0]
    if len(clustered):
        assert np.bincount(clustered).min() >= min_cluster_size


def test_cluster_same_input_and_seed_give_identical_labels():
    X, _ = _unit_blobs(n_samples=400, centers=6, seed=7)
    runs = [cluster_vectors(X.copy(), min_cluster_size=8, seed=11) for _ in range(3)]
    assert all(np.array_equal(runs[0], run) for run in runs[1:])


def test_cluster_seed_reaches_leiden(monkeypatch):
    import leidenalg

    seen = []
    real = leidenalg.find_partition

    def spy(*args, **kwargs):
        seen.append(kwargs["seed"])
        return real(*args, **kwargs)

    monkeypatch.setattr(leidenalg, "find_partition", spy)
    X, _ = _unit_blobs()
    cluster_vectors(X, min_cluster_size=10, seed=123)
    cluster_vectors(X, min_cluster_size=10, seed=7)
    assert seen == [123, 7]


def test_cluster_leiden_small_communities_are_noise_then_assigned():
    X, _ = _unit_blobs(n_samples=200, centers=4, seed=2)
    stray = np.random.default_rng(0).normal(size=(3, 16))  # three points far from every blob
    X = np.vstack([X, stray / np.linalg.norm(stray, axis=1, keepdims=True)]).astype(np.float32)
    labels = cluster_vectors(X, min_cluster_size=10, seed=0)
    assert np.bincount(labels[labels >= 0]).min() >= 10
    assert (labels >= 0).mean() > 0.95
    kept_noise = assign_noise(X, labels, min_similarity=1.0)
    assert np.array_equal(kept_noise, labels)


def test_cluster_higher_resolution_gives_more_clusters():
    X, _ = _unit_blobs(n_samples=600, centers=3, seed=4)
    coarse = cluster_vectors(X, min_cluster_size=5, resolution=1.0)
    fine = cluster_vectors(X, min_cluster_size=5, resolution=8.0)
    assert fine.max() > coarse.max()


def test_cluster_knn_cosine_matches_brute_force():
    X, _ = _unit_blobs(n_samples=120)
    indices, similarities = knn_cosine(X, 5, block_elements=1000)  # several blocks
    full = X @ X.T
    np.fill_diagonal(full, -np.inf)
    expected = np.sort(full, axis=1)[:, ::-1][:, :5]
    assert np.allclose(similarities, expected, atol=1e-6)
    assert (indices != np.arange(120)[:, None]).all()
    assert np.allclose(np.take_along_axis(full, indices, axis=1), similarities, atol=1e-6)


def test_cluster_knn_cosine_takes_copies_first_and_breaks_ties_by_index():
    # A line reposted every month is many identical vectors: they are searched once, and each copy's neighbours are
    # the other copies first, lowest index first, then the copies of the next nearest vectors.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 16)).astype(np.float32)
    X[[3, 9, 14, 20, 22, 30, 31, 40, 47, 55]] = X[8]  # 11 copies: more than k
    X[[12, 50]] = X[41]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    indices, similarities = knn_cosine(X, 5, block_elements=500)
    full = np.round(X @ X.T, 5)
    np.fill_diagonal(full, -np.inf)
    expected = np.array([np.lexsort((np.arange(60), -row))[:5] for row in full])
    assert (indices == expected).all()
    assert list(indices[8]) == [3, 9, 14, 20, 22] and list(indices[55]) == [3, 8, 9, 14, 20]
    assert np.allclose(similarities, np.take_along_axis(X @ X.T, expected, axis=1), atol=1e-6)


def test_cluster_knn_hnsw_finds_nearly_every_exact_neighbour_and_copies_the_same_way():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2000, 32)).astype(np.float32)
    X[[5, 77, 901]] = X[40]  # copies go through the same expansion as in the exact search
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    exact, _ = knn_cosine(X, 15, method="exact")
    approximate, similarities = knn_cosine(X, 15, method="hnsw")
    recall = np.mean([len(set(a) & set(b)) / 15 for a, b in zip(exact, approximate)])
    assert recall >= 0.95
    assert (approximate != np.arange(len(X))[:, None]).all()  # never itself
    assert np.allclose(np.einsum("ij,ikj->ik", X, X[approximate]), similarities, atol=1e-5)
    assert (np.diff(similarities, axis=1) <= 1e-6).all()  # nearest first
    assert list(approximate[40][:3]) == [5, 77, 901]
    again, _ = knn_cosine(X, 15, method="hnsw")
    assert (again == approximate).all()  # deterministic
    with pytest.raises(ValueError, match="knn must be one of auto, exact, hnsw"):
        knn_cosine(X, 15, method="annoy")


def test_cluster_knn_auto_is_exact_below_the_threshold_and_hnsw_above(monkeypatch):
    from jtbd import knn

    X, _ = _unit_blobs(n_samples=300)
    called = []
    monkeypatch.setattr(knn, "_knn_hnsw", lambda *a: called.append("hnsw") or knn._knn_distinct(*a))
    knn_cosine(X, 5)
    assert called == []  # 300 rows: exact, as before
    monkeypatch.setattr(knn, "EXACT_UP_TO", 100)
    knn_cosine(X, 5)
    assert called == ["hnsw"]


def test_cluster_approximate_knn_gives_the_same_partition_on_clear_groups():
    X, truth = _unit_blobs(n_samples=900, centers=6, seed=11)
    exact = JobClusterer(min_cluster_size=10, knn="exact").fit(X).labels_
    approximate = JobClusterer(min_cluster_size=10, knn="hnsw").fit(X).labels_
    assert adjusted_rand_score(exact, approximate) == 1.0
    assert adjusted_rand_score(truth, approximate) > 0.95
    with pytest.raises(ConfigError, match="knn must be auto, exact or hnsw"):
        Config(knn="fast")


def test_cluster_sums_add_in_row_order_like_add_at():
    # Centroids decide merges and noise assignment at fixed thresholds: the faster sum must be the same to the bit.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 24)).astype(np.float32)
    labels = rng.integers(-1, 40, size=3000)
    expected = np.zeros((40, 24))
    np.add.at(expected, labels[labels >= 0], X[labels >= 0])
    assert np.array_equal(cluster_sums(X, labels, 40), expected)


def test_cluster_hdbscan_method_still_available():
    X, truth = _unit_blobs()
    labels = cluster_vectors(X, min_cluster_size=10, method="hdbscan")
    assert adjusted_rand_score(truth[labels >= 0], labels[labels >= 0]) > 0.95
    with pytest.raises(ConfigError, match="cluster_method must be one of leiden, hdbscan"):
        JobClusterer("kmeans").fit(X)


def test_cluster_leiden_clusterer_on_tiny_input():
    assert LeidenClusterer().fit(np.ones((1, 4), dtype=np.float32)).labels_.tolist() == [-1]


def test_cluster_merge_near_duplicates_merges_only_close_centroids():
    vectors = np.array(
        [[1, 0, 0], [1, 0.05, 0], [1, 0.1, 0], [0.99, 0.15, 0], [0, 1, 0], [0.05, 1, 0], [0, 0, 1], [0, 0.1, 1]],
        dtype=float,
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, 2, 2, 3, -1])
    merged = merge_near_duplicates(vectors, labels, min_similarity=0.95)
    assert merged[0] == merged[1] == merged[2] == merged[3]  # clusters 0 and 1 point the same way
    assert len({merged[0], merged[4], merged[6]}) == 3  # the orthogonal clusters stay apart
    assert merged[7] == -1  # noise stays noise
    assert merged.tolist() == renumber_by_size(merged).tolist()  # numbered by size, largest first
    assert merged[0] == 0
    assert merge_near_duplicates(vectors, labels, min_similarity=1.0).tolist() == labels.tolist()
    assert merge_near_duplicates(vectors, np.full(8, -1), min_similarity=0.5).tolist() == [-1] * 8


def test_cluster_merge_near_duplicates_chains_by_centroid():
    # Four clusters along an arc: at 0.9 neighbours merge pairwise, but the merged centroids are too far apart
    angles = np.deg2rad([0, 20, 60, 80])
    vectors = np.repeat(np.stack([np.cos(angles), np.sin(angles)], axis=1), 3, axis=0)
    labels = np.repeat(np.arange(4), 3)
    merged = merge_near_duplicates(vectors, labels, min_similarity=0.9)
    assert merged.max() == 1
    assert len(set(merged[:6].tolist())) == 1 and len(set(merged[6:].tolist())) == 1


def test_cluster_stability_scores_clear_blobs_as_stable():
    X, _ = _unit_blobs(n_samples=300, centers=3, seed=9)
    clusterer = JobClusterer(min_cluster_size=10, resolution=1.0)
    labels = clusterer.fit(X).labels_
    seen = []

    def recluster(rows, seed):
        seen.append((len(rows), seed))
        return refit_copy(clusterer, random_state=seed).fit(X[rows]).labels_

    result = cluster_stability(recluster, labels, n_runs=3, subsample=0.8, seed=0)
    assert set(result.per_cluster) == set(range(int(labels.max()) + 1))
    assert min(result.per_cluster.values()) > 0.9
    assert result.mean_ari > 0.9 and result.n_runs == 3
    assert seen == [(240, 1), (240, 2), (240, 3)]  # 80% subsamples, each under its own seed


def test_cluster_dissolve_incoherent_turns_a_mixed_bag_into_noise():
    vectors, _ = _unit_blobs(n_samples=240, centers=4, seed=3)
    rng = np.random.default_rng(0)
    scattered = rng.normal(size=(60, vectors.shape[1]))
    scattered /= np.linalg.norm(scattered, axis=1, keepdims=True)
    tight = KMeans(n_clusters=4, n_init=4, random_state=0).fit_predict(vectors)
    X = np.vstack([vectors, scattered])
    labels = np.concatenate([tight, np.full(60, 4)])
    out = dissolve_incoherent(X, labels, min_ratio=0.75)
    assert (out[-60:] == -1).all()  # the scattered "cluster" is a mixed bag
    assert len(set(out[:240].tolist())) == 4 and (out[:240] >= 0).all()
    assert (dissolve_incoherent(X, labels, min_ratio=0) == labels).all()


def test_dissolve_few_voices_turns_one_voice_clusters_into_noise():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, -1])
    voices = ["a", "b", "c", "d", "x", "x", "x", "y", "p", "q", "z"]
    out, n_dissolved = dissolve_few_voices(labels, voices, min_voices=3)
    assert n_dissolved == 2  # cluster 1: two voices over four statements; cluster 2: two voices
    assert out.tolist() == [0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1]
    same, none = dissolve_few_voices(labels, voices, min_voices=2)
    assert none == 0 and np.array_equal(same, labels)


def test_cluster_one_line_said_by_many_authors_is_a_job():
    # 200 authors with the same line: every copy linked only to the first 15, and modularity cut that star into
    # singletons, so no cluster at all.
    from jtbd.clustering import LeidenClusterer

    rng = np.random.default_rng(0)
    same = np.tile(rng.normal(size=(1, 32)), (200, 1))
    others = rng.normal(size=(60, 32))
    labels = LeidenClusterer(min_cluster_size=5, resolution=2.0, random_state=0).fit(np.vstack([same, others])).labels_
    assert len(set(labels[:200].tolist())) == 1 and labels[0] >= 0
