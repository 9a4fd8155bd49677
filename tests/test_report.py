"""Tests for jtbd.report and jtbd.records: the records, the Markdown, the CSVs, the atomic replacement of the output
folder, and the commands that read an output folder back (`jtbd report`, `jtbd show`) or change its ranking."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from factories import statement
from typer.testing import CliRunner

from jtbd import report
from jtbd.cli import app
from jtbd.config import Config, parse_weights
from jtbd.errors import ConfigError, JtbdError
from jtbd.records import ClusterRecord, Results, RunRecord, members_of
from jtbd.report import default_reporters, replace_dir, write_run_folder
from jtbd.report_html import render_html
from jtbd.report_text import pct, render_cluster_text, render_markdown, sparkline
from jtbd.rerender import rerender
from jtbd.types import ClusterLabel, Growth, PeriodCount, RankedCluster, Statement

FILES = {"report.md", "report.html", "clusters.json", "clusters.csv", "assignments.csv", "run.json", "themes.csv"}
runner = CliRunner()


def _statement(n: int, text: str, job: str, *, url: str | None = None) -> Statement:
    return statement(
        n,
        doc_id=f"doc-{n}",
        text=text,
        job=job,
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
    series = [
        PeriodCount("2024-01", 1, 2, 1, 1),
        PeriodCount("2024-02", 0, 1, 0, 0),
        PeriodCount("2024-03", 2, 2, 2, 2),
    ]
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


def _payload() -> Results:
    clusters = [
        _cluster(0, 1, [0, 1], "send invoices | automatically", "rising", 2.0),
        _cluster(1, 2, [2, 3], "find cofounder", "unknown", None),
    ]
    run = RunRecord(
        config=Config(window=24, period="month"),
        corpus_name="demo",
        counts={"documents": 5, "statements": 5, "noise_share": 0.2},
        notes=["2 statements have no date."],
    )
    return Results(run, [ClusterRecord.from_ranked(c, STATEMENTS) for c in clusters])


def write_outputs(out: Path, results: Results, statements=STATEMENTS, labels=LABELS) -> Path:
    return write_run_folder(out, results, statements, labels, default_reporters())


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


def test_report_cluster_record_follows_schema():
    payload = _payload().clusters[0].to_json()
    assert payload["id"] == 0 and payload["rank"] == 1
    assert payload["label"] == "send invoices | automatically"
    assert payload["growth"]["rate"] == 2.0 and payload["growth"]["per"] == "year"
    assert set(payload["growth"]) >= {"rate", "low", "high", "p_value", "q_value", "trend", "n_periods"}
    assert payload["series"][0] == {
        "period": "2024-01",
        "count": 1,
        "total": 2,
        "share": 0.5,
        "n_authors": 1,
        "counted": 1,
    }
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
    assert "- “I need to send invoices automatically.” — [doc-0](<https://x.test/0>) (2024-01-10)" in markdown


def test_report_records_round_trip_through_json():
    results = _payload()
    again = Results.from_json(json.loads(json.dumps(results.to_json())))
    assert again == results
    assert again.to_json() == results.to_json()


def test_report_markdown_score_shows_weights():
    payload = _payload()
    assert "**Score:** 1.23 = growth +0.50 + reach +1.00 + pain +1.00 + supply +0.00" in render_markdown(payload)
    payload = replace(
        payload, run=replace(payload.run, score_weights={"growth": 2.0, "reach": 0.5, "pain": 0.5, "supply": 0.3})
    )
    assert "**Score:** 1.23 = 2×growth +0.50 + 0.5×reach +1.00 + 0.5×pain +1.00 + 0.3×supply +0.00" in render_markdown(
        payload
    )


def test_report_markdown_without_clusters_says_so():
    payload = replace(_payload(), clusters=[])
    markdown = render_markdown(payload)
    assert "No clusters were found." in markdown
    assert "| # | Job |" not in markdown


# Files


def test_report_write_outputs_writes_every_file(tmp_path):
    payload = _payload()
    path = write_outputs(tmp_path / "out", payload)
    out = tmp_path / "out"
    assert path == out.resolve() / "report.md"
    assert {p.name for p in out.iterdir()} == FILES
    data = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    assert data["run"]["corpus_name"] == "demo" and len(data["clusters"]) == 2
    assert json.loads((out / "run.json").read_text(encoding="utf-8")) == payload.run.to_json()
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
    assert [c["growth_among"] for c in clusters] == ["all", "all"]  # whose voices the growth columns count
    assert (out / "report.md").read_text(encoding="utf-8") == render_markdown(Results.from_json(data))
    # The page also lists every statement of each job, read from assignments.csv.
    members = members_of(*report.read_assignments(out))
    assert sum(len(quotes) for quotes in members.values()) == sum(r["cluster_id"] != "-1" for r in rows)
    assert (out / "report.html").read_text(encoding="utf-8") == render_html(
        replace(Results.from_json(data), members=members)
    )
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


STEPS = [
    "jtbd.report._write_assignments",
    "jtbd.report_text.render_markdown",
    "jtbd.report_html.render_html",
    "jtbd.report.CsvReport.render",
]


@pytest.mark.parametrize("step", STEPS)
def test_report_interrupted_write_keeps_previous_folder(tmp_path, monkeypatch, step):
    payload = _payload()
    out = tmp_path / "out"
    write_outputs(out, payload)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(step, interrupt)
    with pytest.raises(KeyboardInterrupt):
        other = Results(replace(payload.run, corpus_name="other"), [])
        write_outputs(out, other, [], np.array([], dtype=int))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no hidden staging folder left behind


def test_report_interrupted_first_write_leaves_nothing(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("jtbd.report_text.render_markdown", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(tmp_path / "out", _payload())
    assert list(tmp_path.iterdir()) == []


def test_report_rewrite_replaces_a_previous_output_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("from the previous run")
    write_outputs(out, _payload())
    assert {p.name for p in out.iterdir()} == FILES
    assert (out / "report.md").read_text(encoding="utf-8") != "from the previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("kind", ["file", "folder with other files"])
def test_report_refuses_an_out_that_holds_what_jtbd_did_not_write(tmp_path, kind):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("a user's file")
    else:
        out.mkdir()
        (out / "notes.txt").write_text("a user's notes")
    with pytest.raises(JtbdError) as caught:
        write_outputs(out, _payload())
    assert "\n" not in str(caught.value) and "--out" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # untouched, no leftovers
    kept = out if kind == "file" else out / "notes.txt"
    assert kept.read_text(encoding="utf-8").startswith("a user's")


def test_report_cli_refuses_an_existing_file_as_out_before_any_work(tmp_path, corpus):
    target = tmp_path / "README.md"
    target.write_text("mine")
    result = runner.invoke(app, ["cluster", str(corpus), "--out", str(target), "--model", "hashing"])
    assert result.exit_code == 1 and "is a file" in result.output
    assert target.read_text(encoding="utf-8") == "mine"


def test_report_output_parent_is_created(tmp_path):
    nested: Path = tmp_path / "a" / "b" / "out"
    write_outputs(nested, _payload())
    assert (nested / "report.md").is_file()


# Re-rendering and showing a run folder


def _written(tmp_path: Path) -> Path:
    payload = _payload()
    out = tmp_path / "out"
    write_outputs(out, replace(payload, run=replace(payload.run, out_dir=str(out.resolve()))))  # as a run records it
    return out


def test_report_rerender_reproduces_both_reports(tmp_path):
    out = _written(tmp_path)
    before = {name: (out / name).read_bytes() for name in ("report.md", "report.html")}
    (out / "report.md").write_text("stale", encoding="utf-8")
    (out / "report.html").unlink()
    assert rerender(out) == [out / "report.md", out / "report.html"]
    assert {name: (out / name).read_bytes() for name in before} == before
    assert {p.name for p in out.iterdir()} == FILES  # no temporary file left behind


def test_report_cli_report_reproduces_a_pipeline_run(first_run):
    out = first_run.out_dir
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # byte for byte, nothing added


def test_report_rerender_of_a_moved_folder_names_where_it_is_now(first_run, tmp_path):
    moved = tmp_path / "moved"
    first_run.out_dir.rename(moved)
    result = runner.invoke(app, ["report", str(moved), "--weights", "growth=2"])
    assert result.exit_code == 0, result.stderr
    for name in ("report.html", "run.json", "clusters.json"):
        text = (moved / name).read_text(encoding="utf-8")
        assert str(moved.resolve()) in text
        assert str(first_run.out_dir) not in text


@pytest.mark.parametrize("args", [["--window", "12"], ["--weights", "growth=2"], []])
def test_report_rerenders_a_folder_written_before_themes(first_run, args):
    out = first_run.out_dir
    data = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    del data["themes"]
    for c in data["clusters"]:
        del c["theme"], c["side"], c["score_parts"]["specificity"]
    (out / "clusters.json").write_text(json.dumps(data), encoding="utf-8")
    (out / "themes.csv").unlink()
    result = runner.invoke(app, ["report", str(out), *args])
    assert result.exit_code == 0, result.stderr
    assert "## Customer jobs" in (out / "report.md").read_text(encoding="utf-8")


def test_report_rerender_keeps_old_reports_when_rendering_fails(tmp_path, monkeypatch):
    out = _written(tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(payload):
        raise KeyboardInterrupt

    monkeypatch.setattr("jtbd.report_html.render_html", broken)
    with pytest.raises(KeyboardInterrupt):
        rerender(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # report.md was not replaced either


def test_report_rerender_without_clusters_json_raises(tmp_path):
    with pytest.raises(JtbdError, match="No clusters.json in"):
        rerender(tmp_path)
    (tmp_path / "clusters.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(JtbdError, match="is not valid JSON"):
        rerender(tmp_path)


def test_report_markdown_sparkline_shows_a_period_without_documents_as_a_gap():
    payload = _payload()
    first = payload.clusters[0]
    series = [first.series[0], PeriodCount(first.series[1].period, 0, 0, 0, 0), first.series[2]]
    payload = replace(payload, clusters=[replace(first, series=series), *payload.clusters[1:]])
    assert "**Share per period:** `▅ █`" in render_markdown(payload)  # not `▅▁█`: no posts at all is not a drop


def test_report_cluster_text_shows_one_cluster():
    text = render_cluster_text(_payload(), 0)
    lines = text.splitlines()
    assert lines[0] == "#1 send invoices | automatically  (cluster 0)"
    assert lines[1] == "Trend:      ▲ rising, +100% (+20% to +300%) per year, q 0.004"
    assert "Reach:      2 authors, 2 documents, 2 statements" in lines
    assert "Keyphrases: invoices, automatically" in lines
    assert "Share:      2024-01 ▅▁█ 2024-03  (first 50.0%, last 100.0%, peak 100.0%)" in lines
    assert lines[-2:] == ["  “I need to send invoices automatically.”", "    https://x.test/0 (2024-01-10)"]
    assert "    doc-1 (2024-02-10)" in lines  # no url: the document id


def test_report_cluster_text_unknown_id_lists_ids():
    with pytest.raises(JtbdError, match=r"No cluster with id 7 in this run. Ids: 0, 1 "):
        render_cluster_text(_payload(), 7)


def test_report_cli_report_rerenders_run_folder(tmp_path):
    out = _written(tmp_path)
    html = (out / "report.html").read_bytes()
    (out / "report.html").write_text("old", encoding="utf-8")
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [str(out / "report.md"), str(out / "report.html")]
    assert (out / "report.html").read_bytes() == html


def test_report_cli_report_without_clusters_json_exits_1(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 1
    assert f"No clusters.json in '{tmp_path}'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_report_cli_show_prints_cluster(tmp_path):
    out = _written(tmp_path)
    result = runner.invoke(app, ["show", str(out), "1", "--id"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("#2 find cofounder  (cluster 1)\nTrend:      ? unknown, n/a per year")
    by_rank = runner.invoke(app, ["show", str(out), "2"])  # the report's #2
    assert by_rank.exit_code == 0 and by_rank.stdout == result.stdout
    result = runner.invoke(app, ["show", str(out), "5", "--id"])
    assert result.exit_code == 1
    assert "No cluster with id 5" in result.stderr
    result = runner.invoke(app, ["show", str(out), "3"])
    assert result.exit_code == 1
    assert "No job ranked #3 in this run: it ranks 2 jobs, #1 to #2." in result.stderr


@pytest.mark.parametrize("command", ["report", "show"])
def test_report_cli_commands_have_help_with_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "clusters.json" in result.stdout and f"jtbd {command} jtbd-out/startups-demo" in result.stdout


# --weights


def test_report_parse_weights():
    assert parse_weights("growth=2, supply=0") == {"growth": 2.0, "supply": 0.0}
    assert parse_weights("reach=-0.5") == {"reach": -0.5}


@pytest.mark.parametrize("text", ["growth", "growth=", "growth=lots", "=1", "growth=1,,reach=1", "growth=nan"])
def test_report_parse_weights_malformed(text):
    with pytest.raises(ConfigError, match="--weights must be name=number pairs"):
        parse_weights(text)


def test_report_cli_weights_malformed_or_unknown_exit_1(make_corpus, tmp_path):
    corpus = make_corpus(20)
    for weights, message in [("growth:1", "--weights must be name=number pairs"), ("hype=1", "Unknown score weight")]:
        result = runner.invoke(
            app, ["cluster", str(corpus), "--model", "hashing", "--out", str(tmp_path / "o"), "--weights", weights]
        )
        assert result.exit_code == 1
        assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def _cluster_run(corpus: Path, out: Path, *args: str) -> dict:
    """clusters.json of `jtbd cluster CORPUS --out OUT ARGS` with the hashing model."""
    result = runner.invoke(
        app, ["cluster", str(corpus), "--model", "hashing", "--min-cluster-size", "12", "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.stderr
    return json.loads((out / "clusters.json").read_text(encoding="utf-8"))


def test_report_cli_weights_change_scores_and_order(corpus, tmp_path):
    default = _cluster_run(corpus, tmp_path / "default")
    punished = _cluster_run(corpus, tmp_path / "punished", "--weights", "growth=-5,pain=0")
    assert default["run"]["score_weights"] == {
        "growth": 1.0,
        "reach": 0.5,
        "pain": 0.5,
        "supply": 0.3,
        "specificity": 0.5,
    }
    assert punished["run"]["score_weights"] == {
        "growth": -5.0,
        "reach": 0.5,
        "pain": 0.0,
        "supply": 0.3,
        "specificity": 0.5,
    }
    first = default["clusters"][0]
    assert "invoices" in first["label"] and first["growth"]["trend"] == "rising"  # the growing theme leads ...
    assert punished["clusters"][-1]["label"] == first["label"]  # ... and falls to last when growth is penalised
    for c in punished["clusters"]:
        weights = punished["run"]["score_weights"]
        assert c["score"] == pytest.approx(sum(weights[k] * v for k, v in c["score_parts"].items()), abs=1e-3)


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (1.3, "+30%"),
        (0.6, "−40%"),
        (0.999, "+0%"),
        (9.5, "+850%"),
        (41.2, "×41"),
        (3000.0, "×3,000"),
        (3.2e12, "×3e12"),
        (None, "n/a"),
    ],
)
def test_report_growth_factor_reads_as_a_change_and_tenfold_as_a_factor(rate, text):
    assert pct(rate) == text


def test_report_cli_report_weights_rerank_exactly_as_a_fresh_run(corpus, tmp_path):
    default = _cluster_run(corpus, tmp_path / "default")
    punished = _cluster_run(corpus, tmp_path / "punished", "--weights", "growth=-5,pain=0")
    out = tmp_path / "default"
    assignments = (out / "assignments.csv").read_bytes()
    result = runner.invoke(app, ["report", str(out), "--weights", "growth=-5,pain=0"])
    assert result.exit_code == 0, result.stderr
    reweighted = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    assert [c["label"] for c in reweighted["clusters"]] != [c["label"] for c in default["clusters"]]
    assert reweighted["clusters"] == punished["clusters"]  # scores, ranks and order, as if clustered again
    assert reweighted["run"]["score_weights"] == punished["run"]["score_weights"]
    assert reweighted["run"]["config"] == punished["run"]["config"]  # the weights as given, like the fresh run's
    assert json.loads((out / "run.json").read_text(encoding="utf-8")) == reweighted["run"]
    with (out / "clusters.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rank"], r["label"], r["score"]) for r in rows] == [
        (str(c["rank"]), c["label"], str(c["score"])) for c in punished["clusters"]
    ]
    assert "-5×growth" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "assignments.csv").read_bytes() == assignments  # nothing recomputed, nothing else touched

    result = runner.invoke(app, ["report", str(out), "--weights", "growth=1"])  # back to the defaults
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "clusters.json").read_text(encoding="utf-8"))["clusters"] == default["clusters"]


def test_report_cli_report_bad_weights_exit_1_and_change_nothing(tmp_path):
    out = _written(tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for weights, message in [("growth:1", "--weights must be name=number pairs"), ("hype=1", "Unknown score weight")]:
        result = runner.invoke(app, ["report", str(out), "--weights", weights])
        assert result.exit_code == 1
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# Re-ranking over another period or window (`jtbd report --period/--window`)


def test_report_cli_report_new_period_without_window_fits_the_last_24_months(corpus, tmp_path):
    # A window counts periods: the run's 24 months must not become 24 quarters (six years) under --period quarter.
    quarterly = _cluster_run(corpus, tmp_path / "quarterly", "--period", "quarter")
    assert quarterly["run"]["config"]["window"] == 8
    _cluster_run(corpus, tmp_path / "run")
    result = runner.invoke(app, ["report", str(tmp_path / "run"), "--period", "quarter"])
    assert result.exit_code == 0, result.stderr
    reranked = json.loads((tmp_path / "run" / "clusters.json").read_text(encoding="utf-8"))
    assert reranked["run"]["config"]["period"] == "quarter" and reranked["run"]["config"]["window"] == 8
    assert [c["growth"] for c in reranked["clusters"]] == [c["growth"] for c in quarterly["clusters"]]
    # The same period again keeps the run's window.
    result = runner.invoke(app, ["report", str(tmp_path / "run"), "--period", "quarter", "--window", "5"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["report", str(tmp_path / "run"), "--period", "quarter"])
    assert json.loads((tmp_path / "run" / "clusters.json").read_text(encoding="utf-8"))["run"]["config"]["window"] == 5


def test_report_assignments_round_trip_what_growth_needs(tmp_path):
    statements = [
        statement(
            0,
            kind="need",
            doc_kind="discussion",
            author="ann",
            created_at=datetime(2024, 1, 5, tzinfo=UTC),
            url="https://example.com/q/1",
        ),
        statement(1, kind="offering", doc_kind="posting", author=None, created_at=None, text='a, "quoted"\nline'),
    ]
    out = tmp_path / "out"
    payload = _payload()
    write_outputs(out, replace(payload, clusters=[]), statements, np.array([3, -1]))
    read, labels = report.read_assignments(out)
    assert labels.tolist() == [3, -1]
    assert read == statements


def test_report_cli_report_period_and_window_rerank_exactly_as_a_fresh_run(corpus, tmp_path):
    default = _cluster_run(corpus, tmp_path / "default", "--weights", "supply=1")
    short = _cluster_run(corpus, tmp_path / "short", "--weights", "supply=1", "--window", "6", "--period", "quarter")
    assert [c["growth"] for c in short["clusters"]] != [c["growth"] for c in default["clusters"]]
    out = tmp_path / "default"
    assignments = (out / "assignments.csv").read_bytes()
    result = runner.invoke(app, ["report", str(out), "--window", "6", "--period", "quarter"])
    assert result.exit_code == 0, result.stderr
    assert "Quotes kept" not in result.stderr
    reranked = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    # Growth, series, scores, order and quotes (drawn from the new window) as if clustered again.
    assert reranked["clusters"] == short["clusters"]
    quotes = {c["id"]: c["quotes"] for c in default["clusters"]}
    assert any(c["quotes"] != quotes[c["id"]] for c in reranked["clusters"])  # the window moved them
    assert reranked["run"]["config"]["window"] == 6 and reranked["run"]["config"]["period"] == "quarter"
    assert reranked["run"]["score_weights"] == short["run"]["score_weights"]  # the run's weights are kept
    assert reranked["run"]["config"] == short["run"]["config"]
    assert "last 6 quarters" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "assignments.csv").read_bytes() == assignments

    result = runner.invoke(app, ["report", str(out), "--window", "6", "--period", "quarter", "--weights", "growth=-5"])
    assert result.exit_code == 0, result.stderr
    both = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    assert both["run"]["score_weights"] == {
        "growth": -5.0,
        "reach": 0.5,
        "pain": 0.5,
        "supply": 0.3,
        "specificity": 0.5,
    }
    assert [c["score"] for c in both["clusters"]] == sorted((c["score"] for c in both["clusters"]), reverse=True)
    for c in both["clusters"]:
        weights = both["run"]["score_weights"]
        assert c["score"] == pytest.approx(sum(weights[k] * v for k, v in c["score_parts"].items()), abs=1e-4)

    args = ["--window", "24", "--period", "month", "--weights", "supply=1"]
    result = runner.invoke(app, ["report", str(out), *args])  # back again
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "clusters.json").read_text(encoding="utf-8"))["clusters"] == default["clusters"]


@pytest.mark.parametrize(
    ("why", "message"),
    [
        ("home", "no embedding cache at"),
        ("url", "assignments.csv has no url column (written by an older jtbd)"),
    ],
)
def test_report_cli_report_window_keeps_quotes_without_the_run_vectors(corpus, tmp_path, monkeypatch, why, message):
    default = _cluster_run(corpus, tmp_path / "out")
    out = tmp_path / "out"
    if why == "home":  # another machine, or another home folder: the vectors are not there
        monkeypatch.setenv("JTBD_HOME", str(tmp_path / "elsewhere"))
    else:  # a folder written before assignments.csv had urls
        path = out / "assignments.csv"
        rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(row[:-3] for row in rows)  # no url, title or found_id
    result = runner.invoke(app, ["report", str(out), "--window", "6", "--period", "quarter"])
    assert result.exit_code == 0, result.stderr
    assert "Quotes kept as the run picked them from its own window: " + message in result.stderr
    reranked = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    assert {c["id"]: c["quotes"] for c in reranked["clusters"]} == {c["id"]: c["quotes"] for c in default["clusters"]}
    assert reranked["run"]["config"]["window"] == 6


@pytest.mark.parametrize(
    ("args", "edit", "message"),
    [
        (["--period", "year"], None, "period must be one of week, month, quarter"),
        (["--window", "2"], None, "window must be at least 3 periods"),
        (["--window", "12"], ("author", "writer"), "has no author column: it was written by an older jtbd"),
        (["--window", "12"], ("2024-", "20x4-"), "assignments.csv' line 2: "),
    ],
)
def test_report_cli_report_rerank_bad_input_exit_1_and_change_nothing(tmp_path, args, edit, message):
    out = _written(tmp_path)
    if edit:
        path = out / "assignments.csv"
        path.write_text(path.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = runner.invoke(app, ["report", str(out), *args])
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_report_names_jobs_said_before_the_window_and_how_to_fit_a_longer_span():
    payload = _payload()
    payload = replace(payload, run=replace(payload.run, out_dir="/runs/demo"))
    assert not any("too few to fit" in line for line in render_markdown(payload).splitlines())  # 2 authors in all
    # 12 authors in all, 3 voices in the window: said mostly before it
    payload = replace(payload, clusters=[payload.clusters[0], replace(payload.clusters[1], n_authors=12)])
    note = (
        "1 of 2 jobs have 10 or more authors in all but fewer than 10 voices in the last 24 months, too few to fit "
        "their growth (trend unknown). To fit a longer span without clustering again: jtbd report /runs/demo "
        "--window 48"
    )
    assert f"> {note}" in render_markdown(payload)
    assert f'<p class="note">{note}</p>' in render_html(payload)


def test_report_a_hand_edited_clusters_json_names_the_missing_field(tmp_path):
    out = _written(tmp_path)
    data = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    del data["clusters"][1]["growth"]
    (out / "clusters.json").write_text(json.dumps(data), encoding="utf-8")
    for command in (["report", str(out)], ["show", str(out), "1"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1
        line = f"clusters.json': the cluster with id {data['clusters'][1]['id']} has no field 'growth'."
        assert line in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_report_a_folder_left_aside_by_a_killed_run_comes_back(tmp_path):
    import subprocess
    import sys

    out = _written(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    # Killed between the two renames of replace_dir: the report is gone from its path, the old folder is aside.
    aside = out.parent / f".{out.name}.old-{pid}"
    out.rename(aside)
    (out.parent / f".{out.name}.tmp-{pid}").mkdir()
    (out.parent / f".{out.name}.tmp-{os.getpid()}").mkdir()  # a live run's staging folder: left alone
    results = report.read_results(out)  # the next command puts it back
    assert results.clusters and (out / "report.html").is_file() and not aside.exists()
    assert not (out.parent / f".{out.name}.tmp-{pid}").exists()
    assert (out.parent / f".{out.name}.tmp-{os.getpid()}").exists()
