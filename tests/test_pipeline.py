"""Tests for jtbd.pipeline (and the `jtbd.cluster` API): the output folder, the cache, interruption, date filters.

All runs use the weightless hashing embedder and a synthetic three-theme corpus (see conftest.py).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans

import jtbd
from jtbd.config import end_of_day, load_config
from jtbd.errors import ConfigError, CorpusError, JtbdError
from jtbd.pipeline import cluster, default_out_dir

FILES = {"report.md", "report.html", "clusters.json", "clusters.csv", "assignments.csv", "run.json", "themes.csv"}
STAGES = {"ingest", "extract", "embed", "cluster", "themes", "label", "rank", "report"}


def _themes(corpus) -> dict[str, str]:
    with (corpus / "questions.jsonl").open(encoding="utf-8") as handle:
        return {r["id"]: r["theme"] for r in map(json.loads, handle)}


def _read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_pipeline_writes_every_output_file(first_run, tmp_path):
    out = tmp_path / "out"
    assert first_run.out_dir == out.resolve()
    assert first_run.report_path == out.resolve() / "report.md"
    assert {p.name for p in out.iterdir()} == FILES
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_pipeline_clusters_json_schema(first_run, tmp_path):
    data = _read_json(tmp_path / "out" / "clusters.json")
    assert set(data) == {"run", "clusters", "themes"}
    assert len(data["clusters"]) == len(first_run.clusters) >= 3
    assert [c["rank"] for c in data["clusters"]] == list(range(1, len(data["clusters"]) + 1))
    assert any(c["growth"]["rate"] is not None for c in data["clusters"])  # the synthetic themes are fitted
    for c in data["clusters"]:
        assert {"id", "rank", "label", "keywords", "size", "n_authors", "growth", "score", "series", "quotes"} <= set(c)
        assert isinstance(c["label"], str) and c["label"]
        assert c["keywords"] and all(isinstance(k, str) for k in c["keywords"])
        assert c["size"] >= c["n_authors"] >= 1
        assert {"rate", "low", "high", "q_value", "trend"} <= set(c["growth"])
        if c["growth"]["rate"] is None:  # fewer than MIN_VOICES voices in the window
            assert c["growth"]["trend"] == "unknown" and c["growth"]["low"] is None
        else:
            assert c["growth"]["low"] <= c["growth"]["rate"] <= c["growth"]["high"]
        assert len(c["series"]) == 24  # two years of months, gaps included
        for point in c["series"]:
            assert set(point) >= {"period", "count", "n_authors", "counted", "total", "share"}
            assert point["n_authors"] <= point["counted"] <= min(point["count"], 3 * point["n_authors"])
            assert point["share"] == pytest.approx(point["counted"] / point["total"] if point["total"] else 0, abs=1e-6)
        assert sum(p["count"] for p in c["series"]) == c["size"]  # every statement here is dated
        assert 1 <= len(c["quotes"]) <= 5
        for quote in c["quotes"]:
            assert {"text", "doc_id", "url"} <= set(quote)
    assert len({c["label"] for c in data["clusters"]}) == len(data["clusters"])


def test_pipeline_assignments_one_row_per_statement(first_run, tmp_path):
    with (tmp_path / "out" / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:3] == ["doc_id", "statement", "cluster_id"]
    assert len(rows) == len(first_run.statements) == first_run.info["counts"]["statements"]
    assert [(r["doc_id"], r["statement"], int(r["cluster_id"])) for r in rows] == [
        (s.doc_id, s.text, int(label)) for s, label in zip(first_run.statements, first_run.labels)
    ]
    with (tmp_path / "out" / "clusters.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(first_run.clusters)


def test_pipeline_run_json_records_how_to_reproduce(first_run, tmp_path):
    info = _read_json(tmp_path / "out" / "run.json")
    assert info["config"]["model"] == "hashing" and info["config"]["seed"] == 42 and info["seed"] == 42
    assert info["versions"]["jtbd"] == jtbd.__version__ and "numpy" in info["versions"]
    assert info["models"]["embedder"] == "hashing" and info["models"]["embedder_id"] == "hashing-256-v1"
    assert info["models"]["spacy"].startswith("en_core_web_sm ")
    counts = info["counts"]
    assert counts["documents"] == 150 and counts["files"] == 1
    assert counts["statements"] >= 140
    assert counts["clusters"] == len(first_run.clusters)
    assert counts["texts_embedded_new"] == counts["texts_distinct"] > 0
    # run.json is written during the report stage, so it times every stage before that one.
    assert set(info["timings"]) >= STAGES - {"report"}
    assert all(seconds >= 0 for seconds in info["timings"].values())
    assert set(first_run.timings) == STAGES
    assert {k: v for k, v in info.items() if k != "timings"} == {
        k: v for k, v in first_run.info.items() if k != "timings"
    }


def test_pipeline_clusters_are_pure_themes(first_run, corpus):
    themes = _themes(corpus)
    found = set()
    for c in first_run.clusters:
        counts = Counter(themes[first_run.statements[m].doc_id] for m in c.members)
        assert len(counts) == 1, (c.label.title, counts)  # three unrelated jobs never mix
        found |= set(counts)
    assert found == {"cofounder", "invoices", "customers"}


def test_pipeline_growing_theme_is_rising_and_ranked_first(corpus, tmp_path):
    # Coarse resolution: the test is about growth, and three hashing-embedded themes should stay three clusters.
    run = cluster(corpus, out=tmp_path / "out", model="hashing", min_cluster_size=12, resolution=1.0)
    themes = _themes(corpus)
    theme_of = {c.id: {themes[run.statements[m].doc_id] for m in c.members} for c in run.clusters}
    assert all(len(t) == 1 for t in theme_of.values())  # clusters are pure (a theme may split, never mix)
    assert set().union(*theme_of.values()) == {"invoices", "cofounder", "customers"}
    first = run.clusters[0]
    assert theme_of[first.id] == {"invoices"}
    assert first.growth.trend == "rising" and first.growth.low > 1
    assert all(c.growth.trend != "rising" for c in run.clusters if theme_of[c.id] != {"invoices"})
    assert "invoices" in first.label.title


def test_pipeline_every_statement_has_one_label(first_run):
    assert first_run.labels.shape == (len(first_run.statements),)
    members = sorted(m for c in first_run.clusters for m in c.members)
    assert members == sorted(np.flatnonzero(first_run.labels >= 0).tolist())


def test_pipeline_second_run_embeds_and_parses_nothing_new(first_run, corpus, tmp_path):
    second = cluster(corpus, out=tmp_path / "out", model="hashing")
    assert second.info["counts"]["texts_embedded_new"] == 0
    assert first_run.info["counts"]["sentences_parsed_new"] > 0
    assert second.info["counts"]["sentences_parsed_new"] == 0  # nor parses anything twice
    assert second.info["counts"]["texts_distinct"] == first_run.info["counts"]["texts_distinct"]
    assert np.array_equal(second.labels, first_run.labels)
    assert [c.label.title for c in second.clusters] == [c.label.title for c in first_run.clusters]


@pytest.mark.parametrize("step", ["jtbd.report._write_assignments", "jtbd.report_text.render_markdown"])
def test_pipeline_interrupted_run_keeps_previous_output(first_run, make_corpus, tmp_path, monkeypatch, step):
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bigger = make_corpus(200, seed=1, name="bigger")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(step, interrupt)
        with pytest.raises(KeyboardInterrupt):
            cluster(bigger, out=out, model="hashing")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # The cache kept what the interrupted run embedded.
    again = cluster(bigger, out=out, model="hashing")
    assert again.info["counts"]["texts_embedded_new"] == 0
    assert _read_json(out / "run.json")["counts"]["documents"] == 200


def test_pipeline_accepts_an_embedder_object(corpus, tmp_path, hashing):
    run = cluster(corpus, out=tmp_path / "api", embedder=hashing, model="hashing")
    assert run.info["models"]["embedder_id"] == hashing.model_id
    assert run.clusters and run.report_path.is_file()


def test_pipeline_takes_a_scikit_learn_clusterer_through_the_api(corpus, tmp_path):
    # Any object with scikit-learn's contract is a clusterer: jtbd.cluster(corpus, clusterer=KMeans(...)).
    kmeans = KMeans(n_clusters=3, n_init=4, random_state=0)
    run = jtbd.cluster(corpus, out=tmp_path / "km", model="hashing", clusterer=kmeans, min_voices=1)
    assert hasattr(kmeans, "cluster_centers_")  # the object given was the one fitted
    sizes = np.bincount(run.labels[run.labels >= 0])
    assert len(sizes) == 3 and list(sizes) == sorted(sizes, reverse=True)  # numbered by size, as jtbd's own
    themes = _themes(corpus)
    for c in run.clusters:  # three themes, three clusters
        assert Counter(themes[run.statements[m].doc_id] for m in c.members).most_common(1)[0][1] > 0.95 * c.size
    assert run.info["stages"] == {"clusterer": repr(kmeans)}  # run.json says what made the clusters
    assert "stages" not in cluster(corpus, out=tmp_path / "own", model="hashing").info  # jtbd's own: from config


def test_pipeline_takes_an_embedder_through_the_top_level_api(corpus, tmp_path, hashing):
    run = jtbd.cluster(corpus, out=tmp_path / "api", embedder=hashing)
    assert run.info["models"]["embedder_id"] == hashing.model_id and run.clusters


def test_pipeline_is_public_and_built_from_config(corpus, tmp_path):
    pipeline = jtbd.Pipeline.from_config(jtbd.Config(model="hashing", resolution=1.5))
    assert pipeline.clusterer.get_params()["resolution"] == 1.5 and pipeline.custom == {}
    run = pipeline.run(corpus, out=tmp_path / "out")
    assert isinstance(run, jtbd.Run) and run.clusters
    with pytest.raises(ConfigError, match="Unknown stage"):
        jtbd.Pipeline.from_config(jtbd.Config(model="hashing"), clustering=KMeans())
    with pytest.raises(ConfigError, match="unit must be one of statement, sentence, document"):
        jtbd.Pipeline.from_config(jtbd.Config(model="hashing", unit="paragraph"))


def test_pipeline_stability_reruns_the_clusterer_it_was_given(corpus, tmp_path):
    # Stability must measure the procedure that made the labels: the same clusterer (here KMeans), with its own
    # settings, refitted on five subsamples.
    fitted = []

    class Counting(KMeans):
        def fit(self, X, y=None, sample_weight=None):
            fitted.append(len(X))
            return super().fit(X)

    kmeans = Counting(n_clusters=3, n_init=2, random_state=0)
    run = jtbd.cluster(corpus, out=tmp_path / "out", model="hashing", clusterer=kmeans, stability=True, min_voices=1)
    assert len(fitted) == 6 and fitted[1:] == [round(0.8 * fitted[0])] * 5
    assert all(c.stability is not None and c.stability > 0.9 for c in run.results.clusters)


def test_pipeline_results_are_what_clusters_json_reads_back_into(first_run):
    from jtbd.report import read_results

    again = read_results(first_run.out_dir)
    assert again == replace(first_run.results, run=replace(first_run.results.run, timings=again.run.timings))
    assert again.clusters[0].label == first_run.clusters[0].label.title


def test_pipeline_top_level_api_can_be_called_twice(corpus, tmp_path):
    # README: `run = jtbd.cluster(...)`; a notebook calls it again and again.
    first = jtbd.cluster(corpus, out=tmp_path / "a", model="hashing")
    second = jtbd.cluster(corpus, out=tmp_path / "b", model="hashing")
    assert [c.label.title for c in first.clusters] == [c.label.title for c in second.clusters]


def test_pipeline_default_out_dir_is_named_after_corpus(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = cluster(corpus / "questions.jsonl", model="hashing")
    assert run.out_dir == (tmp_path / "jtbd-out" / "questions").resolve()
    assert (tmp_path / "jtbd-out" / "questions" / "report.md").is_file()


def test_pipeline_since_and_until_filter_documents(corpus, tmp_path):
    since, until = datetime(2022, 7, 1, tzinfo=UTC), datetime(2023, 6, 30, 23, 59, tzinfo=UTC)
    run = cluster(corpus, out=tmp_path / "out", model="hashing", since=since, until=until, min_cluster_size=5)
    records = [json.loads(line) for line in (corpus / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = [r for r in records if since <= datetime.fromisoformat(r["created_at"]) <= until]
    assert run.n_documents == len(expected) == run.info["counts"]["documents"]
    assert run.info["counts"]["documents_read"] == 150
    assert all(since <= s.created_at <= until for s in run.statements)
    periods = [p.period for p in run.clusters[0].series]
    assert periods[0] >= "2022-07" and periods[-1] <= "2023-06"
    assert run.info["config"]["since"] == since.isoformat()


def test_pipeline_since_accepts_a_naive_datetime_as_utc(corpus, tmp_path):
    run = cluster(corpus, out=tmp_path / "out", model="hashing", since=datetime(2023, 1, 1))
    assert run.statements and all(s.created_at >= datetime(2023, 1, 1, tzinfo=UTC) for s in run.statements)


def test_pipeline_since_after_until_is_a_config_error(corpus, tmp_path):
    with pytest.raises(ConfigError, match=r"--since \(2024-01-01\) is after --until \(2023-01-01\)"):
        cluster(
            corpus,
            out=tmp_path / "out",
            model="hashing",
            since=datetime(2024, 1, 1, tzinfo=UTC),
            until=datetime(2023, 1, 1, tzinfo=UTC),
        )


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"min_cluster_size": 1}, "min_cluster_size must be an int >= 2. Got 1"),
        ({"min_voices": 0}, "min_voices must be an int >= 1. Got 0"),
        ({"unit": "paragraph"}, "unit must be one of statement, sentence, document. Got 'paragraph'"),
        ({"period": "day"}, "period must be one of week, month, quarter, auto. Got 'day'"),
        ({"window": 2}, "window must be at least 3 periods. Got 2"),
        ({"resolution": -1.0}, "resolution must be above 0. Got -1.0"),
        ({"merge_similarity": 1.5}, "merge_similarity must be between 0 and 1. Got 1.5"),
        ({"colour": "red"}, "Unknown setting 'colour'"),
        ({"min_cluster_size": "abc"}, "min_cluster_size must be a whole number. Got 'abc'"),
        ({"noise_similarity": "high"}, "noise_similarity must be a number. Got 'high'"),
        ({"seed": "x"}, "seed must be a whole number. Got 'x'"),
        ({"fdr": "bonferroni"}, "fdr must be one of separate, pooled, hierarchical"),
    ],
)
def test_pipeline_bad_option_is_a_config_error(corpus, tmp_path, overrides, match):
    with pytest.raises(ConfigError, match=match):
        cluster(corpus, out=tmp_path / "out", model="hashing", **overrides)
    assert not (tmp_path / "out").exists()


def test_pipeline_reads_jtbd_toml_and_overrides_win(corpus, tmp_path, jtbd_home):
    (jtbd_home / "jtbd.toml").write_text('min-cluster-size = 9\nperiod = "quarter"\n', encoding="utf-8")
    run = cluster(corpus, out=tmp_path / "out", model="hashing", period="month")
    assert run.config.min_cluster_size == 9 and run.config.period == "month"
    assert run.info["counts"]["min_cluster_size"] == 9
    assert all(c.size >= 9 for c in run.clusters)


def test_pipeline_jtbd_toml_unknown_setting_lists_known(corpus, tmp_path, jtbd_home):
    (jtbd_home / "jtbd.toml").write_text("min_topic_size = 9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown setting 'min_topic_size'. Known: .*min_cluster_size"):
        cluster(corpus, out=tmp_path / "out", model="hashing")


def test_pipeline_jtbd_toml_with_a_wrong_type_fails_before_any_work(corpus, tmp_path, jtbd_home):
    (jtbd_home / "jtbd.toml").write_text('seed = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"jtbd.toml: seed must be a whole number. Got 'x'"):
        cluster(corpus, out=tmp_path / "out", model="hashing")
    assert not (tmp_path / "out").exists()


def test_pipeline_jtbd_toml_takes_dates(corpus, tmp_path, jtbd_home):
    (jtbd_home / "jtbd.toml").write_text("until = 2023-06-30\n", encoding="utf-8")
    assert load_config().until == datetime(2023, 6, 30, 23, 59, 59, 999_999, tzinfo=UTC)  # the whole day


def test_pipeline_until_the_last_day_there_is(corpus, tmp_path):
    run = cluster(corpus, out=tmp_path / "out", model="hashing", until=end_of_day(datetime(9999, 12, 31)))
    assert run.statements


def test_pipeline_default_output_never_lands_in_the_corpus(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(corpus)  # `jtbd cluster .` from inside the corpus
    out = default_out_dir(Path("."))
    assert not out.resolve().is_relative_to(corpus.resolve())
    assert out.resolve() == corpus.resolve().parent / "jtbd-out" / corpus.name
    monkeypatch.chdir(tmp_path)
    assert default_out_dir(corpus) == Path("jtbd-out") / corpus.name


def test_pipeline_cache_lives_in_jtbd_home(first_run, jtbd_home):
    assert (jtbd_home / "cache.duckdb").is_file()
    assert first_run.config.home_path == jtbd_home


def test_pipeline_too_few_statements_gives_zero_clusters_and_a_note(make_corpus, tmp_path):
    run = cluster(make_corpus(4, name="tiny"), out=tmp_path / "out", model="hashing")
    assert run.clusters == [] and (run.labels == -1).all()
    assert run.info["counts"]["clusters"] == 0
    assert any(note.startswith("Too few statements to cluster") for note in run.info["notes"])
    assert "Too few statements" in run.report_path.read_text(encoding="utf-8")
    assert _read_json(tmp_path / "out" / "clusters.json")["clusters"] == []


def test_pipeline_date_filter_that_leaves_nothing_says_so(corpus, tmp_path):
    run = cluster(corpus, out=tmp_path / "out", model="hashing", since=datetime(2099, 1, 1))
    assert run.clusters == []
    assert any("--since/--until kept 0 of" in note for note in run.info["notes"])


def test_pipeline_undated_records_are_noted(tmp_path):
    folder = tmp_path / "undated"
    folder.mkdir()
    (folder / "notes.jsonl").write_text(
        "".join(
            json.dumps({"id": n, "text": "How do I send invoices to clients automatically?"}) + "\n" for n in range(12)
        ),
        encoding="utf-8",
    )
    run = cluster(folder, out=tmp_path / "out", model="hashing")
    assert run.info["counts"]["undated_documents"] == 12
    assert any("12 statements have no date" in note for note in run.info["notes"])
    assert any("without a usable timestamp" in warning for warning in run.warnings)
    assert all(c.growth.trend == "unknown" for c in run.clusters)


@pytest.mark.parametrize("unit", ["sentence", "document"])
def test_pipeline_other_units(corpus, tmp_path, unit):
    run = cluster(corpus, out=tmp_path / unit, model="hashing", unit=unit)
    assert {s.kind for s in run.statements} == {unit}
    assert run.info["counts"]["statements"] == 150  # one sentence per record here
    assert "spacy" not in run.info["models"]


def test_pipeline_empty_corpus_is_a_corpus_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="the folder is empty"):
        cluster(tmp_path / "empty", out=tmp_path / "out", model="hashing")


def test_pipeline_one_document(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(
        json.dumps({"id": 1, "text": "I wish I could send invoices automatically."}) + "\n", encoding="utf-8"
    )
    run = cluster(path, out=tmp_path / "out", model="hashing")
    assert run.n_documents == 1 and len(run.statements) == 1
    assert run.clusters == [] and run.labels.tolist() == [-1]
    assert (tmp_path / "out" / "report.md").is_file()


def test_pipeline_duplicate_records_are_read_once(make_corpus, tmp_path):
    corpus = make_corpus(40)
    path = corpus / "questions.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    (corpus / "again.jsonl").write_text("\n".join(lines[:10]) + "\n", encoding="utf-8")  # the same ids again
    run = cluster(corpus, out=tmp_path / "out", model="hashing")
    assert run.n_documents == 40
    assert run.info["counts"]["skipped_records"] == 10
    assert any("10 records repeat an id seen before" in w for w in run.warnings)
    assert max(Counter(s.doc_id for s in run.statements).values()) == 1  # one question each, never twice


def test_pipeline_stability_scores_every_cluster_and_flags_unstable_ones(corpus, tmp_path):
    run = cluster(corpus, out=tmp_path / "out", model="hashing", stability=True)
    payload = json.loads((tmp_path / "out" / "clusters.json").read_text())
    assert run.info["counts"]["stability_mean_ari"] is not None
    for c in payload["clusters"]:
        assert 0.0 <= c["stability"] <= 1.0
        assert c["unstable"] == (c["stability"] < 0.5)
    without = cluster(corpus, out=tmp_path / "plain", model="hashing")
    assert all(
        c["stability"] is None and not c["unstable"]
        for c in json.loads((tmp_path / "plain" / "clusters.json").read_text())["clusters"]
    )
    assert without.info["counts"]["stability_mean_ari"] is None


def _one_voice(folder, n: int = 40) -> None:
    """One author asking the same thing `n` times: many statements, one voice."""
    record = {"text": "How do I tune the carburettor of my vintage motorcycle?", "author": "loud"}
    lines = [
        json.dumps({**record, "id": f"loud{i:02d}", "created_at": f"2024-{1 + i % 12:02d}-10T00:00:00+00:00"})
        for i in range(n)
    ]
    folder.mkdir(exist_ok=True)
    (folder / "loud.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_pipeline_one_voice_repeating_a_line_is_not_a_job(make_corpus, tmp_path):
    corpus = make_corpus()  # 150 questions from 60 authors
    _one_voice(corpus)
    run = cluster(corpus, out=tmp_path / "out", model="hashing")
    loud = [i for i, s in enumerate(run.statements) if s.author == "loud"]
    assert len(loud) == 40 and all(run.labels[i] == -1 for i in loud)
    assert run.info["counts"]["few_voice_clusters_dissolved"] == 1
    assert any("said by fewer than" in note and "--min-voices 1" in note for note in run.info["notes"])
    assert len(run.clusters) >= 3  # the 60 authors' themes are still jobs
    kept = cluster(corpus, out=tmp_path / "kept", model="hashing", min_voices=1)
    assert kept.info["counts"]["few_voice_clusters_dissolved"] == 0
    assert len({int(kept.labels[i]) for i in loud} - {-1}) == 1  # one voice's job, kept when asked for


def test_pipeline_a_corpus_of_one_voice_says_how_to_keep_its_jobs(make_corpus, tmp_path):
    corpus = make_corpus()
    path = corpus / "questions.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("".join(json.dumps({**r, "author": "me"}) + "\n" for r in records), encoding="utf-8")
    run = cluster(corpus, out=tmp_path / "out", model="hashing")  # one person's notes: three jobs, one voice
    assert run.clusters == []
    assert any(note.startswith("Too few voices") and "--min-voices 1" in note for note in run.info["notes"])
    assert len(cluster(corpus, out=tmp_path / "kept", model="hashing", min_voices=1).clusters) >= 3


# --- the growth period chosen from the corpus span ----------------------------------------------------------------


def _squeezed_corpus(tmp_path, days: int):
    """The default synthetic corpus (a growing theme over 24 months) with its dates squeezed into `days` days."""
    from conftest import make_records, write_jsonl

    records = make_records(150)
    times = [datetime.fromisoformat(r["created_at"]) for r in records]
    start, span = min(times), max(times) - min(times)
    for record, when in zip(records, times):
        record["created_at"] = (start + (when - start) * (days / span.days)).isoformat()
    write_jsonl(tmp_path / "short" / "questions.jsonl", records)
    return tmp_path / "short"


def test_pipeline_fits_a_corpus_of_ten_weeks_per_week_and_says_so(tmp_path):
    corpus = _squeezed_corpus(tmp_path, days=70)
    run = cluster(corpus, out=tmp_path / "auto", model="hashing")
    assert run.config.period == "week" and run.config.window == 104
    assert run.info["config"]["period"] == "week" and run.info["config"]["window"] == 104
    assert any("growth is fitted per week" in note for note in run.info["notes"])
    report_md = (tmp_path / "auto" / "report.md").read_text(encoding="utf-8")
    assert "per week" in report_md
    # The header names the weeks the fit covers (the corpus's 11), not the 104 a longer corpus would get.
    assert f"over the last {len(run.clusters[0].series)} weeks" in report_md and len(run.clusters[0].series) <= 11
    weekly = {c.label.title: c.growth for c in run.clusters}
    assert all(g.n_periods >= 10 for g in weekly.values())
    # By month the same corpus has 3 points: no interval can call anything, and no note is added.
    monthly = cluster(corpus, out=tmp_path / "month", model="hashing", period="month")
    assert monthly.config.period == "month" and monthly.config.window == 24
    assert not any("per week" in note for note in monthly.info["notes"])
    assert all(c.growth.n_periods <= 3 for c in monthly.clusters)


def test_pipeline_keeps_months_for_a_corpus_of_two_years(first_run):
    assert first_run.config.period == "month" and first_run.config.window == 24
    assert not any("per week" in note for note in first_run.info["notes"])


def test_pipeline_checks_every_model_file_before_reading_the_corpus(tmp_path, monkeypatch):
    import jtbd.models
    from jtbd.errors import ModelError

    real = jtbd.models.verified_model_dir

    def tampered(key: str, role: str = "embedders") -> Path:
        if key in ("minilm", "en_core_web_sm"):
            raise ModelError(f"Model {key!r}: the files are not the official ones")
        return real(key, role)

    monkeypatch.setattr(jtbd.models, "verified_model_dir", tampered)
    with pytest.raises(ModelError, match="'minilm': the files are not the official ones"):
        cluster(tmp_path / "no-such-corpus", out=tmp_path / "out", model="minilm")  # not a CorpusError: first
    with pytest.raises(ModelError, match="'en_core_web_sm'"):
        cluster(tmp_path / "no-such-corpus", out=tmp_path / "out", model="hashing")
    assert not (tmp_path / "out").exists()


def test_pipeline_a_locked_history_does_not_fail_a_finished_run(corpus, tmp_path, monkeypatch):
    # The cache locked past its wait while the run recorded its history: the output folder was complete, yet the
    # run exited 1. The run succeeds and says what was lost.
    from jtbd import history
    from jtbd.errors import StoreError
    from jtbd.stages import SilentProgress

    def locked(*_: object) -> None:
        raise StoreError("cache.duckdb is locked by another process for over 120 s")

    class Warnings(SilentProgress):
        said: list[str] = []

        def warn(self, message: str) -> None:
            self.said.append(message)

    monkeypatch.setattr(history, "record_run", locked)
    progress = Warnings()
    run = cluster(corpus, out=tmp_path / "out", model="hashing", progress=progress)
    assert (run.out_dir / "report.html").is_file()
    assert any("the run was not added to `jtbd runs`" in w and "locked" in w for w in progress.said)


@pytest.mark.parametrize("where", ["file", "proc"])
def test_pipeline_an_unwritable_out_fails_before_any_work(corpus, tmp_path, where):
    if where == "file":
        (tmp_path / "afile.txt").write_text("keep me", encoding="utf-8")
        out, match = tmp_path / "afile.txt" / "sub", "is a file, not a folder"
    else:
        if not Path("/proc/self").is_dir():
            pytest.skip("needs /proc")
        out, match = Path("/proc/jtbd-out"), "cannot write in '/proc'"
    with pytest.raises(JtbdError, match=match):
        cluster(tmp_path / "no-such-corpus", out=out, model="hashing")  # before the corpus is even looked at
    if where == "file":
        assert (tmp_path / "afile.txt").read_text(encoding="utf-8") == "keep me"
