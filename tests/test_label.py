"""Tests for jtbd.label: c-TF-IDF keywords, unique titles, and diverse quotes (MMR)."""

from __future__ import annotations

import numpy as np
import pytest
from factories import statement

from jtbd.label import ctfidf_keywords, keyword_coverage, label_clusters, mmr, readable
from jtbd.types import Statement


def _statement(n: int, text: str, job: str) -> Statement:
    return statement(n, text=text, job=job)


def _unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.array(rows, dtype=float)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


# Keywords


def test_label_ctfidf_picks_the_distinctive_word_of_each_cluster():
    keywords = ctfidf_keywords(
        [
            "send invoice clients invoice reminder",
            "find cofounder clients technical cofounder",
            "first customers clients saas customers",
        ]
    )
    assert [words[0] for words in keywords] == ["invoice", "cofounder", "customers"]
    # "clients" is said in every cluster, so it describes none in particular.
    assert all("clients" not in words[:2] for words in keywords)


def test_label_ctfidf_drops_stop_words_and_respects_n_keywords():
    keywords = ctfidf_keywords(
        ["help startup people build invoice tool reconcile ledger export", "use team startup get hire designer"],
        n_keywords=3,
    )
    assert all(len(words) <= 3 for words in keywords)
    flat = " ".join(w for words in keywords for w in words).split()
    for stop_word in ("help", "startup", "people", "build", "use", "team", "get", "the"):
        assert stop_word not in flat


def test_label_ctfidf_drops_unigrams_inside_a_higher_bigram():
    keywords = ctfidf_keywords(["reconcile invoices reconcile invoices", "reconcile ledger invoices hire designer"])
    assert keywords[0][0] == "reconcile invoices"
    assert "reconcile" not in keywords[0] and "invoices" not in keywords[0]


def test_label_ctfidf_edge_cases():
    assert ctfidf_keywords([]) == []
    assert ctfidf_keywords(["the and of", "a to"]) == [[], []]  # nothing but stop words


# MMR


def test_label_mmr_returns_distinct_rows_most_relevant_first():
    vectors = _unit([[1, 0.1, 0], [1, 0.1, 0], [1, 0.1, 0], [0.6, 0.8, 0], [0, 0, 1]])
    centroid = _unit([[1, 0.2, 0]])[0]
    chosen = mmr(vectors, centroid, 3)
    assert len(chosen) == len(set(chosen)) == 3
    assert chosen[0] == 0  # the first of the most relevant rows
    assert 3 in chosen[:2]  # a near-duplicate of the first pick is passed over for a different row
    assert mmr(vectors, centroid, 10) and sorted(mmr(vectors, centroid, 10)) == [0, 1, 2, 3, 4]


def test_label_mmr_edge_cases():
    vectors = _unit([[1, 0], [0, 1]])
    assert mmr(vectors[:0], np.array([1.0, 0.0]), 3) == []
    assert mmr(vectors, np.array([1.0, 0.0]), 1) == [0]
    assert mmr(vectors, np.array([1.0, 0.0]), 0) == []  # k rows, even when k is 0 (--max-quotes 0)


# Labels


def test_label_titles_are_unique_when_all_statements_share_a_job():
    texts = [
        "Send invoices now",
        "send invoices today",
        "I need to send invoices",
        "How do I send invoices",
        "Send invoices?",
        "send the invoices",
        "sending invoices",
        "send my invoices",
        "send our invoices",
    ]
    statements = [_statement(n, text, "send invoices") for n, text in enumerate(texts)]
    vectors = _unit([[1, 0.01 * n, 0] for n in range(9)])
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    result = label_clusters(statements, vectors, labels)
    titles = [result[c].title for c in (0, 1, 2)]
    assert len(set(titles)) == 3
    assert all(title.startswith("send invoices") for title in titles)


