"""The command line: each command parses, calls one API function, and prints.

``similar``, ``recommend`` and ``check --title`` build the request models the HTTP service takes
(:mod:`paperlike.models`: SimilarRequest, RecommendRequest, CheckRequest) and pass them to the
API, so their limits are the same everywhere. People get rich tables on stdout; ``--json``
prints the documented JSON shapes for tools. Notices and progress go to stderr. Every
PaperlikeError, and every request a model rejects, becomes a one-line message and its exit code
here, in :class:`_Group`, and nowhere else.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from .defaults import (
    DEFAULT_MIN_COSINE,
    DEFAULT_MODEL,
    INPUT_FORMATS,
    MAX_DIVERSE_K,
    MAX_K,
    MAX_RECORD_BYTES,
    RELATIONS,
)
from .errors import InputError, PaperlikeError, RequestError, UsageError

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console
    from rich.table import Table

    from .models import (
        AddReport,
        CheckRecord,
        CheckResult,
        DecideReport,
        DupeMember,
        Filters,
        ModelInfo,
        Paper,
        PaperSummary,
        Recommendations,
        Similar,
        SimilarRequest,
        VerifyReport,
    )


class _Later:
    """A module imported at the first use of one of its names.

    ``paperlike --version`` and ``--help`` build every command's options but run none: they need
    typer and :mod:`paperlike.defaults`, not the API, pydantic, numpy, the readers or rich's
    tables (tests/test_startup.py checks it). A command imports what it calls.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


api = _Later("paperlike.api")
models = _Later("paperlike.models")
sources = _Later("paperlike.sources")
evaluate = _Later("paperlike.evaluate")
rules = _Later("paperlike.dedup.rules")
output = _Later("paperlike.output")
export = _Later("paperlike.export")
zotero = _Later("paperlike.sources.zotero")
rich_table = _Later("rich.table")


