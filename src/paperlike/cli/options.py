"""The options and arguments the commands share, and what they become: the output format, how a
query is read, the filters of a request; and the exit codes of an answer that is not an error.

Only typer and :mod:`paperlike.defaults` are imported here, so that ``--help`` builds every
command's options without the API (the models are imported when a command runs).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..defaults import INPUT_FORMATS, MAX_DIVERSE_K, MAX_K
from ..errors import UsageError
from .lazy import requests, results

if TYPE_CHECKING:
    from ..requests import Filters

ModelOption = Annotated[Path, typer.Option(
    "--model", "-m", help="Model folder. The default one is built from the bundled seeds on first use.",
    show_default=True)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for tools: the same as --format json.")]
FieldsOption = Annotated[Optional[str], typer.Option(
    "--fields", help="Only these fields of each result, in this order, for json, jsonl and csv "
                     "(comma-separated, e.g. rank,id,title,url).")]
OUTPUTS = ("table", "json", "jsonl", "csv")
NOTHING_FOUND = 3
"""Exit code of a query that found no paper (similar, recommend, feed) or of a check that found
nothing known: an answer, not an error (1) or a wrong use (2)."""
SOME_FAILED = 4
"""Exit code of similar-many when a line had no answer (the others are printed)."""
CITED = ("bibtex", "ris")
"""The formats a reference manager imports, for the commands that answer with papers."""


def result_fields() -> tuple[str, ...]:
    """The fields of a result (Neighbour), in order: what --fields picks from."""
    return tuple(results.Neighbour.model_fields)


def complete(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    """Shell completion of an option's values (typer's completion calls this with what is typed)."""
    return lambda incomplete: [c for c in choices if c.startswith(incomplete)]


OutputOption = Annotated[str, typer.Option(
    "--format", help="Output: table (for people), json, jsonl (one result per line) or csv.",
    case_sensitive=False, autocompletion=complete(OUTPUTS))]
CitedOutputOption = Annotated[str, typer.Option(
    "--format", help="Output: table (for people), json, jsonl (one result per line), csv, or bibtex "
                     "or ris (entries a reference manager imports).",
    case_sensitive=False, autocompletion=complete(OUTPUTS + CITED))]
InputFormatOption = Annotated[Optional[str], typer.Option(
    "--input-format", help=f"Force the input format ({', '.join(INPUT_FORMATS)}); default: detect.",
    autocompletion=complete(INPUT_FORMATS))]
MaxRecordBytesOption = Annotated[int, typer.Option(
    "--max-record-bytes", min=1, help="Skip, as malformed, a record larger than this many bytes "
                                      "(its line, entry or JSON value in the file).")]
CategoryOption = Annotated[Optional[list[str]], typer.Option(
    "--category", help="Only papers of this category (cs.CL; CL for any archive's; cs for all cs.*). Repeatable.")]
SinceOption = Annotated[Optional[str], typer.Option(
    "--since", help="Only papers first dated on or after this YYYY[-MM[-DD]].")]
UntilOption = Annotated[Optional[str], typer.Option(
    "--until", help="Only papers first dated on or before this YYYY[-MM[-DD]].")]
DiverseOption = Annotated[bool, typer.Option(
    "--diverse", help="Re-rank by maximal marginal relevance, so results are not all alike.")]
# The request models check -k (1 to MAX_K), so that its limit is theirs, and the service's.
KOption = Annotated[int, typer.Option(
    "-k", help=f"How many papers to return: 1 to {MAX_K}, to {MAX_DIVERSE_K} with --diverse.")]
QueryArgument = Annotated[str, typer.Argument(help="A record id, an arXiv id, a title, or free text.")]
ByIdOption = Annotated[bool, typer.Option("--id", help="Read QUERY as an id only.")]
ByTextOption = Annotated[bool, typer.Option("--text", help="Read QUERY as free text only.")]


def query_kind(by_id: bool, by_text: bool) -> str | None:
    """How --id / --text ask the query to be read (None: try an id, a title, then text)."""
    if by_id and by_text:
        raise UsageError("--id and --text exclude each other")
    return "id" if by_id else "text" if by_text else None


def make_filters(category: list[str] | None, since: str | None, until: str | None) -> Filters:
    """The filters of a request, from --category, --since and --until."""
    return requests.Filters(categories=category or [], since=since, until=until)


def output_format(fmt: str, as_json: bool, choices: tuple[str, ...] = OUTPUTS) -> str:
    """The output --format (or --json) asks for, one of ``choices``."""
    fmt = "json" if as_json else fmt.lower()
    if fmt not in choices:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(choices)}")
    return fmt



def input_format(name: str | None) -> str | None:
    """The --input-format given, checked (None: detect the format of each file)."""
    if name is not None and name not in INPUT_FORMATS:
        raise UsageError(f"unknown --input-format {name!r}; choose one of {', '.join(INPUT_FORMATS)}")
    return name
