"""Name each cluster: c-TF-IDF keyphrases, its most central normalised job as title, and diverse quotes (MMR).

`CentralJobLabeler` is the label stage. Titles are always one of the cluster's own normalised jobs, never generated
text; how the title rule was chosen and rated blind: docs/method.md, "Titles".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from jtbd.config import Config
from jtbd.safetext import without_bidi_overrides
from jtbd.types import ClusterLabel, Statement

#: Words that say nothing about the job in postings and forum posts alike.
EXTRA_STOP_WORDS = frozenset(
    "help helps helping make build building use using work working looking want need like new way ways best "
    "team company companies startup startups people thing things lot really just get getting good great "
    "www http https com io".split()
)


#: A job that starts with one of these ("be fair equity share") or ends on one ("mention it in contract and")
#: does not read as a job title.
COPULAS = frozenset("be been is are was were am".split())
DANGLING = frozenset(
    "this that it and or etc the a an to of for with in on at by what how why which as around about from into "
    "than like so because if when while where who whose".split()
)


def readable(job: str) -> bool:
    """Whether a normalised job reads as a phrase: starts with a letter, holds no link, stray quote, bracket or
    question mark (pasted links, half-parsed questions), and neither opens on a copula nor ends on a dangling word."""
    words = job.split()
    return (
        bool(words)
        and job[0].isalpha()
        and not any(ch in job for ch in "?[]()\"'")
        and not any(link in job for link in ("http", "www.", "://"))
        and words[0] not in COPULAS
        and words[-1] not in DANGLING
    )


#: What a keyphrase's words are: "ci/cd" is "ci" and "cd", "e-commerce" one word. Jobs are split the same way when
#: they are matched against keyphrases (`keyword_coverage`).
TOKEN_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z0-9+#.-]*[a-zA-Z0-9+#]\b|\b[a-zA-Z]\b"


def ctfidf_keywords(docs_per_cluster: Sequence[str], *, n_keywords: int = Config.n_keywords) -> list[list[str]]:
    """Top uni- and bi-grams per cluster by class-based TF-IDF (BERTopic's c-TF-IDF).

    Each cluster's text is one class document; a term scores by its frequency in the class times
    log(1 + average class length / its frequency over all classes).
    """
    if not docs_per_cluster:
        return []
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS),
        token_pattern=TOKEN_PATTERN,
        min_df=1,
    )
    try:
        counts = vectorizer.fit_transform(docs_per_cluster)
    except ValueError:  # every word was a stop word
        return [[] for _ in docs_per_cluster]
    terms = vectorizer.get_feature_names_out()
    tf = counts.toarray().astype(float)
    tf /= np.maximum(tf.sum(axis=1, keepdims=True), 1.0)
    average_words = counts.sum() / len(docs_per_cluster)
    idf = np.log1p(average_words / np.maximum(counts.sum(axis=0).A1, 1))
    scores = tf * idf
    out = []
    for row in scores:
        # Only the head of the ranking can make the cut; dropping contained unigrams is quadratic in its length.
        top = [terms[i] for i in np.argsort(-row)[: 4 * n_keywords + 20] if row[i] > 0]
        out.append(_drop_contained(top)[:n_keywords])
    return out


def _drop_contained(terms: list[str]) -> list[str]:
    """Drop a unigram once a higher-ranked bigram already contains it ("invoice" after "send invoice")."""
    kept: list[str] = []
    for term in terms:
        if " " not in term and any(term in k.split() for k in kept):
            continue
        kept.append(term)
    return kept


def mmr(vectors: np.ndarray, centroid: np.ndarray, k: int, *, diversity: float = 0.5) -> list[int]:
    """Maximal marginal relevance: rows close to the centroid and unlike those already chosen."""
    if len(vectors) == 0 or k < 1:
        return []
    relevance = vectors @ centroid
    chosen = [int(np.argmax(relevance))]
    while len(chosen) < min(k, len(vectors)):
        redundancy = (vectors @ vectors[chosen].T).max(axis=1)
        score = (1 - diversity) * relevance - diversity * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return chosen


class CentralJobLabeler:
    """The label stage: `n_keywords` keyphrases, a title and up to `max_quotes` quotes per cluster."""

    def __init__(self, n_keywords: int = Config.n_keywords, max_quotes: int = Config.max_quotes) -> None:
        self.n_keywords = n_keywords
        self.max_quotes = max_quotes

    @classmethod
    def from_config(cls, config: Config) -> CentralJobLabeler:
        return cls(config.n_keywords, config.max_quotes)

    def label(
        self,
        statements: Sequence[Statement],
        vectors: np.ndarray,
        labels: np.ndarray,
        *,
        recent: np.ndarray | None = None,
    ) -> dict[int, ClusterLabel]:
        return label_clusters(
            statements, vectors, labels, n_keywords=self.n_keywords, max_quotes=self.max_quotes, recent=recent
        )

    def quotes(
        self,
        statements: Sequence[Statement],
        vectors: np.ndarray,
        labels: np.ndarray,
        *,
        recent: np.ndarray | None = None,
    ) -> dict[int, list[int]]:
        return cluster_quotes(statements, vectors, labels, max_quotes=self.max_quotes, recent=recent)


def label_clusters(
    statements: Sequence[Statement],
    vectors: np.ndarray,
    labels: np.ndarray,
    *,
    n_keywords: int = Config.n_keywords,
    max_quotes: int = Config.max_quotes,
    recent: np.ndarray | None = None,
) -> dict[int, ClusterLabel]:
    """A label for each cluster id in `labels` (noise, -1, gets none). Two clusters never share a title.

    Args:
        vectors: (n_statements, dims) unit vectors aligned with `statements`.
        labels: cluster id per statement, -1 for noise.
        recent: per statement, whether it falls in the growth window. A cluster's quotes come from those when it
            has `max_quotes` distinct ones, so a rising job is quoted as it is said now, not as it was years ago.
    """
    cluster_ids = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    members = {c: np.flatnonzero(labels == c) for c in cluster_ids}
    keywords = ctfidf_keywords(
        [" ".join(statements[int(i)].job for i in members[c]) for c in cluster_ids], n_keywords=n_keywords
    )
    used_titles: set[str] = set()
    out = {}
    for cluster_id, words in zip(cluster_ids, keywords):
        rows = members[cluster_id]
        centroid = _centroid(vectors, rows)
        by_centrality = rows[np.argsort(-(vectors[rows] @ centroid), kind="stable")]
        voices = voices_per_job(statements, by_centrality)
        title = _unique_title(statements, by_centrality, voices, used_titles, words)
        used_titles.add(title)
        quotes = _distinct_quotes(statements, rows, vectors, centroid, max_quotes, recent)
        jobs = representative_jobs(voices)
        out[cluster_id] = ClusterLabel(title=without_bidi_overrides(title), keywords=words, quotes=quotes, jobs=jobs)
    return out


def cluster_quotes(
    statements: Sequence[Statement],
    vectors: np.ndarray,
    labels: np.ndarray,
    *,
    max_quotes: int = Config.max_quotes,
    recent: np.ndarray | None = None,
) -> dict[int, list[int]]:
    """Each cluster's quotes (statement rows), picked as `label_clusters` picks them: for `jtbd report --window`,
    which draws them again from another growth window without labelling again."""
    cluster_ids = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    out = {}
    for cluster_id in cluster_ids:
        rows = np.flatnonzero(labels == cluster_id)
        out[cluster_id] = _distinct_quotes(statements, rows, vectors, _centroid(vectors, rows), max_quotes, recent)
    return out


def _centroid(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    centroid = vectors[rows].mean(axis=0)
    return centroid / (np.linalg.norm(centroid) or 1.0)


def representative_jobs(voices: Counter[str], k: int = 8) -> list[str]:
    """The cluster's distinct normalised jobs (`voices_per_job` over its rows by centrality), those said by the most
    voices first; ties go to the more central one, and jobs that do not read as a phrase come after all that do
    (with most jobs said once, any other tie-break, such as the alphabet, puts "'s dividend how long" first)."""
    centrality = {job: position for position, job in enumerate(voices)}
    return sorted(voices, key=lambda job: (not readable(job), -voices[job], centrality[job]))[:k]


def voices_per_job(statements: Sequence[Statement], rows: np.ndarray) -> Counter[str]:
    """How many distinct voices (author, else document) state each job, in the order the jobs first appear in `rows`:
    a company that reposts its line every month is one voice, as it is for growth and reach, not 36 statements that
    outvote everyone else."""
    voices: dict[str, set[str]] = {}
    for row in rows:
        statement = statements[int(row)]
        job = statement.job.strip()
        if job:
            voices.setdefault(job, set()).add(statement.voice)
    return Counter({job: len(said_by) for job, said_by in voices.items()})


def keyword_coverage(job: str, keywords: list[str]) -> float:
    """How much of the cluster's c-TF-IDF vocabulary a job says, higher-ranked keyphrases weighing more. The job is
    split into words as the keyphrases were, so "manage ci/cd pipelines" says "ci cd"."""
    words = set(re.findall(TOKEN_PATTERN, job.lower()))
    return sum(1.0 / (rank + 1) for rank, phrase in enumerate(keywords) if set(phrase.split()) <= words)


def _unique_title(
    statements: Sequence[Statement], ranked_rows: np.ndarray, said: Counter[str], used: set[str], words: list[str]
) -> str:
    """The central job that best says the cluster's keyphrases briefly: among the 30 most central distinct jobs, the
    one with the most keyphrase coverage per square root of its length, plus 0.3 x log(how many voices say that
    very job); ties go to the more central. A job that reads as a phrase (`readable`) beats any that does not.

    Voices, not statements, and distinct jobs, so that one company's line reposted every month cannot outvote
    everyone; coverage per square root of length, so that the longest specific job does not win over what members
    mostly say ("pay taxes"). Both were preferred by blind raters (docs/method.md, "Titles")."""
    central = list(said)[:30]  # `said`: voices per job, in order of centrality
    candidates = []
    for position, title in enumerate(central):
        if title not in used and 2 <= len(title.split()) <= 12:
            brevity = keyword_coverage(title, words) / math.sqrt(len(title.split()))
            candidates.append((not readable(title), -(brevity + 0.3 * math.log(said[title])), position, title))
    if candidates:
        return min(candidates)[3]
    for row in ranked_rows[:50]:
        title = statements[int(row)].job.strip()
        if title and title not in used:
            return title
    base = statements[int(ranked_rows[0])].job.strip() or " / ".join(words[:3])
    suffix = f" ({', '.join(words[:2])})" if words else ""
    title, n = base + suffix, 2
    while title in used:
        title, n = f"{base}{suffix} #{n}", n + 1
    return title


def _distinct_quotes(
    statements: Sequence[Statement],
    rows: np.ndarray,
    vectors: np.ndarray,
    centroid: np.ndarray,
    k: int,
    recent: np.ndarray | None = None,
) -> list[int]:
    """MMR over the cluster's statements, one quote per distinct text; over its `recent` ones when there are k."""

    def distinct_rows(candidates: np.ndarray) -> np.ndarray:
        seen: dict[str, int] = {}
        for row in candidates:
            seen.setdefault(statements[int(row)].text.strip().lower(), int(row))
        return np.array(sorted(seen.values()), dtype=int)

    distinct = distinct_rows(rows)
    if recent is not None:
        newer = distinct_rows(rows[recent[rows]])
        if len(newer) >= k:
            distinct = newer
    picked = mmr(vectors[distinct], centroid, k)
    return [int(distinct[i]) for i in picked]


def cluster_map(vectors: np.ndarray, labels: np.ndarray) -> dict[int, tuple[float, float]]:
    """2-D positions of cluster centroids for the report's map: the first two principal axes of the centroids,
    scaled to [-1, 1]. Deterministic (SVD signs fixed so the largest loading is positive)."""
    cluster_ids = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    if not cluster_ids:
        return {}
    centroids = np.stack([vectors[labels == c].mean(axis=0) for c in cluster_ids])
    centred = centroids - centroids.mean(axis=0)
    if len(cluster_ids) < 3:
        return {c: (float(i), 0.0) for i, c in enumerate(cluster_ids)}
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:2] * np.sign(axes[:2, np.argmax(np.abs(axes[:2]), axis=1)][np.arange(2), np.arange(2)])[:, None]
    xy = centred @ axes.T
    xy /= np.maximum(np.abs(xy).max(axis=0), 1e-12)
    return {c: (round(float(x), 4), round(float(y), 4)) for c, (x, y) in zip(cluster_ids, xy)}
