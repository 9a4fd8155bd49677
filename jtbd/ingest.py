"""Read a corpus folder or file into Documents: JSON Lines, JSON, CSV, Parquet or plain text, each optionally gzipped.

`CorpusReader` is the ingest stage. Hacker News and Stack Exchange records are recognised by their keys
(`layouts.py`); any other record maps through a `FieldMap` or guessed field names.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jtbd.config import Config
from jtbd.errors import CorpusError
from jtbd.layouts import clean_text, layout_of, parse_time, sid
from jtbd.types import Document, IngestReport

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
FORMATS |= {".txt": "text", ".md": "text"}
SUPPORTED = ".jsonl .json .csv .parquet .txt .md (optionally .gz)"
META_PREFIXES = ("LICENSE", "README", "ATTRIBUTION")  # a corpus folder may carry its licence and provenance
TEXT_KEYS = ("text", "body", "content", "comment_text", "story_text", "message")
#: A record's title, when it has one, is the first line of its document and a unit of its own: often the clearest
#: statement of a job there is ("Ask HN: ...", an issue's or a review's title).
TITLE_KEYS = ("title", "subject", "headline")
TIME_KEYS = ("created_at", "created_at_i", "time", "timestamp", "date", "created_date", "created")
ID_KEYS = ("id", "objectID", "question_id", "uuid")
AUTHOR_KEYS = ("author", "by", "user", "username")
URL_KEYS = ("url", "link", "href", "permalink")
HN_ITEM_URL = "https://news.ycombinator.com/item?id={}"
MAX_LINE_WARNINGS = 20  # per file; the rest are summed up in one line
MB = 1 << 20
#: How pandas reports a CSV row with more fields than the header ("Skipping line 3: expected 3 fields, saw 4").
RAGGED_ROW = re.compile(r"line (\d+): expected (\d+) fields, saw (\d+)")
N_PROBE = 20  # records without a text field before a file is rejected


@dataclass(frozen=True)
class FieldMap:
    """Names of the fields that hold each part of a generic record (None: guess it)."""

    text: str | None = None
    time: str | None = None
    id: str | None = None
    author: str | None = None
    title: str | None = None
    url: str | None = None


class CorpusReader:
    """The ingest stage: every supported file under a path as Documents (`read_corpus`)."""

    def __init__(
        self,
        fields: FieldMap | None = None,
        *,
        strict: bool = False,
        max_record_mb: int = Config.max_record_mb,
        max_file_mb: int = Config.max_file_mb,
    ) -> None:
        self.fields = fields
        self.strict = strict
        self.limits = (max_record_mb * MB, max_file_mb * MB)

    @classmethod
    def from_config(cls, config: Config) -> CorpusReader:
        fields = FieldMap(
            config.text_field,
            config.time_field,
            config.id_field,
            config.author_field,
            config.title_field,
            config.url_field,
        )
        return cls(fields, strict=config.strict, max_record_mb=config.max_record_mb, max_file_mb=config.max_file_mb)

    def read(self, path: Path) -> IngestReport:
        return read_corpus(path, fields=self.fields, strict=self.strict, limits=self.limits)


def read_corpus(
    path: Path, *, fields: FieldMap | None = None, strict: bool = False, limits: tuple[int, int] | None = None
) -> IngestReport:
    """Read every supported file under `path` (a folder, walked recursively in sorted order, or one file).

    Hidden files and LICENSE*, README*, ATTRIBUTION*, SOURCE.md are skipped. Malformed records are skipped with a
    warning naming file:line, or raise `CorpusError` when `strict`. In a folder, a file without any text field is
    skipped with a warning (an error when `strict`, or when it leaves no documents at all).
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(
            f"Corpus path '{path}' does not exist. Check the path, or pass a folder of {SUPPORTED} files."
        )
    files, skipped = _list_files(path)
    reader = _Reader(fields or FieldMap(), strict, limits)
    reader.warnings.extend(skipped)
    rejected: list[CorpusError] = []
    for file in files:
        name = file.name if file == path else file.relative_to(path).as_posix()
        try:
            reader.read_file(file, name)
        except _NoTextField as err:
            if file == path or strict:
                raise CorpusError(str(err)) from None
            rejected.append(err)
            reader.warnings.append(f"{err} Skipped the file.")
    if rejected and not reader.documents:
        raise CorpusError(str(rejected[0]))
    return reader.report()


