"""Decide which sentences and titles are job statements, and of what kind: a linear model learned from a labelled set.

The unit's words and a few facts about it (a title? a posting? a reply? a question? code?) go into logistic
regression trained on `benchmarks/data/statements_multi.jsonl`, eight kinds of text labelled at random; the cue rules
(`cues.py`) keep their own candidates beside the model's. `scripts/build_detector.py` builds the weights from that file,
deterministically; they ship in `jtbd/data/` and are verified by the sha256 in `models/manifest.toml` before use.
How the detector was chosen and what it reaches on sources it was not trained on: docs/benchmarks.md, "Extraction".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from jtbd.cues import english_enough
from jtbd.errors import ModelError
from jtbd.types import DocKind, StatementKind

#: The kinds a detected statement can have, in the labelling guide's order of precedence.
KINDS: tuple[StatementKind, ...] = (
    "failure",
    "request",
    "workaround",
    "pain",
    "search",
    "need",
    "question",
    "offering",
    "role_work",
)
#: Hashed feature space: word uni- and bigrams, then facts about the unit (cues, title, kind of document, ...).
N_WORD_FEATURES, N_FACT_FEATURES = 2**18, 2**12
WORDS = re.compile(r"(?u)\b[a-z0-9][a-z0-9'+#.-]*[a-z0-9+#]\b|\b[a-z0-9]\b")
CODE_CHARS = re.compile(r"[{}()\[\];=<>_/\\|`$]")
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """A sentence or title as the detector sees it."""

    text: str
    is_title: bool = False
    doc_kind: DocKind = "discussion"
    is_reply: bool = False


def facts(unit: Unit) -> list[str]:
    """What the detector knows about a unit beside its words: where it stands and what it looks like.

    The cue rules are not among them: as features they added almost nothing out of source for much of the
    detector's time (docs/method.md, "Two ways to find them"); they take part as candidates of their own instead
    (`extract.detect_candidates`).
    """
    text = unit.text
    out = ["title" if unit.is_title else "sentence", f"doc_{unit.doc_kind}", "reply" if unit.is_reply else "top"]
    words = text.split()
    out.append(f"words_{min(len(words), 40) // 4}")
    stripped = text.rstrip()
    out.append("ends_q" if stripped.endswith("?") else "ends_stop" if stripped[-1:] in ".!" else "ends_other")
    if LINK.search(text):
        out.append("link")
    code = len(CODE_CHARS.findall(text)) / max(len(text), 1)
    out.append("code_high" if code > 0.06 else "code_some" if code > 0.02 else "code_none")
    if not english_enough(text):
        out.append("not_english")
    if text[:1].isupper():
        out.append("starts_upper")
    first = WORDS.findall(text.lower()[:40])
    if first:
        out.append(f"first_{first[0]}")
    return out


@cache
def _vectorizers() -> tuple[Any, Any]:
    """scikit-learn's hashing vectorizers (murmurhash, the same on every machine): word uni- and bigrams, and facts."""
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(
        n_features=N_WORD_FEATURES, ngram_range=(1, 2), token_pattern=WORDS.pattern, alternate_sign=False
    )
    known = HashingVectorizer(n_features=N_FACT_FEATURES, analyzer=_as_is, binary=True, alternate_sign=False)
    return words, known


def _as_is(tokens: list[str]) -> list[str]:
    return tokens


def featurize(units: Sequence[Unit]) -> Any:
    """Sparse (len(units), N_WORD_FEATURES + N_FACT_FEATURES) features, each block of a row scaled to unit length."""
    from scipy.sparse import hstack

    words, known = _vectorizers()
    texts = [unit.text for unit in units]
    return hstack([words.transform(texts), known.transform([facts(unit) for unit in units])]).tocsr()


@dataclass(frozen=True)
class Weights:
    """A trained detector: sparse weights of the statement/not model, and of one model per kind."""

    statement: dict[int, float]
    statement_bias: float
    threshold: float  # probability above which a unit is a statement
    kinds: dict[str, dict[int, float]]
    kind_bias: dict[str, float]
    trained_on: str  # what the weights were learned from, for the record

    def to_json(self) -> str:
        data = {
            "statement": {str(k): v for k, v in sorted(self.statement.items())},
            "statement_bias": self.statement_bias,
            "threshold": self.threshold,
            "kinds": {kind: {str(k): v for k, v in sorted(w.items())} for kind, w in sorted(self.kinds.items())},
            "kind_bias": dict(sorted(self.kind_bias.items())),
            "trained_on": self.trained_on,
            "features": [N_WORD_FEATURES, N_FACT_FEATURES],
        }
        return json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Weights:
        data = json.loads(text)
        if data.get("features") != [N_WORD_FEATURES, N_FACT_FEATURES]:
            raise ModelError("The statement detector's weights were built for other features. Rebuild them.")
        return cls(
            statement={int(k): float(v) for k, v in data["statement"].items()},
            statement_bias=float(data["statement_bias"]),
            threshold=float(data["threshold"]),
            kinds={kind: {int(k): float(v) for k, v in w.items()} for kind, w in data["kinds"].items()},
            kind_bias={kind: float(b) for kind, b in data["kind_bias"].items()},
            trained_on=str(data.get("trained_on", "")),
        )


