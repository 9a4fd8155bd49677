"""Read the models manifest, find each model's files, verify them by sha256, and build the local ones.

Two sorts of model: those shipped inside a PyPI package (sha256 pinned in the manifest), and those built on this
machine from an installed one (`built_from`), stored in the jtbd home folder with the sha256 recorded at build time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jtbd.config import home_dir, make_home_folder, models_manifest_path
from jtbd.errors import ModelError

#: Written beside a built model's files: its sha256, what it was built from, and how long the build took.
BUILD_INFO = "build.json"


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry."""

    key: str  # "minilm", "en_core_web_sm"
    role: str  # "embedders" | "spacy" | "detectors"
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
    built_from: str = ""  # key of the installed model a local build starts from; "" for shipped models
    #: sha256 over every file of the model's folder (`tree_sha256`): a changed config, tokenizer or component is
    #: caught, not only changed weights.
    tree_sha256: str = ""

    @property
    def is_built_locally(self) -> bool:
        return bool(self.built_from)


@cache
def load_manifest(path: Path | None = None) -> dict[str, ModelSpec]:
    """Parse models/manifest.toml into specs keyed by model key."""
    manifest = path or models_manifest_path()
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    specs = {}
    for role in ("embedders", "spacy", "detectors"):
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
    """Folder of the model's files: inside its installed package, or in the jtbd home for a local build."""
    if spec.is_built_locally:
        return home_dir() / spec.path
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


