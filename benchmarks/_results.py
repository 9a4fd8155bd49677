"""Writing a benchmark's results: every script ends with its JSON under benchmarks/results/ and says where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
