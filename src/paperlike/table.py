"""The records of a build as Arrow columns in memory: :class:`RecordTable`.

A build reads every record once and then reads a few fields of all of them many times (text
identities, the vectoriser, blocking, facets, look-up tables). Held as Record models, a
million records took more memory than the index built from them; here each field is one Arrow
column (UTF-8 bytes and offsets, lists of strings), filled :data:`TABLE_ROWS` records at a time
as a reader gives them, and a step takes the columns it reads (:meth:`RecordTable.chunks`), a
batch at a time, as Python lists it lets go. A record is made a Record only where one is asked
for (``table[i]``, iteration): at the API's boundary, or for the few records a step compares.
The columns are those of ``records.arrow`` (:func:`paperlike.columns.schema`), so saving
writes the table's own columns. Why and the figures: docs/architecture.md, benchmarks/RESULTS.md.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import columns, spill
from .records import Record

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["TABLE_ROWS", "RecordTable", "RecordSubset", "pack"]

# Records per batch of a table: a batch's lists of one column are what a step holds at once.
TABLE_ROWS = 1024
_CACHED_BATCHES = 8
_FIELD_NAMES = (*columns.STRING_FIELDS, *columns.LIST_FIELDS, "extra", "source_path", "source_line")


class RecordTable(Sequence[Record]):
    """Records as Arrow record batches (of :func:`paperlike.columns.schema`), read as a
    Sequence of Record models or, a batch of columns at a time, as lists (:meth:`chunks`).

    ``packed`` (the default) keeps each batch as a zstd-compressed Arrow IPC file in memory: a
    step decompresses only the columns it reads, a batch at a time. Abstracts are most of a
    corpus's bytes and compress about threefold.
    """

    def __init__(self, batches: Iterable[pa.RecordBatch] = (), *, packed: bool = True) -> None:
        self._packed = packed
        self._parts: list = []  # batches, packed batches, or (offset, size) in _file once spilled
        self._file = None
        self._starts = [0]
        self._cache = columns.LastRead(_CACHED_BATCHES)
        for batch in batches:
            self.append(batch)

    @classmethod
    def of(cls, records: Iterable[Record], batch_rows: int = TABLE_ROWS) -> RecordTable:
        """A table of the records (the same table when given one); Record models are taken
        ``batch_rows`` at a time, so only one batch of them need be alive at once."""
        if isinstance(records, RecordTable):
            return records
        if isinstance(records, columns.RecordFile):
            return cls(records.batches(batch_rows))
        table = cls()
        chunk: list[Record] = []
        for record in records:
            chunk.append(record)
            if len(chunk) == batch_rows:
                table.append(columns.to_batch(chunk))
                chunk = []
        if chunk:
            table.append(columns.to_batch(chunk))
        return table

    def append(self, batch: pa.RecordBatch) -> None:
        """Add a batch of records (of :func:`paperlike.columns.schema`) at the end."""
        if batch.num_rows:
            self._parts.append(pack(batch) if self._packed else batch)
            self._starts.append(self._starts[-1] + batch.num_rows)

    def append_packed(self, data: bytes, rows: int) -> None:
        """Add a batch of ``rows`` records as :func:`pack` gave it (made in another process)."""
        import pyarrow as pa

        if not self._packed:
            self.append(_unpack(pa.py_buffer(data), None))
        elif rows:
            self._parts.append(pa.py_buffer(data))
            self._starts.append(self._starts[-1] + rows)

    def __len__(self) -> int:
        return self._starts[-1]

    def __eq__(self, other: object) -> bool:
        """Equal to a sequence of the same records (a list of Record models, a table)."""
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def _locate(self, i: int) -> tuple[int, int]:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        k = bisect.bisect_right(self._starts, i) - 1
        return k, i - self._starts[k]

    def _batch(self, k: int, names: Sequence[str] | None = None) -> pa.RecordBatch:
        """Batch ``k``, with only the columns ``names`` (all when None), in the file's order;
        the last few read are kept."""
        part = self._part(k)
        wanted = None if names is None else tuple(sorted(set(names), key=columns.COLUMNS.index))
        if not self._packed:
            return part if wanted is None else part.select(list(wanted))
        found = self._cache.get((k, wanted))
        return found if found is not None else self._cache.put((k, wanted), _unpack(part, wanted))

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                return [self[j] for j in range(start, stop, step)]
            return RecordSubset(self, np.arange(start, max(start, stop), dtype=np.int64))
        k, j = self._locate(i)
        return columns.from_batch(self._batch(k).slice(j, 1))[0]

    def __iter__(self) -> Iterator[Record]:
        for batch in self.batches():
            yield from columns.from_batch(batch)

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The table's record batches (of :func:`paperlike.columns.schema`), in order."""
        for k in range(len(self._parts)):
            yield self._parts[k] if not self._packed else _unpack(self._part(k), None)

    def concat(self, other: Iterable[Record]) -> RecordTable:
        """A table of these records, then ``other``'s."""
        out = RecordTable(packed=self._packed)
        for batch in (*self.batches(), *RecordTable.of(other).batches()):
            out.append(batch)
        return out

    def with_ids(self, ids: Sequence[str]) -> RecordTable:
        """The same records with these ids (one per record, in order)."""
        import pyarrow as pa

        out, start = RecordTable(packed=self._packed), 0
        for batch in self.batches():
            column = pa.array(ids[start:start + batch.num_rows], type=pa.string())
            out.append(batch.set_column(batch.schema.get_field_index("id"), batch.schema.field("id"), column))
            start += batch.num_rows
        return out

    def chunks(self, names: Sequence[str]) -> Iterator[tuple[list, ...]]:
        """The values of the fields ``names`` (a Record's string and list fields, ``extra``
        as its JSON text, ``source_path``, ``source_line``), a batch at a time: one list per
        name, in order."""
        _check_names(names)
        for k in range(len(self._parts)):
            batch = self._batch(k, names) if self._packed else self._parts[k]
            yield tuple(batch.column(name).to_pylist() for name in names)

    def column(self, name: str) -> list:
        """Every record's value of one field (as :meth:`chunks` names them)."""
        return [value for (values,) in self.chunks((name,)) for value in values]

    def fields(self, i: int, names: tuple[str, ...]) -> tuple:
        """The values of a few fields of record ``i``, without making a Record."""
        _check_names(names)
        k, j = self._locate(i)
        batch = self._batch(k, names)
        return tuple(batch.column(name)[j].as_py() for name in names)

    def subset(self, indices: np.ndarray) -> RecordSubset:
        """The records at ``indices``, in that order, without copying their columns."""
        return RecordSubset(self, indices)

    def rows_at(self, indices: Iterable[int], names: Sequence[str]) -> dict[int, tuple]:
        """The values of ``names`` of the records at ``indices``, record by record: a step that
        compares a few records reads their fields once, a batch at a time."""
        _check_names(names)
        wanted = sorted(set(int(i) for i in indices))
        out: dict[int, tuple] = {}
        k, n = 0, len(wanted)
        while k < n:
            b, _ = self._locate(wanted[k])
            end = bisect.bisect_left(wanted, self._starts[b + 1], k)
            batch = self._batch(b, names)
            local = [i - self._starts[b] for i in wanted[k:end]]
            values = [_take(batch.column(name), local) for name in names]
            out.update(zip(wanted[k:end], zip(*values)))
            k = end
        return out

    def columns_at(self, indices: np.ndarray, names: Sequence[str]) -> tuple[list, ...]:
        """The values of ``names`` of the records at ``indices``, in that order, one list per
        name (as :meth:`chunks` gives them): each batch read once for the indices in it, and
        its values taken a column at a time."""
        _check_names(names)
        indices = np.asarray(indices, dtype=np.int64)
        order = np.argsort(indices, kind="stable")
        ordered = indices[order]
        starts = np.asarray(self._starts, dtype=np.int64)
        batch_of = np.searchsorted(starts, ordered, side="right") - 1
        cuts = [0, *(np.flatnonzero(np.diff(batch_of)) + 1).tolist(), len(ordered)]
        out: tuple[list, ...] = tuple([] for _ in names)
        for first, end in zip(cuts, cuts[1:]):
            if first == end:
                continue
            b = int(batch_of[first])
            batch = self._batch(b, names)
            local = (ordered[first:end] - starts[b]).tolist()
            for values, name in zip(out, names):
                values.extend(_take(batch.column(name), local))
        if np.any(order != np.arange(len(order))):  # back to the order asked
            place = np.empty_like(order)
            place[order] = np.arange(len(order))
            where = place.tolist()
            out = tuple([values[k] for k in where] for values in out)
        return out

    @property
    def nbytes(self) -> int:
        """The bytes the table holds (compressed, when packed)."""
        return sum(part[1] if isinstance(part, tuple) else part.size if self._packed else part.nbytes
                   for part in self._parts)

    def _part(self, k: int):
        """Packed batch ``k``, read back from the spilled file if it is there."""
        part = self._parts[k]
        if isinstance(part, tuple):
            import pyarrow as pa

            return pa.py_buffer(spill.read_part(self._file, part))
        return part

    def spill(self) -> None:
        """Move the packed batches to a file (:func:`paperlike.spill.to_file`: only within a
        build's :func:`paperlike.spill.beside`); each is read back when a step reads it."""
        if not self._packed or self._file is not None:
            return
        found = spill.to_file(self._parts)
        if found is not None:
            self._file, self._parts = found


