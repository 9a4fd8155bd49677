"""Find job statements in documents: spans that say what someone is trying to get done.

`StatementExtractor` is the extract stage. Cheap work first: split blocks and sentences with rules, drop posting
boilerplate, keep sentences whose cue (wish, need, search, struggle, workaround, pitch, role; `cues.py`) fires,
and run spaCy's parser only on those candidates to write the job in jobs-to-be-done form (`normalise.py`).
`SentenceExtractor` and `DocumentExtractor` cluster whole sentences or documents instead, for comparison.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import multiprocessing
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from jtbd import store
from jtbd.config import Config
from jtbd.cues import BOILERPLATE_ANY, BOILERPLATE_POSTING, CUES, Cue, english_enough
from jtbd.detect import StatementDetector, Unit, load_detector
from jtbd.errors import ConfigError
from jtbd.normalise import LEMMA, is_recruiting_talk, is_vague, normalise_job
from jtbd.stages import Extractor, ProgressFn
from jtbd.types import Document, Extraction, Statement, StatementKind

if TYPE_CHECKING:
    from jtbd.distributed import RayEngine

#: Sentences shorter or longer than this (in characters) carry no usable job.
MIN_CHARS, MAX_CHARS = 12, 400
#: "Why is X necessary?" asks for a reason, not for a way to get something done.
WHY_QUESTION = re.compile(r"\W*why\b", re.IGNORECASE)
#: A forum's label in front of a title ("Ask HN:", "Show HN -", "[SMT]", "IWTL"): its verb is not the job's.
TITLE_LABEL = re.compile(r"\s*(?:(?:ask|show|tell|launch)\s+hn|\[[a-z]{2,6}\]|iwtl|smt)\b\s*[:\-–—]?\s*", re.IGNORECASE)


def _after_label(doc: Document, start: int, cue_end: int) -> int:
    """Where the job's verb may start: after the cue, and after a forum's label at the start of the unit."""
    label = TITLE_LABEL.match(doc.text, start)
    return max(cue_end, label.end()) if label else cue_end


@dataclass(frozen=True)
class Candidate:
    doc: Document
    start: int
    end: int
    kind: StatementKind
    cue: str
    cue_end: int  # offset in the document where the cue's match ends


@cache
def load_parser() -> Any:
    """en_core_web_sm with the parser and tagger (no NER), loaded once and verified by sha256. Its lemmatizer is
    out of the pipe and asked token by token instead (`normalise.lemma`): a job needs the lemmas of a few verbs,
    and lemmatising every token was 28% of the parse (1,837 HN sentences: 10.7 s with it in the pipe, 7.7 s
    without)."""
    import spacy
    from spacy.pipeline import Lemmatizer
    from spacy.tokens import Token

    from jtbd.models import verified_model_dir

    nlp = spacy.load(verified_model_dir("en_core_web_sm", "spacy"), exclude=["ner", "senter"], disable=["lemmatizer"])
    lemmatize = cast(Lemmatizer, nlp.get_pipe("lemmatizer")).lemmatize
    # As the lemmatizer in the pipe would: a lemma the attribute ruler set stays, any other is the lemmatizer's.
    Token.set_extension(LEMMA, getter=lambda token: token.lemma_ if token.lemma else lemmatize(token)[0], force=True)
    return nlp


#: A sentence ends at . ! ? (plus closing quotes or brackets) before whitespace and a capital, digit or quote.
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]”’]*\s+(?=[\"'(\[“‘]?[A-Z0-9])")
#: Words whose trailing period does not end a sentence.
ABBREVIATIONS = frozenset("e.g i.e etc vs mr mrs ms dr st inc ltd co corp jr sr no approx u.s u.k".split())


def split_sentences(doc: Document) -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets of sentences; lines and paragraphs end a sentence, unless a line is only wrapped
    (`_blocks`).

    Plain rules, not spaCy: splitting every sentence of a corpus is the hot path, and the parser later sees only
    the few sentences that carry a cue.
    """
    text = doc.text
    for block_start, block_end in _blocks(text):
        start = block_start
        for boundary in SENTENCE_END.finditer(text, block_start, block_end):
            last_word = (
                text[start : boundary.start()].rsplit(None, 1)[-1].rstrip(".").lower()
                if start < boundary.start()
                else ""
            )
            if last_word in ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                continue  # "e.g. Foo", "J. Smith"
            yield from _trimmed(text, start, boundary.start())
            start = boundary.end()
        yield from _trimmed(text, start, block_end)


