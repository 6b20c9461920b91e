"""The commands that build and look after a model: index, add, papers, info, verify, merge.

Each parses its options, calls one function of :mod:`paperlike.api` and prints the answer
(:mod:`paperlike.cli.render`, :mod:`paperlike.cli.tables`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..defaults import DEFAULT_MODEL, MAX_RECORD_BYTES
from ..errors import UsageError
from . import render, tables
from .lazy import api, export, output, record_models, results, sources
from .options import (
    CITED,
    OUTPUTS,
    CitedOutputOption,
    FieldsOption,
    InputFormatOption,
    JsonOption,
    MaxRecordBytesOption,
    ModelOption,
    OutputOption,
    complete,
    output_format,
)
from .options import input_format as checked_format


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
    fmt = output_format(fmt, as_json)
    skipped = 0
    if engine not in ("local", "spark"):
        raise UsageError(f"unknown --engine {engine!r}; choose local or spark")
    if master is not None and engine != "spark":
        raise UsageError("--master is for --engine spark")
    if engine == "spark":
        if refit:
            raise UsageError("--refit rebuilds on this machine; drop --engine spark")
        checked_format(input_format)
        with render.progress(f"Building on Spark into {model}"):
            bad = api.rebuild_on_spark(model, [str(p) for p in paths or sources.seed_paths()], master=master,
                                       notice=render.notice, format=input_format, strict=strict, year=year,
                                       max_record_bytes=max_record_bytes)
        for item in bad:
            render.notice(f"skipped {item.path}:{item.line}: {item.reason}")
        skipped = len(bad)
    elif refit:
        if paths:
            raise UsageError("--refit rebuilds the model from its own records; give no paths")
        with render.progress(f"Refitting {model}"):
            api.refit(model)
    else:
        corpus = api.read_corpus(paths or sources.seed_paths(), checked_format(input_format), strict, year,
                                 max_record_bytes, notice=render.notice, progress=render.progress, columnar=True)
        skipped = len(corpus.skipped)
        api.rebuild(model, corpus, notice=render.notice, progress=render.progress)
    summary = api.index_summary(model, skipped)
    render.emit(summary, fmt, lambda: tables.index_text(summary))


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
    fmt = output_format(fmt, as_json)
    api.open_model(model, notice=render.notice)
    corpus = api.read_corpus(paths, checked_format(input_format), strict, year, max_record_bytes,
                             notice=render.notice, progress=render.progress)
    with render.progress(f"Adding {len(corpus.records)} records to {model}"):
        report = api.add(model, corpus, notice=render.notice)
    render.emit(report, fmt, lambda: tables.add_text(report))


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
    fmt = output_format(fmt, as_json, OUTPUTS + CITED)
    row_model = results.PaperSummary if grouped else record_models.Record
    wanted = output.parse_fields(fields, tuple(row_model.model_fields))
    index = api.open_model(model, notice=render.notice)
    if fmt in CITED:  # each record, or with --grouped each paper as one record of its versions' fields
        with render.progress("Writing the entries"):
            records = list(api.merged_records(index)) if grouped else api.papers(index)
        typer.echo(export.write_records(records, fmt), nl=False)
        return
    if grouped:
        with render.progress(f"Gathering {render.count(index.n_papers, 'paper')}"):
            summaries = api.paper_summaries(index)
        render.emit(summaries, fmt, lambda: tables.summaries_table(summaries), fields=wanted,
                    columns=output.model_columns(results.PaperSummary))
        return
    with render.progress(f"Reading {render.count(len(index.records_), 'record')}"):
        records = api.papers(index)
    render.emit(records, fmt, lambda: tables.papers_table(records), fields=wanted,
                columns=output.model_columns(record_models.Record))


def info(model: ModelOption = DEFAULT_MODEL, fmt: OutputOption = "table", as_json: JsonOption = False) -> None:
    """What a model holds: records, papers, vocabulary, parameters, sources, size, staleness.

    Example: [bold]paperlike info --model models/mine --json[/bold]
    """
    fmt = output_format(fmt, as_json)
    api.open_model(model, notice=render.notice)
    described = api.model_info(model)
    render.emit(described, fmt, lambda: tables.info_table(described))


def verify(model: ModelOption = DEFAULT_MODEL, fmt: OutputOption = "table", as_json: JsonOption = False) -> None:
    """Check a model now: its manifest, every file's size and SHA-256, and its arrays' structure.

    Loading a model trusts its [bold].verified[/bold] cache: files whose size, modification
    time, inode and ctime have not changed since they were last hashed are not hashed again.
    This command hashes every file whatever the cache says. Exit code 0 when the model is
    intact, 1 when it is not.

    Example: [bold]paperlike verify --model models/mine --json[/bold]
    """
    fmt = output_format(fmt, as_json)
    report = api.verify(model)
    render.emit(report, fmt, lambda: tables.verify_text(report))
    if not report.ok:
        raise typer.Exit(1)


def merge(
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write (its extension picks the format).")],
    model: ModelOption = DEFAULT_MODEL,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help="bibtex, ris, csv or jsonl (default: from the file's extension).",
        autocompletion=complete(("bibtex", "ris", "csv", "jsonl")))] = None,
) -> None:
    """Write the deduplicated library: one record per paper, its versions' most complete fields merged.

    Each record keeps the ids of the records merged into it (BibTeX [bold]paperlike-ids[/bold],
    RIS N1, the CSV column merged_ids, JSON lines merged_ids). The file is written atomically.

    Example: [bold]paperlike merge --out library-deduplicated.bib[/bold]
    """
    index = api.open_model(model, notice=render.notice)
    with render.progress(f"Merging into {out}"):
        n = api.write_merged(index, out, fmt.lower() if fmt else None)
    typer.echo(f"wrote {render.count(n, 'record')} ({index.n_papers} papers from "
               f"{render.count(len(index.records_), 'record')}) to {out}")