def _dense(weights: dict[int, float]) -> np.ndarray:
    out = np.zeros(N_WORD_FEATURES + N_FACT_FEATURES, dtype=np.float64)
    if weights:
        index = np.fromiter(weights.keys(), dtype=np.int64)
        out[index] = np.fromiter(weights.values(), dtype=np.float64)
    return out


class StatementDetector:
    """The statement model: `probability` that each unit is a job statement, `detect` with the trained threshold,
    and the `kind` of each."""

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        #: Changes with the weights: part of the extraction cache's keys.
        self.version = hashlib.sha1(weights.to_json().encode()).hexdigest()[:16]
        self._statement = _dense(weights.statement)
        self._kinds = [(kind, _dense(w), weights.kind_bias[kind]) for kind, w in sorted(weights.kinds.items())]

    def probability(self, units: Sequence[Unit]) -> np.ndarray:
        if not units:
            return np.zeros(0)
        scores = featurize(units) @ self._statement + self.weights.statement_bias
        return 1.0 / (1.0 + np.exp(-scores))

    def detect(self, units: Sequence[Unit]) -> np.ndarray:
        return self.probability(units) >= self.weights.threshold

    def kinds(self, units: Sequence[Unit]) -> list[StatementKind]:
        if not units:
            return []
        X = featurize(units)
        scores = np.stack([X @ w + b for _, w, b in self._kinds], axis=1)
        names = [kind for kind, _, _ in self._kinds]
        return [names[i] for i in scores.argmax(axis=1)]  # type: ignore[misc]


@cache
def load_detector() -> StatementDetector:
    """The shipped detector, its weights verified by the manifest's sha256 (once per process)."""
    from jtbd.models import get_spec, verified_model_dir

    spec = get_spec("statements", "detectors")
    path = verified_model_dir("statements", "detectors") / spec.file
    return StatementDetector(Weights.from_json(Path(path).read_text(encoding="utf-8")))


#: Regularisation strengths tried when training; the one with the best out-of-source F1 is kept.
C_GRID = (0.3, 1.0, 3.0, 10.0)


@dataclass(frozen=True)
class Example:
    """A labelled unit: its source (held out together when choosing settings), and its label."""

    unit: Unit
    source: str
    is_statement: bool
    kind: str | None = None


def _fit(X: Any, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=1000)
    model.fit(X, y)
    return model.coef_[0], float(model.intercept_[0])


def _out_of_source(X: Any, y: np.ndarray, sources: np.ndarray, C: float) -> np.ndarray:
    """Each example's probability from a model trained on the other sources only."""
    out = np.zeros(len(y))
    for source in np.unique(sources):
        held = sources == source
        coef, bias = _fit(X[~held], y[~held], C)
        out[held] = 1.0 / (1.0 + np.exp(-(X[held] @ coef + bias)))
    return out


def _best_threshold(p: np.ndarray, y: np.ndarray, sources: np.ndarray) -> tuple[float, float]:
    """The threshold with the best mean F1 over sources (each source weighs the same), and that F1."""
    best = (0.5, -1.0)
    for threshold in np.round(np.arange(0.2, 0.91, 0.025), 3):
        f1s = []
        for source in np.unique(sources):
            held = sources == source
            if not y[held].any():
                continue
            hit = p[held] >= threshold
            tp = float((hit & y[held]).sum())
            f1s.append(2 * tp / max(hit.sum() + y[held].sum(), 1))
        score = float(np.mean(f1s)) if f1s else 0.0
        if score > best[1] + 1e-9:
            best = (float(threshold), score)
    return best


def train_weights(examples: Sequence[Example], *, trained_on: str = "") -> Weights:
    """Learn the detector from labelled units: C and the threshold by leaving out one source at a time (each source
    is a corpus the model has not seen), then the final models on every example. Deterministic."""
    X = featurize([e.unit for e in examples])
    y = np.array([e.is_statement for e in examples])
    sources = np.array([e.source for e in examples])
    scored = []
    for C in C_GRID:
        threshold, f1 = _best_threshold(_out_of_source(X, y, sources, C), y, sources)
        scored.append((f1, -C, C, threshold))
    _, _, C, threshold = max(scored)
    coef, bias = _fit(X, y, C)
    kinds: dict[str, dict[int, float]] = {}
    kind_bias: dict[str, float] = {}
    positive = np.flatnonzero(y)
    labels = np.array([examples[int(i)].kind for i in positive])
    for kind in sorted(set(labels)):
        if (labels == kind).all():  # one kind only: it is every statement's
            kinds[kind], kind_bias[kind] = {}, 1.0
        elif (labels == kind).sum() >= 2:
            k_coef, k_bias = _fit(X[positive], labels == kind, C)
            kinds[kind], kind_bias[kind] = _sparse(k_coef), k_bias
    return Weights(_sparse(coef), bias, threshold, kinds, kind_bias, trained_on or f"{len(examples)} units, C={C}")


def _sparse(coef: np.ndarray) -> dict[int, float]:
    """The non-zero weights, rounded to 6 significant digits so the file is the same on every machine."""
    return {int(i): float(f"{coef[i]:.6g}") for i in np.flatnonzero(coef)}