#: Hard-wrapped prose (proposals, mailing lists, some issues) cuts every sentence at column 72 or so. A document is
#: taken as hard-wrapped when nine in ten of its lines of WRAPPED_LINE characters or more are at most WRAP_WIDTH long;
#: then a line of prose that ends without a stop, followed at once by one that goes on in lower case, was wrapped.
WRAPPED_LINE, WRAP_WIDTH = 40, 100
CONTINUES = re.compile(r"[a-z(](?!ttps?://|ww\.)")


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line, with wrapped lines joined to the one they continue."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    if not _hard_wrapped([text[a:b] for a, b in lines]):
        yield from lines
        return
    block: tuple[int, int] | None = None
    last = ""  # the block's last line
    for start, end in lines:
        if block is not None:
            wrapped = (
                start == block[1] + 1  # no blank line between
                and len(last.strip()) >= WRAPPED_LINE
                and not last[:1].isspace()  # indented: code or a quote
                and last.count(" ") >= 3  # words, not a link or a path
                and (last.rstrip()[-1].isalnum() or last.rstrip()[-1] in ",-'\"`*_")  # not a stop, nor code's ) ] {
                and CONTINUES.match(text, start) is not None
            )
            if wrapped:
                block, last = (block[0], end), text[start:end]
                continue
            yield block
        block, last = (start, end), text[start:end]
    if block is not None:
        yield block


def _hard_wrapped(lines: list[str]) -> bool:
    long = sorted(len(line.rstrip()) for line in lines if len(line.rstrip()) >= WRAPPED_LINE)
    return len(long) >= 3 and long[int(0.9 * (len(long) - 1))] <= WRAP_WIDTH


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def is_boilerplate(sentence: str, doc_kind: str = "posting") -> bool:
    """E-mails and bare links anywhere; in postings also header lines, location/salary/visa/contact/benefit/EEO
    lines and tech-stack lists."""
    if any(pattern.search(sentence) for pattern in BOILERPLATE_ANY):
        return True
    if doc_kind != "posting":
        return False
    if sentence.count("|") >= 2 or sentence.count("•") >= 2:
        return True
    if any(pattern.search(sentence) for pattern in BOILERPLATE_POSTING):
        return True
    words = sentence.split()
    commas = sentence.count(",")
    # "Python, Go, Kubernetes, Postgres, React": many commas, few lowercase function words.
    return commas >= 4 and commas >= len(words) / 4


def find_cue(sentence: str, doc_kind: str, *, is_reply: bool = False) -> tuple[Cue, int] | None:
    """The first cue that fires on the sentence, and where its match ends (the job's verb is looked for after it)."""
    for cue in CUES:
        if cue.doc_kind in (None, doc_kind) and not (is_reply and cue.top_level_only):
            match = cue.search(sentence)
            if match:
                return cue, match.end()
    return None


def find_candidates(doc: Document) -> Iterator[Candidate]:
    """Cue-bearing, non-boilerplate sentences of one document; a question title always counts."""
    if not doc.text.strip() or not english_enough(doc.text):
        return
    title_end = len(doc.title) if doc.title and doc.text.startswith(doc.title) else 0
    if title_end and not WHY_QUESTION.match(doc.title or ""):
        found = find_cue(doc.title or "", doc.kind)
        kind: StatementKind = found[0].kind if found else "question"
        yield Candidate(doc, 0, title_end, kind, found[0].name if found else "title", _after_label(doc, 0, 0))
    for start, end in split_sentences(doc):
        if start < title_end or not (MIN_CHARS <= end - start <= MAX_CHARS):
            continue
        sentence = doc.text[start:end]
        if is_boilerplate(sentence, doc.kind):
            continue
        found = find_cue(sentence, doc.kind, is_reply=doc.parent_id is not None)
        if found is None:
            continue
        cue, cue_end = found
        yield Candidate(doc, start, end, cue.kind, cue.name, start + cue_end)