def test_label_title_is_the_most_central_job():
    jobs = ["reconcile invoices across clients"] * 4 + ["export ledger to csv"]
    statements = [_statement(n, f"text {n}", job) for n, job in enumerate(jobs)]
    vectors = _unit([[1, 0, 0], [1, 0.05, 0], [1, 0, 0.05], [1, 0.02, 0.02], [0.2, 1, 0]])
    result = label_clusters(statements, vectors, np.zeros(5, dtype=int))
    assert result[0].title == "reconcile invoices across clients"
    assert result[0].quotes[0] in (0, 1, 2, 3)


def test_label_prefers_titles_of_three_words_or_more():
    jobs = ["invoices", "send invoices to clients", "invoices"]
    statements = [_statement(n, f"text {n}", job) for n, job in enumerate(jobs)]
    vectors = _unit([[1, 0], [0.8, 0.6], [1, 0]])
    result = label_clusters(statements, vectors, np.zeros(3, dtype=int))
    assert result[0].title == "send invoices to clients"


def test_label_title_prefers_a_short_job_many_say_over_a_long_central_one():
    long = "send invoices to clients and track invoice payments"
    jobs = [long, "send invoices", "send invoices", "send invoices", "chase clients for payments"]
    statements = [_statement(n, f"text {n}", job) for n, job in enumerate(jobs)]
    # The long job is the most central and says more of the keyphrases ("send invoices", "clients", "payments").
    vectors = _unit([[1, 0], [1, 0.3], [1, 0.3], [1, 0.3], [1, 0.2]])
    result = label_clusters(statements, vectors, np.zeros(5, dtype=int))
    assert result[0].title == "send invoices"


def test_label_keyword_coverage_splits_a_job_as_the_keyphrases_were_split():
    # c-TF-IDF reads "ci/cd" as "ci" and "cd"; a job that writes "ci/cd" says the keyphrase "ci cd" too (it lost
    # the title to "us with ci cd pipelines" on whole HN), and a hyphenated word stays one word.
    keyphrases = ["ci cd", "pipelines"]
    assert keyword_coverage("manage ci/cd pipelines", keyphrases) == keyword_coverage(
        "us with ci cd pipelines", keyphrases
    )
    assert keyword_coverage("manage ci/cd pipelines", keyphrases) == 1.5
    assert keyword_coverage("sell e-commerce goods", ["e-commerce"]) == 1.0


def _reposts_and_voices() -> tuple[list[Statement], np.ndarray]:
    """One company's line reposted in 35 monthly postings, nearest the centroid, and a job three others state."""
    repost = [statement(n, job="think of for building chat features", author="acme") for n in range(35)]
    said = [statement(35 + n, job="build chat features", author=f"co{n}") for n in range(3)]
    vectors = _unit([[1, 0]] * 35 + [[1, 0.3]] * 3)
    return repost + said, vectors


def test_label_title_counts_voices_not_reposts():
    # It was the reposted line: its 35 statements filled the 30 most central and outvoted the three voices.
    statements, vectors = _reposts_and_voices()
    result = label_clusters(statements, vectors, np.zeros(len(statements), dtype=int))
    assert result[0].title == "build chat features"


def test_label_jobs_said_by_more_voices_come_first():
    statements, vectors = _reposts_and_voices()
    result = label_clusters(statements, vectors, np.zeros(len(statements), dtype=int))
    assert result[0].jobs == ["build chat features", "think of for building chat features"]


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        ("split equity between co-founders", True),
        ("be fair equity share", False),  # a copula question's leftover
        ("mention it in contract and", False),  # cut off mid-phrase
        ("build product around", False),
        ("learn and as excited to grow careers as", False),
        ("'s dividend how long and what 's", False),
        ("allocate ownership fairly?](http://answers.example/q/6949", False),  # a pasted link
        ("3 co founders and good idea", False),
        ("engineer https://job-boards.example.io/acme", False),  # a link without brackets
        ("join us at www.example.com today", False),
        ("", False),
    ],
)
def test_label_readable_jobs(job, expected):
    assert readable(job) is expected


