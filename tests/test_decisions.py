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
        ("[[job]]\nid = 3\nmerge = 4\n", "merge must be a list of job ids"),
        ('[[job]]\nid = 3\nsplit = ["a"]\n', "a split needs `split_id = N`"),
        ("[[job]]\nid = 3\nsplit = [2]\nsplit_id = 9\n", "split must be a list of words"),
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


def _jobs_of(out):
    """Each statement's job and the job it was found in, from assignments.csv."""
    rows = list(csv.DictReader((out / "assignments.csv").open(encoding="utf-8")))
    return [(int(r["cluster_id"]), int(r["found_id"]), r["statement"]) for r in rows]


def test_decisions_a_merge_joins_two_jobs_on_the_next_run_and_every_run_after(corpus, tmp_path):
    out = tmp_path / "out"
    cluster(corpus, out=out, model="hashing")
    jobs = _clusters(out)
    into, merged = jobs[0]["id"], jobs[1]["id"]
    sizes = {c["id"]: c["size"] for c in jobs}
    result = runner.invoke(app, ["review", str(out), "--job", str(into), "--merge", str(merged)])
    assert result.exit_code == 0, result.stderr
    assert "next `jtbd cluster`" in result.stderr
    assert {c["id"] for c in _clusters(out)} == set(sizes)  # not yet: growth is fitted on the next run
    for _ in range(2):  # the merge holds on the run after too: ids are matched on the jobs as found
        run = cluster(corpus, out=out, model="hashing")
        by_id = {c["id"]: c for c in _clusters(out)}
        assert merged not in by_id and by_id[into]["size"] == sizes[into] + sizes[merged]
        assert by_id[into]["decision"]["merge"] == [merged]
        assert {c for c, _, _ in _jobs_of(out)} - {-1} == set(by_id)
        assert {f for c, f, _ in _jobs_of(out) if c == into} == {into, merged}  # found ids kept apart
        assert any("1 of 1 decisions in" in n for n in run.info["notes"])
        assert {c.id for c in run.clusters} == set(by_id)  # the API's ranked clusters carry the same ids
    result = runner.invoke(app, ["review", str(out), "--job", str(into), "--unmerge"])
    assert result.exit_code == 0, result.stderr
    cluster(corpus, out=out, model="hashing")
    assert {c["id"]: c["size"] for c in _clusters(out)} == sizes


def test_decisions_a_split_by_keyword_makes_a_new_job_that_keeps_its_id(corpus, tmp_path):
    out = tmp_path / "out"
    cluster(corpus, out=out, model="hashing")
    rows = _jobs_of(out)
    job, word = None, None
    for c in _clusters(out):  # a job some of whose statements say a word the others do not
        texts = [t.lower() for j, _, t in rows if j == c["id"]]
        for candidate in sorted({w for t in texts for w in t.split() if len(w) > 4}):
            said = sum(candidate in t.split() for t in texts)
            if 2 <= said < len(texts):
                job, word = c["id"], candidate
                break
        if job is not None:
            break
    assert job is not None
    result = runner.invoke(app, ["review", str(out), "--job", str(job), "--split", word, "--rename", "kept part"])
    assert result.exit_code == 0, result.stderr
    before = max(c["id"] for c in _clusters(out))
    cluster(corpus, out=out, model="hashing")
    by_id = {c["id"]: c for c in _clusters(out)}
    split_id = by_id[job]["decision"]["split_id"]
    assert split_id > before and split_id in by_id and by_id[job]["label"] == "kept part"
    rows = _jobs_of(out)
    assert all(word in t.lower() for j, _, t in rows if j == split_id)
    assert not any(word in t.lower().split() for j, _, t in rows if j == job)
    assert {f for j, f, _ in rows if j == split_id} == {job}
    cluster(corpus, out=out, model="hashing")
    assert {c["id"]: c["size"] for c in _clusters(out)} == {c["id"]: c["size"] for c in by_id.values()}


def test_decisions_a_merge_or_split_that_cannot_apply_is_reported(corpus, tmp_path):
    out = tmp_path / "out"
    cluster(corpus, out=out, model="hashing")
    first = _clusters(out)[0]["id"]
    (tmp_path / "out.decisions.toml").write_text(
        f'[[job]]\nid = {first}\nmerge = [998]\n\n[[job]]\nid = 997\nsplit = ["x"]\nsplit_id = 996\n\n'
        f'[[job]]\nid = {first}\nsplit = ["zzzqqq"]\nsplit_id = 995\n',
        encoding="utf-8",
    )
    run = cluster(corpus, out=out, model="hashing")
    notes = "\n".join(run.info["notes"])
    assert f"job {first} (merge #998 into it): no job 998 in this run to merge" in notes
    assert "job 997 (split what says “x” off as job 996): no job with that id in this run" in notes
    assert "0 of 3 decisions in" in notes


def test_decisions_review_without_a_job_asks_job_by_job_and_saves_each_answer(corpus, tmp_path):
    out = tmp_path / "out"
    cluster(corpus, out=out, model="hashing")
    jobs = _clusters(out)
    first, second = jobs[0]["id"], jobs[1]["id"]
    # job 1: rename, then a wrong key, then an unknown merge (refused, asked again), then Enter; job 2: hide; quit
    answers = ["r", "chase unpaid invoices", "x", "m", "999", "", "h", "not a job", "q"]
    result = runner.invoke(app, ["review", str(out)], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.stderr
    assert f"(job {first})" in result.stdout and "One of: Enter next" in result.stdout
    assert "Cannot merge job 999" in result.stderr
    by_id = {c["id"]: c for c in _clusters(out)}
    assert by_id[first]["label"] == "chase unpaid invoices" and by_id[second]["decision"]["hide"] == "not a job"
    assert len([c for c in by_id.values() if c.get("decision")]) == 2


def test_decisions_the_loop_from_the_python_api(corpus, tmp_path):
    """The README's loop without the CLI: run, decide, run again, diff, export."""
    import shutil

    from jtbd.decisions import decisions_path, write_decision
    from jtbd.export import export_items, render_export
    from jtbd.identity import diff_runs
    from jtbd.report import read_results

    out = tmp_path / "out"
    first = cluster(corpus, out=out, model="hashing")
    hidden = first.results.clusters[0].id
    write_decision(decisions_path(out), hidden, hide="not a job")
    shutil.copytree(out, tmp_path / "before")
    again = cluster(corpus, out=out, model="hashing")
    assert [c.id for c in again.results.clusters if c.hidden] == [hidden]
    changes = diff_runs(tmp_path / "before", out)
    assert not changes["new"] and not changes["gone"]
    items = export_items(read_results(out), out)
    assert hidden not in {item["id"] for item in items}
    assert render_export(items, "jsonl").count("\n") == len(items)
