"""Plain frozen records passed between the stages.

Arrays that travel beside a list (embeddings, cluster labels) are aligned with it: row *i* belongs to item *i*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

DocKind = Literal["posting", "discussion"]
StatementKind = Literal[
    "need",
    "pain",
    "search",
    "workaround",
    "question",
    "request",  # a feature or a change asked for: "please add X", "support for Y would be great"
    "failure",  # a failure report: the job is what the person was trying to do when it broke
    "offering",
    "role_work",
    "sentence",
    "document",
]

#: Statement kinds that say someone feels a need (the pain share of the score). A plain question is demand too, but
#: not pain: in a Q&A forum nearly every statement is one, and the part would then tell no cluster from another.
PAIN_KINDS = frozenset({"need", "pain", "search", "workaround", "request", "failure"})
#: Statement kinds that say someone already sells or staffs the job.
SUPPLY_KINDS = frozenset({"offering", "role_work"})


@dataclass(frozen=True)
class Document:
    """One text as written by one author: a job posting, a comment, a question."""

    id: str
    source: str
    kind: DocKind
    text: str
    created_at: datetime | None = None  # always UTC when set
    author: str | None = None
    url: str | None = None
    parent_id: str | None = None
    title: str | None = None  # also the first line of `text` when set


@dataclass(frozen=True)
class IngestReport:
    """What ingestion read, and what it had to skip or repair (each warning names file:line)."""

    documents: list[Document]
    n_files: int
    n_skipped: int = 0  # malformed records left out
    n_replaced_bytes: int = 0  # undecodable bytes replaced by U+FFFD
    n_undated: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Statement:
    """A span of a document that says what someone is trying to get done.

    `start`/`end` are character offsets into the document's text, so `doc.text[start:end] == text`.
    """

    doc_id: str
    text: str
    start: int
    end: int
    kind: StatementKind
    cue: str  # the rule or phrase that fired, e.g. "i wish", "we help", "title?"
    job: str  # normalised job: verb + object + context, lemmatised
    doc_kind: DocKind
    created_at: datetime | None
    author: str | None
    url: str | None
    doc_title: str | None = None  # the document's title, where it has one: what a link to it reads

    @property
    def voice(self) -> str:
        """Who said it, for counting voices: the author, else the document (a company reposting its line every
        month is one voice, not one per posting)."""
        return self.author or self.doc_id

    @property
    def embedding_text(self) -> str:
        """What gets embedded: the normalised job, which groups different wordings of one job, unless it is too
        short to carry meaning alone (or the unit is a whole sentence or document); then the statement's words."""
        if self.kind not in ("sentence", "document") and len(self.job.split()) >= 3:
            return self.job
        return self.text


@dataclass(frozen=True)
class Extraction:
    """What the extractor found, and how much of it was new work."""

    statements: list[Statement]  # in document order
    n_candidates: int  # sentences the extractor considered
    n_parsed: int  # of them, parsed now (the rest came from the cache)


@dataclass(frozen=True)
class ClusterLabel:
    """Human-readable description of one cluster."""

    title: str
    keywords: list[str]
    quotes: list[int]  # indices into the statement list, most representative first
    jobs: list[str] = field(default_factory=list)  # distinct normalised jobs, most said (then most central) first


@dataclass(frozen=True)
class PeriodCount:
    period: str  # "2024-03", "2024-W11", "2024-Q1"
    count: int  # statements of the cluster
    total: int  # counted statements of every cluster and noise in that period (the exposure of the growth fit)
    n_authors: int  # distinct authors of the cluster
    counted: int  # the cluster's statements, at most rank.MAX_PER_AUTHOR per author: the count the growth fit uses

    @property
    def share(self) -> float:
        """Share of what was said in the period (counted statements) that stated this job, to 6 places as reported."""
        return round(self.counted / self.total, 6) if self.total else 0.0


@dataclass(frozen=True)
class Growth:
    """Yearly growth of a cluster's share of statements, from a Poisson fit with the period total as exposure.

    `rate` is the multiplicative change per year (1.0 = flat, 2.0 = doubles each year); `low`/`high` bound the 95%
    interval. `None` when there are too few dated periods to fit.
    """

    rate: float | None
    low: float | None
    high: float | None
    p_value: float | None
    n_periods: int
    trend: str  # emerging | rising | stable | declining | fading | unknown
    q_value: float | None = None  # p-value after Benjamini-Hochberg across all fits (clusters x series) of the run
    momentum: float | None = None  # last quarter's share over the window's baseline, shrunk toward 1 when small
    among: str = "all"  # whose voices the fit counts: "all", or one source kind ("discussion", "posting")


@dataclass(frozen=True)
class RankedCluster:
    id: int
    rank: int
    label: ClusterLabel
    members: list[int]  # indices into the statement list
    size: int
    n_authors: int
    n_docs: int
    growth: Growth
    score: float
    score_parts: dict[str, float]
    series: list[PeriodCount]
    kind_counts: dict[str, int]
    #: Every series fitted, "all" and each source kind, when the corpus mixes kinds (empty otherwise); `growth` is
    #: the one whose growth is surest (`rank._headline`).
    growth_by_kind: dict[str, Growth] = field(default_factory=dict)
