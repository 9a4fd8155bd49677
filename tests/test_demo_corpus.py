"""Checks on the bundled demo corpus (corpora/startups-demo), built by scripts/make_demo_corpus.py.

These read only the repository's own corpora/ folder, never the external source corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DEMO_DIR = Path(__file__).resolve().parents[1] / "corpora" / "startups-demo"
QUESTIONS = DEMO_DIR / "questions.jsonl"
SITES = {"answers.onstartups.com", "startups.stackexchange.com"}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    assert QUESTIONS.is_file(), f"missing {QUESTIONS}"
    with open(QUESTIONS, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_files_present_and_small() -> None:
    for name in ("questions.jsonl", "LICENSE.md", "ATTRIBUTION.md"):
        assert (DEMO_DIR / name).is_file(), name
    total = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file())
    assert total < 10 * 1024 * 1024, f"demo corpus is {total} bytes (limit 10 MB)"
    assert "CC BY-SA 3.0" in (DEMO_DIR / "LICENSE.md").read_text(encoding="utf-8")


def test_every_record_carries_attribution(records: list[dict]) -> None:
    for r in records:
        assert r["site"] in SITES, r
        assert r["url"] == f"https://{r['site']}/questions/{r['question_id']}", r
        assert isinstance(r["author"], str) and r["author"].strip(), r
        assert r["license"] == "CC BY-SA 3.0", r
        date = r["created_date"]
        assert isinstance(date, str) and len(date) == 10 and date[4] == "-" and date[7] == "-", r
        assert r["body"].strip() and r["title"].strip(), r


def test_size_and_year_span(records: list[dict]) -> None:
    assert len(records) >= 2000
    years = {r["created_date"][:4] for r in records}
    assert len(years) >= 5, sorted(years)  # Answers OnStartups, 2009-2013: long enough for trends to show
    keys = [(r["created_date"], r["question_id"]) for r in records]
    assert keys == sorted(keys), "questions.jsonl should be sorted by created_date, question_id"
