"""Jobs out into planning tools (`jtbd export`): each format against the columns its importer documents."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from jtbd.cli import app
from jtbd.pipeline import cluster

runner = CliRunner()


def _run(corpus, tmp_path):
    out = tmp_path / "out"
    cluster(corpus, out=out, model="hashing")
    jobs = json.loads((out / "clusters.json").read_text(encoding="utf-8"))["clusters"]
    hidden = jobs[-1]["id"]
    assert runner.invoke(app, ["review", str(out), "--job", str(hidden), "--hide", "noise"]).exit_code == 0
    assert runner.invoke(app, ["review", str(out), "--job", str(jobs[0]["id"]), "--status", "building"]).exit_code == 0
    return out, jobs, hidden


def test_export_csv_and_jsonl_hold_every_shown_job(corpus, tmp_path):
    out, jobs, hidden = _run(corpus, tmp_path)
    for fmt in ("csv", "jsonl"):
        result = runner.invoke(app, ["export", str(out), "--to", fmt])
        assert result.exit_code == 0, result.stderr
        path = tmp_path / f"out.{fmt}.{'jsonl' if fmt == 'jsonl' else 'csv'}"
        assert result.stdout.strip() == str(path)
        text = path.read_text(encoding="utf-8")
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(text)))
        else:
            rows = [json.loads(line) for line in text.splitlines()]
        assert [int(r["id"]) for r in rows] == [j["id"] for j in jobs if j["id"] != hidden]
        first = rows[0]
        assert "Report: " in first["description"] and f"#cluster-{first['id']}" in first["report"]
        assert first["status"] == "building"  # the reviewer's status travels with the job


@pytest.mark.parametrize("fmt", ["jira", "linear"])  # linear: the Jira CSV that Linear's Jira importer maps
def test_export_jira_is_jiras_csv_import_format(corpus, tmp_path, fmt):
    out, jobs, hidden = _run(corpus, tmp_path)
    result = runner.invoke(app, ["export", str(out), "--to", fmt])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader((tmp_path / f"out.{fmt}.csv").open(encoding="utf-8", newline="")))
    header = rows[0]
    assert header[:3] == ["Summary", "Issue Type", "Description"] and set(header[3:]) == {"Labels"}
    assert len(rows) - 1 == len(jobs) - 1  # the hidden job is not exported
    for row in rows[1:]:
        assert row[0] and row[1] == "Task" and "Trend:" in row[2]
        assert all(" " not in label for label in row[3:])  # Jira labels hold no spaces
        assert "jtbd" in row[3:]
    assert "status-building" in rows[1][3:]


def test_export_unknown_format_is_one_line(corpus, tmp_path):
    out, _, _ = _run(corpus, tmp_path)
    result = runner.invoke(app, ["export", str(out), "--to", "trello"])
    assert result.exit_code == 1 and "Unknown export format 'trello'" in result.stderr
