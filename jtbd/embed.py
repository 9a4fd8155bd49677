"""Turn texts into unit-length vectors, embedding each distinct text once, ever (DuckDB cache).

The embedders here fit `jtbd.stages.Embedder`; `EMBEDDERS` maps a manifest entry's kind to its class. The cache key
is (model id, sha1 of the text). The model id is the sha256 of the model's weights (pinned in the manifest, or
recorded when a local model was built), so a different model file can never serve stale vectors.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from jtbd import store
from jtbd.errors import ModelError
from jtbd.models import (
    ModelSpec,
    get_spec,
    offline_and_quiet,
    read_build_info,
    verified_model_dir,
    verify_built_model,
)
from jtbd.stages import Embedder, ProgressFn

if TYPE_CHECKING:
    from jtbd.distributed import RayEngine

#: Rows embedded between two cache writes, so an interrupted run keeps what it finished.
CHUNK = 1024


class HashingEmbedder:
    """Hashed bag of words and word bigrams, L2-normalised: no weights, instant, deterministic.

    A lexical baseline for tests and dry runs; texts that share words land close together.
    """

    def __init__(self, dimensions: int = 256) -> None:
        self.dimensions = dimensions
        self.model_id = f"hashing-{dimensions}-v1"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[int] = []
        buckets: list[int] = []
        for row, text in enumerate(texts):
            words = WORD.findall(text.lower())
            tokens = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
            rows.extend([row] * len(tokens))
            buckets.extend(map(_bucket, tokens))
        cells = np.array(rows, dtype=np.int64) * self.dimensions + np.array(buckets, dtype=np.int64) % self.dimensions
        counts = np.bincount(cells, minlength=len(texts) * self.dimensions)
        return _normalise(counts.reshape(len(texts), self.dimensions).astype(np.float32))


WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=2**20)
def _bucket(token: str) -> int:
    """A token's hash, computed once per token: words repeat."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from its verified package folder, never from the hub."""

    def __init__(self, spec: ModelSpec, *, batch_size: int = 64, device: str | None = None) -> None:
        self.spec = spec
        self.batch_size = batch_size
        self.device = device
        self.model_id = spec.sha256
        self.dimensions = spec.dimensions
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            folder = verified_model_dir(self.spec.key)
            from sentence_transformers import SentenceTransformer

            try:
                with offline_and_quiet():
                    # local_files_only: a missing file is an error here, never a download.
                    self._model = SentenceTransformer(str(folder), device=self.device, local_files_only=True)
            except OSError as err:
                raise ModelError(f"Model {self.spec.key!r} at {folder} failed to load: {err}") from err
            if self.spec.max_seq_length:
                self._model.max_seq_length = self.spec.max_seq_length
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


class Model2VecEmbedder:
    """A model2vec static model built locally (`jtbd models build`): token vectors averaged, no transformer pass.

    `model_id` is the sha256 recorded at build time, checked against the file before first use.
    """

    def __init__(self, spec: ModelSpec, *, batch_size: int = 1024) -> None:
        self.spec = spec
        self.batch_size = batch_size
        self.dimensions = spec.dimensions
        self._model: Any = None
        self._model_id = ""

    @property
    def model_id(self) -> str:
        self._load()  # verify before the id is trusted as a cache key
        return self._model_id

    def _load(self) -> Any:
        if self._model is None:
            folder, sha = verify_built_model(self.spec)
            from model2vec import StaticModel

            with offline_and_quiet():
                model = StaticModel.from_pretrained(folder, normalize=True)
            if model.dim != self.spec.dimensions:
                raise ModelError(
                    f"Model {self.spec.key!r} at {folder} has {model.dim} dimensions, the manifest says "
                    f"{self.spec.dimensions}. Rebuild it: jtbd models build {self.spec.key}."
                )
            self._model, self._model_id = model, sha
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # One process: joblib workers would each reload the model, and our callers already chunk the input.
        vectors = model.encode(list(texts), batch_size=self.batch_size, use_multiprocessing=False)
        return _normalise(np.asarray(vectors, dtype=np.float32))


def _model2vec(spec: ModelSpec, batch_size: int) -> Embedder:
    read_build_info(spec)  # not built yet: say so now, before any work (weights still load on first use)
    return Model2VecEmbedder(spec)  # batch_size is tuned for transformers; model2vec's own default (1024) suits it


