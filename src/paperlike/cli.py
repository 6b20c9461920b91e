"""The command line: each command parses, calls one API function, and prints.

People get rich tables on stdout; ``--json`` prints the documented JSON shapes for tools.
Notices and progress go to stderr. Every PaperlikeError becomes a one-line message and its
exit code here, in :class:`_Group`, and nowhere else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from . import __version__, api
from .errors import PaperlikeError, UsageError
from .models import ModelInfo, Paper, Similar
from .sources import FORMATS, read_records, seed_paths


class _Group(TyperGroup):
    """Turns paperlike's errors into ``paperlike: error: ...`` and an exit code, in one place."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except PaperlikeError as exc:
            typer.echo(f"paperlike: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


app = typer.Typer(
    cls=_Group,
    help="Papers like this, and is this the same paper? From titles and abstracts alone.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

ModelOption = Annotated[Path, typer.Option(
    "--model", "-m", help="Model folder. The default one is built from the bundled seeds on first use.",
    show_default=True)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for tools instead of a table.")]


def _stdout() -> Console:
    return Console(soft_wrap=False)


def _stderr() -> Console:
    return Console(stderr=True)


def _notice(message: str) -> None:
    typer.echo(f"paperlike: {message}", err=True)


def _print_json(value: BaseModel | list[BaseModel]) -> None:
    data = [v.model_dump(mode="json") for v in value] if isinstance(value, list) else value.model_dump(mode="json")
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@contextmanager
def _progress(description: str) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr while long work runs, only when stderr is a terminal.

    Yields a function taking the fraction done; work that cannot tell shows a moving bar.
    """
    if not sys.stderr.isatty():
        yield lambda fraction: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_stderr(), transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda fraction: bar.update(task, total=1.0, completed=fraction)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"paperlike {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Papers like this, and is this the same paper? From titles and abstracts alone."""


@app.command()
def index(
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Files or folders of paper records; none means the bundled seed corpus.")] = None,
    model: ModelOption = api.DEFAULT_MODEL,
    format: Annotated[Optional[str], typer.Option(
        "--format", help=f"Force the input format ({', '.join(FORMATS)}); default: detect.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject the input if any record is malformed.")] = False,
    year: Annotated[Optional[int], typer.Option(
        "--year", help="Year for listing dates that give only month and day.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Read paper records, build the TF-IDF index and save it to the model folder.

    Example: [bold]paperlike index papers/ arxiv.jsonl.gz --model models/mine[/bold]
    """
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown --format {format!r}; choose one of {', '.join(FORMATS)}")
    with _progress("Reading records") as advance:
        corpus = read_records(paths or seed_paths(), format=format, strict=strict, year=year,
                              progress=advance)
    for bad in corpus.skipped:
        _notice(f"skipped {bad.path}:{bad.line}: {bad.reason}")
    with _progress(f"Vectorising {len(corpus.records)} records"):
        built = api.build_index(corpus)
    with _progress(f"Saving to {model}"):
        api.save_index(built, model)
    info = api.model_info(model)
    summary = {"model": str(model), "records": info.records, "papers": info.papers,
               "vocabulary": info.vocabulary, "skipped": len(corpus.skipped)}
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(f"indexed {info.records} records ({info.papers} papers, {info.vocabulary} terms) "
               f"into {model}; skipped {len(corpus.skipped)} malformed")


@app.command()
def papers(model: ModelOption = api.DEFAULT_MODEL, as_json: JsonOption = False) -> None:
    """List the records the model holds.

    Example: [bold]paperlike papers --json | jq '.[].title'[/bold]
    """
    records = api.papers(api.open_model(model, notice=_notice))
    if as_json:
        _print_json(records)
        return
    _stdout().print(_papers_table(records))


def _papers_table(records: list[Paper]) -> Table:
    table = Table(title=f"{len(records)} records", title_justify="left", expand=True)
    table.add_column("id", no_wrap=True, min_width=15)
    table.add_column("date", no_wrap=True)
    table.add_column("title", no_wrap=True, overflow="ellipsis", ratio=3, min_width=24)
    table.add_column("first author", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("source", no_wrap=True, overflow="ellipsis", ratio=1)
    for r in records:
        authors = r.authors[0] + (" et al." if len(r.authors) > 1 else "") if r.authors else ""
        source = f"{Path(r.source.path).name}:{r.source.line}" if r.source else ""
        table.add_row(*(escape(cell) for cell in (r.id, r.date or "", r.label, authors, source)))
    return table


@app.command()
def similar(
    query: Annotated[str, typer.Argument(help="A record id, an arXiv id, a title, or free text.")],
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="How many papers to return.")] = 10,
    by_id: Annotated[bool, typer.Option("--id", help="Read QUERY as an id only.")] = False,
    by_text: Annotated[bool, typer.Option("--text", help="Read QUERY as free text only.")] = False,
    model: ModelOption = api.DEFAULT_MODEL,
    as_json: JsonOption = False,
) -> None:
    """Papers like this one: the k nearest papers by TF-IDF cosine, with the terms they share.

    Example: [bold]paperlike similar "FastCorrect 2"[/bold] or
    [bold]paperlike similar --text "error correction for speech recognition"[/bold]
    """
    if by_id and by_text:
        raise UsageError("--id and --text exclude each other")
    kind = "id" if by_id else "text" if by_text else None
    result = api.similar(api.open_model(model, notice=_notice), query, k=k, kind=kind)
    if as_json:
        _print_json(result)
        return
    _stdout().print(_similar_table(result))


def _similar_table(result: Similar) -> Table:
    q = result.query
    named = f"{q.id}: {q.title or ''}" if q.id else f"text {q.text!r}"
    named = escape(named)
    table = Table(title=f"Papers like {named}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("id", overflow="fold")
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("shared terms", overflow="fold", ratio=2)
    for i, n in enumerate(result.results, 1):
        title = escape(n.title) if n.title else f"[dim]{escape(n.label)}[/dim]"
        if n.versions:
            title += f"  [dim](+{len(n.versions)} version{'s' if len(n.versions) > 1 else ''})[/dim]"
        table.add_row(str(i), f"{n.score:.3f}", escape(n.id), title, escape(", ".join(n.terms)))
    return table


@app.command()
def info(model: ModelOption = api.DEFAULT_MODEL, as_json: JsonOption = False) -> None:
    """What a model holds: records, papers, vocabulary, parameters, sources, size.

    Example: [bold]paperlike info --model models/mine --json[/bold]
    """
    api.open_model(model, notice=_notice)
    described = api.model_info(model)
    if as_json:
        _print_json(described)
        return
    _stdout().print(_info_table(described))


def _info_table(info: ModelInfo) -> Table:
    table = Table(title=f"Model {info.path}", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    vec = info.parameters["vectorizer"]
    rows = [
        ("records", str(info.records)), ("distinct texts", str(info.texts)),
        ("papers", str(info.papers)), ("vocabulary", f"{info.vocabulary} terms"),
        ("size on disk", f"{info.size_bytes / 1e6:.2f} MB"), ("created", info.created),
        ("format version", str(info.format_version)),
        ("vectorizer", ", ".join(f"{k}={v}" for k, v in vec.items())),
        ("built with", ", ".join(f"{k} {v}" for k, v in info.versions.items())),
    ]
    rows += [("source", f"{s.path} ({s.records} records)") for s in info.sources]
    for name, value in rows:
        table.add_row(name, escape(value))
    return table


def main() -> None:
    """Entry point of the ``paperlike`` console script and ``python -m paperlike``."""
    app(prog_name="paperlike")
