"""Are jtbd's clusters real, and do they come back? jtbd's clustering vs BERTopic on the same MiniLM embeddings.

Parts (each prints a table; all are written to benchmarks/results/clustering.json, which keeps the parts a run
did not redo and says when each ran):
- quality: StackOverflow-20k (20 labelled classes) and startup-tags (~90 tag classes in ~2,500 titles, built by
  benchmarks/data/startup_tags.py): NMI, ARI, noise share, clusters, seconds for reduction + clustering + labels;
  jtbd's default, its resolution sweep, the previous default (HDBSCAN on the raw vectors), PCA/UMAP + HDBSCAN with
  three HDBSCAN implementations, BERTopic 0.17 default, and k-means told the true k (a reference, not a contender).
- stability: mean ARI between 5 seeds on all points, and between 5 runs on 80% subsamples (on shared points), plus
  per-cluster best-match Jaccard; jtbd vs BERTopic.
- scale (--scale): 50,000 HN statements, extract + embed + cluster + label, seconds and peak RSS, in a child process.

NMI/ARI are computed over all points with noise as its own label -1, and also over non-noise points only.
Embeddings: jtbd's MiniLM through its DuckDB cache in benchmarks/.cache/ (embedded once, ever).
BERTopic, umap-learn and fast_hdbscan come with `pip install -e '.[bench]'`; without them those rows are skipped.

Usage: python benchmarks/clustering.py [--scale] [--no-stability] [--parts quality,stability,scale]
Reads ../shared/corpora (skips cleanly when absent).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _common import HN_POSTINGS, REPO, cluster_as_the_product, load_so20k, write_results

CACHE_DIR = REPO / "benchmarks" / ".cache"
OUT = REPO / "benchmarks" / "results" / "clustering.json"
SEEDS = (0, 1, 2, 3, 4)


# --- data ---------------------------------------------------------------------------------------------------------


def load_startup_tags() -> tuple[list[str], np.ndarray] | None:
    """~2,500 startup question titles in ~90 tag classes (benchmarks/data/startup_tags.py), or None."""
    spec = importlib.util.spec_from_file_location("startup_tags", REPO / "benchmarks" / "data" / "startup_tags.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded = module.load_startup_tags()
    if loaded is None:
        return None
    titles, tags = loaded
    names = sorted(set(tags))
    return titles, np.array([names.index(t) for t in tags])


def embed(texts: list[str], cache_dir: Path) -> tuple[np.ndarray, dict[str, Any]]:
    """MiniLM unit vectors (n, 384) for `texts`, through jtbd's embedder and DuckDB cache under `cache_dir`."""
    import duckdb

    from jtbd.embed import EmbeddingCache, embed_texts, make_embedder

    begin = time.perf_counter()
    for attempt in range(90):  # other benchmarks share the cache file; DuckDB allows one process at a time
        try:
            result = embed_texts(texts, make_embedder("minilm"), EmbeddingCache(cache_dir / "cache.duckdb"))
            break
        except duckdb.IOException:
            if attempt == 89:
                raise
            time.sleep(2)
    return result.vectors, {"texts_embedded_now": result.n_new, "seconds": round(time.perf_counter() - begin, 1)}


def as_statements(texts: list[str], jobs: list[str] | None = None) -> list[Any]:
    """Texts as jtbd statements (a title is its own job), so jtbd's labeler runs on them."""
    from jtbd.types import Statement

    jobs = jobs or [t.lower() for t in texts]
    return [
        Statement(f"t{i}", t, 0, len(t), "question", "title", j, "discussion", None, None, None)
        for i, (t, j) in enumerate(zip(texts, jobs))
    ]


# --- methods: each returns labels (-1 = noise) for unit vectors X; timed from the call to labels in hand -----------


def jtbd_default(X: np.ndarray, texts: list[str], seed: int = 42, **options: Any) -> np.ndarray:
    """The pipeline's cluster stage with Config defaults, then its labeler (c-TF-IDF, titles, MMR quotes)."""
    from jtbd.config import Config
    from jtbd.label import label_clusters

    labels = cluster_as_the_product(X, Config(seed=seed, **options)).labels
    if texts:
        label_clusters(as_statements(texts), X, labels)
    return labels


