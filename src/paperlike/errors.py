"""The one error hierarchy: every failure a user can cause is a PaperlikeError.

The CLI turns any of them into a one-line message and exit code 1 (2 for bad usage) in one
place; library callers catch PaperlikeError or a subclass.
"""

from __future__ import annotations

__all__ = [
    "PaperlikeError",
    "InputError",
    "BadRecordError",
    "EmptyCorpusError",
    "ModelError",
    "QueryError",
    "NotFoundError",
    "UsageError",
    "OutputError",
    "MissingExtraError",
]


class PaperlikeError(Exception):
    """Base of every error paperlike raises on purpose."""

    exit_code = 1


class UsageError(PaperlikeError):
    """The command was called wrongly (conflicting options, bad values)."""

    exit_code = 2


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
