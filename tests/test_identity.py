"""Jobs keep their ids from run to run, and `jtbd diff` says what changed (`jtbd.identity`)."""

from __future__ import annotations

import json

import numpy as np
from conftest import make_records, write_jsonl
from typer.testing import CliRunner

from jtbd.cli import app
from jtbd.identity import stable_ids
from jtbd.pipeline import cluster

runner = CliRunner()


def _keys(n: int) -> list[tuple[str, int, int]]:
    return [(f"d{i}", 0, 10) for i in range(n)]


def test_identity_unchanged_clusters_keep_their_ids_and_new_ones_get_fresh_ids():
    keys = _keys(12)
    old = {keys[i]: (7 if i < 4 else 9) for i in range(8)}  # old run: jobs 7 and 9; ids up to 11 were used
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 2, -1])  # new run: same two groups renumbered, one new
    assert stable_ids(labels, keys, old, 11) == {1: 7, 0: 9, 2: 12}


def test_identity_a_split_job_keeps_its_id_in_its_larger_part():
    keys = _keys(10)
    old = {k: 3 for k in keys}  # one old job of ten statements
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])  # now two jobs: 4 and 6 of them
    assert stable_ids(labels, keys, old, 3) == {1: 3, 0: 4}  # the larger part keeps the id
    labels = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])  # two halves: Jaccard 0.5 each, one keeps it
    assert sorted(stable_ids(labels, keys, old, 3).values()) == [3, 4]


def test_identity_a_grown_corpus_keeps_its_job_ids_and_diff_names_the_changes(tmp_path):
    corpus = tmp_path / "corpus"
    records = make_records(150)
    write_jsonl(corpus / "questions.jsonl", records)
    out = tmp_path / "out"
    first = cluster(corpus, out=out, model="hashing")
    before = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    cluster(corpus, out=out, model="hashing")  # the same corpus again: every job keeps its id and its title
    again = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    assert {c["id"]: c["label"] for c in again["clusters"]} == {c["id"]: c["label"] for c in before["clusters"]}
    assert {t["id"]: t["jobs"] for t in again["themes"]} == {t["id"]: t["jobs"] for t in before["themes"]}
    old_dir = tmp_path / "first"
    (out).rename(old_dir)
    (tmp_path / "out").mkdir()
    for name in ("clusters.json", "run.json", "assignments.csv"):
        (out / name).write_bytes((old_dir / name).read_bytes())  # the previous run sits in --out, as monthly
    write_jsonl(corpus / "more.jsonl", [{**r, "id": f"m{r['id']}"} for r in make_records(40, seed=5)])
    second = cluster(corpus, out=out, model="hashing")
    after = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    old_ids = {c["id"]: c["label"] for c in before["clusters"]}
    new_ids = {c["id"]: c["label"] for c in after["clusters"]}
    kept = set(old_ids) & set(new_ids)
    assert len(kept) >= 0.95 * len(old_ids)  # issue 26's target: >= 95% of the jobs that still exist
    assert any("keep their id from the previous run" in n for n in after["run"]["notes"])

    assert len(second.clusters) and len(first.clusters)
    result = runner.invoke(app, ["diff", str(old_dir), str(out), "--json"])
    assert result.exit_code == 0, result.stderr
    changes = json.loads(result.stdout)
    assert set(changes) >= {"new", "gone", "grown", "shrunk", "split", "merged", "same", "themes"}
    listed = {e["id"] for kind in ("new", "grown", "shrunk", "same") for e in changes[kind]}
    assert listed == set(new_ids) and {e["id"] for e in changes["gone"]} == set(old_ids) - set(new_ids)
    for e in changes["same"] + changes["grown"]:
        assert {"id", "label", "size", "size_before", "quote"} <= set(e)
    text = runner.invoke(app, ["diff", str(old_dir), str(out)])
    assert text.exit_code == 0 and text.stdout.startswith("# From ") and "## Jobs:" in text.stdout


def test_identity_diff_reports_a_job_split_in_two(tmp_path):
    from jtbd.identity import _diff
    from jtbd.records import ClusterRecord
    from jtbd.types import Growth

    def job(cid: int, label: str, size: int) -> ClusterRecord:
        growth = Growth(None, None, None, None, 0, "unknown")
        return ClusterRecord(cid, 1, label, [], size, size, size, growth, 0.0, {}, [])

    keys = _keys(20)
    old_of = {k: 4 for k in keys}  # one job: "pay taxes"
    new_of = {k: (4 if i < 10 else 21) for i, k in enumerate(keys)}  # now "pay sales tax" and "pay payroll tax"
    changes = _diff(
        [job(4, "pay taxes", 20)], [job(4, "pay sales tax", 10), job(21, "pay payroll tax", 10)], old_of, new_of
    )
    assert changes["split"] == [
        {
            "id": 4,
            "label": "pay taxes",
            "into": [{"id": 4, "label": "pay sales tax"}, {"id": 21, "label": "pay payroll tax"}],
        }
    ]
    assert [e["id"] for e in changes["new"]] == [21] and changes["shrunk"][0]["renamed_from"] == "pay taxes"
    merged = _diff(
        [job(4, "pay sales tax", 10), job(21, "pay payroll tax", 10)], [job(4, "pay taxes", 20)], new_of, old_of
    )
    assert merged["merged"][0]["id"] == 4 and [p["id"] for p in merged["merged"][0]["from"]] == [4, 21]


def test_identity_a_small_overlap_is_not_the_same_job():
    keys = _keys(20)
    old = {k: 2 for k in keys[:10]} | {k: 6 for k in keys[10:]}
    labels = np.array([0] * 3 + [1] * 7 + [1] * 10)  # 3 of old job 2 now alone; the rest joined old job 6
    ids = stable_ids(labels, keys, old, 6)
    assert ids[1] == 6 and ids[0] == 2  # 3 statements, all from job 2: at least half of the new job lies in it
    labels = np.array([0] * 2 + [2] * 8 + [1] * 10)
    old = {k: 2 for k in keys[:10]} | {k: 6 for k in keys[10:]}
    ids = stable_ids(labels, keys, old, 6)
    assert (ids[2], ids[1]) == (2, 6) and ids[0] == 7  # the fringe of 2 is a new job: its core kept the id


def test_identity_a_new_job_gets_a_new_id_and_the_report_says_new_since(tmp_path):
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "questions.jsonl", make_records(150))
    out = tmp_path / "out"
    first = cluster(corpus, out=out, model="hashing")
    used = max(c.id for c in first.results.clusters)
    dogs = [
        {"id": f"dog{i}", "author": f"walker{i}", "created_at": f"2025-11-0{1 + i % 9}T10:00:00+00:00",
         "text": f"How do I train my rescue dog to stop barking at night? Tried {word} already."}
        for i, word in enumerate(["treats", "crates", "walks", "toys", "music", "blankets"] * 5)
    ]  # fmt: skip
    write_jsonl(corpus / "dogs.jsonl", dogs)
    second = cluster(corpus, out=out, model="hashing")
    fresh = [c for c in second.results.clusters if c.id > used]
    assert fresh and any("dog" in c.label or "bark" in c.label for c in fresh), [c.label for c in fresh]
    since = [n for n in second.results.run.notes if n.startswith("New since the run of ")]
    assert since and all(c.label in since[0] for c in fresh[:8])
    assert "New since the run of" in (out / "report.html").read_text(encoding="utf-8")