def hdbscan_raw(X: np.ndarray, texts: list[str], seed: int = 42) -> np.ndarray:
    """The previous default: hdbscan (leaf) on the raw 384-d vectors, then nearest-cluster noise assignment."""
    from jtbd.clustering import JobClusterer
    from jtbd.label import label_clusters

    # The clean-up after the base clustering was noise assignment alone then: no merges, no dissolving.
    labels = JobClusterer("hdbscan", merge_similarity=1.0, min_cohesion_ratio=0.0).fit(X).labels_
    label_clusters(as_statements(texts), X, labels)
    return labels


def reduce_pca(X: np.ndarray, dims: int, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=dims, random_state=seed).fit_transform(X)


def reduce_umap(X: np.ndarray, dims: int, seed: int | None) -> np.ndarray:
    from umap import UMAP

    # BERTopic's UMAP defaults; random_state=None keeps UMAP's parallel (non-reproducible) mode, as BERTopic does
    return UMAP(n_neighbors=15, n_components=dims, min_dist=0.0, metric="cosine", random_state=seed).fit_transform(X)


def hdbscan_on(Z: np.ndarray, implementation: str, min_cluster_size: int = 10) -> np.ndarray:
    """HDBSCAN (eom, BERTopic's min_cluster_size 10) on reduced vectors with one of three implementations."""
    if implementation == "hdbscan":
        import hdbscan

        model: Any = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size, metric="euclidean", core_dist_n_jobs=1)
    elif implementation == "sklearn":
        from sklearn.cluster import HDBSCAN

        model = HDBSCAN(min_cluster_size=min_cluster_size)
    else:
        import fast_hdbscan

        model = fast_hdbscan.HDBSCAN(min_cluster_size=min_cluster_size)
    return np.asarray(model.fit(np.ascontiguousarray(Z, dtype=np.float64)).labels_)


def bertopic(texts: list[str], X: np.ndarray, seed: int | None = None) -> np.ndarray:
    """BERTopic 0.17 with its defaults on precomputed embeddings; `seed` fixes UMAP's random_state."""
    from bertopic import BERTopic

    kwargs: dict[str, Any] = {}
    if seed is not None:
        from umap import UMAP

        kwargs["umap_model"] = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    topics, _ = BERTopic(**kwargs).fit_transform(texts, embeddings=X)
    return np.asarray(topics)


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


# --- scoring ------------------------------------------------------------------------------------------------------


def score(truth: np.ndarray, labels: np.ndarray, seconds: float) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    kept = labels >= 0
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, labels)), 3),
        "ari": round(float(adjusted_rand_score(truth, labels)), 3),
        "nmi_non_noise": round(float(normalized_mutual_info_score(truth[kept], labels[kept])), 3) if kept.any() else 0,
        "ari_non_noise": round(float(adjusted_rand_score(truth[kept], labels[kept])), 3) if kept.any() else 0,
        "noise": round(float((~kept).mean()), 3),
        "clusters": len(set(labels[kept].tolist())),
        "seconds": round(seconds, 1),
    }