def escape(text: str) -> str:
    """rich's markup escape (rich is imported when something is shown)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


# The option that gives each field of the models a command builds, by model: a request the model
# rejects is reported by the option (-k: ...), as Click reports its own.
_FILTER_OPTIONS = {"categories": "--category", "since": "--since", "until": "--until", "": "--since/--until"}
_OPTIONS = {
    "Filters": _FILTER_OPTIONS,
    "SimilarRequest": {"query": "QUERY", "k": "-k", "kind": "--id/--text", "diverse": "--diverse"},
    "RecommendRequest": {"like": "--like", "not": "--not", "exclude": "--exclude", "k": "-k",
                         "diverse": "--diverse", "method": "--method"},
    "FeedRequest": {"like": "--like", "not": "--not", "exclude": "--exclude", "k": "-k", "diverse": "--diverse",
                    "method": "--method", "since": "--since", "name": "--name"},
    "CheckRecord": {"title": "--title", "abstract": "--abstract", "authors": "--authors", "year": "--year"},
}


class _Group(TyperGroup):
    """Turns paperlike's errors, and the requests its models reject, into ``paperlike: error: ...``
    and an exit code, in one place; and makes ``--help`` read as prose (:func:`_plain_help`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_help(self)

    def get_params(self, ctx):
        params = super().get_params(ctx)  # with the completion flags typer adds here
        for param in params:
            if isinstance(param, TyperOption) and param.is_flag:
                param.metavar = ""
        return params

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not isinstance(exc, PaperlikeError) and not _rejected(exc):
                raise
            if not isinstance(exc, PaperlikeError):  # a request model built from the options
                exc = RequestError.of(exc.errors(), _OPTIONS.get(exc.title, {}))
            typer.echo(f"paperlike: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _rejected(exc: Exception) -> bool:
    """Whether the error is pydantic's ValidationError (imported only if a model was built)."""
    pydantic_core = sys.modules.get("pydantic_core")
    return pydantic_core is not None and isinstance(exc, pydantic_core.ValidationError)


# The value an option takes, as --help names it: by the parameter's name, else its type.
_METAVARS = {"model": "DIR", "fmt": "FORMAT", "input_format": "FORMAT", "since": "DATE", "until": "DATE",
             "like": "PAPERS", "not_": "PAPERS", "exclude": "PAPERS", "category": "CATEGORY", "out": "FILE",
             "fields": "FIELDS", "method": "METHOD", "relation": "RELATION", "collection": "NAME",
             "truth_pairs": "FILE", "truth_groups": "FILE", "truth_field": "FIELD", "host": "ADDRESS"}
_TYPE_METAVARS = {"int": "N", "float": "NUMBER", "Path": "PATH", "str": "TEXT"}


def _plain_help(group: TyperGroup) -> None:
    """Help without Python types (typer shows ``<list[Path]>``, ``<bool>``): each option's
    value named in capitals (DIR, DATE, N), a flag's by nothing; and each command's text as
    paragraphs that the terminal wraps, not lines broken where the docstring's were."""
    for command in [group, *group.commands.values()]:
        if command.help:
            command.help = _reflow(command.help)
        command.get_help_option = _flag_help_option(command.get_help_option)
        if isinstance(command, TyperGroup) and command is not group:
            _plain_help(command)
            continue
        for param in command.params:
            if isinstance(param, TyperOption) and param.is_flag:
                param.metavar = ""
            elif isinstance(param, TyperOption):
                bare = param.bare_type().removeprefix("list[").removesuffix("]")
                param.metavar = _METAVARS.get(param.name) or _TYPE_METAVARS.get(bare, "TEXT")
            elif isinstance(param, TyperArgument):  # its name in capitals, as the usage line shows it
                param.metavar = (param.name or "value").upper()
                param.display_type_rich = lambda ctx: None  # the name says it; no type beside it


def _flag_help_option(make: Callable) -> Callable:
    """``--help`` as the other flags: no type beside it (it is made anew for each context)."""
    def help_option(ctx):
        option = make(ctx)
        if option is not None:
            option.metavar = ""
        return option
    return help_option


def _reflow(text: str) -> str:
    """A docstring's paragraphs each on one line (a line ending a paragraph stays one)."""
    return "\n\n".join(" ".join(line.strip() for line in para.splitlines())
                        for para in text.strip().split("\n\n"))


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


def _result_fields() -> tuple[str, ...]:
    """The fields of a result (Neighbour), in order: what --fields picks from."""
    return tuple(models.Neighbour.model_fields)


def _complete(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    """Shell completion of an option's values (typer's completion calls this with what is typed)."""
    return lambda incomplete: [c for c in choices if c.startswith(incomplete)]


OutputOption = Annotated[str, typer.Option(
    "--format", help="Output: table (for people), json, jsonl (one result per line) or csv.",
    case_sensitive=False, autocompletion=_complete(OUTPUTS))]
CitedOutputOption = Annotated[str, typer.Option(
    "--format", help="Output: table (for people), json, jsonl (one result per line), csv, or bibtex "
                     "or ris (entries a reference manager imports).",
    case_sensitive=False, autocompletion=_complete(OUTPUTS + CITED))]
InputFormatOption = Annotated[Optional[str], typer.Option(
    "--input-format", help=f"Force the input format ({', '.join(INPUT_FORMATS)}); default: detect.",
    autocompletion=_complete(INPUT_FORMATS))]
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


def _kind(by_id: bool, by_text: bool) -> str | None:
    """How --id / --text ask the query to be read (None: try an id, a title, then text)."""
    if by_id and by_text:
        raise UsageError("--id and --text exclude each other")
    return "id" if by_id else "text" if by_text else None


def _stdout() -> Console:
    from rich.console import Console

    return Console(soft_wrap=False)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _notice(message: str) -> None:
    typer.echo(f"paperlike: {message}", err=True)


def _output(fmt: str, as_json: bool, choices: tuple[str, ...] = OUTPUTS) -> str:
    fmt = "json" if as_json else fmt.lower()
    if fmt not in choices:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(choices)}")
    return fmt


def _results(index, result: Similar | Recommendations, fmt: str, fields: list[str] | None,
             title: Callable[[], Table]) -> None:
    """Print the papers of an answer: as entries of a reference manager's format, or as
    ``_emit`` prints; why there are none on stderr (and in the table and JSON), exit code 3."""
    if fmt in CITED:
        typer.echo(export.write_records(api.cited_records(index, [n.id for n in result.results]), fmt), nl=False)
    else:
        _emit(result, fmt, title, lambda: [n.model_dump(mode="json") for n in result.results], fields=fields,
              columns=_result_fields())
    if not result.results:
        _notice(f"no results: {result.empty}")
        raise typer.Exit(NOTHING_FOUND)


def _emit(value: BaseModel | list[BaseModel], fmt: str, table: Callable[[], object],
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
        _stdout().print(shown, soft_wrap=isinstance(shown, str))
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


def _csv_cell(value: object) -> str:
    return output.csv_cell(value)


def _filters(category: list[str] | None, since: str | None, until: str | None) -> Filters:
    return models.Filters(categories=category or [], since=since, until=until)


@contextmanager
def _progress(description: str) -> Iterator[Callable[[float], None] | None]:
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
    with Progress(*columns, console=_stderr(), transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda fraction: bar.update(task, total=1.0, completed=fraction)


def _version(value: bool) -> None:
    if value:
        from . import __version__

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
    model: ModelOption = DEFAULT_MODEL,
    input_format: InputFormatOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject the input if any record is malformed.")] = False,
    year: Annotated[Optional[int], typer.Option(
        "--year", help="Year for listing dates that give only month and day.")] = None,
    max_record_bytes: MaxRecordBytesOption = MAX_RECORD_BYTES,
    refit: Annotated[bool, typer.Option(
        "--refit", help="Rebuild the model from its own records: a new vocabulary and IDF, "
                        "taking in the words of records added since.")] = False,
    engine: Annotated[str, typer.Option(
        "--engine", help="local, or spark: build on Apache Spark, the same model "
                         "(pip install 'paperlike[spark]'; docs/spark.md).")] = "local",
    master: Annotated[Optional[str], typer.Option(
        "--master", help="Spark master URL for --engine spark (local[2], spark://host:7077, yarn); "
                         "default local[*].")] = None,
    fmt: OutputOption = "table",
    as_json: JsonOption = False,
) -> None:
    """Read paper records, build the TF-IDF index and save it to the model folder.

    Example: [bold]paperlike index papers/ arxiv.jsonl.gz --model models/mine[/bold];
    after [bold]paperlike add[/bold]: [bold]paperlike index --refit --model models/mine[/bold]
    """
    fmt = _output(fmt, as_json)
    skipped = 0
    if engine not in ("local", "spark"):
        raise UsageError(f"unknown --engine {engine!r}; choose local or spark")
    if master is not None and engine != "spark":
        raise UsageError("--master is for --engine spark")
    if engine == "spark":
        if refit:
            raise UsageError("--refit rebuilds on this machine; drop --engine spark")
        if input_format is not None and input_format not in INPUT_FORMATS:
            raise UsageError(f"unknown --input-format {input_format!r}; choose one of {', '.join(INPUT_FORMATS)}")
        with _progress(f"Building on Spark into {model}"):
            bad = api.rebuild_on_spark(model, [str(p) for p in paths or sources.seed_paths()], master=master, notice=_notice,
                                       format=input_format, strict=strict, year=year,
                                       max_record_bytes=max_record_bytes)
        for item in bad:
            _notice(f"skipped {item.path}:{item.line}: {item.reason}")
        skipped = len(bad)
    elif refit:
        if paths:
            raise UsageError("--refit rebuilds the model from its own records; give no paths")
        with _progress(f"Refitting {model}"):
            api.refit(model)
    else:
        corpus = _read(paths or sources.seed_paths(), input_format, strict, year, max_record_bytes)
        skipped = len(corpus.skipped)
        api.rebuild(model, corpus, notice=_notice, progress=_progress)
    info = api.model_info(model)
    summary = models.IndexSummary(model=str(model), records=info.records, papers=info.papers,
                           vocabulary=info.vocabulary, skipped=skipped)
    _emit(summary, fmt, lambda: (f"indexed {_count(info.records, 'record')} ({_count(info.papers, 'paper')}, "
                                 f"{_count(info.vocabulary, 'term')}) into {escape(str(model))}; "
                                 f"skipped {skipped} malformed"))


def _read(paths: list[Path], input_format: str | None, strict: bool, year: int | None = None,
          max_record_bytes: int = MAX_RECORD_BYTES):
    """Records of the inputs, with a notice for each one skipped as malformed."""
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise UsageError(f"unknown --input-format {input_format!r}; choose one of {', '.join(INPUT_FORMATS)}")
    with _progress("Reading records") as advance:
        corpus = sources.read_records(paths, format=input_format, strict=strict, year=year, progress=advance,
                              max_record_bytes=max_record_bytes)
    for bad in corpus.skipped:
        _notice(f"skipped {bad.path}:{bad.line}: {bad.reason}")
    return corpus


@app.command()
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of records to add.")],
    model: ModelOption = DEFAULT_MODEL,
    input_format: InputFormatOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject the input if any record is malformed.")] = False,
    year: Annotated[Optional[int], typer.Option(
        "--year", help="Year for listing dates that give only month and day.")] = None,
    max_record_bytes: MaxRecordBytesOption = MAX_RECORD_BYTES,
    fmt: OutputOption = "table",
    as_json: JsonOption = False,
) -> None:
    """Add records to a saved model without refitting its vocabulary, atomically.

    Versions of papers already in the model are attached to them, not added as new papers.
    Words the vocabulary does not know are reported; [bold]paperlike info[/bold] shows how
    stale the vocabulary has become and [bold]paperlike index --refit[/bold] renews it.

    Example: [bold]paperlike add new-listings.jsonl --model models/mine[/bold]
    """
    fmt = _output(fmt, as_json)
    api.open_model(model, notice=_notice)
    corpus = _read(paths, input_format, strict, year, max_record_bytes)
    with _progress(f"Adding {len(corpus.records)} records to {model}"):
        report = api.add(model, corpus, notice=_notice)
    _emit(report, fmt, lambda: _add_text(report))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _add_text(report: AddReport) -> str:
    share = report.out_of_vocabulary / report.tokens if report.tokens else 0.0
    text = (f"added {_count(report.records_added, 'record')} to {escape(report.model)}: "
            f"{_count(report.new_papers, 'new paper')}, "
            f"{_count(report.attached_versions, 'version')} of known papers; {report.out_of_vocabulary} of "
            f"{_count(report.tokens, 'word')} ({share:.1%}) out of vocabulary")
    if report.new_words:
        text += f"\nnew words (kept out until 'paperlike index --refit'): {escape(', '.join(report.new_words))}"
    return text


@app.command()
def papers(
    model: ModelOption = DEFAULT_MODEL,
    grouped: Annotated[bool, typer.Option(
        "--grouped", help="One line per paper (its canonical record), versions attached.")] = False,
    fmt: CitedOutputOption = "table",
    fields: FieldsOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the records the model holds, or its papers with --grouped.

    Example: [bold]paperlike papers --json | jq '.[].title'[/bold] or
    [bold]paperlike papers --grouped --format csv > papers.csv[/bold]
    """
    fmt = _output(fmt, as_json, OUTPUTS + CITED)
    row_model = models.PaperSummary if grouped else models.Paper
    wanted = output.parse_fields(fields, tuple(row_model.model_fields))
    index = api.open_model(model, notice=_notice)
    if fmt in CITED:  # each record, or with --grouped each paper as one record of its versions' fields
        with _progress("Writing the entries"):
            records = list(api.merged_records(index)) if grouped else api.papers(index)
        typer.echo(export.write_records(records, fmt), nl=False)
        return
    if grouped:
        with _progress(f"Gathering {_count(index.n_papers, 'paper')}"):
            summaries = api.paper_summaries(index)
        _emit(summaries, fmt, lambda: _summaries_table(summaries), fields=wanted,
              columns=output.model_columns(models.PaperSummary))
        return
    with _progress(f"Reading {_count(len(index.records_), 'record')}"):
        records = api.papers(index)
    _emit(records, fmt, lambda: _papers_table(records), fields=wanted, columns=output.model_columns(models.Paper))


def _summaries_table(summaries: list[PaperSummary]) -> Table:
    table = rich_table.Table(title=f"{len(summaries)} papers", title_justify="left", expand=True)
    table.add_column("id", no_wrap=True, min_width=15)
    table.add_column("date", no_wrap=True)
    table.add_column("title", no_wrap=True, overflow="ellipsis", ratio=3, min_width=24)
    table.add_column("versions", justify="right")
    for s in summaries:
        title = escape(s.title) if s.title else f"[dim]{escape(s.label)}[/dim]"
        table.add_row(escape(s.id), escape(s.date or ""), title,
                      str(len(s.versions)) if s.versions else "")
    return table


def _papers_table(records: list[Paper]) -> Table:
    table = rich_table.Table(title=f"{len(records)} records", title_justify="left", expand=True)
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
    query: QueryArgument,
    k: KOption = 10,
    by_id: ByIdOption = False,
    by_text: ByTextOption = False,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    diverse: DiverseOption = False,
    model: ModelOption = DEFAULT_MODEL,
    fmt: CitedOutputOption = "table",
    fields: FieldsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Papers like this one: the k nearest papers, with the terms they share.

    A paper (an id or a known title) is compared by TF-IDF cosine, free text by BM25; on a model
    of 1,000 texts or more the best 1,000 are re-ranked with their topic (LSA) similarity, shown
    in the topic column.

    Example: [bold]paperlike similar "FastCorrect 2"[/bold] or
    [bold]paperlike similar --text "error correction for speech recognition" --since 2024 --diverse[/bold]
    """
    fmt = _output(fmt, as_json, OUTPUTS + CITED)
    wanted = output.parse_fields(fields, _result_fields())
    request = _similar_request(query, k, by_id, by_text, category, since, until, diverse)
    index = api.open_model(model, notice=_notice)
    result = api.similar(index, request)
    _results(index, result, fmt, wanted, lambda: _similar_table(result))


@app.command("similar-many")
def similar_many(
    queries: Annotated[str, typer.Argument(
        help="A file of queries, one per line (ids, titles or free text); - reads standard input.")],
    k: KOption = 10,
    by_id: ByIdOption = False,
    by_text: ByTextOption = False,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    diverse: DiverseOption = False,
    model: ModelOption = DEFAULT_MODEL,
    fmt: OutputOption = "jsonl",
    fields: FieldsOption = None,
    as_json: JsonOption = False,
) -> None:
    """[bold]similar[/bold] for every line of a file, on both cores: for tools with many queries.

    Blank lines are skipped. A query that cannot be answered is reported on stderr with its
    line and keeps its place in the output with an error instead of an answer. --format jsonl
    (the default) prints one answer per query; json the list; csv and table one row per result.

    Example: [bold]paperlike similar-many titles.txt -k 5 > answers.jsonl[/bold]
    """
    fmt = _output(fmt, as_json)
    wanted = output.parse_fields(fields, _result_fields())
    lines = _query_lines(queries)
    requests = [_similar_request(q, k, by_id, by_text, category, since, until, diverse) for _, q in lines]
    answers = api.similar_many(api.open_model(model, notice=_notice), requests)
    failed = 0
    for (line, _), answer in zip(lines, answers):
        if answer.error:
            failed += 1
            _notice(f"{queries}:{line}: {answer.error}")
    rows = lambda: [{"line": line, "query": a.query, **row}  # noqa: E731
                    for (line, _), a in zip(lines, answers) if a.answer for row in _result_rows(a.answer.results)]
    if fmt == "jsonl":
        for answer in answers:
            typer.echo(json.dumps(output.pick_answer(answer.model_dump(mode="json"), wanted), ensure_ascii=False))
    else:
        _emit(answers, fmt, lambda: _many_table(rows()), rows, fields=wanted, keep=("line", "query"),
              columns=("line", "query", *_result_fields()))
    if failed:
        _notice(f"{_count(failed, 'query')} of {len(lines)} had no answer")
        raise typer.Exit(SOME_FAILED)


def _similar_request(query: str, k: int, by_id: bool, by_text: bool, category, since, until,
                     diverse: bool) -> SimilarRequest:
    return models.SimilarRequest(query=query, k=k, kind=_kind(by_id, by_text), filters=_filters(category, since, until),
                          diverse=diverse)


def _query_lines(path: str) -> list[tuple[int, str]]:
    """The non-blank lines of a file of queries (or of standard input), with their numbers."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give a file of queries, one per line") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise InputError(f"{path}: no queries; give one id, title or text per line")
    return lines


def _many_table(rows: list[dict]) -> Table:
    table = rich_table.Table(title="Papers like each query", title_justify="left")
    for name, justify in (("line", "right"), ("query", "left"), ("#", "right"), ("score", "right"),
                          ("id", "left"), ("title", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for row in rows:
        table.add_row(str(row["line"]), escape(row["query"]), str(row["rank"]), f"{row['score']:.3f}",
                      escape(row["id"]), escape(row["title"] or row["label"]))
    return table


def _result_rows(results) -> list[dict]:
    return [n.model_dump(mode="json") for n in results]


@app.command()
def recommend(
    like: Annotated[list[str], typer.Option(
        "--like", help="A paper you like: an id, a title, or a file (BibTeX, RIS, CSV, JSON lines, "
                       "any input format, or a plain list of ids/titles). Repeatable.")],
    not_: Annotated[Optional[list[str]], typer.Option(
        "--not", help="A paper unlike what you want (same forms as --like). Repeatable.")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(
        "--exclude", help="Papers to leave out, e.g. a file of what you have read. Repeatable.")] = None,
    collection: Annotated[Optional[str], typer.Option(
        "--collection", help="With --like ZOTERO.sqlite: only the items of this collection (its name, or "
                             "its path Parent/Child; its subcollections' items too).")] = None,
    method: Annotated[str, typer.Option(
        "--method", help="centroid: the list's average vector, an exact query (fast); svm: "
                         "arxiv-sanity's per-list linear SVM (better on held-out papers, seconds per list).",
        autocompletion=_complete(("centroid", "svm")))] = "centroid",
    k: KOption = 10,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    diverse: DiverseOption = False,
    model: ModelOption = DEFAULT_MODEL,
    max_record_bytes: MaxRecordBytesOption = MAX_RECORD_BYTES,
    fmt: CitedOutputOption = "table",
    fields: FieldsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Papers for a reading list: like the --like papers, unlike the --not ones.

    The liked papers' TF-IDF vectors are averaged and the disliked ones' average is subtracted
    (Rocchio); the list's own papers, their versions and --exclude are left out.

    Example: [bold]paperlike recommend --like library.bib --exclude read.txt --since 2025 -k 20[/bold]
    """
    fmt = _output(fmt, as_json, OUTPUTS + CITED)
    wanted = output.parse_fields(fields, _result_fields())
    request = models.RecommendRequest(like=_collection(like, collection), not_=not_ or [], exclude=exclude or [], k=k, method=method,
                               filters=_filters(category, since, until), diverse=diverse)
    index = api.open_model(model, notice=_notice)
    with _progress("Training the reading list's classifier" if method == "svm" else "Reading the list"):
        result = api.recommend(index, request, max_record_bytes=max_record_bytes)
    absent = 0
    for item in result.inputs:
        if item.status != "unknown":
            continue
        if item.role == "exclude" and item.reason == "not found in the model":
            absent += 1  # nothing to leave out: one line for them all, not one per paper read
        else:
            _notice(f"--{item.role} entry {item.given!r}: {item.reason or 'not found in the model'}; left out")
    if absent:
        _notice(f"{absent} --exclude entr{'y is' if absent == 1 else 'ies are'} not in the model "
                "(nothing to leave out for them)")
    _results(index, result, fmt, wanted, lambda: _similar_table(result))


def _collection(like: list[str], collection: str | None) -> list:
    """The --like entries, a Zotero database among them replaced by the records of the
    --collection (UsageError when --collection names no database to look in)."""
    if collection is None:
        return like
    out: list = []
    found = False
    for entry in like:
        path = Path(entry)
        if path.is_file() and zotero.is_database(path):
            out += api.zotero_collection(path, collection)
            found = True
        else:
            out.append(entry)
    if not found:
        raise UsageError("--collection picks a collection of a Zotero database: give --like "
                         "~/Zotero/zotero.sqlite too")
    return out


@app.command()
def feed(
    like: Annotated[Optional[list[str]], typer.Option(
        "--like", help="Your library: a file in any input format (BibTeX, RIS, CSV, JSON lines, a Zotero "
                       "database, ...), or ids or titles. Repeatable. Required unless --list is given.")] = None,
    reading_list: Annotated[Optional[str], typer.Option(
        "--list", help="A reading list made in the page (paperlike serve), kept beside the model: its "
                       "liked papers as --like, its not-interested ones as --not.")] = None,
    not_: Annotated[Optional[list[str]], typer.Option(
        "--not", help="Papers unlike what you want (same forms as --like). Repeatable.")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(
        "--exclude", help="Papers to leave out, e.g. a file of what you have read. Repeatable.")] = None,
    since: Annotated[Optional[str], typer.Option(
        "--since", help="Papers added to the model after this date or ISO time (default: since the "
                        "last run of this feed; the first time, the model's latest addition).")] = None,
    name: Annotated[str, typer.Option(
        "--name", help="Which feed: each name remembers its own last run (one per library).")] = "default",
    collection: Annotated[Optional[str], typer.Option(
        "--collection", help="With --like ZOTERO.sqlite: only the items of this collection (its name, or "
                             "its path Parent/Child; its subcollections' items too).")] = None,
    method: Annotated[str, typer.Option(
        "--method", help="centroid or svm, as for recommend.", autocompletion=_complete(("centroid", "svm")))] = "centroid",
    k: KOption = 20,
    category: CategoryOption = None,
    diverse: DiverseOption = False,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Write to this file (atomically) instead of standard output: an Atom "
                            "file for a feed reader, say.")] = None,
    model: ModelOption = DEFAULT_MODEL,
    max_record_bytes: MaxRecordBytesOption = MAX_RECORD_BYTES,
    fmt: Annotated[str, typer.Option(
        "--format", help="Output: table, json, jsonl, csv, bibtex, ris, or atom (a feed a feed reader "
                         "subscribes to).", case_sensitive=False,
        autocompletion=_complete(OUTPUTS + CITED + ("atom",)))] = "table",
    fields: FieldsOption = None,
    as_json: JsonOption = False,
) -> None:
    """New papers like your library: those added to the model since a date, or since the feed's last run, ranked.

    Run [bold]paperlike add[/bold] with each new listing, then [bold]feed[/bold]: a paper is new when its first
    record came in after the feed last ran (a new version of a known paper is not). A run without --since
    remembers where it stopped, beside the model (MODEL.feed.json), so the next run shows only what came after.
    Each result says why: its score and the terms it shares with the library.

    [bold]--list NAME[/bold] draws the library from a reading list of the page's: its liked papers and its not-interested ones.

    Example: [bold]paperlike add today.jsonl --model models/arxiv[/bold], then
    [bold]paperlike feed --like my.bib --not meh.txt --model models/arxiv --format atom --out ~/feeds/papers.xml[/bold]
    """
    fmt = _output(fmt, as_json, OUTPUTS + CITED + ("atom",))
    wanted = output.parse_fields(fields, _result_fields())
    if not like and reading_list is None:
        raise UsageError("give --like (your library) or --list (a reading list of the page's)")
    request = models.FeedRequest(like=_collection(like or [], collection), not_=not_ or [], exclude=exclude or [], k=k, method=method, since=since,
                          name=name, filters=_filters(category, None, None), diverse=diverse, reading_list=reading_list)
    result = api.feed(model, request, notice=_notice, max_record_bytes=max_record_bytes)
    index = api.open_model(model)
    for item in result.inputs:
        if item.status == "unknown" and not (item.role == "exclude" and item.reason == "not found in the model"):
            _notice(f"--{item.role} entry {item.given!r}: {item.reason or 'not found in the model'}; left out")
    _notice(f"{_count(result.new_papers, 'new paper')} since {result.since}")
    if out is not None:
        if fmt == "table":
            raise UsageError("--out writes json, jsonl, csv, bibtex, ris or atom; give --format too")
        with _redirected() as buffer:
            _feed_out(index, result, fmt, wanted)
        api.write_text(buffer.getvalue(), out)
        typer.echo(escape(str(out)) if fmt != "atom" else f"{out} (subscribe to file://{out.resolve()})")
    else:
        _feed_out(index, result, fmt, wanted)
    if not result.results:
        _notice(f"no results: {result.empty}")
        raise typer.Exit(NOTHING_FOUND)


def _feed_out(index, result, fmt: str, fields: list[str] | None) -> None:
    if fmt == "atom":
        typer.echo(api.feed_atom(index, result), nl=False)
    elif fmt in CITED:
        typer.echo(export.write_records(api.cited_records(index, [n.id for n in result.results]), fmt), nl=False)
    else:
        _emit(result, fmt, lambda: _similar_table(result), lambda: [n.model_dump(mode="json") for n in result.results],
              fields=fields, columns=_result_fields())


@contextmanager
def _redirected() -> Iterator[io.StringIO]:
    """Standard output caught in a buffer (to write it to a file whole, atomically)."""
    buffer, saved = io.StringIO(), sys.stdout
    sys.stdout = buffer
    try:
        yield buffer
    finally:
        sys.stdout = saved


def _similar_table(result: Similar | Recommendations) -> Table:
    if isinstance(result, models.Recommendations):
        used = [i for i in result.inputs if i.role == "like" and i.status != "unknown"]
        named = f"a reading list of {len(used)} paper{'s' if len(used) != 1 else ''}"
        if isinstance(result, models.Feed):
            named = f"New papers ({result.new_papers} since {result.since[:19]}) like " + named
    else:
        q = result.query
        named = escape(f"{q.id}: {q.title or ''}" if q.id else f"text {q.text!r}")
    table = rich_table.Table(title=named if named.startswith("New") else f"Papers like {named}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    topics = any(n.topic is not None for n in result.results)
    if topics:  # a model large enough for the LSA: how alike the topics are, beside the score
        table.add_column("topic", justify="right")
    table.add_column("id", overflow="fold")
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("shared terms", overflow="fold", ratio=2)
    if result.empty:
        table.caption = f"No results: {escape(result.empty)}"
        table.caption_justify = "left"
    for i, n in enumerate(result.results, 1):
        title = escape(n.title) if n.title else f"[dim]{escape(n.label)}[/dim]"
        if n.versions:
            title += f"  [dim](+{len(n.versions)} version{'s' if len(n.versions) > 1 else ''})[/dim]"
        topic = ([f"{n.topic:.2f}" if n.topic is not None else ""] if topics else [])
        table.add_row(str(n.rank or i), f"{n.score:.3f}", *topic, escape(n.id), title, escape(", ".join(n.terms)))
    return table


@app.command()
def graph(
    query: QueryArgument,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="The HTML file to write (replaced atomically).")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many neighbours to draw.")] = 10,
    min_cosine: Annotated[float, typer.Option(
        "--min-cosine", min=0.0, max=1.0,
        help="Join two neighbours when their cosine reaches this.")] = DEFAULT_MIN_COSINE,
    by_id: ByIdOption = False,
    by_text: ByTextOption = False,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    diverse: DiverseOption = False,
    model: ModelOption = DEFAULT_MODEL,
    fmt: OutputOption = "table",
    as_json: Annotated[bool, typer.Option("--json", help="Print the graph as JSON for tools: the same as --format json.")] = False,
) -> None:
    """A picture of the neighbourhood: the query's paper and its nearest as a self-contained page.

    The page is one HTML file that needs no network to open; the command prints its path.
    Versions of a paper are one node; edges weigh the score between the query and each
    neighbour, and the cosine between two neighbours alike each other, so clusters show. The
    neighbours are those of [bold]similar[/bold], with the same filters and --diverse. --format
    json prints the graph, jsonl and csv its nodes (with or without --out).

    Example: [bold]paperlike graph "FastCorrect 2" --out fastcorrect.html[/bold]
    """
    fmt = _output(fmt, as_json)
    if out is None and fmt == "table":
        raise UsageError("give --out FILE.html to write the picture (or --format json for the data)")
    filters = _filters(category, since, until)
    result = api.graph(api.open_model(model, notice=_notice), query, k=k, kind=_kind(by_id, by_text),
                       min_cosine=min_cosine, filters=filters, diverse=diverse)
    if out is not None:
        api.write_graph(result, out)
    _emit(result, fmt, lambda: escape(str(out)), lambda: [n.model_dump(mode="json") for n in result.nodes])


@app.command()
def info(model: ModelOption = DEFAULT_MODEL, fmt: OutputOption = "table", as_json: JsonOption = False) -> None:
    """What a model holds: records, papers, vocabulary, parameters, sources, size, staleness.

    Example: [bold]paperlike info --model models/mine --json[/bold]
    """
    fmt = _output(fmt, as_json)
    api.open_model(model, notice=_notice)
    described = api.model_info(model)
    _emit(described, fmt, lambda: _info_table(described))


@app.command()
def verify(model: ModelOption = DEFAULT_MODEL, fmt: OutputOption = "table", as_json: JsonOption = False) -> None:
    """Check a model now: its manifest, every file's size and SHA-256, and its arrays' structure.

    Loading a model trusts its [bold].verified[/bold] cache: files whose size, modification
    time, inode and ctime have not changed since they were last hashed are not hashed again.
    This command hashes every file whatever the cache says. Exit code 0 when the model is
    intact, 1 when it is not.

    Example: [bold]paperlike verify --model models/mine --json[/bold]
    """
    fmt = _output(fmt, as_json)
    report = api.verify(model)
    _emit(report, fmt, lambda: _verify_text(report))
    if not report.ok:
        raise typer.Exit(1)


def _verify_text(report: VerifyReport) -> str:
    if report.ok:
        return (f"{escape(report.model)}: intact: {_count(report.files, 'file')}, {report.bytes / 1e6:.2f} MB; "
                "every SHA-256 matches the manifest and the arrays' structure holds")
    if report.files == 0:  # the manifest could not be read: the problem names the folder
        return escape(report.problems[0])
    found = "; ".join(report.problems)
    if "paperlike index" not in found:
        found += "; rebuild the model with 'paperlike index'"
    return f"{escape(report.model)}: damaged: {escape(found)}"


def _staleness(updates: dict) -> str:
    added = updates.get("records_added", 0)
    if not added:
        return "none: no records added since the vocabulary was fitted"
    tokens, unknown = updates.get("tokens", 0), updates.get("out_of_vocabulary", 0)
    share = unknown / tokens if tokens else 0.0
    return (f"{added} records added since the vocabulary was fitted; {unknown} of their {tokens} words "
            f"({share:.1%}) unknown to it ('paperlike index --refit' takes them in)")


def _info_table(info: ModelInfo) -> Table:
    table = rich_table.Table(title=f"Model {info.path}", show_header=False, title_justify="left")
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
        ("vocabulary staleness", _staleness(info.updates)),
    ]
    rows += [("source", f"{s.path} ({s.records} records)") for s in info.sources]
    for name, value in rows:
        table.add_row(name, escape(value))
    return table


