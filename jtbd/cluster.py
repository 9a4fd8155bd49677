"""Group statement vectors with HDBSCAN; -1 marks noise.

The clusterer follows sklearn's contract (`fit(X)` then `.labels_`), so any such estimator drops in.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np


class Clusterer(Protocol):
    labels_: np.ndarray

    def fit(self, X: np.ndarray) -> Any: ...


def default_min_cluster_size(n_points: int) -> int:
    """Smallest cluster worth reporting, growing slowly with the corpus: 5 at 2,000 statements, 25 at 50,000."""
    return max(5, round(math.sqrt(n_points) / 9))


def make_clusterer(n_points: int, *, min_cluster_size: int | None = None, min_samples: int | None = None) -> Clusterer:
    import hdbscan

    size = min_cluster_size or default_min_cluster_size(n_points)
    return hdbscan.HDBSCAN(
        min_cluster_size=size,
        min_samples=min_samples or max(2, size // 3),
        metric="euclidean",  # on unit vectors, euclidean ranks neighbours exactly as cosine does
        cluster_selection_method="leaf",
        core_dist_n_jobs=1,
    )


def cluster_vectors(
    vectors: np.ndarray, *, min_cluster_size: int | None = None, min_samples: int | None = None
) -> np.ndarray:
    """Cluster labels for each row of `vectors` (n, dims): 0..k-1, or -1 for noise.

    Labels are renumbered by decreasing cluster size, so the same input always gives the same numbering.
    Fewer points than two clusters' worth gives all noise.
    """
    n_points = len(vectors)
    size = min_cluster_size or default_min_cluster_size(n_points)
    if n_points < 2 * size:
        return np.full(n_points, -1, dtype=int)
    clusterer = make_clusterer(n_points, min_cluster_size=size, min_samples=min_samples)
    clusterer.fit(vectors.astype(np.float64))
    return renumber_by_size(np.asarray(clusterer.labels_))


def renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 from largest to smallest (ties by first appearance); noise stays -1."""
    ids, first, counts = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): new for new, i in enumerate(order)}
    return np.array([mapping.get(int(label), -1) for label in labels], dtype=int)


def assign_noise(vectors: np.ndarray, labels: np.ndarray, *, min_similarity: float) -> np.ndarray:
    """Give each noise point to the cluster whose centroid is nearest, when their cosine similarity is at least
    `min_similarity`; the rest stay -1. Centroids are computed from the original members only.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters == 0 or min_similarity >= 1:
        return labels
    centroids = np.stack([vectors[labels == c].mean(axis=0) for c in range(n_clusters)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    noise = np.flatnonzero(labels < 0)
    out = labels.copy()
    if len(noise):
        similarity = vectors[noise] @ centroids.T
        best = similarity.argmax(axis=1)
        close = similarity[np.arange(len(noise)), best] >= min_similarity
        out[noise[close]] = best[close]
    return out