def timed(call: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    begin = time.perf_counter()
    labels = call()
    return labels, time.perf_counter() - begin


def quality(name: str, texts: list[str], X: np.ndarray, truth: np.ndarray, heavy: bool) -> list[dict[str, Any]]:
    """Every method on one labelled set, run one after the other in this process (same machine, same load)."""
    from sklearn.cluster import KMeans

    from jtbd.config import Config

    rows = []

    def add(method: str, note: str, labels: np.ndarray, seconds: float) -> None:
        rows.append({"set": name, "method": method, "note": note, **score(truth, labels, seconds)})
        r = rows[-1]
        print(
            f"  {method:<34} NMI {r['nmi']:.3f} ARI {r['ari']:.3f} noise {r['noise']:.0%} "
            f"k {r['clusters']:>4} {r['seconds']:>6.1f} s",
            flush=True,
        )

    default_resolution = Config().resolution
    add("jtbd default", f"kNN-15 + Leiden r={default_resolution:g}", *timed(lambda: jtbd_default(X, texts)))
    for resolution in (1.0, 2.0, 4.0):
        if resolution != default_resolution:
            note = "jtbd default at another resolution"
            add(
                f"jtbd resolution={resolution:g}",
                note,
                *timed(lambda r=resolution: jtbd_default(X, texts, resolution=r)),
            )
    if heavy or len(X) <= 5000:
        add("hdbscan raw 384-d (previous default)", "leaf, + noise assignment", *timed(lambda: hdbscan_raw(X, texts)))
    Z, pca_seconds = timed(lambda: reduce_pca(X, 50, 42))
    for impl in ("hdbscan", "fast_hdbscan"):  # sklearn's HDBSCAN takes minutes in 50 dimensions
        if impl == "fast_hdbscan" and not has("fast_hdbscan"):
            continue
        labels, seconds = timed(lambda i=impl: hdbscan_on(Z, i))
        add(f"PCA-50 + {impl}", "eom, min_cluster_size 10", labels, seconds + pca_seconds)
    if has("umap"):
        Z, umap_seconds = timed(lambda: reduce_umap(X, 5, None))
        for impl in ("hdbscan", "sklearn", "fast_hdbscan"):
            if impl == "fast_hdbscan" and not has("fast_hdbscan"):
                continue
            labels, seconds = timed(lambda i=impl: hdbscan_on(Z, i))
            add(f"UMAP-5 + {impl}", f"eom, mcs 10; UMAP {umap_seconds:.0f} s", labels, seconds + umap_seconds)
    if has("bertopic"):
        add("BERTopic 0.17 default", "UMAP-5 + HDBSCAN + c-TF-IDF", *timed(lambda: bertopic(texts, X)))
    else:
        print("  BERTopic: skipped (pip install -e '.[bench]')")
    if has("bertopic") and len(X) > 5000:  # the machine is shared: time the two side by side, alternating, twice
        paired: dict[str, list[float]] = {"jtbd default": [], "BERTopic 0.17 default": []}
        for _ in range(2):
            paired["jtbd default"].append(timed(lambda: jtbd_default(X, texts))[1])
            paired["BERTopic 0.17 default"].append(timed(lambda: bertopic(texts, X))[1])
        for row in rows:
            if row["method"] in paired:
                row["seconds_alternating_runs"] = [round(x, 1) for x in paired[row["method"]]]
                row["seconds"] = round(min([row["seconds"], *paired[row["method"]]]), 1)
        print(f"  alternating re-runs (s): {json.dumps(rows and paired)}; 'seconds' is now the best of 3", flush=True)
    k = len(set(truth.tolist()))
    add(
        f"k-means told k={k} (reference)",
        "not a contender",
        *timed(lambda: KMeans(k, n_init=3, random_state=0).fit(X).labels_),
    )
    return rows


def stability(name: str, texts: list[str], X: np.ndarray) -> list[dict[str, Any]]:
    """Mean ARI between 5 seeds (all points) and between 5 seeded 80% subsamples (shared points)."""
    from sklearn.metrics import adjusted_rand_score

    methods: dict[str, Callable[[np.ndarray, list[str], int], np.ndarray]] = {
        "jtbd default": lambda X_, t_, s: jtbd_default(X_, [], seed=s)
    }
    if has("bertopic"):
        methods["BERTopic 0.17 default (UMAP seeded)"] = lambda X_, t_, s: bertopic(t_, X_, seed=s)
    rows = []
    rng = np.random.default_rng(0)
    subsamples = [np.sort(rng.choice(len(X), size=round(0.8 * len(X)), replace=False)) for _ in SEEDS]
    for method, run in methods.items():
        begin = time.perf_counter()
        by_seed = [run(X, texts, s) for s in SEEDS]
        by_subsample = [run(X[rows_], [texts[i] for i in rows_], s) for s, rows_ in zip(SEEDS, subsamples)]
        seed_aris = [adjusted_rand_score(by_seed[i], by_seed[j]) for i in range(5) for j in range(i + 1, 5)]
        sub_aris, jaccards = [], []
        for i in range(5):
            for j in range(i + 1, 5):
                shared, a, b = np.intersect1d(subsamples[i], subsamples[j], return_indices=True)
                sub_aris.append(adjusted_rand_score(by_subsample[i][a], by_subsample[j][b]))
        for labels in by_seed[1:] + by_subsample:  # how often each seed-0 cluster comes back (best-match Jaccard)
            jaccards.append(_best_match(by_seed[0], labels, subsamples, by_subsample))
        per_cluster = np.mean(jaccards, axis=0)
        rows.append(
            {
                "set": name,
                "method": method,
                "ari_between_seeds": round(float(np.mean(seed_aris)), 3),
                "ari_between_subsamples": round(float(np.mean(sub_aris)), 3),
                "clusters_seed0": int(len(per_cluster)),
                "mean_best_match_jaccard": round(float(per_cluster.mean()), 3) if len(per_cluster) else 0.0,
                "share_clusters_back_jaccard_0.5": round(float((per_cluster >= 0.5).mean()), 3)
                if len(per_cluster)
                else 0,
                "seconds": round(time.perf_counter() - begin, 1),
            }
        )
        r = rows[-1]
        print(
            f"  {method:<38} ARI seeds {r['ari_between_seeds']:.3f} subsamples {r['ari_between_subsamples']:.3f} "
            f"Jaccard {r['mean_best_match_jaccard']:.3f} back>=0.5 {r['share_clusters_back_jaccard_0.5']:.0%}",
            flush=True,
        )
    return rows


def _best_match(reference: np.ndarray, labels: np.ndarray, subsamples: list, by_subsample: list) -> np.ndarray:
    """Best-match Jaccard of each reference cluster in `labels` (aligned to all points, or to one subsample)."""
    rows = np.arange(len(reference))
    for sample, sub_labels in zip(subsamples, by_subsample):
        if sub_labels is labels:
            rows = sample
    ref = reference[rows]
    out = []
    for cluster in range(int(reference.max()) + 1):
        members = ref == cluster
        if not members.any():
            out.append(0.0)
            continue
        best = 0.0
        for other in np.unique(labels[members]):
            if other < 0:
                continue
            overlap = np.sum(members & (labels == other))
            best = max(best, overlap / np.sum(members | (labels == other)))
        out.append(best)
    return np.array(out)


# --- scale (child process, so its peak RSS is its own) --------------------------------------------------------------


def scale_child(n: int, cache_dir: Path) -> dict[str, Any]:
    """50,000 HN statements: extract (cached as texts after the first run), embed (cached), cluster, label."""
    from jtbd.config import Config
    from jtbd.embed import EmbeddingCache, embed_texts, make_embedder
    from jtbd.label import label_clusters

    config = Config()
    out: dict[str, Any] = {"n_target": n}
    cached = cache_dir / f"hn_statements_{n}.json"
    begin = time.perf_counter()
    if cached.is_file():
        texts, jobs = json.loads(cached.read_text(encoding="utf-8"))
        out["extract"] = "cached"
    else:
        from jtbd.extract import SentenceExtractor, StatementExtractor
        from jtbd.ingest import read_corpus

        documents = read_corpus(HN_POSTINGS).documents
        statements = StatementExtractor().extract(documents).statements
        if len(statements) < n:  # ~1 statement per posting: fill up with sentences of the postings
            statements += SentenceExtractor().extract(documents).statements[: n - len(statements)]
        keep = np.sort(np.random.default_rng(0).choice(len(statements), size=min(n, len(statements)), replace=False))
        picked = [statements[i] for i in keep]
        texts = [s.embedding_text for s in picked]
        jobs = [s.job for s in picked]
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps([texts, jobs]), encoding="utf-8")
        out["postings"] = len(documents)
        out["extract"] = f"{time.perf_counter() - begin:.0f} s"
    out["statements"] = len(texts)
    begin = time.perf_counter()
    embedded = embed_texts(texts, make_embedder("minilm"), EmbeddingCache(cache_dir / "cache.duckdb"))
    out["embed_seconds"], out["texts_embedded_now"] = round(time.perf_counter() - begin, 1), embedded.n_new
    X = embedded.vectors
    begin = time.perf_counter()
    clustering = cluster_as_the_product(X, config)  # the pipeline's cluster stage, as shipped
    labels = clustering.labels
    out["cluster_seconds"] = round(time.perf_counter() - begin, 1)
    begin = time.perf_counter()
    label_clusters(as_statements(texts, jobs), X, labels)
    out["label_seconds"] = round(time.perf_counter() - begin, 1)
    out.update(
        {
            "clusters": int(labels.max()) + 1,
            "noise_before_assignment": round(clustering.clusterer_noise_share, 3),
            "noise": round(float((labels < 0).mean()), 3),
            "min_cluster_size": clustering.min_cluster_size,
            "largest_cluster_share": round(float(np.bincount(labels[labels >= 0]).max() / len(labels)), 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )
    return out


# --- main ---------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=None, help="comma-separated: quality,stability,scale")
    parser.add_argument("--scale", action="store_true", help="also run the 50,000-statement HN part")
    parser.add_argument("--no-stability", action="store_true", help="skip the stability part")
    parser.add_argument("--heavy", action="store_true", help="also run HDBSCAN on raw 384-d on StackOverflow-20k")
    parser.add_argument("--scale-n", type=int, default=50_000)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("JTBD_BENCH_CACHE", CACHE_DIR)))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--scale-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        print(json.dumps(scale_child(args.scale_n, args.cache)))
        return 0
    parts = (
        set(args.parts.split(","))
        if args.parts
        else {"quality"}
        | ({"stability"} - ({"stability"} if args.no_stability else set()))
        | ({"scale"} if args.scale else set())
    )
    results: dict[str, Any] = {"parts": {}}
    stamp = {"ran_at": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count()}
    sets = {}
    if parts & {"quality", "stability"}:
        for name, loader in (("stackoverflow-20k", load_so20k), ("startup-tags", load_startup_tags)):
            loaded = loader()
            if loaded is None:
                print(f"{name}: skipped (../shared/corpora not found)")
                continue
            texts, truth = loaded
            X, info = embed(texts, args.cache)
            sets[name] = (texts, X, truth)
            print(f"{name}: {len(texts):,} texts, {len(set(truth.tolist()))} classes, embedding {info}", flush=True)
    if "quality" in parts and sets:
        rows = []
        for name, (texts, X, truth) in sets.items():
            print(f"\nquality on {name}:")
            rows += quality(name, texts, X, truth, heavy=args.heavy)
        results["parts"]["quality"] = {**stamp, "rows": rows}
    if "stability" in parts and sets:
        rows = []
        for name, (texts, X, _) in sets.items():
            print(f"\nstability on {name} (5 seeds; 5 subsamples of 80%):")
            rows += stability(name, texts, X)
        results["parts"]["stability"] = {**stamp, "rows": rows}
    if "scale" in parts:
        if not HN_POSTINGS.is_file():
            print("scale: skipped (../shared/corpora not found)")
        else:
            print(f"\nscale: {args.scale_n:,} HN statements (child process)", flush=True)
            begin = time.perf_counter()
            child = subprocess.run(
                [sys.executable, __file__, "--scale-child", "--scale-n", str(args.scale_n), "--cache", str(args.cache)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(child.stdout.strip().splitlines()[-1])
            row["wall_seconds"] = round(time.perf_counter() - begin, 1)
            print("  " + json.dumps(row))
            results["parts"]["scale"] = {**stamp, "row": row}
    # Keep the parts this run did not redo (read now, not at the start: parts may run in separate processes)
    previous: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results["parts"] = {**previous.get("parts", {}), **results["parts"]}
    results["parts_run_now"] = sorted(parts)
    write_results(args.out, results, note=f"\nparts run now: {', '.join(sorted(parts))}; ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
