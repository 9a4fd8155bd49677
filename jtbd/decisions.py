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

    [[job]]
    id = 3
    merge = [9, 14]           # jobs 9 and 14 become part of job 3
    split = ["invoice"]       # its statements that say "invoice" become job 61
    split_id = 61

`jtbd review RUN --job 12 --rename "..."` writes it; `jtbd cluster` and `jtbd report` apply it. A decision whose job
is not in the run (it vanished, or was merged away) is reported by its id and what it asked, never dropped quietly.
Renamed jobs show the reviewer's title; hidden ones leave the rankings and cards (clusters.json keeps them, marked);
pinned ones rank first. The file is the reviewer's: jtbd reads it and writes it only through `jtbd review`.

Merges and splits change which statements a job holds, so they act before growth is fitted (`apply_structure`, on
the next `jtbd cluster`), on the jobs as the clusterer found them: ids are matched to the previous run's clusters
before any merge or split (assignments.csv keeps both), so the same decision finds the same jobs run after run.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from jtbd.errors import ConfigError
from jtbd.records import ClusterRecord

STATUSES = ("exploring", "building", "rejected")
FIELDS = ("rename", "hide", "pin", "owner", "status", "merge", "split", "split_id")


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
    merge: tuple[int, ...] = ()
    split: tuple[str, ...] = ()
    split_id: int | None = None

    def asked(self) -> str:
        """What the decision asks, in words, for a report of those that could not be applied."""
        parts = [f"rename to “{self.rename}”" if self.rename else "", f"hide ({self.hide})" if self.hide else ""]
        parts += ["pin" if self.pin else "", f"owner {self.owner}" if self.owner else ""]
        parts += [f"status {self.status}" if self.status else ""]
        parts += [f"merge {', '.join(f'#{j}' for j in self.merge)} into it" if self.merge else ""]
        said = " or ".join(f"“{word}”" for word in self.split)
        parts += [f"split what says {said} off as job {self.split_id}" if self.split else ""]
        return ", ".join(p for p in parts if p) or "nothing"

    def to_json(self) -> dict[str, Any]:
        """What clusters.json records of it under the job's "decision"."""
        out: dict[str, Any] = {"rename": self.rename, "hide": self.hide, "pin": self.pin or None}
        out.update(owner=self.owner, status=self.status)
        out.update(merge=list(self.merge) or None, split=list(self.split) or None)
        out.update(split_id=self.split_id if self.split else None)
        return {k: v for k, v in out.items() if v is not None}

    @property
    def structural(self) -> bool:
        """Whether it changes the job's statements (merge, split), which only a new `jtbd cluster` applies."""
        return bool(self.merge or self.split)


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
        merge, split = entry.get("merge", []), entry.get("split", [])
        if not isinstance(merge, list) or any(type(j) is not int for j in merge):
            raise ConfigError(f"{where}: merge must be a list of job ids, e.g. `merge = [9, 14]`. Got {merge!r}.")
        if not isinstance(split, list) or any(not isinstance(w, str) or not w.strip() for w in split):
            raise ConfigError(f'{where}: split must be a list of words, e.g. `split = ["invoice"]`. Got {split!r}.')
        if split and type(entry.get("split_id")) is not int:
            raise ConfigError(f"{where}: a split needs `split_id = N`, the id of the new job (`jtbd review` picks it).")
        out.append(
            Decision(
                entry["id"],
                rename=entry.get("rename"),
                hide=entry.get("hide"),
                pin=bool(entry.get("pin")),
                owner=entry.get("owner"),
                status=entry.get("status"),
                merge=tuple(merge),
                split=tuple(split),
                split_id=entry.get("split_id") if split else None,
            )
        )
    return out


