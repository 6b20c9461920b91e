"""Records as Arrow columns: Record models to record batches and back, exactly.

Every field of :class:`~paperlike.records.Record` has a column of its own (strings as UTF-8, null
for None; ``authors`` and ``categories`` as lists of strings; ``source`` as its path and line;
``extra`` as the JSON text of the dict, null when empty), written to ``records.arrow``
(:data:`BATCH_ROWS` records a zstd-compressed batch) and, for the :data:`CITE_FIELDS` a result
reads, to ``cite.arrow`` (uncompressed, :data:`CITE_ROWS` a batch, memory-mapped: a result
costs no decompression). pyarrow is imported here and only here, so commands that never read a
model's records do not pay for it. The files: docs/models.md.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from .records import ROW_FIELDS, Record, Source

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["BATCH_ROWS", "CITE_ROWS", "CITE_FIELDS", "STRING_FIELDS", "schema", "cite_schema", "to_batch", "rows_batch", "extra_json", "from_batch",
           "write", "RecordFile", "CiteFile", "LastRead"]

# Records per batch of the file: small enough that fetching one record decodes little (about
# 200 kB of text; a query's results read cite.arrow instead), large enough that zstd compresses
# the text well and the file's batches are few to write (each batch costs its own frames).
BATCH_ROWS = 128
STRING_FIELDS = ("id", "title", "abstract", "date", "doi", "venue", "volume", "issue", "pages", "isbn",
                 "pmid", "entry_type")
LIST_FIELDS = ("authors", "categories")
# The order of the columns: Record's own order of fields, source split in two (a record's row).
COLUMNS = ROW_FIELDS
_EXTRA = COLUMNS.index("extra")
_COMPRESSION = "zstd"
# The columns of the citing file, and its records per batch: large batches, since its batches
# are not decompressed (a batch is a view on the file) and each costs a validation once.
CITE_FIELDS = ("id", "title", "authors", "date", "venue", "doi")
CITE_ROWS = 4096


def schema() -> pa.Schema:
    """The columns of a records file, in Record's order of fields."""
    import pyarrow as pa

    types = {name: pa.string() for name in STRING_FIELDS}
    types.update({name: pa.list_(pa.field("item", pa.string(), nullable=False)) for name in LIST_FIELDS})
    types.update(extra=pa.string(), source_path=pa.string(), source_line=pa.int64())
    return pa.schema([pa.field(name, types[name], nullable=name not in ("id", *LIST_FIELDS))
                      for name in COLUMNS])


def cite_schema() -> pa.Schema:
    """The columns of a citing file: those of :data:`CITE_FIELDS`, as in the records file."""
    import pyarrow as pa

    full = schema()
    return pa.schema([full.field(name) for name in CITE_FIELDS])


def concat(batches: Sequence[pa.RecordBatch]) -> pa.RecordBatch:
    """The batches (of one schema) as one."""
    import pyarrow as pa

    return pa.concat_batches(batches)


def extra_json(extra: dict) -> str | None:
    """A record's extra as ``records.arrow`` holds it: the JSON text of the dict, None when empty."""
    # allow_nan: a NaN or an infinity read from an input comes back as itself
    return json.dumps(extra, ensure_ascii=False, separators=(",", ":")) if extra else None


def to_batch(records: Sequence[Record]) -> pa.RecordBatch:
    """The records as one record batch of :func:`schema`."""
    return rows_batch([record.row() for record in records])


def rows_batch(rows: Sequence[tuple]) -> pa.RecordBatch:
    """Records given as rows (:data:`~paperlike.records.ROW_FIELDS`, as readers make them) as
    one record batch of :func:`schema`: the rows turned into columns, each column an array."""
    import pyarrow as pa

    columns = list(zip(*rows)) if rows else [() for _ in COLUMNS]
    columns[_EXTRA] = [extra_json(extra) for extra in columns[_EXTRA]]
    wanted = schema()
    # In the C library's heap, not pyarrow's default pool (mimalloc), which keeps pages it
    # freed: a build's record batches are made and dropped while it reads.
    pool = pa.system_memory_pool()
    return pa.RecordBatch.from_arrays([pa.array(values, type=field.type, memory_pool=pool)
                                       for values, field in zip(columns, wanted)], schema=wanted)


def _checked(batch: pa.RecordBatch) -> str | None:
    """What is wrong with a batch's values that Record would refuse, or None: the checks of
    Record's validation, run on whole columns (records are then made without validating each)."""
    if batch.column("id").null_count:
        return "a record without an id"
    for name in LIST_FIELDS:
        column = batch.column(name)
        if column.null_count or _null_items(column):
            return f"a null in {name}"
    paths, lines = batch.column("source_path"), batch.column("source_line")
    if (paths.null_count or lines.null_count) and not paths.is_null().equals(lines.is_null()):
        return "a source with a path and no line, or a line and no path"
    if lines.null_count < len(lines) and _lowest(lines) < 1:
        return "a source line below 1"
    return None


