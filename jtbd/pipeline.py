"""Compose the stages: ingest -> extract -> embed -> cluster -> label -> rank -> report.

`cluster()` is the Python API the CLI wraps; notebooks call it the same way.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from jtbd import history
from jtbd.cluster import cluster_stability, cluster_with_config
from jtbd.config import Config, load_config
from jtbd.embed import Embedder, EmbeddingCache, embed_texts, embedding_text, make_embedder
from jtbd.extract import JobCache, extract
from jtbd.ingest import FieldMap, read_corpus
from jtbd.label import cluster_map, label_clusters
from jtbd.models import get_spec
from jtbd.rank import (
    MIN_MONTHS_FOR_MONTHLY,
    growth_window,
    in_growth_window,
    rank_clusters,
    resolve_period,
    resolve_weights,
)
from jtbd.report import check_out_dir, cluster_payload, write_outputs
from jtbd.types import Document, RankedCluster, Statement

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


class Reporter(Protocol):
    """Where a run tells a person what it is doing (the CLI draws bars on stderr; the API stays silent)."""

    def stage(self, name: str, summary: str, seconds: float) -> None: ...
    def progress(self, name: str, done: int, total: int) -> None: ...
    def warn(self, message: str) -> None: ...


class SilentReporter:
    def stage(self, name: str, summary: str, seconds: float) -> None:
        pass

    def progress(self, name: str, done: int, total: int) -> None:
        pass

    def warn(self, message: str) -> None:
        pass


@dataclass(frozen=True)
class Run:
    """Everything a run produced; the files are under `out_dir`."""

    out_dir: Path
    report_path: Path
    config: Config
    n_documents: int
    statements: list[Statement]
    labels: np.ndarray  # cluster id per statement, -1 = noise
    clusters: list[RankedCluster]  # in rank order
    timings: dict[str, float]
    warnings: list[str]
    info: dict[str, Any]  # the run.json content


def default_out_dir(corpus: Path) -> Path:
    name = corpus.resolve().name
    if corpus.is_file():
        name = name.split(".")[0]
    return Path("jtbd-out") / name


def cluster(
    corpus: Path | str,
    *,
    out: Path | str | None = None,
    config: Config | None = None,
    embedder: Embedder | None = None,
    reporter: Reporter | None = None,
    **overrides: Any,
) -> Run:
    """Find, group and rank the jobs in `corpus` (a folder or a file) and write the report folder.

    Example: `run = jtbd.cluster("corpora/startups-demo"); print(run.clusters[0].label.title)`
    """
    corpus = Path(corpus)
    config = replace(config, **overrides) if config else load_config(**overrides)
    reporter = reporter or SilentReporter()
    out_dir = Path(out) if out else default_out_dir(corpus)
    check_out_dir(out_dir)  # before the slow stages: an --out that cannot be replaced fails now
    timings: dict[str, float] = {}
    started = datetime.now(UTC)

    @contextmanager
    def timed(name: str) -> Iterator[dict[str, str]]:
        begin = time.perf_counter()
        box = {"summary": ""}
        yield box
        timings[name] = round(time.perf_counter() - begin, 3)
        reporter.stage(name, box["summary"], timings[name])

    embedder = embedder or make_embedder(config.model, batch_size=config.batch_size)  # unknown model: fail early
    with timed("ingest") as box:
        fields = FieldMap(config.text_field, config.time_field, config.id_field, config.author_field)
        ingested = read_corpus(corpus, fields=fields, strict=config.strict)
        documents = _within(ingested.documents, config)
        box["summary"] = f"{len(documents):,} documents from {ingested.n_files:,} files"
    warnings = list(ingested.warnings)
    for message in warnings:
        reporter.warn(message)
    config, window, period_note = _growth_settings(config, documents)

    store_path = config.home_path / "cache.duckdb"
    with timed("extract") as box:
        extraction = extract(
            documents,
            unit=config.unit,
            progress=lambda d, t: reporter.progress("extract", d, t),
            job_cache=JobCache(store_path),
        )
        statements = extraction.statements
        per_doc = len(statements) / max(len(documents), 1)
        parsed = f", {extraction.n_parsed:,} of {extraction.n_candidates:,} sentences parsed now"
        box["summary"] = f"{len(statements):,} {config.unit}s ({per_doc:.2f}/doc)" + (
            parsed if config.unit == "statement" else ""
        )

    cache = EmbeddingCache(store_path)
    with timed("embed") as box:
        texts = [embedding_text(s, config.unit) for s in statements]
        embedded = embed_texts(texts, embedder, cache, progress=lambda d, t: reporter.progress("embed", d, t))
        box["summary"] = f"{len(texts):,} texts, {embedded.n_unique:,} distinct, {embedded.n_new:,} new"

    notes = [period_note] if period_note else []
    with timed("cluster") as box:
        clustering = cluster_with_config(embedded.vectors, config, [s.voice for s in statements])
        labels, raw_noise_share, min_size = (
            clustering.labels,
            clustering.clusterer_noise_share,
            clustering.min_cluster_size,
        )
        n_clusters = int(labels.max()) + 1 if len(labels) else 0
        noise_share = float((labels < 0).mean()) if len(labels) else 0.0
        stability = None
        if config.stability and n_clusters:
            stability = cluster_stability(
                embedded.vectors,
                labels,
                seed=config.seed,
                min_cluster_size=min_size,
                min_samples=config.min_samples,
                method=config.cluster_method,
                resolution=config.resolution,
            )
        box["summary"] = (
            f"{n_clusters} clusters, {noise_share:.0%} of statements in none (clusterer {raw_noise_share:.0%}; "
            f"then noise assignment, merges, mixed bags and {clustering.n_few_voice} few-voice clusters dissolved), "
            f"min_cluster_size {min_size}"
        )
    min_voices = clustering.min_voices
    if clustering.n_few_voice:
        notes.append(
            f"{clustering.n_few_voice} groups of statements said by fewer than {min_voices} voices (one author's line "
            "repeated, one loud commenter) are left unclustered: a recurring job is said by many. --min-voices 1 "
            "keeps them."
        )
    if n_clusters == 0:
        dropped = len(ingested.documents) - len(documents)
        fix = (
            f"--since/--until kept {len(documents):,} of {len(ingested.documents):,} documents: widen them"
            if dropped and len(documents) < 0.5 * len(ingested.documents)
            else "Add documents or pass a smaller --min-cluster-size"
        )
        note = (
            f"Too few voices: every cluster of the {len(statements):,} statements was said by fewer than {min_voices} "
            "voices (authors, else documents). Pass --min-voices 1 if one voice's jobs count."
            if clustering.n_few_voice
            else f"Too few statements to cluster: {len(statements):,} statements with min_cluster_size {min_size} "
            f"gave no cluster. {fix}."
        )
        notes.append(note)
        reporter.warn(note)
    undated = sum(1 for s in statements if s.created_at is None)
    if undated:
        notes.append(f"{undated:,} statements have no date: they are clustered but left out of growth.")

    with timed("label") as box:
        cluster_labels = label_clusters(
            statements,
            embedded.vectors,
            labels,
            n_keywords=config.n_keywords,
            max_quotes=config.max_quotes,
            recent=in_growth_window(statements, config.period, window),
        )
        box["summary"] = f"{len(cluster_labels)} labels"

    with timed("rank") as box:
        ranked = rank_clusters(
            statements,
            labels,
            cluster_labels,
            period=config.period,
            window=window,
            weights=config.weights,
        )
        rising = sum(c.growth.trend in ("rising", "emerging") for c in ranked)
        box["summary"] = f"{rising} rising or emerging of {len(ranked)}"

    info = {
        "corpus": str(corpus.resolve()),
        "corpus_name": default_out_dir(corpus).name,
        "out_dir": str(out_dir.resolve()),
        "started_at": started.isoformat(),
        "config": config.to_dict(),
        "seed": config.seed,
        "versions": _versions(),
        "models": _model_hashes(config, embedder),
        "counts": {
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
            "noise_share_before_assignment": round(raw_noise_share, 4),
            "min_cluster_size": min_size,
            "few_voice_clusters_dissolved": clustering.n_few_voice,
            "stability_mean_ari": round(stability.mean_ari, 4) if stability else None,
        },
        "score_weights": resolve_weights(config.weights),  # shown beside the score in report.html
        "timings": timings,
        "warnings": warnings,
        "notes": notes,
    }
    with timed("report") as box:
        positions = cluster_map(embedded.vectors, labels)
        payload = [
            cluster_payload(c, statements, positions.get(c.id), stability.per_cluster.get(c.id) if stability else None)
            for c in ranked
        ]
        report_path = write_outputs(out_dir, run_info=info, clusters=payload, statements=statements, labels=labels)
        box["summary"] = str(out_dir)
    history.record_run(store_path, info)
    return Run(
        out_dir=out_dir.resolve(),
        report_path=report_path,
        config=config,
        n_documents=len(documents),
        statements=statements,
        labels=labels,
        clusters=ranked,
        timings=timings,
        warnings=warnings,
        info=info,
    )


def _growth_settings(config: Config, documents: list[Document]) -> tuple[Config, int, str | None]:
    """The config with the period and window growth is fitted over, as run.json records them (`--period auto`
    becomes month, or week for a corpus spanning under six months, and then a note says so; no `--window` becomes
    the last 24 months), that window, and the note."""
    period = resolve_period(config.period, [d.created_at for d in documents])
    window = growth_window(period, config.window)
    note = None
    if config.period == "auto" and period != "month":
        note = (
            f"The corpus spans under {MIN_MONTHS_FOR_MONTHLY} months, so growth is fitted per {period}. Pass --period "
            "month to fit by month."
        )
    return replace(config, period=period, window=window), window, note


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
