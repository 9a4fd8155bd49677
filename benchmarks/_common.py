"""What the benchmark scripts share: where the data in ../shared lives, reading StackOverflow-20k, and writing
results (every script ends with its JSON under benchmarks/results/ and says where)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"
SO20K = SHARED / "short-text-clustering" / "stackoverflow_20k_20cls.tsv"
HN_POSTINGS = SHARED / "hn-whoishiring-2018-2026" / "postings.jsonl.gz"


def load_so20k() -> tuple[list[str], np.ndarray] | None:
    """StackOverflow-20k titles and their 20 class ids, or None when ../shared is absent."""
    if not SO20K.is_file():
        return None
    texts, labels = [], []
    for line in SO20K.read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        if text.strip():
            texts.append(text.strip())
            labels.append(int(label))
    return texts, np.array(labels)


def write_results(path: Path, results: Any, *, note: str = "") -> None:
    """Write `results` as indented JSON to `path` (creating its folder) and print "wrote PATH"."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"{note}wrote {path}")


def peak_rss_mb() -> dict[str, int]:
    """Peak resident memory of this process and of its largest child (spaCy's second parser process), in MB."""
    import resource

    return {
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_rss_child_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def cluster_as_the_product(
    vectors: np.ndarray, config: Any, voices: list[str] | None = None, kinds: list[str] | None = None
) -> Any:
    """The product's cluster stage with `config`'s settings, as `jtbd.pipeline` runs it: `JobClusterer` and, given
    each statement's voice, the rule that a job is said by `config.min_voices` voices; given each statement's kind,
    role work and customer jobs clustered apart (`config.split_sides`). Returns a `Clustering`."""
    from jtbd.clustering import JobClusterer, cluster_statements, statement_side

    groups = [statement_side(k) for k in kinds] if kinds is not None and config.split_sides else None
    if voices is None:  # no voices known: every cluster stands
        return cluster_statements(
            JobClusterer.from_config(config), vectors, [""] * len(vectors), min_voices=1, groups=groups
        )
    return cluster_statements(
        JobClusterer.from_config(config), vectors, voices, min_voices=config.min_voices, groups=groups
    )
