"""Tests for jtbd.embed: the DuckDB cache, de-duplication, unit vectors, the hashing, MiniLM and static embedders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from jtbd import embed
from jtbd.embed import EmbeddingCache, HashingEmbedder, embed_texts, make_embedder, text_hash
from jtbd.errors import ModelError

TEXTS = [
    "send invoices to clients automatically",
    "find a technical cofounder",
    "get first customers for a b2b saas",
    "send invoices to clients automatically",
    "track expenses for a small business",
]


class CountingEmbedder:
    """Wraps an embedder and records every text it is asked to embed."""

    def __init__(self, inner, fail_on_call: int | None = None) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimensions = inner.dimensions
        self.calls: list[list[str]] = []
        self.fail_on_call = fail_on_call

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise KeyboardInterrupt
        return self.inner.embed(texts)

    @property
    def embedded(self) -> list[str]:
        return [t for call in self.calls for t in call]


def test_embed_cache_hit_on_second_call(tmp_path, hashing):
    cache = EmbeddingCache(tmp_path / "cache.duckdb")
    first = embed_texts(TEXTS, hashing, cache)
    counting = CountingEmbedder(hashing)
    second = embed_texts(TEXTS, counting, EmbeddingCache(tmp_path / "cache.duckdb"))  # a new handle, same file
    assert (first.n_unique, first.n_new) == (4, 4)
    assert (second.n_unique, second.n_new) == (4, 0)
    assert counting.calls == []
    assert np.array_equal(first.vectors, second.vectors)
    assert first.vectors.dtype == np.float32 and first.vectors.shape == (5, hashing.dimensions)


def test_embed_cached_vectors_are_the_run_vectors_or_none(tmp_path, hashing):
    cache = EmbeddingCache(tmp_path / "cache.duckdb")
    texts = ["file taxes", "hire a designer", "file taxes"]
    run = embed_texts(texts, hashing, cache).vectors
    found = embed.cached_vectors(texts, hashing.model_id, cache)
    assert found is not None and np.array_equal(found, run)  # in row order, duplicates included
    assert embed.cached_vectors([*texts, "never embedded"], hashing.model_id, cache) is None
    assert embed.cached_vectors(texts, "another model", cache) is None


def test_embed_duplicates_are_embedded_once(hashing):
    counting = CountingEmbedder(hashing)
    result = embed_texts(TEXTS + TEXTS[:2], counting, None)
    assert sorted(counting.embedded) == sorted(set(TEXTS))
    assert result.n_new == 4
    assert np.array_equal(result.vectors[0], result.vectors[3])
    assert np.array_equal(result.vectors[1], result.vectors[6])


def test_embed_rows_align_with_texts(hashing):
    result = embed_texts(TEXTS, hashing, None)
    for row, text in enumerate(TEXTS):
        assert np.allclose(result.vectors[row], hashing.embed([text])[0])


def test_embed_vectors_are_unit_length(tmp_path, hashing):
    result = embed_texts(TEXTS, hashing, EmbeddingCache(tmp_path / "cache.duckdb"))
    assert np.allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-5)
    cached = embed_texts(TEXTS, hashing, EmbeddingCache(tmp_path / "cache.duckdb"))
    assert np.allclose(np.linalg.norm(cached.vectors, axis=1), 1.0, atol=1e-5)


def test_embed_cache_is_keyed_by_model(tmp_path, hashing):
    cache = EmbeddingCache(tmp_path / "cache.duckdb")
    embed_texts(TEXTS, hashing, cache)
    other = HashingEmbedder(dimensions=64)
    result = embed_texts(TEXTS, other, cache)
    assert result.n_new == 4  # another model's vectors are never served
    assert result.vectors.shape == (5, 64)


def test_embed_interrupted_run_keeps_finished_chunks(tmp_path, hashing, monkeypatch):
    monkeypatch.setattr(embed, "CHUNK", 2)
    texts = [f"job number {n} for the cache" for n in range(7)]
    cache = EmbeddingCache(tmp_path / "cache.duckdb")
    with pytest.raises(KeyboardInterrupt):
        embed_texts(texts, CountingEmbedder(hashing, fail_on_call=3), cache)
    counting = CountingEmbedder(hashing)
    result = embed_texts(texts, counting, cache)
    assert result.n_new == 3  # the two chunks written before the interrupt are reused
    assert len(counting.embedded) == 3
    assert np.allclose(result.vectors, hashing.embed(texts))


def test_embed_reports_progress(hashing, monkeypatch):
    monkeypatch.setattr(embed, "CHUNK", 3)
    seen: list[tuple[int, int]] = []
    embed_texts([f"text {n}" for n in range(7)], hashing, None, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 7), (6, 7), (7, 7)]


def test_embed_empty_input(tmp_path, hashing):
    result = embed_texts([], hashing, EmbeddingCache(tmp_path / "cache.duckdb"))
    assert result.vectors.shape == (0, hashing.dimensions)
    assert (result.n_unique, result.n_new) == (0, 0)


def test_embed_text_hash_is_sha1_of_utf8():
    assert text_hash("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert text_hash("é") != text_hash("e")


def test_embed_hashing_embedder_is_deterministic_and_lexical():
    a, b = HashingEmbedder(), HashingEmbedder()
    vectors = a.embed(["send invoices to clients", "send invoices to my clients", "find a technical cofounder"])
    assert np.array_equal(
        vectors, b.embed(["send invoices to clients", "send invoices to my clients", "find a technical cofounder"])
    )
    assert vectors[0] @ vectors[1] > 0.7
    assert vectors[0] @ vectors[2] < 0.3


def test_embed_make_embedder_hashing_needs_no_weights():
    embedder = make_embedder("hashing")
    assert isinstance(embedder, HashingEmbedder)
    assert embedder.dimensions == 256 and embedder.model_id == "hashing-256-v1"


@pytest.mark.slow
def test_embed_real_minilm_vectors():
    embedder = make_embedder("minilm")
    vectors = embedder.embed(
        ["send invoices to clients automatically", "automatically bill my customers", "find a technical cofounder"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # meaning, not shared words
    assert embedder.model_id == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@pytest.mark.slow
def test_embed_loading_a_model_leaves_the_process_as_it_was(monkeypatch):
    # A library must not change a notebook's environment: offline flags and quiet bars last only while it loads.
    import os

    from transformers.utils import logging as transformers_logging

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    import sentence_transformers  # noqa: F401  (torch sets variables of its own on import; jtbd's are tested)

    transformers_logging.enable_progress_bar()
    before = dict(os.environ)
    make_embedder("minilm").embed(["send invoices"])
    assert dict(os.environ) == before
    assert transformers_logging.is_progress_bar_enabled()


# The static model (minilm-static): a tiny model2vec model over a dozen words stands in for the distilled one.

TINY_WORDS = ["[UNK]", "send", "invoices", "to", "clients", "automatically", "find", "a", "technical", "cofounder"]


def tiny_static_builder(source, spec, out):
    from model2vec import StaticModel
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel

    tokenizer = Tokenizer(WordLevel({w: i for i, w in enumerate(TINY_WORDS)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(0).normal(size=(len(TINY_WORDS), spec.dimensions)).astype(np.float32)
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(str(out))


def build_tiny_static(monkeypatch):
    from jtbd import models

    models.verified_model_dir.cache_clear()
    monkeypatch.setitem(models.BUILDERS, "model2vec", tiny_static_builder)
    return models.build_model("minilm-static")


def test_embed_model2vec_returns_unit_vectors(monkeypatch):
    import socket

    built = build_tiny_static(monkeypatch)

    def refuse(*args, **kwargs):
        raise AssertionError("the static model reached for the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)  # loaded from its folder, never from the hub
    embedder = make_embedder("minilm-static")
    assert isinstance(embedder, embed.Model2VecEmbedder)
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[3])
    assert np.allclose(embedder.embed(["Send invoices to CLIENTS automatically"])[0], vectors[0], atol=1e-6)
    assert embedder.embed([]).shape == (0, 256)
    assert embedder.model_id == built.sha256  # the cache never mixes it up with another build


def test_embed_model2vec_through_the_cache(tmp_path, monkeypatch):
    built = build_tiny_static(monkeypatch)
    cache = EmbeddingCache(tmp_path / "cache.duckdb")
    first = embed_texts(TEXTS, make_embedder("minilm-static"), cache)
    second = embed_texts(TEXTS, make_embedder("minilm-static"), cache)
    assert (first.n_new, second.n_new) == (4, 0)
    assert np.array_equal(first.vectors, second.vectors)
    assert cache.get(built.sha256, [text_hash(TEXTS[0])])


def test_embed_model2vec_checks_the_build_sha_before_use(monkeypatch):
    built = build_tiny_static(monkeypatch)
    embedder = make_embedder("minilm-static")  # built: no error yet, nothing loaded
    (built.folder / "model.safetensors").write_bytes(b"tampered")
    with pytest.raises(ModelError, match="rebuild it: jtbd models build minilm-static"):
        embedder.embed(["send invoices"])


def test_embed_model2vec_not_built_fails_at_once():
    with pytest.raises(ModelError, match=r"not built yet\. Run: jtbd models build minilm-static"):
        make_embedder("minilm-static")


@pytest.mark.slow
def test_embed_real_minilm_static_build_and_vectors():
    pytest.importorskip("skeletoken", reason="building minilm-static needs: pip install -e '.[fast]'")
    from jtbd.models import build_model

    built = build_model("minilm-static")  # the real distillation from the installed MiniLM, ~2 minutes, offline
    embedder = make_embedder("minilm-static")
    vectors = embedder.embed(
        ["send invoices to clients automatically", "automatically bill my customers", "find a technical cofounder"]
    )
    assert vectors.shape == (3, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embedder.model_id == built.sha256