EMBEDDERS: dict[str, Callable[[ModelSpec, int], Embedder]] = {
    "sentence-transformers": lambda spec, batch_size: SentenceTransformerEmbedder(spec, batch_size=batch_size),
    "hashing": lambda spec, batch_size: HashingEmbedder(spec.dimensions),
    "model2vec": _model2vec,
}


def make_embedder(model: str, *, batch_size: int = 64) -> Embedder:
    """Build the embedder that the manifest names `model` (weights load on first use).

    A locally built model that is not built yet is an error here, so a run fails before it does any work.
    """
    spec = get_spec(model)
    return EMBEDDERS[spec.kind](spec, batch_size)


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors keyed by (model id, text hash) in a DuckDB file. Each write is its own transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = store.connect(self.path)
        con.execute(
            "CREATE TABLE IF NOT EXISTS embeddings ("
            " model_id VARCHAR, text_hash VARCHAR, dims INTEGER, vector BLOB, PRIMARY KEY (model_id, text_hash))"
        )
        return con

    def get(self, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        with self._connect() as con:
            query = (
                "SELECT e.text_hash, e.vector FROM embeddings e JOIN wanted w ON e.text_hash = w.key"
                " WHERE e.model_id = ?"
            )
            rows = store.rows_for_keys(con, query, hashes, [model_id])
        return {h: np.frombuffer(blob, dtype=np.float32) for h, blob in rows}

    def put(self, model_id: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        if not len(hashes):
            return
        import pyarrow as pa

        row_of = dict(zip(hashes, range(len(hashes))))  # one row per hash, as the primary key requires
        columns = {
            "model_id": pa.array([model_id] * len(row_of), pa.string()),
            "text_hash": pa.array(list(row_of), pa.string()),
            "dims": pa.array([int(vectors.shape[1])] * len(row_of), pa.int32()),
            "vector": pa.array([vectors[i].astype(np.float32).tobytes() for i in row_of.values()], pa.binary()),
        }
        with self._connect() as con:
            store.insert_new(con, "embeddings", columns)


@dataclass(frozen=True)
class EmbedResult:
    vectors: np.ndarray  # (n_texts, dims), float32, unit length; row i belongs to texts[i]
    n_unique: int
    n_new: int  # distinct texts that had to be embedded now (0 on a re-run)


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    progress: ProgressFn | None = None,
    engine: RayEngine | None = None,
) -> EmbedResult:
    """Embed `texts`, reusing cached vectors and embedding each distinct text once; with an `engine`, on its
    workers, CHUNK texts a batch, each batch cached as it comes back (`jtbd.distributed`)."""
    row_hashes = [text_hash(text) for text in texts]  # hashed once: used for the lookup and the assembly
    unique: dict[str, str] = {}
    for digest, text in zip(row_hashes, texts):
        unique.setdefault(digest, text)
    hashes = list(unique)
    found = cache.get(embedder.model_id, hashes) if cache else {}
    # Longest first in one sorted list: batches of similar length pad less.
    missing = sorted((h for h in hashes if h not in found), key=lambda h: -len(unique[h]))
    if engine is not None:
        batches = engine.map(partial(_embedding, embedder), [unique[h] for h in missing], CHUNK)
    else:
        batches = (
            (start, embedder.embed([unique[h] for h in missing[start : start + CHUNK]]))
            for start in range(0, len(missing), CHUNK)
        )
    done = 0
    for start, vectors in batches:
        chunk = missing[start : start + len(vectors)]
        if cache:
            cache.put(embedder.model_id, chunk, vectors)
        found.update(zip(chunk, vectors))
        done += len(chunk)
        if progress:
            progress(done, len(missing))
    dims = embedder.dimensions
    matrix = np.zeros((len(texts), dims), dtype=np.float32)
    for row, digest in enumerate(row_hashes):
        matrix[row] = found[digest]
    return EmbedResult(vectors=matrix, n_unique=len(hashes), n_new=len(missing))


def _embedding(embedder: Embedder) -> Callable[[list[str]], np.ndarray]:
    """On a worker: the embedder (its model loads on the first batch, once per worker)."""
    return embedder.embed


def cached_vectors(texts: Sequence[str], model_id: str, cache: EmbeddingCache) -> np.ndarray | None:
    """The vectors `texts` were embedded with by the model `model_id`, from the cache alone (nothing is embedded);
    None when any of them is not there (another machine, or another home folder)."""
    row_hashes = [text_hash(text) for text in texts]
    found = cache.get(model_id, sorted(set(row_hashes)))
    if not row_hashes or any(digest not in found for digest in row_hashes):
        return None
    return np.stack([found[digest] for digest in row_hashes])


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)
