"""Compose the stages: ingest -> extract -> embed -> cluster -> label -> rank -> report.

`Pipeline` holds one object per stage (the seams are listed in `jtbd.stages`); `Pipeline.from_config` builds jtbd's
own from a `Config`, and any object that fits a stage's Protocol can take its place:

    jtbd.cluster("corpus/", clusterer=KMeans(n_clusters=8))
    Pipeline.from_config(config, embedder=MyEmbedder()).run("corpus/")

`rerender` ranks and renders a finished run again (`jtbd report`) with the same rank and label stages.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from jtbd import history
from jtbd.clustering import JobClusterer, cluster_stability, cluster_statements, refit_copy
from jtbd.config import Config, load_config
from jtbd.embed import EmbeddingCache, cached_vectors, embed_texts, make_embedder
from jtbd.errors import ConfigError
from jtbd.extract import EXTRACTORS
from jtbd.ingest import CorpusReader
from jtbd.label import CentralJobLabeler, cluster_map
from jtbd.models import get_spec
from jtbd.periods import MIN_MONTHS_FOR_MONTHLY, resolve_period
from jtbd.rank import GrowthRanker
from jtbd.records import ClusterRecord, Quote, Results, RunRecord
from jtbd.report import (
    check_out_dir,
    default_reporters,
    has_urls,
    output_files,
    read_assignments,
    read_results,
    render_all,
    rewrite_files,
    write_run_folder,
)
from jtbd.stages import Clusterer, Embedder, Extractor, Labeler, Progress, Ranker, Reader, Reporter, SilentProgress
from jtbd.types import ClusterLabel, Document, RankedCluster, Statement

#: The stages a Pipeline holds, in the order they run.
STAGES = ("reader", "extractor", "embedder", "clusterer", "labeler", "ranker", "reporters")
#: Packages whose versions run.json records.
PACKAGES = (
    "jtbd",
    "numpy",
    "torch",
    "sentence-transformers",
    "transformers",
    "spacy",
    "hdbscan",
    "leidenalg",
    "igraph",
    "scikit-learn",
    "duckdb",
)
#: The files `jtbd report` renders again when nothing about the ranking changes.
VIEWS = ("report.md", "report.html")


def make_extractor(config: Config) -> Extractor:
    """The extractor `config.unit` names, caching in the home folder."""
    if config.unit not in EXTRACTORS:
        raise ConfigError(f"unit must be one of {', '.join(EXTRACTORS)}. Got {config.unit!r}.")
    return EXTRACTORS[config.unit](config.home_path / "cache.duckdb")


#: How `Pipeline.from_config` builds each of jtbd's own stages from a Config. Stage classes that are chosen by
#: name keep their registry beside them: `extract.EXTRACTORS`, `embed.EMBEDDERS`, `clustering.METHODS`.
BUILDERS: dict[str, Callable[[Config], Any]] = {
    "reader": CorpusReader.from_config,
    "extractor": make_extractor,
    "embedder": lambda config: make_embedder(config.model, batch_size=config.batch_size),
    "clusterer": JobClusterer.from_config,
    "labeler": CentralJobLabeler.from_config,
    "ranker": GrowthRanker.from_config,
    "reporters": lambda config: default_reporters(),
}


@dataclass(frozen=True)
class Run:
    """Everything a run produced; the files are under `out_dir`."""

    out_dir: Path
    report_path: Path
    config: Config
    n_documents: int
    statements: list[Statement]
    labels: np.ndarray  # cluster id per statement, -1 = noise
    clusters: list[RankedCluster]  # in rank order; `results.clusters` are the same as clusters.json has them
    results: Results
    timings: dict[str, float]
    warnings: list[str]

    @property
    def info(self) -> dict[str, Any]:
        """run.json's content."""
        return self.results.run.to_json()


