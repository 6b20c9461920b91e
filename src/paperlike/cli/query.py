"""The commands that ask for papers: similar, similar-many, recommend, feed and graph.

Each builds the request model the HTTP service takes from its options, calls one function of
:mod:`paperlike.api` and prints the answer (:mod:`paperlike.cli.render`); a query that finds
nothing exits with NOTHING_FOUND.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..defaults import DEFAULT_MIN_COSINE, DEFAULT_MODEL, MAX_RECORD_BYTES
from ..errors import UsageError
from . import render, tables
from .lazy import api, export, output, requests, zotero
from .options import (
    CITED,
    NOTHING_FOUND,
    OUTPUTS,
    SOME_FAILED,
    ByIdOption,
    ByTextOption,
    CategoryOption,
    CitedOutputOption,
    DiverseOption,
    FieldsOption,
    JsonOption,
    KOption,
    MaxRecordBytesOption,
    ModelOption,
    OutputOption,
    QueryArgument,
    SinceOption,
    UntilOption,
    complete,
    make_filters,
    output_format,
    query_kind,
    result_fields,
)

if TYPE_CHECKING:
    from ..requests import SimilarRequest


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
    fmt = output_format(fmt, as_json, OUTPUTS + CITED)
    wanted = output.parse_fields(fields, result_fields())
    request = _similar_request(query, k, by_id, by_text, category, since, until, diverse)
    index = api.open_model(model, notice=render.notice)
    result = api.similar(index, request)
    render.results(index, result, fmt, wanted, lambda: tables.similar_table(result))


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
    fmt = output_format(fmt, as_json)
    wanted = output.parse_fields(fields, result_fields())
    lines = api.read_query_lines(queries)
    requests = [_similar_request(q, k, by_id, by_text, category, since, until, diverse) for _, q in lines]
    answers = api.similar_many(api.open_model(model, notice=render.notice), requests)
    failed = 0
    for (line, _), answer in zip(lines, answers):
        if answer.error:
            failed += 1
            render.notice(f"{queries}:{line}: {answer.error}")
    rows = lambda: [{"line": line, "query": a.query, **row}  # noqa: E731
                    for (line, _), a in zip(lines, answers) if a.answer for row in _result_rows(a.answer.results)]
    if fmt == "jsonl":
        for answer in answers:
            typer.echo(json.dumps(output.pick_answer(answer.model_dump(mode="json"), wanted), ensure_ascii=False))
    else:
        render.emit(answers, fmt, lambda: tables.many_table(rows()), rows, fields=wanted, keep=("line", "query"),
                    columns=("line", "query", *result_fields()))
    if failed:
        render.notice(f"{render.count(failed, 'query')} of {len(lines)} had no answer")
        raise typer.Exit(SOME_FAILED)


def _result_rows(results) -> list[dict]:
    return [n.model_dump(mode="json") for n in results]


def _similar_request(query: str, k: int, by_id: bool, by_text: bool, category, since, until,
                     diverse: bool) -> SimilarRequest:
    return requests.SimilarRequest(query=query, k=k, kind=query_kind(by_id, by_text),
                                 filters=make_filters(category, since, until), diverse=diverse)


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
        autocompletion=complete(("centroid", "svm")))] = "centroid",
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
    fmt = output_format(fmt, as_json, OUTPUTS + CITED)
    wanted = output.parse_fields(fields, result_fields())
    request = requests.RecommendRequest(like=_collection(like, collection), not_=not_ or [], exclude=exclude or [], k=k,
                                      method=method, filters=make_filters(category, since, until), diverse=diverse)
    index = api.open_model(model, notice=render.notice)
    with render.progress("Training the reading list's classifier" if method == "svm" else "Reading the list"):
        result = api.recommend(index, request, max_record_bytes=max_record_bytes)
    absent = 0
    for item in result.inputs:
        if item.status != "unknown":
            continue
        if item.role == "exclude" and item.reason == "not found in the model":
            absent += 1  # nothing to leave out: one line for them all, not one per paper read
        else:
            render.notice(f"--{item.role} entry {item.given!r}: {item.reason or 'not found in the model'}; left out")
    if absent:
        render.notice(f"{absent} --exclude entr{'y is' if absent == 1 else 'ies are'} not in the model "
                      "(nothing to leave out for them)")
    render.results(index, result, fmt, wanted, lambda: tables.similar_table(result))


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
        "--method", help="centroid or svm, as for recommend.", autocompletion=complete(("centroid", "svm")))] = "centroid",
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
        autocompletion=complete(OUTPUTS + CITED + ("atom",)))] = "table",
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
    fmt = output_format(fmt, as_json, OUTPUTS + CITED + ("atom",))
    wanted = output.parse_fields(fields, result_fields())
    if not like and reading_list is None:
        raise UsageError("give --like (your library) or --list (a reading list of the page's)")
    request = requests.FeedRequest(like=_collection(like or [], collection), not_=not_ or [], exclude=exclude or [], k=k,
                                 method=method, since=since, name=name, filters=make_filters(category, None, None),
                                 diverse=diverse, reading_list=reading_list)
    result = api.feed(model, request, notice=render.notice, max_record_bytes=max_record_bytes)
    index = api.open_model(model)
    for item in result.inputs:
        if item.status == "unknown" and not (item.role == "exclude" and item.reason == "not found in the model"):
            render.notice(f"--{item.role} entry {item.given!r}: {item.reason or 'not found in the model'}; left out")
    render.notice(f"{render.count(result.new_papers, 'new paper')} since {result.since}")
    if out is not None:
        if fmt == "table":
            raise UsageError("--out writes json, jsonl, csv, bibtex, ris or atom; give --format too")
        with render.redirected() as buffer:
            _feed_out(index, result, fmt, wanted)
        api.write_text(buffer.getvalue(), out)
        typer.echo(render.escape(str(out)) if fmt != "atom" else f"{out} (subscribe to file://{out.resolve()})")
    else:
        _feed_out(index, result, fmt, wanted)
    if not result.results:
        render.notice(f"no results: {result.empty}")
        raise typer.Exit(NOTHING_FOUND)


def _feed_out(index, result, fmt: str, fields: list[str] | None) -> None:
    if fmt == "atom":
        typer.echo(api.feed_atom(index, result), nl=False)
    elif fmt in CITED:
        typer.echo(export.write_records(api.cited_records(index, [n.id for n in result.results]), fmt), nl=False)
    else:
        render.emit(result, fmt, lambda: tables.similar_table(result),
                    lambda: [n.model_dump(mode="json") for n in result.results], fields=fields, columns=result_fields())


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
    fmt = output_format(fmt, as_json)
    if out is None and fmt == "table":
        raise UsageError("give --out FILE.html to write the picture (or --format json for the data)")
    filters = make_filters(category, since, until)
    result = api.graph(api.open_model(model, notice=render.notice), query, k=k, kind=query_kind(by_id, by_text),
                       min_cosine=min_cosine, filters=filters, diverse=diverse)
    if out is not None:
        api.write_graph(result, out)
    render.emit(result, fmt, lambda: render.escape(str(out)), lambda: [n.model_dump(mode="json") for n in result.nodes])
