"""Help that reads as prose: each option's value named in capitals (DIR, DATE, N) rather than
typer's Python types, each command's text as paragraphs the terminal wraps, and each command's
first paragraph whole in the list of commands. The help is click's plain text (typer's rich help
costs more to import than the rest of ``--help``): the docstrings' ``[bold]`` marks are taken out."""

from __future__ import annotations

import re
from collections.abc import Callable

from typer.core import TyperArgument, TyperGroup, TyperOption

# The value an option takes, as --help names it: by the parameter's name, else its type.
_METAVARS = {"model": "DIR", "fmt": "FORMAT", "input_format": "FORMAT", "since": "DATE", "until": "DATE",
             "like": "PAPERS", "not_": "PAPERS", "exclude": "PAPERS", "category": "CATEGORY", "out": "FILE",
             "fields": "FIELDS", "method": "METHOD", "relation": "RELATION", "collection": "NAME",
             "truth_pairs": "FILE", "truth_groups": "FILE", "truth_field": "FIELD", "host": "ADDRESS"}
_MARKUP = re.compile(r"\[/?bold\]")  # the one style the docstrings use
_TYPE_METAVARS = {"int": "N", "float": "NUMBER", "Path": "PATH", "str": "TEXT"}


def plain_help(group: TyperGroup) -> None:
    """Help without Python types (typer shows ``<list[Path]>``, ``<bool>``): each option's
    value named in capitals (DIR, DATE, N), a flag's by nothing; and each command's text as
    paragraphs that the terminal wraps, not lines broken where the docstring's were."""
    for command in [group, *group.commands.values()]:
        if command.help:
            command.help = _reflow(command.help)
            command.short_help = command.help.split("\n\n")[0]
        command.get_help_option = _flag_help_option(command.get_help_option)
        if isinstance(command, TyperGroup) and command is not group:
            plain_help(command)
            continue
        for param in command.params:
            if getattr(param, "help", None):
                param.help = _MARKUP.sub("", param.help)
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
    """A docstring's paragraphs each on one line (a line ending a paragraph stays one), without
    its rich markup."""
    return "\n\n".join(" ".join(line.strip() for line in para.splitlines())
                        for para in _MARKUP.sub("", text).strip().split("\n\n"))
