"""Read the models manifest, find each model's files inside its PyPI package, and verify them by sha256."""

from __future__ import annotations

import hashlib
import importlib.util
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jtbd.config import models_manifest_path
from jtbd.errors import ModelError


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry."""

    key: str  # "minilm", "en_core_web_sm"
    role: str  # "embedders" | "spacy"
    name: str
    kind: str
    package: str  # pip requirement that ships it; "" for built-in models
    module: str
    path: str  # folder inside the module
    file: str  # the weights file whose sha256 is pinned
    sha256: str
    license: str
    dimensions: int
    max_seq_length: int


@cache
def load_manifest(path: Path | None = None) -> dict[str, ModelSpec]:
    """Parse models/manifest.toml into specs keyed by model key."""
    manifest = path or models_manifest_path()
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    specs = {}
    for role in ("embedders", "spacy"):
        for key, entry in data.get(role, {}).items():
            specs[key] = ModelSpec(key=key, role=role, **entry)
    return specs


def get_spec(key: str, role: str = "embedders") -> ModelSpec:
    specs = {k: s for k, s in load_manifest().items() if s.role == role}
    if key not in specs:
        raise ModelError(
            f"Unknown model {key!r}. Choose one of: {', '.join(sorted(specs))} (see models/manifest.toml)."
        )
    return specs[key]


def model_dir(spec: ModelSpec) -> Path:
    """Folder of the model's files inside its installed package."""
    found = importlib.util.find_spec(spec.module)
    if found is None or not found.submodule_search_locations:
        raise ModelError(
            f"Model {spec.key!r} needs the package {spec.package!r}, which is not installed. "
            f"Run: pip install '{spec.package}'."
        )
    return Path(next(iter(found.submodule_search_locations))) / spec.path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def verified_model_dir(key: str, role: str = "embedders") -> Path:
    """Locate a model and check its pinned file's sha256 (once per process); raise ModelError on any mismatch."""
    spec = get_spec(key, role)
    folder = model_dir(spec)
    weights = folder / spec.file
    if not weights.is_file():
        raise ModelError(
            f"Model {spec.key!r}: {weights} is missing. Reinstall it: pip install --force-reinstall '{spec.package}'."
        )
    actual = file_sha256(weights)
    if actual != spec.sha256:
        raise ModelError(
            f"Model {spec.key!r}: {weights} has sha256 {actual}, expected {spec.sha256}. "
            f"The file is not the official one; reinstall it: pip install --force-reinstall '{spec.package}'."
        )
    return folder
