"""Write a run's output folder: clusters.json/csv, assignments.csv, run.json, report.md and report.html.

Everything is written into a hidden temporary folder beside the target and renamed into place at the end, so an
interrupted run never leaves a half-written report and a previous report is replaced only by a complete one.
Both reports are rendered from the clusters.json payload alone, so `jtbd report` re-renders them without
recomputing, and `jtbd show` prints one cluster from it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from jtbd.config import Config, home_dir
from jtbd.errors import JtbdError
from jtbd.rank import (
    DEFAULT_WEIGHTS,
    growth_window,
    in_growth_window,
    rank_clusters,
    resolve_period,
    resolve_weights,
    score_order,
    weighted_score,
)
from jtbd.report_html import render_html
from jtbd.report_text import TREND_MARK, render_markdown, sparkline
from jtbd.types import ClusterLabel, Growth, RankedCluster, Statement

__all__ = [
    "OUTPUT_FILES",
    "TREND_MARK",
    "check_out_dir",
    "cluster_payload",
    "read_assignments",
    "render_markdown",
    "requote",
    "rerank",
    "rerender_reports",
    "reweight",
    "sparkline",
    "write_outputs",
]

#: assignments.csv, one row per statement; `author` and `doc_kind` let `jtbd report --window` re-rank from it, and
#: `url` lets it quote from the new window with links.
ASSIGNMENT_COLUMNS = "doc_id statement cluster_id job kind cue start end created_at author doc_kind url".split()
#: Columns a folder needs for `jtbd report --window`; without `url` (folders written before it) quotes stay.
RERANK_COLUMNS = ASSIGNMENT_COLUMNS[:-1]
#: Everything jtbd writes into an output folder; a folder holding anything else is not one of ours to replace.
OUTPUT_FILES = frozenset({"report.md", "report.html", "clusters.json", "clusters.csv", "assignments.csv", "run.json"})


def _growth_payload(growth: Growth) -> dict[str, Any]:
    return {
        "rate": growth.rate,
        "low": growth.low,
        "high": growth.high,
        "per": "year",
        "p_value": growth.p_value,
        "q_value": growth.q_value,
        "trend": growth.trend,
        "momentum": growth.momentum,
        "n_periods": growth.n_periods,
        "among": growth.among,
    }


#: A cluster whose best match in re-clustered subsamples has a Jaccard below this is flagged as unstable.
UNSTABLE_BELOW = 0.5


def cluster_payload(
    cluster: RankedCluster,
    statements: Sequence[Statement],
    position: tuple[float, float] | None = None,
    stability: float | None = None,
) -> dict[str, Any]:
    """One cluster as documented in README's clusters.json schema; `position` places it on the report's map and
    `stability` (mean best-match Jaccard under re-clustering, from --stability) flags clusters that may not be real."""
    growth = cluster.growth
    jobs: dict[str, int] = {}
    for row in cluster.members:
        jobs[statements[row].job] = jobs.get(statements[row].job, 0) + 1
    return {
        "id": cluster.id,
        "rank": cluster.rank,
        "label": cluster.label.title,
        "keywords": cluster.label.keywords,
        "size": cluster.size,
        "n_authors": cluster.n_authors,
        "n_docs": cluster.n_docs,
        "growth": _growth_payload(growth),
        "growth_by_kind": {kind: _growth_payload(g) for kind, g in cluster.growth_by_kind.items()},
        "map": {"x": position[0], "y": position[1]} if position else None,
        "stability": round(stability, 4) if stability is not None else None,
        "unstable": stability is not None and stability < UNSTABLE_BELOW,
        "score": cluster.score,
        "score_parts": cluster.score_parts,
        "kinds": cluster.kind_counts,
        "top_jobs": cluster.label.jobs or [job for job, _ in sorted(jobs.items(), key=lambda kv: (-kv[1], kv[0]))[:8]],
        "series": [
            {
                "period": p.period,
                "count": p.count,
                "total": p.total,
                "share": round(p.share, 6),
                "n_authors": p.n_authors,
                "counted": p.counted,
            }
            for p in cluster.series
        ],
        "quotes": [_quote(statements[row]) for row in cluster.label.quotes],
    }


def _quote(statement: Statement) -> dict[str, Any]:
    return {
        "text": statement.text,
        "job": statement.job,
        "kind": statement.kind,
        "doc_id": statement.doc_id,
        "url": statement.url,
        "start": statement.start,
        "end": statement.end,
        "created_at": statement.created_at.isoformat() if statement.created_at else None,
    }


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output path whose replacement would lose something: a file, or a folder holding anything but a
    previous run's output files. jtbd swaps in its whole output folder, so `--out ~/Documents` must not be allowed
    to get that far."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise JtbdError(f"--out '{out_dir}' is a file. Pass a folder: a new one, an empty one or a previous --out.")
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in OUTPUT_FILES)
    if others:
        listed = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise JtbdError(
            f"--out '{out_dir}' holds files jtbd did not write ({listed}), and jtbd replaces its whole output folder. "
            "Pass a new or empty folder, or a previous --out."
        )


def write_outputs(
    out_dir: Path,
    *,
    run_info: dict[str, Any],
    clusters: list[dict[str, Any]],
    statements: Sequence[Statement],
    labels: np.ndarray,
) -> Path:
    """Write every output file into `out_dir` atomically; return the path of report.md.

    The reports are rendered from the JSON as written, so `jtbd report` reproduces them byte for byte.
    """
    out_dir = out_dir.resolve()
    check_out_dir(out_dir)  # again: files may have appeared in it during the run
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        payload = json.loads(_json_text({"run": run_info, "clusters": clusters}))
        for name, text in _payload_files(payload).items():
            (staging / name).write_text(text, encoding="utf-8", newline="")  # csv's own \r\n line ends stay
        _write_assignments(staging / "assignments.csv", statements, labels)
        replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "report.md"


def replace_dir(new: Path, target: Path) -> None:
    """Swap `new` into `target`; an existing target is removed only after the new one is in place."""
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def read_payload(run_dir: Path) -> dict[str, Any]:
    """The clusters.json of an output folder, checked enough to render from."""
    path = Path(run_dir) / "clusters.json"
    if not path.is_file():
        raise JtbdError(f"No clusters.json in '{run_dir}'. Pass an output folder of `jtbd cluster` (its --out).")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise JtbdError(f"'{path}' is not valid JSON ({error}). Run `jtbd cluster` again to rewrite it.") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("clusters"), list) or "run" not in payload:
        raise JtbdError(f"'{path}' has no 'run' and 'clusters'. Run `jtbd cluster` again to rewrite it.")
    return payload


def rerender_reports(
    run_dir: Path,
    *,
    weights: dict[str, float] | None = None,
    period: str | None = None,
    window: int | None = None,
    say: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render report.md and report.html again from RUN_DIR/clusters.json, without recomputing.

    With `weights`, every cluster is first re-scored from its reported score parts and re-ranked. With `period` or
    `window`, growth is fitted again from assignments.csv (clusters and titles stay) and the clusters are re-scored
    and re-ranked; settings not given keep the run's. Quotes are then drawn again from the new window, with the
    run's vectors from the embedding cache; where those are not all there, the quotes stay and `say` is told why.
    Either way clusters.json, clusters.csv and run.json are rewritten too. Everything is rendered before anything
    is written; each file is written to a temporary file and renamed over the old one.
    """
    run_dir = Path(run_dir)
    payload = read_payload(run_dir)
    config = payload["run"].get("config")
    config = config if isinstance(config, dict) else {}
    # The folder may have been moved since the run: the commands the reports print must name where it is now. The
    # config records the weights as given (None: the defaults), as a fresh run with these options would.
    run = {**payload["run"], "out_dir": str(run_dir.resolve())}
    if config and weights is not None:
        run["config"] = {**config, "weights": weights}
    payload = {**payload, "run": run}
    if period is not None or window is not None:
        statements, labels = read_assignments(run_dir)
        settings = Config(period=period or config.get("period", "month"), window=window)  # checks both
        chosen = resolve_period(settings.period, [s.created_at for s in statements])
        # A window counts periods: a new period without a new window gets the default span (the last 24 months).
        same_period = chosen == config.get("period", "month")
        span = window if window is not None else config.get("window") if same_period else None
        resolved = resolve_weights(weights if weights is not None else payload["run"].get("score_weights"))
        payload = rerank(
            payload, statements, labels, period=chosen, window=growth_window(chosen, span), weights=resolved
        )
        vectors, why_not = _run_vectors(run_dir, payload["run"], statements)
        if vectors is not None:
            payload = requote(payload, statements, labels, vectors)
        elif say:
            say(f"Quotes kept as the run picked them from its own window: {why_not}.")
        rendered = _payload_files(payload)
    elif weights is None:
        rendered = {"report.md": render_markdown(payload), "report.html": render_html(payload)}
    else:
        rendered = _payload_files(reweight(payload, weights))
    for name, text in rendered.items():
        temporary = run_dir / f".{name}.tmp-{os.getpid()}"
        try:
            temporary.write_text(text, encoding="utf-8", newline="")
            os.replace(temporary, run_dir / name)
        finally:
            temporary.unlink(missing_ok=True)
    return [run_dir / name for name in rendered]


