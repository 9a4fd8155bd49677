"""`jtbd track`: queries, the turning points of a series, and the command end to end on a synthetic corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from conftest import write_jsonl
from typer.testing import CliRunner

from jtbd.cli import app
from jtbd.errors import ConfigError
from jtbd.periods import period_range
from jtbd.track import Query, parse_queries, turning_points

MONTHS = period_range("2018-01", "2025-12", "month")


def _series(shares: np.ndarray, seed: int, total: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    totals = rng.integers(total // 2, total * 3 // 2, size=len(shares))
    return rng.poisson(totals * shares), totals


@pytest.mark.parametrize("seed", range(5))
def test_turning_points_find_a_known_drop_and_its_span(seed):
    # A share that grows slowly, drops by half in 2020-06 and then grows fast again: the shape asked of DL hiring.
    t = np.arange(len(MONTHS)) / 12
    turn = MONTHS.index("2020-06")
    shares = np.where(np.arange(len(MONTHS)) < turn, 0.04 * 1.1**t, 0.02 * 1.6 ** (t - t[turn]))
    counts, totals = _series(shares, seed)
    turns, segments = turning_points(counts, totals, MONTHS, 12.0)
    assert turns, "the drop was not found"
    nearest = min(turns, key=lambda x: abs(MONTHS.index(x.period) - turn))
    assert abs(MONTHS.index(nearest.period) - turn) <= 2
    assert MONTHS.index(nearest.low) <= turn <= MONTHS.index(nearest.high)
    assert len(segments) == len(turns) + 1
    after = next(s for s in segments if s.first == nearest.period)
    assert after.rate > 1.3  # the segment after the drop grows


@pytest.mark.parametrize("seed", range(5))
def test_turning_points_of_a_steady_trend_are_none(seed):
    t = np.arange(len(MONTHS)) / 12
    counts, totals = _series(0.03 * 1.2**t, seed)
    turns, segments = turning_points(counts, totals, MONTHS, 12.0)
    assert turns == []
    assert len(segments) == 1 and 1.1 < segments[0].rate < 1.3


def test_turning_points_of_a_few_scattered_counts_are_none():
    counts = np.zeros(len(MONTHS), dtype=int)
    counts[[3, 20, 50, 77]] = 1
    assert turning_points(counts, np.full(len(MONTHS), 100), MONTHS, 12.0)[0] == []


def test_parse_queries_from_arguments_and_a_file(tmp_path):
    path = tmp_path / "queries.txt"
    path.write_text("# topics\nml: machine learning, deep learning\n\nlarge language model\n", encoding="utf-8")
    queries = parse_queries(["rust"], path)
    assert queries == [
        Query("rust", ("rust",)),
        Query("ml", ("machine learning", "deep learning")),
        Query("large language model", ("large language model",)),
    ]
    assert queries[1].pattern().search("We do Deep  Learning.") and not queries[0].pattern().search("trusty")


def test_parse_queries_errors_name_the_line(tmp_path):
    path = tmp_path / "queries.txt"
    path.write_text("ml: machine learning\nbad:\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="queries.txt:2"):
        parse_queries([], path)
    with pytest.raises(ConfigError, match="No query"):
        parse_queries([], None)
    with pytest.raises(ConfigError, match="twice"):
        parse_queries(["rust", "rust"], None)


def test_track_command_end_to_end(tmp_path):
    # 36 months of questions; "invoices" is asked at a flat share, then three times as often from month 18.
    start, records = datetime(2021, 1, 1, tzinfo=UTC), []
    rng = np.random.default_rng(0)
    for month in range(36):
        for i in range(60):
            rate = 0.1 if month < 18 else 0.3
            text = "How do I send invoices to clients?" if rng.random() < rate else "How do I find a cofounder?"
            when = start + timedelta(days=30.4 * month + rng.integers(0, 27))
            records.append({"id": f"{month}-{i}", "text": text, "created_at": when.isoformat(), "author": f"u{i}"})
    corpus = write_jsonl(tmp_path / "corpus" / "q.jsonl", records)
    out = tmp_path / "track"
    result = CliRunner().invoke(
        app, ["track", "invoices", str(corpus.parent), "--model", "hashing", "--out", str(out), "--window", "36"]
    )
    assert result.exit_code == 0, result.output
    assert "invoices:" in result.output and "turns: 2022-07" in result.output
    assert {p.name for p in out.iterdir()} == {"track.md", "track.html", "track.csv", "track.json"}
    data = json.loads((out / "track.json").read_text(encoding="utf-8"))
    keywords = next(s for s in data["series"] if (s["match"], s["unit"]) == ("keywords", "documents"))
    assert keywords["growth"]["trend"] == "rising"
    assert [t["period"] for t in keywords["turns"]] == ["2022-07"]
    assert sum(p["plain"] for p in keywords["periods"]) == sum("invoices" in r["text"] for r in records)
    assert "<script" not in (out / "track.html").read_text(encoding="utf-8")
    assert "| by keywords | documents |" in (out / "track.md").read_text(encoding="utf-8")


def test_track_an_undated_corpus_says_what_to_pass(tmp_path):
    records = [{"id": str(i), "text": "How do I send invoices to clients?"} for i in range(20)]
    corpus = write_jsonl(tmp_path / "q.jsonl", records)
    result = CliRunner().invoke(
        app, ["track", "invoices", str(corpus), "--model", "hashing", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "--time-field" in result.output and "Traceback" not in result.output
