"""Every default in one frozen `Config`; `load_config` layers jtbd.toml and explicit overrides on top.

Precedence: defaults, then `$JTBD_HOME/jtbd.toml`, then keyword overrides (the CLI's flags). An override of
`None` means "use the config".
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jtbd.errors import ConfigError, JtbdError

HOME_ENV = "JTBD_HOME"
UNITS = ("statement", "sentence", "document")
PERIODS = ("week", "month", "quarter")
#: "auto": month, or week for a corpus spanning under six months (`rank.choose_period`).
PERIOD_CHOICES = (*PERIODS, "auto")


def home_dir() -> Path:
    """Folder for the embedding cache, run history and settings: `$JTBD_HOME`, else `~/.jtbd`."""
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / ".jtbd"


def make_home_folder(folder: Path, what: str, error: type[JtbdError]) -> None:
    """Create `folder` (under the home) or raise `error` as one line that names it and says to set JTBD_HOME."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as cause:
        raise error(
            f"{folder}: cannot create the {what} ({cause.strerror}). Set {HOME_ENV} to a folder you can write to."
        ) from None


def models_manifest_path() -> Path:
    """The models manifest: inside the installed package (wheel), else the repository's `models/`."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "models" / "manifest.toml", package_dir.parent / "models" / "manifest.toml"):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"No models manifest found next to the package ({package_dir}). Reinstall jtbd with `pip install -e .` "
        "from its repository."
    )


@dataclass(frozen=True)
class Config:
    """Resolved settings of one run. Saved into run.json so a report can be reproduced."""

    model: str = "minilm"
    unit: str = "statement"
    min_cluster_size: int | None = None  # None: scales with the number of statements
    # Distinct voices (authors, else documents) a cluster needs to be a job; None: min_cluster_size; 1 keeps all.
    min_voices: int | None = None
    min_samples: int | None = None
    seed: int = 42
    # Noise points join their nearest cluster when its centroid is at least this cosine-similar; 1.0 turns it off.
    noise_similarity: float = 0.55
    # Clustering (README "Clustering benchmark"): "leiden" (kNN graph + Leiden) or "hdbscan" (the previous default).
    cluster_method: str = "leiden"
    resolution: float = 2.0  # Leiden modularity resolution: higher gives more, smaller clusters (1: fewer, larger)
    stability: bool = False  # re-cluster 5 subsamples and flag clusters that do not come back (5x cluster time)
    # Clusters less cohesive than this share of the median cohesion become noise (mixed bags); 0 keeps them all.
    min_cohesion_ratio: float = 0.75
    merge_similarity: float = 0.9  # clusters whose centroids are at least this cosine-similar merge; 1 turns it off
    period: str = "auto"  # week | month | quarter, or auto: chosen from the corpus span (`rank.choose_period`)
    window: int | None = None  # periods of the growth fit, counted back from the last; None: the last 24 months
    since: datetime | None = None
    until: datetime | None = None
    text_field: str | None = None
    time_field: str | None = None
    id_field: str | None = None
    author_field: str | None = None
    strict: bool = False
    batch_size: int = 64
    max_quotes: int = 5
    n_keywords: int = 8
    weights: dict[str, float] | None = None  # score weights by part name; None: rank.DEFAULT_WEIGHTS

    def __post_init__(self) -> None:
        for name in ("since", "until"):  # a date without a zone means UTC, as everywhere in jtbd
            value = getattr(self, name)
            if isinstance(value, datetime) and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))
        if not 0.0 <= self.noise_similarity <= 1.0:
            raise ConfigError(
                f"noise_similarity must be between 0 and 1. Got {self.noise_similarity}. "
                "Pass --noise-similarity 1 to keep all noise."
            )
        if not self.resolution > 0:
            raise ConfigError(
                f"resolution must be above 0. Got {self.resolution}. Pass e.g. --resolution 2 (higher: more, smaller "
                "clusters)."
            )
        for name in ("merge_similarity", "min_cohesion_ratio"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1. Got {getattr(self, name)}.")
        for name, low in (("max_quotes", 0), ("n_keywords", 1), ("batch_size", 1)):
            if getattr(self, name) < low:
                raise ConfigError(f"{name} must be an int >= {low}. Got {getattr(self, name)}.")
        if self.min_cluster_size is not None and self.min_cluster_size < 2:
            raise ConfigError(
                f"min_cluster_size must be an int >= 2. Got {self.min_cluster_size}. "
                "Pass --min-cluster-size 2 or higher."
            )
        if self.min_voices is not None and self.min_voices < 1:
            raise ConfigError(
                f"min_voices must be an int >= 1. Got {self.min_voices}. Pass --min-voices 1 to keep every cluster."
            )
        if self.weights is not None and not (
            isinstance(self.weights, dict) and all(type(v) in (int, float) for v in self.weights.values())
        ):
            raise ConfigError(f"weights must map score parts to numbers. Got {self.weights!r}. Example: {{growth = 2}}")
        if self.unit not in UNITS:
            raise ConfigError(f"unit must be one of {', '.join(UNITS)}. Got {self.unit!r}.")
        if self.period not in PERIOD_CHOICES:
            raise ConfigError(f"period must be one of {', '.join(PERIOD_CHOICES)}. Got {self.period!r}.")
        if self.window is not None and self.window < 3:
            raise ConfigError(f"window must be at least 3 periods. Got {self.window}. Pass --window 3 or higher.")
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since ({self.since:%Y-%m-%d}) is after --until ({self.until:%Y-%m-%d}).")

    @property
    def home_path(self) -> Path:
        """The one home folder (cache, run history, built models, jtbd.toml): `$JTBD_HOME` or `~/.jtbd`."""
        return home_dir()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view, for run.json."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, Path):
                value = str(value)
            out[key] = value
        out["home"] = str(self.home_path)
        return out


def load_config(**overrides: Any) -> Config:
    """Build a Config from defaults, `$JTBD_HOME/jtbd.toml`, then the overrides that are not None."""
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}
    toml_path = home_dir() / "jtbd.toml"
    if toml_path.is_file():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{toml_path}: {err}. Fix the file or remove it.") from err
        for key, value in data.items():
            key = key.replace("-", "_")
            if key not in known:
                raise ConfigError(f"{toml_path}: unknown setting {key!r}. Known: {', '.join(sorted(known))}.")
            values[key] = value
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"Unknown setting {key!r}.")
        if value is not None:
            values[key] = value
    return replace(Config(), **values)
