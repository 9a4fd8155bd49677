"""Group statement vectors: exact cosine kNN graph + Leiden communities; -1 marks noise.

Chosen by measurement (benchmarks/clustering.py, README "Clustering benchmark"): on StackOverflow-20k it beats
BERTopic's UMAP + HDBSCAN on NMI and ARI and leaves no point as noise (only communities below min_cluster_size are
noise); HDBSCAN on the raw 384-d vectors marks most points noise, and PCA in front of it collapses. The clusterer
follows sklearn's contract (`fit(X)` then `.labels_`), so `hdbscan.HDBSCAN`, `KMeans` or any such estimator drops in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from jtbd.config import Config
from jtbd.errors import ConfigError

#: Neighbours per point in the similarity graph: BERTopic's UMAP default, and where NMI plateaus (k=10..30).
N_NEIGHBORS = 15
#: Modularity resolution: higher gives more, smaller clusters (README "Clustering benchmark" shows the trade-off).
#: One source for the default: the pipeline's `Config`.
RESOLUTION = Config.resolution
#: Cluster centroids at least this cosine-similar say the same thing and are merged.
MERGE_SIMILARITY = Config.merge_similarity
METHODS = ("leiden", "hdbscan")


class Clusterer(Protocol):
    labels_: np.ndarray

    def fit(self, X: np.ndarray) -> Any: ...


def default_min_cluster_size(n_points: int) -> int:
    """Smallest cluster worth reporting, growing slowly with the corpus: 5 at 2,000 statements, 25 at 50,000."""
    return max(5, round(math.sqrt(n_points) / 9))


class LeidenClusterer:
    """Leiden (modularity, `resolution`) on the symmetric cosine kNN graph of unit vectors.

    Deterministic for a given `random_state`. Communities smaller than `min_cluster_size` are noise (-1).
    """

    def __init__(
        self,
        *,
        min_cluster_size: int = 5,
        n_neighbors: int = N_NEIGHBORS,
        resolution: float = RESOLUTION,
        random_state: int | None = 0,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.n_neighbors = n_neighbors
        self.resolution = resolution
        self.random_state = random_state

    def fit(self, X: np.ndarray) -> LeidenClusterer:
        import igraph
        import leidenalg

        X = _unit_rows(np.asarray(X, dtype=np.float32))
        n_points = len(X)
        k = min(self.n_neighbors, n_points - 1)
        if k < 1:
            self.labels_ = np.full(n_points, -1, dtype=int)
            return self
        neighbours, similarity = knn_cosine(X, k)
        edges = np.stack([np.repeat(np.arange(n_points), k), neighbours.ravel()], axis=1)
        graph = igraph.Graph(n=n_points, edges=edges, directed=False)
        graph.es["weight"] = np.maximum(similarity.ravel(), 1e-6).astype(float)
        graph = graph.simplify(combine_edges="max")  # i->j and j->i become one edge
        partition = leidenalg.find_partition(
            graph,
            leidenalg.RBConfigurationVertexPartition,
            weights="weight",
            resolution_parameter=self.resolution,
            n_iterations=2,  # leidenalg's default; iterating to convergence took 4x longer for +0.005 NMI
            seed=0 if self.random_state is None else int(self.random_state) % 2**31,
        )
        labels = np.asarray(partition.membership, dtype=int)
        sizes = np.bincount(labels)
        labels[sizes[labels] < self.min_cluster_size] = -1
        self.labels_ = labels
        return self


def knn_cosine(X: np.ndarray, k: int, *, block_elements: int = 2**25) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of each unit row by cosine, self excluded: (indices, similarities), (n, k) each.

    Ties break by index, so the result is deterministic: a row's copies (a line a company reposts every month)
    come first, lowest index first. Identical rows are searched once: on whole HN, 56,581 statements hold 29,215
    distinct vectors, and the search took 7 s instead of 18 s. Computed in row blocks of at most
    `block_elements` similarities, so memory stays ~0.4 GB at any corpus size.
    """
    first, group, counts = _identical_rows(X)
    if len(first) == len(X):
        return _knn_distinct(X, k, block_elements)
    distinct = X[first]
    n_distinct_neighbours = min(k, len(first) - 1)
    if n_distinct_neighbours > 0:
        near, near_similarity = _knn_distinct(distinct, n_distinct_neighbours, block_elements)
    else:  # every row is a copy of one
        near, near_similarity = np.empty((1, 0), dtype=np.int64), np.empty((1, 0), dtype=np.float32)
    self_similarity = np.einsum("ij,ij->i", distinct, distinct)
    members = np.argsort(group, kind="stable")  # each group's rows, lowest index first
    bounds = np.concatenate([[0], np.cumsum(counts)])
    indices = np.empty((len(X), k), dtype=np.int64)
    similarities = np.empty((len(X), k), dtype=np.float32)
    lone = np.zeros(len(first), dtype=bool)  # a row without copies whose neighbours have none: nothing to expand
    if n_distinct_neighbours == k:
        lone = (counts == 1) & (counts[near] == 1).all(axis=1)
        indices[first[lone]] = first[near[lone]]
        similarities[first[lone]] = near_similarity[lone]
    for g in np.flatnonzero(~lone):
        copies = members[bounds[g] : bounds[g + 1]]
        # Candidates for every copy of g: the first k + 1 rows in order of similarity, then index (one is itself).
        rows, sims = [copies[: k + 1]], [np.full(min(len(copies), k + 1), self_similarity[g], dtype=np.float32)]
        taken = len(rows[0])
        for other, similarity in zip(near[g], near_similarity[g]):
            if taken > k:
                break
            more = members[bounds[other] : bounds[other + 1]][: k + 1 - taken]
            rows.append(more)
            sims.append(np.full(len(more), similarity, dtype=np.float32))
            taken += len(more)
        candidates, candidate_similarity = np.concatenate(rows), np.concatenate(sims)
        order = np.lexsort((candidates, -candidate_similarity))
        candidates, candidate_similarity = candidates[order], candidate_similarity[order]
        for row in copies:
            keep = candidates != row
            indices[row] = candidates[keep][:k]
            similarities[row] = candidate_similarity[keep][:k]
    return indices, similarities