class JobCache:
    """What extraction found, in the DuckDB store beside the embeddings, so a re-run (another --since, --resolution
    or --model) repeats none of it: each document's candidate sentences (the cue rules' regexes were half of a warm
    run) and the normalised job of each parsed candidate (the parser is the slowest stage of a cold run). A key
    covers everything its value depends on: for candidates, the document's text, title and kind, whether it is a
    reply, and the code of this file and of the cue rules; for jobs, the sentence, where its cue ends, whether it is
    a title or a bullet's verb, the code of this file and of the job rules, and the parser's sha256."""

    def __init__(self, path: Path) -> None:
        self.candidates = store.TextTable(path, "found_candidates", "spans")  # values: `_encode_spans`
        self.jobs = store.TextTable(path, "parsed_jobs", "job")


@cache
def _parse_version() -> str:
    """Changes whenever the parse could: the job rules' code (`normalise.py`), this module's, or the parser."""
    from jtbd import normalise
    from jtbd.models import get_spec

    code = Path(normalise.__file__).read_bytes() + Path(__file__).read_bytes()
    return hashlib.sha1(code + get_spec("en_core_web_sm", "spacy").sha256.encode()).hexdigest()[:16]


@cache
def _find_version() -> str:
    """Changes whenever the candidates could: this module's code (sentence splitting, boilerplate, limits) or the
    cue rules'."""
    from jtbd import cues

    return hashlib.sha1(Path(__file__).read_bytes() + Path(cues.__file__).read_bytes()).hexdigest()[:16]


def _document_key(doc: Document, detector: str = "rules") -> str:
    """The candidates' cache key: the code that finds them, the detector's weights, and the document."""
    head = f"{_find_version()}\x00{detector}\x00{doc.kind}\x00{doc.parent_id is not None:d}"
    raw = f"{head}\x00{doc.title or ''}\x00{doc.text}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def _encode_spans(candidates: Sequence[Candidate]) -> str:
    return json.dumps([[c.start, c.end, c.kind, c.cue, c.cue_end] for c in candidates], separators=(",", ":"))


def _decode_spans(doc: Document, spans: str) -> list[Candidate]:
    return [Candidate(doc, start, end, kind, cue, cue_end) for start, end, kind, cue, cue_end in json.loads(spans)]


def units_of(doc: Document) -> list[tuple[int, int, bool]]:
    """(start, end, is_title) of every unit the detector judges: the title, then each sentence of at most MAX_CHARS
    with a letter in it. A document that is not English enough has none."""
    if not doc.text.strip() or not english_enough(doc.text):
        return []
    title_end = len(doc.title) if doc.title and doc.text.startswith(doc.title) else 0
    out = [(0, title_end, True)] if title_end else []
    for start, end in split_sentences(doc):
        if start >= title_end and end - start <= MAX_CHARS and any(c.isalpha() for c in doc.text[start:end]):
            out.append((start, end, False))
    return out


def detect_candidates(documents: Sequence[Document], detector: StatementDetector) -> list[list[Candidate]]:
    """Each document's candidates: those of the cue rules (`find_candidates`, with the cue's kind), and every other
    unit `detector` takes for a job statement, with the kind it gives. Out of source, the two together found more
    of the labelled statements than either alone at about the model's precision (docs/benchmarks.md,
    "Extraction"). A model candidate keeps where a cue, if any, ends (the job's verb is looked for after it); a
    title keeps the cue "title" (a question title with no verb of its own stands whole as its job)."""
    by_rules = [list(find_candidates(doc)) for doc in documents]
    spans = [units_of(doc) for doc in documents]
    units = [
        Unit(doc.text[start:end], is_title, doc.kind, doc.parent_id is not None)
        for doc, doc_spans in zip(documents, spans)
        for start, end, is_title in doc_spans
    ]
    taken = detector.detect(units)
    kinds = iter(detector.kinds([u for u, keep in zip(units, taken) if keep]))
    out: list[list[Candidate]] = []
    row = 0
    for doc, doc_spans, ruled in zip(documents, spans, by_rules):
        found, seen = list(ruled), {(c.start, c.end) for c in ruled}
        for start, end, is_title in doc_spans:
            if taken[row]:
                kind = next(kinds)
                if (start, end) not in seen:
                    cue = find_cue(doc.text[start:end], doc.kind, is_reply=doc.parent_id is not None)
                    name = "title" if is_title else cue[0].name if cue else "model"
                    cue_end = _after_label(doc, start, start + cue[1] if cue else start)
                    found.append(Candidate(doc, start, end, kind, name, cue_end))
            row += 1
        out.append(sorted(found, key=lambda c: c.start))
    return out


