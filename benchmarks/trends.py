"""Does jtbd find real trends? Plant themes with a known trend into real HN postings and see how they rank.

Each plant takes 24 months of HN "Who is hiring?" postings (a random window and subsample) and inserts questions
from three tags of the Startups Stack Exchange corpus, dated inside the window: a GROWING theme (its share of the
month's postings rises linearly, e.g. 0.2% -> 2%), a FLAT one (constant share) and a FADING one (share falls
linearly to 0). Every planted question gets its own fake author. Beside them, questions of other tags (none from
the planted tags' families) are added at a constant share as background discussions, since a real corpus mixes
postings and discussions and jtbd also fits growth among each kind alone. jtbd then clusters and ranks the mix as
`jtbd cluster --period month --window 24` would, and the same clusters are also ranked by a naive, BERTopic-style
baseline: raw statement counts per month (no division by the month's total, no interval), ordered by the OLS
slope of the counts, and by BERTrend's signal classes (popularity: documents per month added up, decayed once a
topic is absent; noise, weak or strong signal by its percentile). The plant's cluster is the one holding the most
of its statements. All are also run on "oracle" clusters (each plant relabelled as one cluster of its own) to
separate the ranking stage from clustering.

Eras: `recent` (default; 2023-05..2026-01, HN volume roughly flat) and `shrinking` (2021-07..2023-12, volume
falling ~2.7x), where raw counts and shares disagree.

Themes (`--themes`): `tags` (default) plants a tag's questions; a broad tag ("legal", "marketing") is a topic that
holds many jobs. `keywords` plants only the questions of a tag whose title names its subject (TITLE_KEYWORDS, a
regex per tag), a more coherent theme, as the issue asks for.

Usage: python benchmarks/trends.py [--era recent|shrinking] [--themes tags|keywords] [--plants 30] [--seed 0]
                                   [--cluster-seed N]
`--cluster-seed` changes only Leiden's seed (the same plants, clustered again): end-to-end figures move by several
plants from one partition to another, so compare variants over more than one cluster seed.
Reads ../shared/corpora/{hn-whoishiring-2018-2026,startups-stackexchange-2009-2017} (skips cleanly when absent);
prints a table and writes benchmarks/results/trends.json. Extraction runs once (cached in benchmarks/.cache/) and
texts are embedded once (jtbd's DuckDB embedding cache, benchmarks/.cache/cache.duckdb).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import pickle
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from _common import HN_POSTINGS, REPO, SHARED, cluster_as_the_product, write_results

SE_DIR = SHARED / "startups-stackexchange-2009-2017"
#: What finds statements (`--detector`); Config's default unless given.
DETECTOR = "learned"
#: Whether role work and customer jobs are clustered apart (`--no-split-sides` clusters them together).
SPLIT_SIDES = True
#: Theme methods scored beside the jobs (`--themes-variants`): "method:parameter" (distance or resolution).
THEME_VARIANTS: tuple[str, ...] = ("config",)
CACHE_DIR = REPO / "benchmarks" / ".cache"
OUT = REPO / "benchmarks" / "results" / "trends.json"


@dataclass(frozen=True)
class Era:
    """HN months the plants' windows are drawn from, and the share of their postings used (seeded)."""

    first: str
    last: str
    fraction: float
    note: str