def pack(batch: pa.RecordBatch) -> pa.Buffer:
    """A batch as an Arrow IPC file in memory, zstd-compressed (how a packed table holds it)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, batch.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_batch(batch)
    # a copy of its own size: the stream's buffer grows by doubling, and pyarrow's pool keeps
    # what it frees
    return pa.py_buffer(sink.getvalue().to_pybytes())


def _unpack(part: pa.Buffer, names: tuple[str, ...] | None) -> pa.RecordBatch:
    """The batch of a packed part, with only the columns ``names`` decompressed (all: None)."""
    import pyarrow as pa

    fields = None if names is None else [columns.COLUMNS.index(name) for name in names]
    options = pa.ipc.IpcReadOptions(use_threads=False, included_fields=fields)
    return pa.ipc.open_file(pa.BufferReader(part), options=options).get_batch(0)


class RecordSubset(Sequence[Record]):
    """Some records of a :class:`RecordTable`, by their positions there, in a given order: one
    record per text of an index (its representatives). Read as the table is."""

    def __init__(self, table: RecordTable, indices: np.ndarray) -> None:
        self._table = table
        self._indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._indices)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return RecordSubset(self._table, self._indices[i])
        return self._table[int(self._indices[i])]

    def __iter__(self) -> Iterator[Record]:
        for i in self._indices.tolist():
            yield self._table[i]

    def chunks(self, names: Sequence[str]) -> Iterator[tuple[list, ...]]:
        """As :meth:`RecordTable.chunks`, in this subset's order."""
        for start in range(0, len(self._indices), TABLE_ROWS):
            yield self._table.columns_at(self._indices[start:start + TABLE_ROWS], names)

    def column(self, name: str) -> list:
        return [value for (values,) in self.chunks((name,)) for value in values]

    def fields(self, i: int, names: tuple[str, ...]) -> tuple:
        return self._table.fields(int(self._indices[i]), names)

    def rows_at(self, indices: Iterable[int], names: Sequence[str]) -> dict[int, tuple]:
        """As :meth:`RecordTable.rows_at`, by positions in this subset."""
        positions = [int(i) for i in indices]
        found = self._table.rows_at(self._indices[positions].tolist() if positions else [], names)
        return {p: found[int(self._indices[p])] for p in positions}


def _take(column: pa.Array, local: list[int]) -> list:
    """The values of a column at a few sorted positions, as Python values."""
    if len(local) * 4 >= len(column):  # most of the batch: one conversion of it all
        values = column.to_pylist()
        return [values[j] for j in local]
    return [column[j].as_py() for j in local]


def _check_names(names: Sequence[str]) -> None:
    unknown = [name for name in names if name not in _FIELD_NAMES]
    if unknown:
        raise ValueError(f"not fields of a record table: {unknown}")