def find_all_candidates(
    documents: Sequence[Document],
    job_cache: JobCache | None = None,
    detector: StatementDetector | None = None,
    engine: RayEngine | None = None,
) -> list[Candidate]:
    """The candidates of every document, in order: by the cue rules (`find_candidates`), or with a `detector`, the
    units it takes (`detect_candidates`). A document is looked at once however often it occurs (a company's posting
    repeated month after month), and with a `job_cache`, only if never seen before. With an `engine`, its workers
    look, SAVE_EVERY documents a batch (`jtbd.distributed`); else, for many documents, one process per core."""
    version = detector.version if detector else "rules"
    keys = [_document_key(doc, version) for doc in documents]
    known = job_cache.candidates.get(keys) if job_cache else {}
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in known:
            first.setdefault(key, i)
    fresh = list(first.values())
    finder = partial(_span_finder, detector)
    block_size = SAVE_EVERY * (engine.workers if engine else 1)
    for start in range(0, len(fresh), block_size):  # saved block by block: a killed run resumes where it stopped
        docs = [documents[i] for i in fresh[start : start + block_size]]
        if engine is not None:
            found = dict(engine.map(finder, docs, SAVE_EVERY))
            spans = [encoded for offset in sorted(found) for encoded in found[offset]]
        else:
            spans = map_in_processes(finder, docs, FIND_BATCH, parse_processes(len(fresh)))
        new = {keys[fresh[start + n]]: encoded for n, encoded in enumerate(spans)}
        if job_cache is not None:
            job_cache.candidates.put(new)
        known.update(new)
    return [c for doc, key in zip(documents, keys) for c in _decode_spans(doc, known[key])]


#: Documents one process looks at a time when candidates are found in several (`map_in_processes`).
FIND_BATCH = 500

_WORKER: list[Callable[[Any], Any]] = []


def _start_worker(make: Callable[[], Callable[[Any], Any]]) -> None:
    _WORKER[:] = [make()]


def _run_worker(batch: list[Any]) -> Any:
    return _WORKER[0](batch)


def map_in_processes(
    make: Callable[[], Callable[[list[Any]], list[Any]]], items: Sequence[Any], batch_size: int, processes: int
) -> list[Any]:
    """`make()(batch)` over `items` in batches of `batch_size`, results in order, in `processes` forked processes
    (each calls `make` once), or here when one is asked for or fork is not Linux's. Finding candidates is pure
    Python, held to one core by the GIL, so processes and not threads (docs/method.md, "Cost and alternatives")."""
    if processes <= 1 or sys.platform != "linux" or len(items) <= batch_size:
        return make()(list(items))
    end_parser_processes_with_jtbd()
    batches = [list(items[start : start + batch_size]) for start in range(0, len(items), batch_size)]
    with multiprocessing.get_context("fork").Pool(processes, _start_worker, (make,)) as pool:
        return [result for part in pool.imap(_run_worker, batches) for result in part]


def _span_finder(detector: StatementDetector | None) -> Callable[[list[Document]], list[str]]:
    """On a worker: what finds each document's candidates, encoded (`_encode_spans`), as `find_all_candidates`
    does in this process."""

    def find(docs: list[Document]) -> list[str]:
        found = [list(find_candidates(doc)) for doc in docs] if detector is None else detect_candidates(docs, detector)
        return [_encode_spans(candidates) for candidates in found]

    return find


def _cue_is_verb(candidate: Candidate) -> bool:
    """Whether the candidate's cue is its first word, a verb (`normalise_job`'s `cue_is_verb`)."""
    return candidate.cue == "bullet verb"


def _cache_key(candidate: Candidate) -> str:
    text = candidate.doc.text[candidate.start : candidate.end]
    is_title, cue_is_verb = candidate.cue == "title", _cue_is_verb(candidate)
    raw = f"{_parse_version()}\x00{candidate.cue_end - candidate.start}\x00{is_title:d}{cue_is_verb:d}\x00{text}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


