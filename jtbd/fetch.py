"""Download Hacker News threads as JSONL files that ingest reads as Algolia hits.

This is the only module that touches the network, so it stays out of the pipeline: `jtbd fetch hn` in cli.py is
a thin wrapper over `fetch_hn_thread` and `fetch_hn_hiring`, and tests pass an `httpx.Client` built on an
`httpx.MockTransport`. Each thread needs one request to the Algolia items API; the Firebase API, one request per
comment, is the fallback when Algolia fails.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from jtbd.errors import ConfigError, FetchError

ALGOLIA_URL = "https://hn.algolia.com/api/v1"
FIREBASE_URL = "https://hacker-news.firebaseio.com/v0"
USER_AGENT = "jtbd (jobs-to-be-done research tool)"
HIRING_AUTHOR = "whoishiring"  # the account that posts the monthly threads
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_DELAY = 300.0  # seconds; caps both the backoff and a server's Retry-After

# Swapped out by tests, so that rate limiting and backoff never really sleep.
_sleep = time.sleep
_monotonic = time.monotonic

Progress = Callable[[str], None]


def fetch_hn_thread(
    thread_id: int,
    out_dir: Path,
    *,
    client: httpx.Client | None = None,
    min_interval: float = 1.0,
    max_retries: int = 4,
    progress: Progress | None = None,
) -> Path:
    """Fetch every comment of one HN thread into `out_dir/hn-<thread_id>.jsonl`.

    A thread whose file already exists is skipped without a request.

    Args:
        min_interval: seconds between two requests.
        max_retries: retries of one request on HTTP 429/5xx or a connection error, before `FetchError`.
    """
    with _open_client(client) as http:
        fetcher = _Fetcher(http, min_interval, max_retries)
        return _fetch_thread(fetcher, thread_id, Path(out_dir), progress or _quiet)


def fetch_hn_hiring(
    n_threads: int,
    out_dir: Path,
    *,
    client: httpx.Client | None = None,
    min_interval: float = 1.0,
    max_retries: int = 4,
    progress: Progress | None = None,
) -> list[Path]:
    """Fetch the `n_threads` newest "Ask HN: Who is hiring?" threads, one JSONL file each, newest first."""
    if n_threads < 1:
        raise ConfigError(f"n_threads must be an int >= 1. Got {n_threads}. Pass --last 1 or higher.")
    say = progress or _quiet
    with _open_client(client) as http:
        fetcher = _Fetcher(http, min_interval, max_retries)
        # whoishiring posts three threads a month ("wants to be hired", "freelancer"), hence 3 hits per month.
        params = {
            "tags": f"story,author_{HIRING_AUTHOR}",
            "query": '"who is hiring"',
            "hitsPerPage": str(min(1000, 3 * n_threads + 10)),
        }
        found = fetcher.get_json(f"{ALGOLIA_URL}/search_by_date", params=params)
        hits = [hit for hit in found.get("hits", []) if _is_hiring_thread(hit)]
        hits.sort(key=lambda hit: hit.get("created_at_i") or 0, reverse=True)
        if len(hits) < n_threads:
            say(f"fetch: found only {len(hits)} 'Who is hiring?' threads of the {n_threads} asked for")
        return [_fetch_thread(fetcher, int(hit["objectID"]), Path(out_dir), say) for hit in hits[:n_threads]]


def _quiet(message: str) -> None:
    pass


def _is_hiring_thread(hit: dict[str, Any]) -> bool:
    title = (hit.get("title") or "").lower()
    return hit.get("author") == HIRING_AUTHOR and "who is hiring" in title


@contextmanager
def _open_client(client: httpx.Client | None) -> Iterator[httpx.Client]:
    if client is not None:
        yield client
        return
    with httpx.Client(timeout=30.0, follow_redirects=True, headers={"User-Agent": USER_AGENT}) as owned:
        yield owned


def _fetch_thread(fetcher: _Fetcher, thread_id: int, out_dir: Path, say: Progress) -> Path:
    final = out_dir / f"hn-{thread_id}.jsonl"
    if final.exists():
        say(f"fetch: {final.name} skipped, already fetched")
        return final
    out_dir.mkdir(parents=True, exist_ok=True)
    started = _monotonic()
    try:
        records: Iterable[dict[str, Any]] = _algolia_records(fetcher, thread_id)
    except FetchError as err:
        say(f"fetch: Algolia failed for thread {thread_id} ({err}); falling back to Firebase, one request a comment")
        records = _firebase_records(fetcher, thread_id)
    # Write to .part and rename when complete, so an interrupted run never leaves a file that looks finished.
    part = final.with_name(final.name + ".part")
    n_comments = 0
    with part.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n_comments += 1
    os.replace(part, final)
    say(f"fetch: {final.name} {n_comments:,} comments in {_monotonic() - started:.1f}s")
    return final


def _record(item: dict[str, Any], parent_id: Any, story_id: Any, author: str, title: Any) -> dict[str, Any]:
    # objectID and comment_text make each line look like an Algolia search hit, the layout ingest reads.
    return {
        "id": item["id"],
        "parent_id": parent_id,
        "story_id": story_id,
        "author": author,
        # Algolia gives created_at_i, Firebase gives time: both are Unix seconds.
        "created_at_i": item.get("created_at_i", item.get("time")),
        "text": item["text"],
        "type": item["type"],
        "story_title": title,
        "objectID": str(item["id"]),
        "comment_text": item["text"],
    }


def _is_live_comment(item: dict[str, Any], author: Any) -> bool:
    # Deleted comments keep their id and children but lose author and text; dead ones are flagged.
    return item.get("type") == "comment" and bool(author) and bool(item.get("text")) and not item.get("dead")


def _algolia_records(fetcher: _Fetcher, thread_id: int) -> list[dict[str, Any]]:
    """Return the thread's comments, depth first, from one Algolia items request."""
    root = fetcher.get_json(f"{ALGOLIA_URL}/items/{thread_id}")
    if not isinstance(root, dict) or "children" not in root:
        raise FetchError(f"{ALGOLIA_URL}/items/{thread_id} returned no comment tree. Check the thread id.")
    title = root.get("title")
    records = []
    stack = list(reversed(root["children"] or []))
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.get("children") or []))
        if _is_live_comment(node, node.get("author")):
            records.append(
                _record(node, node.get("parent_id"), node.get("story_id") or thread_id, node["author"], title)
            )
    return records


