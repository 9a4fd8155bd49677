"""Sample the units of the multi-source labelled set `statements_multi.jsonl` (labels empty), at random per source.

Usage:
    python benchmarks/data/make_statements_multi.py                       # the sample, unlabelled, in .cache/
    python benchmarks/data/make_statements_multi.py --batches /tmp/label  # also batches with context, to label
    python benchmarks/data/make_statements_multi.py --check benchmarks/data/statements_multi.jsonl
    python benchmarks/data/make_statements_multi.py --merge /tmp/label  # units + the labellers' files

How: each source is read with jtbd's own reader (`jtbd.ingest.read_corpus`, so documents are what `jtbd cluster`
sees), and each document is cut into units as jtbd cuts it: its title (a unit of its own) and its sentences
(`jtbd.extract.split_sentences`), keeping spans of 3 characters or more with a letter in them. Then N_PER_SOURCE
units are drawn uniformly, without replacement, from all units of the source (seeded by the source's name), so
the set estimates what a corpus of that kind holds: titles, code lines and boilerplate included. N_SECOND of them
per source (seeded again) are also given to a second labeller, who sees neither the first labels nor the tool.

Reads ../shared/corpora (never shipped); the committed set keeps only the units, their ids and offsets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "corpora"
DATA = REPO / "benchmarks" / "data"
OUT = REPO / "benchmarks" / ".cache" / "statements_multi_units.jsonl"  # the unlabelled sample (not committed)
SEED = 20261207
N_PER_SOURCE = 300
N_SECOND = 40
MIN_UNIT = 3


@dataclass(frozen=True)
class Source:
    name: str
    path: str  # under ../shared/corpora
    keep: Callable[[object], bool] = lambda doc: True


def _is_reply(doc: object) -> bool:
    return getattr(doc, "parent_id", None) is not None and getattr(doc, "kind", "") == "discussion"


def _not_hiring(doc: object) -> bool:
    return "who is hiring" not in (getattr(doc, "title", None) or "").lower()


SOURCES = (
    Source("hn_posting", "hn-whoishiring-2018-2026/postings.jsonl.gz"),
    Source("hn_reply", "hn-whoishiring-2018-2026/all_comments.jsonl.gz", _is_reply),
    Source("startups_se", "startups-stackexchange-2009-2017"),
    Source("github_issue", "github-issues-hf-datasets/issues.jsonl.gz"),
    Source("appstore_review", "appstore-reviews-rosematcher/reviews.jsonl.gz"),
    Source("reddit_post", "reddit-top2013-needs/posts.jsonl.gz"),
    Source("enhancement_proposal", "enhancement-proposals/proposals.jsonl.gz"),
    Source("hn_story", "hn-stories-2017-2020/stories.jsonl.gz", _not_hiring),
)


def units_of(doc) -> list[tuple[int, int, bool]]:  # noqa: ANN001
    """(start, end, is_title) of every unit of a document, as jtbd cuts it."""
    from jtbd.extract import split_sentences

    title_end = len(doc.title) if doc.title and doc.text.startswith(doc.title) else 0
    out = [(0, title_end, True)] if title_end else []
    for start, end in split_sentences(doc):
        if start < title_end:
            continue
        text = doc.text[start:end]
        if len(text) >= MIN_UNIT and any(c.isalpha() for c in text):
            out.append((start, end, False))
    return out


def sample(source: Source) -> list[dict]:
    from jtbd.ingest import read_corpus

    documents = [doc for doc in read_corpus(SHARED / source.path).documents if source.keep(doc)]
    spans = [units_of(doc) for doc in documents]
    flat = [(d, u) for d, units in enumerate(spans) for u in range(len(units))]
    rng = random.Random(f"{SEED}:{source.name}")
    picked = sorted(rng.sample(range(len(flat)), N_PER_SOURCE))
    second = set(random.Random(f"{SEED}:{source.name}:second").sample(range(N_PER_SOURCE), N_SECOND))
    records = []
    for n, index in enumerate(picked):
        d, u = flat[index]
        doc, (start, end, is_title) = documents[d], spans[d][u]
        records.append(
            {
                "source": source.name,
                "doc_id": doc.id,
                "doc_kind": doc.kind,
                "is_title": is_title,
                "start": start,
                "end": end,
                "unit": doc.text[start:end],
                "second": n in second,
                "_context": {
                    "title": doc.title,
                    "before": doc.text[max(title_end_of(doc), start - 300) : start][-300:],
                    "after": doc.text[end : end + 300],
                },
            }
        )
    print(f"{source.name}: {len(documents):,} documents, {len(flat):,} units, {N_PER_SOURCE} drawn", file=sys.stderr)
    return records


def title_end_of(doc) -> int:  # noqa: ANN001
    return len(doc.title) if doc.title and doc.text.startswith(doc.title) else 0


def build() -> list[dict]:
    records = []
    for source in SOURCES:
        records += sample(source)
    for n, record in enumerate(records, start=1):
        record["id"] = f"ms-{n:04d}"
    return records


def public(record: dict) -> dict:
    keys = ("id", "source", "doc_id", "doc_kind", "is_title", "start", "end", "unit", "second")
    return {key: record[key] for key in keys}


LABEL_KEYS = ("is_statement", "kind", "job", "note")
KINDS = {"failure", "request", "workaround", "pain", "search", "need", "question", "offering", "role_work"}


def _labels(path: Path) -> dict[str, dict]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            bad = label["is_statement"] != (label["kind"] in KINDS) or bool(label["job"]) != label["is_statement"]
            if bad:
                raise SystemExit(f"{path}: {label['id']} has an inconsistent label: {label}")
            out[label["id"]] = {key: label.get(key) for key in LABEL_KEYS}
    return out


def merge(folder: Path) -> int:
    """Join the units with the first labeller's labels (statements_multi.jsonl) and the second labeller's
    (statements_multi_second.jsonl), checking that every unit has exactly one label of each it should have."""
    units = [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]
    first: dict[str, dict] = {}
    for source in SOURCES:
        first |= _labels(folder / f"{source.name}.labels.jsonl")
    second: dict[str, dict] = {}
    for path in sorted(folder.glob("second_*.labels.jsonl")):
        second |= _labels(path)
    missing = [u["id"] for u in units if u["id"] not in first]
    missing += [u["id"] for u in units if u["second"] and u["id"] not in second]
    if missing or len(first) != len(units):
        raise SystemExit(f"labels missing or extra: {missing[:10]}, {len(first)} labels for {len(units)} units")
    labelled = DATA / "statements_multi.jsonl"
    labelled.write_text(
        "".join(json.dumps({**u, **first[u["id"]]}, ensure_ascii=False) + "\n" for u in units), encoding="utf-8"
    )
    again = DATA / "statements_multi_second.jsonl"
    again.write_text(
        "".join(
            json.dumps({"id": u["id"], **second[u["id"]]}, ensure_ascii=False) + "\n" for u in units if u["second"]
        ),
        encoding="utf-8",
    )
    print(f"wrote {labelled} and {again}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=Path, help="also write labelling batches with context into this folder")
    parser.add_argument("--check", type=Path, help="verify that a labelled file holds exactly these units")
    parser.add_argument("--merge", type=Path, help="folder of <source>.labels.jsonl and second_*.labels.jsonl")
    args = parser.parse_args()
    if args.merge:
        return merge(args.merge)
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} not found (the source corpora live in ../shared)")
        return 0
    sys.path.insert(0, str(REPO))
    records = build()
    if args.check:
        labelled = [json.loads(line) for line in args.check.read_text(encoding="utf-8").splitlines()]
        mismatched = [r["id"] for r, u in zip(records, labelled) if public(r) != {k: u.get(k) for k in public(r)}] + (
            ["(count)"] if len(records) != len(labelled) else []
        )
        print("ok: the labelled file holds the sampled units" if not mismatched else f"mismatch: {mismatched[:10]}")
        return 1 if mismatched else 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(public(r), ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"wrote {OUT} ({len(records)} units, sha1 {hashlib.sha1(OUT.read_bytes()).hexdigest()[:12]})")
    if args.batches:
        args.batches.mkdir(parents=True, exist_ok=True)
        for source in SOURCES:
            batch = [r for r in records if r["source"] == source.name]
            path = args.batches / f"{source.name}.jsonl"
            lines = [json.dumps({**public(r), "context": r["_context"]}, ensure_ascii=False) for r in batch]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            second = [
                json.dumps({**public(r), "context": r["_context"]}, ensure_ascii=False) for r in batch if r["second"]
            ]
            (args.batches / f"{source.name}.second.jsonl").write_text("\n".join(second) + "\n", encoding="utf-8")
        print(f"wrote labelling batches to {args.batches}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
