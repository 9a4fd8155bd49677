#!/usr/bin/env python3
"""Cut the bundled demo corpus (``corpora/startups-demo/``) from the Stack Exchange startups corpus.

Why
---
The full source corpus (two gzipped JSONL files, ~16 MB compressed, with every answer) lives
outside the repository in ``../shared/corpora/startups-stackexchange-2009-2017/``. The package
needs a small, *dated*, license-clean corpus that ships inside the repo so demos and tests work
offline. This script makes that cut deterministically:

* a year-stratified random sample (default 5,000 questions, seed 0) of "Answers OnStartups"
  (answers.onstartups.com, 2009-2013; ``--sites se`` or ``both`` add "Startups Stack Exchange",
  startups.stackexchange.com, 2014-2017); each year gets a share proportional to its size, but no
  year gets fewer than ``--min-per-year`` (default 150) questions if it has that many. The rule is
  blind to topics. Answers OnStartups is the default because its years hold real changes for jtbd
  to find (equity and legal questions rose, marketing and blog questions fell: measured in
  docs/benchmarks.md, "Demo corpus"); a 2009-2017 sample of both sites showed none;
* questions whose body is empty or shorter than 40 characters are dropped; nothing else is
  filtered or preferred (no score / answer-count bias);
* bodies longer than 3,000 characters are cut at the last sentence boundary before that limit and
  marked ``"body_truncated": true``;
* answers and ``source_path`` are dropped; ``site``, ``url`` and ``license`` are added so every
  record carries its own attribution (CC BY-SA 3.0 requires site, question link and author);
* output is plain (not gzipped) JSONL sorted by ``created_date`` then ``question_id`` so it diffs.

It also writes ``LICENSE.md`` (CC BY-SA 3.0 notice, provenance, modification notice, and the two
original Stack Exchange license texts) and ``ATTRIBUTION.md`` (per-site and per-year counts).

How to rerun
------------
From the repository root (stdlib only, any Python >= 3.9)::

    python scripts/make_demo_corpus.py                      # defaults: --sites aos --n 5000 --seed 0
    python scripts/make_demo_corpus.py --source /path/to/startups-stackexchange-2009-2017 \\
        --out corpora/startups-demo --sites aos --n 5000 --seed 0

Relative ``--source`` / ``--out`` paths are resolved against the repository root, not the current
directory. With the same source files and arguments the output is byte-identical.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

LICENSE_NAME = "CC BY-SA 3.0"
LICENSE_URL = "https://creativecommons.org/licenses/by-sa/3.0/"
MAX_BODY_CHARS = 3000
MIN_BODY_CHARS = 40

# source file -> (site host, site display name, origin repo, origin commit, license file)
SOURCES = [
    (
        "answers_onstartups_2009_2013.jsonl.gz",
        "answers.onstartups.com",
        "Answers OnStartups",
        "https://github.com/collapsed-stacks/onstartups",
        "240fea96a6a543e3e9cf557dcfe08bb74f829622",
        "LICENSE-onstartups.txt",
    ),
    (
        "startups_se_2014_2017.jsonl.gz",
        "startups.stackexchange.com",
        "Startups Stack Exchange",
        "https://github.com/collapsed-stacks/startups",
        "b98ec0474467306e20f325339e9670e253dbcd41",
        "LICENSE-stackexchange-startups.txt",
    ),
]

OUT_KEYS = [
    "question_id",
    "title",
    "created_date",
    "author",
    "tags",
    "score",
    "body",
    "body_truncated",
    "n_answers",
    "site",
    "url",
    "license",
]

_SENTENCE_END = re.compile(r"(?:[.!?][\"')\]]*(?=\s)|\n)")


def resolve(p: str) -> Path:
    path = Path(p)
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def truncate_body(body: str, limit: int = MAX_BODY_CHARS) -> tuple[str, bool]:
    """Cut ``body`` to at most ``limit`` chars at the last sentence boundary; (text, truncated)."""
    if len(body) <= limit:
        return body, False
    head = body[:limit]
    cut = None
    for m in _SENTENCE_END.finditer(head):
        cut = m.end()
    # Only accept a sentence boundary that keeps at least half of the allowed text;
    # otherwise fall back to the last whitespace (one very long "sentence", e.g. a code dump).
    if cut is None or cut < limit // 2:
        ws = head.rfind(" ")
        cut = ws if ws >= limit // 2 else limit
        return head[:cut].rstrip() + " …", True
    return head[:cut].rstrip(), True


def load(source_dir: Path) -> list[dict]:
    records = []
    for fname, host, *_ in SOURCES:
        with gzip.open(source_dir / fname, "rt", encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                r = json.loads(line)
                body = (r.get("body") or "").strip()
                date = r.get("created_date") or ""
                if len(body) < MIN_BODY_CHARS or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
                    continue
                r["body"] = body
                r["site"] = host
                records.append(r)
    return records


def allocate(available: dict[str, int], n: int, floor: int) -> dict[str, int]:
    """Proportional allocation of ``n`` over years, with a per-year floor (capped by availability)."""
    n = min(n, sum(available.values()))
    alloc: dict[str, int] = {}
    free = dict(available)
    budget = n
    # Years whose proportional share falls below the floor are pinned at the floor, repeatedly.
    while True:
        total = sum(free.values())
        pinned = {y: min(floor, a) for y, a in free.items() if budget * a / total < min(floor, a)}
        if not pinned:
            break
        for y, k in pinned.items():
            alloc[y] = k
            budget -= k
            del free[y]
        if not free:
            break
    if free:
        total = sum(free.values())
        exact = {y: budget * a / total for y, a in free.items()}
        share = {y: min(int(v), free[y]) for y, v in exact.items()}
        rest = budget - sum(share.values())
        # largest remainder, ties broken by year for determinism
        for y in sorted(free, key=lambda y: (-(exact[y] - int(exact[y])), y)):
            if rest <= 0:
                break
            if share[y] < free[y]:
                share[y] += 1
                rest -= 1
        alloc.update(share)
    return dict(sorted(alloc.items()))


def sample(records: list[dict], n: int, seed: int, floor: int) -> list[dict]:
    by_year: dict[str, list[dict]] = {}
    for r in records:
        by_year.setdefault(r["created_date"][:4], []).append(r)
    alloc = allocate({y: len(v) for y, v in by_year.items()}, n, floor)
    rng = random.Random(seed)
    chosen = []
    for year in sorted(by_year):
        pool = sorted(
            by_year[year],
            key=lambda r: (r["created_date"], r["site"], r["question_id"]),
        )
        chosen.extend(rng.sample(pool, alloc.get(year, 0)))
    chosen.sort(key=lambda r: (r["created_date"], r["question_id"], r["site"]))
    return chosen


def to_output(r: dict) -> dict:
    body, truncated = truncate_body(r["body"])
    out = {
        "question_id": r["question_id"],
        "title": r.get("title") or "",
        "created_date": r["created_date"],
        "author": r.get("author") or "",
        "tags": list(r.get("tags") or []),
        "score": r.get("score"),
        "body": body,
        "body_truncated": truncated,
        "n_answers": r.get("n_answers"),
        "site": r["site"],
        "url": f"https://{r['site']}/questions/{r['question_id']}",
        "license": LICENSE_NAME,
    }
    return {k: out[k] for k in OUT_KEYS}


def read_license_text(path: Path) -> str:
    """Original SE license texts contain Windows-1252 smart quotes/dashes; decode them properly."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return text.replace("\r\n", "\n").rstrip() + "\n"


