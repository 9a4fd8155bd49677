"""Build the many-small-classes clustering set: startup question titles labelled by their one frequent tag.

A question is kept when exactly one of its tags is among the 90 most frequent tags of both sites (so its label is
unambiguous); tags with fewer than 10 such questions are dropped and each tag keeps at most 30 questions, drawn
with a fixed seed. Result: ~89 classes, ~2,400 titles. Tags are weak labels (a "marketing" question may be
about "sales" too), so absolute scores are lower than on StackOverflow-20k; the set guards against defaults that
win by making every cluster huge.

Usage: python benchmarks/data/startup_tags.py [--out startup_tags.tsv]   (label<TAB>title per line)
Reads ../shared/corpora/startups-stackexchange-2009-2017/*.jsonl.gz; the data is CC BY-SA 3.0 and not committed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE_DIR = REPO.parent / "shared" / "corpora" / "startups-stackexchange-2009-2017"
N_TAGS, MIN_PER_TAG, MAX_PER_TAG, SEED = 90, 10, 33, 0


def load_startup_tags(source_dir: Path = SOURCE_DIR, *, seed: int = SEED) -> tuple[list[str], list[str]] | None:
    """(titles, tags) aligned, or None when the corpus is absent."""
    files = sorted(source_dir.glob("*.jsonl.gz"))
    if not files:
        return None
    records = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    counts = Counter(tag for record in records for tag in record.get("tags") or [])
    frequent = {tag for tag, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:N_TAGS]}
    by_tag: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for record in records:
        title = " ".join(str(record.get("title") or "").split())
        matched = [tag for tag in record.get("tags") or [] if tag in frequent]
        if len(matched) == 1 and title and title.lower() not in seen:
            seen.add(title.lower())
            by_tag[matched[0]].append(title)
    rng = random.Random(seed)
    titles, tags = [], []
    for tag in sorted(by_tag):
        pool = by_tag[tag]
        if len(pool) < MIN_PER_TAG:
            continue
        for title in rng.sample(pool, min(MAX_PER_TAG, len(pool))):
            titles.append(title)
            tags.append(tag)
    return titles, tags


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".tsv"))
    args = parser.parse_args()
    loaded = load_startup_tags()
    if loaded is None:
        print(f"skipped: {SOURCE_DIR} not found (benchmark data lives in ../shared)")
        return 0
    titles, tags = loaded
    args.out.write_text("".join(f"{tag}\t{title}\n" for title, tag in zip(titles, tags)), encoding="utf-8")
    print(f"{len(titles):,} titles in {len(set(tags))} classes -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