def _format(path: Path) -> str | None:
    name = path.name.lower().removesuffix(".gz")
    return FORMATS.get(os.path.splitext(name)[1])


def _is_meta(name: str) -> bool:
    upper = name.upper()
    return upper.startswith(META_PREFIXES) or upper == "SOURCE.MD"


def is_output_folder(folder: Path) -> bool:
    """Whether `folder` is a jtbd output folder (it holds run.json and clusters.json): never read as corpus, or a
    run inside a corpus would read its own report the next time."""
    return (folder / "run.json").is_file() and (folder / "clusters.json").is_file()


def _list_files(root: Path) -> tuple[list[Path], list[str]]:
    """The readable files under `root`, and a warning for each kind of thing skipped: jtbd output folders, and
    anything that is not a regular file (a FIFO would block the run forever, /dev/zero would never end)."""
    if root.is_file():
        if _format(root) is None:
            raise CorpusError(
                f"Cannot read '{root}': unsupported file type '{_ext(root.name)}'. Supported: {SUPPORTED}."
            )
        return [root], []
    if root.exists() and not root.is_dir():
        raise CorpusError(f"Cannot read '{root}': it is not a regular file or a folder. Pass a file or a folder.")
    if is_output_folder(root):
        raise CorpusError(
            f"'{root}' is a jtbd output folder (it holds run.json), not a corpus. Pass the folder of your texts."
        )
    found, other, n_meta, outputs, special = [], set(), 0, [], []
    for dirpath, dirnames, filenames in os.walk(root):
        kept = []
        for d in sorted(dirnames):
            if d.startswith("."):
                continue
            if is_output_folder(Path(dirpath, d)):
                outputs.append(Path(dirpath, d).relative_to(root).as_posix())
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in filenames:
            if name.startswith("."):
                continue
            if _is_meta(name):
                n_meta += 1
            elif _format(Path(name)):
                if Path(dirpath, name).is_file():  # follows links: a link to a regular file is read
                    found.append(Path(dirpath, name))
                else:
                    special.append(Path(dirpath, name).relative_to(root).as_posix())
            else:
                other.add(_ext(name))
    skipped = (
        [
            f"Skipped {len(outputs)} jtbd output folder(s) inside the corpus ({', '.join(outputs[:3])}): a report "
            "is not input. Write output elsewhere with --out."
        ]
        if outputs
        else []
    )
    if special:
        skipped.append(
            f"Skipped {len(special)} file(s) that are not regular files (a pipe, a device or a broken link: "
            f"{', '.join(special[:3])}). Copy the data into a regular file to read it."
        )
    if not found:
        seen = ", ".join(sorted(other)) or ("licence/readme files" if n_meta else "")
        what = f"found only {seen}" if seen else "the folder is empty"
        raise CorpusError(f"No readable files in '{root}/': {what}. Supported: {SUPPORTED}.")
    return sorted(found, key=lambda p: p.relative_to(root).parts), skipped


def _ext(name: str) -> str:
    stem, ext = os.path.splitext(name.lower())
    if ext == ".gz":
        ext = os.path.splitext(stem)[1] + ext
    return ext or "(no extension)"


class _NoTextField(CorpusError):
    """A file whose records have no text field; fatal for a single file, a warning inside a folder."""


@dataclass
class _File:
    path: Path
    name: str  # shown in messages: path relative to the corpus folder
    fmt: str
    stem: str
    n_undated: int = 0
    n_bad_lines: int = 0
    n_replaced: int = 0
    first_replaced_line: int = 0
    n_no_text: int = 0  # generic records without any text field
    text_key_seen: bool = False
    keys: tuple[str, ...] = ()  # the fields of the first record
    n_records: int = 0
    n_documents: int = 0
    n_empty: int = 0  # records that gave no document: no text, deleted or dead

    @property
    def noun(self) -> str:
        return "column" if self.fmt in ("csv", "parquet") else "field"