@app.command()
def dupes(
    model: ModelOption = DEFAULT_MODEL,
    threshold: Annotated[Optional[float], typer.Option(
        "--threshold", min=0.0, max=1.0,
        help="Abstract cosine from which two abstracts are one paper's (default: the model's, 0.8).")] = None,
    title_threshold: Annotated[Optional[float], typer.Option(
        "--title-threshold", min=0.0, max=1.0,
        help="Title similarity from which two records without abstracts may be one paper (default 0.9).")] = None,
    maybe: Annotated[bool, typer.Option(
        "--maybe", help="Also list the pairs that may be one paper, for a person to decide "
                        "(paperlike decide same|different ID ID).")] = False,
    relation: Annotated[Optional[list[str]], typer.Option(
        "--relation", help=f"Only groups with a member of this relation ({', '.join(RELATIONS)}). Repeatable.",
        autocompletion=_complete(RELATIONS))] = None,
    min_size: Annotated[int, typer.Option("--min-size", min=2, help="Only groups of at least this many records.")] = 2,
    fmt: OutputOption = "table",
    as_json: JsonOption = False,
) -> None:
    """The groups of records that are versions of one paper, with the evidence and relation of each.

    Groups worth a look come first: several input ids, or anything but copies. Each group names
    its canonical record: the most complete one (a title, then the longest abstract, the most
    authors, a known year, a DOI). Other thresholds change this answer only. The table, JSON
    lines and CSV stream, a group at a time.

    Example: [bold]paperlike dupes --relation translation --min-size 3[/bold];
    [bold]paperlike dupes --maybe --json | jq '.maybe[0]'[/bold]
    """
    fmt = _output(fmt, as_json)
    index = api.open_model(model, notice=_notice)
    if fmt == "json" or (threshold, title_threshold) != (None, None):
        with _progress("Gathering the evidence for each version"):
            result = api.dupes(index, threshold, title_threshold, maybe, relation, min_size)
        rows = lambda: [*({"paper": g.id, **m.model_dump(mode="json")} for g in result.groups for m in g.members),  # noqa: E731
                        *({"maybe": True, **m.model_dump(mode="json")} for m in result.maybe)]
        if fmt == "table":
            _stream_dupes_table(result.groups, result.maybe)
        else:
            _emit(result, fmt, lambda: None, rows)
        return
    groups = api.dupe_groups(index, relation, min_size)
    queue = api.review_queue(index) if maybe else []
    if fmt == "table":
        _stream_dupes_table(groups, queue)
        return
    rows = (_dupe_row(fmt, {"paper": g.id, **m.model_dump(mode="json")}) for g in groups for m in g.members)
    maybe_rows = (_dupe_row(fmt, {"maybe": True, **m.model_dump(mode="json")}) for m in queue)
    columns = ["paper", "id", "score", "rule", "relation"] + (["maybe", "a", "b", "title_a", "title_b"] if maybe else [])
    _stream_rows(fmt, _chain(rows, maybe_rows), columns + [f"evidence.{k}" for k in rules.EVIDENCE_FIELDS])


