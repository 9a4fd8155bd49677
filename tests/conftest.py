"""Shared fixtures: an isolated JTBD_HOME, the weightless hashing embedder, and a synthetic themed corpus.

No fixture touches the network, ~/.jtbd or ../shared.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from jtbd.embed import HashingEmbedder

# CI must not go red by luck: property tests draw the same examples on every run. Run with
# `--hypothesis-profile explore` to search afresh; a failure found that way becomes a plain regression test.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile("ci")

#: Three clearly different jobs. A text is a cue ("how do I", "is there a tool to", ...) + a core + a context, so
#: wording varies while each theme keeps its own words; every cue fires in a discussion.
CUES = (
    "How do I {}?",
    "How can I {}?",
    "Is there a tool to {}?",
    "I need to {}.",
    "What is the best way to {}?",
    "I wish I could {}.",
    "How should I {}?",
    "Does anyone know a service to {}?",
)
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cofounder": (
        ("find a technical cofounder for my {}", "find a good technical cofounder for my {}"),
        (
            "startup",
            "new startup",
            "SaaS startup",
            "mobile app startup",
            "marketplace startup",
            "fintech startup",
            "early stage startup",
            "side project",
            "hardware startup",
            "startup idea",
        ),
    ),
    "invoices": (
        ("send invoices to clients automatically {}", "send my invoices to clients automatically {}"),
        (
            "every month",
            "each week",
            "from a spreadsheet",
            "after each project",
            "with payment reminders",
            "in several currencies",
            "from our CRM",
            "when a job is done",
            "for my agency",
            "as a freelancer",
        ),
    ),
    "customers": (
        ("get my first customers for a B2B SaaS {}", "get the first customers for my B2B SaaS {}"),
        (
            "product",
            "tool",
            "startup",
            "without a network",
            "with no budget",
            "in logistics",
            "in Europe",
            "as a solo founder",
            "before launch",
            "platform",
        ),
    ),
}


def theme_text(theme: str, rng: random.Random) -> str:
    cores, contexts = THEMES[theme]
    return rng.choice(CUES).format(rng.choice(cores).format(rng.choice(contexts)))


MONTHS = 24
START = datetime(2022, 1, 1, tzinfo=UTC)


def _month_start(month: int) -> datetime:
    year, index = divmod(month, 12)
    return START.replace(year=START.year + year, month=index + 1)


def make_records(n: int = 150, *, seed: int = 0, growing: str = "invoices") -> list[dict[str, Any]]:
    """`n` discussion records over 24 months; the `growing` theme's share rises from ~10% to ~70%."""
    rng = random.Random(seed)
    others = [t for t in THEMES if t != growing]
    records = []
    for i in range(n):
        month = i * MONTHS // n
        share = 0.1 + 0.6 * month / (MONTHS - 1)
        theme = growing if rng.random() < share else others[i % len(others)]
        text = theme_text(theme, rng)
        created = _month_start(month) + timedelta(days=rng.randrange(27), hours=rng.randrange(24))
        records.append(
            {
                "id": f"r{i:04d}",
                "text": text,
                "created_at": created.isoformat(),
                "author": f"user{rng.randrange(60)}",
                "theme": theme,
            }
        )
    return records


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def session_jtbd_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fallback JTBD_HOME for the whole session, so even a test that undoes its monkeypatch never sees ~/.jtbd."""
    home = tmp_path_factory.mktemp("jtbd-session-home")
    previous = os.environ.get("JTBD_HOME")
    os.environ["JTBD_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("JTBD_HOME", None)
    else:
        os.environ["JTBD_HOME"] = previous


@pytest.fixture(autouse=True)
def jtbd_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point JTBD_HOME at a fresh folder so no test reads or writes ~/.jtbd."""
    home = tmp_path_factory.mktemp("jtbd-home")
    monkeypatch.setenv("JTBD_HOME", str(home))
    return home


@pytest.fixture
def hashing() -> HashingEmbedder:
    """Deterministic bag-of-words embedder: no weights, no downloads."""
    return HashingEmbedder()


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[..., Path]:
    """Build a synthetic corpus folder holding `questions.jsonl`; returns the folder."""

    def build(n: int = 150, *, seed: int = 0, name: str = "corpus", **kwargs: Any) -> Path:
        folder = tmp_path / name
        write_jsonl(folder / "questions.jsonl", make_records(n, seed=seed, **kwargs))
        return folder

    return build


@pytest.fixture
def corpus(make_corpus: Callable[..., Path]) -> Path:
    """The default synthetic corpus: 150 records, 3 themes, invoices growing."""
    return make_corpus()


@pytest.fixture
def first_run(corpus: Path, tmp_path: Path) -> Any:
    """One pipeline run of the default corpus with the hashing model, written to tmp_path/out."""
    from jtbd.pipeline import cluster

    return cluster(corpus, out=tmp_path / "out", model="hashing")


@pytest.fixture
def fresh_models() -> Iterator[Any]:
    """jtbd.models with its per-process caches (manifest, verified folders) cleared before and after the test."""
    from jtbd import models

    models.load_manifest.cache_clear()
    models.verified_model_dir.cache_clear()
    yield models
    models.load_manifest.cache_clear()
    models.verified_model_dir.cache_clear()


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_models: Any) -> dict[str, Any]:
    """A model package on a temporary sys.path entry, named by a temporary manifest that jtbd.models reads.

    The manifest's embedder `fake` pins the sha256 of `weights.bin`; `missing` names a file that is absent and
    `ghost` a package that is not installed.
    """
    package = tmp_path / "site" / "jtbd_fake_model_pkg"
    (package / "model").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    weights = package / "model" / "weights.bin"
    weights.write_bytes(b"pretend weights")
    digest = hashlib.sha256(b"pretend weights").hexdigest()
    common = 'kind = "hashing"\nlicense = "MIT"\ndimensions = 8\nmax_seq_length = 0\npath = "model"\n'
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        f'[embedders.fake]\nname = "fake"\npackage = "fake-pkg==1.0"\nmodule = "jtbd_fake_model_pkg"\n'
        f'file = "weights.bin"\nsha256 = "{digest}"\n{common}\n'
        f'[embedders.missing]\nname = "missing"\npackage = "fake-pkg==1.0"\nmodule = "jtbd_fake_model_pkg"\n'
        f'file = "nothing.bin"\nsha256 = "{digest}"\n{common}\n'
        f'[embedders.ghost]\nname = "ghost"\npackage = "ghost-pkg==2.0"\nmodule = "jtbd_no_such_pkg_xyz"\n'
        f'file = "weights.bin"\nsha256 = "{digest}"\n{common}',
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(fresh_models, "models_manifest_path", lambda: manifest)
    return {"weights": weights, "sha256": digest, "folder": package / "model"}
