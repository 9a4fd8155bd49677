"""The seams of the pipeline: one Protocol per stage. Any object that fits one can replace jtbd's own.

    reader     files -> Documents                        jtbd.ingest.CorpusReader
    extractor  Documents -> job statements                jtbd.extract.StatementExtractor (or by sentence, document)
    embedder   texts -> unit vectors                      jtbd.embed (MiniLM, the static model, hashing)
    clusterer  vectors -> cluster labels (-1 noise)       jtbd.clustering.JobClusterer; KMeans or HDBSCAN fit too
    themer     jobs -> themes (each job in one theme)     jtbd.themes.ThemeClusterer
    labeler    clusters -> titles, keyphrases, quotes     jtbd.label.CentralJobLabeler
    ranker     clusters over time -> growth, score, rank  jtbd.rank.GrowthRanker
    reporters  results -> files of the output folder      jtbd.report (JSON, CSV), report_text (Markdown), report_html

`jtbd.Pipeline` composes them; each stage's constructor only stores its arguments, as scikit-learn's do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from jtbd.records import ClusterRecord, Results
    from jtbd.types import ClusterLabel, Document, Extraction, IngestReport, RankedCluster, Statement

#: (done, total): how far a long stage has got.
ProgressFn = Callable[[int, int], None]


class Reader(Protocol):
    def read(self, path: Path) -> IngestReport: ...


class Extractor(Protocol):
    def extract(self, documents: Sequence[Document], *, progress: ProgressFn | None = None) -> Extraction: ...


class Embedder(Protocol):
    @property
    def model_id(self) -> str: ...  # sha256 of the weights (or a name for weightless models): the cache key

    @property
    def dimensions(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...  # (len(texts), dimensions), unit rows


@runtime_checkable
class Clusterer(Protocol):
    """scikit-learn's clustering contract: `fit(X)`, then `labels_` (one per row; -1 is noise)."""

    labels_: np.ndarray

    def fit(self, X: np.ndarray) -> Any: ...


class Themer(Protocol):
    """Groups whole jobs into themes: after `fit`, `theme_of_job_` (theme id per job id) and `labels_` (theme id per
    statement, -1 where the statement is in no job)."""

    labels_: np.ndarray
    theme_of_job_: np.ndarray

    def fit(self, vectors: np.ndarray, labels: np.ndarray) -> Any: ...


class Labeler(Protocol):
    def label(
        self, statements: Sequence[Statement], vectors: np.ndarray, labels: np.ndarray, *, recent: np.ndarray | None
    ) -> dict[int, ClusterLabel]: ...

    def quotes(
        self, statements: Sequence[Statement], vectors: np.ndarray, labels: np.ndarray, *, recent: np.ndarray | None
    ) -> dict[int, list[int]]: ...  # cluster id -> statement rows, as `label` picks them


class Ranker(Protocol):
    """Fitted to the corpus's dates first (which period and window growth is fitted over), then ranks."""

    def fit(self, dates: Sequence[Any]) -> Ranker: ...

    def in_window(self, statements: Sequence[Statement]) -> np.ndarray: ...  # bool per statement

    def rank(
        self,
        statements: Sequence[Statement],
        labels: np.ndarray,
        cluster_labels: dict[int, ClusterLabel],
        *,
        specificity: dict[int, float] | None = None,  # cluster id -> 0..1, a part of the score
    ) -> list[RankedCluster]: ...

    def rank_levels(  # jobs and themes, each (labels, names, specificity), false discoveries controlled together
        self,
        statements: Sequence[Statement],
        jobs: tuple[np.ndarray, dict[int, ClusterLabel], dict[int, float] | None],
        themes: tuple[np.ndarray, dict[int, ClusterLabel], dict[int, float] | None],
    ) -> tuple[list[RankedCluster], list[RankedCluster]]: ...

    def rescore(self, clusters: Sequence[ClusterRecord]) -> list[ClusterRecord]: ...  # score from parts, re-ranked


class Reporter(Protocol):
    """Renders some files of the output folder from the run's results alone."""

    @property
    def files(self) -> tuple[str, ...]: ...  # the names `render` returns

    def render(self, results: Results) -> dict[str, str]: ...  # file name -> text


class Progress(Protocol):
    """Where a run tells a person what it is doing (the CLI draws bars on stderr; the API stays silent)."""

    def stage(self, name: str, summary: str, seconds: float) -> None: ...
    def progress(self, name: str, done: int, total: int) -> None: ...
    def warn(self, message: str) -> None: ...


class SilentProgress:
    def stage(self, name: str, summary: str, seconds: float) -> None:
        pass

    def progress(self, name: str, done: int, total: int) -> None:
        pass

    def warn(self, message: str) -> None:
        pass
