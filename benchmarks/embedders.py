"""Compare the embedders for speed and quality: MiniLM, the static model distilled from it, and hashing.

Usage: python benchmarks/embedders.py [--rebuild] [--skip-nmi]

Speed: texts/s of the raw encode (no DuckDB cache; the model is loaded and warmed up first) on (a) 2,000 short
StackOverflow titles and (b) 1,000 HN posting sentences of 35-45 words. Quality: k-means with the true k=20 (fixed
seed) on all 20,000 StackOverflow-20k titles, NMI against the tags, which isolates the embedding from the
clustering method. minilm-static is built first if it is not built yet (`jtbd models build minilm-static`); its
build time is the one recorded in its build.json. Reads ../shared/corpora (skips cleanly when absent); prints a
table and writes benchmarks/results/embedders.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import HN_POSTINGS, REPO, SO20K, load_so20k, write_results

MODELS = ("minilm", "minilm-static", "hashing")


def load_sentences(n: int, seed: int) -> list[str]:
    """`n` distinct sentences of 35-45 words from HN "Who is hiring?" postings (header lines with | left out)."""
    found: set[str] = set()
    with gzip.open(HN_POSTINGS, "rt", encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line).get("text") or ""
            for paragraph in text.split("\n"):
                if "|" in paragraph:
                    continue
                for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
                    if 35 <= len(sentence.split()) <= 45:
                        found.add(sentence)
    return random.Random(seed).sample(sorted(found), n)


def texts_per_second(embedder: Any, texts: list[str]) -> tuple[float, float]:
    """Texts per wall-clock second and per CPU second of this process (all its threads), medians over repeats.

    One run when a run takes over 5 s, else 3 to 5. The CPU-second rate moves less when other work shares the
    cores; the wall-clock rate is what a user waits for.
    """
    walls, cpus = [], []
    while len(walls) < 5:
        wall, cpu = time.perf_counter(), time.process_time()
        embedder.embed(texts)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if walls[-1] > 5 or (len(walls) >= 3 and sum(walls) > 2):
            break
    return len(texts) / statistics.median(walls), len(texts) / max(statistics.median(cpus), 1e-9)


def kmeans_nmi(vectors: Any, labels: Any, seed: int) -> float:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    predicted = KMeans(n_clusters=len(set(labels)), n_init=10, random_state=seed).fit_predict(vectors)
    return float(normalized_mutual_info_score(labels, predicted))


def ensure_static(rebuild: bool) -> dict[str, Any] | None:
    """Build minilm-static when asked or missing; return its build.json, or None when it cannot be built here."""
    from jtbd.errors import ModelError
    from jtbd.models import build_model, get_spec, read_build_info

    spec = get_spec("minilm-static")
    try:
        if rebuild:
            raise ModelError("rebuild requested")
        return read_build_info(spec)
    except ModelError:
        pass
    print("building minilm-static (about 2 minutes)...", file=sys.stderr)
    try:
        build_model("minilm-static")
    except ModelError as err:
        print(f"minilm-static left out: {err}", file=sys.stderr)
        return None
    return read_build_info(spec)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild minilm-static to time its build")
    parser.add_argument("--skip-nmi", action="store_true", help="speed only (the NMI needs MiniLM on 20k titles)")
    parser.add_argument("--n-titles", type=int, default=2000)
    parser.add_argument("--n-sentences", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "embedders.json")
    args = parser.parse_args()
    so20k = load_so20k()
    if so20k is None or not HN_POSTINGS.is_file():
        print(f"skipped: {SO20K} or {HN_POSTINGS} not found (benchmark data lives in ../shared)")
        return 0

    import torch

    from jtbd.embed import make_embedder
    from jtbd.models import get_spec, model_dir

    titles, labels = so20k
    speed_titles = random.Random(args.seed).sample(titles, args.n_titles)
    sentences = load_sentences(args.n_sentences, args.seed)
    build = ensure_static(args.rebuild)
    results: dict[str, Any] = {
        # Other work on the machine skews texts/s (MiniLM's two threads suffer most): the load is recorded.
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "load_avg_1m_before": None},
        "data": {
            "speed_titles": len(speed_titles),
            "speed_title_words": round(statistics.mean(len(t.split()) for t in speed_titles), 1),
            "speed_sentences": len(sentences),
            "speed_sentence_words": round(statistics.mean(len(s.split()) for s in sentences), 1),
            "nmi_titles": len(titles),
            "nmi_k": len(set(labels)),
        },
        "minilm_static_build": build,
        "embedders": {},
    }
    results["machine"]["load_avg_1m_before"] = round(os.getloadavg()[0], 2)
    for key in MODELS:
        if key == "minilm-static" and build is None:
            continue
        embedder = make_embedder(key)
        begin = time.perf_counter()
        embedder.embed(titles[:64])  # load and warm up: the speed figures are steady-state encodes
        row: dict[str, Any] = {"load_seconds": round(time.perf_counter() - begin, 2), "dimensions": embedder.dimensions}
        spec = get_spec(key)
        if spec.file:
            row["size_mb"] = round((model_dir(spec) / spec.file).stat().st_size / 1e6, 1)
        for name, texts in (("titles", speed_titles), ("sentences", sentences)):
            per_wall, per_cpu = texts_per_second(embedder, texts)
            row[f"{name}_per_s"], row[f"{name}_per_cpu_s"] = round(per_wall, 1), round(per_cpu, 1)
        if not args.skip_nmi:
            begin = time.perf_counter()
            vectors = embedder.embed(titles)
            row["nmi_encode_seconds"] = round(time.perf_counter() - begin, 1)
            row["nmi_k20"] = round(kmeans_nmi(vectors, labels, args.seed), 3)
        results["embedders"][key] = row
        print(f"{key}: {row}", file=sys.stderr)

    results["machine"]["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
    base = results["embedders"]["minilm"]
    print(f"\n{'':<20}{'titles':>23}{'sentences':>23}")
    speed_heads = f"{'per s':>9}{'per CPU s':>11}{'x':>7}"
    print(f"{'embedder':<15}{'dims':>5}{speed_heads * 2}{'NMI':>7}")
    for key, row in results["embedders"].items():
        cells = []
        for name in ("titles", "sentences"):
            speedup = row[f"{name}_per_cpu_s"] / base[f"{name}_per_cpu_s"]
            cells.append(f"{row[f'{name}_per_s']:>9,.0f}{row[f'{name}_per_cpu_s']:>11,.0f}{speedup:>6,.0f}x")
        print(f"{key:<15}{row['dimensions']:>5}{''.join(cells)}{row.get('nmi_k20', float('nan')):>7.3f}")
    print(
        f"(per s: wall clock; per CPU s: CPU time of all threads; x: CPU-time speed-up over minilm; NMI: k-means "
        f"k=20 on {len(titles):,} titles; {results['machine']['cpus']} CPUs, 1-minute load "
        f"{results['machine']['load_avg_1m_before']})"
    )
    if build:
        print(f"\nminilm-static build: {build['seconds']:.0f} s (sha256 {build['sha256'][:12]}…)")
    write_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
