"""Records as they come in: one record of a paper, where it was read, what was skipped,
and what is kept with a model about its records (additions, decisions).

Their JSON form (``model_dump(mode="json")``) is what ``papers --format json`` prints and
what ``records.arrow`` holds, so a field added here is a change of the documented shapes.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

M = TypeVar("M")

__all__ = ["Paper", "Addition", "Corpus", "DATE_PATTERN", "DateText", "Decision", "Model", "Record", "ROW_FIELDS", "Skipped",
           "Source", "date_form", "field_chunks", "field_values", "record_rows", "rows_at", "year_of"]


class Model(BaseModel):
    """The base of paperlike's models. Each builds its validator at its first use, not when this
    module is imported (``defer_build``): a command uses a few of them, and building all of them
    was a large part of a cold query's start. The service builds its request bodies when it is
    imported (:func:`paperlike.requests.build_bodies`)."""

    model_config = ConfigDict(defer_build=True)


class Source(Model):
    """Where a record was read: the file and the 1-based line on which it starts."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int = Field(ge=1)


class Record(Model):
    """One record of a paper, as one input line or entry described it.

    Several records may describe one paper (copies, versions); the index groups them.
    ``date`` is ISO 8601: ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``, or ``--MM-DD`` when a listing
    gave a day without a year.
    """

    id: str
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    abstract: str | None = None
    categories: list[str] = Field(default_factory=list)
    date: str | None = None
    doi: str | None = None
    venue: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = Field(default=None, description="first-last page (\"91-92\"), or one page")
    isbn: str | None = None
    pmid: str | None = None
    entry_type: str | None = Field(default=None, description="article, inproceedings, book, ... "
                                   "(BibTeX's entry types, lower-cased)")
    extra: dict[str, Any] = Field(default_factory=dict)
    source: Source | None = None

    @property
    def year(self) -> int | None:
        """The year of ``date``, or None when it is not known."""
        return year_of(self.date)

    @property
    def label(self) -> str:
        """A short human label: the title, or the abstract's opening words when untitled."""
        if self.title:
            return self.title
        words = (self.abstract or "").split()
        return " ".join(words[:12]) + (" …" if len(words) > 12 else "")

    def row(self) -> tuple:
        """The record as a row: its fields' values in the order of :data:`ROW_FIELDS`."""
        values = self.__dict__
        source = values["source"]
        return (*(values[name] for name in _OWN_FIELDS), source and source.path, source and source.line)

    @classmethod
    def from_row(cls, row: tuple) -> Record:
        """The record of a row (:data:`ROW_FIELDS`), as ``model_construct`` makes it: not
        validated again, since a reader's rows hold values of the fields' types already."""
        fields = dict(zip(_OWN_FIELDS, row))
        path = row[-2]
        fields["source"] = None if path is None else _assembled(Source, {"path": path, "line": row[-1]}, _SOURCE_FIELDS)
        return _assembled(cls, fields, _RECORD_FIELDS)


# A record as a row, as readers make it and column builders take it: Record's fields in their
# order, ``source`` as its path and line (None, None for none). The columns of records.arrow.
_OWN_FIELDS = tuple(name for name in Record.model_fields if name != "source")
ROW_FIELDS = (*_OWN_FIELDS, "source_path", "source_line")
# A record made from a row gives every field, so one shared set of "the fields given" stands for
# all of them: pydantic keeps one set per model (728 bytes for ten names, a sixth of a record)
# and only ever adds to it a name that it already holds.
_RECORD_FIELDS = set(Record.model_fields)
_SOURCE_FIELDS = set(Source.model_fields)