def test_label_title_prefers_a_readable_job_over_a_more_central_one():
    jobs = ["be fair equity share"] * 3 + ["split equity between founders"]
    statements = [_statement(n, f"text {n}", job) for n, job in enumerate(jobs)]
    vectors = _unit([[1, 0], [1, 0.01], [1, 0.02], [0.9, 0.4]])
    result = label_clusters(statements, vectors, np.zeros(4, dtype=int))
    assert result[0].title == "split equity between founders"


def test_label_jobs_are_the_most_said_then_the_most_central():
    # Each statement has its own document, hence its own voice.
    jobs = ["'s shares how many", "zip invoices", "archive invoices", "archive invoices", "bill clients monthly"]
    statements = [_statement(n, f"text {n}", job) for n, job in enumerate(jobs)]
    # Centrality: row 4 ("bill clients monthly") is nearest the centroid, then row 1 ("zip invoices").
    vectors = _unit([[0.2, 1], [1, 0.1], [1, 0.4], [1, 0.4], [1, 0.2]])
    result = label_clusters(statements, vectors, np.zeros(5, dtype=int))
    assert result[0].jobs == ["archive invoices", "bill clients monthly", "zip invoices", "'s shares how many"]


def test_label_skips_noise_and_quotes_distinct_texts():
    texts = [
        "How do I send invoices?",
        "how do i send invoices?",
        "HOW DO I SEND INVOICES?",
        "Invoices by e-mail",
        "Automatic invoice reminders",
        "noise one",
        "noise two",
    ]
    statements = [_statement(n, text, "send invoices") for n, text in enumerate(texts)]
    vectors = _unit([[1, 0, 0], [1, 0, 0], [1, 0, 0], [0.9, 0.3, 0], [0.9, 0, 0.3], [0, 1, 0], [0, 0, 1]])
    labels = np.array([0, 0, 0, 0, 0, -1, -1])
    result = label_clusters(statements, vectors, labels, max_quotes=5)
    assert set(result) == {0}
    quotes = result[0].quotes
    assert all(labels[q] == 0 for q in quotes)
    quoted = [statements[q].text.lower() for q in quotes]
    assert len(quoted) == len(set(quoted)) == 3  # the three spellings of one question are quoted once


@pytest.mark.parametrize("max_quotes", [1, 2])
def test_label_max_quotes(max_quotes):
    statements = [_statement(n, f"distinct text {n}", "send invoices to clients") for n in range(6)]
    vectors = _unit([[1, 0.1 * n, 0] for n in range(6)])
    result = label_clusters(statements, vectors, np.zeros(6, dtype=int), max_quotes=max_quotes)
    assert len(result[0].quotes) == max_quotes


def test_label_quotes_come_from_the_growth_window_when_it_holds_enough():
    # Rows 0-2 are the most central but old; rows 3-6, around them, fall in the growth window.
    statements = [_statement(n, f"distinct text {n}", "send invoices to clients") for n in range(7)]
    vectors = _unit([[1, 0.01 * n, 0] for n in range(3)] + [[1, 0.5, 0], [1, -0.5, 0], [1, 0, 0.5], [1, 0, -0.5]])
    labels = np.zeros(7, dtype=int)
    recent = np.array([False] * 3 + [True] * 4)
    assert set(label_clusters(statements, vectors, labels, max_quotes=3, recent=recent)[0].quotes) <= {3, 4, 5, 6}
    # Fewer recent statements than quotes: drawn from all, the central old ones included.
    old_too = label_clusters(statements, vectors, labels, max_quotes=5, recent=recent)[0].quotes
    assert {0, 1, 2} & set(old_too)
    assert label_clusters(statements, vectors, labels, max_quotes=3)[0].quotes[0] in {0, 1, 2}
