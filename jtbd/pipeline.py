"""Compose the stages: ingest -> extract -> embed -> cluster -> label -> rank -> report.

`Pipeline` holds one object per stage (the seams are listed in `jtbd.stages`); `Pipeline.from_config` builds jtbd's
own from a `Config`, and any object that fits a stage's Protocol can take its place:

    jtbd.cluster("corpus/", clusterer=KMeans(n_clusters=8))
    Pipeline.from_config(config, embedder=MyEmbedder()).run("corpus/")
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jtbd import history
from jtbd.clustering import (
    Clustering,
    JobClusterer,
    Stability,
    cluster_stability,
    cluster_statements,
    refit_copy,
    specificity,
    statement_side,
)
from jtbd.config import Config, load_config
from jtbd.decisions import Decision, apply_decisions, apply_structure, decisions_path, read_decisions
from jtbd.embed import EmbeddingCache, EmbedResult, embed_texts, make_embedder
from jtbd.errors import ConfigError, JtbdError, StoreError
from jtbd.extract import EXTRACTORS, StatementExtractor, resolve_detector
from jtbd.identity import Key, Previous, relabel, stable_ids, statement_key
from jtbd.ingest import CorpusReader, is_output_folder
from jtbd.label import CentralJobLabeler, cluster_map
from jtbd.models import get_spec
from jtbd.periods import MIN_MONTHS_FOR_MONTHLY
from jtbd.rank import GrowthRanker
from jtbd.records import ClusterRecord, Results, RunRecord, members_of
from jtbd.report import (
    check_out_dir,
    default_reporters,
    output_files,
    write_folder,
    write_run_folder,
)
from jtbd.stages import (
    Clusterer,
    Embedder,
    Extractor,
    Labeler,
    Progress,
    Ranker,
    Reader,
    Reporter,
    SilentProgress,
    Themer,
)
from jtbd.themes import ThemeClusterer, theme_members
from jtbd.types import Document, Extraction, IngestReport, RankedCluster, Statement

if TYPE_CHECKING:
    from jtbd.distributed import RayEngine
    from jtbd.track import Query, TrackRun

#: The stages a Pipeline holds, in the order they run.
STAGES = ("reader", "extractor", "embedder", "clusterer", "themer", "labeler", "ranker", "reporters")
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


def make_extractor(config: Config) -> Extractor:
    """The extractor `config.unit` names, caching in the home folder."""
    if config.unit not in EXTRACTORS:
        raise ConfigError(f"unit must be one of {', '.join(EXTRACTORS)}. Got {config.unit!r}.")
    cache = config.home_path / "cache.duckdb"
    if config.unit == "statement":
        resolve_detector(config.detector)  # an unknown name or a broken weights file fails now, before any work
        return StatementExtractor(cache, detector=config.detector)
    return EXTRACTORS[config.unit](cache)


#: How `Pipeline.from_config` builds each of jtbd's own stages from a Config. Stage classes that are chosen by
#: name keep their registry beside them: `extract.EXTRACTORS`, `embed.EMBEDDERS`, `clustering.METHODS`.
BUILDERS: dict[str, Callable[[Config], Any]] = {
    "reader": CorpusReader.from_config,
    "extractor": make_extractor,
    "embedder": lambda config: make_embedder(config.model, batch_size=config.batch_size),
    "clusterer": JobClusterer.from_config,
    "themer": ThemeClusterer.from_config,
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
    themer: Themer
    labeler: Labeler
    ranker: Ranker
    reporters: Sequence[Reporter]
    custom: dict[str, str] = field(default_factory=dict)  # stages passed as objects: name -> repr
    _engine: RayEngine | None = field(default=None, init=False, repr=False)  # with --ray (`_connect_engine`)

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
        corpus = Path(corpus)
        out_dir = Path(out) if out else default_out_dir(corpus)
        check_out_dir(out_dir, output_files(self.reporters))  # before the slow stages
        decisions = read_decisions(decisions_path(out_dir, self.config.decisions))  # a bad file fails now
        self._verify_models()
        clock = _Clock(progress or SilentProgress())
        started = datetime.now(UTC)
        self._connect_engine()
        ingested, documents = self._ingest(corpus, clock)
        config, notes = self._fit_ranker(documents)
        extraction = self._extract(documents, clock)
        statements = extraction.statements
        embedded = self._embed([s.embedding_text for s in statements], clock)
        with clock.stage("cluster") as say:
            sides = [statement_side(s.kind) for s in statements] if config.split_sides else None
            clustering, stability = self._cluster(embedded.vectors, [s.voice for s in statements], sides)
            say(_cluster_summary(clustering))
        notes += _cluster_notes(clustering, len(statements), len(documents), len(ingested.documents))
        if not clustering.n_clusters:
            clock.progress.warn(notes[-1])
        if undated := sum(1 for s in statements if s.created_at is None):
            notes.append(f"{undated:,} statements have no date: they are clustered but left out of growth.")
        vectors, keys = embedded.vectors, [statement_key(s) for s in statements]
        previous = self._previous(out_dir, notes)
        job_ids = self._job_ids(previous, keys, clustering.labels, decisions, notes)
        found = relabel(clustering.labels, job_ids)
        labels, job_ids, stability_of, n_unapplied = self._decide_structure(
            found, clustering.labels, job_ids, statements, decisions, stability, notes, clock
        )
        with clock.stage("themes") as say:
            themes = self.themer.fit(vectors, labels)
            theme_labels, theme_of_job = themes.labels_, themes.theme_of_job_
            n_themes = int(theme_of_job.max()) + 1 if len(theme_of_job) else 0
            say(f"{n_themes} themes over {clustering.n_clusters} jobs")
        with clock.stage("label") as say:
            recent = self.ranker.in_window(statements)
            cluster_labels = self.labeler.label(statements, vectors, labels, recent=recent)
            theme_names = self.labeler.label(statements, vectors, theme_labels, recent=recent)
            say(f"{len(cluster_labels)} jobs and {len(theme_names)} themes named")
        with clock.stage("rank") as say:
            ranked, ranked_themes = self.ranker.rank_levels(
                statements,
                (labels, cluster_labels, specificity(vectors, labels)),
                (theme_labels, theme_names, specificity(vectors, theme_labels)),
            )
            rising = sum(c.growth.trend in ("rising", "emerging") for c in ranked)
            rising_themes = sum(c.growth.trend in ("rising", "emerging") for c in ranked_themes)
            say(f"{rising} rising or emerging of {len(ranked)} jobs, {rising_themes} of {len(ranked_themes)} themes")
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
            "clusters": clustering.n_clusters,
            "themes": n_themes,
            "noise_share": round(clustering.noise_share, 4),
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
            timings=clock.timings,  # the same dict: run.json gets every stage's time but the report's own
            warnings=list(ingested.warnings),
            notes=notes,
            stages=self.custom or None,
        )
        with clock.stage("report") as say:
            positions = cluster_map(vectors, labels)
            jobs = [
                replace(
                    ClusterRecord.from_ranked(c, statements, positions.get(c.id), stability_of.get(c.id)),
                    theme=int(theme_of_job[c.id]),
                )
                for c in ranked
            ]
            members = theme_members(theme_of_job)
            themed = [replace(ClusterRecord.from_ranked(t, statements), jobs=members[t.id]) for t in ranked_themes]
            theme_ids = self._theme_ids(previous, keys, theme_labels)
            jobs = [replace(c, id=job_ids[c.id], theme=theme_ids[c.theme or 0]) for c in jobs]
            if previous is not None and (new := [c for c in jobs if c.id > previous.max_job]):
                named = "; ".join(f"#{c.rank} {c.label}" for c in new[:8]) + (" ..." if len(new) > 8 else "")
                record.notes.append(f"New since the run of {previous.started_at[:10]}: {len(new)} jobs ({named}).")
            themed = [replace(t, id=theme_ids[t.id], jobs=[job_ids[j] for j in t.jobs]) for t in themed]
            labels = relabel(labels, job_ids)
            ranked = [replace(c, id=job_ids[c.id]) for c in ranked]
            path = decisions_path(out_dir, self.config.decisions)
            jobs = self._apply_decisions(jobs, decisions, path, n_unapplied, record, clock)
            results = Results(record, jobs, themed, members=members_of(statements, labels))
            report_path = write_run_folder(out_dir, results, statements, labels, self.reporters, found=found)
            say(str(out_dir))
        try:
            history.record_run(config.home_path / "cache.duckdb", record.to_json())
        except StoreError as error:  # the output folder is complete: the run succeeded, only its history entry is lost
            clock.progress.warn(
                f"The report is complete in {out_dir}, but the run was not added to `jtbd runs`: {error}"
            )
        return Run(
            out_dir=out_dir.resolve(),
            report_path=report_path,
            config=config,
            n_documents=len(documents),
            statements=statements,
            labels=labels,
            clusters=ranked,
            results=results,
            timings=clock.timings,
            warnings=list(ingested.warnings),
        )

    def track(
        self,
        corpus: Path | str,
        queries: Sequence[Query],
        *,
        out: Path | str | None = None,
        progress: Progress | None = None,
    ) -> TrackRun:
        """How often `corpus` speaks of each query, period by period: four series per query (keywords or meaning,
        documents or statements), their growth over the ranker's window, and where each turned (`jtbd.track`)."""
        from jtbd.report_track import TRACK_FILES, write_track_files
        from jtbd.track import TrackRun, query_similarities, track_series

        corpus = Path(corpus)
        out_dir = Path(out) if out else default_out_dir(corpus).with_name(f"{corpus.stem}-track")
        check_out_dir(out_dir, TRACK_FILES)
        clock = _Clock(progress or SilentProgress())
        self._connect_engine()
        ingested, documents = self._ingest(corpus, clock)
        config, _ = self._fit_ranker(documents)
        statements = self._extract(documents, clock).statements
        embedded = self._embed([s.embedding_text for s in statements], clock)
        with clock.stage("track") as say:
            series = track_series(
                queries,
                documents,
                statements,
                query_similarities(self.embedder, queries, embedded.vectors),
                similarity=config.similarity,
                period=config.period,
                window=config.window or 0,
            )
            say(f"{len(queries)} queries over {len(series[0].periods) if series else 0} {config.period}s")
        with clock.stage("report") as say:
            result = TrackRun(out_dir, config, str(corpus), list(queries), series, list(ingested.warnings))
            write_folder(out_dir, TRACK_FILES, lambda folder: write_track_files(folder, result))
            say(str(out_dir))
        return result

    def _connect_engine(self) -> None:
        """With --ray, connect to the cluster before any work (a wrong address fails now) and give the extract
        stage its engine; else everything runs in this process."""
        from jtbd.distributed import make_engine

        self._engine = make_engine(self.config.ray)
        if self._engine is not None and isinstance(self.extractor, StatementExtractor):
            self.extractor.engine = self._engine

    def _ingest(self, corpus: Path, clock: _Clock) -> tuple[IngestReport, list[Document]]:
        with clock.stage("ingest") as say:
            ingested = self.reader.read(corpus)
            documents = _within(ingested.documents, self.config)
            say(f"{len(documents):,} documents from {ingested.n_files:,} files")
        for message in ingested.warnings:
            clock.progress.warn(message)
        return ingested, documents

    def _extract(self, documents: Sequence[Document], clock: _Clock) -> Extraction:
        with clock.stage("extract") as say:
            extraction = self.extractor.extract(documents, progress=clock.bar("extract"))
            statements = extraction.statements
            parsed = f", {extraction.n_parsed:,} of {extraction.n_candidates:,} sentences parsed now"
            say(
                f"{len(statements):,} {self.config.unit}s ({len(statements) / max(len(documents), 1):.2f}/doc)"
                + (parsed if self.config.unit == "statement" else "")
            )
        return extraction

    def _embed(self, texts: list[str], clock: _Clock) -> EmbedResult:
        with clock.stage("embed") as say:
            cache = EmbeddingCache(self.config.home_path / "cache.duckdb")
            embedded = embed_texts(texts, self.embedder, cache, progress=clock.bar("embed"), engine=self._engine)
            say(f"{len(texts):,} texts, {embedded.n_unique:,} distinct, {embedded.n_new:,} new")
        return embedded

    def _previous(self, out_dir: Path, notes: list[str]) -> Previous | None:
        """The run whose ids this one keeps: `--previous`, else the --out folder when it holds one; None when there
        is none, ids are not kept, or it cannot be read (said in `notes`)."""
        previous_dir = Path(self.config.previous) if self.config.previous else out_dir
        if not self.config.keep_ids or not is_output_folder(previous_dir):
            return None
        try:
            return Previous.read(previous_dir)
        except JtbdError as error:
            notes.append(f"Job ids were not matched to the previous run in {previous_dir}: {error}")
            return None

    def _job_ids(
        self,
        previous: Previous | None,
        keys: Sequence[Key],
        labels: np.ndarray,
        decisions: Sequence[Decision],
        notes: list[str],
    ) -> dict[int, int]:
        """Each cluster's id: the previous run's job it matches by shared statements (`jtbd.identity`), else a new
        id above every id used before, a reviewer's split ids included; unchanged without a previous run."""
        if previous is None:
            return {int(c): int(c) for c in set(labels.tolist()) if c >= 0}
        used = max([previous.max_job] + [d.split_id for d in decisions if d.split_id is not None])
        job_ids = stable_ids(labels, keys, previous.job_of, used)
        kept = sum(1 for old in job_ids.values() if old <= previous.max_job)
        notes.append(
            f"{kept} of {len(job_ids)} jobs keep their id from the previous run of {previous.started_at[:10]} (the "
            "same statements); the others are new. `jtbd diff` says what changed."
        )
        return job_ids

    def _theme_ids(self, previous: Previous | None, keys: Sequence[Key], theme_labels: np.ndarray) -> dict[int, int]:
        """Each theme's id, matched to the previous run's themes as jobs are (`_job_ids`)."""
        if previous is None:
            return {int(t): int(t) for t in set(theme_labels.tolist()) if t >= 0}
        return stable_ids(theme_labels, keys, previous.theme_of, previous.max_theme)

    def _decide_structure(
        self,
        found: np.ndarray,
        labels: np.ndarray,
        job_ids: dict[int, int],
        statements: Sequence[Statement],
        decisions: Sequence[Decision],
        stability: Stability | None,
        notes: list[str],
        clock: _Clock,
    ) -> tuple[np.ndarray, dict[int, int], dict[int, float | None], int]:
        """The reviewer's merges and splits applied to the jobs as found (`found`: each statement's job id): each
        statement's cluster for the later stages, each cluster's job id, each cluster's stability, and how many
        merges and splits could not be applied. Without any, the clusters stay as the clusterer numbered them."""
        per_cluster = {c: stability.get(c) if stability else None for c in job_ids}
        final, unapplied, touched = apply_structure(found, [s.text for s in statements], decisions)
        for line in unapplied.values():
            notes.append(f"Decision not applied: {line}.")
            clock.progress.warn(f"Decision not applied: {line}.")
        if not touched:
            return labels, job_ids, per_cluster, len(unapplied)
        sizes = Counter(int(j) for j in final.tolist() if j >= 0)
        order = sorted(sizes, key=lambda j: (-sizes[j], j))  # clusters numbered by size, as the clusterer does
        cluster_of = {job: i for i, job in enumerate(order)}
        new_labels = np.array([cluster_of.get(int(j), -1) for j in final.tolist()], dtype=int)
        stability_of_job = {job: per_cluster[c] for c, job in job_ids.items() if job not in touched}
        stability_of = {i: stability_of_job.get(job) for i, job in enumerate(order)}
        return new_labels, dict(enumerate(order)), stability_of, len(unapplied)

    def _apply_decisions(
        self,
        jobs: list[ClusterRecord],
        decisions: list[Decision],
        path: Path,
        n_unapplied: int,
        record: RunRecord,
        clock: _Clock,
    ) -> list[ClusterRecord]:
        """The reviewer's decisions (read from `path` before the run) applied to the jobs; each one that names a job
        this run does not have is a note and a warning (`jtbd.decisions`)."""
        if not decisions:
            return jobs
        jobs, unapplied = apply_decisions(jobs, decisions, structure_reported=True)
        applied = len(decisions) - len(unapplied) - n_unapplied  # merges and splits not applied: `_decide_structure`
        record.notes.append(f"{applied} of {len(decisions)} decisions in {path} applied.")
        for line in unapplied:
            record.notes.append(f"Decision not applied: {line}.")
            clock.progress.warn(f"Decision not applied: {line}.")
        return jobs

    def _verify_models(self) -> None:
        """Check every file of the models the stages built from the config will load, before any work: a changed
        pooling config or spaCy component fails here, not after extraction (`models.verified_model_dir`)."""
        from jtbd.models import verified_model_dir

        if "embedder" not in self.custom and get_spec(self.config.model).kind != "hashing":
            verified_model_dir(self.config.model)
        if "extractor" not in self.custom and self.config.unit == "statement":
            verified_model_dir("en_core_web_sm", "spacy")

    def _fit_ranker(self, documents: Sequence[Document]) -> tuple[Config, list[str]]:
        """Fit the ranker to the corpus's dates; the config as run.json records it (the period and window growth is
        fitted over), and a note when `--period auto` chose weeks."""
        self.ranker.fit([d.created_at for d in documents])
        config = replace(
            self.config,
            period=getattr(self.ranker, "period_", self.config.period),
            window=getattr(self.ranker, "window_", self.config.window),
        )
        if self.config.period != "auto" or config.period == "month":
            return config, []
        return config, [
            f"The corpus spans under {MIN_MONTHS_FOR_MONTHLY} months, so growth is fitted per {config.period}. "
            "Pass --period month to fit by month."
        ]

    def _cluster(
        self, vectors: np.ndarray, voices: list[str], sides: list[str] | None
    ) -> tuple[Clustering, Stability | None]:
        """The cluster stage (each side apart, given `sides`), and with `--stability` the same stage again on five
        subsamples."""
        clustering = cluster_statements(
            self.clusterer, vectors, voices, min_voices=self.config.min_voices, groups=sides
        )
        if not (self.config.stability and clustering.n_clusters):
            return clustering, None

        def recluster(rows: np.ndarray, seed: int) -> np.ndarray:
            """The whole cluster stage again on `rows`, sized as the full run was."""
            again = refit_copy(self.clusterer, random_state=seed, min_cluster_size=clustering.min_cluster_size)
            rerun_voices = [voices[r] for r in rows]
            groups = [sides[r] for r in rows] if sides else None
            return cluster_statements(
                again, vectors[rows], rerun_voices, min_voices=clustering.min_voices, groups=groups
            ).labels

        return clustering, cluster_stability(recluster, clustering.labels, seed=self.config.seed)


