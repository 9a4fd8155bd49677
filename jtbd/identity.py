"""Jobs keep their ids from run to run, and `jtbd diff` says what changed between two runs.

A run on a grown corpus (next month's thread added) clusters again from scratch; its clusters are then matched to
the previous run's by the statements they share. Statements are the same when they come from the same document
span (doc_id, start, end). Overlap is counted on the statements both runs hold, so new statements do not count
against a match. A new and an old cluster can be one job when at least MATCH_SHARE of either one's shared
statements lie in the other (a job that grew by absorbing a neighbour, or lost a fringe, is still itself); among
those pairs, the one-to-one matching that keeps the most statements together wins (Hungarian assignment, scipy).
A matched cluster takes the old id, the others new ids above every id the previous run used, so an id never comes
back with another meaning. Re-clustering a grown corpus moves the borders of many jobs, which a Jaccard threshold
does not allow for (docs/method.md, "Ids from run to run").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jtbd.records import ClusterRecord, Results
from jtbd.types import Statement

#: Two clusters of consecutive runs can be one job when this share of either one's shared statements is in the other.
MATCH_SHARE = 0.5
#: In `jtbd diff`, a job grew or shrank when its statements changed by this factor or more.
SIZE_CHANGE = 1.25
#: ... and an old job split (a new job merged) when at least this share of it went to each of two or more.
PART = 0.25

Key = tuple[str, int, int]


def statement_key(s: Statement) -> Key:
    return (s.doc_id, s.start, s.end)


@dataclass(frozen=True)
class Previous:
    """A previous run as its folder holds it: each statement's job as the clusterer found it (before a reviewer's
    merges and splits, so the same decisions find the same jobs again), each statement's theme, and the ids it
    used."""

    job_of: dict[Key, int]
    theme_of: dict[Key, int]
    max_job: int
    max_theme: int
    started_at: str = ""

    @classmethod
    def read(cls, run_dir: Path) -> Previous:
        from jtbd.report import read_assignments, read_found_jobs, read_results

        results = read_results(run_dir)
        statements, labels = read_assignments(run_dir, results.clusters)
        keys = [statement_key(s) for s in statements]
        found = read_found_jobs(run_dir)
        final_of = dict(zip(keys, labels.tolist()))
        job_of = dict(zip(keys, found)) if found is not None and len(found) == len(keys) else final_of
        theme_of_job = {c.id: c.theme for c in results.clusters if c.theme is not None}
        used_themes = [t.id for t in results.themes] + list(theme_of_job.values())
        return cls(
            {key: job for key, job in job_of.items() if job >= 0},
            {key: theme_of_job.get(job, -1) for key, job in final_of.items() if job >= 0},
            max([c.id for c in results.clusters] + list(job_of.values()), default=-1),
            max(used_themes, default=-1),
            results.run.started_at,
        )


def read_jobs(run_dir: Path) -> tuple[Results, dict[Key, int]]:
    """A run folder's results and each of its statements' job (-1: noise), by statement key."""
    from jtbd.report import read_assignments, read_results

    results = read_results(run_dir)
    statements, labels = read_assignments(run_dir, results.clusters)
    return results, {statement_key(s): int(label) for s, label in zip(statements, labels.tolist())}


def stable_ids(labels: np.ndarray, keys: Sequence[Key], old_of: dict[Key, int], after: int) -> dict[int, int]:
    """New cluster id -> the id it keeps: the old cluster it matches (module docstring), else a fresh id above
    `after`, given in the order of the new ids."""
    from scipy.optimize import linear_sum_assignment

    new_ids = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    common = [(int(label), old_of[key]) for label, key in zip(labels.tolist(), keys) if key in old_of]
    pairs = Counter((new, old) for new, old in common if new >= 0)
    new_size = Counter(new for new, _ in common if new >= 0)
    old_size = Counter(old for _, old in common)
    old_ids = sorted(old_size)
    mapping: dict[int, int] = {}
    if pairs and new_ids and old_ids:
        row, col = {c: i for i, c in enumerate(new_ids)}, {c: j for j, c in enumerate(old_ids)}
        together = np.zeros((len(new_ids), len(old_ids)))
        for (new, old), shared in pairs.items():
            if shared >= MATCH_SHARE * min(new_size[new], old_size[old]):
                together[row[new], col[old]] = shared
        for i, j in zip(*linear_sum_assignment(-together)):
            if together[i, j] > 0:
                mapping[new_ids[i]] = old_ids[j]
    fresh = after  # every old id is at most `after`
    for new in new_ids:
        if new not in mapping:
            fresh += 1
            mapping[new] = fresh
    return mapping


def relabel(labels: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    """`labels` with each cluster id replaced by `mapping`'s (noise stays -1)."""
    return np.array([mapping.get(int(label), -1) if label >= 0 else -1 for label in labels.tolist()], dtype=int)


# --- jtbd diff ------------------------------------------------------------------------------------------------


