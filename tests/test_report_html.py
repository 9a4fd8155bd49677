"""Tests for report.html (jtbd.report_html, jtbd.report_svg): self-contained, escaped, and loading cleanly in a real
headless Chromium.

The browser tests skip when chromium, chromedriver or selenium is missing, unless JTBD_REQUIRE_BROWSER=1 (set by
.ci/run, which installs them), in which case they fail instead: CI never skips them.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from jtbd import report_html, report_svg, report_text
from jtbd.records import Results
from jtbd.report_svg import wilson
from jtbd.report_text import NOT_CALLED


def typed(payload: dict[str, Any]) -> Results:
    """The results a folder's clusters.json holds: these tests write the JSON form, as older folders had it."""
    return Results.from_json(json.loads(json.dumps(payload)))


def render_html(payload: dict[str, Any]) -> str:
    return report_html.render_html(typed(payload))


def render_markdown(payload: dict[str, Any]) -> str:
    return report_text.render_markdown(typed(payload))


def render_cluster_text(payload: dict[str, Any], cluster_id: int) -> str:
    return report_text.render_cluster_text(typed(payload), cluster_id)


def chart_svg(payload: dict[str, Any], index: int, period: str) -> str:
    results = typed(payload)
    return report_svg.chart_svg(results.clusters[index], period, results.counting)


EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def _series(shares: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [
        {
            "period": f"2024-{i + 1:02d}",
            "count": k,
            "total": n,
            "share": k / n if n else 0.0,
            "n_authors": k,
            "counted": k,
        }
        for i, (k, n) in enumerate(shares)
    ]


def _growth(rate: float | None, trend: str) -> dict[str, Any]:
    low, high = (None, None) if rate is None else (rate * 0.8, rate * 1.25)
    return {"rate": rate, "low": low, "high": high, "per": "year", "p_value": 0.01, "q_value": 0.02,
            "trend": trend, "momentum": 1.4, "n_periods": 6}  # fmt: skip


def _cluster(cid: int, rank: int, label: str, trend: str, rate: float | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "rank": rank,
        "label": label,
        "keywords": ["invoices", "clients"],
        "size": 30 - rank,
        "n_authors": 20 - rank,
        "n_docs": 25 - rank,
        "growth": _growth(rate, trend),
        "growth_by_kind": {},
        "map": {"x": (-1) ** rank * rank / 4, "y": rank / 5 - 0.5},
        "score": 1.5 - rank / 10,
        "score_parts": {"growth": 0.2, "reach": 0.9, "pain": 0.75, "supply": -0.1},
        "kinds": {"need": 10, "offering": 2},
        "top_jobs": ["send invoices", "chase late payments"],
        "series": _series([(2, 20), (3, 25), (0, 0), (5, 22), (6, 30), (9, 28)]),
        "quotes": [
            {
                "text": "How do I send invoices automatically?",
                "job": "send invoices",
                "kind": "search",
                "doc_id": f"doc-{cid}",
                "url": f"https://example.test/q/{cid}",
                "start": 4,
                "end": 41,
                "created_at": "2024-03-02T00:00:00+00:00",
            },
        ],  # fmt: skip
        **extra,
    }


def _payload() -> dict[str, Any]:
    clusters = [
        _cluster(4, 1, "send invoices automatically", "rising", 1.8,
                 growth={**_growth(1.8, "rising"), "among": "discussion"},
                 growth_by_kind={"all": _growth(1.2, "stable"), "discussion": {**_growth(1.8, "rising"),
                                 "among": "discussion"}, "posting": _growth(0.9, "stable")}),
        _cluster(0, 2, "find a cofounder", "stable", 1.02),
        _cluster(2, 3, "hire a bookkeeper", "declining", 0.6),
        _cluster(1, 4, "file taxes abroad", "unknown", None, map=None),
    ]  # fmt: skip
    run = {
        "corpus_name": "demo",
        "out_dir": "/tmp/demo",
        "counts": {"documents": 120, "statements": 150, "noise_share": 0.25},
        "config": {"window": 24, "period": "month", "model": "hashing", "unit": "statement"},
        "score_weights": {"growth": 1.0, "reach": 0.5, "pain": 0.5, "supply": 0.3},
        "notes": ["3 statements have no date."],
        "versions": {"jtbd": "0.1.0"},
        "started_at": "2024-07-01T00:00:00+00:00",
        "seed": 42,
    }
    return {"run": run, "clusters": clusters}


def _evil_payload() -> dict[str, Any]:
    payload = _payload()
    c = payload["clusters"][0]
    c["label"] = EVIL
    c["keywords"] = ['"><script>window.__pwned = 3</script>']
    c["top_jobs"] = [EVIL]
    c["quotes"][0].update(text=EVIL, doc_id="<b>doc</b>")
    c["quotes"].append({**c["quotes"][0], "url": "javascript:window.__pwned = 4", "doc_id": "js-link"})
    payload["run"]["corpus_name"] = "</title><script>window.__pwned = 5</script>"
    payload["run"]["notes"] = [EVIL]
    return payload


# Structure, without a browser


def test_report_html_is_self_contained():
    html = render_html(_payload())
    parsed = _tags(html)
    assert html.startswith("<!DOCTYPE html>")
    for tag, attrs in parsed.tags:
        assert "src" not in attrs or tag == "img", (tag, attrs)  # no external script, image or frame
        assert tag != "link", attrs  # no stylesheet or font from elsewhere
    assert not re.search(r"@import|url\(|//cdn|fonts\.googleapis", html)
    assert sum(tag == "script" for tag, _ in parsed.tags) == 1 and sum(tag == "style" for tag, _ in parsed.tags) == 1
    links = {attrs["href"] for tag, attrs in parsed.tags if tag == "a"}
    expected = {f"https://example.test/q/{i}" for i in (0, 1, 2, 4)} | {"assignments.csv"}  # beside the page
    assert {h for h in links if not h.startswith("#")} == expected


def test_report_markdown_names_the_headline_series_and_lists_the_others():
    markdown = render_markdown(_payload())
    assert "| +80% (+44% to +125%) among discussions |" in markdown  # the ranking table
    assert (
        "**Other series:** all documents −4% to +50%, no clear trend; among postings −28% to +12%, no clear trend"
        in markdown
    )


def test_report_stable_job_whose_interval_excludes_flat_shows_its_q_value():
    # Its own interval lies above flat, but its q-value misses the 0.05 bar: "stable", and the reports say why.
    payload = _payload()
    payload["clusters"][1]["growth"] = {**_growth(1.5, "stable"), "q_value": 0.09}
    markdown, html = render_markdown(payload), render_html(payload)
    assert "| ● no clear trend (q 0.09) | +20% to +88% |" in markdown  # no point estimate beside it
    assert markdown.count(NOT_CALLED) == 1
    assert '<span class="pill t-stable">● no clear trend</span> <small class="q">q 0.09</small>' in html
    assert NOT_CALLED.replace("'", "&#x27;") in html
    assert "q 0.09 (not called: above the 0.05 false-discovery bar)" in render_cluster_text(payload, 0)
    # An interval that spans flat, or whose bound prints as flat ("+0%"), needs no explanation.
    payload["clusters"][1]["growth"] = {**_growth(0.7, "stable"), "high": 0.9997, "q_value": 0.25}
    assert "(q 0.25)" not in render_markdown(payload)
    payload["clusters"][1]["growth"] = {**_growth(1.02, "stable"), "q_value": 0.9}
    markdown, html = render_markdown(payload), render_html(payload)
    assert "(q 0.9)" not in markdown and NOT_CALLED not in markdown
    assert 'class="q"' not in html


def test_report_html_contains_table_and_cards():
    html = render_html(_payload())
    tags = _tags(html).tags
    rows = [attrs["id"] for tag, attrs in tags if tag == "tr" and attrs.get("id")]
    assert rows == ["row-4", "row-0", "row-2", "row-1"]  # rank order, without JavaScript
    cards = [attrs["id"] for tag, attrs in tags if tag == "details" and "cluster" in attrs.get("class", "")]
    assert cards == ["cluster-4", "cluster-0", "cluster-2", "cluster-1"]
    assert html.count('aria-label="share per month"') == 4  # one trend chart per cluster
    assert 'aria-label="map of jobs"' not in html  # the map of jobs said nothing its axes could back
    # The headline growth is the discussions' series (the surest growth): said so beside the figures. The range
    # comes first (the column sorts by its low end); the point estimate only for a called trend.
    assert '<span class="range">+44% to +125%</span><small>about +80%/yr among discussions</small>' in html
    assert '<span class="range">−18% to +27%</span></td>' in html  # no clear trend: the range alone
    # growth_by_kind: the other series get a row each; the headline's own (discussions) is the Growth row.
    assert "<dt>All documents</dt>" in html and "<dt>Among postings</dt>" in html
    assert "<dt>Among discussions</dt>" not in html
    # In the terminal they stand under the Trend line, in its column ("Among discussions:" had no room for a space).
    assert render_cluster_text(_payload(), 4).splitlines()[2:4] == [
        "            all documents: no clear trend, −4% to +50% per year",
        "            among postings: no clear trend, −28% to +12% per year",
    ]
    assert "characters" not in html and "2024-03-02" in html  # the quote's date, not its offsets
    assert "Momentum" in html and "1.40×" in html
    assert "1·growth + 0.5·reach + 0.5·pain + 0.3·supply" in html
    assert "3 statements have no date." in html


def test_report_html_growth_column_sorts_by_the_surest_growth():
    # A few voices with a wild point rate (+300% a year, −40% to +1,400%) must not sort above a job surely rising
    # (+80%, +44% to +125%): the Growth column sorts by the interval's lower bound, as the trend benchmark ranks.
    payload = _payload()
    wild = {**_growth(4.0, "stable"), "low": 0.6, "high": 15.0}
    payload["clusters"].append(_cluster(7, 5, "mint a token", "stable", 4.0, growth=wild))
    html = render_html(payload)
    cells = dict(re.findall(r'<tr id="row-(\d+)".*?<td class="n ci" data-v="([^"]+)"', html))
    by_growth = sorted(cells, key=lambda cid: -float(cells[cid]))
    assert by_growth == ["4", "0", "7", "2", "1"]  # the job with no fit (1) last
    assert float(cells["7"]) == 0.6 and float(cells["1"]) < 0
    assert "sorts by low end" in html  # the header says what the column sorts by


def test_report_says_the_interval_is_widened_only_when_series_are_picked_from():
    mixed = _payload()
    single = {**mixed, "clusters": [{**c, "growth_by_kind": {}} for c in mixed["clusters"]]}
    for render in (render_html, render_markdown):
        assert "the surest of the three is shown" in render(mixed)
        text = render(single)
        assert "with its 95% interval;" in text and "surest" not in text


def test_report_html_escapes_user_text():
    html = render_html(_evil_payload())
    parsed = _tags(html)
    assert sum(tag == "script" for tag, _ in parsed.tags) == 1  # only jtbd's own script
    assert not any("__pwned" in script for script in parsed.scripts)
    assert not any(tag == "img" for tag, _ in parsed.tags)
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert not any((attrs.get("href") or "").startswith("javascript:") for _, attrs in parsed.tags)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "&lt;b&gt;doc&lt;/b&gt;" in html


def test_report_html_without_clusters():
    payload = _payload()
    payload["clusters"] = []
    html = render_html(payload)
    assert "No clusters were found." in html and "<table" not in html


def test_report_html_reads_older_payloads():
    # clusters.json written before growth_by_kind, map, momentum and score_weights existed still renders.
    payload = _payload()
    del payload["run"]["score_weights"]
    for c in payload["clusters"]:
        del c["growth_by_kind"], c["map"], c["growth"]["momentum"]
    assert "map of jobs" not in render_html(payload)


def test_report_html_wilson_interval():
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0


def test_report_html_chart_breaks_at_empty_periods():
    svg = chart_svg(_payload(), 0, "month")
    assert svg.count('fill-opacity="0.14"') == 2  # the interval band: one piece each side of the empty period
    assert svg.count('stroke-dasharray="5 4"') == 1  # the fitted growth
    assert svg.count("<circle") == 5  # one dot per period with authors in it
    assert "2024-04: 5 of 22 counted (22.7%; 95% interval" in svg


# In a real browser


def _find_browser() -> tuple[Any, str | None, str | None]:
    try:
        webdriver: Any = importlib.import_module("selenium.webdriver")
    except ImportError:
        webdriver = None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    return webdriver, chromium, shutil.which("chromedriver")


MISSING = [name for name, found in zip(("selenium", "chromium", "chromedriver"), _find_browser()) if not found]
REQUIRED = os.environ.get("JTBD_REQUIRE_BROWSER") == "1"  # set by .ci/run: there a missing browser is a failure
needs_browser = pytest.mark.skipif(
    bool(MISSING) and not REQUIRED,
    reason=f"the browser test needs {', '.join(MISSING)} (apt-get install chromium "
    "chromium-driver; pip install selenium)",
)


@contextmanager
def _chromium() -> Iterator[Any]:
    assert not MISSING, (
        f"JTBD_REQUIRE_BROWSER=1 but {', '.join(MISSING)} missing: apt-get install chromium chromium-driver"
    )
    webdriver, chromium, driver_path = _find_browser()
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="jtbd-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        browser.set_window_size(1280, 1000)
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _load(browser: Any, path: Path) -> list[dict[str, Any]]:
    browser.get(path.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@needs_browser
def test_report_html_loads_in_chromium(first_run, tmp_path):
    from selenium.webdriver.common.by import By

    page = first_run.out_dir / "report.html"
    n_clusters = len(json.loads((first_run.out_dir / "clusters.json").read_text(encoding="utf-8"))["clusters"])
    with _chromium() as browser:
        assert _load(browser, page) == []
        rows = browser.find_elements(By.CSS_SELECTOR, "table.rank.jobs tbody tr")
        assert len(rows) == n_clusters
        assert len(browser.find_elements(By.CSS_SELECTOR, "details.cluster .chart svg")) == n_clusters
        # Sorting: a click on "Authors" orders the rows by authors, most first; a second click reverses.
        table = "(//table[contains(@class, 'jobs')])[1]"  # the first ranking of jobs (customer jobs)
        header = browser.find_element(By.XPATH, f"{table}//th[normalize-space()='Authors']")

        def column() -> list[int]:
            cells = browser.find_elements(By.XPATH, f"{table}/tbody/tr/td[6]")
            return [int(cell.get_attribute("data-v")) for cell in cells]

        authors = column()
        assert len(set(authors)) > 1  # otherwise the sort proves nothing
        header.click()
        assert column() == sorted(authors, reverse=True) and header.get_attribute("aria-sort") == "descending"
        header.click()
        assert column() == sorted(authors) and header.get_attribute("aria-sort") == "ascending"
        browser.set_window_size(1280, browser.execute_script("return document.documentElement.scrollHeight"))
        shot = tmp_path / "report.png"
        assert browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 20_000
        assert _load(browser, page) == []  # still no errors after interaction and a reload


@needs_browser
def test_report_html_ranking_fits_a_laptop_screen_with_the_widest_cells(tmp_path):
    # A mixed corpus names the headline series in the growth cell, and big corpora have five-digit counts: on the
    # whole HN corpus that pushed the table 12 px past its card at any window width, hiding part of the score.
    payload = _payload()
    wide = {**_growth(3.23, "rising"), "low": 0.95, "high": 11.4, "among": "discussion"}
    for c in payload["clusters"]:
        c.update(growth=wide, n_authors=12_345, size=56_810, label="build out cutting-edge insurance technologies")
    page = tmp_path / "report.html"
    page.write_text(render_html(payload), encoding="utf-8")
    with _chromium() as browser:
        assert _load(browser, page) == []
        overflow = browser.execute_script(
            "const s = document.querySelector('.scroll'); return s.scrollWidth - s.clientWidth"
        )
        assert overflow <= 0
        job = browser.execute_script("return document.querySelector('td.job').getBoundingClientRect().width")
        assert job >= 200  # room for a title on two lines, not four


@needs_browser
def test_report_html_injection_does_not_run_in_chromium(tmp_path):
    page = tmp_path / "evil.html"
    page.write_text(render_html(_evil_payload()), encoding="utf-8")
    with _chromium() as browser:
        assert _load(browser, page) == []
        assert browser.execute_script("return window.__pwned === undefined")
        assert browser.title.startswith("Jobs to be done in </title><script>")  # shown as text, not run
        assert EVIL in browser.find_element("css selector", "details.cluster h2").text


def test_report_html_renders_an_output_folder_written_before_counted_statements():
    # Folders written when growth counted distinct authors have no `counted`: numbers and wording stay theirs.
    payload = _payload()
    for c in payload["clusters"]:
        for point in c["series"]:
            del point["counted"]
    html = render_html(payload)
    assert "<em>share of voices</em> (distinct authors)" in html
    assert "2024-04: 5 of 22 counted (22.7%" in chart_svg(payload, 0, "month")


def test_report_tiny_q_value_is_printed_as_a_bound_not_as_zero():
    payload = _payload()
    payload["clusters"][0]["growth"] = {**payload["clusters"][0]["growth"], "q_value": 0.0}
    assert "q &lt; 0.0001" in render_html(payload) and "q = 0" not in render_html(payload)
    assert "q < 0.0001" in render_cluster_text(payload, 4).splitlines()[1]


def test_report_html_renders_a_lower_bound_of_zero():
    # A fit on two or three authors has t on one or two degrees of freedom: its lower bound used to round to 0, and
    # the interval bar's log of it stopped the whole run (the demo's first 300 records did).
    payload = _payload()
    payload["clusters"][0]["growth"] = {**payload["clusters"][0]["growth"], "low": 0.0}
    assert "<svg" in render_html(payload)


# What a founder reads: words, thin periods, filters, phones


def test_report_says_no_clear_trend_and_shows_no_point_estimate_beside_it():
    payload = _payload()
    html, markdown = render_html(payload), render_markdown(payload)
    assert '<span class="pill t-stable">● no clear trend</span>' in html and "● stable" not in html
    assert "| ● no clear trend | −18% to +27% |" in markdown  # the range alone: a point would read as the finding
    assert "| ▲ rising | +80% (+44% to +125%) among discussions |" in markdown
    # No job trends at all: the report says what that means and how to look further.
    for c in payload["clusters"]:
        c["growth"] = _growth(c["growth"]["rate"], "stable" if c["growth"]["rate"] else "unknown")
    assert "No job is called rising or declining over the last 6 months" in render_html(payload)
    assert "No job is called rising or declining" in render_markdown(payload)


def test_report_writes_an_interval_in_one_notation():
    assert report_text.pcts(1.3, 0.9, 1.8) == ["+30%", "−10%", "+80%"]
    assert report_text.pcts(9.65, 0.45, 40.0) == ["×9.7", "×0.45", "×40"]  # not "+865%" beside "×40"


def test_report_thin_last_period_is_drawn_hollow_off_the_line_and_is_a_sparkline_gap():
    # A corpus that ends on the 2nd of a month: its last period holds 1 post, of which this job is the one.
    payload = _payload()
    payload["clusters"][1]["series"] = _series([(2, 20), (3, 25), (2, 22), (3, 24), (2, 21), (1, 1)])
    svg = chart_svg(payload, 1, "month")
    assert svg.count('class="thin"') == 1 and "2024-06: only 1 counted in all" in svg
    line = re.findall(r'<polyline points="([^"]+)" fill="none" stroke="#6f7b8f" stroke-width="2"', svg)
    assert len(line) == 1 and len(line[0].split()) == 5  # the thin period is not joined to the line
    assert "hollow: 1 period with too few posts to estimate a share" in svg
    assert "2024-05: 21 counted in all" in svg  # every period's total is drawn (grey bars)
    assert report_text.share_sparkline(typed(payload).clusters[1].series).endswith(" ")
    assert 'y2="8.0"' not in svg  # the 100% share of the thin period does not stretch the axis


def test_report_html_has_a_glossary_filters_and_every_statement():
    payload = _payload()
    results = typed(payload)
    members = {4: [results.clusters[0].quotes[0]] * 3}
    html = report_html.render_html(replace(results, members=members))
    assert '<details class="glossary" id="glossary">' in html
    for term in ("Trend", "Momentum", "Pain", "Supply", "Reach", "Kinds", "Specificity"):
        assert f"<dt>{term}</dt>" in html
    assert '<input type="search" id="search"' in html and 'data-filter="trend"' in html
    assert 'data-filter="kind"' in html and '<option value="need">needs</option>' in html
    assert "<summary>All 3 statements</summary>" in html and html.count("<summary>All ") == 1
    assert 'data-job="4" data-trend="rising" data-kind="need"' in html  # offering: 2 of 29, under 10%
    assert "<dt>Why</dt>" in html and "passed the false-discovery test (q 0.02 &lt; 0.05)" in html
    assert render_markdown(payload).rstrip().endswith("ranked apart from what companies hire staff to do.")


def test_report_quote_links_read_the_post_title():
    payload = _payload()
    payload["clusters"][0]["quotes"][0]["title"] = "Invoicing for a two-person agency"
    html = render_html(payload)
    assert '<a href="https://example.test/q/4">Invoicing for a two-person agency</a>' in html
    assert "[Invoicing for a two-person agency](<https://example.test/q/4>)" in render_markdown(payload)


LONG = "x" * 330  # one token with no space: a URL, a hash, a line of dashes


@needs_browser
def test_report_html_fits_a_phone_and_a_laptop_with_a_long_token(tmp_path):
    from selenium.webdriver.common.by import By

    payload = _payload()
    payload["clusters"][0]["label"] = f"send {LONG}"
    payload["clusters"][1]["quotes"][0]["text"] = f"see {LONG}"
    payload["clusters"][1]["series"] = _series([(2, 20), (3, 25), (2, 22), (3, 24), (2, 21), (1, 1)])  # thin end
    page = tmp_path / "report.html"
    page.write_text(render_html(payload), encoding="utf-8")
    with _chromium() as browser:
        browser.set_window_size(1440, 900)
        assert _load(browser, page) == []
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 1440
        browser.set_window_size(390, 844)
        assert _load(browser, page) == []
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        cards = browser.find_elements(By.CSS_SELECTOR, "details.cluster")
        assert cards and not any(card.get_attribute("open") for card in cards)  # folded on a phone
        browser.execute_script("document.querySelectorAll('details.cluster').forEach(d => d.open = true)")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        smallest = browser.execute_script(
            "return Math.min(...[...document.querySelectorAll('.chart svg text')]"
            ".map(t => t.getBoundingClientRect().height).filter(h => h > 0))"
        )
        assert smallest >= 10  # chart text readable (it was 4-5 px)
        thin = browser.find_elements(By.CSS_SELECTOR, "#cluster-0 .chart circle.thin")
        assert len(thin) == 1 and thin[0].is_displayed() and thin[0].get_attribute("fill") == "#fff"


@needs_browser
def test_report_html_search_box_and_menus_narrow_the_jobs(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = tmp_path / "report.html"
    page.write_text(render_html(_payload()), encoding="utf-8")
    with _chromium() as browser:
        assert _load(browser, page) == []

        def visible_rows() -> list[str]:
            return [
                r.get_attribute("id")
                for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-row]")
                if r.is_displayed()
            ]

        assert len(visible_rows()) == 4
        box = browser.find_element(By.ID, "search")
        box.send_keys("bookkeeper")
        assert visible_rows() == ["row-2"]
        assert "showing 1 of 4 jobs" in browser.find_element(By.CSS_SELECTOR, ".filters .shown").text
        assert not browser.find_element(By.ID, "cluster-4").is_displayed()
        box.clear()
        box.send_keys(" ")  # an input event with no words: everything back
        assert len(visible_rows()) == 4
        Select(browser.find_element(By.CSS_SELECTOR, 'select[data-filter="trend"]')).select_by_value("rising")
        assert visible_rows() == ["row-4"]
        Select(browser.find_element(By.CSS_SELECTOR, 'select[data-filter="trend"]')).select_by_value("called")
        assert sorted(visible_rows()) == ["row-2", "row-4"]
        glossary = browser.find_element(By.ID, "glossary")
        glossary.click()
        assert "no clear trend" in glossary.text.lower()


def test_report_opens_with_what_rises_and_what_declines():
    payload = _payload()
    html, markdown = render_html(payload), render_markdown(payload)
    head = html[html.index('<div class="headlines card">') :]
    head = head[: head.index("</div>")]
    assert '<b>Rising:</b> <a href="#cluster-4">send invoices automatically</a>' in head
    assert '<b>Declining:</b> <a href="#cluster-2">hire a bookkeeper</a>' in head
    assert "find a cofounder" not in head  # no clear trend: not a headline
    assert "**Rising:** send invoices automatically +44% to +125%/yr" in markdown