def write_license(out_dir: Path, source_dir: Path) -> None:
    lines = [
        "# License — startups demo corpus",
        "",
        (
            f"The text in `questions.jsonl` is licensed under the **Creative Commons Attribution-ShareAlike 3.0"
            f" Unported license ({LICENSE_NAME})**: <{LICENSE_URL}>."
        ),
        "",
        "## Source and attribution",
        "",
        "All questions were written by users of two (now closed) Stack Exchange network sites:",
        "",
    ]
    for _f, host, name, repo, commit, _lic in SOURCES:
        lines.append(
            f"- **{name}** (<https://{host}/>) — retrieved from the GitHub archive {repo} "
            f"at commit `{commit}` (one markdown page per question, `questions/<id>/<slug>.md`)."
        )
    lines += [
        "",
        (
            "Every record in `questions.jsonl` carries its own attribution: `site` (the originating site),"
            " `url` (a direct link to the original question, `https://<site>/questions/<question_id>`),"
            " `author` (the question author's display name as shown in the archive) and `license`."
        ),
        (
            "The archives do not include user ids, so author names cannot be linked to user profile pages;"
            " the names are given exactly as the archive records them."
        ),
        "",
        "## Modifications",
        "",
        (
            "This is an adapted (modified) selection, not the original work. It was produced by"
            " `scripts/make_demo_corpus.py` in this repository, which:"
        ),
        "",
        "- samples a year-stratified random subset of the questions (answers are not included);",
        "- keeps only questions with a body of at least 40 characters;",
        (
            "- uses the plain-text bodies obtained by parsing the archived markdown pages (HTML/markup was"
            " reduced to plain text upstream of this script);"
        ),
        (
            f"- truncates bodies longer than {MAX_BODY_CHARS:,} characters at a sentence boundary"
            ' (such records are marked `"body_truncated": true`);'
        ),
        "- adds the `site`, `url` and `license` fields and drops the archive page path.",
        "",
        "## ShareAlike",
        "",
        (
            f"ShareAlike applies to this text: if you redistribute `questions.jsonl` or material adapted from it,"
            f" you must do so under {LICENSE_NAME} (or a compatible license) with the same attribution"
            " (site, question link, author). This applies to the corpus text only, not to the `jtbd`"
            " source code that processes it."
        ),
        "",
        "No endorsement by Stack Exchange Inc. or by the original authors is implied.",
        "",
        "## Original license notices",
        "",
        (
            "The two Stack Exchange data-dump license notices, copied from the source archives"
            " (Windows-1252 smart quotes and dashes decoded to their proper characters; text otherwise verbatim)."
        ),
        "",
    ]
    for _f, _host, name, repo, _commit, lic in SOURCES:
        lines += [
            f"### {name} ({repo})",
            "",
            "```text",
            read_license_text(source_dir / lic).rstrip("\n"),
            "```",
            "",
        ]
    (out_dir / "LICENSE.md").write_text("\n".join(lines), encoding="utf-8")