def tree_sha256(folder: Path) -> str:
    """One sha256 over every file under `folder`: each file's path (relative, with /) and sha256, in path order.
    Python's byte-code caches are left out (they appear when a package is imported from its folder)."""
    lines = [
        f"{path.relative_to(folder).as_posix()}\t{file_sha256(path)}\n"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


@cache
def verified_model_dir(key: str, role: str = "embedders") -> Path:
    """Locate a model and check its pinned file's sha256 (once per process); raise ModelError on any mismatch."""
    spec = get_spec(key, role)
    if spec.is_built_locally:
        return verify_built_model(spec)[0]
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
    if spec.tree_sha256 and (tree := tree_sha256(folder)) != spec.tree_sha256:
        raise ModelError(
            f"Model {spec.key!r}: the files in {folder} are not the official ones (sha256 over all of them {tree}, "
            f"expected {spec.tree_sha256}): a config, tokenizer or component was changed, or another copy of "
            f"the package comes first on the path. Reinstall it: pip install --force-reinstall '{spec.package}'."
        )
    return folder


def _not_built(spec: ModelSpec) -> ModelError:
    return ModelError(
        f"Model {spec.key!r} is not built yet. Run: jtbd models build {spec.key} (about 2 minutes, offline)."
    )


def read_build_info(spec: ModelSpec) -> dict[str, Any]:
    """The build record of a locally built model; ModelError when it has not been built (no hashing here)."""
    folder = model_dir(spec)
    info_path = folder / BUILD_INFO
    if not info_path.is_file() or not (folder / spec.file).is_file():
        raise _not_built(spec)
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except ValueError as err:
        info = {"error": str(err)}
    if not isinstance(info, dict) or not isinstance(info.get("sha256"), str):
        raise ModelError(
            f"Model {spec.key!r}: {info_path} records no sha256. Rebuild it: jtbd models build {spec.key}."
        )
    return info


def verify_built_model(spec: ModelSpec) -> tuple[Path, str]:
    """Check a locally built model against the sha256 recorded when it was built, and against its source's pin.

    Returns:
        The model folder and the verified sha256 of its weights file.
    """
    info = read_build_info(spec)
    folder = model_dir(spec)
    weights = folder / spec.file
    actual = file_sha256(weights)
    if actual != info["sha256"]:
        raise ModelError(
            f"Model {spec.key!r}: {weights} has sha256 {actual}, but its build recorded {info['sha256']}. "
            f"The file changed after it was built; rebuild it: jtbd models build {spec.key}."
        )
    source = get_spec(spec.built_from, spec.role)
    if info.get("built_from_sha256") != source.sha256:
        raise ModelError(
            f"Model {spec.key!r} was built from {spec.built_from!r} with sha256 {info.get('built_from_sha256')}, "
            f"but the manifest now pins {source.sha256}. Rebuild it: jtbd models build {spec.key}."
        )
    return folder, actual


def model_status(spec: ModelSpec) -> str:
    """One line on whether a model can be used now: installed/built, verified, or what to run."""
    if spec.kind == "hashing":
        return "built in (no weights)"
    if spec.is_built_locally:
        try:
            info = read_build_info(spec)
            verify_built_model(spec)
        except ModelError as err:
            if not (model_dir(spec) / BUILD_INFO).is_file():
                return f"not built: run jtbd models build {spec.key}"
            return f"broken: {err}"
        return f"built {info.get('built_at', '?')[:10]}, verified (sha256 {info['sha256'][:12]}…)"
    try:
        verified_model_dir(spec.key, spec.role)
    except ModelError as err:
        if importlib.util.find_spec(spec.module) is None:
            return f"not installed: pip install '{spec.package}'"
        return f"broken: {err}"
    return f"installed, verified (sha256 {spec.sha256[:12]}…)"


@dataclass(frozen=True)
class BuildResult:
    key: str
    folder: Path
    sha256: str
    seconds: float


#: How each kind of local model is built: (source model folder, spec, empty output folder) -> None.
Builder = Callable[[Path, ModelSpec, Path], None]


def distill_model2vec(source: Path, spec: ModelSpec, out: Path) -> None:
    """Distil a sentence-transformers folder into a model2vec static model (PCA to `spec.dimensions`)."""
    try:
        import skeletoken  # noqa: F401  (model2vec.distill needs it; its own hint would downgrade transformers)
        from model2vec.distill import distill
    except ImportError as err:
        raise ModelError(
            f"Building {spec.key!r} needs model2vec's distillation extras, which are not installed ({err}). "
            "Run: pip install -e '.[fast]' in the jtbd repository (adds skeletoken; torch and transformers are "
            "already there)."
        ) from err
    static = distill(str(source), pca_dims=spec.dimensions)
    static.save_pretrained(str(out))


BUILDERS: dict[str, Builder] = {"model2vec": distill_model2vec}


def build_model(key: str) -> BuildResult:
    """Build a local model from its verified installed source, offline, and record its sha256 beside it.

    The build goes to a temporary folder that replaces the old model only when complete.
    """
    spec = get_spec(key)
    buildable = sorted(k for k, s in load_manifest().items() if s.is_built_locally)
    if not spec.is_built_locally or spec.kind not in BUILDERS:
        raise ModelError(
            f"Model {key!r} is not built locally (it ships in a package or is built in). "
            f"Buildable: {', '.join(buildable)}."
        )
    source_spec = get_spec(spec.built_from, spec.role)
    source = verified_model_dir(source_spec.key, source_spec.role)
    target = model_dir(spec)
    make_home_folder(target.parent, "models folder", ModelError)
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f".{key}-", dir=target.parent) as tmp:
        work = Path(tmp) / key
        work.mkdir()
        with offline_and_quiet():
            BUILDERS[spec.kind](source, spec, work)
        weights = work / spec.file
        if not weights.is_file():
            raise ModelError(f"Building {key!r} wrote no {spec.file} in {work}. This is a bug; please report it.")
        sha = file_sha256(weights)
        seconds = round(time.perf_counter() - begin, 1)
        info = {
            "key": key,
            "kind": spec.kind,
            "file": spec.file,
            "sha256": sha,
            "built_from": source_spec.key,
            "built_from_sha256": source_spec.sha256,
            "dimensions": spec.dimensions,
            "seconds": seconds,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (work / BUILD_INFO).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    verified_model_dir.cache_clear()
    return BuildResult(key=key, folder=target, sha256=sha, seconds=seconds)


#: Environment variables that keep the Hugging Face libraries off the network.
OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


@contextmanager
def offline_and_quiet() -> Iterator[None]:
    """While a model loads or builds: the Hugging Face libraries offline (a missing file is an error, never a
    download) and their progress bars off (our own bars, or --quiet, only). Both are put back as they were, so
    the rest of a notebook behaves as before."""
    from transformers.utils import logging as transformers_logging

    saved = {name: os.environ.get(name) for name in OFFLINE_ENV}
    bars = transformers_logging.is_progress_bar_enabled()
    os.environ.update({name: "1" for name in OFFLINE_ENV})
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if bars:
            transformers_logging.enable_progress_bar()