class StatementExtractor:
    """The extract stage: the sentences and titles that state a job, each written as a normalised job.

    `detector`: "learned" (the shipped statement model, `jtbd.detect`), "rules" (the cue rules alone), or a
    `StatementDetector` of your own. With a `cache` (the home folder's cache.duckdb), only documents never seen before
    are looked at, and only sentences never parsed before go through spaCy (`JobCache`).
    """

    def __init__(
        self, cache: Path | None = None, *, detector: str | StatementDetector = Config.detector, batch_size: int = 256
    ) -> None:
        self.cache = cache
        self.detector = detector
        self.batch_size = batch_size
        self.engine: RayEngine | None = None  # set by the pipeline with --ray

    def extract(self, documents: Sequence[Document], *, progress: ProgressFn | None = None) -> Extraction:
        return extract_statements(
            documents,
            progress=progress,
            batch_size=self.batch_size,
            job_cache=JobCache(self.cache) if self.cache else None,
            detector=resolve_detector(self.detector),
            engine=self.engine,
        )


#: The detectors `Config.detector` names: the statement model, or the cue rules alone (None).
DETECTORS = ("learned", "rules")


def resolve_detector(detector: str | StatementDetector) -> StatementDetector | None:
    if isinstance(detector, StatementDetector):
        return detector
    if detector not in DETECTORS:
        raise ConfigError(f"detector must be one of {', '.join(DETECTORS)}. Got {detector!r}.")
    return load_detector() if detector == "learned" else None


class SentenceExtractor:
    """Every non-boilerplate sentence as a statement: the baseline that measures what statement extraction adds."""

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache  # unused: nothing to parse, nothing to cache

    def extract(self, documents: Sequence[Document], *, progress: ProgressFn | None = None) -> Extraction:
        out = []
        for doc in documents:
            for start, end in split_sentences(doc):
                sentence = doc.text[start:end]
                if MIN_CHARS <= len(sentence) <= MAX_CHARS and not is_boilerplate(sentence, doc.kind):
                    out.append(_statement(doc, start, end, "sentence", "sentence", sentence))
        return Extraction(out, len(out), 0)


class DocumentExtractor:
    """Each whole document as one statement, as topic models cluster them."""

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache  # unused: nothing to parse, nothing to cache

    def extract(self, documents: Sequence[Document], *, progress: ProgressFn | None = None) -> Extraction:
        whole = [
            _statement(doc, 0, len(doc.text), "document", "document", doc.text[:300])
            for doc in documents
            if doc.text.strip()
        ]
        return Extraction(whole, len(whole), 0)


#: The extractors `Config.unit` names; each takes the cache path.
EXTRACTORS: dict[str, Callable[[Path | None], Extractor]] = {
    "statement": StatementExtractor,
    "sentence": SentenceExtractor,
    "document": DocumentExtractor,
}


def extract_statements(
    documents: Sequence[Document],
    *,
    progress: ProgressFn | None = None,
    batch_size: int = 256,
    job_cache: JobCache | None = None,
    detector: StatementDetector | None = None,
    engine: RayEngine | None = None,
) -> Extraction:
    """Job statements of all documents, in document order, and how many sentences were candidates and parsed now.
    Candidates come from the cue rules, or with a `detector` from the statement model. A sentence is parsed once
    however often it occurs (in HN postings, 36,320 distinct of 66,033 candidates), and with a `job_cache` only if
    never parsed before. With an `engine`, the candidates are found and parsed by its workers
    (`jtbd.distributed`)."""
    candidates = find_all_candidates(documents, job_cache, detector, engine)
    keys = [_cache_key(c) for c in candidates]
    jobs = job_cache.jobs.get(keys) if job_cache else {}
    first: dict[str, int] = {}  # each sentence never parsed before, once however often it occurs
    for i, key in enumerate(keys):
        if key not in jobs:
            first.setdefault(key, i)
    fresh = list(first.values())

    def save(offset: int, part: list[str]) -> None:
        new = {keys[fresh[offset + n]]: job for n, job in enumerate(part)}
        if job_cache is not None:
            job_cache.jobs.put(new)
        jobs.update(new)

    _parse_jobs([candidates[i] for i in fresh], progress=progress, batch_size=batch_size, save=save, engine=engine)
    all_jobs = [jobs[key] for key in keys]
    statements = [
        _statement(c.doc, c.start, c.end, c.kind, c.cue, job)
        for c, job in zip(candidates, all_jobs)
        if job and not is_vague(job) and not (c.doc.kind == "posting" and is_recruiting_talk(job))
    ]
    return Extraction(statements, len(candidates), len(fresh))


#: Documents looked at, and sentences parsed, between two writes to the cache: a killed run keeps what it finished.
SAVE_EVERY = 5000

