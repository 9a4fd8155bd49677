"""The multi-source labelled set, evaluated leaving one source out (used by benchmarks/extraction.py).

Every figure here is out of source: a model is trained on seven kinds of text and scored on the eighth, which it
has never seen, as a user's corpus would be. Settings (C, the threshold) are chosen inside the seven.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from _common import REPO

MULTI_SET = REPO / "benchmarks" / "data" / "statements_multi.jsonl"
SECOND_SET = REPO / "benchmarks" / "data" / "statements_multi_second.jsonl"
#: The issue's plain baseline: a cue regex with no parser and no model.
PLAIN = re.compile(
    r"\b(?:i need|we need|how do i|how can i|how to|is there|are there|looking for|would be (?:great|nice)|"
    r"it would be|please add|add support|support for|can't|cannot)\b|\?\s*$",
    re.IGNORECASE,
)


def load(path=MULTI_SET) -> list[dict]:  # noqa: ANN001
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def unit_of(record: dict) -> Any:
    from jtbd.detect import Unit

    return Unit(record["unit"], record["is_title"], record["doc_kind"], record["source"] == "hn_reply")


def example_of(record: dict) -> Any:
    from jtbd.detect import Example

    return Example(unit_of(record), record["source"], bool(record["is_statement"]), record["kind"])


def document_of(record: dict) -> Any:
    """The unit as a document of its own, in its role: a title, a reply (which answers a parent), a posting."""
    from jtbd.types import Document

    unit = record["unit"]
    parent = "parent" if record["source"] == "hn_reply" else None
    title = unit if record["is_title"] else None
    return Document(record["id"], record["source"], record["doc_kind"], unit, title=title, parent_id=parent)


def run_extractor(records: Sequence[dict], detector: Any) -> dict[str, tuple[str, str]]:
    """id -> (kind, job) of every unit the whole extractor emits a statement for."""
    from jtbd.extract import StatementExtractor

    statements = StatementExtractor(detector=detector).extract([document_of(r) for r in records]).statements
    out: dict[str, tuple[str, str]] = {}
    for s in statements:
        out.setdefault(s.doc_id, (s.kind, s.job))
    return out


def scores(gold: Sequence[bool], found: Sequence[bool]) -> dict[str, Any]:
    g, f = np.array(gold, dtype=bool), np.array(found, dtype=bool)
    tp, fp, fn = int((g & f).sum()), int((~g & f).sum()), int((g & ~f).sum())
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def macro(per_source: dict[str, dict]) -> dict[str, Any]:
    """Means over sources that hold statements; precision counts sources where anything was found."""
    rows = [m for m in per_source.values() if m["tp"] + m["fn"]]

    def mean(key: str) -> float | None:
        values = [m[key] for m in rows if m[key] is not None]
        return round(float(np.mean(values)), 3) if values else None

    worst = min((m["recall"] for m in rows if m["recall"] is not None), default=None)
    return {"precision": mean("precision"), "recall": mean("recall"), "f1": mean("f1"), "worst_recall": worst}


def leave_one_source_out(
    records: list[dict], predict: Callable[[list[dict], list[dict]], dict[str, tuple[str, str] | None]]
) -> dict[str, Any]:
    """`predict(train, test)` -> id -> (kind, job) or None, for each held-out source in turn."""
    per_source, kinds_right, kinds_total, found_all = {}, 0, 0, {}
    for source in sorted({r["source"] for r in records}):
        test = [r for r in records if r["source"] == source]
        train = [r for r in records if r["source"] != source]
        found = predict(train, test)
        found_all |= found
        hits = [found.get(r["id"]) is not None for r in test]
        per_source[source] = scores([r["is_statement"] for r in test], hits)
        for r, hit in zip(test, hits):
            if hit and r["is_statement"] and found[r["id"]]:
                kinds_total += 1
                kinds_right += found[r["id"]][0] == r["kind"]
    out = {"by_source": per_source, "macro": macro(per_source)}
    out["kind_accuracy"] = round(kinds_right / kinds_total, 3) if kinds_total else None
    out["_found"] = found_all
    return out


def keeps_verb_and_object(records: list[dict], found: dict[str, tuple[str, str]]) -> dict[str, float | None]:
    """Per source, the share of statements found whose job keeps the labelled job's verb and one of its object
    nouns (`extraction.keeps_verb_and_object`; strict: a paraphrase counts as lost)."""
    from extraction import keeps_verb_and_object as keeps

    from jtbd.extract import load_parser

    nlp = load_parser()
    out: dict[str, float | None] = {}
    for source in sorted({r["source"] for r in records}):
        hits = [r for r in records if r["source"] == source and r["is_statement"] and found.get(r["id"])]
        kept = [keeps(found[r["id"]][1] or "", r["job"], nlp) for r in hits]
        out[source] = round(sum(kept) / len(kept), 3) if kept else None
    values = [v for v in out.values() if v is not None]
    out["macro"] = round(sum(values) / len(values), 3) if values else None
    return out


def rules(train: list[dict], test: list[dict]) -> dict:
    return run_extractor(test, "rules")


def learned(train: list[dict], test: list[dict]) -> dict:
    from jtbd.detect import StatementDetector, train_weights

    detector = StatementDetector(train_weights([example_of(r) for r in train]))
    return run_extractor(test, detector)


def fixed(found: dict[str, tuple[str, str]]) -> Callable:
    """A predictor that reports what was found already (to score a combination of two runs)."""
    return lambda train, test: {r["id"]: found[r["id"]] for r in test if r["id"] in found}


def detection_only(make: Callable[[list[dict]], Callable[[list[dict]], np.ndarray]]) -> Callable:
    """A predictor that reports what a detector takes, before any job is written (for design comparisons)."""

    def predict(train: list[dict], test: list[dict]) -> dict:
        taken = make(train)(test)
        return {r["id"]: ("", "") for r, hit in zip(test, taken) if hit}

    return predict


def plain_regex(train: list[dict]) -> Callable[[list[dict]], np.ndarray]:
    return lambda test: np.array([PLAIN.search(r["unit"]) is not None for r in test])


def words_and_facts(train: list[dict]) -> Callable[[list[dict]], np.ndarray]:
    from jtbd.detect import StatementDetector, train_weights

    detector = StatementDetector(train_weights([example_of(r) for r in train]))
    return lambda test: detector.detect([unit_of(r) for r in test])


def _minilm(records: list[dict]) -> np.ndarray:
    from jtbd.embed import EmbeddingCache, embed_texts, make_embedder

    cache = EmbeddingCache(REPO / "benchmarks" / ".cache" / "cache.duckdb")
    return embed_texts([r["unit"] for r in records], make_embedder("minilm"), cache).vectors


def _facts_matrix(records: list[dict]) -> Any:
    from jtbd.detect import N_WORD_FEATURES, featurize

    return featurize([unit_of(r) for r in records])[:, N_WORD_FEATURES:]


def minilm_model(kind: str) -> Callable[[list[dict]], Callable[[list[dict]], np.ndarray]]:
    """MiniLM sentence vectors and the unit's facts, into logistic regression ("lr") or a small MLP ("mlp");
    the threshold chosen out of source within the training sources, as for the shipped model."""

    def make(train: list[dict]) -> Callable[[list[dict]], np.ndarray]:
        from scipy.sparse import csr_matrix, hstack
        from sklearn.linear_model import LogisticRegression
        from sklearn.neural_network import MLPClassifier

        from jtbd.detect import _best_threshold

        def features(records: list[dict]) -> Any:
            return hstack([csr_matrix(_minilm(records)), _facts_matrix(records)]).tocsr()

        def fit(X: Any, y: np.ndarray) -> Any:
            if kind == "lr":
                return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(X, y)
            return MLPClassifier((64,), alpha=1e-3, max_iter=400, random_state=0).fit(X, y)

        X, y = features(train), np.array([r["is_statement"] for r in train])
        sources = np.array([r["source"] for r in train])
        p = np.zeros(len(y))
        for source in np.unique(sources):
            held = sources == source
            p[held] = fit(X[~held], y[~held]).predict_proba(X[held])[:, 1]
        threshold, _ = _best_threshold(p, y, sources)
        model = fit(X, y)
        return lambda test: model.predict_proba(features(test))[:, 1] >= threshold

    return make


def kappa(records: list[dict], second: list[dict]) -> dict[str, Any]:
    """Cohen's kappa between the two labellers on is_statement, per source and overall, and how often they agree
    on the kind where both say statement."""
    from sklearn.metrics import cohen_kappa_score

    by_id = {r["id"]: r for r in records}
    out: dict[str, Any] = {}
    pairs = [(by_id[s["id"]], s) for s in second]
    names = sorted({p[0]["source"] for p in pairs})
    groups = {"all": pairs} | {name: [p for p in pairs if p[0]["source"] == name] for name in names}
    for name, group in groups.items():
        a = [bool(x["is_statement"]) for x, _ in group]
        b = [bool(y["is_statement"]) for _, y in group]
        both = [(x["kind"], y["kind"]) for x, y in group if x["is_statement"] and y["is_statement"]]
        k = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else None
        out[name] = {
            "n": len(group),
            "statements_first": sum(a),
            "statements_second": sum(b),
            "agreement": round(float(np.mean(np.array(a) == np.array(b))), 3),
            "kappa": round(float(k), 3) if k is not None and not np.isnan(k) else None,
            "kind_agreement": round(sum(x == y for x, y in both) / len(both), 3) if both else None,
        }
    return out


def kinds_of(records: list[dict]) -> Counter:
    return Counter(r["kind"] for r in records if r["is_statement"])
