"""The `jtbd` command: parse options, call the library, print results on stdout and progress on stderr.

`jtbd cluster`'s options are the `Config` settings (`with_settings`): a new setting needs no change here.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from jtbd import __version__
from jtbd.config import DATE_FORMATS, Config, load_config
from jtbd.errors import JtbdError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Find the jobs people are trying to get done in a folder of text, group them, and rank them by growth.",
)
fetch_app = typer.Typer(no_args_is_help=True, help="Download corpora from public APIs (needs internet).")
app.add_typer(fetch_app, name="fetch")
models_app = typer.Typer(no_args_is_help=True, help="List the embedding models and build the local ones (offline).")
app.add_typer(models_app, name="models")
err = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Items a second over the last half minute ("1,234/s"), blank until there is a rate."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "")


class CliProgress:
    """Progress bars (done of total, rate, time so far and left) and one line per stage on stderr; silent with
    --quiet (warnings still show)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._bars: Progress | None = None
        self._tasks: dict[str, Any] = {}

    def progress(self, name: str, done: int, total: int) -> None:
        if self.quiet or total < 1:
            return
        if self._bars is None:
            self._bars = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self._bars.start()
        if name not in self._tasks:
            self._tasks[name] = self._bars.add_task(name, total=total)
        self._bars.update(self._tasks[name], completed=done, total=total)

    def stage(self, name: str, summary: str, seconds: float) -> None:
        self.close()
        if not self.quiet:
            err.print(f"{name}: {summary}, {seconds:,.1f} s", highlight=False, markup=False)

    def warn(self, message: str) -> None:
        self.close()
        err.print(f"warning: {message}", style="yellow", highlight=False, soft_wrap=True, markup=False)

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars, self._tasks = None, {}


