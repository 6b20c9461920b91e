"""The TF-IDF rows written by the executors in row ranges, and assembled into CSR matrices.

The matrices never pass through the driver as rows: :func:`write_rows` range-partitions the
rows by text number, and each task writes its range as flat little-endian arrays (the texts'
numbers, each row's length, the column numbers, the values, the raw counts) into a staging
folder, renamed into place only when the whole range is written (a retried task rewrites its
own files). The driver collects one line per range (where it starts, how many rows and
entries) and :func:`assemble_rows` copies the ranges in order into the CSR arrays, a range at
a time through memory maps, checking that they cover every text once.

The staging folder must be one the executors write and the driver reads: on one machine any
folder; on a cluster a shared file system (the model's own staging area, beside the model
folder, when the model is on one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from pyspark.sql import DataFrame

from ..errors import ModelError
from .session import one_process, to_arrow

__all__ = ["write_rows", "assemble_rows"]

# File suffix -> (column, dtype) of each range's flat arrays.
_FILES = {"text": ("text", "<i8"), "length": (None, "<i4"), "idx": ("x_idx", "<i4"), "val": ("x_val", "<f4"),
          "cnt": ("counts", "<i4")}
_SUMMARY_SCHEMA = "part int, first long, rows long, nnz long"


def _name(folder: str | Path, part: int, suffix: str) -> Path:
    return Path(folder) / f"part-{part:05d}.{suffix}"


def write_rows(rows: DataFrame, folder: str | Path, partitions: int | None = None) -> pa.Table:
    """Each range of rows (``text``, ``x_idx``, ``x_val``, ``counts``), sorted by text number,
    written by the executors into ``folder``; the table of ranges (``part``, ``first`` text,
    ``rows``, ``nnz``), one line a non-empty range, collected to the driver."""
    target = str(Path(folder).resolve())
    os.makedirs(target, exist_ok=True)
    partitions = partitions or int(rows.sparkSession.conf.get("spark.sql.shuffle.partitions") or 8)

    def write(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        one_process()
        context = TaskContext.get()
        part, attempt = context.partitionId(), context.attemptNumber()
        staged = {s: _name(target, part, f"{s}.attempt-{attempt}") for s in _FILES}
        handles = {s: open(p, "wb") for s, p in staged.items()}
        first, n_rows, nnz = -1, 0, 0
        try:
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                texts = batch.column("text").to_numpy(zero_copy_only=False).astype("<i8")
                if first < 0:
                    first = int(texts[0])
                indices = batch.column("x_idx")
                offsets = indices.offsets.to_numpy().astype(np.int64)
                lengths = np.diff(offsets).astype("<i4")
                for suffix, (column, dtype) in _FILES.items():
                    if suffix == "text":
                        values = texts
                    elif suffix == "length":
                        values = lengths
                    else:
                        lists = batch.column(column)
                        at = lists.offsets.to_numpy()
                        values = lists.values.to_numpy(zero_copy_only=False)[at[0]:at[-1]].astype(dtype)
                    handles[suffix].write(np.ascontiguousarray(values).tobytes())
                n_rows += len(texts)
                nnz += int(offsets[-1] - offsets[0])
        finally:
            for handle in handles.values():
                handle.close()
        if n_rows == 0:
            for path in staged.values():
                path.unlink()
            return
        for suffix, path in staged.items():
            os.replace(path, _name(target, part, suffix))
        yield pa.RecordBatch.from_pydict({"part": pa.array([part], pa.int32()), "first": pa.array([first], pa.int64()),
                                          "rows": pa.array([n_rows], pa.int64()), "nnz": pa.array([nnz], pa.int64())})

    ranged = (rows.select("text", "x_idx", "x_val", "counts")
              .repartitionByRange(partitions, "text").sortWithinPartitions("text"))
    return to_arrow(ranged.mapInArrow(write, _SUMMARY_SCHEMA))


def _mapped(folder: str | Path, part: int, suffix: str, n: int) -> np.ndarray:
    """A range's flat array of n values, mapped read-only, after checking its size."""
    path = _name(folder, part, suffix)
    dtype = np.dtype(_FILES[suffix][1])
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ModelError(f"{path}: missing; the executors must write the staging folder on a file system "
                         "the driver reads (a shared one on a cluster)") from None
    if size != n * dtype.itemsize:
        raise ModelError(f"{path}: {size} bytes, not the {n * dtype.itemsize} its range needs; build again")
    return np.memmap(path, dtype=dtype, mode="r", shape=(n,)) if n else np.empty(0, dtype)


def assemble_rows(folder: str | Path, ranges: pa.Table, n_texts: int, n_cols: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The TF-IDF matrix and the counts (CSR, a row per text) from the ranges :func:`write_rows`
    wrote, copied a range at a time into the driver's arrays."""
    order = np.argsort(ranges.column("first").to_numpy(), kind="stable")
    parts = ranges.column("part").to_numpy()[order]
    firsts = ranges.column("first").to_numpy()[order]
    counts = ranges.column("rows").to_numpy()[order]
    sizes = ranges.column("nnz").to_numpy()[order]
    starts = np.concatenate([[0], np.cumsum(counts)])
    if starts[-1] != n_texts or not np.array_equal(firsts, starts[:-1]):
        raise ModelError(f"{folder}: the executors' row ranges do not cover the {n_texts} texts once "
                         f"({int(starts[-1])} rows written); build again")
    nnz = int(sizes.sum())
    indptr = np.zeros(n_texts + 1, dtype=np.int64)
    indices = np.empty(nnz, dtype=np.int32)
    data = np.empty(nnz, dtype=np.float32)
    raw = np.empty(nnz, dtype=np.int32)
    at = 0
    for part, first, n_rows, size in zip(parts.tolist(), firsts.tolist(), counts.tolist(), sizes.tolist()):
        if not np.array_equal(_mapped(folder, part, "text", n_rows), np.arange(first, first + n_rows)):
            raise ModelError(f"{_name(folder, part, 'text')}: the range's texts are not {first}..{first + n_rows - 1}; "
                             "build again")
        lengths = _mapped(folder, part, "length", n_rows)
        indptr[first + 1:first + n_rows + 1] = at + np.cumsum(lengths, dtype=np.int64)
        if indptr[first + n_rows] != at + size:
            raise ModelError(f"{_name(folder, part, 'length')}: the row lengths do not add up to {size}; build again")
        indices[at:at + size] = _mapped(folder, part, "idx", size)
        data[at:at + size] = _mapped(folder, part, "val", size)
        raw[at:at + size] = _mapped(folder, part, "cnt", size)
        at += size
    X = sp.csr_matrix((data, indices, indptr), shape=(n_texts, n_cols))
    return X, sp.csr_matrix((raw, indices.copy(), indptr.copy()), shape=(n_texts, n_cols))
