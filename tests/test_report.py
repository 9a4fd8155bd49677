"""Tests for jtbd.report: the payload, the Markdown, the CSVs, and the atomic replacement of the output folder."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from jtbd import report
from jtbd.report import cluster_payload, render_markdown, replace_dir, sparkline, write_outputs
from jtbd.types import ClusterLabel, Growth, PeriodCount, RankedCluster, Statement

FILES = {"report.md", "clusters.json", "clusters.csv", "assignments.csv", "run.json"}


def _statement(n: int, text: str, job: str, *, url: str | None = None) -> Statement:
    return Statement(
        doc_id=f"doc-{n}",
        text=text,
        start=0,
        end=len(text),
        kind="need",
        cue="i need",
        job=job,
        doc_kind="discussion",
        created_at=datetime(2024, 1 + n % 3, 10, tzinfo=UTC),
        author=f"a{n}",
        url=url,
    )


STATEMENTS = [
    _statement(0, "I need to send invoices automatically.", "send invoices automatically", url="https://x.test/0"),
    _statement(1, "How do I send invoices | every month?", "send invoices every month"),
    _statement(2, "How do I find a cofounder?", "find cofounder"),
    _statement(3, "Is there a tool to find a cofounder?", "find cofounder"),
    _statement(4, "Random noise sentence here.", "noise"),
]
LABELS = np.array([0, 0, 1, 1, -1])


def _cluster(
    cluster_id: int, rank: int, members: list[int], title: str, trend: str, rate: float | None
) -> RankedCluster:
    growth = Growth(
        rate, None if rate is None else rate * 0.6, None if rate is None else rate * 2, 0.001, 3, trend, q_value=0.004
    )
    series = [PeriodCount("2024-01", 1, 2, 1), PeriodCount("2024-02", 0, 1, 0), PeriodCount("2024-03", 2, 2, 2)]
    return RankedCluster(
        id=cluster_id,
        rank=rank,
        label=ClusterLabel(title, ["invoices", "automatically"], members[::-1]),
        members=members,
        size=len(members),
        n_authors=len(members),
        n_docs=len(members),
        growth=growth,
        score=1.234,
        score_parts={"growth": 0.5, "reach": 1.0, "pain": 1.0, "supply": 0.0},
        series=series,
        kind_counts={"need": len(members)},
    )


def _payload() -> dict:
    clusters = [
        _cluster(0, 1, [0, 1], "send invoices | automatically", "rising", 2.0),
        _cluster(1, 2, [2, 3], "find cofounder", "unknown", None),
    ]
    run = {
        "corpus_name": "demo",
        "counts": {"documents": 5, "statements": 5, "noise_share": 0.2},
        "config": {"window": 24, "period": "month"},
        "notes": ["2 statements have no date."],
    }
    return {"run": run, "clusters": [cluster_payload(c, STATEMENTS) for c in clusters]}


# Sparkline


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"),
        ([0.0, 0.5, 1.0], "▁▅█"),
        ([3, 3], "██"),
        ([0, 0, 0], "▁▁▁"),
        ([], ""),
    ],
)
def test_report_sparkline(values, expected):
    assert sparkline(values) == expected


# Payload and Markdown


def test_report_cluster_payload_follows_schema():
    payload = _payload()["clusters"][0]
    assert payload["id"] == 0 and payload["rank"] == 1
    assert payload["label"] == "send invoices | automatically"
    assert payload["growth"]["rate"] == 2.0 and payload["growth"]["per"] == "year"
    assert set(payload["growth"]) >= {"rate", "low", "high", "p_value", "q_value", "trend", "n_periods"}
    assert payload["series"][0] == {"period": "2024-01", "count": 1, "total": 2, "share": 0.5, "n_authors": 1}
    # Quotes follow the label's order (most representative first) and carry their source.
    assert [q["doc_id"] for q in payload["quotes"]] == ["doc-1", "doc-0"]
    assert payload["quotes"][1]["url"] == "https://x.test/0"
    assert set(payload["quotes"][0]) >= {"text", "doc_id", "url", "start", "end", "created_at"}
    assert sorted(payload["top_jobs"]) == ["send invoices automatically", "send invoices every month"]


def test_report_markdown_contains_ranking_table():
    markdown = render_markdown(_payload())
    lines = markdown.splitlines()
    header = lines.index("| # | Job | Trend | Growth / year (95% CI) | Authors | Statements | Score |")
    assert lines[header + 1].startswith("|---:|")
    first, second = lines[header + 2], lines[header + 3]
    # A | in a label would break the table: it is escaped.
    assert first.startswith("| 1 | [send invoices \\| automatically](#cluster-0) | ▲ rising | +100% (+20% to +300%)")
    assert second.startswith("| 2 | [find cofounder](#cluster-1) | ? unknown | n/a |")
    assert "# Jobs to be done in demo" in markdown
    assert "> 2 statements have no date." in markdown
    assert '<a id="cluster-1"></a>2. find cofounder' in markdown
    assert "`▅▁█`" in markdown  # the share sparkline of cluster 0 (0.5, 0, 1)
    assert "- “I need to send invoices automatically.” — [doc-0](https://x.test/0) (2024-01-10)" in markdown


def test_report_markdown_without_clusters_says_so():
    payload = _payload()
    payload["clusters"] = []
    markdown = render_markdown(payload)
    assert "No clusters were found." in markdown
    assert "| # | Job |" not in markdown


# Files


def test_report_write_outputs_writes_every_file(tmp_path):
    payload = _payload()
    path = write_outputs(
        tmp_path / "out", run_info=payload["run"], clusters=payload["clusters"], statements=STATEMENTS, labels=LABELS
    )
    out = tmp_path / "out"
    assert path == out.resolve() / "report.md"
    assert {p.name for p in out.iterdir()} == FILES
    data = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    assert data["run"]["corpus_name"] == "demo" and len(data["clusters"]) == 2
    assert json.loads((out / "run.json").read_text(encoding="utf-8")) == payload["run"]
    with (out / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["doc_id"], r["statement"], r["cluster_id"]) for r in rows] == [
        (s.doc_id, s.text, str(label)) for s, label in zip(STATEMENTS, LABELS)
    ]
    with (out / "clusters.csv").open(encoding="utf-8", newline="") as handle:
        clusters = list(csv.DictReader(handle))
    assert [(c["rank"], c["label"], c["trend"]) for c in clusters] == [
        ("1", "send invoices | automatically", "rising"),
        ("2", "find cofounder", "unknown"),
    ]
    assert clusters[0]["keywords"] == "invoices; automatically"
    assert (out / "report.md").read_text(encoding="utf-8") == render_markdown(data)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_report_replace_dir_swaps_in_new_folder(tmp_path):
    target, new = tmp_path / "out", tmp_path / ".out.new"
    target.mkdir()
    (target / "old.txt").write_text("old")
    new.mkdir()
    (new / "report.md").write_text("new")
    replace_dir(new, target)
    assert [p.name for p in target.iterdir()] == ["report.md"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("step", ["_write_assignments", "render_markdown", "_write_clusters_csv"])
def test_report_interrupted_write_keeps_previous_folder(tmp_path, monkeypatch, step):
    payload = _payload()
    out = tmp_path / "out"
    write_outputs(out, run_info=payload["run"], clusters=payload["clusters"], statements=STATEMENTS, labels=LABELS)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, step, interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(
            out,
            run_info={**payload["run"], "corpus_name": "other"},
            clusters=[],
            statements=[],
            labels=np.array([], dtype=int),
        )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no hidden staging folder left behind


def test_report_interrupted_first_write_leaves_nothing(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "render_markdown", interrupt)
    payload = _payload()
    with pytest.raises(KeyboardInterrupt):
        write_outputs(
            tmp_path / "out",
            run_info=payload["run"],
            clusters=payload["clusters"],
            statements=STATEMENTS,
            labels=LABELS,
        )
    assert list(tmp_path.iterdir()) == []


def test_report_rewrite_replaces_whole_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("from an older version")
    payload = _payload()
    write_outputs(out, run_info=payload["run"], clusters=payload["clusters"], statements=STATEMENTS, labels=LABELS)
    assert {p.name for p in out.iterdir()} == FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_report_output_parent_is_created(tmp_path):
    payload = _payload()
    nested: Path = tmp_path / "a" / "b" / "out"
    write_outputs(nested, run_info=payload["run"], clusters=payload["clusters"], statements=STATEMENTS, labels=LABELS)
    assert (nested / "report.md").is_file()
