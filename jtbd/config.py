"""Every setting of a run, declared once: its default, its check and its help text live on `Config`.

`load_config` layers `$JTBD_HOME/jtbd.toml` and explicit overrides on top of the defaults; an override of `None`
means "use the config". The CLI builds its options from the same fields (`cli.py`), and `jtbd.cluster(**options)`
takes them as keyword arguments, so a setting is spelled in one place.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from jtbd.errors import ConfigError, JtbdError

HOME_ENV = "JTBD_HOME"
PERIODS = ("week", "month", "quarter")
#: "auto": month, or week for a corpus spanning under six months (`rank.choose_period`).
PERIOD_CHOICES = (*PERIODS, "auto")
#: The parts of the opportunity score and their default weights (`rank.GrowthRanker`).
DEFAULT_WEIGHTS = {"growth": 1.0, "reach": 0.5, "pain": 0.5, "supply": 0.3, "specificity": 0.5}
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y-%m-%dT%H:%M:%S")


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


def parse_weights(text: str) -> dict[str, float]:
    """`growth=1,reach=0.5` -> {"growth": 1.0, "reach": 0.5}; names are checked here, before the slow stages."""
    example = "Example: --weights growth=1,reach=0.5,pain=0.5,supply=0.3"
    weights: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        name, _, value = (piece.strip() for piece in item.partition("="))
        try:
            weights[name] = float(value)
        except ValueError:
            weights[name] = math.nan
        if not name or not math.isfinite(weights[name]):
            raise ConfigError(f"--weights must be name=number pairs separated by commas. Got {item!r}. {example}")
        if name not in DEFAULT_WEIGHTS:
            raise ConfigError(f"Unknown score weight {name!r} in --weights. Known: {', '.join(DEFAULT_WEIGHTS)}.")
    return weights


def end_of_day(value: datetime) -> datetime:
    """A date given without a time (`--until 2024-03-31`) means up to the end of that day."""
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return value.replace(hour=23, minute=59, second=59, microsecond=999_999)  # 9999-12-31 has no next day
    return value


_TYPE_WORDS = {int: "a whole number", float: "a number", str: "a string", bool: "true or false", datetime: "a date"}


def _is_a(value: Any, kind: Any) -> bool:
    """Whether `value` is acceptable for a setting of type `kind` (an int where a float is due; never a bool for a
    number)."""
    origin = get_origin(kind) or kind
    if origin is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, origin) if isinstance(origin, type) else True


@cache
def _hints() -> dict[str, Any]:
    return get_type_hints(Config)


def setting(default: Any, help: str, *, cli: type | None = None, parse: Any = None, flag: str | None = None) -> Any:
    """A `Config` field with the help text the CLI shows; `cli` is the type the command line reads when it is not
    the field's own, `parse` turns what it read into the field's value, `flag` overrides the option's name."""
    return field(default=default, metadata={"help": help, "cli": cli, "parse": parse, "flag": flag})


