"""Ray Data for finding, parsing and embedding (`--ray`, `jtbd.distributed`): the same results as in one process.

These start a local Ray cluster of two CPUs inside the test process (`--ray local`); they are skipped where Ray is
not installed (it is an optional extra; `scripts/setup` installs it).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from jtbd.distributed import make_engine
from jtbd.embed import EmbeddingCache, HashingEmbedder, embed_texts
from jtbd.errors import ConfigError
from jtbd.extract import JobCache, extract_statements
from jtbd.pipeline import cluster
from jtbd.types import Document


@pytest.fixture(scope="module")
def engine():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, log_to_driver=False, include_dashboard=False)
    try:
        yield make_engine("auto")  # "auto" finds the cluster this process already joined
    finally:
        ray.shutdown()


def _docs(n: int = 40) -> list[Document]:
    texts = [
        "How do I reconcile invoices across clients every month?",
        "We help teams automate payroll for remote contractors.",
        "I need a way to track churn by cohort without a data team.",
        "Looking for a tool to schedule posts across social networks.",
    ]
    return [
        Document(id=f"d{i}", source="t", kind="discussion", text=f"{texts[i % 4]} Case {i}.", author=f"a{i % 7}")
        for i in range(n)
    ]


def test_distributed_extraction_is_the_same_in_batches_on_workers(engine, tmp_path, monkeypatch):
    from jtbd import extract

    alone = extract_statements(_docs())
    monkeypatch.setattr(extract, "SAVE_EVERY", 7)  # several batches, of every size the split gives
    on_ray = extract_statements(_docs(), engine=engine, job_cache=JobCache(tmp_path / "cache.duckdb"))
    assert on_ray.statements == alone.statements and on_ray.n_parsed == alone.n_parsed
    again = extract_statements(_docs(), engine=engine, job_cache=JobCache(tmp_path / "cache.duckdb"))
    assert again.n_parsed == 0 and again.statements == alone.statements  # the driver cached every batch


def test_distributed_embedding_is_the_same_and_cached_by_the_driver(engine, tmp_path, monkeypatch):
    from jtbd import embed

    monkeypatch.setattr(embed, "CHUNK", 5)
    texts = [f"text number {i} about {'invoices' if i % 2 else 'payroll'}" for i in range(23)] + ["text number 1"]
    alone = embed_texts(texts, HashingEmbedder(), None)
    cache = EmbeddingCache(tmp_path / "cache.duckdb")
    on_ray = embed_texts(texts, HashingEmbedder(), cache, engine=engine)
    assert np.array_equal(on_ray.vectors, alone.vectors) and on_ray.n_new == alone.n_new == 24
    assert embed_texts(texts, HashingEmbedder(), cache, engine=engine).n_new == 0


def test_distributed_cluster_that_will_not_start_actors_is_a_clear_error(engine, monkeypatch):
    import ray

    from jtbd.distributed import _check_actors_start

    _check_actors_start(ray, "auto")  # this cluster starts them

    def cancelled(*args, **kwargs):  # what Ray 2.60 gives when the cluster's token authentication differs
        raise ray.exceptions.ActorDiedError()

    monkeypatch.setattr(ray, "get", cancelled)
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    with pytest.raises(ConfigError, match=r"would not start its workers \(RAY_AUTH_MODE is token here\)"):
        _check_actors_start(ray, "auto")


def test_distributed_run_gives_the_same_clusters_as_one_process(engine, corpus, tmp_path):
    alone = cluster(corpus, out=tmp_path / "alone", model="hashing")
    on_ray = cluster(corpus, out=tmp_path / "ray", model="hashing", ray="auto")
    assert on_ray.labels.tolist() == alone.labels.tolist()
    assert [c.label.title for c in on_ray.clusters] == [c.label.title for c in alone.clusters]
    assert json.loads((tmp_path / "ray" / "run.json").read_text(encoding="utf-8"))["config"]["ray"] == "auto"


def test_distributed_ray_is_not_imported_without_ray(corpus, tmp_path):
    code = (
        "import sys, jtbd; "
        f"jtbd.cluster({str(corpus)!r}, out={str(tmp_path / 'out')!r}, model='hashing'); "
        "print('ray' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_distributed_without_ray_installed_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(ConfigError, match=r"--ray needs Ray: pip install 'jtbd\[ray\]'"):
        make_engine("auto")
    assert make_engine(None) is None