def _dupe_row(fmt: str, row: dict) -> dict:
    """A row of dupes; for CSV its evidence flattened into columns (no JSON in a cell)."""
    if fmt == "csv":
        row.update({f"evidence.{k}": v for k, v in row.pop("evidence").items()})
    return row


def _chain(*parts):
    for part in parts:
        yield from part


def _stream_rows(fmt: str, rows, columns: list[str]) -> None:
    """JSON lines or CSV rows as they come (CSV with a fixed header, printed even when empty)."""
    if fmt == "jsonl":
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(columns)
    for row in rows:
        out.writerow([_csv_cell(row.get(c)) for c in columns])
    sys.stdout.flush()


_EVIDENCE_SHOWN = ("abstract", "title", "authors", "containment", "journal", "volume", "pages", "doi")


def _member_line(m: DupeMember) -> str:
    e = m.evidence
    shown = "  ".join(f"{k} {_fmt(e[k])}" for k in _EVIDENCE_SHOWN if e.get(k) is not None)
    kind = f" [magenta]{escape(m.relation)}[/magenta]" if m.relation else ""
    return f"  {escape(m.id)}  [dim]{escape(m.rule)}[/dim]{kind}  {m.score:.3f}  [dim]{escape(shown)}[/dim]"


def _stream_dupes_table(groups, queue) -> None:
    """The groups, printed as they are made: a title line and a line per record."""
    console = _stdout()
    shown = 0
    for group in groups:
        shown += 1
        console.print(f"[bold]{escape(group.title or group.id)}[/bold]", soft_wrap=True)
        for m in group.members:
            console.print(_member_line(m), soft_wrap=True, highlight=False)
    console.print(f"{_count(shown, 'group')} of versions", highlight=False)
    _print_maybe(console, queue)


