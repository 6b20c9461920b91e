"""The command line: each command parses, calls one API function, and prints.

``similar``, ``recommend`` and ``check --title`` build the request models the HTTP service takes
(:mod:`paperlike.requests`: SimilarRequest, RecommendRequest, CheckRequest) and pass them to the
API, so their limits are the same everywhere. People get rich tables on stdout; ``--json``
prints the documented JSON shapes for tools. Notices and progress go to stderr. Every
PaperlikeError, and every request a model rejects, becomes a one-line message and its exit code
here, in :class:`_Group`, and nowhere else.

The package holds the app (here), the options the commands share (:mod:`.options`), the
commands by what they work on (:mod:`.corpus`, :mod:`.query`, :mod:`.duplicates`,
:mod:`.service`), how answers print (:mod:`.render`, :mod:`.tables`) and help as prose
(:mod:`.helptext`).
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup, TyperOption

from ..errors import PaperlikeError, RequestError
from . import corpus, duplicates, query, service
from .helptext import plain_help

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
    and an exit code, in one place; and makes ``--help`` read as prose (:func:`.helptext.plain_help`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_help(self)

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


app = typer.Typer(
    cls=_Group,
    help="Papers like this, and is this the same paper? From titles and abstracts alone.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's help: typer's rich help imports rich.markdown, a third of --help
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"paperlike {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Papers like this, and is this the same paper? From titles and abstracts alone."""


# The commands, in the order --help lists them.
for _command in (corpus.index, corpus.add, corpus.papers, query.similar, query.similar_many, query.recommend,
                 query.feed, query.graph, corpus.info, corpus.verify, duplicates.dupes, duplicates.decide,
                 corpus.merge, duplicates.check, service.serve):
    app.command()(_command)

eval_app = typer.Typer(help="Measure paperlike against ground truth.\n\nExample: [bold]paperlike eval dupes "
                            "DBLP.csv ACM.csv --truth-pairs matches.csv[/bold]", no_args_is_help=True,
                       rich_markup_mode=None)
app.add_typer(eval_app, name="eval")
eval_app.command("dupes")(duplicates.eval_dupes)


def _evaluate_annotations(group: typer.Typer) -> None:
    """Each command's annotations evaluated once, before typer reads them: the command modules'
    annotations are strings (``from __future__ import annotations``), and typer builds every
    command's options on every run (``--version`` and ``--help`` too), evaluating each command's
    strings three times doing so."""
    infos = [*group.registered_commands, group.registered_callback]
    for info in infos:
        if info is not None and info.callback is not None:
            info.callback.__annotations__ = inspect.get_annotations(info.callback, eval_str=True)
    for sub in group.registered_groups:
        _evaluate_annotations(sub.typer_instance)


def main() -> None:
    """Run the command named in ``sys.argv``; it ends, as click's commands do, in SystemExit with
    the exit code (for a program that runs paperlike's commands in its own process)."""
    _evaluate_annotations(app)
    app(prog_name="paperlike")


def script() -> None:
    """Entry point of the ``paperlike`` console script and ``python -m paperlike``: :func:`main`,
    then the process ends (:func:`_quick_exit`)."""
    # Pydantic looks for plugins in every installed package's entry points when it builds its
    # first validator, which costs a cold query more than its answer; a command line validates a
    # few requests. Set PYDANTIC_DISABLE_PLUGINS yourself (to "" for all) to have them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        main()
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            _quick_exit(stop.code or 0)
        raise


def _quick_exit(code: int) -> None:
    """End the process with ``code`` once its output is flushed and its exit handlers have run,
    without taking apart every module and object one by one: a short command's answer is printed
    by then, and that teardown (numpy, pyarrow, the model's arrays) would take longer than a
    query. Returns, for the usual exit, if a thread other than the main one is still at work."""
    import atexit
    import threading

    from ..parallel import end_second_thread

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the usual exit reports it
        return
    end_second_thread()
    if any(not thread.daemon for thread in threading.enumerate() if thread is not threading.main_thread()):
        return
    atexit._run_exitfuncs()  # what Python's own exit runs, and os._exit would skip
    os._exit(code)
