"""Build the statement detector's weights from the labelled set, deterministically, and print their sha256.

Usage:
    python scripts/build_detector.py            # write jtbd/data/statement_detector.json
    python scripts/build_detector.py --check    # rebuild in memory; exit 1 unless it matches the committed file

The weights are learned from every unit of benchmarks/data/statements_multi.jsonl (`jtbd.detect.train_weights`:
C and the threshold chosen leaving one source out). After a rebuild, put the printed sha256 into
models/manifest.toml ([detectors.statements]); jtbd checks it before it loads the file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "benchmarks" / "data" / "statements_multi.jsonl"
OUT = REPO / "jtbd" / "data" / "statement_detector.json"


def build() -> str:
    sys.path.insert(0, str(REPO))
    from jtbd.detect import Example, Unit, train_weights

    records = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    examples = [
        Example(
            Unit(r["unit"], r["is_title"], r["doc_kind"], r["source"] == "hn_reply"),
            r["source"],
            bool(r["is_statement"]),
            r["kind"],
        )
        for r in records
    ]
    digest = hashlib.sha1(LABELS.read_bytes()).hexdigest()[:12]
    return train_weights(examples, trained_on=f"{LABELS.name} sha1 {digest}, {len(examples)} units").to_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed file instead of writing it")
    args = parser.parse_args()
    text = build()
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if args.check:
        committed = OUT.read_bytes() if OUT.is_file() else b""
        same = committed == text.encode("utf-8")
        print(
            f"{'ok' if same else 'DIFFERENT'}: rebuilt sha256 {sha}, committed {hashlib.sha256(committed).hexdigest()}"
        )
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text):,} bytes), sha256 {sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