def diff_runs(old_dir: Path, new_dir: Path) -> dict[str, Any]:
    """What changed from one run to the next, jobs and themes: {"new", "gone", "grown", "shrunk", "split",
    "merged", "same"} for jobs (each entry with ids, labels, sizes and a quote), and the same under "themes"."""
    old, old_job = read_jobs(old_dir)
    new, new_job = read_jobs(new_dir)
    out: dict[str, Any] = dict(_diff(old.clusters, new.clusters, old_job, new_job))
    old_theme = _themes_of(old, old_job)
    new_theme = _themes_of(new, new_job)
    out["themes"] = _diff(old.themes, new.themes, old_theme, new_theme)
    out["runs"] = {"old": _run_info(old, old_dir), "new": _run_info(new, new_dir)}
    return out


def _themes_of(results: Results, job_of: dict[Key, int]) -> dict[Key, int]:
    """Each statement's theme (-1: noise, or a job without one), from its job."""
    theme_of = {c.id: c.theme for c in results.clusters if c.theme is not None}
    return {key: theme_of.get(job, -1) for key, job in job_of.items()}


def _run_info(results: Results, run_dir: Path) -> dict[str, Any]:
    return {"folder": str(run_dir), "started_at": results.run.started_at, "jobs": len(results.clusters)}


def _entry(c: ClusterRecord, **extra: Any) -> dict[str, Any]:
    quote = c.quotes[0].text if c.quotes else ""
    return {"id": c.id, "label": c.label, "size": c.size, "n_authors": c.n_authors, "quote": quote, **extra}


def _diff(
    old: Sequence[ClusterRecord], new: Sequence[ClusterRecord], old_of: dict[Key, int], new_of: dict[Key, int]
) -> dict[str, list[dict[str, Any]]]:
    old_by_id, new_by_id = {c.id: c for c in old}, {c.id: c for c in new}
    common = [(old_of[key], new_of[key]) for key in old_of.keys() & new_of.keys()]
    flows = Counter((o, n) for o, n in common if o >= 0 and n >= 0)
    went = Counter(o for o, _ in common if o >= 0)
    came = Counter(n for _, n in common if n >= 0)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in ("new", "gone", "grown", "shrunk", "split", "merged")}
    out["same"] = []
    for job_id, c in new_by_id.items():
        if job_id not in old_by_id:
            out["new"].append(_entry(c))
            continue
        before = old_by_id[job_id]
        renamed = {"renamed_from": before.label} if before.label != c.label else {}
        entry = _entry(c, size_before=before.size, **renamed)
        ratio = c.size / max(before.size, 1)
        kind = "grown" if ratio >= SIZE_CHANGE else "shrunk" if ratio <= 1 / SIZE_CHANGE else "same"
        out[kind].append(entry)
    out["gone"] = [_entry(c) for job_id, c in old_by_id.items() if job_id not in new_by_id]
    for o, c in old_by_id.items():
        parts = [n for (oo, n), k in flows.items() if oo == o and k >= PART * went[o]]
        if len(parts) >= 2:
            out["split"].append({"id": o, "label": c.label, "into": [_named(new_by_id, n) for n in sorted(parts)]})
    for n, c in new_by_id.items():
        parts = [o for (o, nn), k in flows.items() if nn == n and k >= PART * came[n]]
        if len(parts) >= 2:
            out["merged"].append({"id": n, "label": c.label, "from": [_named(old_by_id, o) for o in sorted(parts)]})
    for entries in out.values():
        entries.sort(key=lambda e: e["id"])
    return out


def _named(by_id: dict[int, ClusterRecord], cluster_id: int) -> dict[str, Any]:
    c = by_id.get(cluster_id)
    return {"id": cluster_id, "label": c.label if c else ""}


def diff_markdown(diff: dict[str, Any]) -> str:
    """`jtbd diff` for a terminal: counts, then each change with one quote."""
    runs = diff["runs"]
    lines = [
        f"# From {runs['old']['started_at'][:10]} ({runs['old']['jobs']} jobs) to "
        f"{runs['new']['started_at'][:10]} ({runs['new']['jobs']} jobs)",
        "",
    ]
    for level, changes in (("Jobs", diff), ("Themes", diff["themes"])):
        counts = ", ".join(f"{len(changes[k])} {k}" for k in ("new", "gone", "grown", "shrunk", "split", "merged"))
        lines += [f"## {level}: {counts}, {len(changes['same'])} about the same", ""]
        for kind in ("new", "grown", "shrunk", "gone"):
            for e in changes[kind]:
                size = f"{e['size_before']:,} → {e['size']:,}" if "size_before" in e else f"{e['size']:,}"
                renamed = f" (was “{e['renamed_from']}”)" if e.get("renamed_from") else ""
                quote = f" — “{' '.join(e['quote'].split())[:120]}”" if e.get("quote") else ""
                lines.append(f"- **{kind}** #{e['id']} {e['label']}{renamed}: {size} statements{quote}")
        for e in changes["split"]:
            lines.append(
                f"- **split** #{e['id']} {e['label']} → " + ", ".join(f"#{p['id']} {p['label']}" for p in e["into"])
            )
        for e in changes["merged"]:
            lines.append(
                "- **merged** "
                + ", ".join(f"#{p['id']} {p['label']}" for p in e["from"])
                + f" → #{e['id']} {e['label']}"
            )
        lines.append("")
    return "\n".join(lines)
