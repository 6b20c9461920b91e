"""What the commands print, and where: answers on stdout as a table for people or as JSON, JSON
lines or CSV for tools (the rows and fields of :mod:`paperlike.output`); notices and progress on
stderr. rich is imported when something is shown, pydantic with the answer.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from .lazy import api, export, output
from .options import CITED, NOTHING_FOUND, result_fields

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console
    from rich.table import Table

    from ..results import Recommendations, Similar


def escape(text: str) -> str:
    """rich's markup escape (rich is imported when something is shown)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def count(n: int, noun: str) -> str:
    """``n noun``, the noun plural unless n is 1."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def stdout() -> Console:
    from rich.console import Console

    return Console(soft_wrap=False)


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def notice(message: str) -> None:
    typer.echo(f"paperlike: {message}", err=True)


@contextmanager
def progress(description: str) -> Iterator[Callable[[float], None] | None]:
    """A progress bar on stderr while long work runs, only when stderr is a terminal.

    Yields a function taking the fraction done (None when there is no bar, so that the work
    does not count what nobody sees: lines of a large file, say); work that cannot tell shows
    a moving bar.
    """
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr(), transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda fraction: bar.update(task, total=1.0, completed=fraction)


def results(index, result: Similar | Recommendations, fmt: str, fields: list[str] | None,
            title: Callable[[], Table]) -> None:
    """Print the papers of an answer: as entries of a reference manager's format, or as
    :func:`emit` prints; why there are none on stderr (and in the table and JSON), exit code 3."""
    if fmt in CITED:
        typer.echo(export.write_records(api.cited_records(index, [n.id for n in result.results]), fmt), nl=False)
    else:
        emit(result, fmt, title, lambda: [n.model_dump(mode="json") for n in result.results], fields=fields,
             columns=result_fields())
    if not result.results:
        notice(f"no results: {result.empty}")
        raise typer.Exit(NOTHING_FOUND)


def emit(value: BaseModel | list[BaseModel], fmt: str, table: Callable[[], object],
         rows: Callable[[], list[dict]] | None = None, *, fields: list[str] | None = None,
         columns: Sequence[str] = (), keep: Sequence[str] = ()) -> None:
    """Print a result as a table, JSON, JSON lines or CSV. JSON is the whole documented shape;
    JSON lines and CSV are its rows (results, records, members), one per line. ``fields``
    (--fields) keeps those of each row, after the ``keep`` columns; ``columns`` is the CSV
    header of an answer with no row."""
    if fmt == "table":
        shown = table()
        # A sentence is not a table: wrapping it at the terminal's width would break the paths
        # and words that scripts and people search for in it.
        stdout().print(shown, soft_wrap=isinstance(shown, str))
    elif fmt == "json":
        data = [v.model_dump(mode="json") for v in value] if isinstance(value, list) else value.model_dump(mode="json")
        typer.echo(json.dumps(output.pick_answer(data, fields), ensure_ascii=False, indent=2))
    else:
        items = rows() if rows else [v.model_dump(mode="json") for v in (value if isinstance(value, list) else [value])]
        items = [output.pick(item, fields, keep) for item in items]
        if fmt == "jsonl":
            for item in items:
                typer.echo(json.dumps(item, ensure_ascii=False))
        else:
            sys.stdout.write(output.csv_text(items, [*keep, *fields] if fields else columns))
            sys.stdout.flush()


def stream_rows(fmt: str, rows, columns: list[str]) -> None:
    """JSON lines or CSV rows as they come (CSV with a fixed header, printed even when empty)."""
    if fmt == "jsonl":
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(columns)
    for row in rows:
        out.writerow([output.csv_cell(row.get(c)) for c in columns])
    sys.stdout.flush()


@contextmanager
def redirected() -> Iterator[io.StringIO]:
    """Standard output caught in a buffer (to write it to a file whole, atomically)."""
    buffer, saved = io.StringIO(), sys.stdout
    sys.stdout = buffer
    try:
        yield buffer
    finally:
        sys.stdout = saved
