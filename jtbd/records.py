"""What an output folder holds, typed: clusters.json and run.json are written from these records and read back
into them, so `jtbd report` and `jtbd show` work on the same objects a run made.

`Results` is clusters.json: the run (`RunRecord`, also run.json) and its clusters (`ClusterRecord`) in rank order.
Each record's `to_json` gives the documented schema (README, "Output"), key for key; `from_json` checks it enough
to render from and names the file when it cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from jtbd.config import Config
from jtbd.errors import JtbdError
from jtbd.types import Growth, PeriodCount, RankedCluster, Statement

#: A cluster whose best match in re-clustered subsamples has a Jaccard below this is flagged as unstable.
UNSTABLE_BELOW = 0.5


@dataclass(frozen=True)
class Quote:
    """A statement quoted in the report, with where it was said (`start`/`end`: offsets in its document)."""

    text: str
    job: str
    kind: str
    doc_id: str
    url: str | None = None
    start: int | None = None
    end: int | None = None
    created_at: datetime | None = None
    title: str | None = None  # the document's title: what a link to it reads
    doc_kind: str | None = None  # posting, discussion, ...

    @classmethod
    def from_statement(cls, s: Statement) -> Quote:
        return cls(s.text, s.job, s.kind, s.doc_id, s.url, s.start, s.end, s.created_at, s.doc_title, s.doc_kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "job": self.job,
            "kind": self.kind,
            "doc_id": self.doc_id,
            "url": self.url,
            "start": self.start,
            "end": self.end,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "title": self.title,
            "doc_kind": self.doc_kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quote:
        created = data.get("created_at")
        return cls(
            str(data["text"]),
            str(data.get("job") or ""),
            str(data.get("kind") or ""),
            str(data["doc_id"]),
            data.get("url"),
            data.get("start"),
            data.get("end"),
            datetime.fromisoformat(created) if created else None,
            data.get("title"),
            data.get("doc_kind"),
        )


def growth_to_json(growth: Growth) -> dict[str, Any]:
    return {
        "rate": growth.rate,
        "low": growth.low,
        "high": growth.high,
        "per": "year",
        "p_value": growth.p_value,
        "q_value": growth.q_value,
        "trend": growth.trend,
        "momentum": growth.momentum,
        "n_periods": growth.n_periods,
        "among": growth.among,
    }


def growth_from_json(data: dict[str, Any]) -> Growth:
    return Growth(
        data.get("rate"),
        data.get("low"),
        data.get("high"),
        data.get("p_value"),
        int(data.get("n_periods") or 0),
        str(data.get("trend") or "unknown"),
        q_value=data.get("q_value"),
        momentum=data.get("momentum"),
        among=data.get("among") or "all",
    )


def period_to_json(p: PeriodCount, *, counted: bool = True) -> dict[str, Any]:
    out = {"period": p.period, "count": p.count, "total": p.total, "share": p.share, "n_authors": p.n_authors}
    return {**out, "counted": p.counted} if counted else out


def period_from_json(data: dict[str, Any]) -> PeriodCount:
    """A period of a cluster's series. Folders written when growth counted distinct authors have no `counted`:
    their count was the authors (`Results.counting` says so)."""
    n_authors = int(data["n_authors"])
    counted = int(data["counted"]) if "counted" in data else n_authors
    return PeriodCount(str(data["period"]), int(data["count"]), int(data["total"]), n_authors, counted)


@dataclass(frozen=True)
class ClusterRecord:
    """One job as clusters.json describes it."""

    id: int
    rank: int
    label: str
    keywords: list[str]
    size: int
    n_authors: int
    n_docs: int
    growth: Growth
    score: float
    score_parts: dict[str, float]
    series: list[PeriodCount]
    growth_by_kind: dict[str, Growth] = field(default_factory=dict)  # empty when the corpus holds one kind
    map: tuple[float, float] | None = None  # the report's map of jobs
    stability: float | None = None  # mean best-match Jaccard under re-clustering (--stability)
    kinds: dict[str, int] = field(default_factory=dict)
    top_jobs: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    theme: int | None = None  # a job's theme id
    jobs: list[int] = field(default_factory=list)  # a theme's job ids
    #: A reviewer's decision (`jtbd.decisions`): rename, hide (the reason), pin, owner, status; {} when none.
    decision: dict[str, Any] = field(default_factory=dict)

    @property
    def hidden(self) -> bool:
        return bool(self.decision.get("hide"))

    @property
    def pinned(self) -> bool:
        return bool(self.decision.get("pin"))

    @property
    def unstable(self) -> bool:
        return self.stability is not None and self.stability < UNSTABLE_BELOW

    @property
    def side(self) -> str:
        """ "role_work" when most of its statements say what a company pays staff to do, else "customer": what
        customers need, struggle with, look for or buy. The two are ranked apart."""
        return "role_work" if 2 * self.kinds.get("role_work", 0) >= max(self.size, 1) else "customer"

    @classmethod
    def from_ranked(
        cls,
        cluster: RankedCluster,
        statements: Sequence[Statement],
        position: tuple[float, float] | None = None,
        stability: float | None = None,
    ) -> ClusterRecord:
        """The record of a ranked cluster: its quotes and, when the labeler named none, its most said jobs."""
        jobs: dict[str, int] = {}
        for row in cluster.members:
            jobs[statements[row].job] = jobs.get(statements[row].job, 0) + 1
        top_jobs = cluster.label.jobs or [job for job, _ in sorted(jobs.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
        return cls(
            id=cluster.id,
            rank=cluster.rank,
            label=cluster.label.title,
            keywords=cluster.label.keywords,
            size=cluster.size,
            n_authors=cluster.n_authors,
            n_docs=cluster.n_docs,
            growth=cluster.growth,
            score=cluster.score,
            score_parts=cluster.score_parts,
            series=cluster.series,
            growth_by_kind=cluster.growth_by_kind,
            map=position,
            stability=round(stability, 4) if stability is not None else None,
            kinds=cluster.kind_counts,
            top_jobs=top_jobs,
            quotes=[Quote.from_statement(statements[row]) for row in cluster.label.quotes],
        )

    def with_growth_of(self, ranked: RankedCluster) -> ClusterRecord:
        """This record with the growth, series and score parts of `ranked` (the same cluster fitted again)."""
        return replace(
            self,
            growth=ranked.growth,
            growth_by_kind=ranked.growth_by_kind,
            score_parts=ranked.score_parts,
            series=ranked.series,
        )

    def to_json(self, *, counted: bool = True) -> dict[str, Any]:
        """The clusters.json entry; `counted=False` writes a series as folders from before `counted` had it."""
        place = {"jobs": self.jobs} if self.jobs else {"theme": self.theme, "side": self.side}
        return {
            "id": self.id,
            "rank": self.rank,
            "label": self.label,
            "keywords": self.keywords,
            "size": self.size,
            "n_authors": self.n_authors,
            "n_docs": self.n_docs,
            "growth": growth_to_json(self.growth),
            "growth_by_kind": {kind: growth_to_json(g) for kind, g in self.growth_by_kind.items()},
            "map": {"x": self.map[0], "y": self.map[1]} if self.map else None,
            "stability": self.stability,
            "unstable": self.unstable,
            "score": self.score,
            "score_parts": self.score_parts,
            "kinds": self.kinds,
            "top_jobs": self.top_jobs,
            "series": [period_to_json(p, counted=counted) for p in self.series],
            "quotes": [q.to_json() for q in self.quotes],
            **place,
            **({"decision": self.decision} if self.decision else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClusterRecord:
        position = data.get("map")
        return cls(
            id=int(data["id"]),
            rank=int(data["rank"]),
            label=str(data["label"]),
            keywords=[str(k) for k in data.get("keywords") or []],
            size=int(data["size"]),
            n_authors=int(data["n_authors"]),
            n_docs=int(data["n_docs"]),
            growth=growth_from_json(data["growth"]),
            score=float(data["score"]),
            score_parts={str(k): float(v) for k, v in (data.get("score_parts") or {}).items()},
            series=[period_from_json(p) for p in data.get("series") or []],
            growth_by_kind={k: growth_from_json(g) for k, g in (data.get("growth_by_kind") or {}).items()},
            map=(float(position["x"]), float(position["y"])) if position else None,
            stability=data.get("stability"),
            kinds={str(k): int(v) for k, v in (data.get("kinds") or {}).items()},
            top_jobs=[str(j) for j in data.get("top_jobs") or []],
            quotes=[Quote.from_json(q) for q in data.get("quotes") or []],
            theme=data.get("theme"),
            jobs=[int(j) for j in data.get("jobs") or []],
            decision=dict(data.get("decision") or {}),
        )


#: run.json's counts, in the order they are written.
COUNT_NAMES = (
    "files documents documents_read skipped_records replaced_bytes undated_documents statements sentences_parsed_new "
    "texts_embedded_new texts_distinct clusters themes noise_share noise_share_before_assignment min_cluster_size "
    "few_voice_clusters_dissolved stability_mean_ari"
).split()


@dataclass(frozen=True)
class RunRecord:
    """How a run was made and what it counted: run.json, and the "run" of clusters.json."""

    config: Config = field(default_factory=Config)
    corpus: str = ""
    corpus_name: str = "corpus"
    out_dir: str = ""
    started_at: str = ""
    home: str = ""  # the home folder (cache, history) the run used; recorded inside "config"
    seed: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)  # COUNT_NAMES
    score_weights: dict[str, float] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stages: dict[str, str] | None = None  # stage objects passed through the API, as repr; None: all from config

    def count(self, name: str) -> Any:
        return self.counts.get(name, 0)

    def to_json(self) -> dict[str, Any]:
        out = {
            "corpus": self.corpus,
            "corpus_name": self.corpus_name,
            "out_dir": self.out_dir,
            "started_at": self.started_at,
            "config": {**self.config.to_dict(), "home": self.home},
            "seed": self.seed,
            "versions": self.versions,
            "models": self.models,
            "counts": self.counts,
            "score_weights": self.score_weights,
            "timings": self.timings,
            "warnings": self.warnings,
            "notes": self.notes,
        }
        if self.stages is not None:
            out["stages"] = self.stages
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], *, where: str = "run.json") -> RunRecord:
        config: dict[str, Any] = data["config"] if isinstance(data.get("config"), dict) else {}
        return cls(
            config=Config.from_dict(config, where=where),
            corpus=str(data.get("corpus", "")),
            corpus_name=str(data.get("corpus_name", "corpus")),
            out_dir=str(data.get("out_dir", "")),
            started_at=str(data.get("started_at", "")),
            home=str(config.get("home", "")),
            seed=data.get("seed"),
            versions=dict(data.get("versions") or {}),
            models=dict(data.get("models") or {}),
            counts=dict(data.get("counts") or {}),
            score_weights=data.get("score_weights"),
            timings=dict(data.get("timings") or {}),
            warnings=list(data.get("warnings") or []),
            notes=list(data.get("notes") or []),
            stages=data.get("stages"),
        )


@dataclass(frozen=True)
class Results:
    """A run's results: clusters.json."""

    run: RunRecord
    clusters: list[ClusterRecord]
    themes: list[ClusterRecord] = field(default_factory=list)  # in rank order; each holds whole jobs
    #: What a period's growth count is: "statements" (at most `periods.MAX_PER_AUTHOR` per author), or "voices"
    #: (distinct authors) in folders written before jtbd counted statements; their files keep that form.
    counting: str = "statements"
    #: Every statement of each job (cluster id -> statements, newest first), from assignments.csv: what report.html
    #: opens each job onto. Not part of clusters.json; empty where the reporter was given clusters.json alone.
    members: dict[int, list[Quote]] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        counted = self.counting == "statements"
        return {
            "run": self.run.to_json(),
            "themes": [t.to_json(counted=counted) for t in self.themes],
            "clusters": [c.to_json(counted=counted) for c in self.clusters],
        }

    @classmethod
    def from_json(cls, data: Any, *, where: str = "clusters.json") -> Results:
        if not isinstance(data, dict) or not isinstance(data.get("clusters"), list) or "run" not in data:
            raise JtbdError(f"'{where}' has no 'run' and 'clusters'. Run `jtbd cluster` again to rewrite it.")
        read: dict[str, list[ClusterRecord]] = {"clusters": [], "themes": []}
        for key, records in read.items():
            for n, item in enumerate(data.get(key) or []):
                try:
                    records.append(ClusterRecord.from_json(item))
                except (KeyError, TypeError, ValueError, AttributeError) as error:
                    what = f"has no field {error}" if isinstance(error, KeyError) else f"cannot be read ({error})"
                    name = f"id {item['id']}" if isinstance(item, dict) and "id" in item else f"number {n + 1}"
                    raise JtbdError(
                        f"'{where}': the {key[:-1]} with {name} {what}. Run `jtbd cluster` again to rewrite it."
                    ) from error
        clusters, themes = read["clusters"], read["themes"]
        run = data["run"] if isinstance(data["run"], dict) else {}
        series = [p for c in data["clusters"][:1] for p in c.get("series") or []]
        counting = "voices" if series and "counted" not in series[0] else "statements"
        return cls(RunRecord.from_json(run, where=where), clusters, themes, counting)

    def at_rank(self, rank: int) -> ClusterRecord:
        """The job ranked `rank` (the report's #N), or an error that says how many there are."""
        for c in self.clusters:
            if c.rank == rank:
                return c
        raise JtbdError(
            f"No job ranked #{rank} in this run: it ranks {len(self.clusters)} jobs, #1 to #{len(self.clusters)}. "
            "Pass --id to look a job up by its cluster id."
            if self.clusters
            else f"No job ranked #{rank}: the run found no clusters."
        )

    def find(self, cluster_id: int) -> ClusterRecord:
        """The cluster with this id, or an error that lists the ids there are."""
        for c in self.clusters:
            if c.id == cluster_id:
                return c
        ids = sorted(c.id for c in self.clusters)
        known = ", ".join(map(str, ids)) if len(ids) <= 12 else f"{ids[0]} to {ids[-1]}"
        known = known or "none (the run found no clusters)"
        raise JtbdError(f"No cluster with id {cluster_id} in this run. Ids: {known} (the report's 'cluster N').")


def members_of(statements: Sequence[Statement], labels: np.ndarray) -> dict[int, list[Quote]]:
    """Every clustered statement as a Quote, by cluster id, newest first (undated last): `Results.members`."""
    out: dict[int, list[Quote]] = {}
    for statement, label in zip(statements, labels.tolist()):
        if label >= 0:
            out.setdefault(int(label), []).append(Quote.from_statement(statement))
    oldest = datetime.min.replace(tzinfo=UTC)
    for quotes in out.values():
        quotes.sort(key=lambda q: q.created_at or oldest, reverse=True)
    return out
