"""Turn Hacker News comment HTML into plain text (stdlib only)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HTML_HINT = re.compile(r"<(?:p|a|i|b|em|strong|pre|code|br)\b[^>]*>|&(?:#x?[0-9a-f]+|quot|amp|lt|gt|apos|nbsp);", re.I)
_SPACES = re.compile(r"\s+")


def looks_like_html(text: str) -> bool:
    """Say whether `text` has tags or entities, so plain text (which may hold a literal "<" or "&") is left alone."""
    return _HTML_HINT.search(text) is not None


def html_to_text(html: str) -> str:
    """Convert comment HTML to plain text: paragraphs joined by a blank line, links replaced by their href.

    HN shortens long link texts with "...", so the href is the only complete copy of a URL. Other tags are dropped
    and entities (`&#x2F;`, `&quot;`, `&amp;`) unescaped; whitespace inside `<pre>` is kept.
    """
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_link = 0  # open <a href> tags whose text is replaced by the href
        self._in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "pre":
            self.parts.append("\n\n")
            self._in_pre += 1
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.parts.append(href)
                self._in_link += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._in_link:
            self._in_link -= 1
        elif tag == "pre" and self._in_pre:
            self._in_pre -= 1
            self.parts.append("\n\n")
        elif tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_link:
            return
        if not self._in_pre:
            data = _SPACES.sub(" ", data)
            if not self.parts or self.parts[-1].endswith("\n"):
                data = data.lstrip(" ")
        self.parts.append(data)