def _fail(error: JtbdError) -> None:
    err.print(f"Error: {error}", style="red", highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(code=1)


def _echo_paths(write: Callable[[], list[Path]]) -> None:
    """Run a command that writes files and print each path it wrote, or its error as one red line (exit 1)."""
    try:
        paths = write()
    except JtbdError as error:
        _fail(error)
        return
    for path in paths:
        typer.echo(str(path))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jtbd {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Find the jobs people are trying to get done in a folder of text, group them, and rank them by growth."""


def with_settings(*names: str, help: dict[str, str] | None = None) -> Callable[[Any], Any]:
    """Give a command one option per `Config` setting (all of them when no `names`), with the name, type and help
    text declared on Config; the command takes them as `**settings`. A boolean setting gets `--x/--no-x`, so a flag
    can turn off what jtbd.toml turned on. `help` replaces a setting's help text where a command uses it otherwise.
    """

    def decorate(command: Any) -> Any:
        types = typing.get_type_hints(Config)
        hints = typing.get_type_hints(command, include_extras=True)
        params = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in inspect.signature(command).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        for setting in fields(Config):
            if names and setting.name not in names:
                continue
            kind = setting.metadata.get("cli") or next(
                t for t in typing.get_args(types[setting.name]) or [types[setting.name]] if t is not type(None)
            )
            flag = "--" + setting.name.replace("_", "-")
            text = (help or {}).get(setting.name, setting.metadata["help"])
            if setting.default not in (None, False) and "default" not in text.lower():
                text += f" Default: {setting.default}."  # the default shown is Config's, not the flag's None
            option = typer.Option(
                f"{flag}/--no-{flag[2:]}" if kind is bool else flag,
                help=text,
                formats=list(DATE_FORMATS) if kind is datetime else None,
                show_default=False,
            )
            annotation = Annotated[kind | None, option]  # type: ignore[valid-type]
            params.append(
                inspect.Parameter(setting.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
            )
            hints[setting.name] = annotation
        command.__signature__ = inspect.Signature(params)
        command.__annotations__ = hints
        return command

    return decorate


def settings_from(values: dict[str, Any]) -> dict[str, Any]:
    """The command line's settings as Config takes them: each read value through its setting's `parse`."""
    out = {}
    for setting in fields(Config):
        if setting.name in values:
            value, parse = values[setting.name], setting.metadata.get("parse")
            out[setting.name] = parse(value) if parse and value is not None else value
    return out


@app.command()
@with_settings()
def cluster(
    corpus: Annotated[
        Path, typer.Argument(help="Folder or file: JSONL, JSON, CSV, Parquet, .txt/.md, or .gz of these.")
    ],
    out: Annotated[Path | None, typer.Option(help="Output folder. Default: jtbd-out/<corpus name>.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr (warnings still show).")] = False,
    **settings: Any,
) -> None:
    """Extract job statements, cluster them, rank the clusters by growth, and write a report folder.

    Examples:

      jtbd cluster corpora/startups-demo

      jtbd cluster hn.jsonl.gz --since 2023-01 --period quarter --json > result.json

      jtbd cluster tickets.csv --text-field body --time-field opened_at --out reports/tickets

      jtbd cluster corpora/startups-demo --weights growth=2,supply=0
    """
    from jtbd.pipeline import cluster as run_cluster

    progress = CliProgress(quiet)
    try:
        run = run_cluster(corpus, out=out, config=load_config(**settings_from(settings)), progress=progress)
    except JtbdError as error:
        _fail(error)
        return
    finally:
        progress.close()
    if as_json:
        summary = {
            "out_dir": str(run.out_dir),
            "report": str(run.report_path),
            "counts": run.results.run.counts,
            "clusters": [
                {
                    "rank": c.rank,
                    "id": c.id,
                    "label": c.label.title,
                    "keywords": c.label.keywords,
                    "size": c.size,
                    "n_authors": c.n_authors,
                    "trend": c.growth.trend,
                    "growth": {"rate": c.growth.rate, "low": c.growth.low, "high": c.growth.high},
                    "score": c.score,
                }
                for c in run.clusters
            ],
        }
        typer.echo(json.dumps(summary, indent=1))
        return
    from jtbd.report_text import among_text, growth_text, trend_words
    from jtbd.safetext import printable

    for c in run.clusters[:15]:
        rate = f"{growth_text(c.growth)} a year{among_text(c.growth)}" if c.growth.rate else "n/a"
        title = printable(c.label.title)  # corpus text: no terminal escape sequence gets through
        typer.echo(f"{c.rank:>3}. {title}  [{trend_words(c.growth.trend)}, {rate}, {c.n_authors} authors]")
    if len(run.clusters) > 15:
        typer.echo(f"     ... {len(run.clusters) - 15} more in the report")
    typer.echo(f"report: {run.report_path}")


@app.command()
@with_settings(
    "model",
    "detector",
    "similarity",
    "period",
    "window",
    "since",
    "until",
    "text_field",
    "time_field",
    "id_field",
    "author_field",
    "title_field",
    "url_field",
    "strict",
    "max_record_mb",
    "max_file_mb",
    "batch_size",
)
def track(
    query: Annotated[list[str], typer.Argument(help='What to track, e.g. "deep learning"; then the corpus.')],
    query_file: Annotated[
        Path | None, typer.Option(help="More queries, one a line: `name: phrase, phrase` or one phrase.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder. Default: jtbd-out/<corpus name>-track.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr (warnings still show).")] = False,
    **settings: Any,
) -> None:
    """Track how often a corpus speaks of a query, period by period: the share of documents and of job statements
    that match it by keywords and by meaning, its growth with a 95% interval, and the periods where it turned.

    The last argument is the corpus; the ones before it are queries (none when --query-file gives them).

    Examples:

      jtbd track "deep learning" hn.jsonl.gz --period quarter

      jtbd track "machine learning" "large language model" hn.jsonl.gz

      jtbd track --query-file queries.txt corpora/startups-demo
    """
    from jtbd.pipeline import Pipeline
    from jtbd.track import parse_queries

    *texts, corpus = query
    progress = CliProgress(quiet)
    try:
        config = load_config(**settings_from(settings))
        run = Pipeline.from_config(config).track(
            Path(corpus), parse_queries(texts, query_file), out=out, progress=progress
        )
    except JtbdError as error:
        _fail(error)
        return
    finally:
        progress.close()
    from jtbd.report_track import summary_lines

    for line in summary_lines(run):
        typer.echo(line)
    typer.echo(f"report: {run.out_dir / 'track.md'}")


@fetch_app.command("hn")
def fetch_hn(
    out: Annotated[Path, typer.Option(help="Corpus folder to write JSONL files into.")] = Path("corpora/hn"),
    thread: Annotated[list[int] | None, typer.Option(help="HN item id of a thread; repeat for several.")] = None,
    last: Annotated[int | None, typer.Option(help="Fetch the last N 'Ask HN: Who is hiring?' threads.")] = None,
    min_interval: Annotated[float, typer.Option(help="Seconds between requests (be polite).")] = 1.0,
) -> None:
    """Fetch HN threads (all comments) as JSONL; finished threads are skipped on a re-run.

    Examples:

      jtbd fetch hn --last 12 --out corpora/hn-hiring

      jtbd fetch hn --thread 41709301
    """
    from jtbd.fetch import fetch_hn_hiring, fetch_hn_thread

    if not thread and not last:
        err.print("Error: pass --thread ID or --last N.", style="red")
        raise typer.Exit(code=2)

    def say(message: str) -> None:
        err.print(message, highlight=False)

    def fetch() -> list[Path]:
        paths = [fetch_hn_thread(t, out, min_interval=min_interval, progress=say) for t in thread or []]
        return paths + (fetch_hn_hiring(last, out, min_interval=min_interval, progress=say) if last else [])

    _echo_paths(fetch)


@app.command()
@with_settings(
    "weights",
    "period",
    "window",
    help={
        "weights": "Re-score and re-rank with these weights, e.g. growth=2,supply=0 (names left out keep the "
        "default); rewrites clusters.json/csv and run.json too.",
        "period": "Fit growth again per week, month or quarter, from assignments.csv (clusters stay).",
        "window": "Fit growth again over this many periods, counted back from the last (default: the run's; with a "
        "new --period, the last 24 months).",
    },
)
def report(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `jtbd cluster` (holds clusters.json).")],
    **settings: Any,
) -> None:
    """Render report.md and report.html again from RUN_DIR/clusters.json, without clustering again.

    Examples:

      jtbd report jtbd-out/startups-demo

      jtbd report reports/tickets    # e.g. after upgrading jtbd: new layout, same numbers

      jtbd report jtbd-out/startups-demo --weights growth=2,supply=0    # re-rank in a second

      jtbd report jtbd-out/startups-demo --window 12 --period quarter    # growth over another window
    """
    from jtbd.rerender import rerender

    _echo_paths(lambda: rerender(run_dir, **settings_from(settings), say=lambda message: typer.echo(message, err=True)))


@app.command()
def show(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `jtbd cluster` (holds clusters.json).")],
    job: Annotated[int, typer.Argument(help="The job's rank, as the report numbers it (#3); with --id, its id.")],
    by_id: Annotated[
        bool, typer.Option("--id", help="JOB is a cluster id ('cluster N' in the report, `id` in clusters.json).")
    ] = False,
) -> None:
    """Print one job: title, trend and growth with its interval, reach, keyphrases, share per period, quotes.

    Example: jtbd show jtbd-out/startups-demo 3   (the job ranked #3; `--id 3` for cluster 3)
    """
    from jtbd.report import read_results
    from jtbd.report_text import render_cluster_text
    from jtbd.safetext import printable

    try:
        results = read_results(run_dir)
        text = render_cluster_text(results, job if by_id else results.at_rank(job).id)
    except JtbdError as error:
        _fail(error)
        return
    typer.echo(printable(text))


@app.command()
def diff(
    old_run: Annotated[Path, typer.Argument(help="The earlier output folder of `jtbd cluster`.")],
    new_run: Annotated[Path, typer.Argument(help="The later one.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON: new, gone, grown, shrunk, split, merged, same.")
    ] = False,
) -> None:
    """What changed between two runs: jobs and themes new, gone, grown, shrunk, split, merged or renamed.

    Example: jtbd diff jtbd-out/hn-2024-12 jtbd-out/hn-2025-01
    """
    from jtbd.identity import diff_markdown, diff_runs
    from jtbd.safetext import printable

    try:
        changes = diff_runs(old_run, new_run)
    except JtbdError as error:
        _fail(error)
        return
    typer.echo(json.dumps(changes, indent=1, ensure_ascii=False) if as_json else printable(diff_markdown(changes)))


REVIEW_KEYS = (
    "Enter next · r rename · h hide · p pin · m merge a job into it · s split by a word · o owner · t status · q quit"
)


@app.command()
def review(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `jtbd cluster`.")],
    job: Annotated[
        int | None,
        typer.Option("--job", help="The job's id ('cluster N' in the report). Without it: one job after another."),
    ] = None,
    rename: Annotated[str | None, typer.Option(help="Its title from now on ('' to undo).")] = None,
    hide: Annotated[
        str | None, typer.Option(help="Hide it, saying why, e.g. 'not a job: boilerplate' ('' to show).")
    ] = None,
    pin: Annotated[bool | None, typer.Option("--pin/--unpin", help="Rank it first.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns it ('' to clear).")] = None,
    status: Annotated[str | None, typer.Option(help="exploring, building or rejected ('' to clear).")] = None,
    merge: Annotated[
        list[int] | None, typer.Option(help="Merge that job into this one (repeat for more); next run on.")
    ] = None,
    split: Annotated[
        list[str] | None,
        typer.Option(help="Split its statements that say this word off as a new job (repeat: any word); next run on."),
    ] = None,
    unmerge: Annotated[bool, typer.Option(help="Undo its merges.")] = False,
    unsplit: Annotated[bool, typer.Option(help="Undo its split.")] = False,
) -> None:
    """Record decisions about jobs, then render the run again with every decision applied.

    With --job, the decision the flags give; without, each job in rank order, asking what to do with it (Enter
    goes on, q stops; each decision is saved as it is made). The decisions file lives beside the output folder and
    every later `jtbd cluster` into that folder applies it (job ids stay from run to run); a decision whose job is
    gone is reported, not dropped. A rename, hide, pin, owner or status shows at once; a merge or split changes
    which statements a job holds, so growth must be fitted again: it shows from the next `jtbd cluster`.

    Example: jtbd review jtbd-out/hn --job 7 --hide "not a job: employer boilerplate"
    """
    from jtbd.decisions import decisions_path, record_decision
    from jtbd.report import read_found_jobs, read_results
    from jtbd.rerender import rerender

    try:
        results = read_results(run_dir)
        ids = {c.id for c in results.clusters}
        # Ids in use before a split's new id is picked: only a split needs them (all of assignments.csv is read).
        used = (read_found_jobs(run_dir) or []) if split or job is None else []
        path = decisions_path(run_dir.resolve(), results.run.config.decisions)  # the file the run applies
        if job is None:
            structural = _review_each_job(results.clusters, lambda j, **kw: record_decision(path, j, ids, used, **kw))
        else:
            decided = record_decision(
                path,
                job,
                ids,
                used,
                rename=rename,
                hide=hide,
                pin=pin,
                owner=owner,
                status=status,
                merge=merge,
                split=split,
                unmerge=unmerge,
                unsplit=unsplit,
            )
            typer.echo(f"{path}: job {job}: {decided.asked()}")
            structural = bool(merge or split or unmerge or unsplit)
        if structural:
            typer.echo(f"Merges and splits apply from the next `jtbd cluster` into {run_dir}.", err=True)
        _echo_paths(lambda: rerender(run_dir, say=lambda message: typer.echo(message, err=True)))
    except JtbdError as error:
        _fail(error)


def _review_each_job(clusters: Sequence[Any], decide: Callable[..., Any]) -> bool:
    """`jtbd review` without --job: each job not hidden, in rank order, with what it is and a quote, then a prompt
    (REVIEW_KEYS) until Enter or q. Returns whether a merge or split was decided."""
    from jtbd.report_text import trend_words
    from jtbd.safetext import printable

    asks = {"r": ("rename", "New title"), "h": ("hide", "Why hide it"), "o": ("owner", "Owner")}
    asks |= {"t": ("status", "Status (exploring, building, rejected)"), "s": ("split", "Word")}
    structural = False
    for c in (c for c in clusters if not c.hidden):
        typer.echo(
            f"\n#{c.rank} (job {c.id}) {printable(c.label)}: {c.size:,} statements, {c.n_authors:,} authors, "
            f"{trend_words(c.growth.trend)}"
        )
        if c.quotes:
            typer.echo(f"  “{printable(' '.join(c.quotes[0].text.split())[:200])}”")
        while (key := typer.prompt(REVIEW_KEYS, default="", show_default=False).strip().lower()) not in ("", "q"):
            try:
                if key == "p":
                    decided = decide(c.id, pin=True)
                elif key == "m":
                    decided = decide(c.id, merge=[typer.prompt("Id of the job to merge into this one", type=int)])
                elif key in asks:
                    name, question = asks[key]
                    answer = typer.prompt(question)
                    decided = decide(c.id, **{name: [answer] if name == "split" else answer})
                else:
                    typer.echo("One of: " + REVIEW_KEYS)
                    continue
                structural |= key in ("m", "s")
                typer.echo(f"  saved: job {c.id}: {decided.asked()}")
            except JtbdError as error:
                typer.echo(f"  {error}", err=True)
        if key == "q":
            break
    return structural


@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `jtbd cluster`.")],
    to: Annotated[
        str,
        typer.Option(
            "--to", help="csv, jsonl, jira (Jira's CSV import) or linear (the same, for Linear's Jira importer)."
        ),
    ] = "csv",
    out: Annotated[
        Path | None, typer.Option(help="File to write. Default: <RUN_DIR>/../<name>.<format>.csv|jsonl")
    ] = None,
) -> None:
    """Write the run's jobs (not those a reviewer hid) as items a planning tool imports: title, description with
    trend, reach, owner, status, quotes and links, and labels from theme, trend and status. No network.

    Example: jtbd export jtbd-out/hn --to jira
    """
    from jtbd.export import export_items, render_export
    from jtbd.report import read_results

    try:
        text = render_export(export_items(read_results(run_dir), run_dir), to)
        suffix = "jsonl" if to == "jsonl" else "csv"
        path = out or run_dir.resolve().with_name(f"{run_dir.resolve().name}.{to}.{suffix}")
        if path.is_dir():
            raise JtbdError(f"--out '{path}' is a folder. Pass a file path.")
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8", newline="")
        temporary.replace(path)
    except (JtbdError, OSError) as error:
        _fail(error if isinstance(error, JtbdError) else JtbdError(f"Cannot write the export: {error}."))
        return
    typer.echo(str(path))


@app.command()
def runs(limit: Annotated[int, typer.Option(help="How many runs to list.")] = 20) -> None:
    """List recent runs from the run history (newest first).

    Example: jtbd runs --limit 5
    """
    from jtbd.config import home_dir
    from jtbd.history import list_runs

    for row in list_runs(home_dir() / "cache.duckdb", limit):
        typer.echo(
            f"{row['started_at']:%Y-%m-%d %H:%M}  {row['n_documents']:>7,} docs  {row['n_statements']:>7,} "
            f"statements  {row['n_clusters']:>4} clusters  {row['out_dir']}"
        )


@models_app.command("list")
def models_list() -> None:
    """Show every model in models/manifest.toml: kind, dimensions, licence, and whether it is ready to use.

    Example: jtbd models list
    """
    from jtbd.models import load_manifest, model_status

    for spec in load_manifest().values():
        typer.echo(
            f"{spec.key:<15} {spec.role:<9} {spec.kind:<21} {spec.dimensions:>4}d  {spec.license:<10} "
            f"{model_status(spec)}"
        )


@models_app.command("build")
def models_build(name: Annotated[str, typer.Argument(help="Model to build, e.g. minilm-static.")]) -> None:
    """Build a local model from installed ones (offline), then record its sha256 beside it.

    Example: jtbd models build minilm-static
    """
    from jtbd.models import build_model, get_spec

    try:
        if get_spec(name).is_built_locally:
            err.print(f"building {name} (offline; about 2 minutes on two CPU cores)...", highlight=False, markup=False)
        result = build_model(name)
    except JtbdError as error:
        _fail(error)
        return
    typer.echo(f"{result.key}: {result.folder} sha256 {result.sha256} ({result.seconds:,.0f} s)")
