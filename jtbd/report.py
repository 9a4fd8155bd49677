"""Write and read a run's output folder: clusters.json/csv, assignments.csv, run.json, report.md and report.html.

Everything is written into a hidden temporary folder beside the target and renamed into place at the end, so an
interrupted run never leaves a half-written report and a previous report is replaced only by a complete one.
Each file but assignments.csv is rendered by a `Reporter` from the run's `Results` alone, so `jtbd report` renders
them again from clusters.json without recomputing anything.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from jtbd.errors import JtbdError
from jtbd.records import ClusterRecord, Results, members_of
from jtbd.report_html import HtmlReport
from jtbd.report_text import MarkdownReport
from jtbd.safetext import cell, uncell
from jtbd.stages import Reporter
from jtbd.types import Statement

#: assignments.csv, one row per statement; `author` and `doc_kind` let `jtbd report --window` re-rank from it, and
#: `url` lets it quote from the new window with links.
ASSIGNMENTS = "assignments.csv"
#: `found_id` is the job the clusterer found the statement in, before a reviewer's merges and splits (`jtbd.decisions`).
ASSIGNMENT_COLUMNS = (
    "doc_id statement cluster_id job kind cue start end created_at author doc_kind url title found_id".split()
)
#: Columns added after folders were first written: a folder without them is read all the same.
LATER_COLUMNS = frozenset({"url", "title", "found_id"})


class JsonReport:
    """clusters.json (the whole results) and run.json (how the run was made)."""

    files = ("clusters.json", "run.json")

    def render(self, results: Results) -> dict[str, str]:
        return {"clusters.json": json_text(results.to_json()), "run.json": json_text(results.run.to_json())}


class CsvReport:
    """clusters.csv: one row per job, for spreadsheets and planning tools."""

    files = ("clusters.csv",)
    columns = (
        "rank id label keywords size n_authors n_docs trend growth_rate growth_low growth_high q_value growth_among "
        "score top_quote top_quote_url theme side pinned hidden owner status"
    ).split()

    def render(self, results: Results) -> dict[str, str]:
        rows = [
            [*_row(c), c.theme, c.side, int(c.pinned), c.decision.get("hide", ""), *_owner_status(c)]
            for c in results.clusters
        ]
        return {"clusters.csv": csv_text(self.columns, rows)}


def _owner_status(c: ClusterRecord) -> list[str]:
    return [c.decision.get("owner", ""), c.decision.get("status", "")]


class ThemesCsvReport:
    """themes.csv: one row per theme, with the ids of its jobs."""

    files = ("themes.csv",)
    columns = CsvReport.columns[: CsvReport.columns.index("theme")] + ["jobs"]

    def render(self, results: Results) -> dict[str, str]:
        rows = [[*_row(t), "; ".join(map(str, t.jobs))] for t in results.themes]
        return {"themes.csv": csv_text(self.columns, rows)}


def _row(c: ClusterRecord) -> list[Any]:
    quote = c.quotes[0] if c.quotes else None
    g = c.growth
    head = [c.rank, c.id, c.label, "; ".join(c.keywords), c.size, c.n_authors, c.n_docs]
    growth = [g.trend, g.rate, g.low, g.high, g.q_value, g.among or "all"]
    return [*head, *growth, c.score, quote.text if quote else "", (quote.url if quote else None) or ""]


def csv_text(columns: list[str], rows: list[list[Any]]) -> str:
    """A CSV file's text: the header, then the rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def default_reporters() -> list[Reporter]:
    """Every file of the output folder but assignments.csv: JSON, CSV, Markdown, HTML."""
    return [JsonReport(), CsvReport(), ThemesCsvReport(), MarkdownReport(), HtmlReport()]


def output_files(reporters: Sequence[Reporter]) -> frozenset[str]:
    """Everything a run writes into its output folder; a folder holding anything else is not one to replace."""
    return frozenset({ASSIGNMENTS, *(name for r in reporters for name in r.files)})


def json_text(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n"


def render_all(results: Results, reporters: Sequence[Reporter]) -> dict[str, str]:
    """Every reporter's files, by name, in the reporters' order."""
    return {name: text for reporter in reporters for name, text in reporter.render(results).items()}


def check_out_dir(out_dir: Path, files: frozenset[str]) -> None:
    """Refuse an output path whose replacement would lose something: a file, or a folder holding anything but a
    previous run's output `files`. jtbd swaps in its whole output folder, so `--out ~/Documents` must not be allowed
    to get that far."""
    if not out_dir.exists():
        _check_writable(out_dir)
        return
    if not out_dir.is_dir():
        raise JtbdError(f"--out '{out_dir}' is a file. Pass a folder: a new one, an empty one or a previous --out.")
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in files)
    if others:
        listed = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise JtbdError(
            f"--out '{out_dir}' holds files jtbd did not write ({listed}), and jtbd replaces its whole output folder. "
            "Pass a new or empty folder, or a previous --out."
        )