@dataclass
class Pipeline:
    """One object per stage, and the settings they were built from (recorded in run.json)."""

    config: Config
    reader: Reader
    extractor: Extractor
    embedder: Embedder
    clusterer: Clusterer
    labeler: Labeler
    ranker: Ranker
    reporters: Sequence[Reporter]
    custom: dict[str, str] = field(default_factory=dict)  # stages passed as objects: name -> repr

    @classmethod
    def from_config(cls, config: Config | None = None, **stages: Any) -> Pipeline:
        """jtbd's own stages built from `config` (default: `load_config()`), except those given as objects.

        Unknown names (a bad --unit, --model or --cluster-method) fail here, before any work.
        """
        config = config or load_config()
        unknown = sorted(set(stages) - set(STAGES))
        if unknown:
            raise ConfigError(f"Unknown stage(s) {unknown}. Stages: {', '.join(STAGES)}.")
        given = {name: stage for name, stage in stages.items() if stage is not None}
        built = {name: given[name] if name in given else build(config) for name, build in BUILDERS.items()}
        return cls(config=config, **built, custom={name: repr(stage) for name, stage in given.items()})

    def run(self, corpus: Path | str, *, out: Path | str | None = None, progress: Progress | None = None) -> Run:
        """Find, group and rank the jobs in `corpus` (a folder or a file) and write the output folder."""
        corpus, config, progress = Path(corpus), self.config, progress or SilentProgress()
        out_dir = Path(out) if out else default_out_dir(corpus)
        check_out_dir(out_dir, output_files(self.reporters))  # before the slow stages
        timings: dict[str, float] = {}
        started = datetime.now(UTC)

        @contextmanager
        def timed(name: str) -> Iterator[dict[str, str]]:
            begin = time.perf_counter()
            box = {"summary": ""}
            yield box
            timings[name] = round(time.perf_counter() - begin, 3)
            progress.stage(name, box["summary"], timings[name])

        def bar(name: str) -> Callable[[int, int], None]:
            return lambda done, total: progress.progress(name, done, total)

        with timed("ingest") as box:
            ingested = self.reader.read(corpus)
            documents = _within(ingested.documents, config)
            box["summary"] = f"{len(documents):,} documents from {ingested.n_files:,} files"
        warnings = list(ingested.warnings)
        for message in warnings:
            progress.warn(message)
        self.ranker.fit([d.created_at for d in documents])
        config = replace(
            config,
            period=getattr(self.ranker, "period_", config.period),
            window=getattr(self.ranker, "window_", config.window),
        )
        notes = []
        if self.config.period == "auto" and config.period != "month":
            notes.append(
                f"The corpus spans under {MIN_MONTHS_FOR_MONTHLY} months, so growth is fitted per {config.period}. "
                "Pass --period month to fit by month."
            )

        with timed("extract") as box:
            extraction = self.extractor.extract(documents, progress=bar("extract"))
            statements = extraction.statements
            per_doc = len(statements) / max(len(documents), 1)
            parsed = f", {extraction.n_parsed:,} of {extraction.n_candidates:,} sentences parsed now"
            box["summary"] = f"{len(statements):,} {config.unit}s ({per_doc:.2f}/doc)" + (
                parsed if config.unit == "statement" else ""
            )

        store_path = config.home_path / "cache.duckdb"
        with timed("embed") as box:
            texts = [s.embedding_text for s in statements]
            embedded = embed_texts(texts, self.embedder, EmbeddingCache(store_path), progress=bar("embed"))
            box["summary"] = f"{len(texts):,} texts, {embedded.n_unique:,} distinct, {embedded.n_new:,} new"

        with timed("cluster") as box:
            vectors, voices = embedded.vectors, [s.voice for s in statements]
            clustering = cluster_statements(self.clusterer, vectors, voices, min_voices=config.min_voices)
            labels = clustering.labels
            n_clusters = int(labels.max()) + 1 if len(labels) else 0
            noise_share = float((labels < 0).mean()) if len(labels) else 0.0
            stability = None
            if config.stability and n_clusters:

                def recluster(rows: np.ndarray, seed: int) -> np.ndarray:
                    """The whole cluster stage again on `rows`, sized as the full run was."""
                    again = refit_copy(self.clusterer, random_state=seed, min_cluster_size=clustering.min_cluster_size)
                    rerun_voices = [voices[r] for r in rows]
                    return cluster_statements(
                        again, vectors[rows], rerun_voices, min_voices=clustering.min_voices
                    ).labels

                stability = cluster_stability(recluster, labels, seed=config.seed)
            box["summary"] = (
                f"{n_clusters} clusters, {noise_share:.0%} of statements in none (clusterer "
                f"{clustering.clusterer_noise_share:.0%}; then noise assignment, merges, mixed bags and "
                f"{clustering.n_few_voice} few-voice clusters dissolved), min_cluster_size "
                f"{clustering.min_cluster_size}"
            )
        notes += _cluster_notes(clustering, n_clusters, len(statements), len(documents), len(ingested.documents))
        if n_clusters == 0:
            progress.warn(notes[-1])
        undated = sum(1 for s in statements if s.created_at is None)
        if undated:
            notes.append(f"{undated:,} statements have no date: they are clustered but left out of growth.")

        with timed("label") as box:
            cluster_labels = self.labeler.label(statements, vectors, labels, recent=self.ranker.in_window(statements))
            box["summary"] = f"{len(cluster_labels)} labels"

        with timed("rank") as box:
            ranked = self.ranker.rank(statements, labels, cluster_labels)
            rising = sum(c.growth.trend in ("rising", "emerging") for c in ranked)
            box["summary"] = f"{rising} rising or emerging of {len(ranked)}"

        counts = {
            "files": ingested.n_files,
            "documents": len(documents),
            "documents_read": len(ingested.documents),
            "skipped_records": ingested.n_skipped,
            "replaced_bytes": ingested.n_replaced_bytes,
            "undated_documents": ingested.n_undated,
            "statements": len(statements),
            "sentences_parsed_new": extraction.n_parsed,
            "texts_embedded_new": embedded.n_new,
            "texts_distinct": embedded.n_unique,
            "clusters": n_clusters,
            "noise_share": round(noise_share, 4),
            "noise_share_before_assignment": round(clustering.clusterer_noise_share, 4),
            "min_cluster_size": clustering.min_cluster_size,
            "few_voice_clusters_dissolved": clustering.n_few_voice,
            "stability_mean_ari": round(stability.mean_ari, 4) if stability else None,
        }
        record = RunRecord(
            config=config,
            corpus=str(corpus.resolve()),
            corpus_name=default_out_dir(corpus).name,
            out_dir=str(out_dir.resolve()),
            started_at=started.isoformat(),
            home=str(config.home_path),
            seed=config.seed,
            versions=_versions(),
            models=_model_hashes(config, self.embedder),
            counts=counts,
            score_weights=config.resolved_weights,  # shown beside the score in report.html
            timings=timings,  # the same dict: run.json gets every stage's time but the report's own
            warnings=warnings,
            notes=notes,
            stages=self.custom or None,
        )
        with timed("report") as box:
            positions = cluster_map(vectors, labels)
            records = [
                ClusterRecord.from_ranked(
                    c, statements, positions.get(c.id), (stability.per_cluster.get(c.id)) if stability else None
                )
                for c in ranked
            ]
            results = Results(record, records)
            report_path = write_run_folder(out_dir, results, statements, labels, self.reporters)
            box["summary"] = str(out_dir)
        history.record_run(store_path, record.to_json())
        return Run(
            out_dir=out_dir.resolve(),
            report_path=report_path,
            config=config,
            n_documents=len(documents),
            statements=statements,
            labels=labels,
            clusters=ranked,
            results=results,
            timings=timings,
            warnings=warnings,
        )