@dataclass(frozen=True)
class Config:
    """Resolved settings of one run. Saved into run.json so a report can be reproduced."""

    model: str = setting("minilm", "Embedding model: minilm, minilm-static (jtbd models build) or hashing.")
    unit: str = setting("statement", "What to cluster: statement (default), sentence or document.")
    detector: str = setting(
        "learned", "What finds job statements: learned (the statement model and the cue rules) or rules (rules alone)."
    )
    min_cluster_size: int | None = setting(None, "Smallest cluster kept. Default grows with the corpus.")
    min_voices: int | None = setting(
        None, "Distinct authors a cluster needs (default: --min-cluster-size); 1 keeps one voice's jobs."
    )
    min_samples: int | None = setting(None, "HDBSCAN's min_samples (with --cluster-method hdbscan only).")
    seed: int = setting(42, "Random seed, saved in run.json.")
    noise_similarity: float = setting(
        0.55, "Noise joins its nearest cluster at this cosine similarity or more; 1 keeps all noise."
    )
    cluster_method: str = setting("leiden", "Clusterer: leiden (kNN graph + Leiden, default) or hdbscan.")
    resolution: float = setting(2.0, "Leiden resolution: higher gives more, smaller clusters.")
    ray: str | None = setting(
        None,
        "Find, parse and embed on a Ray cluster: auto (one started with `ray start --head`), local, or its address. "
        "Needs pip install 'jtbd[ray]'.",
    )
    knn: str = setting(
        "auto",
        "Nearest-neighbour search for the Leiden graph: exact, hnsw (approximate, faiss), or auto (exact up to "
        "50,000 distinct statements, hnsw above).",
    )
    stability: bool = setting(False, "Re-cluster 5 subsamples; flag clusters that do not come back (5x cluster time).")
    min_cohesion_ratio: float = setting(
        0.75, "Clusters less cohesive than this share of the median cluster's become noise; 0 keeps all."
    )
    merge_similarity: float = setting(0.9, "Clusters whose centroids are this cosine-similar merge; 1 merges none.")
    split_sides: bool = setting(
        True,
        "Cluster role work (what companies hire staff to do) apart from customer jobs, so neither dilutes the other.",
    )
    theme_method: str = setting("agglomerative", "How jobs are grouped into themes: agglomerative or leiden.")
    theme_distance: float = setting(0.4, "Jobs whose centres are within this cosine distance share a theme.")
    previous: str | None = setting(
        None, "A previous run folder whose job and theme ids to keep (default: the --out folder, when it holds one)."
    )
    decisions: str | None = setting(
        None, "A reviewer's decisions file to apply (default: <out>.decisions.toml beside the output folder)."
    )
    keep_ids: bool = setting(True, "Match jobs and themes to the previous run's and keep their ids.")
    fdr: str = setting(
        "separate",
        "False discoveries across themes and jobs: separate (one family each), pooled, or hierarchical.",
    )
    similarity: float = setting(
        0.4, "jtbd track: a statement this cosine-similar to a query's vector matches it by meaning."
    )
    period: str = setting(
        "auto",
        "Growth period: week, month or quarter. Default auto: month, or week when the corpus spans under 6 months.",
    )
    window: int | None = setting(None, "Periods in the growth fit, counted back from the last (default: 24 months).")
    since: datetime | None = setting(None, "Only documents from this date (UTC).")
    until: datetime | None = setting(None, "Only documents up to this date, inclusive (UTC).", parse=end_of_day)
    text_field: str | None = setting(None, "Column/key holding the text, for unknown layouts.")
    time_field: str | None = setting(None, "Column/key holding the timestamp.")
    id_field: str | None = setting(None, "Column/key holding the record id.")
    author_field: str | None = setting(None, "Column/key holding the author.")
    title_field: str | None = setting(None, "Column/key holding a title (default: title, subject or headline).")
    url_field: str | None = setting(None, "Column/key holding a link to the record (default: url, link or href).")
    strict: bool = setting(False, "Stop at the first malformed record instead of skipping it.")
    max_record_mb: int = setting(64, "Largest record (a line of .jsonl, unpacked) read; longer ones are skipped.")
    max_file_mb: int = setting(2048, "Largest file read whole (.json, .csv, .txt, unpacked); .jsonl is read by line.")
    batch_size: int = setting(64, "Texts per batch sent to the embedding model.")
    max_quotes: int = setting(5, "Quotes shown per job.")
    n_keywords: int = setting(8, "Keyphrases shown per job.")
    weights: dict[str, float] | None = setting(
        None,
        "Score weights, e.g. growth=1,reach=0.5,pain=0.5,supply=0.3,specificity=0.5 (names left out keep theirs).",
        cli=str,
        parse=parse_weights,
    )

    def __post_init__(self) -> None:
        self._check_types()
        for name in ("since", "until"):  # a date without a zone means UTC, as everywhere in jtbd
            value = getattr(self, name)
            if isinstance(value, datetime) and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))
        if not 0.0 <= self.noise_similarity <= 1.0:
            raise ConfigError(
                f"noise_similarity must be between 0 and 1. Got {self.noise_similarity}. "
                "Pass --noise-similarity 1 to keep all noise."
            )
        if self.knn not in ("auto", "exact", "hnsw"):
            raise ConfigError(f"knn must be auto, exact or hnsw. Got {self.knn!r}.")
        if not self.resolution > 0:
            raise ConfigError(
                f"resolution must be above 0. Got {self.resolution}. Pass e.g. --resolution 2 (higher: more, smaller "
                "clusters)."
            )
        for name in ("merge_similarity", "min_cohesion_ratio"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1. Got {getattr(self, name)}.")
        for name, low in (
            ("max_quotes", 0),
            ("n_keywords", 1),
            ("batch_size", 1),
            ("max_record_mb", 1),
            ("max_file_mb", 1),
        ):
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
        if self.weights is not None:
            if not isinstance(self.weights, dict) or not all(type(v) in (int, float) for v in self.weights.values()):
                raise ConfigError(
                    f"weights must map score parts to numbers. Got {self.weights!r}. Example: {{growth = 2}}"
                )
            unknown = set(self.weights) - set(DEFAULT_WEIGHTS)
            if unknown:
                raise ConfigError(f"Unknown score weight(s) {sorted(unknown)}. Known: {', '.join(DEFAULT_WEIGHTS)}.")
        if self.period not in PERIOD_CHOICES:
            raise ConfigError(f"period must be one of {', '.join(PERIOD_CHOICES)}. Got {self.period!r}.")
        if self.window is not None and self.window < 3:
            raise ConfigError(f"window must be at least 3 periods. Got {self.window}. Pass --window 3 or higher.")
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since ({self.since:%Y-%m-%d}) is after --until ({self.until:%Y-%m-%d}).")

    def _check_types(self) -> None:
        """Each setting has its declared type (from jtbd.toml or the API a string can arrive where a number is
        due): one line that names the setting, what it got and what it takes, before any work."""
        hints = _hints()
        for f in fields(self):
            value, hint = getattr(self, f.name), hints[f.name]
            allowed = tuple(t for t in get_args(hint) if t is not type(None)) or (hint,)
            if value is None and type(None) in get_args(hint):
                continue
            if any(_is_a(value, t) for t in allowed):
                continue
            names = " or ".join(_TYPE_WORDS.get(t, getattr(t, "__name__", str(t))) for t in allowed)
            raise ConfigError(
                f"{f.name} must be {names}. Got {value!r}. Fix it in jtbd.toml or pass --{f.name.replace('_', '-')}."
            )

    @property
    def home_path(self) -> Path:
        """The one home folder (cache, run history, built models, jtbd.toml): `$JTBD_HOME` or `~/.jtbd`."""
        return home_dir()

    @property
    def resolved_weights(self) -> dict[str, float]:
        """Every score weight: the defaults, overridden by `weights`."""
        return {**DEFAULT_WEIGHTS, **(self.weights or {})}

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

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "run.json") -> Config:
        """The Config a run recorded (`to_dict`); keys this version does not know are ignored."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        try:
            for name in ("since", "until"):
                if isinstance(values.get(name), str):
                    values[name] = datetime.fromisoformat(values[name])
            return cls(**values)
        except (TypeError, ValueError) as error:
            raise JtbdError(f"{where}: its config cannot be read ({error}). Run `jtbd cluster` again.") from error


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
            if key in ("since", "until") and isinstance(value, date | str):  # TOML dates come without a time
                try:
                    value = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
                except ValueError:
                    raise ConfigError(f"{toml_path}: {key} must be a date like 2024-03-31. Got {value!r}.") from None
                value = end_of_day(value) if key == "until" else value
            values[key] = value
        try:
            replace(Config(), **values)
        except ConfigError as err:
            raise ConfigError(f"{toml_path}: {err}") from None
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"Unknown setting {key!r}. Known: {', '.join(sorted(known))}.")
        if value is not None:
            values[key] = value
    return replace(Config(), **values)
