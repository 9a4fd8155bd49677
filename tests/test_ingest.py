"""Tests for jtbd.ingest: formats, recognised layouts, field flags, and what gets skipped, repaired or refused."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from jtbd.errors import CorpusError
from jtbd.htmltext import html_to_text, looks_like_html
from jtbd.ingest import FieldMap, read_corpus

DATA = Path(__file__).parent / "data" / "ingest"
BENCHMARK = Path(__file__).resolve().parents[2] / "shared/corpora/hn-whoishiring-2018-2026/postings.jsonl.gz"


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _by_id(report) -> dict:
    return {doc.id: doc for doc in report.documents}


# Formats


def test_ingest_reads_generic_jsonl(tmp_path):
    path = _write_jsonl(
        tmp_path / "notes.jsonl",
        [
            {"id": 1, "body": "I wish invoicing were automatic", "timestamp": "2024-02-01T10:00:00Z", "user": "ann"},
            {"id": 2, "body": "We still copy orders by hand", "timestamp": "2024-02-02T11:00:00Z", "user": "bob"},
        ],
    )
    report = read_corpus(path)
    assert report.n_files == 1
    assert [d.id for d in report.documents] == ["1", "2"]
    doc = report.documents[0]
    assert (doc.source, doc.kind, doc.author) == ("notes", "discussion", "ann")
    assert doc.text == "I wish invoicing were automatic"
    assert doc.created_at == datetime(2024, 2, 1, 10, tzinfo=UTC)
    assert report.warnings == []


def test_ingest_reads_json_array(tmp_path):
    path = tmp_path / "posts.json"
    path.write_text(json.dumps([{"id": "a", "text": "first", "date": "2024-01-01"}, {"id": "b", "text": "second"}]))
    report = read_corpus(path)
    assert [d.text for d in report.documents] == ["first", "second"]
    assert report.documents[0].created_at == datetime(2024, 1, 1, tzinfo=UTC)


def test_ingest_reads_json_object_keyed_by_id(tmp_path):
    items = {"1": {"by": "a", "id": 1, "time": 1700000000, "type": "comment", "parent": 9, "text": "Need a CRM"}}
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items))
    assert [d.id for d in read_corpus(path).documents] == ["1"]


def test_ingest_reads_csv_with_field_flags():
    report = read_corpus(DATA / "generic.csv", fields=FieldMap(text="body", time="posted", id="post_id"))
    docs = _by_id(report)
    assert list(docs) == ["p1", "p2", "p3"]
    assert docs["p1"].created_at == datetime(2024, 1, 5, tzinfo=UTC)
    assert docs["p2"].created_at == datetime(2024, 1, 10, tzinfo=UTC)  # epoch seconds as a string
    assert docs["p1"].author == "ann"  # guessed from "user"
    assert docs["p3"].created_at is None
    assert report.n_undated == 1


def test_ingest_csv_without_flags_guesses_text_and_falls_back_to_row_ids():
    report = read_corpus(DATA / "generic.csv")
    assert [d.id for d in report.documents] == ["generic.csv#1", "generic.csv#2", "generic.csv#3"]
    assert report.documents[0].text == "I need a way to track invoices"
    assert report.n_undated == 3
    assert any("--time-field" in w for w in report.warnings)


def test_ingest_reads_parquet(tmp_path):
    frame = pd.DataFrame(
        {
            "id": [10, 11],
            "content": ["Billing across clients is a mess", "Need shift scheduling"],
            "created": pd.to_datetime(["2023-05-01 12:00", "2023-06-01 08:30"]),
            "author": ["x", None],
        }
    )
    frame.to_parquet(tmp_path / "posts.parquet")
    report = read_corpus(tmp_path / "posts.parquet")
    assert [d.id for d in report.documents] == ["10", "11"]
    assert report.documents[0].created_at == datetime(2023, 5, 1, 12, tzinfo=UTC)
    assert report.documents[1].author is None


@pytest.mark.parametrize("name", ["generic.csv", "stackexchange.jsonl", "algolia_hits.json", "firebase.jsonl"])
def test_ingest_reads_gzip_like_plain(tmp_path, name):
    (tmp_path / (name + ".gz")).write_bytes(gzip.compress((DATA / name).read_bytes()))
    plain, zipped = read_corpus(DATA / name), read_corpus(tmp_path / (name + ".gz"))
    assert [(d.text, d.created_at, d.author, d.kind) for d in zipped.documents] == [
        (d.text, d.created_at, d.author, d.kind) for d in plain.documents
    ]
    assert zipped.documents and zipped.documents[0].source == plain.documents[0].source


def test_ingest_reads_gzipped_parquet_and_text(tmp_path):
    buffer = tmp_path / "x.parquet"
    pd.DataFrame({"text": ["hello parquet"]}).to_parquet(buffer)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "x.parquet.gz").write_bytes(gzip.compress(buffer.read_bytes()))
    (tmp_path / "corpus" / "note.txt.gz").write_bytes(gzip.compress(b"hello text"))
    report = read_corpus(tmp_path / "corpus")
    assert sorted(d.text for d in report.documents) == ["hello parquet", "hello text"]


def test_ingest_reads_text_and_markdown_files(tmp_path):
    (tmp_path / "interviews" / "acme").mkdir(parents=True)
    (tmp_path / "interviews" / "a.txt").write_text("We lose hours matching receipts.\n", encoding="utf-8")
    (tmp_path / "interviews" / "acme" / "call.md").write_text("# Call\n\nOur CRM never syncs.", encoding="utf-8")
    report = read_corpus(tmp_path / "interviews")
    docs = _by_id(report)
    assert list(docs) == ["a.txt", "acme/call.md"]
    assert docs["a.txt"].text == "We lose hours matching receipts."
    assert docs["a.txt"].source == "interviews"
    assert docs["acme/call.md"].source == "acme"
    assert docs["acme/call.md"].created_at is None
    assert report.n_undated == 2
    assert len(report.warnings) == 1 and "2 .txt/.md files" in report.warnings[0]


# Recognised layouts


def test_ingest_algolia_search_hits():
    report = read_corpus(DATA / "algolia_hits.json")
    docs = _by_id(report)
    assert list(docs) == ["39563050", "39563777", "39571234", "39580000"]  # the hiring story has no text
    assert report.n_skipped == 1
    posting = docs["39563050"]
    assert (posting.kind, posting.source, posting.author) == ("posting", "hn", "tallyco")
    assert posting.url == "https://news.ycombinator.com/item?id=39563050"
    assert posting.parent_id == "39562986"
    assert posting.created_at == datetime(2024, 3, 1, 16, 4, 51, tzinfo=UTC)
    assert posting.text == (
        "Tally | Backend Engineer | REMOTE (EU) | Full-time\n\n"
        "Small agencies still reconcile invoices by hand & it's slow. We fix that.\n\n"
        "Apply: https://tally.example/jobs/backend-engineer"
    )
    assert docs["39563777"].kind == "discussion"  # a reply, not top-level
    assert docs["39563777"].text == 'Is the role open to contractors in "Eastern Europe"?'
    assert docs["39571234"].kind == "discussion"  # top-level, but not a hiring thread
    story = docs["39580000"]
    assert story.title == "Ask HN: How do you handle late invoices?"
    assert story.text.startswith(story.title + "\n\nWe spend hours")


def test_ingest_algolia_item_tree():
    report = read_corpus(DATA / "algolia_item.json")
    docs = _by_id(report)
    assert list(docs) == ["39562986", "39563050", "39563777", "39564000", "39563200"]  # depth first
    assert report.n_skipped == 1  # the deleted comment, silently
    assert report.warnings == []
    assert docs["39562986"].title == "Ask HN: Who is hiring? (March 2024)"
    assert docs["39562986"].kind == "discussion"
    assert docs["39563050"].kind == "posting"
    assert docs["39563050"].text == "Tally | Backend Engineer | REMOTE (EU)\n\nWe're hiring."
    assert docs["39563200"].kind == "posting"
    assert docs["39563777"].kind == "discussion"
    assert docs["39564000"].parent_id == "39563777"
    assert docs["39563050"].parent_id == "39562986"


def test_ingest_hn_firebase_items():
    report = read_corpus(DATA / "firebase.jsonl")
    docs = _by_id(report)
    assert list(docs) == ["41709310", "41709355"]  # story without text, deleted and dead items left out
    assert report.n_skipped == 3
    assert report.warnings == []
    assert docs["41709310"].kind == "posting"
    assert docs["41709310"].text.endswith("REMOTE (US)\n\nAccountants still reconcile invoices by hand.")
    assert docs["41709355"].kind == "discussion"
    assert docs["41709355"].author == "eu_dev"
    assert docs["41709355"].created_at == datetime.fromtimestamp(1727799160, UTC)


def test_ingest_hn_hiring_benchmark_records():
    docs = _by_id(read_corpus(DATA / "hiring_benchmark.jsonl"))
    posting, reply = docs["16492998"], docs["16493288"]
    assert (posting.kind, reply.kind) == ("posting", "discussion")
    assert posting.parent_id == "16492994" and reply.parent_id == "16492998"
    assert posting.created_at == datetime(2018, 3, 1, 16, 1, 43, tzinfo=UTC)
    assert posting.url == "https://news.ycombinator.com/item?id=16492998"
    assert "remote only company & hiring" in posting.text  # plain text is never unescaped


def test_ingest_stackexchange_questions():
    report = read_corpus(DATA / "stackexchange.jsonl")
    assert len(report.documents) == 2  # answers are not documents
    with_site, without_site = report.documents
    assert with_site.id == "answers.onstartups.com-664"
    assert with_site.source == "answers.onstartups.com"
    assert with_site.url == "https://answers.onstartups.com/questions/664"
    assert with_site.title == "LLC Incorporation - Implications when selling software online?"
    assert with_site.text == with_site.title + "\n\nWe are 3 individuals each living in a different state who are " + (
        "looking to form an LLC."
    )
    assert with_site.created_at == datetime(2009, 10, 11, tzinfo=UTC)
    assert (without_site.id, without_site.source, without_site.url) == ("se-stackexchange-7947", "stackexchange", None)


# HTML


def test_ingest_html_to_text():
    html = (
        'First line with <i>emphasis</i> &amp; a path a&#x2F;b.<p>See <a href="https:&#x2F;&#x2F;x.example&#x2F;a?b=1'
        '&amp;c=2" rel="nofollow">https:&#x2F;&#x2F;x.example&#x2F;a?b=...</a> now.<p>Code:<pre><code>  if x:\n'
        "      y()\n</code></pre>Done &quot;ok&quot;"
    )
    assert html_to_text(html) == (
        "First line with emphasis & a path a/b.\n\nSee https://x.example/a?b=1&c=2 now.\n\nCode:\n\n"
        '  if x:\n      y()\n\nDone "ok"'
    )


def test_ingest_plain_text_is_left_alone(tmp_path):
    text = "I <3 tools that cost < $5 & just work"
    assert not looks_like_html(text)
    path = _write_jsonl(tmp_path / "x.jsonl", [{"text": text}])
    assert read_corpus(path).documents[0].text == text


# Field flags and guessing


def test_ingest_field_flags_pick_named_fields(tmp_path):
    path = _write_jsonl(
        tmp_path / "x.jsonl", [{"msg": "Need a bookkeeping tool", "when": 1700000000000, "key": "k1", "who": "z"}]
    )
    doc = read_corpus(path, fields=FieldMap(text="msg", time="when", id="key", author="who")).documents[0]
    assert (doc.id, doc.author, doc.text) == ("k1", "z", "Need a bookkeeping tool")
    assert doc.created_at == datetime.fromtimestamp(1700000000, UTC)  # milliseconds


def test_ingest_csv_missing_text_column_lists_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"'x.csv' has no column 'body'. Columns: a, b, c. Pass --text-field"):
        read_corpus(path, fields=FieldMap(text="body"))


def test_ingest_no_text_field_names_file_and_keys(tmp_path):
    path = _write_jsonl(tmp_path / "x.jsonl", [{"name": "t", "score": 1}] * 3)
    with pytest.raises(CorpusError, match=r"'x.jsonl' has no text field .*Fields: name, score. Pass --text-field"):
        read_corpus(path)


def test_ingest_a_title_is_the_first_line_of_its_document_and_may_be_all_of_it(tmp_path):
    records = [
        {"id": "a", "title": "Add dark mode to the editor", "body": "It hurts my eyes at night."},
        {"id": "b", "title": "Ask HN: How do you back up your photos?", "body": None},
        {"id": "c", "subject": "Invoices  are\nslow", "text": ""},
    ]
    docs = read_corpus(_write_jsonl(tmp_path / "x.jsonl", records)).documents
    assert [(d.text, d.title) for d in docs] == [
        ("Add dark mode to the editor\n\nIt hurts my eyes at night.", "Add dark mode to the editor"),
        ("Ask HN: How do you back up your photos?", "Ask HN: How do you back up your photos?"),
        ("Invoices are slow", "Invoices are slow"),  # a title is one line
    ]


def test_ingest_hn_stories_with_a_title_only_become_documents(tmp_path):
    # Algolia hits and Firebase items of stories without text: 1,500 such records once gave no document at all.
    hits = [
        {"objectID": "1", "title": "Ask HN: How do you find your first customers?", "story_text": None,
         "created_at_i": 1_700_000_000, "author": "ann", "_tags": ["story", "ask_hn"]},
        {"objectID": "2", "title": "Ask HN: Who is hiring? (March 2024)", "story_text": None,
         "created_at_i": 1_700_000_000, "author": "whoishiring", "_tags": ["story"]},
    ]  # fmt: skip
    items = [{"id": 3, "type": "story", "time": 1_700_000_000, "by": "bob", "title": "Show HN: A CLI for invoices"}]
    docs = read_corpus(_write_jsonl(tmp_path / "hits.jsonl", hits)).documents
    assert [(d.id, d.text) for d in docs] == [("1", "Ask HN: How do you find your first customers?")]
    docs = read_corpus(_write_jsonl(tmp_path / "items.jsonl", items)).documents
    assert [(d.id, d.text, d.title) for d in docs] == [
        ("3", "Show HN: A CLI for invoices", "Show HN: A CLI for invoices")
    ]


def test_ingest_a_file_whose_records_are_all_skipped_says_why(tmp_path):
    path = _write_jsonl(
        tmp_path / "stories.jsonl", [{"id": i, "text": "", "url": "u", "author": "a"} for i in range(5)]
    )
    with pytest.raises(CorpusError) as caught:
        read_corpus(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "'stories.jsonl': all 5 records were skipped, 5 of them for having no text in text, body" in message
    assert "Fields seen: id, text, url, author. Pass --text-field" in message


def test_ingest_folder_skips_file_without_text_field(tmp_path):
    _write_jsonl(tmp_path / "posts.jsonl", [{"text": "Need a tool"}])
    (tmp_path / "counts.csv").write_text("month,n\n2024-01,3\n", encoding="utf-8")
    report = read_corpus(tmp_path)
    assert [d.text for d in report.documents] == ["Need a tool"]
    assert any("'counts.csv' has no text column" in w and "Skipped the file" in w for w in report.warnings)
    with pytest.raises(CorpusError, match="counts.csv"):
        read_corpus(tmp_path, strict=True)


# Skipped, repaired and undated records


def test_ingest_malformed_json_line_skipped_and_counted(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok one"}\n{"text": "broken",\n\n{"text": "ok two"}\n[1, 2]\n', encoding="utf-8")
    report = read_corpus(path)
    assert [d.text for d in report.documents] == ["ok one", "ok two"]
    assert report.n_skipped == 2
    assert report.warnings[0].startswith("x.jsonl:2: malformed JSON (")
    assert report.warnings[0].endswith(", skipped")
    assert report.warnings[1].startswith("x.jsonl:5: expected a JSON object")


def test_ingest_malformed_json_line_strict_raises(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"x.jsonl:2: malformed JSON \(.*\). Fix the line or run without --strict"):
        read_corpus(path, strict=True)


def test_ingest_caps_line_warnings_per_file(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok", "time": 1}\n' + "not json\n" * 25, encoding="utf-8")
    report = read_corpus(path)
    assert report.n_skipped == 25
    assert len(report.warnings) == 21
    assert report.warnings[-1] == "x.jsonl: 5 more malformed lines skipped."


def test_ingest_malformed_json_file_skipped_or_strict(tmp_path):
    (tmp_path / "bad.json").write_text('[{"text": "a"},\n {"text": }]', encoding="utf-8")
    _write_jsonl(tmp_path / "good.jsonl", [{"text": "fine"}])
    report = read_corpus(tmp_path)
    assert [d.text for d in report.documents] == ["fine"]
    assert report.warnings[0].startswith("bad.json:2: malformed JSON")
    with pytest.raises(CorpusError, match="bad.json:2"):
        read_corpus(tmp_path, strict=True)


def test_ingest_empty_text_records_skipped_silently(tmp_path):
    path = _write_jsonl(tmp_path / "x.jsonl", [{"text": "  "}, {"text": None}, {"text": "kept", "time": 1}])
    report = read_corpus(path)
    assert [d.text for d in report.documents] == ["kept"]
    assert report.n_skipped == 2
    assert report.warnings == []


def test_ingest_undecodable_bytes_replaced_and_warned(tmp_path):
    path = tmp_path / "x.jsonl"
    good = '{"text": "caf\u00e9 \ufffd stays", "time": 1}\n'.encode()  # a real U+FFFD is not counted
    path.write_bytes(good + b'{"text": "bad \xff\xfe bytes", "time": 2}\n')
    report = read_corpus(path)
    assert report.documents[1].text == "bad \ufffd\ufffd bytes"
    assert report.documents[0].text == "caf\u00e9 \ufffd stays"
    assert report.n_replaced_bytes == 2
    assert report.warnings == [
        "x.jsonl: 2 undecodable bytes replaced by U+FFFD, first on line 2. Save the file as UTF-8 to keep them."
    ]


def test_ingest_undecodable_bytes_in_csv_name_the_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"text\nfine\nbad \xe9\n")
    report = read_corpus(path)
    assert report.n_replaced_bytes == 1
    assert "first on line 3" in report.warnings[0]


def test_ingest_undated_records_kept_and_warned(tmp_path):
    records = [{"text": "a", "time": "yesterday"}, {"text": "b"}, {"text": "c", "time": "2024-01-01"}]
    report = read_corpus(_write_jsonl(tmp_path / "x.jsonl", records))
    assert len(report.documents) == 3
    assert report.n_undated == 2
    assert report.warnings == [
        "x.jsonl: 2 records without a usable timestamp (kept for clustering, left out of growth). "
        "Pass --time-field to pick the field."
    ]


@pytest.mark.parametrize(
    "value",
    [
        1704067200,
        1704067200.0,
        1704067200000,
        "1704067200",
        "2024-01-01T00:00:00Z",
        "2024-01-01T01:00:00+01:00",
        "2024-01-01T00:00:00",
        "2024-01-01",
        "Mon, 01 Jan 2024 00:00:00 GMT",
    ],
)
def test_ingest_timestamps_become_utc(tmp_path, value):
    path = _write_jsonl(tmp_path / "x.jsonl", [{"text": "t", "created_at": value}])
    assert read_corpus(path).documents[0].created_at == datetime(2024, 1, 1, tzinfo=UTC)


def test_ingest_duplicate_ids_keep_first(tmp_path):
    _write_jsonl(tmp_path / "a.jsonl", [{"id": 1, "text": "first", "time": 1}, {"id": 2, "text": "other", "time": 1}])
    _write_jsonl(tmp_path / "b.jsonl", [{"id": 1, "text": "again", "time": 1}, {"id": 2, "text": "again", "time": 1}])
    report = read_corpus(tmp_path)
    assert [d.text for d in report.documents] == ["first", "other"]
    assert report.n_skipped == 2
    assert len(report.warnings) == 1
    assert "2 records repeat an id" in report.warnings[0] and "'1' in b.jsonl" in report.warnings[0]


# Paths and folders


def test_ingest_missing_path(tmp_path):
    with pytest.raises(CorpusError, match=r"Corpus path '.*nope' does not exist"):
        read_corpus(tmp_path / "nope")


def test_ingest_empty_folder(tmp_path):
    with pytest.raises(CorpusError, match=r"No readable files in .*: the folder is empty. Supported: \.jsonl"):
        read_corpus(tmp_path)


def test_ingest_folder_without_supported_files_lists_extensions(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "b.tsv.gz").write_bytes(b"")
    with pytest.raises(CorpusError, match=r"found only \.pdf, \.tsv\.gz\. Supported: .*\(optionally \.gz\)"):
        read_corpus(tmp_path)


def test_ingest_unknown_file_type(tmp_path):
    path = tmp_path / "a.docx"
    path.write_bytes(b"x")
    with pytest.raises(CorpusError, match=r"unsupported file type '\.docx'. Supported: \.jsonl"):
        read_corpus(path)


def test_ingest_broken_gzip_names_file(tmp_path):
    (tmp_path / "x.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(CorpusError, match="Cannot read 'x.jsonl.gz'"):
        read_corpus(tmp_path)


def test_ingest_skips_licence_readme_and_hidden_files(tmp_path):
    for name in ("LICENSE", "LICENSE-stackexchange.txt", "README.md", "SOURCE.md", "ATTRIBUTION.md", ".notes.txt"):
        (tmp_path / name).write_text("not a document", encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.txt").write_text("not a document", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "readme.txt").write_text("not a document", encoding="utf-8")
    (tmp_path / "sub" / "idea.md").write_text("A real note", encoding="utf-8")
    report = read_corpus(tmp_path)
    assert [d.id for d in report.documents] == ["sub/idea.md"]
    assert report.n_files == 1


def test_ingest_folder_with_only_licence_files(tmp_path):
    (tmp_path / "LICENSE.md").write_text("x", encoding="utf-8")
    with pytest.raises(CorpusError, match="found only licence/readme files"):
        read_corpus(tmp_path)


def test_ingest_folder_reads_files_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    _write_jsonl(tmp_path / "b" / "x.jsonl", [{"text": "b/x"}])
    _write_jsonl(tmp_path / "a.jsonl", [{"text": "a"}])
    _write_jsonl(tmp_path / "c.jsonl", [{"text": "c"}])
    assert [d.text for d in read_corpus(tmp_path).documents] == ["a", "b/x", "c"]


def test_ingest_benchmark_corpus_sample(tmp_path):
    if not BENCHMARK.is_file():
        pytest.skip(f"{BENCHMARK} is not here")
    with gzip.open(BENCHMARK, "rb") as src:
        lines = [next(src) for _ in range(200)]
    (tmp_path / "sample.jsonl").write_bytes(b"".join(lines))
    report = read_corpus(tmp_path / "sample.jsonl")
    assert len(report.documents) == 200
    assert report.warnings == [] and report.n_undated == 0
    assert all(d.kind == "posting" and d.source == "hn" and d.created_at for d in report.documents)


def test_ingest_keeps_a_generic_record_link_for_the_report(tmp_path):
    path = tmp_path / "tickets.jsonl"
    rows = [
        {"text": "I need to export invoices", "link": "https://tickets.test/1"},
        {"text": "We cannot sync calendars", "ticket_url": "https://tickets.test/2", "url": "ignored"},
        {"text": "Please add dark mode", "url": "javascript:alert(1)"},  # never a link
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    found = [d.url for d in read_corpus(path).documents]
    assert found == ["https://tickets.test/1", None, None]
    named = [d.url for d in read_corpus(path, fields=FieldMap(url="ticket_url")).documents]
    assert named == [None, "https://tickets.test/2", None]


def test_ingest_skips_what_is_not_a_regular_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write_jsonl(corpus / "posts.jsonl", [{"text": "I need a bookkeeping tool", "id": "a"}])
    os.mkfifo(corpus / "pipe.jsonl")  # reading it would block the run forever
    (corpus / "gone.jsonl").symlink_to(tmp_path / "missing.jsonl")
    (corpus / "zero.txt").symlink_to("/dev/zero")  # endless: 3.4 GB in 3 s before
    report = read_corpus(corpus)
    assert [d.id for d in report.documents] == ["a"]
    assert any("3 file(s) that are not regular files" in w and "pipe.jsonl" in w for w in report.warnings)


def test_ingest_never_reads_a_jtbd_output_folder(tmp_path):
    corpus = tmp_path / "corpus"
    out = corpus / "jtbd-out" / "corpus"
    out.mkdir(parents=True)
    _write_jsonl(corpus / "posts.jsonl", [{"text": "I need a bookkeeping tool", "id": "a"}])
    for name in ("run.json", "clusters.json"):
        (out / name).write_text("{}", encoding="utf-8")
    (out / "assignments.csv").write_text("doc_id,statement\nx,I need a report reader\n", encoding="utf-8")
    report = read_corpus(corpus)
    assert [d.id for d in report.documents] == ["a"]
    assert any("Skipped 1 jtbd output folder(s) inside the corpus (jtbd-out/corpus)" in w for w in report.warnings)
    with pytest.raises(CorpusError, match="is a jtbd output folder"):
        read_corpus(out)


def test_ingest_a_huge_record_is_skipped_without_being_held(tmp_path):
    # A gzip bomb of one line (8 MB packed, 8 GiB unpacked) reached 5 GB of memory: lines are read bounded.
    import gzip

    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b'{"text": "I need a bookkeeping tool", "id": "a"}\n')
        handle.write(b'{"text": "' + b"x" * (3 << 20) + b'", "id": "b"}\n')  # 3 MB, over the 1 MB cap below
        handle.write(b'{"text": "' + b"y" * (3 << 20))  # and one with no line break at all
    report = read_corpus(path, limits=(1 << 20, 1 << 20))
    assert [d.id for d in report.documents] == ["a"]
    assert any("bomb.jsonl.gz:2: a record over 1 MB (raise --max-record-mb), skipped" in w for w in report.warnings)
    assert any("bomb.jsonl.gz:3: a record over 1 MB" in w for w in report.warnings)


def test_ingest_a_file_read_whole_has_a_size_cap(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"text": "z" * (2 << 20)}]), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"big.json: over 1 MB unpacked.*raise --max-file-mb"):
        read_corpus(path, limits=(1 << 20, 1 << 20))


def test_ingest_json_nested_too_deeply_is_one_bad_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(
        '{"text": "I need a bookkeeping tool", "id": "a"}\n' + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8"
    )
    report = read_corpus(path)
    assert [d.id for d in report.documents] == ["a"]
    assert any("deep.jsonl:2: JSON nested too deeply to read, skipped" in w for w in report.warnings)


def test_ingest_a_ragged_csv_row_is_one_bad_record(tmp_path):
    path = tmp_path / "tickets.csv"
    rows = ["id,text"] + [f"{i},I need to export report {i}" for i in range(80)]
    rows[40] = "39,I need to export, report 39,extra"  # one row with more fields than the header
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = read_corpus(path)
    assert len(report.documents) == 79
    assert any("tickets.csv:41: 4 fields where the header has 2, skipped" in w for w in report.warnings)
    with pytest.raises(CorpusError, match=r"tickets.csv:41: 4 fields where the header has 2. Fix the line"):
        read_corpus(path, strict=True)
