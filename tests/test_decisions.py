"""A reviewer's decisions stick from run to run (`jtbd.decisions`, `jtbd review`)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from jtbd.cli import app
from jtbd.errors import ConfigError
from jtbd.pipeline import cluster

runner = CliRunner()


def _clusters(out):
    return json.loads((out / "clusters.json").read_text(encoding="utf-8"))["clusters"]


def test_decisions_each_kind_shows_in_every_file_and_survives_the_next_run(corpus, tmp_path):
    out = tmp_path / "out"
    cluster(corpus, out=out, model="hashing")
    jobs = _clusters(out)
    assert len(jobs) >= 3
    last, hidden, renamed = jobs[-1]["id"], jobs[0]["id"], jobs[1]["id"]
    for args in (
        ["--job", str(last), "--pin", "--owner", "ana", "--status", "exploring"],
        ["--job", str(hidden), "--hide", "not a job: boilerplate"],
        ["--job", str(renamed), "--rename", "chase unpaid invoices"],
    ):
        result = runner.invoke(app, ["review", str(out), *args])
        assert result.exit_code == 0, result.stderr
    decisions = tmp_path / "out.decisions.toml"
    assert decisions.is_file() and "chase unpaid invoices" in decisions.read_text(encoding="utf-8")

    def check() -> None:
        by_id = {c["id"]: c for c in _clusters(out)}
        assert by_id[last]["rank"] == 1 and by_id[last]["decision"] == {
            "pin": True,
            "owner": "ana",
            "status": "exploring",
        }
        assert by_id[hidden]["decision"]["hide"] == "not a job: boilerplate" and by_id[hidden]["rank"] == len(by_id)
        assert by_id[renamed]["label"] == "chase unpaid invoices"
        assert by_id[renamed]["decision"]["original_label"] == jobs[1]["label"]
        markdown = (out / "report.md").read_text(encoding="utf-8")
        html = (out / "report.html").read_text(encoding="utf-8")
        assert f"#{hidden} {jobs[0]['label']} (not a job: boilerplate)" in markdown  # named in a note ...
        assert f'id="cluster-{hidden}"' not in html and f"](#cluster-{hidden})" not in markdown  # ... not ranked
        assert "**Decision:** pinned · owner ana · exploring" in markdown and "<dt>Decision</dt>" in html
        assert "chase unpaid invoices" in html
        rows = {int(r["id"]): r for r in csv.DictReader((out / "clusters.csv").open(encoding="utf-8"))}
        assert (rows[last]["pinned"], rows[last]["owner"], rows[last]["status"]) == ("1", "ana", "exploring")
        assert rows[hidden]["hidden"] == "not a job: boilerplate"

    check()
    cluster(corpus, out=out, model="hashing")  # next month's run into the same folder: ids kept, decisions applied
    check()
    notes = json.loads((out / "run.json").read_text(encoding="utf-8"))["notes"]
    assert any("3 of 3 decisions in" in n for n in notes)
    result = runner.invoke(app, ["review", str(out), "--job", str(renamed), "--rename", ""])  # undo
    assert result.exit_code == 0, result.stderr
    assert {c["id"]: c["label"] for c in _clusters(out)}[renamed] == jobs[1]["label"]


def test_decisions_about_a_vanished_job_are_reported_by_name(corpus, tmp_path):
    out = tmp_path / "out"
    (tmp_path / "out.decisions.toml").write_text('[[job]]\nid = 999\nrename = "gone job"\n', encoding="utf-8")
    run = cluster(corpus, out=out, model="hashing")
    assert "Decision not applied: job 999 (rename to “gone job”): no job with that id in this run." in run.info["notes"]
    assert "Decision not applied: job 999" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[[job]]\nrename = "x"\n', "decision 1 has no job id"),
        ("[[job]]\nid = 3\ncolour = 'red'\n", r"unknown key\(s\) \['colour'\]"),
        ("[[job]]\nid = 3\nstatus = 'done'\n", "status must be one of exploring, building, rejected"),
        ("[[job\n", "Fix the file"),
    ],
)
def test_decisions_a_malformed_file_fails_before_any_work(corpus, tmp_path, text, match):
    (tmp_path / "out.decisions.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        cluster(tmp_path / "no-such-corpus", out=tmp_path / "out", model="hashing")


def test_decisions_review_refuses_an_unknown_job(corpus, tmp_path):
    out = tmp_path / "out"
    cluster(corpus, out=out, model="hashing")
    result = runner.invoke(app, ["review", str(out), "--job", "999", "--pin"])
    assert result.exit_code == 1 and "No job with id 999" in result.stderr
    assert not (tmp_path / "out.decisions.toml").exists()
