"""Are jtbd's growth intervals honest on real data? A split-half test on the HN "Who is hiring?" postings.

The trend benchmark plants questions that each have their own author, so it cannot tell whether an interval
allows for authors who keep posting. Here nothing is planted: the corpus is clustered once as `jtbd cluster` does,
then its authors are split at random into two halves and every cluster's growth is fitted on each half alone, over
the same 24-month window. The halves are independent samples of voices with the same true trend, so if each fit's
standard error is right, z = (slope_A - slope_B) / sqrt(se_A^2 + se_B^2) follows a standard normal curve: a
standard deviation of 1, |z| > 1.96 for 5% of the clusters and |z| > 2.58 for 1%. Two rules for the standard error
are compared: quasi-Poisson alone (jtbd before voice clustering) and jtbd's rule (the larger of quasi-Poisson and
the variance clustered by author, with at most authors - 1 degrees of freedom for the t reference). The same test
runs again with themes (each statement labelled by its job's theme) in place of jobs.

Usage: python benchmarks/calibration.py [--corpus PATH] [--splits 8] [--ends 2019-12,2021-12,2023-12,2026-01]
Reads ../shared/corpora/hn-whoishiring-2018-2026/postings.jsonl.gz unless --corpus is given (skips cleanly when
absent); clusters it with the cache in benchmarks/.cache/home (cold ~3.5 min on the whole HN corpus, then ~20 s);
prints a table and writes benchmarks/results/calibration.json.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import HN_POSTINGS, REPO, write_results

RULES = ("quasi-Poisson alone", "jtbd: larger of quasi-Poisson and clustered by author")
#: jtbd's rule is also scored by how many authors the smaller half's fit had: with few, Student's t (authors - 1
#: degrees of freedom) has wider tails than the normal curve these shares are read against.
VOICE_BANDS = ((2, 10), (10, 20), (20, 50), (50, 10**9))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HN_POSTINGS, help="a corpus jtbd reads (file or folder)")
    parser.add_argument("--splits", type=int, default=8, help="random splits of the authors per window")
    parser.add_argument(
        "--ends", default="2019-12,2021-12,2023-12,2026-01", help="last month of each 24-month window tested"
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "calibration.json")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"skipped: {args.corpus} not found (benchmark data lives in ../shared)")
        return 0

    from jtbd.pipeline import cluster

    os.environ["JTBD_HOME"] = str(REPO / "benchmarks" / ".cache" / "home")
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run = cluster(args.corpus, out=Path(tmp) / "out")
    print(
        f"clustered {len(run.statements):,} statements into {len(run.clusters)} clusters in "
        f"{time.perf_counter() - begin:.0f} s"
    )

    theme_of = {c.id: c.theme for c in run.results.clusters}
    theme_labels = np.array([theme_of[label] if label >= 0 else -1 for label in run.labels.tolist()])
    rows, per_window = [], []
    for level, labels in (("jobs", run.labels), ("themes", theme_labels)):
        z_by_rule: dict[str, list[tuple[float, int]]] = {rule: [] for rule in RULES}
        for end in args.ends.split(","):
            counts = {rule: 0 for rule in RULES}
            for split in range(args.splits):
                for rule, pairs in split_half_z(run.statements, labels, end, split).items():
                    z_by_rule[rule].extend(pairs)
                    counts[rule] += len(pairs)
            per_window.append({"level": level, "window_end": end, "pairs": counts})
        prefix = "" if level == "jobs" else "themes: "
        rows += [summary(prefix + rule, np.array([z for z, _ in pairs])) for rule, pairs in z_by_rule.items()]
        for low, high in VOICE_BANDS if level == "jobs" else ():
            z = [z for z, voices in z_by_rule[RULES[1]] if low <= voices < high]
            band = f"{low}+" if high == 10**9 else f"{low}-{high - 1}"
            rows.append(summary(f"jtbd, {band} authors in the smaller half", np.array(z)))
    print_table(rows, args)
    write_results(
        args.out,
        {
            "command": "python benchmarks/calibration.py"
            + (f" --corpus {args.corpus}" if args.corpus != HN_POSTINGS else "")
            + (f" --splits {args.splits}" if args.splits != 8 else ""),
            "corpus": str(args.corpus.name),
            "statements": len(run.statements),
            "clusters": len(run.clusters),
            "themes": len(run.results.themes),
            "windows": per_window,
            "rules": rows,
            "seconds": round(time.perf_counter() - begin, 1),
        },
    )
    return 0


def split_half_z(statements: list[Any], labels: np.ndarray, end: str, split: int) -> dict[str, list[tuple[float, int]]]:
    """For one random split of the authors (seeded by `split`), each cluster's z between the two halves' slopes
    over the 24 months ending in `end`, under each rule, with the smaller half's number of authors; clusters that
    either half cannot fit are left out."""
    from jtbd.growth import moderated_tests, poisson_fit
    from jtbd.periods import MIN_VOICES_TO_FIT, period_key
    from jtbd.rank import _make_window, _period_counts

    keys = [period_key(s.created_at, "month") if s.created_at else None for s in statements]
    voices = [s.author or s.doc_id for s in statements]
    half = np.array([int(hashlib.sha1(f"{split}:{v}".encode()).hexdigest(), 16) % 2 for v in voices])
    fits: dict[str, list[dict[int, Any]]] = {rule: [] for rule in RULES}
    n_voices: list[dict[int, int]] = []
    for side in (0, 1):
        side_keys = [k if h == side and k is not None and k <= end else None for k, h in zip(keys, half)]
        window = _make_window(side_keys, voices, labels.tolist(), "month", 24)
        members: dict[int, list[int]] = {}
        for row, label in enumerate(labels):
            if label >= 0 and side_keys[row] is not None:
                members.setdefault(int(label), []).append(row)
        per_rule: dict[str, dict[int, Any]] = {rule: {} for rule in RULES}
        n_voices.append({})
        for cluster_id, rows in members.items():
            counts, authors, by_voice = _period_counts(rows, side_keys, voices, window)
            if authors.sum() < MIN_VOICES_TO_FIT:
                continue
            n_voices[-1][cluster_id] = by_voice.n_voices
            per_rule[RULES[0]][cluster_id] = poisson_fit(counts, window.totals, 12.0)
            per_rule[RULES[1]][cluster_id] = poisson_fit(counts, window.totals, 12.0, by_voice)
        for rule in RULES:
            tested = moderated_tests(list(per_rule[rule].values()))
            fits[rule].append(dict(zip(per_rule[rule], tested)))
    out: dict[str, list[tuple[float, int]]] = {}
    for rule, (a, b) in fits.items():
        out[rule] = [
            ((a[c].slope - b[c].slope) / math.hypot(a[c].se, b[c].se), min(n_voices[0][c], n_voices[1][c]))
            for c in a
            if a[c] and b.get(c) is not None
        ]
    return out


def summary(rule: str, z: np.ndarray) -> dict[str, Any]:
    return {
        "rule": rule,
        "pairs": int(len(z)),
        "sd_z": round(float(z.std()), 3),
        "beyond_1.96": round(float(np.mean(np.abs(z) > 1.96)), 4),
        "beyond_2.58": round(float(np.mean(np.abs(z) > 2.58)), 4),
    }


def print_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\nsplit-half z of each cluster's growth, {args.splits} author splits x windows ending {args.ends}")
    print("honest intervals: sd 1.00, |z| > 1.96 in 5%, |z| > 2.58 in 1%\n")
    print("| standard error rule | pairs | sd(z) | abs(z) > 1.96 | abs(z) > 2.58 |\n|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['rule']} | {row['pairs']:,} | {row['sd_z']:.2f} | {row['beyond_1.96']:.1%} | "
            f"{row['beyond_2.58']:.1%} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