class _Reader:
    def __init__(self, fields: FieldMap, strict: bool, limits: tuple[int, int] | None = None) -> None:
        self.fields, self.strict = fields, strict
        # A record (a line of JSON Lines) and a file read whole (.json, .csv, .txt, gzipped Parquet) are read at
        # most this many bytes, unpacked: a gzip bomb or a file with no line breaks ends in one line, not in swap.
        self.max_record, self.max_file = limits or (Config.max_record_mb * MB, Config.max_file_mb * MB)
        self.documents: list[Document] = []
        self.warnings: list[str] = []
        self.seen: dict[str, str] = {}  # document id -> file it came from
        self.hiring: set[str] = set()  # ids of "Who is hiring?" stories, whose top-level comments are postings
        self.n_files = self.n_skipped = self.n_replaced = self.n_undated = 0
        self.n_dupes, self.first_dupe, self.n_plain_undated = 0, "", 0
        self.latest = datetime.now(UTC) + timedelta(days=1)  # later dates are bad records (clocks differ a little)

    def read_file(self, path: Path, name: str) -> None:
        fmt = _format(path) or ""
        f = _File(path, name, fmt, path.name.removesuffix(".gz").rsplit(".", 1)[0])
        n_skipped = self.n_skipped
        try:
            if fmt != "parquet":
                with _open(path) as fh:
                    head = fh.read(4)
                if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise CorpusError(
                        f"'{name}' is UTF-16 (it starts with a UTF-16 byte-order mark). Save it as UTF-8 and run again."
                    )
            if fmt == "text":
                self._read_plain(f)
            else:
                records = {"jsonl": self._jsonl, "json": self._json, "csv": self._csv, "parquet": self._parquet}[fmt]
                for n, rec in enumerate(records(f), 1):
                    f.n_records += 1
                    f.keys = f.keys or tuple(map(str, rec))
                    self._add_record(f, n, rec)
                if f.n_no_text and not f.text_key_seen:
                    raise self._no_text(f)
                if f.n_empty and not f.n_documents:
                    raise self._all_skipped(f)
        except _NoTextField:
            self.n_skipped = n_skipped
            raise
        except (OSError, EOFError, zlib.error) as err:
            raise CorpusError(f"Cannot read '{name}': {err}. Re-download the file, or decompress it first.") from err
        self.n_files += 1
        if f.n_bad_lines > MAX_LINE_WARNINGS:
            self.warnings.append(f"{name}: {f.n_bad_lines - MAX_LINE_WARNINGS} more malformed lines skipped.")
        if f.n_replaced:
            self.warnings.append(
                f"{name}: {f.n_replaced} undecodable bytes replaced by U+FFFD, first on line {f.first_replaced_line}."
                " Save the file as UTF-8 to keep them."
            )
        if f.n_undated and fmt != "text":
            self.warnings.append(
                f"{name}: {f.n_undated} records without a usable timestamp (kept for clustering, left out of growth)."
                f" Pass --time-field to pick the {f.noun}."
            )

    def report(self) -> IngestReport:
        warnings = list(self.warnings)
        if self.n_dupes:
            warnings.append(f"{self.n_dupes} records repeat an id seen before and were skipped ({self.first_dupe}).")
        if self.n_plain_undated:
            warnings.append(f"{self.n_plain_undated} .txt/.md files have no timestamp (left out of growth).")
        if not self.documents:
            warnings.append("No documents found: every record was empty or skipped.")
        return IngestReport(
            self.documents, self.n_files, self.n_skipped, self.n_replaced, self.n_undated, warnings=warnings
        )

    def _add(self, f: _File, doc: Document | None) -> None:
        if doc is None:  # no text, deleted or dead: skipped silently
            self.n_skipped += 1
            f.n_empty += 1
        elif doc.id in self.seen:
            self.n_skipped += 1
            self.n_dupes += 1
            if not self.first_dupe:
                self.first_dupe = f"first: id '{doc.id}' in {f.name}, already read from {self.seen[doc.id]}"
        else:
            self.seen[doc.id] = f.name
            self.documents.append(doc)
            f.n_documents += 1
            if doc.created_at is None:
                f.n_undated += 1
                self.n_undated += 1

    def _add_record(self, f: _File, n: int, rec: dict[str, Any]) -> None:
        convert = layout_of(rec)
        for doc in convert(rec, f.stem, self.hiring) if convert else [self._generic(f, n, rec)]:
            if doc is not None and doc.created_at is not None and doc.created_at > self.latest:
                # A date after today would move the growth window past every other record.
                self._bad(f, n, f"dated {doc.created_at:%Y-%m-%d}, after today (a bad timestamp)")
                continue
            self._add(f, doc)

    def _generic(self, f: _File, n: int, rec: dict[str, Any]) -> Document | None:
        fm = self.fields
        text_key = (fm.text if fm.text in rec else None) if fm.text else _first_key(rec, TEXT_KEYS)
        title_key = (fm.title if fm.title in rec else None) if fm.title else _first_key(rec, TITLE_KEYS)
        if (fm.text and text_key is None) or (text_key is None and title_key is None):  # a named field must be there
            f.n_no_text += 1
            if not f.text_key_seen and f.n_no_text >= N_PROBE:
                raise self._no_text(f)
            return None
        f.text_key_seen = True
        body = clean_text(rec.get(text_key), html=True) if text_key else ""
        title = clean_text(rec.get(title_key), html=True) if title_key and title_key != text_key else ""
        title = " ".join(title.split())  # a title is one line: the first of its document
        text = f"{title}\n\n{body}" if title and body else title or body
        if not text:
            return None
        time_key = fm.time or _first_key(rec, TIME_KEYS)
        doc_id = sid(rec.get(fm.id or _first_key(rec, ID_KEYS) or ""))
        author = sid(rec.get(fm.author or _first_key(rec, AUTHOR_KEYS) or ""))
        created = parse_time(rec.get(time_key)) if time_key else None
        url = sid(rec.get(fm.url or _first_key(rec, URL_KEYS) or ""))
        url = url if url and url.startswith(("https://", "http://")) else None
        return Document(
            doc_id or f"{f.name}#{n}", f.stem, "discussion", text, created, author, url, title=title or None
        )

    def _all_skipped(self, f: _File) -> _NoTextField:
        """Every record of the file gave no document: say how many, which fields they have, and what to pass."""
        keys = ", ".join(f.keys[:30]) or "(none)"
        looked = f"'{self.fields.text}'" if self.fields.text else ", ".join(TEXT_KEYS + TITLE_KEYS)
        return _NoTextField(
            f"'{f.name}': all {f.n_records:,} records were skipped, {f.n_empty:,} of them for having no text in "
            f"{looked}. {f.noun.title()}s seen: {keys}. Pass --text-field with the {f.noun} that holds the text."
        )

    def _no_text(self, f: _File) -> _NoTextField:
        keys = ", ".join(f.keys[:30]) or "(none)"
        what = f"{f.noun} '{self.fields.text}'" if self.fields.text else f"text {f.noun} ({', '.join(TEXT_KEYS)})"
        return _NoTextField(f"'{f.name}' has no {what}. {f.noun.title()}s: {keys}. Pass --text-field with one of them.")

    def _bad(self, f: _File, line: int, what: str, skipped: str = "skipped") -> None:
        if self.strict:
            raise CorpusError(f"{f.name}:{line}: {what}. Fix the line or run without --strict to skip it.")
        self.n_skipped += 1
        f.n_bad_lines += 1
        if f.n_bad_lines <= MAX_LINE_WARNINGS:
            self.warnings.append(f"{f.name}:{line}: {what}, {skipped}")

    def _decode(self, f: _File, raw: bytes, line: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as err:
            text = raw.decode("utf-8", errors="replace")
            n = text.count("\ufffd") - raw.count("\ufffd".encode())  # U+FFFD already in the file is not a repair
            f.first_replaced_line = f.first_replaced_line or line + raw[: err.start].count(b"\n")
            f.n_replaced += n
            self.n_replaced += n
            return text

    def _read_bytes(self, f: _File) -> bytes:
        with _open(f.path) as fh:
            data = fh.read(self.max_file + 1)
        if len(data) > self.max_file:
            raise CorpusError(
                f"{f.name}: over {self.max_file // MB:,} MB unpacked, the most a {f.fmt} file is read whole. Split "
                "it, convert it to .jsonl (read a line at a time), or raise --max-file-mb."
            )
        return data

    def _read_text(self, f: _File) -> str:
        return self._decode(f, self._read_bytes(f).removeprefix(b"\xef\xbb\xbf"), 1)

    def _lines(self, f: _File, fh: Any) -> Iterator[tuple[int, bytes | None]]:
        """(line number, bytes) of each line, or None for a line longer than max_record, which is skipped without
        being held in memory."""
        line_no = 0
        while raw := fh.readline(self.max_record + 1):
            line_no += 1
            if len(raw) > self.max_record and not raw.endswith(b"\n"):
                while (rest := fh.readline(MB)) and not rest.endswith(b"\n"):
                    pass
                yield line_no, None
            else:
                yield line_no, raw

    def _jsonl(self, f: _File) -> Iterator[dict[str, Any]]:
        with _open(f.path) as fh:
            for line_no, raw in self._lines(f, fh):
                if raw is None:
                    self._bad(f, line_no, f"a record over {self.max_record // MB:,} MB (raise --max-record-mb)")
                    continue
                line = self._decode(f, raw.removeprefix(b"\xef\xbb\xbf") if line_no == 1 else raw, line_no)
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as err:
                    self._bad(f, line_no, f"malformed JSON ({err.msg} at column {err.colno})")
                    continue
                except RecursionError:
                    self._bad(f, line_no, "JSON nested too deeply to read")
                    continue
                if isinstance(rec, dict):
                    yield rec
                else:
                    self._bad(f, line_no, f"expected a JSON object, got {type(rec).__name__}")

    def _json(self, f: _File) -> Iterator[dict[str, Any]]:
        try:
            data = json.loads(self._read_text(f))
        except json.JSONDecodeError as err:
            self._bad(f, err.lineno, f"malformed JSON ({err.msg} at column {err.colno})", "skipped the file")
            return
        except RecursionError:
            self._bad(f, 1, "JSON nested too deeply to read", "skipped the file")
            return
        if isinstance(data, dict) and isinstance(data.get("hits"), list):  # Algolia search API response
            data = data["hits"]
        elif isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
            data = list(data.values())  # records keyed by id, as Firebase dumps are
        for rec in data if isinstance(data, list) else [data]:
            if isinstance(rec, dict):
                yield rec
            else:
                self._bad(f, 1, f"expected JSON objects, got {type(rec).__name__}")

    def _csv(self, f: _File) -> Iterator[dict[str, Any]]:
        try:
            with warnings.catch_warnings(record=True) as caught:  # a ragged row is one bad record, not a bad file
                warnings.simplefilter("always", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    io.StringIO(self._read_text(f)), dtype=str, keep_default_na=False, on_bad_lines="warn"
                )
        except pd.errors.EmptyDataError:
            return
        except (pd.errors.ParserError, ValueError) as err:
            detail = " ".join(str(err).split())
            raise CorpusError(
                f"Cannot parse '{f.name}' as CSV: {detail}. Fix the file or convert it to .jsonl."
            ) from err
        for warning in caught:
            for found in RAGGED_ROW.finditer(str(warning.message)):
                line, expected, saw = found.groups()
                self._bad(f, int(line), f"{saw} fields where the header has {expected}")
        yield from frame.to_dict("records")

    def _parquet(self, f: _File) -> Iterator[dict[str, Any]]:
        if f.path.name.lower().endswith(".gz"):
            source: Path | io.BytesIO = io.BytesIO(self._read_bytes(f))  # Parquet needs random access
        else:
            source = f.path
        try:
            for batch in pq.ParquetFile(source).iter_batches(batch_size=10_000):
                yield from batch.to_pylist()
        except pa.ArrowException as err:
            raise CorpusError(f"Cannot read '{f.name}' as Parquet: {err}. Re-export the file.") from err

    def _read_plain(self, f: _File) -> None:
        text = self._read_text(f).strip()
        doc = Document(f.name, f.path.absolute().parent.name, "discussion", text) if text else None
        self._add(f, doc)
        self.n_plain_undated += f.n_undated


def _open(path: Path) -> gzip.GzipFile | io.BufferedReader:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _first_key(rec: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """Return the first of `keys` with a value in `rec`, else the first present at all."""
    present = [key for key in keys if key in rec]
    return next((key for key in present if rec[key] not in (None, "")), present[0] if present else None)