def _print_maybe(console: Console, queue) -> None:
    if not queue:
        return
    console.print(f"\n[bold]{_count(len(queue), 'pair')} for a person to decide[/bold] "
                  "(paperlike decide same|different ID ID)", highlight=False)
    for m in queue:
        e = m.evidence
        shown = "  ".join(f"{k} {_fmt(e[k])}" for k in _EVIDENCE_SHOWN if e.get(k) is not None)
        console.print(f"  {escape(m.a)} ~ {escape(m.b)}  {m.score:.3f}  [dim]{escape(shown)}[/dim]\n"
                      f"    {escape(m.title_a or '')}\n    {escape(m.title_b or '')}", soft_wrap=True, highlight=False)


def _fmt(value: object) -> str:
    return "" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


@app.command()
def decide(
    verdict: Annotated[str, typer.Argument(help="same or different.", autocompletion=_complete(("same", "different")))],
    ids: Annotated[list[str], typer.Argument(help="Two or more record ids (an arXiv id or a DOI will do).")],
    model: ModelOption = DEFAULT_MODEL,
    fmt: OutputOption = "table",
    as_json: JsonOption = False,
) -> None:
    """Record that records are one paper ([bold]same[/bold]: each joins the first) or different papers.

    The decision is kept with the model, written atomically under its lock, and every later
    [bold]dupes[/bold], [bold]check[/bold], [bold]add[/bold] and [bold]index[/bold] of the model
    follows it, over the rules. [bold]paperlike dupes --maybe[/bold] lists the pairs that wait for one.

    Example: [bold]paperlike decide same id_0000105 id_0000106[/bold]
    """
    fmt = _output(fmt, as_json)
    api.open_model(model, notice=_notice)
    report = api.decide(model, models.DecideRequest(verdict=verdict, ids=ids), notice=_notice)
    _emit(report, fmt, lambda: _decide_text(report),
          lambda: [d.model_dump(mode="json") for d in report.decisions])


