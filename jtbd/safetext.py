"""Corpus text made safe for where it is shown: a spreadsheet cell, a terminal, a title.

Corpus text is data, never code. Spreadsheets run a cell that starts with = + - @ as a formula (OWASP's "CSV
injection"), terminals obey escape sequences, and bidirectional overrides can make "1202 ecnis gnilaf" display as
"faling since 2021". HTML escaping lives with the HTML report (`report_svg.esc`).
"""

from __future__ import annotations

import re
from typing import Any

#: What makes a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: C0 and C1 control characters but tab and newline; and the bidi embeddings, overrides and isolates.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs: text that starts (after any quotes) with a formula character gets one
    more leading quote, which `uncell` takes off again, so reading the file back gives the text exactly."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def uncell(value: str) -> str:
    """The text `cell` wrote."""
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START) else value


def printable(text: str) -> str:
    """Text for a terminal: control characters (escape sequences) and bidi overrides removed."""
    return _CONTROL.sub("", text)


def without_bidi_overrides(text: str) -> str:
    """A title with no bidi embedding, override or isolate characters: it reads in the order it is stored."""
    return _BIDI.sub("", text)
