"""Group statement vectors into jobs: a kNN graph + Leiden, then the clean-up that makes each cluster a job.

`JobClusterer` is the cluster stage: it follows scikit-learn's contract (`fit(X)`, then `labels_`; -1 is noise) and
owns its whole procedure, so a re-run on a subsample (`cluster_stability`) repeats exactly what made the labels.
Any estimator with that contract (`sklearn.cluster.KMeans`, `hdbscan.HDBSCAN`) can take its place in a `Pipeline`.
`cluster_statements` adds the one rule that holds for every clusterer: a job is said by many voices.

Why a kNN graph and Leiden rather than UMAP + HDBSCAN: docs/method.md, "Clustering".
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, clone

from jtbd.config import Config
from jtbd.errors import ConfigError
from jtbd.knn import identical_rows, knn_cosine
from jtbd.stages import Clusterer

#: Neighbours per point in the similarity graph: BERTopic's UMAP default, and where NMI plateaus (k=10..30).
N_NEIGHBORS = 15


def default_min_cluster_size(n_points: int) -> int:
    """Smallest cluster worth reporting, growing slowly with the corpus: 5 at 2,000 statements, 25 at 50,000."""
    return max(5, round(math.sqrt(n_points) / 9))


class LeidenClusterer(BaseEstimator, ClusterMixin):
    """Leiden (modularity, `resolution`) on the symmetric cosine kNN graph of unit vectors.

    Deterministic for a given `random_state`. Communities smaller than `min_cluster_size` are noise (-1).
    """

    def __init__(
        self,
        *,
        min_cluster_size: int = 5,
        n_neighbors: int = N_NEIGHBORS,
        resolution: float = Config.resolution,
        random_state: int | None = Config.seed,
        knn: str = Config.knn,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.n_neighbors = n_neighbors
        self.resolution = resolution
        self.random_state = random_state
        self.knn = knn

    def fit(self, X: np.ndarray, y: Any = None) -> LeidenClusterer:
        import igraph
        import leidenalg

        X = unit_rows(np.asarray(X, dtype=np.float32))
        n_points = len(X)
        k = min(self.n_neighbors, n_points - 1)
        if k < 1:
            self.labels_ = np.full(n_points, -1, dtype=int)
            return self
        neighbours, similarity = knn_cosine(X, k, method=self.knn)
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
        # Many copies of one vector link only to the first k of them, and modularity cuts that star into
        # singletons. Copies left all in noise, enough to make a cluster, are one: a line many say is a job.
        first, group, counts = identical_rows(X)
        for g in np.flatnonzero(counts >= self.min_cluster_size):
            rows = group == g
            if (labels[rows] < 0).all():
                labels[rows] = labels.max() + 1
        self.labels_ = labels
        return self


def _leiden(size: int, min_samples: int | None, resolution: float, seed: int | None) -> Clusterer:
    return LeidenClusterer(min_cluster_size=size, resolution=resolution, random_state=seed)


def _hdbscan(size: int, min_samples: int | None, resolution: float, seed: int | None) -> Clusterer:
    """HDBSCAN on the raw vectors (the default before Leiden, kept for comparison): deterministic, ignores seed."""
    import hdbscan

    return hdbscan.HDBSCAN(
        min_cluster_size=size,
        min_samples=min_samples or max(2, size // 3),
        metric="euclidean",  # on unit vectors, euclidean ranks neighbours exactly as cosine does
        cluster_selection_method="leaf",
        core_dist_n_jobs=1,
    )


#: The base algorithms `Config.cluster_method` names: (min_cluster_size, min_samples, resolution, seed) -> estimator.
METHODS: dict[str, Callable[[int, int | None, float, int | None], Clusterer]] = {
    "leiden": _leiden,
    "hdbscan": _hdbscan,
}


class JobClusterer(BaseEstimator, ClusterMixin):
    """The cluster stage: a base clustering (`method`), then noise joins a near cluster, near-duplicate clusters
    merge and mixed bags dissolve. Labels are numbered by size, largest first; -1 is noise.

    After `fit`: `labels_`, `min_cluster_size_` (resolved from the corpus size when None) and
    `clusterer_noise_share_` (noise as the base clustering left it, before the clean-up).
    """

    def __init__(
        self,
        method: str = Config.cluster_method,
        *,
        min_cluster_size: int | None = Config.min_cluster_size,
        min_samples: int | None = Config.min_samples,
        resolution: float = Config.resolution,
        noise_similarity: float = Config.noise_similarity,
        merge_similarity: float = Config.merge_similarity,
        min_cohesion_ratio: float = Config.min_cohesion_ratio,
        random_state: int | None = Config.seed,
        knn: str = Config.knn,
    ) -> None:
        self.method = method
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.resolution = resolution
        self.noise_similarity = noise_similarity
        self.merge_similarity = merge_similarity
        self.min_cohesion_ratio = min_cohesion_ratio
        self.random_state = random_state
        self.knn = knn

    @classmethod
    def from_config(cls, config: Config) -> JobClusterer:
        if config.cluster_method not in METHODS:
            raise ConfigError(f"cluster_method must be one of {', '.join(METHODS)}. Got {config.cluster_method!r}.")
        return cls(
            config.cluster_method,
            min_cluster_size=config.min_cluster_size,
            min_samples=config.min_samples,
            resolution=config.resolution,
            noise_similarity=config.noise_similarity,
            merge_similarity=config.merge_similarity,
            min_cohesion_ratio=config.min_cohesion_ratio,
            random_state=config.seed,
            knn=config.knn,
        )

    def fit(self, X: np.ndarray, y: Any = None) -> JobClusterer:
        if self.method not in METHODS:
            raise ConfigError(f"cluster_method must be one of {', '.join(METHODS)}. Got {self.method!r}.")
        X = np.asarray(X)
        size = self.min_cluster_size or default_min_cluster_size(len(X))
        labels = np.full(len(X), -1, dtype=int)
        if len(X) >= 2 * size:  # fewer points than two clusters' worth: all noise
            base = METHODS[self.method](size, self.min_samples, self.resolution, self.random_state)
            if isinstance(base, LeidenClusterer):  # the kNN graph method: exact or approximate search
                base.knn = self.knn
            base.fit(X.astype(np.float64) if self.method == "hdbscan" else X)
            labels = renumber_by_size(np.asarray(base.labels_))
        self.min_cluster_size_ = size
        self.clusterer_noise_share_ = float((labels < 0).mean()) if len(labels) else 0.0
        labels = assign_noise(X, labels, min_similarity=self.noise_similarity)
        labels = merge_near_duplicates(X, labels, min_similarity=self.merge_similarity)
        self.labels_ = dissolve_incoherent(X, labels, min_ratio=self.min_cohesion_ratio)
        return self


def renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 from largest to smallest (ties by first appearance); noise stays -1."""
    ids, first, counts = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): new for new, i in enumerate(order)}
    return np.array([mapping.get(int(label), -1) for label in labels], dtype=int)