class _Clock:
    """Times each stage, tells `progress` when one ends (with its one-line summary), and draws its bars."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[Callable[[str], None]]:
        begin, summary = time.perf_counter(), [""]
        yield lambda text: summary.__setitem__(0, text)
        self.timings[name] = round(time.perf_counter() - begin, 3)
        self.progress.stage(name, summary[0], self.timings[name])

    def bar(self, name: str) -> Callable[[int, int], None]:
        return lambda done, total: self.progress.progress(name, done, total)


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
    """jtbd-out/<corpus name> in the working folder, or beside the corpus when the working folder is inside it
    (`jtbd cluster .`): output never lands in the corpus, where the next run would read it."""
    resolved = corpus.resolve()
    name = resolved.name.split(".")[0] if corpus.is_file() else resolved.name
    out = Path("jtbd-out") / name
    folder = resolved if resolved.is_dir() else resolved.parent
    if out.resolve().is_relative_to(folder):
        return folder.parent / "jtbd-out" / name
    return out


def _cluster_summary(clustering: Clustering) -> str:
    return (
        f"{clustering.n_clusters} clusters, {clustering.noise_share:.0%} of statements in none (clusterer "
        f"{clustering.clusterer_noise_share:.0%}; then noise assignment, merges, mixed bags and "
        f"{clustering.n_few_voice} few-voice clusters dissolved), min_cluster_size {clustering.min_cluster_size}"
    )


def _cluster_notes(clustering: Clustering, n_statements: int, n_kept: int, n_read: int) -> list[str]:
    """What the report says about statements the cluster stage left out: few-voice groups, or no cluster at all."""
    notes, min_voices = [], clustering.min_voices
    if clustering.n_few_voice:
        notes.append(
            f"{clustering.n_few_voice} groups of statements said by fewer than {min_voices} voices (one author's line "
            "repeated, one loud commenter) are left unclustered: a recurring job is said by many. --min-voices 1 "
            "keeps them."
        )
    if clustering.n_clusters:
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
