import copy
import json
from pathlib import Path

import httpx
import pytest

from jtbd import fetch
from jtbd.errors import ConfigError, FetchError
from jtbd.fetch import fetch_hn_hiring, fetch_hn_thread

DATA = Path(__file__).parent / "data" / "fetch"
THREAD_ID = 41709301
ITEM = json.loads((DATA / "algolia_item.json").read_text())
FIREBASE = json.loads((DATA / "firebase_items.json").read_text())
SEARCH = json.loads((DATA / "algolia_search_hiring.json").read_text())
LIVE_IDS = [41709310, 41709355, 41709329, 41709401]  # depth first; 41709318 is deleted


def fake_clock(monkeypatch):
    """Replace sleeping with a clock that only moves when slept; return the list of sleeps."""
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(fetch, "_sleep", sleep)
    monkeypatch.setattr(fetch, "_monotonic", lambda: now[0])
    return sleeps


def algolia_tree(thread_id):
    tree = copy.deepcopy(ITEM)
    tree["id"] = thread_id
    return tree


def make_client(handler, requests):
    def record(request):
        requests.append(request)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(record))


def serve(request):
    """Answer like the live APIs, from the recorded responses."""
    url = request.url
    if url.host == "hn.algolia.com" and url.path == "/api/v1/search_by_date":
        return httpx.Response(200, json=SEARCH)
    if url.host == "hn.algolia.com" and url.path.startswith("/api/v1/items/"):
        return httpx.Response(200, json=algolia_tree(int(url.path.rsplit("/", 1)[1])))
    if url.host == "hacker-news.firebaseio.com":
        item_id = url.path.rsplit("/", 1)[1].removesuffix(".json")
        return httpx.Response(200, json=FIREBASE.get(item_id))
    return httpx.Response(404)


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fetch_thread_writes_comment_lines(tmp_path, monkeypatch):
    fake_clock(monkeypatch)
    requests = []
    path = fetch_hn_thread(THREAD_ID, tmp_path / "out", client=make_client(serve, requests))

    assert path == tmp_path / "out" / f"hn-{THREAD_ID}.jsonl"
    assert [str(r.url) for r in requests] == [f"https://hn.algolia.com/api/v1/items/{THREAD_ID}"]
    assert requests[0].headers["User-Agent"] == "jtbd (jobs-to-be-done research tool)"
    lines = read_lines(path)
    assert [line["id"] for line in lines] == LIVE_IDS
    first = lines[0]
    assert set(first) == {
        "id", "parent_id", "story_id", "author", "created_at_i", "text", "type", "story_title", "objectID",
        "comment_text",
    }  # fmt: skip
    assert first["objectID"] == "41709310"
    assert first["parent_id"] == first["story_id"] == THREAD_ID
    assert first["story_title"] == "Ask HN: Who is hiring? (October 2024)"
    assert first["created_at_i"] == 1727794931
    assert first["text"] == first["comment_text"]
    assert "We&#x27;re building" in first["text"] and "<p>" in first["text"]  # HTML kept as the API gives it
    assert lines[1]["parent_id"] == 41709310  # the nested reply
    assert not list(tmp_path.glob("out/*.part"))


def test_fetch_thread_falls_back_to_firebase(tmp_path, monkeypatch):
    fake_clock(monkeypatch)

    def algolia_down(request):
        return httpx.Response(404) if request.url.host == "hn.algolia.com" else serve(request)

    messages = []
    path = fetch_hn_thread(THREAD_ID, tmp_path, client=make_client(algolia_down, []), progress=messages.append)

    lines = read_lines(path)
    assert [line["id"] for line in lines] == LIVE_IDS  # deleted and dead comments skipped
    assert lines[1]["parent_id"] == 41709310
    assert {line["story_id"] for line in lines} == {THREAD_ID}
    assert lines[0]["created_at_i"] == 1727794931
    assert lines[0]["story_title"] == "Ask HN: Who is hiring? (October 2024)"
    assert any("falling back to Firebase" in m for m in messages)


def test_fetch_hiring_picks_newest_threads(tmp_path, monkeypatch):
    fake_clock(monkeypatch)
    requests = []
    paths = fetch_hn_hiring(2, tmp_path, client=make_client(serve, requests))

    assert paths == [tmp_path / "hn-41709301.jsonl", tmp_path / "hn-41425910.jsonl"]
    search = requests[0].url
    assert search.params["tags"] == "story,author_whoishiring"
    assert search.params["query"] == '"who is hiring"'
    assert [r.url.path for r in requests[1:]] == ["/api/v1/items/41709301", "/api/v1/items/41425910"]
    assert len(read_lines(paths[1])) == len(LIVE_IDS)