def reweight(payload: dict[str, Any], weights: dict[str, float]) -> dict[str, Any]:
    """The payload with each cluster's score recomputed from its `score_parts` under `weights` (names left out keep
    their default) and the clusters re-ranked, exactly as a fresh run with those weights would rank them."""
    resolved = resolve_weights(weights)
    clusters = []
    for c in payload["clusters"]:
        parts = c.get("score_parts")
        if not isinstance(parts, dict) or set(parts) != set(DEFAULT_WEIGHTS):
            raise JtbdError(
                f"Cluster {c.get('id')} in clusters.json has no score parts {sorted(DEFAULT_WEIGHTS)}. "
                "Run `jtbd cluster` again to rewrite it."
            )
        clusters.append({**c, "score": weighted_score(parts, resolved)})
    clusters.sort(key=lambda c: score_order(c["score"], c["size"], c["id"]))
    run = {**payload["run"], "score_weights": resolved}
    return {"run": run, "clusters": [{**c, "rank": i} for i, c in enumerate(clusters, start=1)]}


def rerank(
    payload: dict[str, Any],
    statements: Sequence[Statement],
    labels: np.ndarray,
    *,
    period: str,
    window: int,
    weights: dict[str, float],
) -> dict[str, Any]:
    """The payload with growth, series, score and rank recomputed from the statements' dates over another
    `period`/`window`, exactly as a fresh run with those settings would give them. The clusters themselves (members,
    titles, keyphrases, map, stability) are kept, since those settings do not change them, and so are the quotes,
    which need the vectors (`requote`)."""
    ids = sorted(c["id"] for c in payload["clusters"])
    if len(labels) != len(statements) or ids != sorted(int(c) for c in set(labels.tolist()) if c >= 0):
        raise JtbdError(
            "assignments.csv and clusters.json name different clusters: the folder was edited or mixed with another "
            "run's files. Run `jtbd cluster` again."
        )
    cluster_labels = {c["id"]: ClusterLabel(c["label"], c["keywords"], []) for c in payload["clusters"]}
    ranked = {
        c.id: c
        for c in rank_clusters(statements, labels, cluster_labels, period=period, window=window, weights=weights)
    }
    clusters = []
    for c in payload["clusters"]:
        fresh = cluster_payload(ranked[c["id"]], statements)
        clusters.append({**c, **{key: fresh[key] for key in ("growth", "growth_by_kind", "score_parts", "series")}})
    rescored = reweight({**payload, "clusters": clusters}, weights)  # scores and order from the new parts
    run = rescored["run"]
    if isinstance(run.get("config"), dict):
        run["config"] = {**run["config"], "period": period, "window": window}
    return rescored


