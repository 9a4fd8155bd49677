"""Do generic employer lines still fill the top? A blind rating of the top customer jobs, with and without the
specificity part of the score.

Usage:
    python benchmarks/specificity_rating.py --sample RUN_DIR /tmp/specificity.jsonl   # the jobs to rate, shuffled
    python benchmarks/specificity_rating.py --score RUN_DIR LABELS.jsonl               # tally a rater's answers

RUN_DIR is a `jtbd cluster` output folder (whole HN postings for the issue's target). The sample holds the top 20
customer jobs of two rankings of the same clusters: the run's own (specificity weight 0.5) and the run re-scored
with specificity 0 (`GrowthRanker.rescore`, what `jtbd report --weights specificity=0` gives). Each job is shown
once, as its title and five quotes, in an order that says nothing about either ranking. The rater answers
"generic" (a line any company or anyone could write: no customer, domain or object) or "specific" per job. Writes
benchmarks/results/specificity_rating.json; the rated sample is kept in benchmarks/data/specificity_rating.jsonl.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from _common import REPO, write_results

TOP = 20
OUT = REPO / "benchmarks" / "results" / "specificity_rating.json"


def rankings(run_dir: Path) -> dict[str, list]:
    from jtbd.rank import GrowthRanker
    from jtbd.report import read_results

    results = read_results(run_dir)
    customer = [c for c in results.clusters if c.side == "customer"]
    before = GrowthRanker(weights={"specificity": 0.0}).rescore(customer)
    return {"with specificity": customer[:TOP], "without specificity": before[:TOP]}


def sample(run_dir: Path, path: Path) -> None:
    jobs = {c.id: c for ranked in rankings(run_dir).values() for c in ranked}
    rows = [
        {"id": c.id, "title": c.label, "quotes": [q.text for q in c.quotes[:5]]}
        for c in sorted(jobs.values(), key=lambda c: c.id)
    ]
    random.Random("specificity").shuffle(rows)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"wrote {path} ({len(rows)} jobs)")


def score(run_dir: Path, path: Path) -> None:
    answers = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            answers[int(row["id"])] = row["answer"]
    table = {}
    print(f"{'ranking':<22}{'generic in top 10':>19}{'generic in top 20':>19}")
    for name, ranked in rankings(run_dir).items():
        marks = [answers[c.id] for c in ranked]
        table[name] = {
            "top10_generic": marks[:10].count("generic"),
            "top20_generic": marks.count("generic"),
            "top20": [{"id": c.id, "title": c.label, "answer": answers[c.id]} for c in ranked],
        }
        print(f"{name:<22}{table[name]['top10_generic']:>19}{table[name]['top20_generic']:>19}")
    write_results(OUT, {"run": str(run_dir), "rated_jobs": len(answers), "rankings": table})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", nargs=2, type=Path, metavar=("RUN_DIR", "OUT"))
    parser.add_argument("--score", nargs=2, type=Path, metavar=("RUN_DIR", "LABELS"))
    args = parser.parse_args()
    if args.sample:
        sample(*args.sample)
    elif args.score:
        score(*args.score)
    else:
        parser.error("pass --sample or --score")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
