"""Jobs out of a finished run into planning tools: `jtbd export RUN --to csv|jsonl|jira|linear`. No network.

Each job a reviewer did not hide becomes one item: its title, a description (trend and growth, reach, the
reviewer's owner and status, up to five quotes with their links, and where it is in report.html), and labels (its
theme, its trend, its status, "jtbd"). Formats:

- `csv`: one row per job, columns EXPORT_COLUMNS, for spreadsheets and any tool with a CSV importer.
- `jsonl`: one JSON object per job, the same fields, quotes as a list.
- `jira`: Jira's CSV import (System > External system import > CSV): `Summary`, `Issue Type`, `Description`, and
  one `Labels` column per label, since Jira takes a repeated column for a multi-value field and labels without
  spaces. Map the columns in the import wizard.
- `linear`: the same file, for Linear's Jira importer with its CSV option (linear.app/docs/jira-to-linear maps
  Summary to the title, Description to the description, Label to labels and Issue type to a status). Linear's own
  importers take only other tools' exports, so this is the documented way in; not tried against Linear here.

Productboard is not a format: the note fields of its v1 API are documented but that API is being retired (third-party
notices say July 2026), and v2's note fields are configured per workspace, so no one file fits every account;
`jsonl` holds everything a script would send it.

Cells are made safe for spreadsheets (`safetext.cell`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from jtbd.errors import JtbdError
from jtbd.records import ClusterRecord, Results
from jtbd.report_text import growth_text, trend_words
from jtbd.safetext import cell

FORMATS = ("csv", "jsonl", "jira", "linear")
EXPORT_COLUMNS = (
    "id rank title theme trend growth_per_year authors statements score owner status labels description report"
).split()
QUOTES = 5


def export_items(results: Results, run_dir: Path) -> list[dict[str, Any]]:
    """The jobs of a run as items for a planning tool, in rank order; hidden jobs left out."""
    themes = {t.id: t.label for t in results.themes}
    report = (run_dir.resolve() / "report.html").as_uri()
    return [
        _item(c, themes.get(c.theme) if c.theme is not None else None, report) for c in results.clusters if not c.hidden
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _item(c: ClusterRecord, theme: str | None, report: str) -> dict[str, Any]:
    status, owner = c.decision.get("status"), c.decision.get("owner")
    labels = ["jtbd", f"trend-{_slug(trend_words(c.growth.trend))}"]
    labels += [f"theme-{_slug(theme)}"] if theme else []
    labels += [f"status-{status}"] if status else []
    quotes = [
        {"text": " ".join(q.text.split()), "url": q.url if (q.url or "").startswith(("https://", "http://")) else None}
        for q in c.quotes[:QUOTES]
    ]
    lines = [
        f"Job: {c.label}",
        f"Trend: {trend_words(c.growth.trend)}, {growth_text(c.growth)} a year",
        f"Reach: {c.n_authors:,} authors, {c.size:,} statements; score {c.score:.2f}",
        *([f"Owner: {owner}"] if owner else []),
        *([f"Status: {status}"] if status else []),
        "Said:",
        *(f"- \u201c{q['text']}\u201d" + (f" ({q['url']})" if q["url"] else "") for q in quotes),
        f"Report: {report}#cluster-{c.id}",
    ]
    return {
        "id": c.id,
        "rank": c.rank,
        "title": c.label,
        "theme": theme or "",
        "trend": c.growth.trend,
        "growth_per_year": growth_text(c.growth),
        "authors": c.n_authors,
        "statements": c.size,
        "score": c.score,
        "owner": owner or "",
        "status": status or "",
        "labels": labels,
        "quotes": quotes,
        "description": "\n".join(lines),
        "report": f"{report}#cluster-{c.id}",
    }


def render_export(items: list[dict[str, Any]], fmt: str) -> str:
    """The file's text in format `fmt` (FORMATS)."""
    if fmt not in FORMATS:
        raise JtbdError(f"Unknown export format {fmt!r}. Use one of: {', '.join(FORMATS)}.")
    if fmt == "jsonl":
        return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    if fmt == "csv":
        writer.writerow(EXPORT_COLUMNS)
        for item in items:
            writer.writerow(cell("; ".join(item[k]) if k == "labels" else item[k]) for k in EXPORT_COLUMNS)
        return buffer.getvalue()
    width = max((len(item["labels"]) for item in items), default=1)  # jira and linear
    writer.writerow(["Summary", "Issue Type", "Description", *["Labels"] * width])
    for item in items:
        labels = item["labels"] + [""] * (width - len(item["labels"]))
        writer.writerow(cell(v) for v in [item["title"], "Task", item["description"], *labels])
    return buffer.getvalue()
