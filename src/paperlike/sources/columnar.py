"""Parquet and Arrow IPC (Feather v2) files: a corpus prepared elsewhere (Spark, DuckDB,
pandas) read directly, with no JSON round trip.

Columns are matched by name as the CSV reader matches them (:data:`delimited._ALIASES`:
``title``, ``abstract`` or ``summary``, ``authors``, ``year`` or ``date``, ``doi``, ...), case-
insensitively; a title or an abstract column is required and the others are optional. Values
may be typed: ``authors`` and ``categories`` a list of strings or one string, ``date`` a date,
a timestamp, a string or a year, numbers where text is expected (``volume`` 12). The columns
paperlike does not model are kept in ``extra``, as JSON values (dates as ISO text).

A row that cannot be a record (neither title nor abstract, text where a number is expected,
over the size limit) is skipped and reported as ``file:row`` (rows numbered from 1), as the
other readers report ``file:line``. The files are binary, so they are recognised by their
magic bytes (``PAR1``, ``ARROW1``) rather than by their text.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import math
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError
from ..records import Skipped
from .base import MAX_RECORD_BYTES, Bad, arxiv_in, iso_date, make_row, split_authors, too_big
from .delimited import _ALIASES, _ARXIV_HINTS

__all__ = ["MAGIC", "format_of", "read_parquet", "read_arrow"]

MAGIC = {b"PAR1": "parquet", b"ARROW1": "arrow"}
_ROWS = 4096  # rows converted to Python at a time


def format_of(head: bytes) -> str | None:
    """``"parquet"`` or ``"arrow"`` if the file's first bytes are those formats' magic."""
    for magic, name in MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def sniff(head: str) -> bool:
    """Never true of text: these formats are recognised by their magic bytes (format_of)."""
    return False


def _columns(names: list[str], path: str) -> dict[str, str]:
    lowered = {name.strip().lower(): name for name in names}
    columns = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                columns[field] = lowered[alias]
                break
    if "title" not in columns and "abstract" not in columns:
        raise InputError(f"{path}: no title or abstract column (columns: {', '.join(names[:12])})")
    return columns


def _text(name: str, value: object) -> str | None:
    """A cell where text is expected: text, or a number or a date written as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise Bad(f"{name} is not text but a boolean")
    if isinstance(value, (int, decimal.Decimal)) or (isinstance(value, float) and math.isfinite(value)):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise Bad(f"{name} is not text but {type(value).__name__}")


def _strings(name: str, value: object) -> list[str] | str | None:
    """A cell where a list of names is expected: a list of strings, or one string."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        if not all(isinstance(item, str) for item in value if item is not None):
            raise Bad(f"{name} is not a list of text")
        return [item for item in value if item]
    raise Bad(f"{name} is not text or a list of text but {type(value).__name__}")


def _date(value: object) -> str | None:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        raise Bad("date is not a date but a boolean")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return iso_date(value)


def _json(value: object) -> object:
    """A value of another column as JSON can hold it in ``extra``."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, datetime.timedelta)):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return str(value)


def _size(value: object) -> int:
    """About how many bytes a cell holds, for the record size limit."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(_size(v) for v in value) + len(value)
    if isinstance(value, dict):
        return sum(_size(k) + _size(v) for k, v in value.items())
    return 8


def _paper(row: dict, columns: dict[str, str], path: str, number: int) -> tuple:
    value = {field: row[name] for field, name in columns.items()}
    categories = _strings("categories", value.get("categories"))
    if isinstance(categories, str):
        categories = categories.replace(";", " ").split()
    taken = set(columns.values())
    return make_row(
        path, number, id=_text("id", value.get("id")), title=_text("title", value.get("title")),
        abstract=_text("abstract", value.get("abstract")),
        authors=split_authors(_strings("authors", value.get("authors"))),
        date=_date(value.get("date")) or _date(value.get("year")),
        doi_value=_text("doi", value.get("doi")), venue=_text("venue", value.get("venue")),
        categories=categories or [],
        volume=_text("volume", value.get("volume")), issue=_text("issue", value.get("issue")),
        pages=_text("pages", value.get("pages")), isbn=_text("isbn", value.get("isbn")),
        pmid=_text("pmid", value.get("pmid")), entry_type=_text("entry type", value.get("entry_type")),
        arxiv=arxiv_in(*(row[name] for name in row if name.strip().lower() in _ARXIV_HINTS
                         and isinstance(row[name], str))),
        extra={name: _json(cell) for name, cell in row.items() if name not in taken},
    )


def _rows(batches, names: list[str], path: str, limit: int) -> Iterator[tuple | Skipped]:
    columns = _columns(names, path)
    number = 0
    for batch in batches:
        for row in batch.to_pylist():
            number += 1
            size = sum(_size(v) for v in row.values())
            if size > limit:
                yield Skipped(path=path, line=number, reason=too_big(size, limit))
                continue
            try:
                yield _paper(row, columns, path, number)
            except Bad as exc:
                yield Skipped(path=path, line=number, reason=str(exc))


def _unreadable(path: str, what: str, exc: BaseException) -> InputError:
    text = str(exc).replace("\n", " ")
    text = text if len(text) <= 160 else text[:157] + "..."
    return InputError(f"{path}: not a readable {what} file ({text}); check that the file is complete")


def read_parquet(stream: BinaryIO, path: str, year: int | None = None,
                 limit: int = MAX_RECORD_BYTES) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a Parquet file, a row group's rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(stream)
        names = file.schema_arrow.names
        batches = file.iter_batches(batch_size=_ROWS)
        yield from _rows(_guarded(batches, path, "Parquet"), names, path, limit)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, "Parquet", exc) from None


def read_arrow(stream: BinaryIO, path: str, year: int | None = None,
               limit: int = MAX_RECORD_BYTES) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of an Arrow IPC file (``.arrow``, Feather v2), a batch at a time."""
    import pyarrow as pa

    try:
        reader = pa.ipc.open_file(stream)
        batches = (reader.get_batch(k) for k in range(reader.num_record_batches))
        yield from _rows(_guarded(batches, path, "Arrow IPC"), reader.schema.names, path, limit)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, "Arrow IPC", exc) from None


def _guarded(batches, path: str, what: str):
    """The batches, each checked in full (a damaged file is an InputError, not a crash)."""
    for batch in batches:
        batch.validate(full=True)
        yield batch


class _Format:
    """A format of FORMATS: ``sniff`` (never true of text) and ``read_stream``."""

    def __init__(self, read):
        self.read_stream = read
        self.sniff = sniff


parquet = _Format(read_parquet)
arrow = _Format(read_arrow)
