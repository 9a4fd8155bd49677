"""jtbd: find what people are trying to get done, group it into recurring jobs, rank the jobs by growth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Load the stage module `jtbd.cluster` first: importing a submodule for the first time sets it as an attribute of
# the package, which would otherwise replace the `cluster()` function defined below.
import jtbd.cluster as _cluster_stage  # noqa: E402,F401

if TYPE_CHECKING:
    from jtbd.pipeline import Run


def cluster(corpus: Any, **kwargs: Any) -> Run:
    """Run the whole pipeline on a folder or file; see `jtbd.pipeline.cluster` (imported lazily: fast import)."""
    from jtbd.pipeline import cluster as _cluster

    return _cluster(corpus, **kwargs)


__all__ = ["cluster", "__version__"]
