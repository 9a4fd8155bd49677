"""Write a run's output folder: clusters.json/csv, assignments.csv, run.json and report.md.

Everything is written into a hidden temporary folder beside the target and renamed into place at the end, so an
interrupted run never leaves a half-written report and a previous report is replaced only by a complete one.
The Markdown is rendered from the clusters.json payload alone, so a report can be re-rendered without recomputing.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jtbd.types import Growth, RankedCluster, Statement

SPARK = "▁▂▃▄▅▆▇█"
TREND_MARK = {
    "emerging": "🆕 emerging",
    "rising": "▲ rising",
    "stable": "● stable",
    "declining": "▼ declining",
    "fading": "▽ fading",
    "unknown": "? unknown",
}


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
    }


def cluster_payload(
    cluster: RankedCluster, statements: Sequence[Statement], position: tuple[float, float] | None = None
) -> dict[str, Any]:
    """One cluster as documented in README's clusters.json schema; `position` places it on the report's map."""
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
        "score": cluster.score,
        "score_parts": cluster.score_parts,
        "kinds": cluster.kind_counts,
        "top_jobs": [job for job, _ in sorted(jobs.items(), key=lambda kv: (-kv[1], kv[0]))[:8]],
        "series": [
            {
                "period": p.period,
                "count": p.count,
                "total": p.total,
                "share": round(p.share, 6),
                "n_authors": p.n_authors,
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


def write_outputs(
    out_dir: Path,
    *,
    run_info: dict[str, Any],
    clusters: list[dict[str, Any]],
    statements: Sequence[Statement],
    labels: np.ndarray,
) -> Path:
    """Write every output file into `out_dir` atomically; return the path of report.md."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        payload = {"run": run_info, "clusters": clusters}
        _write_json(staging / "clusters.json", payload)
        _write_json(staging / "run.json", run_info)
        _write_clusters_csv(staging / "clusters.csv", clusters)
        _write_assignments(staging / "assignments.csv", statements, labels)
        (staging / "report.md").write_text(render_markdown(payload), encoding="utf-8")
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


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def _write_clusters_csv(path: Path, clusters: list[dict[str, Any]]) -> None:
    columns = [
        "rank",
        "id",
        "label",
        "keywords",
        "size",
        "n_authors",
        "n_docs",
        "trend",
        "growth_rate",
        "growth_low",
        "growth_high",
        "q_value",
        "score",
        "top_quote",
        "top_quote_url",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for c in clusters:
            quote = c["quotes"][0] if c["quotes"] else {}
            g = c["growth"]
            writer.writerow(
                [
                    c["rank"],
                    c["id"],
                    c["label"],
                    "; ".join(c["keywords"]),
                    c["size"],
                    c["n_authors"],
                    c["n_docs"],
                    g["trend"],
                    g["rate"],
                    g["low"],
                    g["high"],
                    g["q_value"],
                    c["score"],
                    quote.get("text", ""),
                    quote.get("url") or "",
                ]
            )


def _write_assignments(path: Path, statements: Sequence[Statement], labels: np.ndarray) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["doc_id", "statement", "cluster_id", "job", "kind", "cue", "start", "end", "created_at"])
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
                ]
            )


def sparkline(values: Sequence[float]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1) + 0.5))] for v in values)


def _growth_text(growth: dict[str, Any]) -> str:
    if growth["rate"] is None:
        return "n/a"
    return f"{_pct(growth['rate'])} ({_pct(growth['low'])} to {_pct(growth['high'])})"


def _pct(rate: float) -> str:
    return f"{(rate - 1) * 100:+.0f}%"


def _md(text: str) -> str:
    return " ".join(text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").split())


def render_markdown(payload: dict[str, Any]) -> str:
    """report.md: the ranking table, then one section per cluster with keyphrases, trend and quotes."""
    run, clusters = payload["run"], payload["clusters"]
    counts = run.get("counts", {})
    lines = [
        f"# Jobs to be done in {run.get('corpus_name', 'corpus')}",
        "",
        f"{counts.get('documents', 0):,} documents → {counts.get('statements', 0):,} job statements → "
        f"{len(clusters)} clusters ({counts.get('noise_share', 0):.0%} of statements left unclustered). "
        f"Growth is the change per year of a cluster's *share* of all statements, over the last "
        f"{run.get('config', {}).get('window', '?')} {run.get('config', {}).get('period', 'month')}s, with its 95% "
        "interval; trends are called only after false-discovery control across clusters.",
        "",
    ]
    for note in run.get("notes", []):
        lines += [f"> {note}", ""]
    if not clusters:
        return "\n".join(lines + ["No clusters were found.", ""])
    lines += [
        "| # | Job | Trend | Growth / year (95% CI) | Authors | Statements | Score |",
        "|---:|---|---|---|---:|---:|---:|",
    ]
    for c in clusters:
        lines.append(
            f"| {c['rank']} | [{_md(c['label'])}](#cluster-{c['id']}) | {TREND_MARK[c['growth']['trend']]} | "
            f"{_growth_text(c['growth'])} | {c['n_authors']:,} | {c['size']:,} | {c['score']:.2f} |"
        )
    lines.append("")
    for c in clusters:
        shares = [p["share"] for p in c["series"]]
        lines += [
            f'## <a id="cluster-{c["id"]}"></a>{c["rank"]}. {_md(c["label"])}',
            "",
            f"**Keyphrases:** {', '.join(c['keywords'])}  ",
            f"**Trend:** {TREND_MARK[c['growth']['trend']]}, {_growth_text(c['growth'])} per year · "
            f"**Share per period:** `{sparkline(shares)}`  ",
            f"**Reach:** {c['n_authors']:,} authors, {c['n_docs']:,} documents, {c['size']:,} statements · "
            f"**Kinds:** {', '.join(f'{k} {v}' for k, v in c['kinds'].items())}  ",
            f"**Score:** {c['score']:.2f} = " + " + ".join(f"{k} {v:+.2f}" for k, v in c["score_parts"].items()),
            "",
            f"**Related jobs:** {'; '.join(_md(j) for j in c['top_jobs'][:5])}",
            "",
        ]
        for q in c["quotes"]:
            when = f" ({q['created_at'][:10]})" if q.get("created_at") else ""
            source = f"[{_md(q['doc_id'])}]({q['url']})" if q.get("url") else _md(q["doc_id"])
            lines.append(f"- “{_md(q['text'])}” — {source}{when}")
        lines.append("")
    return "\n".join(lines)
