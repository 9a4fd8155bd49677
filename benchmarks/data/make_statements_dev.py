"""Sample the unlabelled sentences of the statement-detection dev set (benchmarks/data/statements_dev.jsonl).

This script only *samples*: it picks documents and sentences at random (fixed seed) from three real corpora, splits
them with the project's own splitter (so offsets are the ones the tool sees), and assigns the dev/heldout split
before anyone labels anything. The labels (`is_statement`, `kind`, `job`, `note`) were then added by hand; see
STATEMENTS_LABELLING.md.

    .venv/bin/python benchmarks/data/make_statements_dev.py --out /tmp/statements_dev_unlabelled.jsonl
    .venv/bin/python benchmarks/data/make_statements_dev.py --check benchmarks/data/statements_dev.jsonl

`--check` re-runs the sampling and verifies that a labelled file holds exactly the sampled sentences (same ids,
documents, offsets, text and split), so the labelled set can be traced back to this script.

Sampling (no cue words, no filtering other than the 12-character minimum, so the sample shows what the tool meets):
- hn_posting: 140 postings from postings.jsonl.gz, allocated to calendar years in proportion to each year's
  postings (largest remainder), drawn at random within each year; then ONE sentence uniformly at random among the
  posting's sentences of >= 12 characters.
- hn_reply: 110 replies (indent >= 1) from all_comments.jsonl.gz, uniformly at random; one sentence each.
- startup_question: 110 questions from the two Stack Exchange files, allocated in proportion to their sizes;
  text = title + "\\n\\n" + body (title passed as Document.title). For a random third of them (37) the sampled
  sentence is the title itself (titles are deliberately over-represented: the tool sees one title per question);
  for the rest, one body sentence uniformly at random among the non-title sentences of >= 12 characters.
- split: within each source, a random 30% of the records (rounded) are "heldout", the rest "dev".
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from jtbd.extract import split_sentences
from jtbd.types import Document

SEED = 20260214
HN = Path("/work/shared/corpora/hn-whoishiring-2018-2026")
SE = Path("/work/shared/corpora/startups-stackexchange-2009-2017")
SE_FILES = {"onstartups": "answers_onstartups_2009_2013.jsonl.gz", "startups_se": "startups_se_2014_2017.jsonl.gz"}
N_POSTING, N_REPLY, N_QUESTION = 140, 110, 110
TITLE_SHARE = 1 / 3
HELDOUT_SHARE = 0.30
MIN_CHARS = 12


def read_jsonl(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def spans(doc: Document) -> list[tuple[int, int]]:
    return [(s, e) for s, e in split_sentences(doc) if len(doc.text[s:e].strip()) >= MIN_CHARS]


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Largest-remainder allocation of n draws proportional to sizes."""
    total = sum(sizes.values())
    quotas = {k: n * v / total for k, v in sizes.items()}
    alloc = {k: int(q) for k, q in quotas.items()}
    for k in sorted(quotas, key=lambda k: quotas[k] - alloc[k], reverse=True)[: n - sum(alloc.values())]:
        alloc[k] += 1
    return alloc


def record(source: str, doc: Document, span: tuple[int, int]) -> dict:
    s, e = span
    return {"source": source, "doc_id": doc.id, "doc_kind": doc.kind, "start": s, "end": e, "sentence": doc.text[s:e]}


def sample_postings(rng: random.Random) -> list[dict]:
    by_year: dict[str, list[dict]] = defaultdict(list)
    for r in read_jsonl(HN / "postings.jsonl.gz"):
        by_year[r["created_at"][:4]].append({"id": r["id"], "text": r["text"]})
    alloc = allocate({y: len(v) for y, v in by_year.items()}, N_POSTING)
    out = []
    for year in sorted(by_year):
        pool = sorted(by_year[year], key=lambda r: r["id"])
        rng.shuffle(pool)
        taken = 0
        for r in pool:
            if taken == alloc[year]:
                break
            doc = Document(id=f"hn-{r['id']}", source="hn_posting", kind="posting", text=r["text"])
            cand = spans(doc)
            if cand:
                out.append(record("hn_posting", doc, rng.choice(cand)))
                taken += 1
    return out