def test_fetch_hiring_reports_too_few_threads(tmp_path, monkeypatch):
    fake_clock(monkeypatch)
    messages = []
    paths = fetch_hn_hiring(5, tmp_path, client=make_client(serve, []), progress=messages.append)

    assert len(paths) == 3  # "Who wants to be hired?" is not a hiring thread
    assert any("found only 3" in m for m in messages)


def test_fetch_hiring_rejects_zero_threads(tmp_path):
    with pytest.raises(ConfigError, match="n_threads must be an int >= 1. Got 0"):
        fetch_hn_hiring(0, tmp_path, client=make_client(serve, []))


def test_fetch_retries_503_then_succeeds(tmp_path, monkeypatch):
    sleeps = fake_clock(monkeypatch)
    requests = []

    def flaky(request):
        return httpx.Response(503) if len(requests) <= 2 else serve(request)

    path = fetch_hn_thread(THREAD_ID, tmp_path, client=make_client(flaky, requests))

    assert len(requests) == 3
    assert sleeps == [1.0, 2.0]  # exponential backoff
    assert len(read_lines(path)) == len(LIVE_IDS)


def test_fetch_retry_honors_retry_after(tmp_path, monkeypatch):
    sleeps = fake_clock(monkeypatch)
    requests = []

    def limited(request):
        return httpx.Response(429, headers={"Retry-After": "7"}) if len(requests) == 1 else serve(request)

    fetch_hn_thread(THREAD_ID, tmp_path, client=make_client(limited, requests))

    assert sleeps == [7.0]


def test_fetch_retries_transport_errors(tmp_path, monkeypatch):
    fake_clock(monkeypatch)
    requests = []

    def dropped(request):
        if len(requests) == 1:
            raise httpx.ConnectError("connection reset", request=request)
        return serve(request)

    path = fetch_hn_thread(THREAD_ID, tmp_path, client=make_client(dropped, requests))

    assert len(requests) == 2
    assert len(read_lines(path)) == len(LIVE_IDS)


def test_fetch_gives_up_with_fetch_error(tmp_path, monkeypatch):
    sleeps = fake_clock(monkeypatch)
    requests = []

    with pytest.raises(FetchError, match="Gave up on https://hacker-news.firebaseio.com/v0/item/41709301.json") as err:
        fetch_hn_thread(THREAD_ID, tmp_path, client=make_client(lambda r: httpx.Response(503), requests), max_retries=2)

    assert "Check your connection or retry later; finished threads are kept." in str(err.value)
    assert "\n" not in str(err.value)
    assert len(requests) == 6  # Algolia then Firebase, 1 + 2 retries each
    assert sleeps == [1.0, 2.0, 1.0, 1.0, 2.0]  # backoffs, the interval before Firebase, backoffs
    assert not (tmp_path / f"hn-{THREAD_ID}.jsonl").exists()


def test_fetch_resume_skips_existing_file(tmp_path):
    done = tmp_path / f"hn-{THREAD_ID}.jsonl"
    done.write_text('{"id": 1}\n')
    requests = []
    messages = []

    path = fetch_hn_thread(THREAD_ID, tmp_path, client=make_client(serve, requests), progress=messages.append)

    assert path == done
    assert requests == []
    assert done.read_text() == '{"id": 1}\n'
    assert messages == [f"fetch: hn-{THREAD_ID}.jsonl skipped, already fetched"]


def test_fetch_replaces_part_file_of_interrupted_run(tmp_path, monkeypatch):
    fake_clock(monkeypatch)
    part = tmp_path / f"hn-{THREAD_ID}.jsonl.part"
    part.write_text('{"id": 41709310, "text": "half a li')

    path = fetch_hn_thread(THREAD_ID, tmp_path, client=make_client(serve, []))

    assert not part.exists()
    assert [line["id"] for line in read_lines(path)] == LIVE_IDS


def test_fetch_rate_limit_sleeps_between_requests(tmp_path, monkeypatch):
    sleeps = fake_clock(monkeypatch)
    requests = []

    fetch_hn_hiring(2, tmp_path, client=make_client(serve, requests), min_interval=1.5)

    assert len(requests) == 3
    assert sleeps == [1.5, 1.5]  # none before the first request, then one interval before each other
