"""The `jtbd` command: parse options, call the library, print results on stdout and progress on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jtbd import __version__
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


class CliReporter:
    """Progress bars and one line per stage on stderr; silent with --quiet (warnings still show)."""

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
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            self._bars.start()
        if name not in self._tasks:
            self._tasks[name] = self._bars.add_task(name, total=total)
        self._bars.update(self._tasks[name], completed=done, total=total)

    def stage(self, name: str, summary: str, seconds: float) -> None:
        self._close_bars()
        if not self.quiet:
            err.print(f"{name}: {summary}, {seconds:,.1f} s", highlight=False, markup=False)

    def warn(self, message: str) -> None:
        self._close_bars()
        err.print(f"warning: {message}", style="yellow", highlight=False, soft_wrap=True, markup=False)

    def _close_bars(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars, self._tasks = None, {}


def _utc(value: datetime | None, *, end_of_day: bool = False) -> datetime | None:
    """Dates on the command line are UTC; `--until 2024-03-31` means up to the end of that day."""
    if value is None:
        return None
    if end_of_day and (value.hour, value.minute, value.second) == (0, 0, 0):
        value = value + timedelta(days=1) - timedelta(microseconds=1)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


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


DATE_FORMATS = ["%Y-%m-%d", "%Y-%m", "%Y-%m-%dT%H:%M:%S"]


def parse_weights(text: str) -> dict[str, float]:
    """`growth=1,reach=0.5` -> {"growth": 1.0, "reach": 0.5}; names are checked here, before the slow stages."""
    import math

    from jtbd.errors import ConfigError
    from jtbd.rank import DEFAULT_WEIGHTS

    example = "Example: --weights growth=1,reach=0.5,pain=0.5,supply=0.3"
    weights: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        name, _, value = (piece.strip() for piece in item.partition("="))
        try:
            weights[name] = float(value)
        except ValueError:
            weights[name] = math.nan
        if not name or not math.isfinite(weights[name]):
            raise ConfigError(f"--weights must be name=number pairs separated by commas. Got {item!r}. {example}")
        if name not in DEFAULT_WEIGHTS:
            raise ConfigError(f"Unknown score weight {name!r} in --weights. Known: {', '.join(DEFAULT_WEIGHTS)}.")
    return weights


@app.command()
def cluster(
    corpus: Annotated[
        Path, typer.Argument(help="Folder or file: JSONL, JSON, CSV, Parquet, .txt/.md, or .gz of these.")
    ],
    out: Annotated[Path | None, typer.Option(help="Output folder. Default: jtbd-out/<corpus name>.")] = None,
    unit: Annotated[
        str | None, typer.Option(help="What to cluster: statement (default), sentence or document.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Embedding model: minilm, minilm-static (jtbd models build) or hashing.")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Only documents from this date (UTC).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Only documents up to this date, inclusive (UTC).")
    ] = None,
    min_cluster_size: Annotated[
        int | None, typer.Option(help="Smallest cluster kept. Default scales with corpus.")
    ] = None,
    min_voices: Annotated[
        int | None,
        typer.Option(help="Distinct authors a cluster needs (default: --min-cluster-size); 1 keeps one voice's jobs."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="Growth period: week, month or quarter. Default auto: month, or week when the corpus spans under "
            "6 months."
        ),
    ] = None,
    window: Annotated[
        int | None, typer.Option(help="Periods in the growth fit, counted back from the last (default: 24 months).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed, saved in run.json.")] = None,
    noise_similarity: Annotated[
        float | None,
        typer.Option(help="Noise joins its nearest cluster at this cosine similarity or more; 1 keeps all noise."),
    ] = None,
    resolution: Annotated[
        float | None, typer.Option(help="Leiden resolution: higher gives more, smaller clusters (default 2).")
    ] = None,
    stability: Annotated[
        bool, typer.Option("--stability", help="Re-cluster 5 subsamples; flag clusters that do not come back.")
    ] = False,
    text_field: Annotated[str | None, typer.Option(help="Column/key holding the text, for unknown layouts.")] = None,
    time_field: Annotated[str | None, typer.Option(help="Column/key holding the timestamp.")] = None,
    id_field: Annotated[str | None, typer.Option(help="Column/key holding the record id.")] = None,
    author_field: Annotated[str | None, typer.Option(help="Column/key holding the author.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first malformed record.")] = False,
    weights: Annotated[
        str | None,
        typer.Option(help="Score weights, e.g. growth=1,reach=0.5,pain=0.5,supply=0.3 (names left out keep theirs)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr (warnings still show).")] = False,
) -> None:
    """Extract job statements, cluster them, rank the clusters by growth, and write a report folder.

    Examples:

      jtbd cluster corpora/startups-demo

      jtbd cluster hn.jsonl.gz --since 2023-01 --period quarter --json > result.json

      jtbd cluster tickets.csv --text-field body --time-field opened_at --out reports/tickets

      jtbd cluster corpora/startups-demo --weights growth=2,supply=0
    """
    from jtbd.config import load_config
    from jtbd.pipeline import cluster as run_cluster

    reporter = CliReporter(quiet)
    try:
        config = load_config(
            unit=unit,
            model=model,
            since=_utc(since),
            until=_utc(until, end_of_day=True),
            min_cluster_size=min_cluster_size,
            min_voices=min_voices,
            period=period,
            window=window,
            seed=seed,
            noise_similarity=noise_similarity,
            resolution=resolution,
            stability=stability or None,
            text_field=text_field,
            time_field=time_field,
            id_field=id_field,
            author_field=author_field,
            strict=strict or None,
            weights=parse_weights(weights) if weights else None,
        )
        run = run_cluster(corpus, out=out, config=config, reporter=reporter)
    except JtbdError as error:
        _fail(error)
        return
    finally:
        reporter._close_bars()
    if as_json:
        summary = {
            "out_dir": str(run.out_dir),
            "report": str(run.report_path),
            "counts": run.info["counts"],
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
    from jtbd.report_text import among_text, pct

    for c in run.clusters[:15]:
        rate = f"{pct(c.growth.rate)}/yr{among_text({'among': c.growth.among})}" if c.growth.rate else "n/a"
        typer.echo(f"{c.rank:>3}. {c.label.title}  [{c.growth.trend}, {rate}, {c.n_authors} authors]")
    if len(run.clusters) > 15:
        typer.echo(f"     ... {len(run.clusters) - 15} more in the report")
    typer.echo(f"report: {run.report_path}")


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
def report(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `jtbd cluster` (holds clusters.json).")],
    weights: Annotated[
        str | None,
        typer.Option(
            help="Re-score and re-rank with these weights, e.g. growth=2,supply=0 (names left out keep the default); "
            "rewrites clusters.json/csv and run.json too."
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="Fit growth again per week, month or quarter, from assignments.csv (clusters stay)."),
    ] = None,
    window: Annotated[
        int | None,
        typer.Option(
            help="Fit growth again over this many periods, counted back from the last (default: the run's; with a "
            "new --period, the last 24 months)."
        ),
    ] = None,
) -> None:
    """Render report.md and report.html again from RUN_DIR/clusters.json, without clustering again.

    Examples:

      jtbd report jtbd-out/startups-demo

      jtbd report reports/tickets    # e.g. after upgrading jtbd: new layout, same numbers

      jtbd report jtbd-out/startups-demo --weights growth=2,supply=0    # re-rank in a second

      jtbd report jtbd-out/startups-demo --window 12 --period quarter    # growth over another window
    """
    from jtbd.report import rerender_reports

    _echo_paths(
        lambda: rerender_reports(
            run_dir,
            weights=parse_weights(weights) if weights is not None else None,
            period=period,
            window=window,
            say=lambda message: typer.echo(message, err=True),
        )
    )


@app.command()
def show(
    run_dir: Annotated[Path, typer.Argument(help="Output folder of `jtbd cluster` (holds clusters.json).")],
    cluster_id: Annotated[int, typer.Argument(help="Cluster id, as in the report ('cluster N') and clusters.json.")],
) -> None:
    """Print one cluster: title, trend and growth with its interval, reach, keyphrases, share per period, quotes.

    Example: jtbd show jtbd-out/startups-demo 3
    """
    from jtbd.report import read_payload
    from jtbd.report_text import render_cluster_text

    try:
        text = render_cluster_text(read_payload(run_dir), cluster_id)
    except JtbdError as error:
        _fail(error)
        return
    typer.echo(text)


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
