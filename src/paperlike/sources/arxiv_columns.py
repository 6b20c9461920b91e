"""arXiv JSON lines read a block of lines at a time into Arrow columns: how a build reads a
JSON-lines file (``read_records(..., columnar=True)``).

A block of lines is parsed by ``pyarrow.json``, and Arrow's compute kernels find the values that
are normal already (ASCII without markup, single-spaced: nearly every title, name and id); only
the others are normalised in Python, and only what has no column form runs per record (the base
id, the date, and the fields paperlike does not model, which are decoded again by themselves).
The records, and the batch, are those the line-by-line reader (:mod:`.arxiv`) makes. A block
that is not plain is read by that reader instead, line by line, so every message and
``file:line`` report is its own: a line that is not one JSON object alone on its line, a line
that is not UTF-8 or is over the size limit, a field of another kind than text where the reader
expects text, a key given twice, both of two keys the reader takes one or the other of
(``summary`` and ``abstract``), or a record the reader would skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from .. import columns
from ..identifiers import doi
from ..records import Skipped
from ..text import folded_digest, normalize
from .arxiv import MODELLED, date_of, paper_from_json
from .base import (
    MAX_RECORD_BYTES,
    SHORT_FIELDS,
    Bad,
    Oversized,
    get,
    given_base_id,
    read_each,
    record_date,
    split_authors,
)
from .jsondoc import BadJSON, decoded_lines, loads, numbered_lines

__all__ = ["read_stream", "BLOCK_LINES", "BLOCK_BYTES"]

# A block is at most this many lines (a table's batch) and, beyond its first line, this many bytes.
BLOCK_LINES = 1024
BLOCK_BYTES = 1 << 22

# The fields the reader takes as text: parsed as text whatever they look like (pyarrow would
# make an ISO date a timestamp); a value of another kind fails the parse, and the block is read
# line by line.
_TEXT_FIELDS = ("id", "title", "summary", "abstract", "doi", "journal-ref", "venue", "published", "date",
                "update_date", "crawled", "volume", "issue", "pages", "isbn", "pmid", "entry_type")
# Keys the reader takes one of, the first when both are there: a block that has both is read
# line by line (a null under the first would hide the second, which columns cannot tell). They
# are not in the schema given to the parser, so that the columns say which keys the lines have.
_EITHER = (("summary", "abstract"), ("journal-ref", "venue"))
_SCHEMA = pa.schema([(name, pa.string()) for name in _TEXT_FIELDS if not any(name in pair for pair in _EITHER)])
# Lists of names or categories, or (the metadata snapshot) one text of them.
_LIST_FIELDS = ("authors", "categories")
_LIST_TYPES = (pa.list_(pa.string()), pa.list_(pa.null()), pa.null(), pa.string())
# What normalize changes in ASCII text: markup (an entity, a LaTeX command or group, a hyphen
# broken over a line), and spacing (any white space but one space between words).
_NOT_PLAIN = r"[&\\$\{\t\n\x0b\x0c\r\x1c-\x1f]|  |^ | $"


def read_stream(stream: BinaryIO, path: str, *, start: int = 0, end: int | None = None, first_line: int = 1,
                limit: int = MAX_RECORD_BYTES, block_lines: int = BLOCK_LINES
                ) -> Iterator[pa.RecordBatch | tuple | Skipped]:
    """What :func:`paperlike.sources.arxiv.read_stream` reads of the stream, in its order: a
    record batch (:func:`paperlike.columns.schema`) of each plain block of ``block_lines`` lines,
    the rows and Skipped of the others."""
    block: list[tuple[int, bytes | Oversized]] = []
    size = 0
    for item in numbered_lines(stream, start, end, first_line, limit):
        block.append(item)
        size += item[1].size if isinstance(item[1], Oversized) else len(item[1])
        if len(block) == block_lines or size > BLOCK_BYTES:
            yield from _read_block(block, path, limit)
            block, size = [], 0
    if block:
        yield from _read_block(block, path, limit)


def _read_block(block: list[tuple[int, bytes | Oversized]], path: str, limit: int
                ) -> Iterator[pa.RecordBatch | tuple | Skipped]:
    batch = block_batch(block, path)
    if batch is not None:
        yield batch
    else:
        yield from read_each(decoded_lines(block, path, limit), path, paper_from_json)


def block_batch(block: list[tuple[int, bytes | Oversized]], path: str) -> pa.RecordBatch | None:
    """The records of a block of numbered lines (:func:`paperlike.sources.jsondoc.numbered_lines`)
    as one record batch, the rows the line-by-line reader makes; None if the block is not plain
    (see the module's doc)."""
    lines = [line for _, line in block]
    if not all(type(line) is bytes and line[:1] == b"{" and (line[-2:] == b"}\n" or line[-1:] == b"}")
               for line in lines):
        return None
    data = b"".join(lines)
    try:  # pyarrow.json does not check that its text is UTF-8
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        table = pj.read_json(pa.BufferReader(data),
                             read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                             parse_options=pj.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="infer"))
        # pyarrow.json can make a list column whose offsets count items it left out (a list that
        # opens with nulls): a table that is not valid is read line by line.
        table.validate(full=True)
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != len(lines):
        return None
    try:
        return _batch(table.combine_chunks().to_batches()[0], lines, [number for number, _ in block], path)
    except (Bad, BadJSON, _NotPlain, pa.ArrowException, ValueError):
        return None


