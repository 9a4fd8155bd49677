"""Scale (issue 27): the engine from 50k documents to all of ../shared and beyond, and approximate kNN against exact.

Usage:
    python benchmarks/scale.py engine [--points 50000,all] [--repeat-to 1000000] [--knn auto]
    python benchmarks/scale.py hn [--models minilm,minilm-static] [--static-home JTBD_HOME]
    python benchmarks/scale.py knn RUN_DIR [--home JTBD_HOME]
    python benchmarks/scale.py ray [--corpus corpora/startups-demo]

`engine`: `jtbd cluster --unit document --model hashing` (no parsing, no transformer: the engine alone) on every
`*.jsonl.gz` corpus in ../shared except hn-stories-2017-2020 ("all"), and on a sample of each point's size
(the same share of every file, seed 0). `--repeat-to N` adds a point of N documents made by repeating all of them,
each copy's text with " copy K" appended (K the copy's number) and its id suffixed, so no two texts are the same.
Each point runs cold (an empty JTBD_HOME) in its own process under /usr/bin/time: seconds, stage seconds from
run.json, peak RSS. Timings vary 2x run to run on shared machines: compare the points of one run.

`hn`: whole HN postings (54,362 documents), cold (an empty JTBD_HOME; for minilm-static, one holding only the
built model), with the real statement extraction and each model: seconds against the targets (MiniLM <= 150 s,
minilm-static <= 60 s), stage seconds, sentences parsed, peak RSS.

`knn`: a finished run's statement vectors (from the embedding cache of the home folder it ran with): recall@15 of
the approximate search (`--knn hnsw`) against exact, both times, and the adjusted Rand index between the job
partitions each gives (the product's cluster stage, same settings otherwise), beside the index between two exact
partitions with different seeds (how much Leiden itself moves).

`ray`: a local Ray cluster of two nodes on this machine (`ray start --head --num-cpus 1`, then a second node
joining it with one CPU; Ray's token authentication off, RAY_AUTH_MODE=disabled for both and for jtbd)
against one process, both cold (each its own empty JTBD_HOME), the real models: time, extract and embed
seconds, items per second per worker, and whether both runs found the same clusters.

Writes benchmarks/results/scale-engine.json, scale-hn.json, scale-knn.json or scale-ray.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _common import HN_POSTINGS, REPO, SHARED, write_results

JTBD = str(Path(sys.executable).parent / "jtbd")
EXCLUDED = {"hn-stories-2017-2020"}
#: The engine alone: whole documents, hashed words (no parsing, no transformer).
ENGINE = ["--unit", "document", "--model", "hashing"]
#: Whole HN postings cold, in seconds, by model (issue 27).
HN_TARGETS = {"minilm": 150, "minilm-static": 60}


def corpus_files() -> list[Path]:
    """Every corpus file of the engine's points; the HN postings file's records are all in all_comments.jsonl.gz
    beside it (read once either way), so it is left out and a repeat count made from records counts documents."""
    files = SHARED.glob("*/*.jsonl.gz")
    return sorted(p for p in files if p.parent.name not in EXCLUDED and p != HN_POSTINGS)


def write_point(files: list[Path], folder: Path, size: int | None, total: int, copies: int = 1) -> int:
    """A corpus folder of about `size` documents (None: all), the same share of each file; with `copies`, every
    document that many times, texts made distinct. Returns the number of lines written."""
    folder.mkdir(parents=True)
    share = 1.0 if size is None else size / total
    rng = random.Random(0)
    written = 0
    for path in files:
        out = folder / f"{path.parent.name}-{path.name.removesuffix('.gz')}"
        with gzip.open(path, "rt", encoding="utf-8") as source, out.open("w", encoding="utf-8") as sink:
            for line in source:
                if share < 1.0 and rng.random() >= share:
                    continue
                for k in range(copies):
                    if k == 0:
                        sink.write(line)
                    else:
                        sink.write(_copy(line, k))
                    written += 1
    return written


def _copy(line: str, k: int) -> str:
    """One record again with its text field(s) and id changed, so it is a new document with a new text."""
    record = json.loads(line)
    for key in ("text", "body", "comment_text", "story_text", "content", "review"):
        if isinstance(record.get(key), str):
            record[key] = f"{record[key]} copy {k}"
    for key in ("id", "objectID", "doc_id"):
        if key in record:
            record[key] = f"{record[key]}-copy{k}"
    return json.dumps(record) + "\n"


def run_point(corpus: Path, work: Path, options: list[str]) -> dict:
    """`jtbd cluster corpus` with `options`, cold unless work/home already holds something, under /usr/bin/time."""
    home, out = work / "home", work / "out"
    command = [JTBD, "cluster", str(corpus), "--out", str(out), *options, "--quiet", "--json"]
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        env={**os.environ, "JTBD_HOME": str(home)},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"jtbd failed on {corpus}:\n{done.stderr[-3000:]}")
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return {
        "documents": run["counts"]["documents"],
        "statements": run["counts"]["statements"],
        "distinct": run["counts"]["texts_distinct"],
        "sentences_parsed": run["counts"].get("sentences_parsed_new", 0),
        "jobs": run["counts"]["clusters"],
        "seconds": round(seconds, 1),
        "stage_seconds": {k: round(v, 1) for k, v in run["timings"].items()},
        "peak_rss_gb": round(peak_mb / 1024, 2),
    }


def engine(args: argparse.Namespace) -> int:
    files = corpus_files()
    if not files:
        print(f"skipped: no corpora in {SHARED} (benchmark data lives in ../shared)")
        return 0
    total = sum(1 for path in files for _ in gzip.open(path, "rt", encoding="utf-8"))
    points: list[tuple[str, int | None, int]] = []
    for text in args.points.split(","):
        points.append(("all", None, 1) if text == "all" else (text, int(text), 1))
    if args.repeat_to:
        points.append((str(args.repeat_to), None, math.ceil(args.repeat_to / total)))
    rows = []
    for name, size, copies in points:
        work = Path(tempfile.mkdtemp(prefix="jtbd-scale-"))
        try:
            lines = write_point(files, work / "corpus", size, total, copies)
            print(f"point {name}: {lines:,} records ...", flush=True)
            row = {
                "point": name,
                "records": lines,
                "copies": copies,
                **run_point(work / "corpus", work, ENGINE + ["--knn", args.knn]),
            }
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows.append(row)
        print(json.dumps(row), flush=True)
        partial_path = (args.out or REPO / "benchmarks" / "results" / "scale-engine.json").with_suffix(".partial.json")
        write_results(partial_path, rows)  # a point that takes too long can be stopped without losing the others
    base = rows[0]
    print(
        f"\n{'point':>9}{'documents':>11}{'distinct':>10}{'seconds':>9}{'x first':>9}{'n log n x':>10}"
        f"{'cluster s':>10}{'peak GB':>9}"
    )
    for row in rows:
        n, n0 = row["documents"], base["documents"]
        nlogn = n * math.log(n) / (n0 * math.log(n0))
        row["time_ratio"] = round(row["seconds"] / base["seconds"], 2)
        row["n_log_n_ratio"] = round(nlogn, 2)
        print(
            f"{row['point']:>9}{n:>11,}{row['distinct']:>10,}{row['seconds']:>9}{row['time_ratio']:>9}"
            f"{row['n_log_n_ratio']:>10}{row['stage_seconds'].get('cluster', 0):>10}{row['peak_rss_gb']:>9}"
        )
    command = (
        f"python benchmarks/scale.py engine --points {args.points}"
        + (f" --repeat-to {args.repeat_to}" if args.repeat_to else "")
        + f" --knn {args.knn}"
    )
    write_results(
        args.out or REPO / "benchmarks" / "results" / "scale-engine.json",
        {
            "command": command,
            "files": [str(p.relative_to(SHARED)) for p in files],
            "points": rows,
            "targets": {"all_vs_50k_time_ratio": 8, "peak_rss_gb_all": 4, "peak_rss_gb_1m": 12},
        },
    )
    return 0


def hn(args: argparse.Namespace) -> int:
    """Whole HN postings, cold, with each model: seconds against HN_TARGETS, stage seconds, peak RSS."""
    if not HN_POSTINGS.exists():
        print(f"skipped: {HN_POSTINGS} is absent (benchmark data lives in ../shared)")
        return 0
    rows = []
    for model in args.models.split(","):
        work = Path(tempfile.mkdtemp(prefix="jtbd-hn-"))
        try:
            if model == "minilm-static":  # a model built locally lives in the home folder: bring it, nothing else
                built = Path(args.static_home or os.environ.get("JTBD_HOME", "~/.jtbd")).expanduser() / "models"
                if not (built / "minilm-static").exists():
                    raise SystemExit(f"minilm-static is not built in {built.parent}: jtbd models build minilm-static")
                shutil.copytree(built, work / "home" / "models")
            (work / "corpus").mkdir()
            (work / "corpus" / HN_POSTINGS.name).symlink_to(HN_POSTINGS)
            print(f"whole HN postings, {model}, cold ...", flush=True)
            row = {
                "model": model,
                "target_s": HN_TARGETS.get(model),
                **run_point(work / "corpus", work, ["--model", model]),
            }
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows.append(row)
        print(json.dumps(row), flush=True)
    head = ["model", "documents", "parsed", "seconds", "target", "extract", "embed", "cluster", "peak GB"]
    print("\n" + "".join(f"{h:>{14 if n == 0 else 10}}" for n, h in enumerate(head)))
    for row in rows:
        stage = row["stage_seconds"]
        print(
            f"{row['model']:>14}{row['documents']:>10,}{row['sentences_parsed']:>10,}{row['seconds']:>10}"
            f"{row['target_s'] or '-':>10}{stage.get('extract', 0):>10}{stage.get('embed', 0):>10}"
            f"{stage.get('cluster', 0):>10}{row['peak_rss_gb']:>10}"
        )
    write_results(
        args.out or REPO / "benchmarks" / "results" / "scale-hn.json",
        {
            "command": f"python benchmarks/scale.py hn --models {args.models}",
            "file": str(HN_POSTINGS.relative_to(SHARED)),
            "runs": rows,
        },
    )
    return 0


def knn(args: argparse.Namespace) -> int:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from jtbd.clustering import JobClusterer, cluster_statements, statement_side
    from jtbd.config import Config
    from jtbd.embed import EmbeddingCache, cached_vectors
    from jtbd.knn import knn_cosine
    from jtbd.report import read_assignments, read_results

    results = read_results(args.run)
    statements, _ = read_assignments(args.run, results.clusters)
    home = Path(args.home) if args.home else Config().home_path
    vectors = cached_vectors(
        [s.embedding_text for s in statements], results.run.models["embedder_id"], EmbeddingCache(home / "cache.duckdb")
    )
    if vectors is None:
        raise SystemExit(f"the embedding cache in {home} does not hold this run's vectors: pass --home")
    k = 15
    timings, found = {}, {}
    for method in ("exact", "hnsw"):
        started = time.perf_counter()
        found[method] = knn_cosine(vectors, k, method=method)[0]
        timings[method] = round(time.perf_counter() - started, 1)
    exact, approximate = found["exact"], found["hnsw"]
    recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(exact, approximate)]))
    config = results.run.config
    partitions = {}
    # Leiden's own sensitivity, for scale: the exact graph clustered with another seed.
    for method, seed in (("exact", config.seed), ("hnsw", config.seed), ("exact_other_seed", config.seed + 1)):
        clusterer = JobClusterer.from_config(replace(config, knn=method.removesuffix("_other_seed"), seed=seed))
        groups = [statement_side(s.kind) for s in statements] if config.split_sides else None
        started = time.perf_counter()
        clustering = cluster_statements(
            clusterer, vectors, [s.voice for s in statements], min_voices=config.min_voices, groups=groups
        )
        timings[f"cluster_{method}"] = round(time.perf_counter() - started, 1)
        partitions[method] = clustering.labels
    ari = float(adjusted_rand_score(partitions["exact"], partitions["hnsw"]))
    ari_seed = float(adjusted_rand_score(partitions["exact"], partitions["exact_other_seed"]))
    result = {
        "command": f"python benchmarks/scale.py knn {args.run}",
        "statements": len(statements),
        "distinct_vectors": len({v.tobytes() for v in vectors}),
        "recall_at_15": round(recall, 4),
        "partition_ari": round(ari, 4),
        "partition_ari_exact_another_seed": round(ari_seed, 4),
        "jobs": {m: int(p.max()) + 1 for m, p in partitions.items()},
        "seconds": timings,
        "targets": {"recall_at_15": 0.95, "partition_ari": 0.9},
    }
    print(json.dumps(result, indent=1))
    write_results(args.out or REPO / "benchmarks" / "results" / "scale-knn.json", result)
    return 0


def ray_cluster(args: argparse.Namespace) -> int:
    ray_cli = str(Path(sys.executable).parent / "ray")
    if not Path(ray_cli).exists():
        print("skipped: Ray is not installed (pip install -e '.[ray]')")
        return 0
    work = Path(tempfile.mkdtemp(prefix="jtbd-ray-"))
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}  # for `ray start` and jtbd alike: Ray needs them to agree
    runs = {}
    try:
        for name, extra in (("one process", []), ("ray, 2 workers", ["--ray", "auto"])):
            if extra:  # token authentication off: both nodes are this machine
                head = subprocess.run(
                    [ray_cli, "start", "--head", "--num-cpus", "1"], env=env, check=True, capture_output=True, text=True
                )
                address = re.search(r"--address='([^']+)'", head.stdout + head.stderr)
                if address is None:
                    raise SystemExit(f"ray start --head printed no address:\n{head.stderr[-2000:]}")
                subprocess.run(
                    [ray_cli, "start", "--address", address.group(1), "--num-cpus", "1"],
                    env=env,
                    check=True,
                    capture_output=True,
                )
            out, home = work / f"out-{len(runs)}", work / f"home-{len(runs)}"
            command = [JTBD, "cluster", str(args.corpus), "--out", str(out), "--quiet", "--json", *args.options.split()]
            started = time.perf_counter()
            done = subprocess.run(
                [*command, *extra], env={**env, "JTBD_HOME": str(home)}, capture_output=True, text=True
            )
            seconds = time.perf_counter() - started
            if done.returncode:
                raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
            run = json.loads((out / "run.json").read_text(encoding="utf-8"))
            counts, stages = run["counts"], run["timings"]
            workers = 2 if extra else 1
            runs[name] = {
                "seconds": round(seconds, 1),
                "extract_s": round(stages["extract"], 1),
                "embed_s": round(stages["embed"], 1),
                "sentences_parsed": counts["sentences_parsed_new"],
                "texts_embedded": counts["texts_embedded_new"],
                "parsed_per_s_per_worker": round(counts["sentences_parsed_new"] / stages["extract"] / workers, 1),
                "embedded_per_s_per_worker": round(counts["texts_embedded_new"] / stages["embed"] / workers, 1),
                "jobs": counts["clusters"],
            }
            print(name, json.dumps(runs[name]), flush=True)
    finally:
        subprocess.run([ray_cli, "stop", "--force"], env=env, capture_output=True)
    assignments = [(work / f"out-{i}" / "assignments.csv").read_text(encoding="utf-8") for i in range(2)]
    titles = [
        [c["label"] for c in json.loads((work / f"out-{i}" / "clusters.json").read_text())["clusters"]]
        for i in range(2)
    ]
    result = {
        "command": f"python benchmarks/scale.py ray --corpus {args.corpus} --options '{args.options}'",
        "runs": runs,
        "same_assignments": assignments[0] == assignments[1],
        "same_titles_in_order": titles[0] == titles[1],
    }
    print(json.dumps(result, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    write_results(args.out or REPO / "benchmarks" / "results" / "scale-ray.json", result)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    e = sub.add_parser("engine")
    e.add_argument("--points", default="50000,all")
    e.add_argument("--repeat-to", type=int, default=0)
    e.add_argument("--knn", default="auto")
    e.add_argument("--out", type=Path)
    k = sub.add_parser("knn")
    k.add_argument("run", type=Path)
    k.add_argument("--home")
    k.add_argument("--out", type=Path)
    h = sub.add_parser("hn")
    h.add_argument("--models", default="minilm,minilm-static")
    h.add_argument("--static-home", help="JTBD_HOME where minilm-static was built (default: $JTBD_HOME)")
    h.add_argument("--out", type=Path)
    r = sub.add_parser("ray")
    r.add_argument("--corpus", type=Path, default=REPO / "corpora" / "startups-demo")
    r.add_argument("--options", default="--period quarter --window 20")
    r.add_argument("--out", type=Path)
    args = parser.parse_args()
    return {"engine": engine, "hn": hn, "knn": knn, "ray": ray_cluster}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