def _identical_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Groups of identical rows, in order of first appearance: (first row of each group, each row's group, sizes)."""
    as_bytes = np.ascontiguousarray(X).view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
    _, first, group, counts = np.unique(as_bytes, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(first)
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    return first[order], renumber[group.ravel()], counts[order]


def _knn_distinct(X: np.ndarray, k: int, block_elements: int) -> tuple[np.ndarray, np.ndarray]:
    """`knn_cosine` over rows that are all different from each other."""
    n_points = len(X)
    indices = np.empty((n_points, k), dtype=np.int64)
    similarities = np.empty((n_points, k), dtype=np.float32)
    step = max(1, block_elements // max(n_points, 1))
    for start in range(0, n_points, step):
        block = X[start : start + step] @ X.T
        rows = np.arange(len(block))
        block[rows, start + rows] = -np.inf
        top = np.argpartition(block, -k, axis=1)[:, -k:]  # partitioning `-block` would copy it and take 3x longer
        top_sim = np.take_along_axis(block, top, axis=1)
        order = np.lexsort((top, -top_sim), axis=1)
        indices[start : start + step] = np.take_along_axis(top, order, axis=1)
        similarities[start : start + step] = np.take_along_axis(top_sim, order, axis=1)
    return indices, similarities


def make_clusterer(
    n_points: int,
    *,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    method: str = "leiden",
    resolution: float = RESOLUTION,
    seed: int | None = 0,
) -> Clusterer:
    """The clusterer `method` names, sized for `n_points`; `min_samples` applies to HDBSCAN only."""
    size = min_cluster_size or default_min_cluster_size(n_points)
    if method == "leiden":
        return LeidenClusterer(min_cluster_size=size, resolution=resolution, random_state=seed)
    if method == "hdbscan":  # the previous default, kept for comparison: deterministic, ignores the seed
        import hdbscan

        return hdbscan.HDBSCAN(
            min_cluster_size=size,
            min_samples=min_samples or max(2, size // 3),
            metric="euclidean",  # on unit vectors, euclidean ranks neighbours exactly as cosine does
            cluster_selection_method="leaf",
            core_dist_n_jobs=1,
        )
    raise ConfigError(f"cluster_method must be one of {', '.join(METHODS)}. Got {method!r}.")


def cluster_vectors(
    vectors: np.ndarray,
    *,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    method: str = "leiden",
    resolution: float = RESOLUTION,
    seed: int | None = 0,
) -> np.ndarray:
    """Cluster labels for each row of `vectors` (n, dims): 0..k-1, or -1 for noise.

    Labels are renumbered by decreasing cluster size, so the same input and seed always give the same numbering.
    Fewer points than two clusters' worth gives all noise.
    """
    n_points = len(vectors)
    size = min_cluster_size or default_min_cluster_size(n_points)
    if n_points < 2 * size:
        return np.full(n_points, -1, dtype=int)
    clusterer = make_clusterer(
        n_points, min_cluster_size=size, min_samples=min_samples, method=method, resolution=resolution, seed=seed
    )
    clusterer.fit(vectors.astype(np.float64) if method == "hdbscan" else vectors)
    return renumber_by_size(np.asarray(clusterer.labels_))


def renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 from largest to smallest (ties by first appearance); noise stays -1."""
    ids, first, counts = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): new for new, i in enumerate(order)}
    return np.array([mapping.get(int(label), -1) for label in labels], dtype=int)


def _centroids(vectors: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Unit-length mean of each cluster's rows, (n_clusters, dims)."""
    return _unit_rows(_cluster_sums(vectors, labels, n_clusters))


def _cluster_sums(vectors: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum of each cluster's rows in float64, (n_clusters, dims); noise (-1) left out. One bincount per column adds
    in row order as `np.add.at` does, with the same result, about 6x faster (`np.add.at` took 2.2 s of a whole-HN
    cluster stage's 15 s)."""
    member = labels >= 0
    rows, columns = labels[member], vectors[member]
    return np.stack(
        [np.bincount(rows, weights=columns[:, d], minlength=n_clusters) for d in range(vectors.shape[1])], 1
    )


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def assign_noise(vectors: np.ndarray, labels: np.ndarray, *, min_similarity: float) -> np.ndarray:
    """Give each noise point to the cluster whose centroid is nearest, when their cosine similarity is at least
    `min_similarity`; the rest stay -1. Centroids are computed from the original members only.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters == 0 or min_similarity >= 1:
        return labels
    centroids = _centroids(vectors, labels, n_clusters)
    noise = np.flatnonzero(labels < 0)
    out = labels.copy()
    if len(noise):
        similarity = vectors[noise] @ centroids.T
        best = similarity.argmax(axis=1)
        close = similarity[np.arange(len(noise)), best] >= min_similarity
        out[noise[close]] = best[close]
    return out


def merge_near_duplicates(vectors: np.ndarray, labels: np.ndarray, *, min_similarity: float) -> np.ndarray:
    """Merge clusters whose centroids are at least `min_similarity` cosine-similar, most similar pair first
    (centroid linkage, sizes weighted), then renumber by size. Noise stays -1; 1 or more merges nothing.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters < 2 or min_similarity >= 1:
        return labels
    sums = _cluster_sums(vectors, labels, n_clusters)
    target = np.arange(n_clusters)
    alive = np.ones(n_clusters, dtype=bool)
    while alive.sum() > 1:
        centroids = _unit_rows(sums)
        similarity = centroids @ centroids.T
        similarity[~alive] = -np.inf
        similarity[:, ~alive] = -np.inf
        np.fill_diagonal(similarity, -np.inf)
        a, b = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[a, b] < min_similarity:
            break
        keep, gone = min(a, b), max(a, b)
        sums[keep] += sums[gone]
        sums[gone] = 0
        alive[gone] = False
        target[target == gone] = keep
    out = np.where(labels >= 0, target[np.maximum(labels, 0)], -1)
    return renumber_by_size(out)


def dissolve_incoherent(vectors: np.ndarray, labels: np.ndarray, *, min_ratio: float) -> np.ndarray:
    """Turn into noise every cluster whose cohesion (mean cosine of members to their centroid) is below
    `min_ratio` times the median cohesion of all clusters, then renumber by size.

    A graph clustering puts every point somewhere, so statements that share nothing but vagueness ("is it a good
    use of time") gather into one big mixed bag; it is not a job, and as the widest cluster it would top the
    ranking. 0 keeps every cluster.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters < 3 or min_ratio <= 0:
        return labels
    centroids = _centroids(vectors, labels, n_clusters)
    member = labels[labels >= 0]
    similarity = np.einsum("ij,ij->i", vectors[labels >= 0], centroids[member])
    cohesion = np.bincount(member, weights=similarity, minlength=n_clusters) / np.bincount(member, minlength=n_clusters)
    incoherent = np.flatnonzero(cohesion < min_ratio * np.median(cohesion))
    if not len(incoherent):
        return labels
    return renumber_by_size(np.where(np.isin(labels, incoherent), -1, labels))


def dissolve_few_voices(labels: np.ndarray, voices: Sequence[str], *, min_voices: int) -> tuple[np.ndarray, int]:
    """Turn into noise every cluster said by fewer than `min_voices` distinct voices (`Statement.voice`), then
    renumber by size; also return how many clusters went.

    One company's line reposted every month, or one loud commenter, makes a dense cluster of near-identical
    statements: many statements, one voice, and not a job that recurs across a market. In HN's postings and replies,
    45 of 163 clusters had fewer voices than `min_cluster_size` ("find and fix errors faster": 54 of 56 statements
    by one author).
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters == 0 or min_voices <= 1:
        return labels, 0
    said_by: dict[int, set[str]] = {}
    for label, voice in zip(labels.tolist(), voices):
        if label >= 0:
            said_by.setdefault(label, set()).add(voice)
    few = [c for c in range(n_clusters) if len(said_by.get(c, ())) < min_voices]
    if not few:
        return labels, 0
    return renumber_by_size(np.where(np.isin(labels, few), -1, labels)), len(few)


@dataclass(frozen=True)
class Stability:
    """How well a clustering comes back when re-run on subsamples under other seeds."""

    per_cluster: dict[int, float]  # cluster id -> mean over runs of its best-match Jaccard (1.0 = always back)
    mean_ari: float  # mean ARI between the reference labels and each run, on the points both cover
    n_runs: int
    subsample: float


def cluster_stability(
    vectors: np.ndarray,
    labels: np.ndarray,
    *,
    n_runs: int = 5,
    subsample: float = 0.8,
    seed: int = 0,
    **cluster_options: Any,
) -> Stability:
    """Re-cluster `n_runs` random subsamples (fraction `subsample`, seeds seed+1..) and score each cluster of
    `labels` by its best-match Jaccard in each run (points outside the subsample are left out of both sides).

    `cluster_options` go to `cluster_vectors` (pass the options that produced `labels`). Costs n_runs clusterings.
    """
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    cluster_ids = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    scores: dict[int, list[float]] = {c: [] for c in cluster_ids}
    aris = []
    for run in range(n_runs):
        rows = np.sort(rng.choice(len(vectors), size=max(2, round(subsample * len(vectors))), replace=False))
        rerun = cluster_vectors(vectors[rows], seed=seed + 1 + run, **cluster_options)
        reference = labels[rows]
        aris.append(float(adjusted_rand_score(reference, rerun)))
        for cluster in cluster_ids:
            members = reference == cluster
            if not members.any():
                continue
            overlap = np.bincount(rerun[members & (rerun >= 0)], minlength=int(rerun.max()) + 1)
            sizes = np.bincount(rerun[rerun >= 0], minlength=len(overlap))
            jaccard = overlap / np.maximum(members.sum() + sizes - overlap, 1)
            scores[cluster].append(float(jaccard.max()) if len(jaccard) else 0.0)
    per_cluster = {c: float(np.mean(s)) if s else 0.0 for c, s in scores.items()}
    return Stability(per_cluster, float(np.mean(aris)) if aris else 1.0, n_runs, subsample)


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # cluster id per row, 0..k-1 by size, -1 noise
    clusterer_noise_share: float  # noise as the clusterer left it, before assignment, merges and dissolving
    min_cluster_size: int
    min_voices: int  # distinct voices a cluster needs to be a job: config.min_voices, else min_cluster_size
    n_few_voice: int = 0  # clusters dissolved for being said by fewer than min_voices voices


def cluster_with_config(vectors: np.ndarray, config: Config, voices: Sequence[str] | None = None) -> Clustering:
    """The whole cluster stage as the pipeline runs it (benchmarks call this too, so they measure the product):
    cluster, give noise to near clusters, merge near-duplicates, dissolve mixed bags and, given each row's voice,
    clusters said by fewer than `config.min_voices` voices (by default as many as a cluster needs statements)."""
    size = config.min_cluster_size or default_min_cluster_size(len(vectors))
    labels = cluster_vectors(
        vectors,
        min_cluster_size=size,
        min_samples=config.min_samples,
        method=config.cluster_method,
        resolution=config.resolution,
        seed=config.seed,
    )
    raw_noise = float((labels < 0).mean()) if len(labels) else 0.0
    labels = assign_noise(vectors, labels, min_similarity=config.noise_similarity)
    labels = merge_near_duplicates(vectors, labels, min_similarity=config.merge_similarity)
    labels = dissolve_incoherent(vectors, labels, min_ratio=config.min_cohesion_ratio)
    min_voices, n_few_voice = config.min_voices or size, 0
    if voices is not None:
        labels, n_few_voice = dissolve_few_voices(labels, voices, min_voices=min_voices)
    return Clustering(labels, raw_noise, size, min_voices, n_few_voice)