def write_attribution(out_dir: Path, rows: list[dict], args: argparse.Namespace) -> None:
    per_site = Counter(r["site"] for r in rows)
    per_year = Counter(r["created_date"][:4] for r in rows)
    per_year_site = Counter((r["created_date"][:4], r["site"]) for r in rows)
    n_trunc = sum(1 for r in rows if r["body_truncated"])
    dates = [r["created_date"] for r in rows]
    lines = [
        "# Attribution — startups demo corpus",
        "",
        (
            f"{len(rows):,} questions, {min(dates)} → {max(dates)}, licensed {LICENSE_NAME} ({LICENSE_URL});"
            " see `LICENSE.md` for provenance, modifications and the ShareAlike terms."
        ),
        "",
        (
            "**Per-record attribution is inside `questions.jsonl`:** every line has `site` (originating"
            " Stack Exchange site), `url` (direct link to the original question) and `author` (question"
            " author's display name), plus `license`."
        ),
        "",
        "## Questions per site",
        "",
        "| site | name | origin archive @ commit | questions |",
        "|---|---|---|---:|",
    ]
    for _f, host, name, repo, commit, _lic in SOURCES:
        lines.append(f"| {host} | {name} | {repo} @ `{commit[:12]}` | {per_site.get(host, 0):,} |")
    lines += [
        "",
        "## Questions per year",
        "",
        "| year | site | questions |",
        "|---|---|---:|",
    ]
    for year in sorted(per_year):
        sites = ", ".join(h for _f, h, *_ in SOURCES if per_year_site.get((year, h)))
        lines.append(f"| {year} | {sites} | {per_year[year]:,} |")
    lines += [
        f"| **total** | | **{len(rows):,}** |",
        "",
        f"Bodies truncated at {MAX_BODY_CHARS:,} characters: {n_trunc:,}.",
        "",
        (
            "Regenerate with `python scripts/make_demo_corpus.py"
            f" --sites {args.sites} --n {args.n} --seed {args.seed} --min-per-year {args.min_per_year}`"
            " (needs the source corpus in `../shared/corpora/startups-stackexchange-2009-2017/`)."
        ),
        "",
    ]
    (out_dir / "ATTRIBUTION.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--source",
        default="../shared/corpora/startups-stackexchange-2009-2017",
        help="source corpus folder (relative paths resolve against the repo root)",
    )
    ap.add_argument(
        "--out",
        default="corpora/startups-demo",
        help="output folder (relative to the repo root)",
    )
    ap.add_argument(
        "--sites",
        choices=("aos", "se", "both"),
        default="aos",
        help="Answers OnStartups (2009-2013, default), Startups Stack Exchange (2014-2017) or both",
    )
    ap.add_argument("--n", type=int, default=5000, help="number of questions to sample")
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    ap.add_argument(
        "--min-per-year",
        type=int,
        default=150,
        help="floor per year (capped by what the year has) so thin years stay represented",
    )
    args = ap.parse_args(argv)

    source_dir = resolve(args.source)
    out_dir = resolve(args.out)
    if not source_dir.is_dir():
        ap.error(f"source folder not found: {source_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)

    records = load(source_dir)
    if args.sites != "both":
        host = {"aos": "answers.onstartups.com", "se": "startups.stackexchange.com"}[args.sites]
        records = [r for r in records if r["site"] == host]
    rows = [to_output(r) for r in sample(records, args.n, args.seed, args.min_per_year)]

    with open(out_dir / "questions.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    write_license(out_dir, source_dir)
    write_attribution(out_dir, rows, args)

    per_year = Counter(r["created_date"][:4] for r in rows)
    size = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    print(f"wrote {len(rows)} questions to {out_dir} ({size / 1e6:.2f} MB total)")
    print("per year:", ", ".join(f"{y} {c}" for y, c in sorted(per_year.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