def cluster(
    corpus: Path | str,
    *,
    out: Path | str | None = None,
    config: Config | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run:
    """Find, group and rank the jobs in `corpus` (a folder or a file) and write the report folder.

    `options` are stage objects (`embedder=`, `clusterer=`, ... see `STAGES`) and `Config` settings (`period=`,
    `min_cluster_size=`, ...), which override `config` (default: `load_config()`: jtbd.toml, then defaults).

    Example: `run = jtbd.cluster("corpora/startups-demo"); print(run.clusters[0].label.title)`
    """
    stages = {name: options.pop(name) for name in STAGES if name in options}
    config = replace(config, **options) if config else load_config(**options)
    return Pipeline.from_config(config, **stages).run(corpus, out=out, progress=progress)


def default_out_dir(corpus: Path) -> Path:
    name = corpus.resolve().name
    if corpus.is_file():
        name = name.split(".")[0]
    return Path("jtbd-out") / name


def rerender(
    run_dir: Path | str,
    *,
    weights: dict[str, float] | None = None,
    period: str | None = None,
    window: int | None = None,
    say: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render a finished run's reports again from its clusters.json, without clustering again (`jtbd report`).

    With `weights`, every cluster is re-scored from its reported score parts and re-ranked. With `period` or
    `window`, growth is fitted again from assignments.csv (clusters and titles stay) with the rank stage, and
    quotes are drawn again from the new window with the label stage and the run's vectors from the embedding cache;
    where those are not all there, the quotes stay and `say` is told why. The result is what a fresh run with those
    settings would write; clusters.json, clusters.csv and run.json are then rewritten too. Everything is rendered
    before anything is written; each file replaces the old one atomically.
    """
    run_dir = Path(run_dir)
    results = read_results(run_dir)
    config = results.run.config if weights is None else replace(results.run.config, weights=weights)
    # The folder may have been moved since the run: the commands the reports print must name where it is now.
    run = replace(results.run, out_dir=str(run_dir.resolve()), config=config)
    if period is None and window is None:
        if weights is None:
            rendered = render_all(replace(results, run=run), default_reporters())
            return rewrite_files(run_dir, {name: text for name, text in rendered.items() if name in VIEWS})
        clusters = GrowthRanker(weights=config.weights).rescore(results.clusters)
        run = replace(run, score_weights=config.resolved_weights)
        return rewrite_files(run_dir, render_all(Results(run, clusters), default_reporters()))
    statements, labels = read_assignments(run_dir, results.clusters)
    dates = [s.created_at for s in statements]
    chosen = resolve_period(Config(period=period or config.period, window=window).period, dates)  # checks both
    # A window counts periods: a new period without a new window gets the default span (the last 24 months).
    span = window if window is not None else config.window if chosen == config.period else None
    ranker = GrowthRanker(chosen, span, config.weights).fit(dates)
    names = {c.id: ClusterLabel(c.label, c.keywords, []) for c in results.clusters}
    fitted = {c.id: c for c in ranker.rank(statements, labels, names)}
    clusters = ranker.rescore([c.with_growth_of(fitted[c.id]) for c in results.clusters])
    config = replace(config, period=ranker.period_, window=ranker.window_)
    run = replace(run, config=config, score_weights=config.resolved_weights)
    vectors, why_not = _run_vectors(run_dir, run, statements)
    if vectors is not None:
        picked = CentralJobLabeler.from_config(config).quotes(
            statements, vectors, labels, recent=ranker.in_window(statements)
        )
        clusters = [replace(c, quotes=[Quote.from_statement(statements[r]) for r in picked[c.id]]) for c in clusters]
    elif say:
        say(f"Quotes kept as the run picked them from its own window: {why_not}.")
    return rewrite_files(run_dir, render_all(Results(run, clusters), default_reporters()))


def _run_vectors(run_dir: Path, run: RunRecord, statements: Sequence[Statement]) -> tuple[np.ndarray | None, str]:
    """The vectors the run clustered, from the embedding cache in the home folder (nothing is embedded again), or
    None and why not."""
    if not has_urls(run_dir):
        return None, "assignments.csv has no url column (written by an older jtbd)"
    model_id = run.models.get("embedder_id")
    store_path = Config().home_path / "cache.duckdb"
    if not model_id:
        return None, "run.json names no embedder_id"
    if not store_path.is_file():
        return None, f"no embedding cache at {store_path}"
    vectors = cached_vectors([s.embedding_text for s in statements], model_id, EmbeddingCache(store_path))
    if vectors is None:
        return None, f"the embedding cache at {store_path} does not hold all of this run's vectors"
    return vectors, ""


def _cluster_notes(clustering: Any, n_clusters: int, n_statements: int, n_kept: int, n_read: int) -> list[str]:
    """What the report says about statements the cluster stage left out: few-voice groups, or no cluster at all."""
    notes, min_voices = [], clustering.min_voices
    if clustering.n_few_voice:
        notes.append(
            f"{clustering.n_few_voice} groups of statements said by fewer than {min_voices} voices (one author's line "
            "repeated, one loud commenter) are left unclustered: a recurring job is said by many. --min-voices 1 "
            "keeps them."
        )
    if n_clusters:
        return notes
    fix = (
        f"--since/--until kept {n_kept:,} of {n_read:,} documents: widen them"
        if n_read - n_kept and n_kept < 0.5 * n_read
        else "Add documents or pass a smaller --min-cluster-size"
    )
    notes.append(
        f"Too few voices: every cluster of the {n_statements:,} statements was said by fewer than {min_voices} "
        "voices (authors, else documents). Pass --min-voices 1 if one voice's jobs count."
        if clustering.n_few_voice
        else f"Too few statements to cluster: {n_statements:,} statements with min_cluster_size "
        f"{clustering.min_cluster_size} gave no cluster. {fix}."
    )
    return notes


def _within(documents: list[Document], config: Config) -> list[Document]:
    """Apply --since/--until; undated documents are kept (they still carry jobs)."""
    if not config.since and not config.until:
        return documents
    since, until = config.since, config.until

    def keep(doc: Document) -> bool:
        if doc.created_at is None:
            return True
        return (since is None or doc.created_at >= since) and (until is None or doc.created_at <= until)

    return [doc for doc in documents if keep(doc)]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return out


def _model_hashes(config: Config, embedder: Embedder) -> dict[str, str]:
    hashes = {"embedder": config.model, "embedder_id": embedder.model_id}
    if config.unit == "statement":
        hashes["spacy"] = "en_core_web_sm " + get_spec("en_core_web_sm", "spacy").sha256
    return hashes
