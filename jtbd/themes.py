"""Group jobs into themes: the topics ("pricing", "payments and compliance", "AI agents") that span several jobs.

A theme is a set of whole jobs (each job in exactly one theme), so its statements are its jobs' statements, and its
growth, label and score come from the same rank and label stages as a job's. A growing topic that is split over
many job clusters, each with a handful of voices and a wide interval, is one theme with all of them.

`ThemeClusterer` is the theme stage; how the method was chosen: docs/method.md, "Themes".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jtbd.clustering import LeidenClusterer, centroids, renumber_by_size
from jtbd.config import Config
from jtbd.errors import ConfigError

METHODS = ("agglomerative", "leiden")


class ThemeClusterer:
    """Themes of jobs: `agglomerative` joins jobs whose centres are within `distance` (cosine, average linkage);
    `leiden` runs Leiden at a low `resolution` on the statements and gives each job the community most of its
    statements fall in.

    After `fit(vectors, labels)`: `theme_of_job_` (theme id per job id) and `labels_` (theme id per statement,
    -1 where the statement is in no job). Themes are numbered by size, largest first.
    """

    def __init__(
        self,
        method: str = Config.theme_method,
        *,
        distance: float = Config.theme_distance,
        resolution: float = 0.5,
        random_state: int | None = Config.seed,
    ) -> None:
        self.method = method
        self.distance = distance
        self.resolution = resolution
        self.random_state = random_state

    @classmethod
    def from_config(cls, config: Config) -> ThemeClusterer:
        return cls(config.theme_method, distance=config.theme_distance, random_state=config.seed)

    def fit(self, vectors: np.ndarray, labels: np.ndarray) -> ThemeClusterer:
        if self.method not in METHODS:
            raise ConfigError(f"theme_method must be one of {', '.join(METHODS)}. Got {self.method!r}.")
        n_jobs = int(labels.max()) + 1 if len(labels) else 0
        if n_jobs < 2:
            groups = np.zeros(n_jobs, dtype=int)
        elif self.method == "agglomerative":
            groups = self._agglomerate(centroids(vectors, labels, n_jobs))
        else:
            groups = self._communities(vectors, labels, n_jobs)
        statement_themes = np.where(labels >= 0, groups[np.maximum(labels, 0)], -1) if n_jobs else labels.copy()
        self.labels_ = renumber_by_size(statement_themes)
        self.theme_of_job_ = np.array([int(self.labels_[np.argmax(labels == job)]) for job in range(n_jobs)], dtype=int)
        return self

    def _agglomerate(self, centres: np.ndarray) -> np.ndarray:
        from sklearn.cluster import AgglomerativeClustering

        model = AgglomerativeClustering(
            n_clusters=None, distance_threshold=self.distance, metric="cosine", linkage="average"
        )
        return np.asarray(model.fit(centres).labels_, dtype=int)

    def _communities(self, vectors: np.ndarray, labels: np.ndarray, n_jobs: int) -> np.ndarray:
        coarse = LeidenClusterer(min_cluster_size=1, resolution=self.resolution, random_state=self.random_state)
        community = coarse.fit(vectors).labels_
        groups = np.empty(n_jobs, dtype=int)
        for job in range(n_jobs):
            groups[job] = np.bincount(community[labels == job]).argmax()
        return groups


def theme_members(theme_of_job: np.ndarray) -> dict[int, list[int]]:
    """Theme id -> its job ids, in order."""
    out: dict[int, list[int]] = {}
    for job, theme in enumerate(theme_of_job.tolist()):
        out.setdefault(theme, []).append(job)
    return out


def describe(theme_of_job: np.ndarray) -> dict[str, Any]:
    """How many themes, and how many jobs the largest holds (for the run's summary line)."""
    sizes = np.bincount(theme_of_job) if len(theme_of_job) else np.zeros(0, dtype=int)
    return {"themes": int(len(sizes)), "largest": int(sizes.max()) if len(sizes) else 0}