def _decide_text(report: DecideReport) -> str:
    lines = [f"recorded {_count(len(report.decisions), 'decision')} in {escape(report.model)} "
             f"({report.total_decisions} in all):"]
    lines += [f"  {escape(d.a)} {d.verdict} {escape(d.b)}" for d in report.decisions]
    lines += [f"  {escape(given)} is now in the paper of {escape(head)}" for given, head in report.papers.items()]
    return "\n".join(lines)


@app.command()
def merge(
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write (its extension picks the format).")],
    model: ModelOption = DEFAULT_MODEL,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help="bibtex, ris, csv or jsonl (default: from the file's extension).",
        autocompletion=_complete(("bibtex", "ris", "csv", "jsonl")))] = None,
) -> None:
    """Write the deduplicated library: one record per paper, its versions' most complete fields merged.

    Each record keeps the ids of the records merged into it (BibTeX [bold]paperlike-ids[/bold],
    RIS N1, the CSV column merged_ids, JSON lines merged_ids). The file is written atomically.

    Example: [bold]paperlike merge --out library-deduplicated.bib[/bold]
    """
    index = api.open_model(model, notice=_notice)
    with _progress(f"Merging into {out}"):
        n = api.write_merged(index, out, fmt.lower() if fmt else None)
    typer.echo(f"wrote {_count(n, 'record')} ({index.n_papers} papers from {_count(len(index.records_), 'record')}) "
               f"to {out}")