def _null_items(column: pa.ListArray) -> int:
    """How many null items the lists of a list column without null lists hold: those of its
    values between its first and last offsets (``flatten()`` would import pyarrow.compute)."""
    offsets = column.offsets
    first, last = offsets[0].as_py(), offsets[len(offsets) - 1].as_py()
    return column.values.slice(first, last - first).null_count


def _lowest(column: pa.Array) -> int:
    """The smallest of the non-null values of an int64 column that has one, read from its buffers
    with numpy: pyarrow.compute (``pc.min``) is an import that a query's start would otherwise pay for,
    and ``to_numpy`` imports pandas (when installed)."""
    import numpy as np

    validity, data = column.buffers()
    values = np.frombuffer(data, dtype=np.int64, count=len(column), offset=8 * column.offset)
    if column.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        values = values[bits[column.offset:column.offset + len(column)].astype(bool)]
    return int(values.min())


def _decoded(batch: pa.RecordBatch) -> list[Record]:
    """The records of a checked batch (:func:`_checked`), as Record models; ValueError if a
    record's extra is not the JSON of an object."""
    columns = {name: batch.column(name).to_pylist() for name in COLUMNS}
    extras = [json.loads(text) if text is not None else {} for text in columns.pop("extra")]
    if not all(type(extra) is dict for extra in extras):
        raise ValueError("an extra that is not a JSON object")
    sources = [None if path is None else Source.model_construct(path=path, line=line)
               for path, line in zip(columns.pop("source_path"), columns.pop("source_line"))]
    names = (*columns, "extra", "source")
    make = Record.model_construct
    return [make(**dict(zip(names, values))) for values in zip(*columns.values(), extras, sources)]


def from_batch(batch: pa.RecordBatch) -> list[Record]:
    """The records of a batch, as Record models, checked as Record would check them."""
    wrong = _checked(batch)
    if wrong:
        raise ValueError(wrong)
    return _decoded(batch)


def write(records: Iterable[Record], path, batch_rows: int = BATCH_ROWS, cite=None,
          cite_rows: int = CITE_ROWS) -> int:
    """Write the records to an Arrow IPC file, ``batch_rows`` a batch (the last may hold
    fewer), and, when ``cite`` is a path, their :data:`CITE_FIELDS` to a citing file there,
    uncompressed, ``cite_rows`` a batch; the number written. Each file keeps its batch size
    in its schema's metadata."""
    import pyarrow as pa

    n = 0
    options = pa.ipc.IpcWriteOptions(compression=_COMPRESSION)
    wanted = schema().with_metadata({_BATCH_ROWS_KEY: str(batch_rows)})
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(pa.OSFile(str(path), "wb"))
        writer = stack.enter_context(pa.ipc.new_file(sink, wanted, options=options))
        citing = None
        if cite is not None:
            cite_sink = stack.enter_context(pa.OSFile(str(cite), "wb"))
            citing = stack.enter_context(pa.ipc.new_file(
                cite_sink, cite_schema().with_metadata({_BATCH_ROWS_KEY: str(cite_rows)}),
                options=pa.ipc.IpcWriteOptions(compression=None)))
        pending: list[pa.RecordBatch] = []

        def flush(batch: pa.RecordBatch | None, last: bool = False) -> None:
            # the citing file's batches: the records' batches cut at every cite_rows records
            if citing is None:
                return
            if batch is not None:
                pending.append(batch.select(list(CITE_FIELDS)))
            rows = sum(b.num_rows for b in pending)
            while rows >= cite_rows or (last and rows):
                whole = pa.concat_batches(pending)
                citing.write_batch(whole.slice(0, cite_rows))
                pending[:] = [whole.slice(cite_rows)] if whole.num_rows > cite_rows else []
                rows = max(0, rows - cite_rows)

        def pieces() -> Iterator[pa.RecordBatch]:
            # a table's own columns, cut at every batch_rows records; else Records, converted
            if hasattr(records, "batches"):
                left: pa.RecordBatch | None = None
                for batch in records.batches():
                    whole = batch if left is None else pa.concat_batches([left, batch])
                    cut = whole.num_rows - whole.num_rows % batch_rows
                    for start in range(0, cut, batch_rows):
                        yield whole.slice(start, batch_rows)
                    left = whole.slice(cut) if cut < whole.num_rows else None
                if left is not None:
                    yield left
                return
            chunk: list[Record] = []
            for record in records:
                chunk.append(record)
                if len(chunk) == batch_rows:
                    yield to_batch(chunk)
                    chunk = []
            if chunk:
                yield to_batch(chunk)

        for batch in pieces():
            writer.write_batch(batch)
            flush(batch)
            n += batch.num_rows
        flush(None, last=True)
    return n


