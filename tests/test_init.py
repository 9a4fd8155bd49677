"""Tests for the jtbd package itself: a light import, and public names that never mean two things."""

from __future__ import annotations

import subprocess
import sys
import types


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_init_import_loads_nothing_heavy():
    loaded = _run("import sys, jtbd; print(' '.join(sorted(sys.modules)))").split()
    heavy = {"numpy", "scipy", "sklearn", "torch", "spacy", "duckdb", "pandas", "sentence_transformers"}
    assert heavy.isdisjoint(loaded)
    assert not any(name.startswith("jtbd.") for name in loaded)


def test_init_stage_modules_and_public_functions_never_share_a_name():
    import jtbd
    import jtbd.clustering as clustering
    import jtbd.extract as extract

    assert isinstance(clustering, types.ModuleType) and isinstance(extract, types.ModuleType)
    assert callable(jtbd.cluster) and not isinstance(jtbd.cluster, types.ModuleType)  # after the imports above too
    assert not hasattr(extract, "extract")  # the stage's function is extract_statements
    stage_modules = {"ingest", "extract", "normalise", "embed", "clustering", "label", "rank", "growth", "report"}
    assert stage_modules.isdisjoint(jtbd.__all__)
    assert {"Pipeline", "Run", "Config", "load_config", "cluster"} <= set(jtbd.__all__)
    assert jtbd.Pipeline.__module__ == "jtbd.pipeline"