def _assembled(model: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    """``model.model_construct(fields_set, **values)`` for values that hold every field, in
    their order, without its loop over the fields (a third of rebuilding a record).

    What model_construct sets, for a model with no extra fields, private attributes or post-init
    hook (the test suite compares the two).
    """
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", fields_set)
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


def year_of(date: str | None) -> int | None:
    """The year of a record's ``date``, or None when it is not known."""
    if date and date[:4].isdigit():
        return int(date[:4])
    return None


# Reading fields of many records, whether they are Record models (a list, a saved model's
# records) or columns (paperlike.table.RecordTable, which has ``chunks``): the steps of a build
# read a table's columns a batch at a time, and a list's records as they are.

_CHUNK = 4096


def _value(record: Record, name: str) -> Any:
    if name == "source_path":
        return record.source.path if record.source else None
    if name == "source_line":
        return record.source.line if record.source else None
    return getattr(record, name)


def field_chunks(records: Sequence[Record], names: Sequence[str]) -> Iterator[tuple[list, ...]]:
    """The values of the fields ``names`` of the records (``source_path`` and
    ``source_line`` for the source's), a batch at a time: one list per name."""
    chunks = getattr(records, "chunks", None)
    if chunks is not None:
        yield from chunks(names)
        return
    for start in range(0, len(records), _CHUNK):
        part = records[start:start + _CHUNK]
        yield tuple([_value(r, name) for r in part] for name in names)


def field_values(records: Sequence[Record], name: str) -> list:
    """Every record's value of one field (as :func:`field_chunks` names them)."""
    return [value for (values,) in field_chunks(records, (name,)) for value in values]


_ROW_TYPES: dict[tuple[str, ...], type] = {}


def _row_type(names: tuple[str, ...]) -> type:
    """A named tuple of these fields that reads as a Record does (``year``, ``source``)."""
    found = _ROW_TYPES.get(names)
    if found is None:
        extra: dict[str, Any] = {"__slots__": ()}
        if "date" in names:
            extra["year"] = property(lambda row: year_of(row.date))
        if "source_path" in names and "source_line" in names:
            extra["source"] = property(lambda row: None if row.source_path is None
                                       else Source.model_construct(path=row.source_path, line=row.source_line))
        found = _ROW_TYPES[names] = type("RecordRow", (namedtuple("RecordRow", names),), extra)
    return found


def record_rows(records: Sequence[Record], names: Sequence[str]) -> Iterator[Any]:
    """Each record, as an object with the attributes ``names`` (and ``year`` with ``date``,
    ``source`` with ``source_path`` and ``source_line``): the record itself from a list, a
    named tuple made from the columns of a table."""
    if getattr(records, "chunks", None) is None:
        yield from records
        return
    make = partial(tuple.__new__, _row_type(tuple(names)))
    for values in records.chunks(names):  # type: ignore[attr-defined]
        yield from map(make, zip(*values))


def rows_at(records: Sequence[Record], indices: Sequence[int], names: Sequence[str]) -> dict[int, Any]:
    """The records at ``indices`` as :func:`record_rows` makes them, by index: what a step
    that compares a few records of a table reads of them, read once."""
    if getattr(records, "rows_at", None) is None:
        return {int(i): records[int(i)] for i in indices}
    make = partial(tuple.__new__, _row_type(tuple(names)))
    return {i: make(values) for i, values in records.rows_at(indices, names).items()}  # type: ignore[attr-defined]


class Skipped(Model):
    """A record that was not read, and why."""

    path: str
    line: int
    reason: str


class Corpus(Model):
    """What reading some inputs gave: the records, and the records skipped as malformed."""

    records: list[Record]
    skipped: list[Skipped] = Field(default_factory=list)


DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def date_form(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # The pattern's own message shows a regular expression; this one says the forms.
    try:
        return handler(value)
    except ValidationError as exc:
        if exc.errors()[0]["type"] != "string_pattern_mismatch":
            raise
        raise PydanticCustomError("date_form", "a date is YYYY, YYYY-MM or YYYY-MM-DD") from None


DateText = Annotated[str, Field(pattern=DATE_PATTERN), WrapValidator(date_form)]


class Decision(Model):
    """A person's word on two records: the same paper, or different papers. Kept with the model
    and applied to every later ``dupes``, ``check`` and ``add`` (it overrides the rules)."""

    model_config = ConfigDict(extra="forbid")

    a: str
    b: str
    verdict: Literal["same", "different"]
    at: str = Field(description="When it was recorded (ISO 8601, UTC).")


class Addition(Model):
    """Records that came into a model together: ``count`` records from index ``first`` on, at
    ``at`` (ISO 8601, UTC, to the microsecond). Kept with the model (additions.json): the build
    is the first, each ``add`` one more."""

    model_config = ConfigDict(extra="forbid")

    at: str
    first: int = Field(ge=0)
    count: int = Field(ge=0)


Paper = Record
"""The former name of :class:`Record`, kept for one release."""
