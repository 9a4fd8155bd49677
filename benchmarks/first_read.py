"""Can a first-time reader find the rising job in thirty seconds? Build a planted-trend corpus for a blind read.

Usage:
    python benchmarks/first_read.py OUT_DIR [--tag taxes] [--seed 0]

Writes OUT_DIR/corpus/: 24 months of HN "Who is hiring?" postings (2024-02 to 2026-01, `--per-month` drawn a
month) and Startups Stack Exchange questions of one tag (default `taxes`),
re-dated into the same months with a share that grows linearly from 0.5% to 8% of the month's postings, each with
its own author. Then run jtbd on it and give readers the report's first screens (README of this benchmark in
docs/benchmarks.md, "First read"): each reader names the jobs that are rising; the plant is found when they name a
job about it. The planted tag and months go to OUT_DIR/plant.json, which readers never see.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import defaultdict
from pathlib import Path

from _common import HN_POSTINGS, REPO

SE = REPO.parent / "shared" / "corpora" / "startups-stackexchange-2009-2017" / "startups_se_2014_2017.jsonl.gz"
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][1:25]  # 2024-02 .. 2026-01
PER_MONTH = 150
SHARE = (0.005, 0.08)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--tag", default="taxes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-month", type=int, default=PER_MONTH, help="HN postings drawn a month")
    args = parser.parse_args()
    if not HN_POSTINGS.is_file() or not SE.is_file():
        print(f"skipped: {HN_POSTINGS} or {SE} not found (benchmark data lives in ../shared)")
        return 0
    rng = random.Random(args.seed)
    by_month: dict[str, list[str]] = defaultdict(list)
    with gzip.open(HN_POSTINGS, "rt", encoding="utf-8") as handle:
        for line in handle:
            month = json.loads(line).get("thread_month")
            if month in MONTHS:
                by_month[month].append(line)
    questions = []
    with gzip.open(SE, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if args.tag in record["tags"] and len(record["body"]) >= 40:
                questions.append(record)
    rng.shuffle(questions)
    corpus = args.out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    postings, planted, used = [], [], 0
    for i, month in enumerate(MONTHS):
        postings += rng.sample(by_month[month], min(args.per_month, len(by_month[month])))
        share = SHARE[0] + (SHARE[1] - SHARE[0]) * i / (len(MONTHS) - 1)
        for _ in range(round(share * args.per_month)):
            if used == len(questions):
                break
            q = questions[used]
            used += 1
            day = rng.randint(1, 28)
            planted.append(
                {
                    "id": f"q{q['question_id']}",
                    "title": q["title"],
                    "body": q["body"],
                    "created_at": f"{month}-{day:02d}T12:00:00Z",
                    "author": f"asker-{used}",
                    "url": f"https://startups.stackexchange.com/questions/{q['question_id']}",
                }
            )
    (corpus / "postings.jsonl").write_text("".join(postings), encoding="utf-8")
    (corpus / "questions.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in planted), encoding="utf-8"
    )
    plant = {
        "tag": args.tag,
        "months": [MONTHS[0], MONTHS[-1]],
        "share": SHARE,
        "per_month": args.per_month,
        "planted": len(planted),
        "command": f"python benchmarks/first_read.py OUT --tag {args.tag} --seed {args.seed} "
        f"--per-month {args.per_month}",
    }
    (args.out / "plant.json").write_text(json.dumps(plant, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {corpus}: {len(postings)} postings, {len(planted)} planted '{args.tag}' questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
