"""A finished run ranked and rendered again (`jtbd report`), with the pipeline's own rank and label stages.

Nothing is clustered or embedded again: the clusters come from clusters.json, the statements from assignments.csv,
and the vectors, where quotes are drawn again, from the embedding cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from jtbd.config import Config
from jtbd.decisions import apply_decisions, decisions_path, read_decisions
from jtbd.embed import EmbeddingCache, cached_vectors
from jtbd.label import CentralJobLabeler
from jtbd.periods import resolve_period
from jtbd.rank import GrowthRanker
from jtbd.records import ClusterRecord, Quote, Results, RunRecord, members_of
from jtbd.report import (
    ASSIGNMENTS,
    default_reporters,
    has_urls,
    read_assignments,
    read_results,
    render_all,
    rewrite_files,
)
from jtbd.types import ClusterLabel, RankedCluster, Statement

#: The files `jtbd report` renders again when nothing about the ranking changes.
VIEWS = ("report.md", "report.html")


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
    # The reviewer's decisions file is read again: a rename, pin or hide written since the run shows now.
    decisions = read_decisions(decisions_path(run_dir.resolve(), results.run.config.decisions))
    decided = bool(decisions) or any(c.decision for c in results.clusters)
    if decided:
        jobs, unapplied = apply_decisions(results.clusters, decisions)
        results = replace(results, clusters=jobs)
        for line in unapplied:
            if say:
                say(f"Decision not applied: {line}.")
    config = results.run.config if weights is None else replace(results.run.config, weights=weights)
    # The folder may have been moved since the run: the commands the reports print must name where it is now.
    run = replace(results.run, out_dir=str(run_dir.resolve()), config=config)
    # A folder without assignments.csv still renders and re-scores; only the lists of all statements are missing.
    if period is None and window is None and not (run_dir / ASSIGNMENTS).is_file():
        statements: list[Statement] = []
        labels = np.zeros(0, dtype=int)
    else:
        statements, labels = read_assignments(run_dir, results.clusters)
    members = members_of(statements, labels)
    if period is None and window is None:
        if weights is None:
            rendered = render_all(replace(results, run=run, members=members), default_reporters())
            views = rendered if decided else {name: text for name, text in rendered.items() if name in VIEWS}
            return rewrite_files(run_dir, views)
        ranker = GrowthRanker(weights=config.weights, fdr=config.fdr)
        run = replace(run, score_weights=config.resolved_weights)
        again = Results(
            run, ranker.rescore(results.clusters), ranker.rescore(results.themes), results.counting, members
        )
        return rewrite_files(run_dir, render_all(again, default_reporters()))
    dates = [s.created_at for s in statements]
    chosen = resolve_period(Config(period=period or config.period, window=window).period, dates)  # checks both
    # A window counts periods: a new period without a new window gets the default span (the last 24 months).
    span = window if window is not None else config.window if chosen == config.period else None
    ranker = GrowthRanker(chosen, span, config.weights, config.fdr).fit(dates)
    config = replace(config, period=ranker.period_, window=ranker.window_)
    run = replace(run, config=config, score_weights=config.resolved_weights)
    vectors, why_not = _run_vectors(run_dir, run, statements)
    if vectors is None and say:
        say(f"Quotes kept as the run picked them from its own window: {why_not}.")
    theme_of = {c.id: c.theme for c in results.clusters}
    themes = results.themes  # a folder written before themes has none to fit
    if themes and all(t is not None for t in theme_of.values()):
        theme_labels = np.array([theme_of.get(int(j), -1) if j >= 0 else -1 for j in labels], dtype=int)
        fitted_jobs, fitted_themes = ranker.rank_levels(
            statements, _as_level(results.clusters, labels), _as_level(themes, theme_labels)
        )
        clusters = _fit_again(results.clusters, fitted_jobs, statements, labels, ranker, vectors, config)
        themes = _fit_again(themes, fitted_themes, statements, theme_labels, ranker, vectors, config)
    else:
        _, names, kept = _as_level(results.clusters, labels)
        fitted_jobs = ranker.rank(statements, labels, names, specificity=kept)
        clusters = _fit_again(results.clusters, fitted_jobs, statements, labels, ranker, vectors, config)
    return rewrite_files(
        run_dir, render_all(Results(run, clusters, themes, results.counting, members), default_reporters())
    )


def _as_level(
    records: list[ClusterRecord], labels: np.ndarray
) -> tuple[np.ndarray, dict[int, ClusterLabel], dict[int, float]]:
    """A finished run's clusters as the ranker takes a level: labels, names, and the specificity it measured."""
    names = {c.id: ClusterLabel(c.label, c.keywords, []) for c in records}
    return labels, names, {c.id: c.score_parts.get("specificity", 0.0) for c in records}


def _fit_again(
    records: list[ClusterRecord],
    ranked: list[RankedCluster],
    statements: Sequence[Statement],
    labels: np.ndarray,
    ranker: GrowthRanker,
    vectors: np.ndarray | None,
    config: Config,
) -> list[ClusterRecord]:
    """`records` with the growth `ranker` fitted again (`ranked`), their score parts but growth kept, re-ranked,
    and with the vectors, their quotes drawn again from the new window."""
    fitted = {c.id: c for c in ranked}
    again = ranker.rescore([c.with_growth_of(fitted[c.id]) for c in records])
    if vectors is None:
        return again
    picked = CentralJobLabeler.from_config(config).quotes(
        statements, vectors, labels, recent=ranker.in_window(statements)
    )
    return [replace(c, quotes=[Quote.from_statement(statements[r]) for r in picked[c.id]]) for c in again]


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