def sample_replies(rng: random.Random) -> list[dict]:
    pool = sorted(
        (
            {"id": r["id"], "text": r["text"]}
            for r in read_jsonl(HN / "all_comments.jsonl.gz")
            if r.get("indent", 0) >= 1 and r.get("text")
        ),
        key=lambda r: r["id"],
    )
    rng.shuffle(pool)
    out = []
    for r in pool:
        if len(out) == N_REPLY:
            break
        doc = Document(id=f"hn-{r['id']}", source="hn_reply", kind="discussion", text=r["text"])
        cand = spans(doc)
        if cand:
            out.append(record("hn_reply", doc, rng.choice(cand)))
    return out


def sample_questions(rng: random.Random) -> list[dict]:
    pools = {
        site: sorted(
            (
                {"qid": q["question_id"], "title": q["title"].strip(), "body": q.get("body") or ""}
                for q in read_jsonl(SE / fname)
                if q.get("title")
            ),
            key=lambda q: q["qid"],
        )
        for site, fname in SE_FILES.items()
    }
    alloc = allocate({k: len(v) for k, v in pools.items()}, N_QUESTION)
    chosen = []
    for site in sorted(pools):
        pool = pools[site]
        rng.shuffle(pool)
        chosen += [(site, q) for q in pool[: alloc[site] * 2]]  # spares for questions with no usable body sentence
    rng.shuffle(chosen)
    n_titles = round(N_QUESTION * TITLE_SHARE)
    need = dict(alloc)
    out = []
    for site, q in chosen:
        if need[site] == 0:
            continue
        text = q["title"] + "\n\n" + q["body"]
        doc = Document(
            id=f"{site}-{q['qid']}", source="startup_question", kind="discussion", text=text, title=q["title"]
        )
        cand = spans(doc)
        want_title = n_titles > 0
        if want_title:
            pick = [sp for sp in cand if sp[0] < len(q["title"])]
            if not pick:
                continue
            n_titles -= 1
            span = pick[0]
        else:
            pick = [sp for sp in cand if sp[0] >= len(q["title"])]
            if not pick:
                continue
            span = rng.choice(pick)
        out.append(record("startup_question", doc, span))
        need[site] -= 1
    return out


def build() -> list[dict]:
    rng = random.Random(SEED)
    parts = [sample_postings(rng), sample_replies(rng), sample_questions(rng)]
    records = []
    for part in parts:
        n_held = round(len(part) * HELDOUT_SHARE)
        held = set(rng.sample(range(len(part)), n_held))
        for i, r in enumerate(part):
            r["split"] = "heldout" if i in held else "dev"
            records.append(r)
    for i, r in enumerate(records, 1):
        r["id"] = f"dev-{i:04d}"
        r.update(is_statement=None, kind=None, job=None)
    keys = ["id", "source", "doc_id", "doc_kind", "start", "end", "sentence", "is_statement", "kind", "job", "split"]
    return [{k: r[k] for k in keys} for r in records]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write the unlabelled sample here (JSONL)")
    ap.add_argument("--check", help="verify a labelled file against a fresh sample")
    args = ap.parse_args()
    records = build()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"wrote {len(records)} records to {args.out}")
    if args.check:
        labelled = [json.loads(line) for line in open(args.check, encoding="utf-8") if line.strip()]
        fields = ["id", "source", "doc_id", "doc_kind", "start", "end", "sentence", "split"]
        bad = [a["id"] for a, b in zip(records, labelled) if any(a[f] != b.get(f) for f in fields)]
        if len(labelled) != len(records) or bad:
            print(f"MISMATCH: {len(labelled)} labelled vs {len(records)} sampled; differing ids: {bad[:10]}")
            return 1
        unl = [r["id"] for r in labelled if not isinstance(r.get("is_statement"), bool)]
        if unl:
            print(f"unlabelled records: {unl[:10]}")
            return 1
        print(f"OK: {len(labelled)} records match the sample and are labelled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
