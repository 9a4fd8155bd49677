"""Tests for jtbd.cluster: HDBSCAN on unit vectors, determinism, degenerate input, numbering, noise assignment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from jtbd.cluster import assign_noise, cluster_vectors, default_min_cluster_size, make_clusterer, renumber_by_size


def _unit_blobs(n_samples: int = 240, centers: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X, truth = make_blobs(n_samples=n_samples, centers=centers, n_features=16, cluster_std=0.6, random_state=seed)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), truth


def test_cluster_finds_blobs_deterministically():
    X, truth = _unit_blobs()
    first = cluster_vectors(X, min_cluster_size=10)
    second = cluster_vectors(X.copy(), min_cluster_size=10)
    assert np.array_equal(first, second)
    assert set(first.tolist()) - {-1} == {0, 1, 2, 3}
    clustered = first >= 0
    assert clustered.mean() > 0.8
    assert adjusted_rand_score(truth[clustered], first[clustered]) > 0.95


def test_cluster_partition_does_not_depend_on_input_order():
    X, _ = _unit_blobs(seed=3)
    order = np.random.default_rng(0).permutation(len(X))
    labels = cluster_vectors(X, min_cluster_size=10)
    permuted = cluster_vectors(X[order], min_cluster_size=10)
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


def test_cluster_make_clusterer_keeps_sklearn_contract():
    X, _ = _unit_blobs()
    clusterer = make_clusterer(len(X), min_cluster_size=12)
    assert clusterer.min_cluster_size == 12
    assert clusterer.fit(X.astype(np.float64)) is clusterer
    assert clusterer.labels_.shape == (len(X),)


def test_cluster_sklearn_estimator_drops_in():
    # The Clusterer protocol is sklearn's: fit(X) then .labels_; KMeans fits it.
    X, truth = _unit_blobs()
    labels = renumber_by_size(KMeans(n_clusters=4, n_init=4, random_state=0).fit(X).labels_)
    assert adjusted_rand_score(truth, labels) > 0.95


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
