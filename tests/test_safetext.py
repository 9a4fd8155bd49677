"""Corpus text is data, never code: in a CSV cell, a terminal, report.md and a title (`jtbd.safetext`)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from jtbd.cli import app
from jtbd.errors import CorpusError
from jtbd.ingest import read_corpus
from jtbd.pipeline import cluster
from jtbd.safetext import cell, printable, uncell, without_bidi_overrides


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "'=x", "''=x", "'a", "plain"])
def test_safetext_a_cell_runs_no_formula_and_reads_back_exactly(text):
    written = cell(text)
    assert not written.startswith(("=", "+", "-", "@"))
    assert uncell(written) == text


def test_safetext_terminal_text_loses_escape_sequences_and_overrides():
    assert printable("fix \x1b]0;pwned\x07 billing\u202e") == "fix ]0;pwned billing"
    assert without_bidi_overrides("\u202e1202 ecnis gnilaf") == "1202 ecnis gnilaf"


EVIL = [
    '=HYPERLINK("http://evil.test","click") I need to reconcile invoices across clients',
    "I need to reconcile invoices \x1b]0;owned\x07 across clients every month",
    "I need to reconcile invoices across clients <script>alert(1)</script> fast",
]


def test_safetext_hostile_corpus_reaches_no_cell_terminal_or_markdown_as_code(make_corpus, tmp_path):
    corpus = make_corpus(120)
    rows = [json.loads(line) for line in (corpus / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    for i, row in enumerate(rows[:60]):
        row["body"] = EVIL[i % 3]
    (corpus / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["cluster", str(corpus), "--out", str(out), "--model", "hashing", "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout
    for name in ("assignments.csv", "clusters.csv"):
        with (out / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                assert not any(value.startswith(("=", "+", "@")) for value in row), row
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown
    shown = CliRunner().invoke(app, ["show", str(out), "1"])
    assert shown.exit_code == 0 and "\x1b" not in shown.stdout
    again = CliRunner().invoke(app, ["report", str(out), "--window", "12"])  # reads assignments.csv back
    assert again.exit_code == 0, again.stderr


def test_safetext_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text('{"text": "I need a bookkeeping tool"}\n', encoding="utf-16")
    with pytest.raises(CorpusError, match=r"'posts.jsonl' is UTF-16 .* Save it as UTF-8"):
        read_corpus(path)


def test_safetext_a_record_from_the_future_is_a_bad_record(make_corpus, tmp_path):
    corpus = make_corpus(150)
    rows = [json.loads(line) for line in (corpus / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    rows[7]["created_at"] = "2999-06-01T00:00:00+00:00"
    (corpus / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = read_corpus(corpus)
    assert len(report.documents) == 149
    assert any("questions.jsonl:8: dated 2999-06-01, after today" in w for w in report.warnings)
    run = cluster(corpus, out=tmp_path / "out", model="hashing")
    assert any(c.growth.trend != "unknown" for c in run.clusters)  # the window stayed where the data is
