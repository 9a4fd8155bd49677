"""Tests for jtbd.detect: the statement model's features, training, weights file and its check, and the shipped
detector on a few fixed units of each kind."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from jtbd.detect import (
    N_FACT_FEATURES,
    N_WORD_FEATURES,
    Example,
    StatementDetector,
    Unit,
    Weights,
    facts,
    featurize,
    load_detector,
    train_weights,
)
from jtbd.errors import ModelError
from jtbd.extract import detect_candidates
from jtbd.types import Document


def test_detect_facts_say_where_a_unit_stands_and_what_it_looks_like():
    found = facts(Unit("How do I send invoices automatically?", is_title=True))
    assert {"title", "doc_discussion", "top", "ends_q", "first_how", "code_none", "starts_upper"} <= set(found)
    assert {"sentence", "reply", "ends_stop"} <= set(facts(Unit("thanks!", is_reply=True)))
    assert "code_high" in facts(Unit("x = foo(bar[0]) {baz};"))
    assert "link" in facts(Unit("See https://example.com", doc_kind="posting"))
    assert "doc_posting" in facts(Unit("See https://example.com", doc_kind="posting"))


def test_detect_features_are_stable_and_row_normalised():
    units = [Unit("Please add dark mode"), Unit("Please add dark mode"), Unit("")]
    X = featurize(units)
    assert X.shape == (3, N_WORD_FEATURES + N_FACT_FEATURES)
    assert (X[0] != X[1]).nnz == 0  # the same unit, the same features: the hash is not Python's salted one
    words, known = X[0, :N_WORD_FEATURES].toarray(), X[0, N_WORD_FEATURES:].toarray()
    assert np.isclose(np.linalg.norm(words), 1.0) and np.isclose(np.linalg.norm(known), 1.0)


def _toy_examples() -> list[Example]:
    statements = ["please add export to csv", "how do i export my data", "i need to export reports"]
    others = ["great app love it", "thanks so much", "we moved offices last year"]
    out = []
    for source in ("a", "b", "c"):
        out += [Example(Unit(f"{t} ({source})"), source, True, "request") for t in statements]
        out += [Example(Unit(f"{t} ({source})"), source, False) for t in others]
    return out


def test_detect_training_is_deterministic_and_learns_a_toy_task():
    first, second = train_weights(_toy_examples()), train_weights(_toy_examples())
    assert first.to_json() == second.to_json()
    detector = StatementDetector(first)
    taken = detector.detect([Unit("please add export to pdf"), Unit("love it, thanks")])
    assert taken.tolist() == [True, False]
    assert detector.kinds([Unit("please add export to pdf")]) == ["request"]
    assert Weights.from_json(first.to_json()) == first


def test_detect_weights_built_for_other_features_are_refused():
    data = json.loads(train_weights(_toy_examples()).to_json())
    data["features"] = [2**10, 2**4]
    with pytest.raises(ModelError, match="built for other features"):
        Weights.from_json(json.dumps(data))


def test_detect_shipped_weights_are_verified_before_use(fresh_models, tmp_path, monkeypatch):
    from jtbd import detect, models

    spec = models.get_spec("statements", "detectors")
    shipped = models.verified_model_dir("statements", "detectors") / spec.file
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == spec.sha256
    copy = tmp_path / "data"
    copy.mkdir()
    (copy / spec.file).write_bytes(shipped.read_bytes().replace(b'"threshold":', b'"threshold": ', 1))
    monkeypatch.setattr(models, "model_dir", lambda s: copy if s.key == "statements" else models.model_dir(s))
    models.verified_model_dir.cache_clear()
    detect.load_detector.cache_clear()
    with pytest.raises(ModelError, match="statements.*sha256"):
        detect.load_detector()
    detect.load_detector.cache_clear()


UNITS_OF_EACH_KIND = [
    ("failure", Unit("The app crashes every time I try to upload a video from my camera roll")),
    ("failure", Unit("load_dataset fails with a 401 error when I try to load a private dataset")),
    ("request", Unit("Please add an option to export my notes to PDF")),
    ("search", Unit("Is there a tool to track expenses across several bank accounts?")),
    ("search", Unit("How do I find a technical cofounder for my startup?", is_title=True)),
    ("need", Unit("I wish there was an app that reminds me to water my plants")),
    ("question", Unit("Should I incorporate in Delaware or in my home state?", is_title=True)),
    ("offering", Unit("Acme helps small clinics schedule patients and send reminders", doc_kind="posting")),
    ("role_work", Unit("You will design and build our data ingestion pipeline in Python", doc_kind="posting")),
]
NOT_STATEMENTS = [
    Unit("Great app, love it!"),
    Unit("Thanks in advance!"),
    Unit("import numpy as np"),
    Unit("We are a team of 20 based in Berlin", doc_kind="posting"),
    Unit("https://example.com/jobs", doc_kind="posting"),
    Unit("Salary: 120k-150k + equity", doc_kind="posting"),
]


def _documents(units: list[Unit]) -> list[Document]:
    return [
        Document(f"d{n}", "t", u.doc_kind, u.text, title=u.text if u.is_title else None) for n, u in enumerate(units)
    ]


def test_detect_shipped_detector_on_fixed_units_of_each_kind():
    # The shipped design: the model's candidates beside the cue rules' (postings' pitches and roles come by rule).
    found = detect_candidates(_documents([u for _, u in UNITS_OF_EACH_KIND]), load_detector())
    assert [len(f) for f in found] == [1] * len(UNITS_OF_EACH_KIND)
    assert [f[0].kind for f in found] == [kind for kind, _ in UNITS_OF_EACH_KIND]
    assert detect_candidates(_documents(NOT_STATEMENTS), load_detector()) == [[]] * len(NOT_STATEMENTS)
    # The model alone takes every discussion unit above.
    discussions = [u for _, u in UNITS_OF_EACH_KIND if u.doc_kind == "discussion"]
    assert load_detector().detect(discussions).all()