class _NotPlain(Exception):
    """A block the columns cannot read as the line-by-line reader would."""


# The fields the reader models whose values the columns hold; a record with any other field
# (one paperlike keeps in its extra, ``crawled`` too, the versions, authors_parsed) is decoded
# again by itself, as the line-by-line reader decodes it.
_HELD = (set(_TEXT_FIELDS) | set(_LIST_FIELDS)) & MODELLED


def _batch(fields: pa.RecordBatch, lines: list[bytes], numbers: list[int], path: str) -> pa.RecordBatch:
    """The record batch of a block's parsed fields (_NotPlain, Bad or BadJSON if the columns
    cannot make the reader's records of it)."""
    n = fields.num_rows
    names = fields.schema.names
    for name in _LIST_FIELDS:
        if name in names and fields.schema.field(name).type not in _LIST_TYPES:
            raise _NotPlain(name)
    for pair in _EITHER:
        if all(name in names for name in pair):
            raise _NotPlain(" and ".join(pair))
        if any(name in names and fields.schema.field(name).type not in (pa.string(), pa.null()) for name in pair):
            raise _NotPlain(" or ".join(pair))
    decoded = np.zeros(n, dtype=bool)
    for name in names:
        if name not in _HELD:
            decoded |= np.asarray(fields.column(name).is_valid(), dtype=bool)
    objects = {int(k): loads(lines[k].decode("utf-8")) for k in np.flatnonzero(decoded)}
    title, abstract = normalized(fields.column("title")), normalized(_either(fields, "summary", "abstract"))
    if np.asarray(pc.and_(title.is_null(), abstract.is_null()), dtype=bool).any():
        raise _NotPlain("a record with neither a title nor an abstract")
    raw_ids = fields.column("id").to_pylist()
    own_ids = normalized(fields.column("id")).to_pylist()
    dois = _values(fields, "doi")
    text_fields = {name: _values(fields, name) for name in ("published", "date", "crawled", "update_date")}
    ids, dates, found_dois, extras = [], [], [], []
    for k in range(n):
        raw_id, own_id, obj = raw_ids[k], own_ids[k], objects.get(k)
        clean_doi = doi(dois[k]) or doi(raw_id)
        base_id = given_base_id(own_id, clean_doi) or f"pl-{folded_digest(title[k].as_py(), abstract[k].as_py())}"
        created = get(obj, "versions", 0, "created") if obj is not None else None
        date = date_of(created, lambda key, k=k: text_fields[key][k], raw_id)
        extra = ({key: value for key, value in obj.items() if key not in MODELLED and value not in (None, "", [], {})}
                 if obj is not None else {})
        if own_id and own_id != base_id:
            extra["input_id"] = own_id
        ids.append(base_id)
        dates.append(record_date(date, base_id))
        found_dois.append(clean_doi)
        extras.append(columns.extra_json(extra))
    schema = columns.schema()
    lists = schema.field("authors").type
    values = {
        "id": pa.array(ids, pa.string()), "title": title, "abstract": abstract,
        "authors": _names(fields, n, lists), "categories": _categories(fields, n, lists),
        "date": pa.array(dates, pa.string()), "doi": pa.array(found_dois, pa.string()),
        "venue": normalized(_either(fields, "journal-ref", "venue")),
        "extra": pa.array(extras, pa.string()),
        "source_path": pa.array([path] * n, pa.string()), "source_line": pa.array(numbers, pa.int64()),
    }
    for name, make in SHORT_FIELDS.items():
        column = fields.column(name)
        values[name] = (pa.nulls(n, pa.string()) if column.null_count == n else
                        pa.array([make(value) for value in column.to_pylist()], pa.string()))
    return pa.RecordBatch.from_arrays([values[field.name] for field in schema], schema=schema)


