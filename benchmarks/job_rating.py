"""A blind rater's judgement of normalised jobs: does the job say what the unit's author is trying to get done?

Usage:
    python benchmarks/job_rating.py --sample /tmp/rating.jsonl       # the sample to rate (no labels, no kinds)
    python benchmarks/job_rating.py --score /tmp/rating.labels.jsonl # tally a rater's answers

The sample: every labelled statement of benchmarks/data/statements_multi.jsonl that the shipped design finds when
its source is held out (as in benchmarks/extraction.py), 12 per source at most (seeded), each shown as the unit and
the job jtbd wrote for it, in shuffled order. The rater answers "yes", "partly" or "no" per line, seeing neither the
labelled job nor the source. Writes benchmarks/results/job_rating.json. The rated sample, with the answers, is kept
in benchmarks/data/job_rating.jsonl (`--score benchmarks/data/job_rating.jsonl` tallies it again).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

from _common import REPO, write_results

sys.path.insert(0, str(Path(__file__).parent))
import multisource as ms  # noqa: E402

PER_SOURCE = 12
OUT = REPO / "benchmarks" / "results" / "job_rating.json"


def sample(path: Path) -> None:
    records = ms.load()
    found = ms.leave_one_source_out(records, ms.learned)["_found"]
    rows = []
    for source in sorted({r["source"] for r in records}):
        hits = [r for r in records if r["source"] == source and r["is_statement"] and found.get(r["id"])]
        for r in random.Random(f"rating:{source}").sample(hits, min(PER_SOURCE, len(hits))):
            rows.append({"id": r["id"], "unit": r["unit"], "job": found[r["id"]][1]})
    random.Random("rating").shuffle(rows)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"wrote {path} ({len(rows)} jobs)")


def score(path: Path) -> None:
    source_of = {r["id"]: r["source"] for r in ms.load()}
    answers = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_source: dict[str, Counter] = {}
    for a in answers:
        by_source.setdefault(source_of[a["id"]], Counter())[a["answer"]] += 1
    total = sum(by_source.values(), Counter())
    table = {
        s: {**c, "n": sum(c.values()), "yes_share": round(c["yes"] / sum(c.values()), 3)} for s, c in by_source.items()
    }
    print(f"{'source':<22}{'n':>4}{'yes':>6}{'partly':>8}{'no':>5}")
    for s, c in sorted(by_source.items()):
        print(f"{s:<22}{sum(c.values()):>4}{c['yes']:>6}{c['partly']:>8}{c['no']:>5}")
    print(f"{'all':<22}{sum(total.values()):>4}{total['yes']:>6}{total['partly']:>8}{total['no']:>5}")
    write_results(OUT, {"by_source": table, "all": dict(total), "n": sum(total.values())})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path)
    parser.add_argument("--score", type=Path)
    args = parser.parse_args()
    if not ms.MULTI_SET.is_file():
        print(f"skipped: {ms.MULTI_SET} not found")
        return 0
    if args.sample:
        sample(args.sample)
    if args.score:
        score(args.score)
    return 0


if __name__ == "__main__":
    sys.exit(main())