#: Below this many sentences (or documents) a second process costs more to start than it saves.
PARALLEL_FROM = 2000


def parse_processes(n_items: int) -> int:
    """Processes for parsing `n_items` sentences, or finding the candidates of as many documents: one per core up
    to four for large batches (parsing 1.6x faster on two cores: 6,109 HN sentences in 6.7 s instead of 10.7 s),
    else one."""
    return max(1, min(4, os.cpu_count() or 1)) if n_items >= PARALLEL_FROM else 1


def _end_with_parent() -> None:
    """In a forked parser process: have Linux end it when its parent ends, however it ends (kill -9 included);
    else spaCy's workers outlive a killed run, blocked on a pipe, holding their memory."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return
    if os.getppid() != _PARENT[0]:  # the parent died before the request was made
        os._exit(1)


PR_SET_PDEATHSIG = 1
_PARENT = [os.getpid()]


@cache
def end_parser_processes_with_jtbd() -> None:
    """Make every process forked from now on (spaCy's parser processes) end when this one does (`_end_with_parent`);
    once per process."""
    _PARENT[0] = os.getpid()
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=lambda: _PARENT.__setitem__(0, os.getpid()), after_in_child=_end_with_parent)


def _parse_jobs(
    candidates: list[Candidate],
    *,
    progress: ProgressFn | None,
    batch_size: int,
    save: Callable[[int, list[str]], None] | None = None,
    engine: RayEngine | None = None,
) -> list[str]:
    """The normalised job of each candidate sentence ("" when it names none): the one step that needs spaCy.
    `save(offset, jobs)` is given each SAVE_EVERY jobs as they are parsed, so a killed run keeps them; with an
    `engine`, its workers parse SAVE_EVERY sentences a batch."""
    if not candidates:
        return []
    rows = [(c.doc.text[c.start : c.end], c.cue_end - c.start, _cue_is_verb(c), c.cue == "title") for c in candidates]
    if engine is not None:
        jobs: list[str] = [""] * len(rows)
        done = 0
        for start, part in engine.map(partial(_parser, batch_size), rows, SAVE_EVERY):
            jobs[start : start + len(part)] = part
            if save:
                save(start, part)
            done += len(part)
            if progress:
                progress(done, len(rows))
        return jobs
    end_parser_processes_with_jtbd()
    jobs = []
    parses = load_parser().pipe(
        (row[0] for row in rows), batch_size=batch_size, n_process=parse_processes(len(candidates))
    )
    for n, (row, parsed) in enumerate(zip(rows, parses), start=1):
        jobs.append(_job_of(parsed, *row[1:]))
        if save and (n % SAVE_EVERY == 0 or n == len(candidates)):
            start = (n - 1) // SAVE_EVERY * SAVE_EVERY
            save(start, jobs[start:n])
        if progress and (n % 500 == 0 or n == len(candidates)):
            progress(n, len(candidates))
    return jobs


def _job_of(parsed: Any, cue_offset: int, cue_is_verb: bool, is_title: bool) -> str:
    """The normalised job of one parsed candidate sentence ("" when it names none)."""
    job = normalise_job(parsed, cue_offset, cue_is_verb=cue_is_verb)
    if is_title and is_vague(job):
        job = " ".join(t.lower_ for t in parsed if not t.is_punct)[:120]  # a question title stands on its own
    return job


def _parser(batch_size: int) -> Callable[[list[tuple[str, int, bool, bool]]], list[str]]:
    """On a worker: spaCy loaded once, then each batch of (sentence, cue offset, cue is a verb, is a title) parsed
    into jobs as `_parse_jobs` does in this process."""
    nlp = load_parser()

    def parse(rows: list[tuple[str, int, bool, bool]]) -> list[str]:
        parsed = nlp.pipe((row[0] for row in rows), batch_size=batch_size)
        return [_job_of(doc, *row[1:]) for row, doc in zip(rows, parsed)]

    return parse


def _statement(doc: Document, start: int, end: int, kind: StatementKind, cue: str, job: str) -> Statement:
    return Statement(
        doc_id=doc.id,
        text=doc.text[start:end],
        start=start,
        end=end,
        kind=kind,
        cue=cue,
        job=job,
        doc_kind=doc.kind,
        created_at=doc.created_at,
        author=doc.author,
        url=doc.url,
        doc_title=doc.title,
    )
