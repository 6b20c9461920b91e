"""What people see: the rich tables and sentences of each command's answer (tools get the JSON
shapes instead, :mod:`paperlike.cli.render`). rich's tables are imported when one is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .lazy import results, rich_table
from .render import count, escape, stdout

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from ..evaluate import DupeScores
    from ..records import Record
    from ..results import (
        AddReport,
        CheckResult,
        DecideReport,
        DupeMember,
        IndexSummary,
        ModelInfo,
        PaperSummary,
        Recommendations,
        Similar,
        VerifyReport,
    )


def add_text(report: AddReport) -> str:
    share = report.out_of_vocabulary / report.tokens if report.tokens else 0.0
    text = (f"added {count(report.records_added, 'record')} to {escape(report.model)}: "
            f"{count(report.new_papers, 'new paper')}, "
            f"{count(report.attached_versions, 'version')} of known papers; {report.out_of_vocabulary} of "
            f"{count(report.tokens, 'word')} ({share:.1%}) out of vocabulary")
    if report.new_words:
        text += f"\nnew words (kept out until 'paperlike index --refit'): {escape(', '.join(report.new_words))}"
    return text


def summaries_table(summaries: list[PaperSummary]) -> Table:
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


def papers_table(records: list[Record]) -> Table:
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


def many_table(rows: list[dict]) -> Table:
    table = rich_table.Table(title="Papers like each query", title_justify="left")
    for name, justify in (("line", "right"), ("query", "left"), ("#", "right"), ("score", "right"),
                          ("id", "left"), ("title", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for row in rows:
        table.add_row(str(row["line"]), escape(row["query"]), str(row["rank"]), f"{row['score']:.3f}",
                      escape(row["id"]), escape(row["title"] or row["label"]))
    return table


def similar_table(result: Similar | Recommendations) -> Table:
    if isinstance(result, results.Recommendations):
        used = [i for i in result.inputs if i.role == "like" and i.status != "unknown"]
        named = f"a reading list of {len(used)} paper{'s' if len(used) != 1 else ''}"
        if isinstance(result, results.Feed):
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


def verify_text(report: VerifyReport) -> str:
    if report.ok:
        return (f"{escape(report.model)}: intact: {count(report.files, 'file')}, {report.bytes / 1e6:.2f} MB; "
                "every SHA-256 matches the manifest and the arrays' structure holds")
    if report.files == 0:  # the manifest could not be read: the problem names the folder
        return escape(report.problems[0])
    found = "; ".join(report.problems)
    if "paperlike index" not in found:
        found += "; rebuild the model with 'paperlike index'"
    return f"{escape(report.model)}: damaged: {escape(found)}"


def staleness(updates: dict) -> str:
    added = updates.get("records_added", 0)
    if not added:
        return "none: no records added since the vocabulary was fitted"
    tokens, unknown = updates.get("tokens", 0), updates.get("out_of_vocabulary", 0)
    share = unknown / tokens if tokens else 0.0
    return (f"{added} records added since the vocabulary was fitted; {unknown} of their {tokens} words "
            f"({share:.1%}) unknown to it ('paperlike index --refit' takes them in)")


def info_table(info: ModelInfo) -> Table:
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
        ("vocabulary staleness", staleness(info.updates)),
    ]
    rows += [("source", f"{s.path} ({s.records} records)") for s in info.sources]
    for name, value in rows:
        table.add_row(name, escape(value))
    return table


EVIDENCE_SHOWN = ("abstract", "title", "authors", "containment", "journal", "volume", "pages", "doi")


def member_line(m: DupeMember) -> str:
    e = m.evidence
    shown = "  ".join(f"{k} {_fmt(e[k])}" for k in EVIDENCE_SHOWN if e.get(k) is not None)
    kind = f" [magenta]{escape(m.relation)}[/magenta]" if m.relation else ""
    return f"  {escape(m.id)}  [dim]{escape(m.rule)}[/dim]{kind}  {m.score:.3f}  [dim]{escape(shown)}[/dim]"


def stream_dupes(groups, queue) -> None:
    """The groups, printed as they are made: a title line and a line per record."""
    console = stdout()
    shown = 0
    for group in groups:
        shown += 1
        console.print(f"[bold]{escape(group.title or group.id)}[/bold]", soft_wrap=True)
        for m in group.members:
            console.print(member_line(m), soft_wrap=True, highlight=False)
    console.print(f"{count(shown, 'group')} of versions", highlight=False)
    print_maybe(console, queue)


def print_maybe(console: Console, queue) -> None:
    if not queue:
        return
    console.print(f"\n[bold]{count(len(queue), 'pair')} for a person to decide[/bold] "
                  "(paperlike decide same|different ID ID)", highlight=False)
    for m in queue:
        e = m.evidence
        shown = "  ".join(f"{k} {_fmt(e[k])}" for k in EVIDENCE_SHOWN if e.get(k) is not None)
        console.print(f"  {escape(m.a)} ~ {escape(m.b)}  {m.score:.3f}  [dim]{escape(shown)}[/dim]\n"
                      f"    {escape(m.title_a or '')}\n    {escape(m.title_b or '')}", soft_wrap=True, highlight=False)


def _fmt(value: object) -> str:
    return "" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def decide_text(report: DecideReport) -> str:
    lines = [f"recorded {count(len(report.decisions), 'decision')} in {escape(report.model)} "
             f"({report.total_decisions} in all):"]
    lines += [f"  {escape(d.a)} {d.verdict} {escape(d.b)}" for d in report.decisions]
    lines += [f"  {escape(given)} is now in the paper of {escape(head)}" for given, head in report.papers.items()]
    return "\n".join(lines)


def check_table(results: list[CheckResult]) -> Table:
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


def print_scores(scores: DupeScores) -> None:
    """The scores of duplicate detection on labelled data: a table and what they count."""
    table = rich_table.Table(title=f"Duplicate detection on {scores.records} records (threshold {scores.threshold})",
                             title_justify="left")
    for name in ("", "precision", "recall", "F1"):
        table.add_column(name, justify="right" if name else "left")
    table.add_row("pairwise", f"{scores.precision:.4f}", f"{scores.recall:.4f}", f"{scores.f1:.4f}")
    table.add_row("B-cubed", f"{scores.bcubed_precision:.4f}", f"{scores.bcubed_recall:.4f}",
                  f"{scores.bcubed_f1:.4f}")
    stdout().print(table)
    typer.echo(f"{scores.correct_pairs} of {scores.predicted_pairs} predicted pairs correct; "
               f"{scores.true_pairs} true pairs; {scores.seconds:.1f} s")
    if scores.unread:
        typer.echo(f"{scores.unread} records of the truth file were not read (skipped as malformed); "
                   "they count as papers of their own")


def index_text(summary: IndexSummary) -> str:
    return (f"indexed {count(summary.records, 'record')} ({count(summary.papers, 'paper')}, "
            f"{count(summary.vocabulary, 'term')}) into {escape(summary.model)}; skipped {summary.skipped} malformed")