def _either(fields: pa.RecordBatch, first: str, second: str) -> pa.Array:
    """The text column of whichever of the two keys the block has (nulls if neither)."""
    for name in (first, second):
        if name in fields.schema.names and not pa.types.is_null(fields.schema.field(name).type):
            return fields.column(name)
    return pa.nulls(fields.num_rows, pa.string())


def _values(fields: pa.RecordBatch, name: str) -> list:
    """A text column's values (all None when no record has it)."""
    column = fields.column(name)
    return column.to_pylist() if column.null_count < len(column) else [None] * len(column)


def normalized(column: pa.Array) -> pa.Array:
    """``normalize(value) or None`` of each value of a text column. A value that is ASCII, has
    no markup and is single-spaced already is itself; only the others go through
    :func:`paperlike.text.normalize`."""
    if column.null_count == len(column):
        return column
    other = pc.or_(pc.invert(pc.string_is_ascii(column)), pc.match_substring_regex(column, _NOT_PLAIN))
    other = other.fill_null(False)
    others = np.flatnonzero(np.asarray(other, dtype=bool))
    if len(others):
        done = [normalize(value) for value in column.take(pa.array(others)).to_pylist()]
        column = pc.replace_with_mask(column, other, pa.array(done, pa.string()))
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _items(column: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The items of a list column's lists, and the record each is of."""
    offsets = np.asarray(column.offsets, dtype=np.int64)
    items = column.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    return items, np.repeat(np.arange(len(column)), np.diff(offsets))


def _lists(column: pa.Array, items: pa.Array, keep: np.ndarray, owner: np.ndarray, n: int, type: pa.DataType
           ) -> pa.Array:
    """Lists (of ``type``) of the items kept, each in its record's list."""
    keep = keep & np.asarray(column.is_valid(), dtype=bool)[owner]
    bounds = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(owner[keep], minlength=n), out=bounds[1:])
    return pa.ListArray.from_arrays(pa.array(bounds), items.filter(pa.array(keep)), type=type)


def _names(fields: pa.RecordBatch, n: int, type: pa.DataType) -> pa.Array:
    """Each record's authors, as :func:`~.base.split_authors` makes them of a list or a text."""
    def names(items: pa.Array) -> tuple[pa.Array, np.ndarray]:
        found = normalized(items)
        return found, np.asarray(found.is_valid(), dtype=bool)

    return _list_field(fields, "authors", n, type, split_authors, names)


def _categories(fields: pa.RecordBatch, n: int, type: pa.DataType) -> pa.Array:
    """Each record's categories, as the reader keeps them of a list or a text: the non-empty ones."""
    def categories(items: pa.Array) -> tuple[pa.Array, np.ndarray]:
        return items, np.asarray(pc.not_equal(items, "").fill_null(False), dtype=bool)

    return _list_field(fields, "categories", n, type, lambda text: [c for c in text.split() if c] if text else [],
                       categories)


def _list_field(fields: pa.RecordBatch, name: str, n: int, type: pa.DataType,
                of_text: Callable[[str | None], list[str]],
                kept: Callable[[pa.Array], tuple[pa.Array, np.ndarray]]) -> pa.Array:
    """A list field's lists (of ``type``): ``of_text`` of each value where the field is one text
    (the metadata snapshot's), else the items ``kept`` keeps of each list (the values to keep,
    and which)."""
    column = fields.column(name) if name in fields.schema.names else None
    if column is None or column.null_count == n or pa.types.is_null(column.type):
        return pa.array([[]] * n, type)
    if pa.types.is_string(column.type):
        return pa.array([of_text(value) for value in column.to_pylist()], type)
    items, owner = _items(column)
    if pa.types.is_null(items.type):
        return pa.array([[]] * n, type)
    values, keep = kept(items)
    return _lists(column, values, keep, owner, n, type)
