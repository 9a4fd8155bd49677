"""Record layouts jtbd recognises by their keys: Hacker News (Algolia search hits and item trees, Firebase items,
the who-is-hiring benchmark) and Stack Exchange questions; and the value readers every layout shares.

Each converter takes a record, the stem of its file and the ids of "Who is hiring?" stories seen so far, and
returns its documents (None for a record skipped silently).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from jtbd.htmltext import html_to_text, looks_like_html
from jtbd.types import DocKind, Document

HN_ITEM_URL = "https://news.ycombinator.com/item?id={}"
Converter = Callable[[dict[str, Any], str, set[str]], list[Document | None]]


def sid(value: Any) -> str | None:
    if value is None or value == "" or value != value:  # NaN
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value.strip() if isinstance(value, str) else str(value)


def clean_text(text: Any, *, html: bool) -> str:
    if isinstance(text, (int, float)) and not isinstance(text, bool) and text == text:
        text = str(text)
    if not isinstance(text, str):
        return ""
    return (html_to_text(text) if html and looks_like_html(text) else text).strip()


def parse_time(value: Any) -> datetime | None:
    """Read epoch seconds or milliseconds, ISO-8601 or RFC 2822 as an aware UTC datetime; None if unusable."""
    if isinstance(value, str):
        value = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", value) and len(value) != 8:  # 8 digits is YYYYMMDD, not 1970 epoch
            value = float(value)
    try:
        if isinstance(value, bool) or value is None or value != value:  # NaN, NaT
            return None
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(value / 1000 if abs(value) > 1e11 else value, UTC)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                value = parsedate_to_datetime(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        pass
    return None


def layout_of(rec: dict[str, Any]) -> Converter | None:
    """Recognise a record layout by its keys; None means a generic record."""
    if "objectID" in rec and ("comment_text" in rec or "story_text" in rec or "_tags" in rec):
        return _from_algolia_hit
    if "children" in rec and "created_at_i" in rec and "id" in rec:
        return _from_algolia_tree
    if "thread_id" in rec and "indent" in rec and "text" in rec:
        return _from_hn_benchmark
    if "question_id" in rec and "body" in rec and "title" in rec:
        return _from_stackexchange
    if "type" in rec and "time" in rec and "id" in rec and ("by" in rec or "deleted" in rec or "dead" in rec):
        return _from_hn_firebase
    return None


def _is_hiring(title: Any) -> bool:
    return isinstance(title, str) and "who is hiring" in title.lower()


def _hn_doc(
    item_id: Any,
    text: Any,
    time: Any,
    author: Any,
    kind: DocKind,
    parent: Any = None,
    title: Any = None,
    html: bool = True,
) -> Document | None:
    """Build an HN document, or None for an item without text or title (deleted, or a comment left empty). A story
    with a title alone ("Ask HN: ...", "Show HN: ...", a link) is a document of one line: its title; a "Who is
    hiring?" story is not."""
    body, title, item_id = clean_text(text, html=html), clean_text(title, html=True) or None, sid(item_id)
    if not (body or (title and not _is_hiring(title))) or item_id is None:
        return None  # a "Who is hiring?" story is the heading of its postings, not a statement of its own
    text = f"{title}\n\n{body}" if title and body else title or body
    url = HN_ITEM_URL.format(item_id)
    return Document(item_id, "hn", kind, text, parse_time(time), sid(author), url, sid(parent), title)


def _from_algolia_hit(rec: dict[str, Any], stem: str, hiring: set[str]) -> list[Document | None]:
    time, author = rec.get("created_at_i") or rec.get("created_at"), rec.get("author")
    if rec.get("comment_text") is None:
        return [_hn_doc(rec["objectID"], rec.get("story_text"), time, author, "discussion", title=rec.get("title"))]
    parent = sid(rec.get("parent_id"))
    top_level = parent is not None and parent == sid(rec.get("story_id"))
    kind: DocKind = "posting" if top_level and _is_hiring(rec.get("story_title")) else "discussion"
    return [_hn_doc(rec["objectID"], rec["comment_text"], time, author, kind, parent)]


def _from_algolia_tree(rec: dict[str, Any], stem: str, hiring: set[str]) -> list[Document | None]:
    docs: list[Document | None] = []
    stack: list[tuple[dict[str, Any], Any, bool]] = [(rec, rec.get("parent_id"), False)]
    while stack:  # iterative depth-first walk: deep threads would overflow recursion
        node, parent, under_hiring = stack.pop()
        is_comment = node.get("type") == "comment"
        kind: DocKind = "posting" if (is_comment and under_hiring) or node.get("type") == "job" else "discussion"
        time, title = node.get("created_at_i") or node.get("created_at"), None if is_comment else node.get("title")
        docs.append(_hn_doc(node.get("id"), node.get("text"), time, node.get("author"), kind, parent, title))
        hiring_story = node.get("type") == "story" and _is_hiring(node.get("title"))
        children = [child for child in node.get("children") or [] if isinstance(child, dict)]
        stack.extend((child, node.get("id"), hiring_story) for child in reversed(children))
    return docs


def _from_hn_firebase(rec: dict[str, Any], stem: str, hiring: set[str]) -> list[Document | None]:
    if rec.get("deleted") or rec.get("dead"):
        return [None]
    item_id, item_type, parent = sid(rec["id"]), rec.get("type"), sid(rec.get("parent"))
    if item_type == "story" and _is_hiring(rec.get("title")) and item_id:
        hiring.add(item_id)  # Firebase comments carry no story title: remember the thread for its comments
    is_comment = item_type == "comment"
    kind: DocKind = "posting" if (is_comment and parent in hiring) or item_type == "job" else "discussion"
    title = None if is_comment else rec.get("title")
    return [_hn_doc(item_id, rec.get("text"), rec.get("time"), rec.get("by"), kind, parent, title)]


def _from_hn_benchmark(rec: dict[str, Any], stem: str, hiring: set[str]) -> list[Document | None]:
    kind: DocKind = "posting" if sid(rec.get("indent")) in ("0", "0.0") else "discussion"
    time = rec.get("time") or rec.get("created_at")
    return [_hn_doc(rec.get("id"), rec.get("text"), time, rec.get("author"), kind, rec.get("parent"), html=False)]


def _from_stackexchange(rec: dict[str, Any], stem: str, hiring: set[str]) -> list[Document | None]:
    """One document per question; answers are advice, not needs."""
    site, question_id = sid(rec.get("site")), sid(rec.get("question_id"))
    title, body = clean_text(rec.get("title"), html=False), clean_text(rec.get("body"), html=False)
    text = f"{title}\n\n{body}" if title and body else title or body
    if not text:
        return [None]
    # Question ids restart at 1 on every site, so without a site the file name keeps ids apart.
    doc_id = f"{site}-{question_id}" if site else f"se-{stem}-{question_id}"
    created, author, url = parse_time(rec.get("created_date")), sid(rec.get("author")), sid(rec.get("url"))
    return [Document(doc_id, site or "stackexchange", "discussion", text, created, author, url, None, title or None)]
