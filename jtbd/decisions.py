"""A reviewer's decisions about jobs, kept in a file beside the output folder and applied to every later run.

`jtbd-out/hn.decisions.toml` (or `--decisions FILE`) holds one table per decision, keyed by the job's id, which
stays from run to run (`jtbd.identity`):

    [[job]]
    id = 12
    rename = "reconcile invoices across clients"
    pin = true
    owner = "ana"
    status = "exploring"      # exploring, building or rejected

    [[job]]
    id = 7
    hide = "not a job: employer boilerplate"

`jtbd review RUN --job 12 --rename "..."` writes it; `jtbd cluster` and `jtbd report` apply it. A decision whose job
is not in the run (it vanished, or was merged away) is reported by its id and what it asked, never dropped quietly.
Renamed jobs show the reviewer's title; hidden ones leave the rankings and cards (clusters.json keeps them, marked);
pinned ones rank first. The file is the reviewer's: jtbd reads it and writes it only through `jtbd review`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jtbd.errors import ConfigError
from jtbd.records import ClusterRecord

STATUSES = ("exploring", "building", "rejected")
FIELDS = ("rename", "hide", "pin", "owner", "status")


def decisions_path(out_dir: Path, given: str | None = None) -> Path:
    """The decisions file of an output folder: `--decisions`, else `<folder>.decisions.toml` beside it (not inside:
    jtbd replaces its output folder whole)."""
    return Path(given) if given else out_dir.with_name(out_dir.name + ".decisions.toml")


@dataclass(frozen=True)
class Decision:
    job: int
    rename: str | None = None
    hide: str | None = None
    pin: bool = False
    owner: str | None = None
    status: str | None = None

    def asked(self) -> str:
        """What the decision asks, in words, for a report of those that could not be applied."""
        parts = [f"rename to “{self.rename}”" if self.rename else "", f"hide ({self.hide})" if self.hide else ""]
        parts += ["pin" if self.pin else "", f"owner {self.owner}" if self.owner else ""]
        parts += [f"status {self.status}" if self.status else ""]
        return ", ".join(p for p in parts if p) or "nothing"

    def to_json(self) -> dict[str, Any]:
        """What clusters.json records of it under the job's "decision"."""
        out: dict[str, Any] = {"rename": self.rename, "hide": self.hide, "pin": self.pin or None}
        out.update(owner=self.owner, status=self.status)
        return {k: v for k, v in out.items() if v is not None}


def read_decisions(path: Path) -> list[Decision]:
    """The decisions in `path` ([] when there is no file); one line naming the file and the fix when it is wrong."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}. Fix the file (it is TOML), or remove it.") from None
    out = []
    for n, entry in enumerate(data.get("job") or [], start=1):
        where = f"{path}: decision {n}"
        if not isinstance(entry, dict) or type(entry.get("id")) is not int:
            raise ConfigError(f"{where} has no job id. Write `id = 12` under its [[job]].")
        unknown = sorted(set(entry) - {"id", *FIELDS})
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {unknown}. Known: id, {', '.join(FIELDS)}.")
        if entry.get("status") is not None and entry["status"] not in STATUSES:
            raise ConfigError(f"{where}: status must be one of {', '.join(STATUSES)}. Got {entry['status']!r}.")
        for key in ("rename", "hide", "owner"):
            if key in entry and not isinstance(entry[key], str):
                raise ConfigError(f"{where}: {key} must be a string. Got {entry[key]!r}.")
        if "pin" in entry and not isinstance(entry["pin"], bool):
            raise ConfigError(f"{where}: pin must be true or false. Got {entry['pin']!r}.")
        out.append(
            Decision(
                entry["id"],
                rename=entry.get("rename"),
                hide=entry.get("hide"),
                pin=bool(entry.get("pin")),
                owner=entry.get("owner"),
                status=entry.get("status"),
            )
        )
    return out


def apply_decisions(jobs: list[ClusterRecord], decisions: list[Decision]) -> tuple[list[ClusterRecord], list[str]]:
    """`jobs` (in rank order) with the decisions applied and ranked again (pinned first, hidden last, the score
    otherwise), and one line for each decision whose job is not in the run."""
    by_id = {c.id: c for c in jobs}
    unapplied = []
    # Start from the jobs as the run found them: a decision taken out of the file is undone.
    changed = {c.id: replace(c, decision={}, label=c.decision.get("original_label", c.label)) for c in jobs}
    for d in decisions:
        c = by_id.get(d.job)
        if c is None:
            unapplied.append(f"job {d.job} ({d.asked()}): no job with that id in this run")
            continue
        merged = {**changed[d.job].decision, **d.to_json()}
        if d.rename:
            merged["original_label"] = changed[d.job].label
        changed[d.job] = replace(changed[d.job], label=d.rename or changed[d.job].label, decision=merged)
    return rank_with_decisions(list(changed.values())), unapplied


def rank_with_decisions(jobs: list[ClusterRecord]) -> list[ClusterRecord]:
    """Ranks from 1: pinned jobs first, hidden ones last, each group by score (then size, then id)."""
    ordered = sorted(jobs, key=lambda c: (not c.pinned, c.hidden, -c.score, -c.size, c.id))
    return [replace(c, rank=i) for i, c in enumerate(ordered, start=1)]


def write_decision(path: Path, job: int, **fields: Any) -> Decision:
    """Add or update the decision about `job` in `path` (the other jobs' decisions are kept as they were); a field
    given as "" or False clears it. Returns the job's decision now."""
    current = {d.job: d for d in read_decisions(path)}
    old = current.get(job, Decision(job))
    values = {key: getattr(old, key) for key in FIELDS}
    for key, value in fields.items():
        if value is not None:
            values[key] = value if value not in ("", False) else (False if key == "pin" else None)
    if values["status"] is not None and values["status"] not in STATUSES:
        raise ConfigError(f"status must be one of {', '.join(STATUSES)}. Got {values['status']!r}.")
    current[job] = Decision(job, **values)
    lines = ["# Decisions about jobs, applied by every jtbd run and `jtbd report` (see `jtbd review --help`).", ""]
    for d in sorted(current.values(), key=lambda d: d.job):
        if not d.to_json():
            continue
        lines += ["[[job]]", f"id = {d.job}"]
        for key, value in d.to_json().items():
            lines.append(f"{key} = {'true' if value is True else json.dumps(value, ensure_ascii=False)}")
        lines.append("")
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text("\n".join(lines), encoding="utf-8")
    temporary.replace(path)
    return current[job]
