"""A month later: how much a run on a grown corpus costs against the first cold run, and how many jobs keep their id.

Usage:
    python benchmarks/incremental.py [--first 2018-03] [--until 2024-12] [--then 2025-01]

Writes two corpora of HN "Who is hiring?" postings (../shared): FIRST..UNTIL, and the same plus the month THEN.
Runs `jtbd cluster` on the first with an empty JTBD_HOME (cold: every sentence parsed, every statement embedded),
then on the second into the same --out (the caches hold all but the new month; job ids are matched to the first
run's). Reports both times (ratio in one run on one machine), what the second run parsed and embedded anew, and
the share of the first run's jobs whose statements still form a job that kept its id (issue 26: <= 0.3x, >= 95%).
Writes benchmarks/results/incremental.json (or --out), with each run's stage times.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import HN_POSTINGS, REPO, write_results

OUT = REPO / "benchmarks" / "results" / "incremental.json"
JTBD = str(Path(sys.executable).parent / "jtbd")  # the console script beside this Python


def still_existing(old_dir: Path, new_dir: Path) -> set[int]:
    """First-run jobs that still exist a month later, by their statements alone: one job of the second run holds at
    least half of them (ids not looked at)."""
    from collections import Counter

    from jtbd.identity import statement_key
    from jtbd.report import read_assignments, read_results

    old_statements, old_labels = read_assignments(old_dir, read_results(old_dir).clusters)
    new_statements, new_labels = read_assignments(new_dir, read_results(new_dir).clusters)
    new_of = {statement_key(s): int(label) for s, label in zip(new_statements, new_labels.tolist())}
    flows: Counter[tuple[int, int]] = Counter()
    sizes: Counter[int] = Counter()
    for s, label in zip(old_statements, old_labels.tolist()):
        if label >= 0 and statement_key(s) in new_of:
            sizes[int(label)] += 1
            flows[int(label), new_of[statement_key(s)]] += 1
    return {o for (o, n), k in flows.items() if n >= 0 and k >= 0.5 * sizes[o]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", default="2018-03")
    parser.add_argument("--until", default="2024-12")
    parser.add_argument("--then", default="2025-01")
    parser.add_argument("--keep", action="store_true", help="keep the corpora and both runs' folders (printed)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"results file (default {OUT.relative_to(REPO)})")
    args = parser.parse_args()
    if not HN_POSTINGS.is_file():
        print(f"skipped: {HN_POSTINGS} not found (benchmark data lives in ../shared)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="jtbd-incremental-"))
    home, out = work / "home", work / "out"
    first, second = work / "first", work / "second"
    first.mkdir()
    second.mkdir()
    with gzip.open(HN_POSTINGS, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if args.first <= json.loads(line).get("thread_month", "") <= args.then]
    old = [line for line in lines if json.loads(line)["thread_month"] <= args.until]
    (first / "postings.jsonl").write_text("".join(old), encoding="utf-8")
    (second / "postings.jsonl").write_text("".join(lines), encoding="utf-8")
    runs = {}
    for name, corpus in (("first (cold)", first), ("second (one month more)", second)):
        started = time.perf_counter()
        done = subprocess.run(
            [JTBD, "cluster", str(corpus), "--out", str(out), "--json", "--quiet"],
            env={**os.environ, "JTBD_HOME": str(home)},
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = round(time.perf_counter() - started, 1)
        summary = json.loads(done.stdout)
        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
        runs[name] = {
            "seconds": seconds,
            "documents": run["counts"]["documents"],
            "statements": run["counts"]["statements"],
            "sentences_parsed_new": run["counts"]["sentences_parsed_new"],
            "texts_embedded_new": run["counts"]["texts_embedded_new"],
            "jobs": len(summary["clusters"]),
            "stage_seconds": {k: round(v, 1) for k, v in run["timings"].items()},
        }
        if name.startswith("first"):
            before = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
            shutil.copytree(out, work / "first-out")
    after = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    diff = subprocess.run(
        [JTBD, "diff", str(work / "first-out"), str(out), "--json"],
        env={**os.environ, "JTBD_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    changes = json.loads(diff.stdout)
    old_ids = {c["id"] for c in before["clusters"]}
    kept = {c["id"] for c in after["clusters"]} & old_ids
    gone = {e["id"] for e in changes["gone"]}
    still = still_existing(work / "first-out", out)  # whatever ids say: half of it is still one job
    ratio = runs["second (one month more)"]["seconds"] / runs["first (cold)"]["seconds"]
    result = {
        "command": f"python benchmarks/incremental.py --first {args.first} --until {args.until} --then {args.then}",
        "runs": runs,
        "time_ratio": round(ratio, 3),
        "first_run_jobs": len(old_ids),
        "kept_id": len(kept),
        "gone": len(gone),
        "kept_share_of_all_first_jobs": round(len(kept) / max(len(old_ids), 1), 3),
        "still_exist": len(still),
        "kept_share_of_still_existing": round(len(kept & still) / max(len(still), 1), 3),
        "diff_counts": {k: len(v) for k, v in changes.items() if isinstance(v, list)},
        "targets": {"time_ratio": 0.3, "kept_share": 0.95},
    }
    print(f"{'run':<26}{'seconds':>9}{'documents':>11}{'parsed new':>12}{'embedded new':>14}{'jobs':>6}")
    for name, r in runs.items():
        print(
            f"{name:<26}{r['seconds']:>9}{r['documents']:>11,}{r['sentences_parsed_new']:>12,}"
            f"{r['texts_embedded_new']:>14,}{r['jobs']:>6}"
        )
    print(
        f"second/first time {ratio:.2f} (target <= 0.3); {len(kept)} of {len(old_ids)} first-run jobs kept their id, "
        f"{len(gone)} gone; {len(still)} still exist (one job of the second run holds half their statements or more), "
        f"{len(kept & still)} of them kept their id (target >= 95%)"
    )
    write_results(args.out, result)
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
