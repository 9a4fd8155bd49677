"""Plain constructors for test data (import as `from factories import statement`; pytest puts tests/ on sys.path)."""

from __future__ import annotations

from typing import Any

from jtbd.types import Statement


def statement(n: int, **fields: Any) -> Statement:
    """Statement number `n` of document `d{n}`: a whole-text `need` in a discussion, undated and anonymous unless
    `fields` say otherwise."""
    text = fields.pop("text", f"text {n}")
    defaults: dict[str, Any] = {
        "doc_id": f"d{n}",
        "text": text,
        "start": 0,
        "end": len(text),
        "kind": "need",
        "cue": "i need",
        "job": "job",
        "doc_kind": "discussion",
        "created_at": None,
        "author": None,
        "url": None,
    }
    return Statement(**{**defaults, **fields})