ERAS = {
    # Nov and Dec 2025 are missing from the corpus: gaps, as in real use. Volume ~250-400 postings a month.
    "recent": Era("2023-05", "2026-01", 1.0, "last 33 months: HN volume roughly flat (~250-400 postings a month)"),
    # Postings fell from ~900 to ~330 a month: raw counts of a constant-share theme fall with them.
    "shrinking": Era("2021-07", "2023-12", 0.35, "HN volume falling ~2.7x (900 -> 330 postings a month); 35% kept"),
}
PLANT_FRACTION = 0.9  # each plant keeps this share of its window's postings (its own subsample)
WINDOW = 24  # months: jtbd's default growth window
#: Share of the month's (subsampled) HN postings that the planted questions make up: ranges drawn per plant.
GROW_START, GROW_END = (0.001, 0.003), (0.015, 0.03)
FLAT_SHARE = (0.005, 0.015)
FADE_START = (0.015, 0.03)
#: Background discussions: questions of tags that are not planted, at a constant share of the month's postings
#: (drawn per plant). A real corpus mixes postings and discussions; without this background every discussion would
#: be a plant, and growth among discussions would find the plants trivially.
BACKGROUND_SHARE = (0.05, 0.15)
#: Tags grouped into themes; one plant's three tags come from three different families, so the themes differ.
#: Catch-all tags (getting-started, business, software, website, ideas ...) name no theme and are left out, and
#: so are hiring/employees/salary: HN postings are hiring, so such a plant would be HN's own theme.
FAMILIES = {
    "marketing": ["marketing", "advertising", "market-research"],
    "sales": ["sales"],
    "legal": ["legal", "llc", "incorporation", "contract"],
    "ip": ["intellectual-property", "copyright", "trademark"],
    "equity": ["equity", "co-founder", "stock-options", "shares"],
    "tax": ["tax"],
    "funding": ["funding", "investors", "venture-capital", "investment", "angel"],
    "pricing": ["pricing", "business-model"],
    "payments": ["payments", "ecommerce"],
    "planning": ["business-plan", "startup-costs"],
    "mobile-apps": ["mobile-apps"],
    "outsourcing": ["outsourcing"],
}
MIN_TAG_QUESTIONS = 150  # a tag can be planted only with at least this many questions in the corpus
MAX_TAG_QUESTIONS = 200  # questions per tag extracted (seeded sample), enough for the largest plant
#: `--themes keywords`: a theme is a tag's questions whose *title* names its subject, so that a broad tag ("legal",
#: "marketing") becomes one subject ("legal" questions that say legal/lawyer/law in the title). Chosen by reading
#: the tag names, before any run, and matched with a regex: no embedding or clustering decides what is planted.
TITLE_KEYWORDS = {
    "marketing": r"marketing|promot",
    "advertising": r"advertis|\bads?\b",
    "market-research": r"market research|survey|research",
    "sales": r"\bsales?\b|\bsell",
    "legal": r"legal|lawyer|\blaw",
    "llc": r"\bllc\b",
    "incorporation": r"incorporat|delaware",
    "contract": r"contract|agreement",
    "intellectual-property": r"patent|copyright|trademark|\bip\b",
    "copyright": r"copyright",
    "trademark": r"trademark",
    "equity": r"equity",
    "co-founder": r"co-?founder",
    "stock-options": r"option",
    "shares": r"share",
    "tax": r"\btax",
    "funding": r"fund|rais",
    "investors": r"investor",
    "venture-capital": r"\bvc|venture",
    "investment": r"invest",
    "angel": r"angel",
    "pricing": r"\bpric",
    "business-model": r"business model|monetiz|revenue",
    "payments": r"payment|paypal|stripe|credit card",
    "ecommerce": r"e-?commerce|online store|shop",
    "business-plan": r"business plan",
    "startup-costs": r"cost|budget",
    "mobile-apps": r"\bapps?\b",
    "outsourcing": r"outsourc|freelanc",
}
MIN_KEYWORD_QUESTIONS = 100  # keyword themes are narrower; a few of the largest growing plants run short (reported)
ROLES = ("growing", "flat", "fading")
TOP = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plants", type=int, default=30, help="random plants (each a different seed)")
    parser.add_argument("--seed", type=int, default=0, help="base seed; plant i uses (seed, i)")
    parser.add_argument("--era", choices=sorted(ERAS), default="recent", help="HN months to plant into")
    parser.add_argument(
        "--themes",
        choices=("tags", "keywords"),
        default="tags",
        help="what a planted theme is: a tag's questions, or only those whose title names the tag's subject",
    )
    parser.add_argument(
        "--cluster-seed", type=int, help="Leiden's seed instead of Config's default; the plants stay the same"
    )
    parser.add_argument("--detector", choices=("rules", "learned"), help="what finds statements (default: Config's)")
    parser.add_argument(
        "--themes-variants",
        default="",
        help="theme methods to score beside the jobs, e.g. agglomerative:0.5,leiden:0.5 (default: Config's only)",
    )
    parser.add_argument(
        "--no-split-sides", action="store_true", help="cluster role work and customer jobs together (as before)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="JSON results; other eras already in it are kept")
    args = parser.parse_args()
    global DETECTOR, THEME_VARIANTS, SPLIT_SIDES
    SPLIT_SIDES = not args.no_split_sides
    if args.detector:
        DETECTOR = args.detector
    if args.themes_variants:
        THEME_VARIANTS = tuple(args.themes_variants.split(","))
    if not HN_POSTINGS.is_file() or not list(SE_DIR.glob("*.jsonl.gz")):
        print(f"skipped: {HN_POSTINGS} or {SE_DIR} not found (benchmark data lives in ../shared)")
        return 0

    begin = time.perf_counter()
    era = ERAS[args.era]
    data = prepare(args.seed, era, args.themes)
    data["cluster_seed"] = args.cluster_seed
    clustering = clustering_settings(args.cluster_seed)  # now, before the plants: the clustering stage is being changed
    plants = []
    for i in range(args.plants):
        started = time.perf_counter()
        result = run_plant(i, np.random.default_rng([args.seed, i]), data, era)
        result["seconds"] = round(time.perf_counter() - started, 1)
        plants.append(result)
        print(progress_line(result), file=sys.stderr, flush=True)
    summary = summarise(plants)
    total = round(time.perf_counter() - begin, 1)
    print_table(summary, len(plants), total)
    results = {
        "command": "python benchmarks/trends.py"
        + (f" --era {args.era}" if args.era != "recent" else "")
        + (f" --themes {args.themes}" if args.themes != "tags" else "")
        + (f" --plants {args.plants}" if args.plants != 30 else "")
        + (f" --seed {args.seed}" if args.seed else "")
        + (f" --cluster-seed {args.cluster_seed}" if args.cluster_seed is not None else "")
        + (f" --detector {args.detector}" if args.detector else "")
        + (f" --themes-variants {args.themes_variants}" if args.themes_variants else "")
        + (" --no-split-sides" if args.no_split_sides else ""),
        "era": {"name": args.era, **asdict(era)},
        "themes": args.themes,
        "design": design(),
        "clustering": clustering,
        "setup": data["info"],
        "summary": summary,
        "seconds": total,
        "plants": plants,
    }
    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    eras = previous.get("eras", {}) if isinstance(previous, dict) else {}
    name = args.era if args.themes == "tags" else f"{args.era}, keyword themes"
    name += f", cluster seed {args.cluster_seed}" if args.cluster_seed is not None else ""
    eras[name + (f", {args.detector} detector" if args.detector else "")] = results
    write_results(args.out, {"eras": dict(sorted(eras.items()))})
    return 0


# --- data: extract once, embed once -----------------------------------------------------------------------------


def prepare(seed: int, era: Era, themes: str = "tags") -> dict[str, Any]:
    """Statements of the HN pool and of the candidate questions, their vectors, and what to draw plants from."""
    from jtbd.embed import EmbeddingCache, embed_texts, make_embedder

    started = time.perf_counter()
    hn_docs, se_docs, tags_of = extract_cached(seed, era, themes)
    statements = [s for doc in hn_docs for s in doc["statements"]] + [s for doc in se_docs for s in doc["statements"]]
    extract_seconds = time.perf_counter() - started

    started = time.perf_counter()
    texts = [s.embedding_text for s in statements]
    embedded = with_retry(
        lambda: embed_texts(texts, make_embedder("minilm"), EmbeddingCache(CACHE_DIR / "cache.duckdb"))
    )
    embed_seconds = time.perf_counter() - started
    # Each document's statements as rows of the global statement list / vector matrix.
    row = 0
    for doc in hn_docs + se_docs:
        doc["rows"] = list(range(row, row + len(doc["statements"])))
        row += len(doc["statements"])
    by_tag: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in se_docs:
        doc["tags"] = tags_of[doc["id"]]
        if doc["rows"]:  # a question without a statement adds nothing to any cluster
            for tag in doc["tags"]:
                by_tag[tag].append(doc)
    months = sorted({doc["month"] for doc in hn_docs})
    info = {
        "hn_months": f"{months[0]}..{months[-1]} ({len(months)} months present)",
        "hn_postings": len(hn_docs),
        "hn_statements": sum(len(d["statements"]) for d in hn_docs),
        "se_questions": len(se_docs),
        "se_statements": sum(len(d["statements"]) for d in se_docs),
        "texts_embedded_new": embedded.n_new,
        "extract_seconds": round(extract_seconds, 1),
        "embed_seconds": round(embed_seconds, 1),
        "questions_per_tag": {t: len(by_tag[t]) for t in sorted(by_tag)},
        "extractor_key": extractor_key(seed, era, themes),
    }
    print(
        f"data: {info['hn_postings']:,} HN postings -> {info['hn_statements']:,} statements, "
        f"{info['se_questions']:,} questions -> {info['se_statements']:,} statements; extract "
        f"{extract_seconds:.0f} s, embed {embed_seconds:.0f} s ({embedded.n_new:,} new)",
        file=sys.stderr,
        flush=True,
    )
    min_questions = MIN_TAG_QUESTIONS if themes == "tags" else MIN_KEYWORD_QUESTIONS
    return {
        "statements": statements,
        "vectors": embedded.vectors,
        "hn": hn_docs,
        "by_tag": by_tag,
        "min_questions": min_questions,
        "themes": themes,
        "info": info,
    }


def extractor_key(seed: int, era: Era, themes: str) -> str:
    """Hash of the extraction code and the inputs' settings: a changed extractor re-extracts."""
    import jtbd

    names = ("extract.py", "normalise.py", "cues.py", "types.py", "detect.py", "data/statement_detector.json")
    code = b"".join((Path(jtbd.__file__).parent / name).read_bytes() for name in names) + DETECTOR.encode()
    settings: tuple[Any, ...] = (
        seed,
        era.first,
        era.last,
        era.fraction,
        FAMILIES,
        MIN_TAG_QUESTIONS,
        MAX_TAG_QUESTIONS,
    )
    if themes != "tags":  # the tags' key stays as it was, so its cached extraction is reused
        settings += (themes, TITLE_KEYWORDS, MIN_KEYWORD_QUESTIONS, "with titles")
    return hashlib.sha1(code + repr(settings).encode()).hexdigest()[:12]


def extract_cached(
    seed: int, era: Era, themes: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, list[str]]]:
    """Documents of the HN pool and the candidate questions with their statements; cached per extractor version."""
    key = extractor_key(seed, era, themes)
    path = CACHE_DIR / f"trends-extract-{key}.pkl"
    if path.is_file():
        with path.open("rb") as handle:
            cached: tuple[Any, Any, Any] = pickle.load(handle)
            return cached
    hn_docs = extract_docs(read_hn_pool(seed, era))
    se_documents, tags_of = read_questions(seed, themes)
    se_docs = extract_docs(se_documents)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump((hn_docs, se_docs, tags_of), handle)
    return hn_docs, se_docs, tags_of


