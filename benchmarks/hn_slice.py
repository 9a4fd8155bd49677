"""Time `jtbd cluster` stage by stage on a slice of the HN "Who is hiring?" postings, cold cache then warm.

Usage: python benchmarks/hn_slice.py [--n 10000] [--model minilm]
Reads ../shared/corpora/hn-whoishiring-2018-2026/postings.jsonl.gz (skips cleanly when absent); prints a table
and writes benchmarks/results/hn_slice.json.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, peak_rss_mb, write_results

SOURCE = REPO.parent / "shared" / "corpora" / "hn-whoishiring-2018-2026" / "postings.jsonl.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="postings in the slice (random, seeded)")
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "hn_slice.json")
    args = parser.parse_args()
    if not SOURCE.is_file():
        print(f"skipped: {SOURCE} not found (benchmark data lives in ../shared)")
        return 0

    from jtbd.pipeline import cluster

    with gzip.open(SOURCE, "rt", encoding="utf-8") as handle:
        lines = handle.readlines()
    random.Random(args.seed).shuffle(lines)
    results = {"n_postings": args.n, "model": args.model, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "hn-slice.jsonl"
        corpus.write_text("".join(lines[: args.n]), encoding="utf-8")
        del lines
        os.environ["JTBD_HOME"] = str(Path(tmp) / "home")  # a cold embedding cache
        for label in ("cold cache", "warm cache"):
            start = time.perf_counter()
            run = cluster(corpus, out=Path(tmp) / "out", model=args.model)
            total = time.perf_counter() - start
            counts = run.info["counts"]
            results["runs"].append({"run": label, "seconds": round(total, 1), "timings": run.timings, "counts": counts})
            print(
                f"\n{label}: {total:,.1f} s total, {counts['documents']:,} documents, "
                f"{counts['statements']:,} statements, {counts['clusters']} clusters, "
                f"{counts['noise_share']:.0%} noise, {counts['texts_embedded_new']:,} texts embedded"
            )
            print(f"{'stage':<10}{'seconds':>10}")
            for stage, seconds in run.timings.items():
                print(f"{stage:<10}{seconds:>10.1f}")
        results["top_clusters"] = [c.label.title for c in run.clusters[:20]]
    results.update(peak_rss_mb())
    print(f"\npeak RSS: {results['peak_rss_mb']:,} MB (+ parser child {results['peak_rss_child_mb']:,} MB)")
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