def requote(
    payload: dict[str, Any], statements: Sequence[Statement], labels: np.ndarray, vectors: np.ndarray
) -> dict[str, Any]:
    """The payload with each cluster's quotes drawn again from the growth window in its run config, exactly as a
    fresh run with that window would draw them (`label.cluster_quotes`)."""
    from jtbd.label import cluster_quotes

    config = payload["run"].get("config") or {}
    recent = in_growth_window(statements, config.get("period", "month"), config.get("window", 24))
    picked = cluster_quotes(statements, vectors, labels, max_quotes=config.get("max_quotes", 5), recent=recent)
    clusters = [{**c, "quotes": [_quote(statements[row]) for row in picked[c["id"]]]} for c in payload["clusters"]]
    return {**payload, "clusters": clusters}


def _run_vectors(run_dir: Path, run: dict[str, Any], statements: Sequence[Statement]) -> tuple[np.ndarray | None, str]:
    """The vectors the run clustered, from the embedding cache in the home folder (nothing is embedded again), or
    None and why not."""
    from jtbd.embed import EmbeddingCache, cached_vectors, embedding_text

    with (Path(run_dir) / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        if "url" not in next(csv.reader(handle), []):
            return None, "assignments.csv has no url column (written by an older jtbd)"
    model_id = (run.get("models") or {}).get("embedder_id")
    store_path = home_dir() / "cache.duckdb"
    if not model_id:
        return None, "run.json names no embedder_id"
    if not store_path.is_file():
        return None, f"no embedding cache at {store_path}"
    unit = (run.get("config") or {}).get("unit", "statement")
    vectors = cached_vectors([embedding_text(s, unit) for s in statements], model_id, EmbeddingCache(store_path))
    if vectors is None:
        return None, f"the embedding cache at {store_path} does not hold all of this run's vectors"
    return vectors, ""


def _payload_files(payload: dict[str, Any]) -> dict[str, str]:
    """Every output file that is rendered from the clusters.json payload alone, by name."""
    return {
        "clusters.json": _json_text(payload),
        "run.json": _json_text(payload["run"]),
        "clusters.csv": _clusters_csv_text(payload["clusters"]),
        "report.md": render_markdown(payload),
        "report.html": render_html(payload),
    }


def _json_text(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n"


def _clusters_csv_text(clusters: list[dict[str, Any]]) -> str:
    columns = (
        "rank id label keywords size n_authors n_docs trend growth_rate growth_low growth_high q_value growth_among "
        "score top_quote top_quote_url"
    ).split()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for c in clusters:
        quote = c["quotes"][0] if c["quotes"] else {}
        g = c["growth"]
        head = [c["rank"], c["id"], c["label"], "; ".join(c["keywords"]), c["size"], c["n_authors"], c["n_docs"]]
        growth = [g["trend"], g["rate"], g["low"], g["high"], g["q_value"], g.get("among") or "all"]
        writer.writerow([*head, *growth, c["score"], quote.get("text", ""), quote.get("url") or ""])
    return buffer.getvalue()


def _write_assignments(path: Path, statements: Sequence[Statement], labels: np.ndarray) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ASSIGNMENT_COLUMNS)
        for statement, label in zip(statements, labels):
            writer.writerow(
                [
                    statement.doc_id,
                    statement.text,
                    int(label),
                    statement.job,
                    statement.kind,
                    statement.cue,
                    statement.start,
                    statement.end,
                    statement.created_at.isoformat() if statement.created_at else "",
                    statement.author or "",
                    statement.doc_kind,
                    statement.url or "",
                ]
            )


def read_assignments(run_dir: Path) -> tuple[list[Statement], np.ndarray]:
    """The statements and cluster labels of an output folder's assignments.csv, as much of each statement as
    growth needs (when, who, which kinds); quotes and labels stay in clusters.json."""
    path = Path(run_dir) / "assignments.csv"
    if not path.is_file():
        raise JtbdError(f"No assignments.csv in '{run_dir}'. Run `jtbd cluster` again to write the whole folder.")
    statements, labels = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in RERANK_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise JtbdError(
                f"'{path}' has no {', '.join(missing)} column: it was written by an older jtbd. Run `jtbd cluster` "
                "again to re-rank with another --period or --window."
            )
        for line, row in enumerate(reader, start=2):
            try:
                created = datetime.fromisoformat(row["created_at"]) if row["created_at"] else None
                labels.append(int(row["cluster_id"]))
                start, end = int(row["start"]), int(row["end"])
            except (TypeError, ValueError) as error:
                raise JtbdError(
                    f"'{path}' line {line}: {error}. Run `jtbd cluster` again to rewrite the folder."
                ) from error
            statements.append(
                Statement(
                    doc_id=row["doc_id"],
                    text=row["statement"],
                    start=start,
                    end=end,
                    kind=row["kind"],  # type: ignore[arg-type]
                    cue=row["cue"],
                    job=row["job"],
                    doc_kind=row["doc_kind"],  # type: ignore[arg-type]
                    created_at=created,
                    author=row["author"] or None,
                    url=row.get("url") or None,
                )
            )
    return statements, np.array(labels, dtype=int)