def extract_docs(documents: list[Any]) -> list[dict[str, Any]]:
    from jtbd.extract import StatementExtractor

    statements = StatementExtractor(detector=DETECTOR).extract(documents).statements
    by_doc: dict[str, list[Any]] = defaultdict(list)
    for statement in statements:
        by_doc[statement.doc_id].append(statement)
    return [
        {
            "id": doc.id,
            "month": f"{doc.created_at:%Y-%m}" if doc.created_at else None,
            "title": doc.title,
            "statements": by_doc.get(doc.id, []),
        }
        for doc in documents
    ]


def read_hn_pool(seed: int, era: Era) -> list[Any]:
    """A seeded `era.fraction` of the postings of the era's months, read by jtbd's own ingest."""
    from jtbd.ingest import read_corpus

    rng = np.random.default_rng([seed, 10_000])
    with gzip.open(HN_POSTINGS, "rt", encoding="utf-8") as handle:
        lines = [
            line
            for line in handle
            if era.first <= json.loads(line).get("thread_month", "") <= era.last and rng.random() < era.fraction
        ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hn-pool.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        documents = read_corpus(path).documents
    # Dates are thread months' comments; a posting made just after midnight UTC of the 1st keeps its own month.
    return [doc for doc in documents if doc.created_at and era.first <= f"{doc.created_at:%Y-%m}" <= era.last]


def read_questions(seed: int, themes: str = "tags") -> tuple[list[Any], dict[str, list[str]]]:
    """Up to MAX_TAG_QUESTIONS questions of each candidate tag (seeded), read by jtbd's own ingest, and their
    candidate tags by document id. With `themes="keywords"` a question counts for a tag only when its title
    matches the tag's TITLE_KEYWORDS."""
    from jtbd.ingest import read_corpus

    candidates = {tag for tags in FAMILIES.values() for tag in tags}
    minimum = MIN_TAG_QUESTIONS if themes == "tags" else MIN_KEYWORD_QUESTIONS

    def theme_tags(record: dict[str, Any]) -> list[str]:
        tags = [t for t in record.get("tags") or [] if t in candidates]
        if themes == "tags":
            return tags
        return [t for t in tags if re.search(TITLE_KEYWORDS[t], record.get("title") or "", re.IGNORECASE)]

    documents, tags_of = [], {}
    rng = np.random.default_rng([seed, 20_000])
    for path in sorted(SE_DIR.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        tags_by_id = {str(r["question_id"]): theme_tags(r) for r in records}
        for doc in read_corpus(path).documents:
            question_id = doc.id.rsplit("-", 1)[-1]  # ids are "<site or file>-<question id>"
            if tags_by_id.get(question_id):
                documents.append(doc)
                tags_of[doc.id] = tags_by_id[question_id]
    counts = Counter(tag for tags in tags_of.values() for tag in tags)
    keep: set[str] = set()
    for tag in sorted(candidates):
        if counts[tag] < minimum:
            continue
        ids = sorted(doc_id for doc_id, tags in tags_of.items() if tag in tags)
        keep.update(rng.choice(ids, size=min(MAX_TAG_QUESTIONS, len(ids)), replace=False).tolist())
    documents = [doc for doc in documents if doc.id in keep]
    return documents, {doc.id: tags_of[doc.id] for doc in documents}


def with_retry(call: Any, tries: int = 30) -> Any:
    """Run `call`, waiting while another process holds the shared DuckDB cache file's lock."""
    import duckdb

    for attempt in range(tries):
        try:
            return call()
        except duckdb.IOException:
            if attempt == tries - 1:
                raise
            time.sleep(2)
    return None


# --- one plant ----------------------------------------------------------------------------------------------------


def month_keys(last: str, n: int) -> list[str]:
    year, month = map(int, last.split("-"))
    keys = []
    for _ in range(n):
        keys.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return keys[::-1]


def run_plant(index: int, rng: np.random.Generator, data: dict[str, Any], era: Era) -> dict[str, Any]:
    """Draw one plant (tags, window, subsample, shares), run jtbd's cluster/label/rank on it and score it."""
    statements_all, vectors_all = data["statements"], data["vectors"]
    # Window: 24 months ending in a random month late enough for the whole window to lie in the pool.
    last_months = [m for m in sorted({d["month"] for d in data["hn"]}) if month_keys(m, WINDOW)[0] >= era.first]
    window = month_keys(str(rng.choice(last_months)), WINDOW)
    hn = [d for d in data["hn"] if d["month"] in window and rng.random() < PLANT_FRACTION]
    n_month = Counter(d["month"] for d in hn)

    # Three tags from three different families, each with enough questions of its own.
    tags: dict[str, str] = {}
    for family in rng.permutation(sorted(FAMILIES)):
        options = [t for t in FAMILIES[family] if len(data["by_tag"].get(t, [])) >= data["min_questions"] * 0.9]
        if options:
            tags[ROLES[len(tags)]] = str(rng.choice(options))
        if len(tags) == len(ROLES):
            break
    shares = {
        "growing": (rng.uniform(*GROW_START), rng.uniform(*GROW_END)),
        "flat": (flat := rng.uniform(*FLAT_SHARE), flat),
        "fading": (rng.uniform(*FADE_START), 0.0),
    }
    rows = [r for d in hn for r in d["rows"]]
    planted: list[Any] = []
    role_rows: dict[str, list[int]] = {}
    n_planted: dict[str, int] = {}
    shortfall: dict[str, int] = {}
    per_month: dict[str, list[int]] = {}
    for role in ROLES:
        others = {tags[r] for r in ROLES if r != role}
        pool = [d for d in data["by_tag"][tags[role]] if not others & set(d["tags"])]
        pool = [pool[i] for i in rng.permutation(len(pool))]
        start, end = shares[role]
        role_rows[role] = []
        per_month[role] = []
        used = 0
        for m, month in enumerate(window):
            share = max(0.0, start + (end - start) * m / (len(window) - 1))
            want = int(rng.poisson(share * n_month.get(month, 0)))
            per_month[role].append(min(want, len(pool) - used))
            for _ in range(want):
                if used >= len(pool):
                    shortfall[role] = shortfall.get(role, 0) + 1
                    continue
                doc, used = pool[used], used + 1
                when = random_moment(rng, month)
                author = f"plant-{role}-{used}"
                for r in doc["rows"]:
                    role_rows[role].append(len(rows) + len(planted))
                    planted.append((r, replace(statements_all[r], created_at=when, author=author)))
        n_planted[role] = used
    planted_families = {f for f, members in FAMILIES.items() if set(members) & set(tags.values())}
    # Keyword themes are subjects: background questions on a planted subject (an "equity" question whose title says
    # "invest") would be that theme too, flat, so they are left out as well.
    subjects = [TITLE_KEYWORDS[t] for t in tags.values()] if data["themes"] == "keywords" else []
    n_background = plant_background(rng, data, window, n_month, planted_families, subjects, planted)
    statements = [statements_all[r] for r in rows] + [s for _, s in planted]
    vectors = vectors_all[rows + [r for r, _ in planted]]

    labels, min_size = cluster(
        vectors, [s.voice for s in statements], [s.kind for s in statements], data.get("cluster_seed")
    )
    result: dict[str, Any] = {
        "plant": index,
        "window": f"{window[0]}..{window[-1]}",
        "hn_postings": len(hn),
        "hn_per_month": [n_month.get(m, 0) for m in window],
        "n_statements": len(statements),
        "background_discussions": n_background,
        "min_cluster_size": min_size,
        "plants": {
            role: {
                "tag": tags[role],
                "share_start": round(shares[role][0], 4),
                "share_end": round(shares[role][1], 4),
                "n_docs": n_planted[role],
                "n_statements": len(role_rows[role]),
                "shortfall_docs": shortfall.get(role, 0),
                "docs_per_month": per_month[role],
            }
            for role in ROLES
        },
        "jtbd_clusters": evaluate(statements, vectors, labels, role_rows),
    }
    # The ranking stage alone: each plant's statements relabelled as one cluster of its own (the theme as a perfect
    # clusterer would keep it), every other statement keeping its jtbd cluster.
    oracle = labels.copy()
    for n, role in enumerate(ROLES):
        oracle[role_rows[role]] = labels.max() + 1 + n
    result["oracle_clusters"] = evaluate(statements, vectors, oracle, role_rows)
    for variant in THEME_VARIANTS:
        theme_labels, n_themes = themes_of(vectors, labels, variant)
        result[f"themes {variant}"] = evaluate(statements, vectors, theme_labels, role_rows)
        result[f"themes {variant}"]["n_themes"] = n_themes
    result["fdr"] = fdr_calls(statements, vectors, labels, role_rows)
    return result


def fdr_calls(
    statements: list[Any], vectors: np.ndarray, labels: np.ndarray, role_rows: dict[str, list[int]]
) -> dict[str, Any]:
    """Each false-discovery method (`jtbd.growth.FDR_METHODS`) over Config's themes and the jobs: the trend called
    for each plant's job and theme (the one holding most of its statements), and how many are called in all."""
    from jtbd.growth import FDR_METHODS
    from jtbd.rank import rank_levels
    from jtbd.types import ClusterLabel

    theme_labels, _ = themes_of(vectors, labels, "config")
    levels = {"job": labels, "theme": theme_labels}
    names = {
        level: {int(c): ClusterLabel(str(c), [], [], []) for c in np.unique(found) if c >= 0}
        for level, found in levels.items()
    }
    out: dict[str, Any] = {}
    for method in FDR_METHODS:
        ranked = dict(
            zip(
                levels,
                rank_levels(
                    statements,
                    (labels, names["job"], None),
                    (theme_labels, names["theme"], None),
                    fdr=method,
                    period="month",
                    window=WINDOW,
                ),
            )
        )
        entry: dict[str, Any] = {}
        for level, found in levels.items():
            trend = {c.id: c.growth.trend for c in ranked[level]}
            entry[f"{level}s_called"] = {
                "rising": sum(t in ("rising", "emerging") for t in trend.values()),
                "declining": sum(t in ("declining", "fading") for t in trend.values()),
                "of": len(trend),
            }
            for role in ROLES:
                clustered = Counter(int(c) for c in found[role_rows[role]] if c >= 0)
                entry[f"{role}_{level}"] = trend[clustered.most_common(1)[0][0]] if clustered else None
        out[method] = entry
    return out


def themes_of(vectors: np.ndarray, labels: np.ndarray, variant: str) -> tuple[np.ndarray, int]:
    """Each statement's theme by the theme stage (`jtbd.themes.ThemeClusterer`): Config's, or "method:parameter"."""
    from jtbd.config import Config
    from jtbd.themes import ThemeClusterer

    if variant == "config":
        themes = ThemeClusterer.from_config(Config())
    else:
        method, value = variant.split(":")
        themes = ThemeClusterer(method, distance=float(value), resolution=float(value))
    themes.fit(vectors, labels)
    return themes.labels_, len(themes.theme_of_job_) and int(themes.theme_of_job_.max()) + 1


def random_moment(rng: np.random.Generator, month: str) -> datetime:
    """A random day (1..28) and hour of `month` ("2024-03"), UTC."""
    return datetime(int(month[:4]), int(month[5:]), int(rng.integers(1, 29)), int(rng.integers(0, 24)), tzinfo=UTC)


def plant_background(
    rng: np.random.Generator,
    data: dict[str, Any],
    window: list[str],
    n_month: Counter[str],
    planted_families: set[str],
    subjects: list[str],
    planted: list[Any],
) -> dict[str, Any]:
    """Add questions carrying no tag of the planted tags' families and whose title matches none of the `subjects`
    regexes (they would be the same theme, flat), a constant share of each month's postings, each with its own
    author, to `planted` (drawn after the plants, so the plants match runs made before the background existed)."""
    excluded = {tag for family in planted_families for tag in FAMILIES[family]}

    def on_subject(doc: dict[str, Any]) -> bool:
        return any(re.search(subject, doc.get("title") or "", re.IGNORECASE) for subject in subjects)

    seen: dict[str, dict[str, Any]] = {}
    for docs in data["by_tag"].values():
        for doc in docs:
            if not excluded & set(doc["tags"]) and not on_subject(doc):
                seen.setdefault(doc["id"], doc)
    pool = [seen[i] for i in sorted(seen)]
    pool = [pool[i] for i in rng.permutation(len(pool))]
    share = float(rng.uniform(*BACKGROUND_SHARE))
    used = 0
    for month in window:
        for _ in range(int(rng.poisson(share * n_month.get(month, 0)))):
            if used >= len(pool):
                break
            doc, used = pool[used], used + 1
            when = random_moment(rng, month)
            for r in doc["rows"]:
                planted.append((r, replace(data["statements"][r], created_at=when, author=f"background-{used}")))
    return {"share": round(share, 4), "n_docs": used, "pool": len(pool)}


def evaluate(
    statements: list[Any], vectors: np.ndarray, labels: np.ndarray, role_rows: dict[str, list[int]]
) -> dict[str, Any]:
    """Label and rank the clusters with jtbd and with the naive baseline; find and score each plant's cluster."""
    from jtbd.label import label_clusters
    from jtbd.periods import growth_order
    from jtbd.rank import rank_clusters

    cluster_labels = label_clusters(statements, vectors, labels)
    ranked = rank_clusters(statements, labels, cluster_labels, period="month", window=WINDOW)
    naive = naive_fits(ranked)
    by_rate = order([c for c in ranked if c.growth.rate is not None], lambda c: c.growth.rate)
    by_low = order([c for c in ranked if c.growth.low is not None], lambda c: growth_order(c.growth.low))
    # The same ranking with growth among all documents only (before each source kind got its own series).
    all_voices = {c.id: c.growth_by_kind.get("all", c.growth) for c in ranked}
    by_low_all = order([c for c in ranked if all_voices[c.id].low is not None], lambda c: all_voices[c.id].low)
    slopes = {c: fit[0] for c, fit in naive.items() if fit is not None}
    by_slope = order([c for c in ranked if c.id in slopes], lambda c: slopes[c.id])
    signals = bertrend_signals(ranked, statements)
    by_popularity = order(ranked, lambda c: signals[c.id][0])
    # What a reader of the "rising" list sees: clusters jtbd calls rising or emerging, by their lower bound.
    called = order([c for c in by_low if c.growth.trend in ("rising", "emerging")], lambda c: c.growth.low)
    sizes = Counter(int(c) for c in labels if c >= 0)
    out: dict[str, Any] = {
        "n_clusters": len(ranked),
        "noise_share": round(float((labels < 0).mean()), 4),
        "top_by_rate": [describe(c, naive) for c in by_rate[:TOP]],
        "top_by_low": [describe(c, naive) for c in by_low[:TOP]],
        "top_by_slope": [describe(c, naive) for c in by_slope[:TOP]],
        "n_called_rising": len(called),
        # How often each method calls any cluster rising or declining: context for the plants' calls.
        "share_called_rising": round(len(called) / max(len(ranked), 1), 3),
        "share_called_declining": round(
            sum(c.growth.trend in ("declining", "fading") for c in ranked) / max(len(ranked), 1), 3
        ),
        "naive_share_called_rising": round(
            sum(naive_trend(naive[c.id]) == "rising" for c in ranked) / max(len(ranked), 1), 3
        ),
        "naive_share_called_declining": round(
            sum(naive_trend(naive[c.id]) == "declining" for c in ranked) / max(len(ranked), 1), 3
        ),
        "bertrend_share_called_signal": round(
            sum(signals[c.id][1] != "noise" for c in ranked) / max(len(ranked), 1), 3
        ),
    }
    for role in ROLES:
        members = labels[role_rows[role]]
        clustered = Counter(int(c) for c in members if c >= 0)
        mostly = [c for c, n in clustered.items() if n >= 0.5 * sizes[c]]
        entry: dict[str, Any] = {
            "noise_share": round(float((members < 0).mean()), 3) if len(members) else None,
            "n_clusters_touched": len(clustered),
            # Clusters that are mostly this plant: more than one means jtbd split the theme into several jobs.
            "n_mostly_plant_clusters": len(mostly),
            "recall_mostly_plant_clusters": round(sum(clustered[c] for c in mostly) / max(len(members), 1), 3),
            "mostly_plant_trends": sorted(next(r.growth.trend for r in ranked if r.id == c) for c in mostly),
        }
        if clustered:
            cluster_id, hits = clustered.most_common(1)[0]
            c = next(c for c in ranked if c.id == cluster_id)
            slope = naive[cluster_id]
            entry.update(
                cluster=cluster_id,
                title=c.label.title,
                size=c.size,
                purity=round(hits / c.size, 3),
                recall=round(hits / len(members), 3),
                rate=c.growth.rate,
                low=c.growth.low,
                high=c.growth.high,
                q_value=c.growth.q_value,
                trend=c.growth.trend,
                rank_by_rate=position(by_rate, cluster_id),
                rank_by_low=position(by_low, cluster_id),
                among=c.growth.among,
                rank_by_low_all_voices=position(by_low_all, cluster_id),
                rank_among_rising=position(called, cluster_id),
                rank_by_score=c.rank,
                naive_slope=round(slope[0], 4) if slope else None,
                naive_p=round(slope[1], 6) if slope else None,
                naive_trend=naive_trend(slope),
                rank_by_slope=position(by_slope, cluster_id),
                bertrend_signal=signals[cluster_id][1],
                rank_by_popularity=position(by_popularity, cluster_id),
            )
        out[role] = entry
    # What else a plant's cluster holds: the other plants, background questions (often on the same subject under
    # another tag), HN statements. A growing plant diluted by a flat rest grows less than itself.
    sources = [source_of(s) for s in statements]
    for role in ROLES:
        if out[role].get("cluster") is not None:
            members = np.flatnonzero(labels == out[role]["cluster"])
            counts = Counter(sources[i] for i in members)
            out[role]["composition"] = {source: counts.get(source, 0) for source in SOURCES}
    # Plants whose clusters are one and the same: their trends mix (a growing and a fading theme cancel out).
    out["shared_clusters"] = [
        f"{a}+{b}"
        for i, a in enumerate(ROLES)
        for b in ROLES[i + 1 :]
        if out[a].get("cluster") is not None and out[a].get("cluster") == out[b].get("cluster")
    ]
    return out


SOURCES = (*ROLES, "background", "hn")


def source_of(statement: Any) -> str:
    """Where a statement of a plant comes from, by the fake authors `run_plant` gives: a planted role, "background"
    or "hn"."""
    author = statement.author or ""
    if author.startswith("plant-"):
        return author.split("-")[1]
    return "background" if author.startswith("background-") else "hn"


def cluster(
    vectors: np.ndarray, voices: list[str], kinds: list[str], seed: int | None = None
) -> tuple[np.ndarray, int]:
    """Cluster exactly as `jtbd.pipeline` does with the Config defaults (`cluster_as_the_product`, given each
    statement's voice and kind), Leiden's `seed` aside when given; SPLIT_SIDES=False clusters both sides together."""
    from jtbd.config import Config

    config = Config(split_sides=SPLIT_SIDES) if seed is None else Config(seed=seed, split_sides=SPLIT_SIDES)
    clustering = cluster_as_the_product(vectors, config, voices, kinds)
    return clustering.labels, clustering.min_cluster_size


def clustering_settings(seed: int | None = None) -> dict[str, Any]:
    """The clustering configuration the plants ran with (the stage is being improved: record which one)."""
    import jtbd
    from jtbd.config import Config

    config = Config() if seed is None else Config(seed=seed)
    names = ("cluster_method", "resolution", "merge_similarity", "noise_similarity", "min_cluster_size", "seed")
    code = b"".join((Path(jtbd.__file__).parent / name).read_bytes() for name in ("clustering.py", "knn.py"))
    return {
        **{name: getattr(config, name) for name in names if hasattr(config, name)},
        "split_sides": SPLIT_SIDES,
        "cluster_py_sha1": hashlib.sha1(code).hexdigest()[:12],
    }


def naive_fits(ranked: list[Any]) -> dict[int, tuple[float, float] | None]:
    """BERTopic-style: each cluster's raw statement count per month (months without any document are absent, as
    in `topics_over_time`), OLS slope in statements per month and its plain t-test p-value."""
    from scipy import stats

    out: dict[int, tuple[float, float] | None] = {}
    for c in ranked:
        points = [(i, p.count) for i, p in enumerate(c.series) if p.total > 0]
        if len(points) < 3:
            out[c.id] = None
            continue
        x, y = np.array(points, dtype=float).T
        if np.all(y == y[0]):
            out[c.id] = (0.0, 1.0)
            continue
        fit = stats.linregress(x, y)
        out[c.id] = (float(fit.slope), float(fit.pvalue) if math.isfinite(fit.pvalue) else 1.0)
    return out


def naive_trend(fit: tuple[float, float] | None) -> str:
    """What the naive reading calls the cluster: a count slope with p < 0.05 (no exposure, no FDR correction)."""
    if fit is None:
        return "unknown"
    slope, p_value = fit
    return "stable" if p_value >= 0.05 else ("rising" if slope > 0 else "declining")


#: BERTrend's defaults (rte-france/BERTrend): popularity decays by exp(-DECAY_FACTOR * periods**DECAY_POWER) once a
#: topic stops being updated; topics below the 10th percentile of popularity are noise, above the 90th strong
#: signals, in between weak signals when their popularity is rising.
DECAY_FACTOR, DECAY_POWER = 0.01, 2
SIGNAL_PERCENTILES = (10, 90)


def bertrend_signals(ranked: list[Any], statements: list[Any]) -> dict[int, tuple[float, str]]:
    """BERTrend-style signals on jtbd's clusters: each cluster's (popularity, class) at the window's last month.

    As BERTrend computes them from its per-period topics: a topic's popularity starts at its document count in the
    first month it appears and adds each month's document count while it keeps appearing; once it is absent this
    month and the next, popularity decays with the months since its last update. The classes compare the last
    popularity with the 10th and 90th percentiles of all popularities in the window: `noise` below, `strong`
    above, `weak` in between when rising. BERTrend's rising test is a slope over the last 14 days; with monthly
    periods that holds one point (BERTrend then calls it rising), so here rising means above the month before.
    """
    from jtbd.periods import period_key

    periods = [p.period for p in ranked[0].series] if ranked else []
    index = {period: i for i, period in enumerate(periods)}
    docs: dict[int, list[set[str]]] = {}
    for c in ranked:
        per_month: list[set[str]] = [set() for _ in periods]
        for row in c.members:
            st = statements[row]
            i = index.get(period_key(st.created_at, "month")) if st.created_at else None
            if i is not None:
                per_month[i].add(st.doc_id)
        docs[c.id] = per_month
    histories: dict[int, list[float]] = {}
    for cluster_id, per_month in docs.items():
        counts = [len(d) for d in per_month]
        history: list[float] = []
        popularity, last_update = 0.0, -1  # -1: not seen yet
        for t, n in enumerate(counts):
            if n:
                popularity, last_update = popularity + n, t
            elif last_update >= 0 and not (t + 1 < len(counts) and counts[t + 1]):
                popularity *= math.exp(-DECAY_FACTOR * (t - last_update) ** DECAY_POWER)
            history.append(popularity)
        histories[cluster_id] = history
    values = [v for h in histories.values() for v in h if v > 1e-5]
    if not values:
        return {cluster_id: (0.0, "noise") for cluster_id in histories}
    low, high = np.percentile(values, SIGNAL_PERCENTILES)
    out: dict[int, tuple[float, str]] = {}
    for cluster_id, history in histories.items():
        last = history[-1] if history else 0.0
        rising = len(history) < 2 or history[-1] > history[-2]
        label = "noise" if last < low else "strong" if last > high else "weak" if rising else "noise"
        out[cluster_id] = (last, label)
    return out


def order(clusters: list[Any], key: Any) -> list[Any]:
    return sorted(clusters, key=lambda c: (-key(c), -c.size, c.id))


def position(ordered: list[Any], cluster_id: int) -> int | None:
    return next((i for i, c in enumerate(ordered, start=1) if c.id == cluster_id), None)


def describe(c: Any, naive: dict[int, Any]) -> dict[str, Any]:
    slope = naive[c.id]
    return {
        "title": c.label.title,
        "size": c.size,
        "rate": c.growth.rate,
        "low": c.growth.low,
        "q_value": c.growth.q_value,
        "among": c.growth.among,
        "trend": c.growth.trend,
        "naive_slope": round(slope[0], 4) if slope else None,
    }


# --- summary ------------------------------------------------------------------------------------------------------


def wilson(k: int, n: int) -> list[float]:
    """95% Wilson interval of a proportion k/n."""
    if n == 0:
        return [0.0, 1.0]
    z, p = 1.959964, k / n
    centre, half = (
        (p + z * z / (2 * n)) / (1 + z * z / n),
        z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n),
    )
    return [round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)]