def centroids(vectors: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Unit-length mean of each cluster's rows, (n_clusters, dims)."""
    return unit_rows(cluster_sums(vectors, labels, n_clusters))


def cluster_sums(vectors: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum of each cluster's rows in float64, (n_clusters, dims); noise (-1) left out. One bincount per column adds
    in row order, as `np.add.at` does, to the bit (merges and noise assignment compare centroids with fixed
    thresholds), and about 6x faster."""
    member = labels >= 0
    rows, columns = labels[member], vectors[member]
    return np.stack(
        [np.bincount(rows, weights=columns[:, d], minlength=n_clusters) for d in range(vectors.shape[1])], 1
    )


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def assign_noise(vectors: np.ndarray, labels: np.ndarray, *, min_similarity: float) -> np.ndarray:
    """Give each noise point to the cluster whose centroid is nearest, when their cosine similarity is at least
    `min_similarity`; the rest stay -1. Centroids are computed from the original members only.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters == 0 or min_similarity >= 1:
        return labels
    noise = np.flatnonzero(labels < 0)
    out = labels.copy()
    if len(noise):
        similarity = vectors[noise] @ centroids(vectors, labels, n_clusters).T
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
    sums = cluster_sums(vectors, labels, n_clusters)
    target = np.arange(n_clusters)
    alive = np.ones(n_clusters, dtype=bool)
    while alive.sum() > 1:
        unit = unit_rows(sums)
        similarity = unit @ unit.T
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
    member = labels[labels >= 0]
    similarity = np.einsum("ij,ij->i", vectors[labels >= 0], centroids(vectors, labels, n_clusters)[member])
    cohesion = np.bincount(member, weights=similarity, minlength=n_clusters) / np.bincount(member, minlength=n_clusters)
    incoherent = np.flatnonzero(cohesion < min_ratio * np.median(cohesion))
    if not len(incoherent):
        return labels
    return renumber_by_size(np.where(np.isin(labels, incoherent), -1, labels))


def specificity(vectors: np.ndarray, labels: np.ndarray) -> dict[int, float]:
    """How far each cluster's centre lies from the centre of all clusters (each cluster counted once, so a large
    one does not pull the centre to itself), over the farthest one's distance: 1 for the most distinctive cluster,
    near 0 for one at the centre. Lines any company or anyone could write ("build great products", "collaborate with
    engineering teams") sit near the centre of everything said; a job that names its customers, domain or object
    sits far from it. Clusters about equally far apart all get about 1."""
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters == 0:
        return {}
    centres = centroids(vectors, labels, n_clusters)
    whole = unit_rows(centres.mean(axis=0, keepdims=True))[0]
    distance = np.clip(1.0 - centres @ whole, 0.0, None)
    farthest = float(distance.max())
    scaled = distance / farthest if farthest > 0 else np.ones(n_clusters)
    return {c: round(float(scaled[c]), 4) for c in range(n_clusters)}


def dissolve_few_voices(labels: np.ndarray, voices: Sequence[str], *, min_voices: int) -> tuple[np.ndarray, int]:
    """Turn into noise every cluster said by fewer than `min_voices` distinct voices (`Statement.voice`), then
    renumber by size; also return how many clusters went.

    One company's line reposted every month, or one loud commenter, makes a dense cluster of near-identical
    statements: many statements, one voice, and not a job that recurs across a market.
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
class Clustering:
    """What the cluster stage found."""

    labels: np.ndarray  # cluster id per row, 0..k-1 by size, -1 noise
    clusterer_noise_share: float  # noise as the base clustering left it, before assignment, merges and dissolving
    min_cluster_size: int
    min_voices: int  # distinct voices a cluster needs to be a job
    n_few_voice: int = 0  # clusters dissolved for being said by fewer than min_voices voices

    @property
    def n_clusters(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) else 0

    @property
    def noise_share(self) -> float:
        return float((self.labels < 0).mean()) if len(self.labels) else 0.0


def cluster_statements(
    clusterer: Clusterer,
    vectors: np.ndarray,
    voices: Sequence[str],
    *,
    min_voices: int | None = None,
    groups: Sequence[str] | None = None,
) -> Clustering:
    """Fit `clusterer` to the statement vectors, number its clusters by size, and dissolve those said by fewer than
    `min_voices` distinct voices (None: as many as the clusterer's smallest cluster holds statements).

    With `groups` (one name per statement, e.g. `statement_side`), each group is clustered on its own by a fresh
    copy of `clusterer`, so no cluster mixes two groups. Benchmarks call this too, so they measure what the product
    does.
    """
    names = sorted(set(groups)) if groups is not None else []
    if len(names) < 2:
        clusterer.fit(vectors)
        size = getattr(clusterer, "min_cluster_size_", None) or default_min_cluster_size(len(vectors))
        labels = renumber_by_size(np.asarray(clusterer.labels_))
        raw_noise = getattr(clusterer, "clusterer_noise_share_", float((labels < 0).mean()) if len(labels) else 0.0)
    else:
        group_of = np.array([names.index(g) for g in groups or []])
        labels, raw_noise, size = np.full(len(vectors), -1), 0.0, 0
        for g in range(len(names)):
            rows = np.flatnonzero(group_of == g)
            part = cluster_statements(
                refit_copy(clusterer), vectors[rows], [voices[int(r)] for r in rows], min_voices=1
            )
            labels[rows] = np.where(part.labels >= 0, part.labels + labels.max() + 1, -1)
            raw_noise += part.clusterer_noise_share * len(rows) / len(vectors)
            size = max(size, part.min_cluster_size)
        labels = renumber_by_size(labels)
    min_voices = min_voices or size
    labels, n_few_voice = dissolve_few_voices(labels, voices, min_voices=min_voices)
    return Clustering(labels, raw_noise, size, min_voices, n_few_voice)


def statement_side(kind: str) -> str:
    """Which ranking a statement's kind belongs to: "role_work" (what a company pays staff to do) or "customer"."""
    return "role_work" if kind == "role_work" else "customer"


def refit_copy(clusterer: Clusterer, **params: Any) -> Clusterer:
    """An unfitted copy of `clusterer` with those of `params` it takes (scikit-learn's `clone`, else a deep copy)."""
    try:
        fresh = clone(clusterer)
    except (TypeError, RuntimeError):  # not a scikit-learn estimator: no get_params
        return copy.deepcopy(clusterer)
    known = fresh.get_params(deep=False)
    return fresh.set_params(**{name: value for name, value in params.items() if name in known})


@dataclass(frozen=True)
class Stability:
    """How well a clustering comes back when re-run on subsamples under other seeds."""

    per_cluster: dict[int, float]  # cluster id -> mean over runs of its best-match Jaccard (1.0 = always back)
    mean_ari: float  # mean ARI between the reference labels and each run, on the points both cover
    n_runs: int
    subsample: float

    def get(self, cluster_id: int) -> float | None:
        return self.per_cluster.get(cluster_id)


def cluster_stability(
    recluster: Callable[[np.ndarray, int], np.ndarray],
    labels: np.ndarray,
    *,
    n_runs: int = 5,
    subsample: float = 0.8,
    seed: int = Config.seed,
) -> Stability:
    """Re-cluster `n_runs` random subsamples (fraction `subsample`, seeds seed+1..) with `recluster(rows, seed)`,
    which must repeat the whole procedure that made `labels` on those rows, and score each cluster of `labels` by
    its best-match Jaccard in each run (points outside the subsample are left out of both sides)."""
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    cluster_ids = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    scores: dict[int, list[float]] = {c: [] for c in cluster_ids}
    aris = []
    for run in range(n_runs):
        rows = np.sort(rng.choice(len(labels), size=max(2, round(subsample * len(labels))), replace=False))
        rerun = recluster(rows, seed + 1 + run)
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