def _check_writable(out_dir: Path) -> None:
    """Before any work: the nearest folder that exists above a new `--out` must be a folder jtbd can write in
    (`--out notes.txt/sub`, `--out /proc/x`), so a run never does all its work to fail at the end."""
    above = out_dir.absolute().parent
    while not above.exists() and not above.is_symlink():
        above = above.parent
    if not above.is_dir():
        raise JtbdError(f"--out '{out_dir}': '{above}' is a file, not a folder. Pass a folder path.")
    try:
        probe = Path(tempfile.mkdtemp(prefix=".jtbd-probe-", dir=above))
    except OSError as error:
        raise JtbdError(
            f"--out '{out_dir}': cannot write in '{above}' ({error.strerror}). Pass a folder you can write to."
        ) from None
    probe.rmdir()


def write_run_folder(
    out_dir: Path,
    results: Results,
    statements: Sequence[Statement],
    labels: np.ndarray,
    reporters: Sequence[Reporter],
    found: np.ndarray | None = None,
) -> Path:
    """Write every output file into `out_dir` atomically; return the path of report.md (or of the first file).
    `found` is each statement's job before a reviewer's merges and splits (default: `labels`).

    The reports are rendered from the results as clusters.json holds them (written, then read back), so `jtbd
    report` reproduces them byte for byte.
    """
    as_written = Results.from_json(json.loads(json_text(results.to_json())))
    members = results.members or members_of(statements, labels)
    rendered = render_all(replace(as_written, members=members), reporters)

    def fill(staging: Path) -> None:
        write_texts(staging, rendered)
        _write_assignments(staging / ASSIGNMENTS, statements, labels, labels if found is None else found)

    out_dir = write_folder(out_dir, output_files(reporters), fill)
    first = "report.md" if "report.md" in rendered else next(iter(rendered), ASSIGNMENTS)
    return out_dir / first


def write_folder(out_dir: Path, files: frozenset[str], fill: Callable[[Path], None]) -> Path:
    """Build an output folder whole in a hidden folder beside `out_dir` (`fill` writes into it), then swap it in:
    a reader never sees half of one, and a failed run leaves the previous one as it was."""
    out_dir = out_dir.resolve()
    recover_dir(out_dir)
    check_out_dir(out_dir, files)  # again: files may have appeared in it during the run
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        fill(staging)
        replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def write_texts(folder: Path, rendered: dict[str, str]) -> None:
    for name, text in rendered.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")  # csv's own \r\n line ends stay


def rewrite_files(run_dir: Path, rendered: dict[str, str]) -> list[Path]:
    """Replace files of an output folder, each written to a temporary file and renamed over the old one."""
    for name, text in rendered.items():
        temporary = run_dir / f".{name}.tmp-{os.getpid()}"
        try:
            temporary.write_text(text, encoding="utf-8", newline="")
            os.replace(temporary, run_dir / name)
        finally:
            temporary.unlink(missing_ok=True)
    return [run_dir / name for name in rendered]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def recover_dir(target: Path) -> list[str]:
    """Put right what a run killed while writing `target` left beside it: a complete previous folder moved aside
    (`.NAME.old-PID`) comes back when `target` is missing, and the hidden leftovers of dead runs are removed.
    Returns what was done, in words. Folders of runs still alive are left alone."""
    done: list[str] = []
    parent = target.parent
    if not parent.is_dir():
        return done
    for leftover in sorted(parent.glob(f".{target.name}.*-*")):
        kind, _, pid = leftover.name.rpartition("-")
        if not pid.isdigit() or not kind.endswith((".old", ".tmp")) or _pid_alive(int(pid)):
            continue
        if kind.endswith(".old") and not target.exists():
            os.replace(leftover, target)
            done.append(f"restored {target} from a run that stopped while replacing it")
        else:
            shutil.rmtree(leftover, ignore_errors=True)
            done.append(f"removed {leftover.name}, left by a run that stopped")
    return done