@app.command()
def check(
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Files of incoming records (any input format); '-' reads JSON lines from stdin.")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="The incoming record's title.")] = None,
    abstract: Annotated[Optional[str], typer.Option("--abstract", help="Its abstract.")] = None,
    authors: Annotated[Optional[str], typer.Option("--authors", help="Its authors, separated by ';'.")] = None,
    year: Annotated[Optional[int], typer.Option("--year", help="Its year.")] = None,
    model: ModelOption = DEFAULT_MODEL,
    input_format: InputFormatOption = None,
    max_record_bytes: MaxRecordBytesOption = MAX_RECORD_BYTES,
    fmt: OutputOption = "table",
    as_json: JsonOption = False,
) -> None:
    """Is this paper already known? For each incoming record: known (the paper), maybe, or new.

    [bold]known[/bold] names the paper, the rule and the relation; [bold]maybe[/bold] is a close
    paper for a person to judge. Exit code: 0 when at least one record is known, 3 otherwise
    (1 for an error, 2 for a wrong use), so scripts can test it.

    Example: [bold]paperlike check --title "SoftCorrect: Error Correction with Soft Detection for Automatic Speech Recognition"[/bold]
    """
    fmt = _output(fmt, as_json)
    records = incoming_records(paths, title, abstract, authors, year, input_format, max_record_bytes)
    index = api.open_model(model, notice=_notice)
    with _progress(f"Checking {_count(len(records), 'record')}"):
        results = api.check(index, records, "<command line>")
    _emit(results, fmt, lambda: _check_table(results))
    if not any(r.status == "known" for r in results):
        raise typer.Exit(NOTHING_FOUND)


def incoming_records(paths, title, abstract, authors, year, format,
                     max_record_bytes: int = MAX_RECORD_BYTES) -> list[CheckRecord] | list[Paper]:
    """The records to check: from --title/--abstract (the one record of a CheckRequest, as
    ``POST /check`` takes it), from files, or JSON lines on stdin."""
    if title or abstract:
        if paths:
            raise UsageError("give either files or --title/--abstract, not both")
        return models.CheckRequest(models.CheckRecord(title=title, abstract=abstract, authors=authors or [], year=year)).records
    if not paths:
        if sys.stdin.isatty():
            raise UsageError("nothing to check: give files, '-' for JSON lines on stdin, or --title")
        paths = [Path("-")]
    records: list[Paper] = []
    for path in paths:
        if str(path) == "-":
            records += read_stdin_json_lines(max_record_bytes)
        else:
            records += _read([path], format, strict=False, max_record_bytes=max_record_bytes).records
    return records