def apply_structure(
    found: np.ndarray, texts: Sequence[str], decisions: Sequence[Decision]
) -> tuple[np.ndarray, dict[int, str], set[int]]:
    """Each statement's job once merges and splits are applied to `found` (each statement's job id as the clusterer
    found it, -1 noise; `texts` its statements), why each merge or split that could not be applied was not (by the
    decision's place in `decisions`), and the ids of the jobs whose statements changed.

    Splits first (a statement of job N that says one of the words, whole word, any case, goes to the new job), then
    merges (every statement of a merged job goes to the decision's job). A merge or split naming a job the run does
    not have, or a split that would take none or all of the job's statements, is not applied and is reported.
    """
    out = np.asarray(found, dtype=int).copy()
    present = set(out.tolist()) - {-1}
    unapplied: dict[int, str] = {}
    touched: set[int] = set()
    for n, d in ((n, d) for n, d in enumerate(decisions) if d.split):
        if d.job not in present:
            unapplied[n] = f"job {d.job} ({d.asked()}): no job with that id in this run"
            continue
        if d.split_id in present:
            unapplied[n] = f"job {d.job} ({d.asked()}): id {d.split_id} is another job's in this run"
            continue
        words = re.compile(r"\b(?:" + "|".join(re.escape(w.strip()) for w in d.split) + r")\b", re.IGNORECASE)
        members = np.flatnonzero(out == d.job)
        said = [row for row in members.tolist() if words.search(texts[row])]
        if not said or len(said) == len(members):
            how = "none" if not said else "all"
            unapplied[n] = f"job {d.job} ({d.asked()}): {how} of its {len(members)} statements say that"
            continue
        out[said] = d.split_id
        present.add(int(d.split_id or 0))
        touched |= {d.job, int(d.split_id or 0)}
    for n, d in ((n, d) for n, d in enumerate(decisions) if d.merge):
        gone = [j for j in d.merge if j not in present or j == d.job]
        if d.job not in present or gone:
            missing = [d.job] if d.job not in present else gone
            unapplied[n] = f"job {d.job} ({d.asked()}): no job {', '.join(map(str, missing))} in this run to merge"
            continue
        out[np.isin(out, d.merge)] = d.job
        present -= set(d.merge)
        touched |= {d.job, *d.merge}
    return out, unapplied, touched


def apply_decisions(
    jobs: list[ClusterRecord], decisions: list[Decision], *, structure_reported: bool = False
) -> tuple[list[ClusterRecord], list[str]]:
    """`jobs` (in rank order) with the decisions applied and ranked again (pinned first, hidden last, the score
    otherwise), and one line for each decision whose job is not in the run (except merges and splits when
    `structure_reported`: `apply_structure` reported those)."""
    by_id = {c.id: c for c in jobs}
    unapplied = []
    # Start from the jobs as the run found them: a decision taken out of the file is undone.
    changed = {c.id: replace(c, decision={}, label=c.decision.get("original_label", c.label)) for c in jobs}
    for d in decisions:
        c = by_id.get(d.job)
        if c is None and d.structural and structure_reported:
            continue
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


def record_decision(
    path: Path,
    job: int,
    ids: set[int],
    used: Sequence[int] = (),
    *,
    merge: Sequence[int] | None = None,
    split: Sequence[str] | None = None,
    unmerge: bool = False,
    unsplit: bool = False,
    **fields: Any,
) -> Decision:
    """`write_decision` for `jtbd review`: checks that `job` and the jobs merged into it are among the run's `ids`,
    and gives a new split the id above every id in use (`ids`, `used`: the run's ids as found, and other splits')."""
    if job not in ids:
        raise ConfigError(f"No job with id {job} in this run. Ids are the report's 'cluster N'.")
    for other in merge or ():
        if other not in ids or other == job:
            raise ConfigError(f"Cannot merge job {other} into job {job}: name another job of this run.")
    fields.update(merge=() if unmerge else tuple(merge or ()) or None, split=() if unsplit else split or None)
    if split and not unsplit:
        before = {d.job: d for d in read_decisions(path)}
        kept = before.get(job)
        taken = [*ids, *used, *(d.split_id for d in before.values() if d.split_id is not None)]
        fields["split_id"] = kept.split_id if kept and kept.split_id is not None else max(taken) + 1
    return write_decision(path, job, **fields)


def write_decision(path: Path, job: int, **fields: Any) -> Decision:
    """Add or update the decision about `job` in `path` (the other jobs' decisions are kept as they were); a field
    given as "", False or () clears it; `merge` adds to the jobs merged before. Returns the job's decision now."""
    current = {d.job: d for d in read_decisions(path)}
    old = current.get(job, Decision(job))
    values = {key: getattr(old, key) for key in FIELDS}
    for key, value in fields.items():
        if value is None:
            continue
        if value == "" or value is False or value == ():  # clears the field
            values[key] = False if key == "pin" else () if key in ("merge", "split") else None
        elif key == "merge":  # merging adds to what was merged before
            values[key] = tuple(sorted(set(values[key]) | set(value)))
        else:
            values[key] = tuple(value) if key == "split" else value
    if not values["split"]:
        values["split_id"] = None
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