def replace_dir(new: Path, target: Path) -> None:
    """Swap `new` into `target`; an existing target is removed only after the new one is in place. A crash between
    the two renames leaves the old folder as `.NAME.old-PID`, which the next write restores (`recover_dir`)."""
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def read_results(run_dir: Path) -> Results:
    """The results of an output folder (its clusters.json), checked enough to render from."""
    recover_dir(Path(run_dir).resolve())  # a run killed while swapping the folder in leaves the old one aside
    path = Path(run_dir) / "clusters.json"
    if not path.is_file():
        raise JtbdError(f"No clusters.json in '{run_dir}'. Pass an output folder of `jtbd cluster` (its --out).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise JtbdError(f"'{path}' is not valid JSON ({error}). Run `jtbd cluster` again to rewrite it.") from error
    return Results.from_json(data, where=str(path))


def _write_assignments(path: Path, statements: Sequence[Statement], labels: np.ndarray, found: np.ndarray) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ASSIGNMENT_COLUMNS)
        for statement, label, found_id in zip(statements, labels, found):
            writer.writerow(
                cell(value)
                for value in [
                    statement.doc_id,
                    statement.text,
                    int(label),
                    statement.job,
                    statement.kind,
                    statement.cue,
                    statement.start,
                    statement.end,
                    statement.created_at.isoformat() if statement.created_at else "",
                    statement.author or "",
                    statement.doc_kind,
                    statement.url or "",
                    statement.doc_title or "",
                    int(found_id),
                ]
            )


def read_found_jobs(run_dir: Path) -> list[int] | None:
    """Each row's `found_id` in an output folder's assignments.csv, in order; None when the folder has no such
    column (written before merges and splits existed: its jobs are as found)."""
    with (Path(run_dir) / ASSIGNMENTS).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if "found_id" not in (reader.fieldnames or []):
            return None
        try:
            return [int(row["found_id"]) for row in reader]
        except (TypeError, ValueError):
            return None  # a hand-edited column: match on the jobs as they were reported


def has_urls(run_dir: Path) -> bool:
    """Whether the folder's assignments.csv has its `url` column (folders written by an older jtbd do not)."""
    with (Path(run_dir) / ASSIGNMENTS).open(encoding="utf-8", newline="") as handle:
        return "url" in next(csv.reader(handle), [])


def read_assignments(
    run_dir: Path, clusters: Sequence[ClusterRecord] | None = None
) -> tuple[list[Statement], np.ndarray]:
    """The statements and cluster labels of an output folder's assignments.csv. With `clusters` (its clusters.json),
    check that both files name the same clusters."""
    path = Path(run_dir) / ASSIGNMENTS
    if not path.is_file():
        raise JtbdError(f"No {ASSIGNMENTS} in '{run_dir}'. Run `jtbd cluster` again to write the whole folder.")
    statements, labels = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        # Folders written before the `url` column re-rank all the same; only their quotes stay (`has_urls`).
        missing = [c for c in ASSIGNMENT_COLUMNS if c not in LATER_COLUMNS and c not in (reader.fieldnames or [])]
        if missing:
            raise JtbdError(
                f"'{path}' has no {', '.join(missing)} column: it was written by an older jtbd. Run `jtbd cluster` "
                "again to re-rank with another --period or --window."
            )
        for line, row in enumerate(reader, start=2):
            row = {key: uncell(value) if isinstance(value, str) else value for key, value in row.items()}
            try:
                created = datetime.fromisoformat(row["created_at"]) if row["created_at"] else None
                labels.append(int(row["cluster_id"]))
                start, end = int(row["start"]), int(row["end"])
            except (TypeError, ValueError) as error:
                raise JtbdError(
                    f"'{path}' line {line}: {error}. Run `jtbd cluster` again to rewrite the folder."
                ) from error
            statements.append(
                Statement(
                    doc_id=row["doc_id"],
                    text=row["statement"],
                    start=start,
                    end=end,
                    kind=row["kind"],  # type: ignore[arg-type]
                    cue=row["cue"],
                    job=row["job"],
                    doc_kind=row["doc_kind"],  # type: ignore[arg-type]
                    created_at=created,
                    author=row["author"] or None,
                    url=row.get("url") or None,
                    doc_title=row.get("title") or None,
                )
            )
    out = np.array(labels, dtype=int)
    if clusters is not None and sorted(c.id for c in clusters) != sorted(int(c) for c in set(out.tolist()) if c >= 0):
        raise JtbdError(
            f"{ASSIGNMENTS} and clusters.json in '{run_dir}' name different clusters: the folder was edited or mixed "
            "with another run's files. Run `jtbd cluster` again."
        )
    return statements, out
