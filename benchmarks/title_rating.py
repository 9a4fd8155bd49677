"""Do the job titles say what the statements say? A blind title test on a finished run.

Usage:
    python benchmarks/title_rating.py --sample RUN_DIR PICK.jsonl    # two packets for raters, and the key
    python benchmarks/title_rating.py --score RUN_DIR PICK.jsonl ANSWERS.jsonl --name NAME

For every job of RUN_DIR (a `jtbd cluster` output folder) two blind packets, each in its own shuffled order:

- PICK.jsonl: five of the job's statements (its quotes, as report.html shows them) and its keyphrases, then four
  titles: its own and three other jobs' of the same run, drawn at random (seeded) and shuffled. The rater answers
  `pick`: which title (1-4) is this group's.
- PICK.says.jsonl: the same statements and keyphrases with the job's own title. The rater answers `says`: does the
  title say what these people are trying to do (yes/no)? Given to a rater apart from the first, or after it.

ANSWERS.jsonl holds one line per job: {"job": id, "pick": n, "says": "yes"|"no"} (two raters' files may be merged).
The key (which option is right) is PICK.jsonl.key, never shown to a rater. Targets (issue 24): >= 90% picked
right, >= 80% judged "says". Writes benchmarks/results/title_rating.json under NAME (other names already there are
kept); the rated packets, key and answers are kept in benchmarks/data/title_rating/.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from _common import REPO, write_results

OUT = REPO / "benchmarks" / "results" / "title_rating.json"
OPTIONS = 4
QUOTES = 5


def sample(run_dir: Path, path: Path) -> None:
    from jtbd.report import read_results

    clusters = read_results(run_dir).clusters
    rng = random.Random(f"titles:{run_dir.name}")
    packet: list[dict] = []
    says: list[dict] = []
    key: list[dict] = []
    for c in sorted(clusters, key=lambda c: c.id):
        others = rng.sample([o.label for o in clusters if o.id != c.id and o.label != c.label], OPTIONS - 1)
        options = [c.label, *others]
        rng.shuffle(options)
        statements = [" ".join(q.text.split()) for q in c.quotes[:QUOTES]]
        packet.append(
            {
                "job": c.id,
                "statements": statements,
                "keyphrases": c.keywords[:8],
                "titles": {str(i): title for i, title in enumerate(options, start=1)},
            }
        )
        says.append({"job": c.id, "statements": statements, "keyphrases": c.keywords[:8], "title": c.label})
        key.append({"job": c.id, "right": options.index(c.label) + 1, "title": c.label})
    for rows, out in ((packet, path), (says, path.with_name(path.stem + ".says.jsonl"))):
        rng.shuffle(rows)
        out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    key_path = path.with_name(path.name + ".key")
    key_path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in key), encoding="utf-8")
    print(f"wrote {path} and its .says.jsonl ({len(packet)} jobs), and the key {key_path}")


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(run_dir: Path, path: Path, answers_path: Path, name: str) -> None:
    keyed = _rows(path.with_name(path.name + ".key"))
    key = {row["job"]: row["right"] for row in keyed}
    titles = {row["job"]: row["title"] for row in keyed}
    answers = {int(row["job"]): row for row in _rows(answers_path)}
    missing = sorted(set(key) - set(answers))
    if missing:
        raise SystemExit(f"{answers_path}: no answer for jobs {missing[:10]}{' ...' if len(missing) > 10 else ''}")
    picked = [int(answers[job]["pick"]) == right for job, right in key.items()]
    says = [str(answers[job]["says"]).lower().startswith("y") for job in key]
    result = {
        "run": str(run_dir),
        "jobs": len(key),
        "picked_right": round(sum(picked) / len(picked), 3),
        "says_what_they_do": round(sum(says) / len(says), 3),
        "targets": {"picked_right": 0.9, "says_what_they_do": 0.8},
        "missed_picks": [titles[job] for job, ok in zip(key, picked) if not ok],
        "titles_judged_no": [titles[job] for job, ok in zip(key, says) if not ok],
        "command": f"python benchmarks/title_rating.py --score {run_dir} {path} {answers_path} --name {name}",
    }
    print(
        f"{name}: {len(key)} jobs, picked right {result['picked_right']:.0%} (target 90%), title says what they do "
        f"{result['says_what_they_do']:.0%} (target 80%)"
    )
    previous = json.loads(OUT.read_text(encoding="utf-8")) if OUT.is_file() else {}
    write_results(OUT, {**previous, name: result})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", nargs=2, type=Path, metavar=("RUN_DIR", "SAMPLE"))
    parser.add_argument("--score", nargs=3, type=Path, metavar=("RUN_DIR", "SAMPLE", "ANSWERS"))
    parser.add_argument("--name", default="run", help="what the rated run is, as the results file names it")
    args = parser.parse_args()
    if args.sample:
        sample(*args.sample)
    elif args.score:
        score(*args.score, args.name)
    else:
        parser.error("pass --sample or --score")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
