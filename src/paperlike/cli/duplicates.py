"""The commands about versions of one paper: dupes, decide, check, and eval dupes.

Each parses its options, calls one function of :mod:`paperlike.api` and prints the answer
(:mod:`paperlike.cli.render`); the table of dupes streams, a group at a time.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..defaults import DEFAULT_MODEL, MAX_RECORD_BYTES, RELATIONS
from ..errors import UsageError
from . import render, tables
from .lazy import api, requests, rules
from .options import (
    NOTHING_FOUND,
    InputFormatOption,
    JsonOption,
    MaxRecordBytesOption,
    ModelOption,
    OutputOption,
    complete,
    output_format,
)
from .options import input_format as checked_format

if TYPE_CHECKING:
    from ..records import Record
    from ..requests import CheckRecord


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
        autocompletion=complete(RELATIONS))] = None,
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
    fmt = output_format(fmt, as_json)
    index = api.open_model(model, notice=render.notice)
    if fmt == "json" or (threshold, title_threshold) != (None, None):
        with render.progress("Gathering the evidence for each version"):
            result = api.dupes(index, threshold, title_threshold, maybe, relation, min_size)
        rows = lambda: [*({"paper": g.id, **m.model_dump(mode="json")} for g in result.groups for m in g.members),  # noqa: E731
                        *({"maybe": True, **m.model_dump(mode="json")} for m in result.maybe)]
        if fmt == "table":
            tables.stream_dupes(result.groups, result.maybe)
        else:
            render.emit(result, fmt, lambda: None, rows)
        return
    groups = api.dupe_groups(index, relation, min_size)
    queue = api.review_queue(index) if maybe else []
    if fmt == "table":
        tables.stream_dupes(groups, queue)
        return
    rows = (_dupe_row(fmt, {"paper": g.id, **m.model_dump(mode="json")}) for g in groups for m in g.members)
    maybe_rows = (_dupe_row(fmt, {"maybe": True, **m.model_dump(mode="json")}) for m in queue)
    columns = ["paper", "id", "score", "rule", "relation"] + (["maybe", "a", "b", "title_a", "title_b"] if maybe else [])
    render.stream_rows(fmt, itertools.chain(rows, maybe_rows),
                       columns + [f"evidence.{k}" for k in rules.EVIDENCE_FIELDS])


def _dupe_row(fmt: str, row: dict) -> dict:
    """A row of dupes; for CSV its evidence flattened into columns (no JSON in a cell)."""
    if fmt == "csv":
        row.update({f"evidence.{k}": v for k, v in row.pop("evidence").items()})
    return row


def decide(
    verdict: Annotated[str, typer.Argument(help="same or different.", autocompletion=complete(("same", "different")))],
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
    fmt = output_format(fmt, as_json)
    api.open_model(model, notice=render.notice)
    report = api.decide(model, requests.DecideRequest(verdict=verdict, ids=ids), notice=render.notice)
    render.emit(report, fmt, lambda: tables.decide_text(report),
                lambda: [d.model_dump(mode="json") for d in report.decisions])


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
    fmt = output_format(fmt, as_json)
    records = incoming_records(paths, title, abstract, authors, year, input_format, max_record_bytes)
    index = api.open_model(model, notice=render.notice)
    with render.progress(f"Checking {render.count(len(records), 'record')}"):
        results = api.check(index, records, "<command line>")
    render.emit(results, fmt, lambda: tables.check_table(results))
    if not any(r.status == "known" for r in results):
        raise typer.Exit(NOTHING_FOUND)


def incoming_records(paths, title, abstract, authors, year, format,
                     max_record_bytes: int = MAX_RECORD_BYTES) -> list[CheckRecord] | list[Record]:
    """The records to check: from --title/--abstract (the one record of a CheckRequest, as
    ``POST /check`` takes it), from files, or JSON lines on stdin."""
    if title or abstract:
        if paths:
            raise UsageError("give either files or --title/--abstract, not both")
        record = requests.CheckRecord(title=title, abstract=abstract, authors=authors or [], year=year)
        return requests.CheckRequest(record).records
    if not paths:
        if sys.stdin.isatty():
            raise UsageError("nothing to check: give files, '-' for JSON lines on stdin, or --title")
        paths = [Path("-")]
    records: list[Record] = []
    for path in paths:
        if str(path) == "-":
            records += api.read_stdin_records(sys.stdin.buffer, max_record_bytes, notice=render.notice)
        else:
            records += api.read_corpus([path], checked_format(format), strict=False, max_record_bytes=max_record_bytes,
                                       notice=render.notice, progress=render.progress).records
    return records


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
    fmt = output_format(fmt, as_json)
    records = api.read_corpus(paths, checked_format(input_format), strict=False, max_record_bytes=max_record_bytes,
                              notice=render.notice, progress=render.progress).records
    truth, unread = api.read_truth(records, truth_field, truth_pairs, truth_groups)
    with render.progress("Finding versions"):
        scores = api.evaluate_dupes(records, truth, threshold, title_threshold, unread)
    if fmt != "table":
        render.emit(scores, fmt, lambda: None)
        return
    tables.print_scores(scores)