def read_stdin_json_lines(max_record_bytes: int = MAX_RECORD_BYTES) -> list[Paper]:
    from .sources import arxiv
    records = []
    for item in arxiv.read_stream(sys.stdin.buffer, "<stdin>", limit=max_record_bytes):  # a line at a time
        if isinstance(item, models.Paper):
            records.append(item)
        else:
            _notice(f"skipped <stdin>:{item.line}: {item.reason}")
    if not records:
        raise UsageError("no records on stdin; send JSON lines with a title or an abstract")
    return records


def _check_table(results: list[CheckResult]) -> Table:
    table = rich_table.Table(title=f"{len(results)} incoming records", title_justify="left", expand=True)
    table.add_column("incoming", overflow="fold", ratio=2)
    table.add_column("status", no_wrap=True)
    table.add_column("known paper", overflow="fold", ratio=2)
    table.add_column("rule / relation", no_wrap=True)
    table.add_column("score", justify="right")
    status = {"known": "[green]known[/green]", "maybe": "[yellow]maybe[/yellow]", "new": "new"}
    for r in results:
        m = r.match
        known = f"{m.paper}: {m.title or ''}" if m else ""
        how = f"{m.rule} / {m.relation}" if m and m.relation else m.rule if m else ""
        table.add_row(escape(r.title or r.id), status[r.status], escape(known), escape(how),
                      f"{m.score:.3f}" if m else "")
    return table


@app.command()
def serve(
    model: ModelOption = DEFAULT_MODEL,
    host: Annotated[str, typer.Option(
        "--host", help="The address to listen on; 0.0.0.0 listens on every interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The port to listen on.")] = 8000,
) -> None:
    """Serve the model over HTTP: the same operations as JSON endpoints, with an OpenAPI description.

    Endpoints: similar, recommend, check, papers/{id}, dupes and health, described at
    /openapi.json and /docs. Needs [bold]pip install 'paperlike\\[serve]'[/bold].

    Example: [bold]paperlike serve --model models/mine --port 8000[/bold], then
    [bold]curl 'http://127.0.0.1:8000/similar?q=FastCorrect+2&k=3'[/bold]
    """
    from .serve import run

    run(model, host, port, notice=_notice)


eval_app = typer.Typer(help="Measure paperlike against ground truth.\n\nExample: [bold]paperlike eval dupes "
                            "DBLP.csv ACM.csv --truth-pairs matches.csv[/bold]", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("dupes")
def eval_dupes(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of records.")],
    truth_field: Annotated[Optional[str], typer.Option(
        "--truth-field", help="A field naming the paper: records with equal values are one paper (e.g. id).")] = None,
    truth_pairs: Annotated[Optional[Path], typer.Option(
        "--truth-pairs", help="A CSV with a header and two id columns, one matching pair per row.")] = None,
    truth_groups: Annotated[Optional[Path], typer.Option(
        "--truth-groups", help="A file of duplicate groups, one a line, ids joined by ';' "
                               "(bib-dedupe's merged_record_ids.csv).")] = None,
    threshold: Annotated[Optional[float], typer.Option("--threshold", min=0.0, max=1.0)] = None,
    title_threshold: Annotated[Optional[float], typer.Option("--title-threshold", min=0.0, max=1.0)] = None,
    input_format: InputFormatOption = None,
    max_record_bytes: MaxRecordBytesOption = MAX_RECORD_BYTES,
    fmt: OutputOption = "table",
    as_json: JsonOption = False,
) -> None:
    """Pairwise precision, recall and F1 (and B-cubed) of duplicate detection on labelled data.

    Example: [bold]paperlike eval dupes DBLP.csv ACM.csv --truth-pairs matches.csv[/bold]
    """
    if sum(x is not None for x in (truth_field, truth_pairs, truth_groups)) != 1:
        raise UsageError("give exactly one of --truth-field, --truth-pairs and --truth-groups")
    fmt = _output(fmt, as_json)
    records = _read(paths, input_format, strict=False, max_record_bytes=max_record_bytes).records
    unread: list = []
    if truth_groups is not None:
        truth, unread = evaluate.truth_from_groups(records, truth_groups)
    else:
        truth = evaluate.truth_from_field(records, truth_field) if truth_field else evaluate.truth_from_pairs(records, truth_pairs)
    with _progress("Finding versions"):
        scores = api.evaluate_dupes(records, truth, threshold, title_threshold, unread)
    if fmt != "table":
        _emit(scores, fmt, lambda: None)
        return
    table = rich_table.Table(title=f"Duplicate detection on {scores.records} records (threshold {scores.threshold})",
                  title_justify="left")
    for name in ("", "precision", "recall", "F1"):
        table.add_column(name, justify="right" if name else "left")
    table.add_row("pairwise", f"{scores.precision:.4f}", f"{scores.recall:.4f}", f"{scores.f1:.4f}")
    table.add_row("B-cubed", f"{scores.bcubed_precision:.4f}", f"{scores.bcubed_recall:.4f}",
                  f"{scores.bcubed_f1:.4f}")
    _stdout().print(table)
    typer.echo(f"{scores.correct_pairs} of {scores.predicted_pairs} predicted pairs correct; "
               f"{scores.true_pairs} true pairs; {scores.seconds:.1f} s")
    if scores.unread:
        typer.echo(f"{scores.unread} records of the truth file were not read (skipped as malformed); "
                   "they count as papers of their own")


def _evaluate_annotations(group: typer.Typer) -> None:
    """Each command's annotations evaluated once, before typer reads them. This module's
    annotations are strings (``from __future__ import annotations``); typer builds every
    command's options on every run (``--version`` and ``--help`` too) and evaluates each
    command's strings three times doing so: 20 ms of a start, a third of that done here."""
    infos = [*group.registered_commands, group.registered_callback]
    for info in infos:
        if info is not None and info.callback is not None:
            info.callback.__annotations__ = inspect.get_annotations(info.callback, eval_str=True)
    for sub in group.registered_groups:
        _evaluate_annotations(sub.typer_instance)


def main() -> None:
    """Entry point of the ``paperlike`` console script and ``python -m paperlike``."""
    _evaluate_annotations(app)
    app(prog_name="paperlike")