def rate(flags: list[bool]) -> dict[str, Any]:
    k, n = sum(flags), len(flags)
    return {"k": k, "n": n, "share": round(k / n, 3) if n else None, "ci95": wilson(k, n)}


SETTINGS = {"jtbd_clusters": "jtbd's clusters (end to end)", "oracle_clusters": "oracle clusters (ranking only)"}


def summarise(plants: list[dict[str, Any]]) -> dict[str, Any]:
    summary = {setting: summarise_setting([p[setting] for p in plants]) for setting in SETTINGS}
    for variant in THEME_VARIANTS:
        runs = [p[f"themes {variant}"] for p in plants]
        summary[f"themes {variant}"] = {
            **summarise_setting(runs),
            "median_themes": median([run["n_themes"] for run in runs]),
        }
    summary["growing_by_tag"] = growing_by_tag(plants)
    summary["fdr"] = summarise_fdr([p["fdr"] for p in plants if "fdr" in p])
    return summary


def summarise_fdr(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per false-discovery method and level: how often the growing plant is called rising, the flat one rising (a
    false alarm), the fading one declining; and the median number of jobs and themes called either way."""
    from jtbd.growth import FDR_METHODS

    rising, declining = ("rising", "emerging"), ("declining", "fading")
    out: dict[str, Any] = {}
    for method in FDR_METHODS if runs else ():
        by_level: dict[str, Any] = {}
        for level in ("job", "theme"):
            entries = [run[method] for run in runs]
            by_level[level] = {
                "growing_called_rising": rate([e[f"growing_{level}"] in rising for e in entries]),
                "flat_called_rising": rate([e[f"flat_{level}"] in rising for e in entries]),
                "fading_called_declining": rate([e[f"fading_{level}"] in declining for e in entries]),
                "median_called_rising": median([e[f"{level}s_called"]["rising"] for e in entries]),
                "median_called_declining": median([e[f"{level}s_called"]["declining"] for e in entries]),
                "median_of": median([e[f"{level}s_called"]["of"] for e in entries]),
            }
        out[method] = by_level
    return out


def growing_by_tag(plants: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per planted tag: how often the growing plant made the top 3 (jtbd end to end), and its cluster's median
    recall and purity; narrow tags (one job) and broad ones (many jobs) fare differently."""
    by_tag: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in plants:
        by_tag[p["plants"]["growing"]["tag"]].append(p["jtbd_clusters"]["growing"])
    return {
        tag: {
            "top3": rate([(e.get("rank_by_low") or 10**9) <= TOP for e in entries]),
            "median_recall": median([e.get("recall") for e in entries]),
            "median_purity": median([e.get("purity") for e in entries]),
        }
        for tag, entries in sorted(by_tag.items())
    }


def summarise_setting(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def get(role: str, field: str) -> list[Any]:
        return [run[role].get(field) for run in runs]

    def top(role: str, field: str) -> list[bool]:
        return [r is not None and r <= TOP for r in get(role, field)]

    hits = top("growing", "rank_by_low")

    rising, falling = ("rising", "emerging"), ("declining", "fading")
    return {
        "jtbd": {
            "growing_top3_by_rate": rate(top("growing", "rank_by_rate")),
            "growing_top3_by_low_all_voices": rate(top("growing", "rank_by_low_all_voices")),
            "growing_top3_by_low": rate(top("growing", "rank_by_low")),
            "growing_top3_among_rising": rate(top("growing", "rank_among_rising")),
            "growing_called_rising": rate([t in rising for t in get("growing", "trend")]),
            "flat_called_rising": rate([t in rising for t in get("flat", "trend")]),
            "flat_called_declining": rate([t in falling for t in get("flat", "trend")]),
            # The same order as the growing plant's row: a flat plant there is what a reader would mistake for growth.
            "flat_top3_by_low": rate(top("flat", "rank_by_low")),
            "fading_called_declining": rate([t in falling for t in get("fading", "trend")]),
            "median_share_of_clusters_called_rising": median([run["share_called_rising"] for run in runs]),
            "median_share_of_clusters_called_declining": median([run["share_called_declining"] for run in runs]),
        },
        "naive": {
            "growing_top3_by_slope": rate(top("growing", "rank_by_slope")),
            "growing_called_rising": rate([t == "rising" for t in get("growing", "naive_trend")]),
            "flat_called_rising": rate([t == "rising" for t in get("flat", "naive_trend")]),
            "flat_called_declining": rate([t == "declining" for t in get("flat", "naive_trend")]),
            "flat_top3_by_slope": rate(top("flat", "rank_by_slope")),
            "fading_called_declining": rate([t == "declining" for t in get("fading", "naive_trend")]),
            "median_share_of_clusters_called_rising": median([run["naive_share_called_rising"] for run in runs]),
            "median_share_of_clusters_called_declining": median([run["naive_share_called_declining"] for run in runs]),
        },
        # BERTrend's classes on the same clusters: a "signal" (weak or strong) is what it points a reader to.
        "bertrend": {
            "growing_top3_by_popularity": rate(top("growing", "rank_by_popularity")),
            "growing_called_signal": rate([t in ("weak", "strong") for t in get("growing", "bertrend_signal")]),
            "growing_called_weak_signal": rate([t == "weak" for t in get("growing", "bertrend_signal")]),
            "flat_called_signal": rate([t in ("weak", "strong") for t in get("flat", "bertrend_signal")]),
            "flat_top3_by_popularity": rate(top("flat", "rank_by_popularity")),
            "fading_called_noise": rate([t == "noise" for t in get("fading", "bertrend_signal")]),
            "median_share_of_clusters_called_signal": median([run.get("bertrend_share_called_signal") for run in runs]),
        },
        "plants_sharing_a_cluster": {
            pair: rate([pair in run["shared_clusters"] for run in runs])
            for pair in ("growing+flat", "growing+fading", "flat+fading")
        },
        "plant_clusters": {
            role: {
                "median_recall": median(get(role, "recall")),
                "median_purity": median(get(role, "purity")),
                "median_noise_share": median(get(role, "noise_share")),
                "median_mostly_plant_clusters": median(get(role, "n_mostly_plant_clusters")),
                "median_rate": median(get(role, "rate")),
                "median_rank_by_low": median(get(role, "rank_by_low")),
                "median_composition": {
                    source: median([share_of(run[role], source) for run in runs]) for source in SOURCES
                },
            }
            for role in ROLES
        },
        # Why the growing plant misses: what its cluster holds when it made the top 3 and when it did not.
        "growing_cluster_composition_by_outcome": {
            outcome: {
                source: median([share_of(run["growing"], source) for run, hit in zip(runs, hits) if hit == wanted])
                for source in SOURCES
            }
            for outcome, wanted in (("top3", True), ("missed", False))
        },
    }


def share_of(entry: dict[str, Any], source: str) -> float | None:
    """The share of a plant's cluster that comes from `source` (None without a cluster)."""
    composition = entry.get("composition")
    return composition[source] / max(sum(composition.values()), 1) if composition else None


def median(values: list[Any]) -> float | None:
    kept = [v for v in values if v is not None]
    return round(float(np.median(kept)), 3) if kept else None


def pct(entry: dict[str, Any]) -> str:
    return f"{entry['share']:.0%} ({entry['k']}/{entry['n']})"


def table_rows(summary: dict[str, Any]) -> list[list[str]]:
    """One row per metric: jtbd and naive on jtbd's clusters, then on oracle clusters ("" where not applicable)."""
    rows: list[list[str]] = [[] for _ in METRICS]
    for setting in SETTINGS:
        j, n, b = summary[setting]["jtbd"], summary[setting]["naive"], summary[setting].get("bertrend")
        cells = [
            (j["growing_top3_by_low"], n["growing_top3_by_slope"], b and b["growing_top3_by_popularity"]),
            (j["growing_top3_by_rate"], None, None),
            (j["growing_top3_by_low_all_voices"], None, None),
            (j["growing_top3_among_rising"], None, None),
            (j["growing_called_rising"], n["growing_called_rising"], b and b["growing_called_signal"]),
            (j["flat_called_rising"], n["flat_called_rising"], b and b["flat_called_signal"]),
            (j["flat_called_declining"], n["flat_called_declining"], None),
            (j["flat_top3_by_low"], n["flat_top3_by_slope"], b and b["flat_top3_by_popularity"]),
            (j["fading_called_declining"], n["fading_called_declining"], b and b["fading_called_noise"]),
        ]
        for row, cell in zip(rows, cells):
            row += [pct(entry) if entry else "" for entry in cell]
        for row, key in zip(rows[len(cells) :], ("rising", "declining")):
            name = f"median_share_of_clusters_called_{key}"
            signal = b["median_share_of_clusters_called_signal"] if b and key == "rising" else None
            row += [f"{j[name]:.0%}", f"{n[name]:.0%}", f"{signal:.0%}" if signal is not None else ""]
    return rows


METRICS = [
    "growing plant in top 3 by growth",
    "  jtbd ranked by point rate instead",
    "  jtbd: growth among all documents only",
    "  jtbd: top 3 of the clusters called rising",
    "growing plant called rising",
    "flat plant called rising (false alarm)",
    "flat plant called declining (false alarm)",
    "flat plant in top 3 by growth",
    "fading plant called declining/fading",
    "all clusters: median share called rising",
    "all clusters: median share called declining",
]


def markdown_table(summary: dict[str, Any]) -> list[str]:
    head = ["metric (share of plants)", "jtbd", "naive", "BERTrend"]
    head += [f"{name}, oracle" for name in head[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * 6) + "|"]
    for metric, row in zip(METRICS, table_rows(summary)):
        lines.append("| " + " | ".join([metric.strip().replace("  ", "")] + row) + " |")
    return lines


def print_table(summary: dict[str, Any], n_plants: int, seconds: float) -> None:
    print(f"\n{n_plants} plants, {seconds:,.0f} s. Share of plants (k/n); 95% Wilson intervals in the JSON.")
    print("jtbd: growth of the share of statements, at most 3 per author a month (Poisson; interval quasi-Poisson or")
    print("clustered by author, whichever is wider; BH q < 0.05), top 3 by the interval's lower bound. naive: raw")
    print("statement counts per month, OLS slope; called when its p < 0.05. BERTrend: its popularity (documents per")
    print("month, added up, decayed once absent), top 3 by popularity; 'called rising' = a weak or strong signal,")
    print("'fading called declining' = noise.")
    print("oracle clusters: each plant relabelled as one cluster (the ranking stage alone).\n")
    print("\n".join(markdown_table(summary)))
    shared = summary["jtbd_clusters"]["plants_sharing_a_cluster"]
    print(
        "\nplants whose two themes landed in the same jtbd cluster: "
        + ", ".join(f"{k} {pct(v)}" for k, v in shared.items())
    )
    print("\ngrowing plant by tag, jtbd end to end: top 3 k/n (median recall, purity of its cluster)")
    print(
        ", ".join(
            f"{tag} {e['top3']['k']}/{e['top3']['n']} ({fmt(e['median_recall'])}, {fmt(e['median_purity'])})"
            for tag, e in summary["growing_by_tag"].items()
        )
    )
    print("\nwhat the growing plant's jtbd cluster holds (median shares: " + "/".join(SOURCES) + ")")
    for outcome, shares in summary["jtbd_clusters"]["growing_cluster_composition_by_outcome"].items():
        print(f"  {outcome:<7}" + " / ".join(fmt(shares[source]) for source in SOURCES))
    print("\nthemes (the plant's theme: the one holding most of its statements), share of plants:")
    for variant in THEME_VARIANTS:
        t = summary[f"themes {variant}"]
        j, growing = t["jtbd"], t["plant_clusters"]["growing"]
        print(
            f"  {variant:<22} growing in top 3 {pct(j['growing_top3_by_low'])}, called rising "
            f"{pct(j['growing_called_rising'])}; flat called rising {pct(j['flat_called_rising'])}; fading called "
            f"declining {pct(j['fading_called_declining'])}; median {t['median_themes']} themes, growing theme recall "
            f"{fmt(growing['median_recall'])} purity {fmt(growing['median_purity'])}"
        )
    if summary.get("fdr"):
        print("\nfalse-discovery control across the two levels (Config's themes), share of plants:")
        print(
            "| method | level | growing called rising | flat called rising | fading called declining "
            "| called rising / declining (median of n) |"
        )
        print("|---|---|---:|---:|---:|---:|")
        for method, by_level in summary["fdr"].items():
            for level, e in by_level.items():
                print(
                    f"| {method} | {level}s | {pct(e['growing_called_rising'])} | {pct(e['flat_called_rising'])} | "
                    f"{pct(e['fading_called_declining'])} | {fmt(e['median_called_rising'])} / "
                    f"{fmt(e['median_called_declining'])} (of {fmt(e['median_of'])}) |"
                )
    for setting, title in SETTINGS.items():
        print(f"\nplant clusters, {title} (median over plants):")
        print(f"{'role':<10}{'recall':>8}{'purity':>8}{'noise':>8}{'clusters':>10}{'rate/yr':>9}{'rank(low)':>11}")
        for role, e in summary[setting]["plant_clusters"].items():
            print(
                f"{role:<10}{fmt(e['median_recall']):>8}{fmt(e['median_purity']):>8}{fmt(e['median_noise_share']):>8}"
                f"{fmt(e['median_mostly_plant_clusters']):>10}{fmt(e['median_rate']):>9}"
                f"{fmt(e['median_rank_by_low']):>11}"
            )


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def progress_line(p: dict[str, Any]) -> str:
    parts = [f"plant {p['plant']:>2} {p['window']} {p['n_statements']:,} st {p['seconds']:.0f}s"]
    for role in ROLES:
        e, o, tag = p["jtbd_clusters"][role], p["oracle_clusters"][role], p["plants"][role]["tag"]
        parts.append(
            f"{role} {tag}: {e.get('trend', '-')} x{fmt(e.get('rate'))} #{e.get('rank_by_low', '-')}"
            f" rec {fmt(e.get('recall'))} / oracle {o.get('trend', '-')} x{fmt(o.get('rate'))} "
            f"#{o.get('rank_by_low', '-')} naive {o.get('naive_trend', '-')} #{o.get('rank_by_slope', '-')}"
        )
    return " | ".join(parts)


def design() -> dict[str, Any]:
    return {
        "hn_pool": f"the era's postings (seeded share, see era); each plant: a {WINDOW}-month window inside the "
        f"era (random end month), {PLANT_FRACTION:.0%} of its postings",
        "planted_docs_per_month": "Poisson(share(month) x HN postings of that month in the plant's subsample); share "
        "linear over the window",
        "shares": {
            "growing": {"start": GROW_START, "end": GROW_END},
            "flat": FLAT_SHARE,
            "fading": {"start": FADE_START, "end": 0.0},
        },
        "planted_doc": "one Startups Stack Exchange question of the tag (not carrying the plant's other two tags), "
        "dated at a random day of its month, with its own fake author; all its extracted statements",
        "background": f"questions carrying no tag of the planted families (with keyword themes, and whose title "
        f"matches no planted theme's regex), a constant share (drawn from {BACKGROUND_SHARE}) of each month's "
        "postings, each with its own fake author",
        "families": FAMILIES,
        "plant_cluster": "the cluster holding the most of the plant's statements (noise excluded)",
        "oracle_clusters": "each plant's statements relabelled as one cluster of its own, all other statements "
        "keeping jtbd's clusters: the ranking stage alone, as if the clusterer kept each theme together",
        "jtbd": "jtbd.clustering.JobClusterer with Config defaults and each statement's voice, label_clusters, "
        "rank_clusters "
        f"(period month, window {WINDOW}): growth of the share of statements, at most MAX_PER_AUTHOR per author, "
        "cluster and month; the headline growth (all documents, or one kind's series where that is a "
        "stronger discovery); top 3 by its interval's lower bound among all clusters (also reported: by point "
        "rate, and by the all-voices series only); "
        "called rising = trend rising|emerging, declining = declining|fading",
        "naive": "same clusters; raw statement counts per month (months without documents absent), ranked by OLS "
        "slope; called rising/declining when the slope's plain t-test p < 0.05 (no exposure, no FDR)",
        "bertrend": "same clusters; BERTrend's popularity (distinct documents per month, added up while the cluster "
        f"appears, decayed by exp(-{DECAY_FACTOR} x months**{DECAY_POWER}) once absent) at the window's last "
        f"month; noise below the {SIGNAL_PERCENTILES[0]}th percentile of all popularities in the window, strong "
        f"signal above the {SIGNAL_PERCENTILES[1]}th, weak signal in between when above the month before; "
        "top 3 by popularity; the table's 'called rising' is called a signal (weak or strong), 'fading called "
        "declining' is called noise",
    }


if __name__ == "__main__":
    sys.exit(main())