def _firebase_records(fetcher: _Fetcher, thread_id: int) -> Iterator[dict[str, Any]]:
    """Yield the thread's comments, depth first, one Firebase request per item."""
    root = fetcher.get_json(f"{FIREBASE_URL}/item/{thread_id}.json")
    if not isinstance(root, dict):
        raise FetchError(f"HN has no item {thread_id} ({FIREBASE_URL}/item/{thread_id}.json). Check the thread id.")
    title = root.get("title")
    stack = list(reversed(root.get("kids") or []))
    while stack:
        item = fetcher.get_json(f"{FIREBASE_URL}/item/{stack.pop()}.json")
        if not isinstance(item, dict):
            continue
        stack.extend(reversed(item.get("kids") or []))
        if _is_live_comment(item, item.get("by")):
            yield _record(item, item.get("parent"), thread_id, item["by"], title)


class _Fetcher:
    """GET JSON at most once per `min_interval` seconds, retrying with exponential backoff."""

    def __init__(self, client: httpx.Client, min_interval: float, max_retries: int) -> None:
        self.client = client
        self.min_interval = min_interval
        self.max_retries = max_retries
        self._last: float | None = None

    def get_json(self, url: str, params: dict[str, str] | None = None) -> Any:
        full_url = httpx.URL(url, params=params)
        problem = ""
        for attempt in range(self.max_retries + 1):
            self._wait()
            try:
                response = self.client.get(full_url, headers={"User-Agent": USER_AGENT})
            except httpx.TransportError as err:
                problem, delay = f"{type(err).__name__}: {err}", _backoff(attempt)
            else:
                if response.status_code in RETRY_STATUSES:
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    problem = f"HTTP {response.status_code}"
                    delay = _backoff(attempt) if retry_after is None else min(retry_after, MAX_DELAY)
                elif response.is_error:
                    raise FetchError(
                        f"{full_url} returned HTTP {response.status_code}. Check the thread id or retry later."
                    )
                else:
                    try:
                        return response.json()
                    except ValueError as err:
                        raise FetchError(
                            f"{full_url} returned invalid JSON. Retry later; finished threads are kept."
                        ) from err
            if attempt < self.max_retries:
                _sleep(delay)
        raise FetchError(
            f"Gave up on {full_url} after {self.max_retries + 1} attempts ({problem}). "
            "Check your connection or retry later; finished threads are kept."
        )

    def _wait(self) -> None:
        if self._last is not None:
            remaining = self._last + self.min_interval - _monotonic()
            if remaining > 0:
                _sleep(remaining)
        self._last = _monotonic()


def _backoff(attempt: int) -> float:
    return min(2.0**attempt, MAX_DELAY)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