_BATCH_ROWS_KEY = b"paperlike.batch_rows"
_CACHED_BATCHES = 64


class LastRead:
    """The last ``size`` values put, by key (the batches a reader decoded last), safe to share
    between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[object, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object):
        """The value put under ``key``, None if it is not kept (any more)."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: object, value):
        """Keep ``value`` under ``key``, dropping the least recently used beyond ``size``; the value."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class RecordFile(Sequence[Record]):
    """The records of a saved model's records file, memory-mapped: a record is decoded (its
    batch decompressed, checked and turned into Python values) only when asked for, and the
    last few batches decoded are kept.

    Opening reads the file's footer and checks its columns and its number of records and
    batches against ``n`` (ModelError, one line, otherwise). Each batch read is checked in
    full (offsets within bounds, valid UTF-8) and its values as Record's validation would check
    them (:func:`_checked`, on whole columns) before any value is taken from it, so that a file
    edited on purpose, its checksum rewritten, gives a ModelError, never a crash or a record
    that Record would refuse. Records are then made without validating each one again: that
    costs more than reading them.
    """

    def __init__(self, path, n: int, damaged, cite: CiteFile | None = None) -> None:

        self._path, self._n, self._damaged, self._cite = path, n, damaged, cite
        self._lock = threading.Lock()
        self._cache = LastRead(_CACHED_BATCHES)
        self._source, self._reader, self._rows = _open_batches(path, n, damaged, schema(), "a model's records")
        self._readers: dict[tuple[str, ...], pa.ipc.RecordBatchFileReader] = {}

    def __len__(self) -> int:
        return self._n

    @property
    def batch_rows(self) -> int:
        return self._rows

    @property
    def cite(self) -> CiteFile | None:
        """The citing file beside the records (None: a model read for --refit only)."""
        return self._cite

    def check_batch(self, k: int) -> pa.RecordBatch:
        """Batch ``k`` (0-based), checked in full: ModelError if it is damaged."""
        batch = _read_batch(self._reader, k, self._rows, self._n, self._damaged)
        wrong = _checked(batch)
        if wrong:
            raise self._damaged(f"batch {k + 1}: {wrong}")
        return batch

    def _batch(self, k: int) -> pa.RecordBatch:
        with self._lock:
            found = self._cache.get(k)
            return found if found is not None else self._cache.put(k, self.check_batch(k))

    def _papers(self, batch: pa.RecordBatch, first: int) -> list[Record]:
        """The records of a checked batch (or a slice of one) whose first is record ``first``."""
        try:
            return _decoded(batch)
        except ValueError as exc:  # the JSON of extra
            raise self._damaged(f"batch {first // self._rows + 1}: {_short(exc)}") from None

    def fields(self, i: int, names: tuple[str, ...]) -> tuple:
        """The values of a few fields of record ``i`` (``id``, ``title``, ``authors``, ...),
        without making a Record: what a query's results need of each record. Fields of
        :data:`CITE_FIELDS` come from the citing file when there is one (no decompression);
        others from the records file, only their columns of the record's batch decompressed."""
        if not set(names) <= set(STRING_FIELDS) | set(LIST_FIELDS):
            raise ValueError(f"not string or list fields of a record: {names}")
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        if self._cite is not None and set(names) <= set(CITE_FIELDS):
            return self._cite.fields(i, names)
        batch = self._partial(i // self._rows, tuple(sorted(set(names), key=COLUMNS.index)))
        return tuple(batch.column(name)[i % self._rows].as_py() for name in names)

    def _partial(self, k: int, names: tuple[str, ...]) -> pa.RecordBatch:
        """Batch ``k`` with only the columns ``names`` (in the file's order) read, and checked
        in full."""
        import pyarrow as pa

        key = (k, names)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                return found
            reader = self._readers.get(names)
            if reader is None:
                fields = [COLUMNS.index(name) for name in names]
                reader = self._readers[names] = pa.ipc.open_file(
                    self._source, options=pa.ipc.IpcReadOptions(use_threads=False, included_fields=fields))
            try:
                batch = reader.get_batch(k)
                batch.validate(full=True)
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise self._damaged(f"batch {k + 1}: {_short(exc)}") from None
            want = min(self._rows, self._n - k * self._rows)
            if batch.num_rows != want or batch.schema.names != list(names):
                raise self._damaged(f"batch {k + 1} holds {batch.num_rows} records, not {want}")
            if "id" in names and batch.column("id").null_count:
                raise self._damaged(f"batch {k + 1}: a record without an id")
            return self._cache.put(key, batch)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        # one row decoded: a batch's other records cost nothing until asked for
        return self._papers(self._batch(i // self._rows).slice(i % self._rows, 1), i)[0]

    def __iter__(self) -> Iterator[Record]:
        for k in range(-(-self._n // self._rows)):
            yield from self._papers(self.check_batch(k), k * self._rows)

    def batches(self, rows: int = 4096) -> Iterator[pa.RecordBatch]:
        """The records as record batches of about ``rows`` records, each checked in full
        (ModelError if one is damaged): what a build that adds records to a model reads."""
        import pyarrow as pa

        per = max(1, rows // self._rows)
        count = -(-self._n // self._rows)
        for k in range(0, count, per):
            batch = pa.concat_batches([self.check_batch(j) for j in range(k, min(k + per, count))])
            for text in batch.column("extra").to_pylist():
                try:
                    whole = text is None or type(json.loads(text)) is dict
                except ValueError:
                    whole = False
                if not whole:
                    raise self._damaged(f"batch {k + 1}: an extra that is not a JSON object")
            yield batch


class CiteFile:
    """The citing file of a saved model (``cite.arrow``), memory-mapped: :data:`CITE_FIELDS`
    of every record, uncompressed, so that a batch is a view on the file.

    Opening reads the footer and checks its columns and its number of batches against ``n``;
    each batch is checked in full (offsets within bounds, valid UTF-8, no record without an id,
    no null author) the first time it is read, and kept: a kept batch holds no copy of the
    file's bytes. ModelError (one line, from ``damaged``) for a file that fails a check.
    """

    def __init__(self, path, n: int, damaged) -> None:

        self._path, self._n, self._damaged = path, n, damaged
        self._source, self._reader, self._rows = _open_batches(path, n, damaged, cite_schema(),
                                                               "a model's citing file")
        self._count = -(-n // self._rows)
        self._batches: list[pa.RecordBatch | None] = [None] * self._count
        self._columns: list[dict | None] = [None] * self._count

    @property
    def batch_rows(self) -> int:
        return self._rows

    def check_batch(self, k: int) -> pa.RecordBatch:
        """Batch ``k`` (0-based), checked in full: ModelError if it is damaged."""
        found = self._batches[k]
        if found is not None:
            return found
        batch = _read_batch(self._reader, k, self._rows, self._n, self._damaged)
        if batch.column("id").null_count:
            raise self._damaged(f"batch {k + 1}: a record without an id")
        authors = batch.column("authors")
        if authors.null_count or _null_items(authors):
            raise self._damaged(f"batch {k + 1}: a null in authors")
        # setting a list's item is atomic: two threads checking one batch both keep a good one
        self._columns[k] = {name: batch.column(name) for name in CITE_FIELDS}
        self._batches[k] = batch
        return batch

    def fields(self, i: int, names: tuple[str, ...]) -> tuple:
        """The values of ``names`` (of :data:`CITE_FIELDS`) of record ``i`` (0 <= i < n)."""
        k, j = divmod(i, self._rows)
        columns = self._columns[k]
        if columns is None:
            self.check_batch(k)
            columns = self._columns[k]
        return tuple(columns[name][j].as_py() for name in names)


def _open_batches(path, n: int, damaged, expected: pa.Schema, what: str):
    """The memory map, IPC reader and batch size of a model's Arrow file of ``n`` rows, after
    checking its columns against ``expected`` and its number of batches; ``damaged`` makes the
    ModelError of a file that fails a check."""
    import pyarrow as pa

    try:
        source = pa.memory_map(str(path))
        reader = pa.ipc.open_file(source, options=pa.ipc.IpcReadOptions(use_threads=False))
        found = reader.schema
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise damaged(f"not an Arrow IPC file: {_short(exc)}") from None
    if not found.remove_metadata().equals(expected):
        raise damaged(f"its columns are not those of {what}")
    text = (found.metadata or {}).get(_BATCH_ROWS_KEY, b"")
    rows = int(text) if text.isdigit() and 0 < len(text) < 10 else 0
    if rows < 1:
        raise damaged("no batch size in its metadata")
    if reader.num_record_batches != -(-n // rows):
        raise damaged(f"{reader.num_record_batches} batches, not those of {n} records")
    return source, reader, rows


def _read_batch(reader, k: int, rows: int, n: int, damaged) -> pa.RecordBatch:
    """Batch ``k`` of a file of ``n`` rows in batches of ``rows``, validated in full (offsets
    within bounds, valid UTF-8) and of the right length; ModelError from ``damaged`` if not."""
    import pyarrow as pa

    try:
        batch = reader.get_batch(k)
        batch.validate(full=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise damaged(f"batch {k + 1}: {_short(exc)}") from None
    want = min(rows, n - k * rows)
    if batch.num_rows != want:
        raise damaged(f"batch {k + 1} holds {batch.num_rows} records, not {want}")
    return batch


def _short(exc: BaseException, limit: int = 120) -> str:
    text = str(exc).replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."
