"""jtbd: find what people are trying to get done, group it into recurring jobs, rank the jobs by growth.

    run = jtbd.cluster("corpora/startups-demo")                  # the whole pipeline, with the default stages
    run = jtbd.cluster(corpus, clusterer=KMeans(n_clusters=8))   # any stage swapped for an object of your own
    pipeline = jtbd.Pipeline.from_config(jtbd.load_config(period="quarter"))

The stages and their seams are listed in `jtbd.stages`. Importing jtbd loads nothing heavy: each stage imports
its libraries when it is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from jtbd.config import Config, load_config
    from jtbd.pipeline import Pipeline, Run

__all__ = ["Config", "Pipeline", "Run", "cluster", "load_config", "__version__"]


def cluster(corpus: Any, **options: Any) -> Run:
    """Find, group and rank the jobs in `corpus` (a folder or a file) and write the report folder.

    Keyword arguments: `out`, `progress`, any stage object (`extractor`, `embedder`, `clusterer`, `labeler`,
    `ranker`, `reporters`) and any `Config` setting. See `jtbd.pipeline.cluster`.
    """
    from jtbd.pipeline import cluster as run_pipeline

    return run_pipeline(corpus, **options)


def __getattr__(name: str) -> Any:
    """`jtbd.Pipeline`, `jtbd.Run`, `jtbd.Config` and `jtbd.load_config`, imported on first use."""
    if name in ("Pipeline", "Run"):
        from jtbd import pipeline

        return getattr(pipeline, name)
    if name in ("Config", "load_config"):
        from jtbd import config

        return getattr(config, name)
    raise AttributeError(f"module 'jtbd' has no attribute {name!r}")
