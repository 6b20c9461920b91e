"""The one error hierarchy: every failure a user can cause is a PaperlikeError.

The CLI turns any of them into a one-line message and exit code 1 (2 for bad usage) in one
place; library callers catch PaperlikeError or a subclass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "PaperlikeError",
    "InputError",
    "BadRecordError",
    "EmptyCorpusError",
    "ModelError",
    "QueryError",
    "NotFoundError",
    "UsageError",
    "ArgumentError",
    "RequestError",
    "OutputError",
    "WorkerError",
    "MissingExtraError",
    "NotFittedError",
]


class PaperlikeError(Exception):
    """Base of every error paperlike raises on purpose.

    ``hint`` is advice for the command line that ends the message (``'paperlike papers' lists
    the ids``): ``str(error)`` is the message and the hint. ``http_hint`` is the same advice for
    an HTTP client, or None; the service answers :meth:`for_http`, which never names a command
    or an option."""

    exit_code = 1

    def __init__(self, *args: object, hint: str | None = None, http_hint: str | None = None) -> None:
        super().__init__(*args)
        self.hint, self.http_hint = hint, http_hint

    def __str__(self) -> str:
        return _ending(super().__str__(), self.hint)

    def for_http(self) -> str:
        """The message for an HTTP client: the CLI's hint left out, the HTTP one in its place."""
        return _ending(super().__str__(), self.http_hint)


def _ending(message: str, hint: str | None) -> str:
    return f"{message}; {hint}" if hint else message


class UsageError(PaperlikeError):
    """The command was called wrongly (conflicting options, bad values)."""

    exit_code = 2


class ArgumentError(UsageError, TypeError):
    """A function of the Python API called with an argument of the wrong type (None where a
    path is needed, a number where records are), or without one it needs: which argument, what
    it must be and what it was, in one line. A TypeError too, as Python's own would be."""


class RequestError(UsageError):
    """A request its pydantic model rejects (a k out of range, an unknown method): the first of
    the model's errors as one line, the field named as the front end calls it."""

    def __init__(self, message: str, errors: Sequence[Mapping[str, Any]] = ()) -> None:
        self.errors = list(errors)
        super().__init__(message)

    @classmethod
    def of(cls, errors: Sequence[Mapping[str, Any]], names: Mapping[str, str] | None = None) -> RequestError:
        """From a ValidationError's ``errors()``. ``names`` maps a field's dotted path (``k``,
        ``filters.since``; ``""`` for the model as a whole) to what the front end calls it
        (``-k``, ``--since``); a field not in it is named by its path."""
        error = errors[0]
        fields: list[str] = []  # the location's names up to a list index (past it, a union's member)
        index = None
        for part in error["loc"]:
            if not isinstance(part, str):
                index = part
                break
            fields.append(part)
        prefixes = [".".join(fields[:n]) for n in range(len(fields), -1, -1)]
        name = next((names[p] for p in prefixes if p in names), None) if names else None
        if name is None:
            name = ".".join(fields) + ("" if index is None else f"[{index}]")
        reason = str(error["msg"]).removeprefix("Value error, ")
        reason = reason[:1].lower() + reason[1:]
        value = error.get("input")
        if error["type"] != "value_error" and isinstance(value, (str, int, float)):
            reason += f", not {value!r}"
        return cls(f"{name}: {reason}" if name else reason, errors)


class InputError(PaperlikeError):
    """An input file cannot be read at all: missing, not UTF-8, unknown format."""


class BadRecordError(InputError):
    """One record of an input file is malformed; carries where it is."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}:{line}: {reason}")


class EmptyCorpusError(InputError):
    """The inputs held no usable record."""


class ModelError(PaperlikeError):
    """A saved model folder is missing, not a model, of another format version, or damaged."""


class QueryError(PaperlikeError):
    """A query names no known paper, or names several."""


class OutputError(PaperlikeError):
    """A file cannot be written where the user asked for it."""


class NotFoundError(QueryError):
    """A query names a record or paper (by id, or by title only) that the model does not hold."""


class MissingExtraError(PaperlikeError):
    """A feature needs an optional extra that is not installed (``pip install 'paperlike[...]'``)."""


class WorkerError(PaperlikeError):
    """A worker process died before it answered (most often killed for want of memory)."""


class NotFittedError(PaperlikeError, AttributeError):
    """An estimator (or index) asked to answer before ``fit``: which one, and to call fit. An
    AttributeError too, as scikit-learn's is, since the fitted attributes it needs are missing."""
